//! Format-preserving edits of spec files: the text is changed at the spans
//! the parser recorded and nowhere else, so comments, order and layout stay
//! as the developer wrote them. Used by `platc set-image`, the promotion step
//! of the deploy workflows.

use crate::diagnostic::Diagnostics;
use crate::emit::is_plain_safe;
use crate::source::{FileId, SourceFile, Span};
use crate::syntax::{self, Format, Node, Scalar};

/// Why an edit could not be made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditError(pub String);

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EditError {}

/// The spec text with the image tag of `environment` set to `tag`: the
/// environment block's `image` is updated in place, or added (with the
/// repository of the service's own image) when the block has none, or the
/// block is added when the spec has none.
pub fn set_image(file: &SourceFile, environment: &str, tag: &str) -> Result<String, EditError> {
    if tag.is_empty() || !tag.bytes().all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'-')) {
        return Err(EditError(format!("`{tag}` is not an image tag: letters, digits, `_`, `.` and `-` only")));
    }
    let mut diagnostics = Diagnostics::default();
    let document = syntax::parse(file, FileId(0), &mut diagnostics);
    if diagnostics.has_errors() {
        return Err(EditError(format!("`{}` does not parse; fix it first (`platc validate`)", file.path)));
    }
    let service = document
        .nodes
        .iter()
        .find(|node| node.name == "service")
        .ok_or_else(|| EditError(format!("`{}` has no service", file.path)))?;
    let base = field(service, "image")
        .ok_or_else(|| EditError("the service has no `image` to take the repository from".to_owned()))?;
    let repository = image_repository(base)?;
    let text = &file.text;
    let format = Format::of_path(&file.path);
    let block = service.children.iter().find(|child| {
        child.name == "environment"
            && child
                .args
                .first()
                .or_else(|| child.props.iter().find(|prop| prop.key == "name").map(|prop| &prop.value))
                .is_some_and(|value| value.scalar == Scalar::String(environment.to_owned()))
    });
    let edit = match (block, format) {
        (Some(block), _) => match field_node(block, "image") {
            Some(ImageField::Node(image)) => replace_tag(image, &repository, tag, format)?,
            Some(ImageField::Prop(span)) => Edit::replace(span, scalar(&format!("{repository}:{tag}"), format)),
            None => insert_image(text, block, &repository, tag, format),
        },
        (None, Format::Kdl) => {
            let indent = child_indent(text, service);
            let close = closing_brace(text, service)?;
            let inner = format!("{indent}    ");
            Edit::insert(
                close,
                format!(
                    "\n\n{indent}environment {environment} {{\n{inner}image {} tag={}\n{indent}}}",
                    quoted(&repository),
                    quoted(tag)
                ),
            )
        }
        (None, Format::Yaml) => {
            let indent = yaml_indent(text, service);
            let last = text[..service.span.end as usize].trim_end().len();
            let end = line_end(text, last);
            Edit::insert(
                end,
                format!(
                    "\n{indent}environment:\n{indent}  - name: {environment}\n{indent}    image: {}",
                    scalar(&format!("{repository}:{tag}"), Format::Yaml)
                ),
            )
        }
    };
    Ok(edit.apply(text))
}

/// A text change.
struct Edit {
    start: usize,
    end: usize,
    text: String,
}

impl Edit {
    fn replace(span: Span, text: String) -> Edit {
        Edit { start: span.start as usize, end: span.end as usize, text }
    }

    fn insert(at: usize, text: String) -> Edit {
        Edit { start: at, end: at, text }
    }

    fn apply(&self, text: &str) -> String {
        format!("{}{}{}", &text[..self.start], self.text, &text[self.end..])
    }
}

enum ImageField<'a> {
    Node(&'a Node),
    /// `image: repo:tag` in YAML, a property of the block.
    Prop(Span),
}

fn field_node<'a>(block: &'a Node, name: &str) -> Option<ImageField<'a>> {
    if let Some(node) = block.children.iter().rev().find(|child| child.name == name) {
        return Some(ImageField::Node(node));
    }
    block.props.iter().rev().find(|prop| prop.key == name).map(|prop| ImageField::Prop(prop.value.span))
}

/// The service's own image as a node (a KDL child, or a YAML property).
fn field<'a>(service: &'a Node, name: &str) -> Option<Result<&'a Node, &'a crate::syntax::Value>> {
    match field_node(service, name)? {
        ImageField::Node(node) => Some(Ok(node)),
        ImageField::Prop(_) => service.props.iter().rev().find(|prop| prop.key == name).map(|prop| Err(&prop.value)),
    }
}

/// The repository part (no tag, no digest) of the service's image.
fn image_repository(base: Result<&Node, &crate::syntax::Value>) -> Result<String, EditError> {
    let value = match base {
        Ok(node) => {
            node.args.first().or_else(|| node.props.iter().find(|prop| prop.key == "name").map(|prop| &prop.value))
        }
        Err(value) => Some(value),
    };
    let Some(crate::syntax::Value { scalar: Scalar::String(reference), .. }) = value else {
        return Err(EditError("the service's `image` is not a string".to_owned()));
    };
    Ok(strip_tag(reference).to_owned())
}

fn strip_tag(reference: &str) -> &str {
    let without_digest = reference.split('@').next().unwrap_or(reference);
    let last_slash = without_digest.rfind('/').map_or(0, |slash| slash + 1);
    match without_digest[last_slash..].find(':') {
        Some(colon) => &without_digest[..last_slash + colon],
        None => without_digest,
    }
}

/// Sets the tag of an `image` node: its `tag=` property, or the tag inside
/// its reference.
fn replace_tag(image: &Node, repository: &str, tag: &str, format: Format) -> Result<Edit, EditError> {
    if let Some(prop) = image.props.iter().rev().find(|prop| prop.key == "tag") {
        return Ok(Edit::replace(prop.value.span, scalar(tag, format)));
    }
    if let Some(child) = image.children.iter().rev().find(|child| child.name == "tag")
        && let Some(value) = child.args.first()
    {
        return Ok(Edit::replace(value.span, scalar(tag, format)));
    }
    let value = image
        .args
        .first()
        .or_else(|| image.props.iter().find(|prop| prop.key == "name").map(|prop| &prop.value))
        .ok_or_else(|| EditError("the environment's `image` has no reference".to_owned()))?;
    let Scalar::String(reference) = &value.scalar else {
        return Err(EditError("the environment's `image` is not a string".to_owned()));
    };
    let own_repository = strip_tag(reference);
    let repository = if own_repository.is_empty() { repository } else { own_repository };
    Ok(Edit::replace(value.span, scalar(&format!("{repository}:{tag}"), format)))
}

fn insert_image(text: &str, block: &Node, repository: &str, tag: &str, format: Format) -> Edit {
    match format {
        Format::Kdl => {
            let indent = child_indent(text, block);
            match closing_brace(text, block) {
                Ok(at) => Edit::insert(at, format!("\n{indent}image {} tag={}", quoted(repository), quoted(tag))),
                // `environment production` without a block: give it one.
                Err(_) => Edit::insert(
                    block.span.end as usize,
                    format!(
                        " {{\n{indent}image {} tag={}\n{}}}",
                        quoted(repository),
                        quoted(tag),
                        line_indent(text, block.span.start as usize)
                    ),
                ),
            }
        }
        Format::Yaml => {
            let name = block.props.iter().find(|prop| prop.key == "name").map_or(block.name_span, |prop| prop.key_span);
            let indent = " ".repeat(column(text, name.start as usize));
            let end = line_end(text, name.end as usize);
            Edit::insert(end, format!("\n{indent}image: {}", scalar(&format!("{repository}:{tag}"), Format::Yaml)))
        }
    }
}

/// The position to insert a new last line into a block: the end of the line
/// before its closing `}`, or just before the `}` of a one-line block.
fn closing_brace(text: &str, node: &Node) -> Result<usize, EditError> {
    let end = node.span.end as usize;
    let close = text[..end].rfind('}').filter(|close| *close >= node.span.start as usize);
    let Some(close) = close else { return Err(EditError("the block has no braces".to_owned())) };
    let before = text[..close].trim_end_matches([' ', '\t']);
    if before.ends_with('\n') {
        Ok(before.len() - 1)
    } else {
        // `environment x { … }` on one line.
        Ok(close)
    }
}

fn child_indent(text: &str, node: &Node) -> String {
    if let Some(child) = node.children.first() {
        return line_indent(text, child.span.start as usize);
    }
    format!("{}    ", line_indent(text, node.span.start as usize))
}

fn yaml_indent(text: &str, node: &Node) -> String {
    let first = node
        .props
        .first()
        .map(|prop| prop.key_span.start)
        .into_iter()
        .chain(node.children.first().map(|child| child.name_span.start))
        .min();
    " ".repeat(first.map_or(2, |start| column(text, start as usize)))
}

fn line_indent(text: &str, offset: usize) -> String {
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    text[start..].chars().take_while(|character| *character == ' ' || *character == '\t').collect()
}

fn column(text: &str, offset: usize) -> usize {
    let start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    text[start..offset].chars().count()
}

fn line_end(text: &str, offset: usize) -> usize {
    text[offset..].find('\n').map_or(text.len(), |newline| offset + newline)
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A value in the file's own syntax.
fn scalar(text: &str, format: Format) -> String {
    if format == Format::Yaml && is_plain_safe(text) { text.to_owned() } else { quoted(text) }
}

#[cfg(test)]
mod tests {
    use super::set_image;
    use crate::source::SourceFile;

    fn edit(path: &str, text: &str, environment: &str, tag: &str) -> String {
        set_image(&SourceFile::new(path, text), environment, tag).unwrap()
    }

    #[test]
    fn kdl_adds_an_environment_block_and_keeps_everything_else() {
        let text = "// keep me\nservice api {\n    image \"ghcr.io/acme/api:1.0.0\" // pinned\n    port 8080\n}\n";
        let expected = "// keep me\nservice api {\n    image \"ghcr.io/acme/api:1.0.0\" // pinned\n    port 8080\n\n    environment staging {\n        image \"ghcr.io/acme/api\" tag=\"1.1.0\"\n    }\n}\n";
        assert_eq!(edit("platc.kdl", text, "staging", "1.1.0"), expected);
    }

    #[test]
    fn kdl_changes_only_the_tag() {
        let text = "service api {\n    image \"api:1.0.0\"\n    environment production {\n        replicas 3   // more\n        image \"api\" tag=\"1.0.0\"\n    }\n}\n";
        assert_eq!(edit("platc.kdl", text, "production", "2.0.0"), text.replace("tag=\"1.0.0\"", "tag=\"2.0.0\""));
        let inline = "service api {\n    image \"api:1.0.0\"\n    environment production {\n        image \"api:1.0.0\"\n    }\n}\n";
        assert_eq!(
            edit("platc.kdl", inline, "production", "2.0.0"),
            inline.replace("        image \"api:1.0.0\"", "        image \"api:2.0.0\"")
        );
    }

    #[test]
    fn kdl_adds_an_image_to_an_existing_block() {
        let text =
            "service api {\n    image \"api:1.0.0\"\n    environment production {\n        replicas 3\n    }\n}\n";
        let expected = "service api {\n    image \"api:1.0.0\"\n    environment production {\n        replicas 3\n        image \"api\" tag=\"2.0.0\"\n    }\n}\n";
        assert_eq!(edit("platc.kdl", text, "production", "2.0.0"), expected);
    }

    #[test]
    fn yaml_edits_in_place_and_appends() {
        let text = "# top\nservice:\n  name: api\n  image: api:1.0.0  # pinned\n  environment:\n    - name: production\n      image: api:1.0.0\n";
        assert_eq!(
            edit("platc.yaml", text, "production", "2.0.0"),
            text.replace("      image: api:1.0.0", "      image: api:2.0.0")
        );
        let plain = "service:\n  name: api\n  image: api:1.0.0\n";
        assert_eq!(
            edit("platc.yaml", plain, "staging", "1.1.0"),
            "service:\n  name: api\n  image: api:1.0.0\n  environment:\n    - name: staging\n      image: api:1.1.0\n"
        );
        let no_image =
            "service:\n  name: api\n  image: api:1.0.0\n  environment:\n    - name: staging\n      replicas: 1\n";
        assert_eq!(
            edit("platc.yaml", no_image, "staging", "1.1.0"),
            "service:\n  name: api\n  image: api:1.0.0\n  environment:\n    - name: staging\n      image: api:1.1.0\n      replicas: 1\n"
        );
    }

    #[test]
    fn refuses_bad_tags() {
        assert!(
            set_image(&SourceFile::new("platc.kdl", "service a { image \"a:1\" }"), "production", "bad tag").is_err()
        );
    }
}
