//! The KDL 2.0 front end, on the `kdl` crate.

use kdl::{KdlDocument, KdlEntry, KdlNode, KdlValue};

use super::{Document, Node, Prop, Scalar, Value};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// Messages `kdl` gives as a consequence of an earlier error; shown only when
/// nothing more specific was found.
const CASCADE_MESSAGES: &[&str] =
    &["Expected end of document", "No closing '}' for child block", "Closing '}' was not found after nodes"];

pub(super) fn parse(text: &str, offset: usize, file: FileId, diagnostics: &mut Diagnostics) -> Document {
    let cx = Cx { text, offset, file };
    if let Some(start) = too_deep(text) {
        diagnostics.push(
            Diagnostic::error(
                "syntax::kdl",
                cx.span(start, start + 1),
                format!("nesting deeper than {MAX_DEPTH} levels"),
            )
            .primary_text("here")
            .help("flatten the structure"),
        );
        return Document::default();
    }
    if let Some(nodes) = super::kdl_fast::parse(text, offset, file) {
        return Document { nodes };
    }
    parse_with_crate(&cx, diagnostics)
}

/// Whether the fast path, when it accepts `text`, makes of it what the crate
/// does, without an error.
pub(super) fn fast_path_agrees(text: &str) -> Option<bool> {
    if too_deep(text).is_some() {
        return None;
    }
    let (fast, slow, diagnostics) = both_paths(text);
    Some(diagnostics.is_empty() && fast? == slow)
}

/// The fast path's nodes and the crate's for `text`, as comparable text (the
/// fast path's `None` when it gives up), and the crate's diagnostics.
fn both_paths(text: &str) -> (Option<String>, String, Diagnostics) {
    let file = FileId(0);
    let fast = super::kdl_fast::parse(text, 3, file).map(|nodes| format!("{nodes:#?}"));
    let mut diagnostics = Diagnostics::default();
    let slow = parse_with_crate(&Cx { text, offset: 3, file }, &mut diagnostics);
    (fast, format!("{:#?}", slow.nodes), diagnostics)
}

/// The whole of KDL 2.0, and its errors, by the `kdl` crate.
fn parse_with_crate(cx: &Cx<'_>, diagnostics: &mut Diagnostics) -> Document {
    let text = cx.text;
    match KdlDocument::parse(text) {
        Ok(document) => Document { nodes: document.nodes().iter().map(|node| cx.node(node)).collect() },
        Err(error) => {
            let specific: Vec<_> = error
                .diagnostics
                .iter()
                .filter(|diagnostic| !CASCADE_MESSAGES.contains(&diagnostic.message.as_deref().unwrap_or_default()))
                .collect();
            let chosen = if specific.is_empty() { error.diagnostics.iter().take(1).collect() } else { specific };
            for diagnostic in chosen {
                let start = diagnostic.span.offset();
                let span = cx.span(start, start + diagnostic.span.len());
                let message = diagnostic.message.as_deref().unwrap_or("invalid KDL").to_owned();
                let help = hint(text, start, start + diagnostic.span.len()).or_else(|| diagnostic.help.clone());
                diagnostics.push(
                    Diagnostic::error("syntax::kdl", span, lowercase_first(&message))
                        .primary_text(diagnostic.label.clone().unwrap_or_else(|| "here".to_owned()))
                        .help_opt(help),
                );
            }
            Document::default()
        }
    }
}

/// The deepest nesting of children blocks (and block comments) a KDL file may
/// use. The `kdl` crate parses by recursive descent, so a deeply nested file
/// would overflow the stack: at 64 levels a debug build already overflows a
/// 2 MiB thread stack. No spec needs more than a handful of levels.
const MAX_DEPTH: usize = 32;

/// The offset of the first `{` (or `/*`) nested deeper than [`MAX_DEPTH`],
/// found by a cheap scan that skips strings and comments as KDL 2.0 reads
/// them. Where the scan is unsure (an unterminated string) it stops the
/// string early, so it may count a brace too many, never one too few.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let at = |index: usize, pattern: &[u8]| bytes.get(index..).is_some_and(|rest| rest.starts_with(pattern));
    let mut depth = 0usize;
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(index);
                }
                index += 1;
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                index += 1;
            }
            b'/' if at(index, b"//") => {
                index = bytes[index..].iter().position(|&byte| byte == b'\n').map_or(bytes.len(), |end| index + end);
            }
            b'/' if at(index, b"/*") => {
                // Block comments nest, and the parser recurses into them too.
                let mut comments = 0usize;
                while index < bytes.len() {
                    if at(index, b"/*") {
                        comments += 1;
                        if depth + comments > MAX_DEPTH {
                            return Some(index);
                        }
                        index += 2;
                    } else if at(index, b"*/") {
                        comments -= 1;
                        index += 2;
                        if comments == 0 {
                            break;
                        }
                    } else {
                        index += 1;
                    }
                }
            }
            b'"' => index = skip_string(bytes, index, 0),
            b'#' => {
                let hashes = bytes[index..].iter().take_while(|&&byte| byte == b'#').count();
                index = if bytes.get(index + hashes) == Some(&b'"') {
                    skip_string(bytes, index + hashes, hashes)
                } else {
                    index + hashes
                };
            }
            _ => index += 1,
        }
    }
    None
}

/// The offset after the string that opens at `start` (a `"`): a quoted
/// string with escapes, or a raw one closed by `"` and `hashes` `#`s; either
/// multi-line when it opens with `"""`. A single-line string ends at a line
/// break, where the parser reports it unterminated.
fn skip_string(bytes: &[u8], start: usize, hashes: usize) -> usize {
    let multi_line = bytes[start..].starts_with(b"\"\"\"");
    let quotes = if multi_line { 3 } else { 1 };
    let mut close = vec![b'"'; quotes];
    close.extend(std::iter::repeat_n(b'#', hashes));
    let mut index = start + quotes;
    while index < bytes.len() {
        if bytes[index..].starts_with(&close) {
            return index + close.len();
        }
        match bytes[index] {
            b'\\' if hashes == 0 => index += 2,
            b'\n' | b'\r' if !multi_line => return index,
            _ => index += 1,
        }
    }
    bytes.len()
}

struct Cx<'a> {
    text: &'a str,
    offset: usize,
    file: FileId,
}

impl Cx<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start + self.offset, end + self.offset)
    }

    fn node(&self, node: &KdlNode) -> Node {
        let span = node.span();
        let name = node.name();
        let name_span = self.span(name.span().offset(), name.span().offset() + name.span().len());
        let mut args = Vec::new();
        let mut props = Vec::new();
        for entry in node.entries() {
            match entry.name() {
                None => args.push(self.value(entry, entry.span().offset())),
                Some(key) => {
                    let key_start = key.span().offset();
                    let key_end = key_start + key.span().len();
                    let value_start = self.text[key_end..].find('=').map_or(key_end, |equals| key_end + equals + 1);
                    props.push(Prop {
                        key: key.value().to_owned(),
                        key_span: self.span(key_start, key_end),
                        value: self.value(entry, value_start),
                    });
                }
            }
        }
        let children = node.iter_children().map(|child| self.node(child)).collect();
        let trimmed_end = span.offset() + self.text[span.offset()..span.offset() + span.len()].trim_end().len();
        Node {
            name: name.value().to_owned(),
            name_span,
            span: self.span(span.offset(), trimmed_end),
            args,
            props,
            children,
        }
    }

    fn value(&self, entry: &KdlEntry, start: usize) -> Value {
        let end = entry.span().offset() + entry.span().len();
        let scalar = match entry.value() {
            KdlValue::String(text) => Scalar::String(text.clone()),
            KdlValue::Integer(number) =>
            {
                #[allow(clippy::cast_precision_loss)]
                i64::try_from(*number).map_or(Scalar::Float(*number as f64), Scalar::Integer)
            }
            KdlValue::Float(number) => Scalar::Float(*number),
            KdlValue::Bool(flag) => Scalar::Bool(*flag),
            KdlValue::Null => Scalar::Null,
        };
        Value { scalar, span: self.span(start, end.max(start)) }
    }
}

/// platc's own hints for the KDL mistakes everyone makes once: bare values
/// that start with a digit or hold a `/`, and `true` without its `#`.
fn hint(text: &str, start: usize, end: usize) -> Option<String> {
    let line_start = text[..start.min(text.len())].rfind('\n').map_or(0, |newline| newline + 1);
    let line_end = text[end.min(text.len())..].find('\n').map_or(text.len(), |newline| end + newline);
    let region = text.get(line_start..line_end)?;
    for line in region.lines() {
        for token in line.split_whitespace() {
            if token.starts_with("//") {
                break;
            }
            // Not a mistake anyone types: binary or minified garbage.
            if token.len() > 80 || token.chars().any(char::is_control) {
                continue;
            }
            let value = token.split_once('=').map_or(token, |(_, value)| value);
            if value.starts_with('"') {
                continue;
            }
            let starts_with_digit = value.chars().next().is_some_and(|first| first.is_ascii_digit());
            if starts_with_digit && value.chars().any(|character| character.is_ascii_alphabetic()) {
                return Some(format!(
                    "in KDL a value that starts with a digit is a number: quote it, as in `{}`",
                    quote_token(token)
                ));
            }
            if token.contains('/') && !token.contains('"') {
                return Some(format!("a name or value with `/` must be quoted in KDL, as in `{}`", quote_token(token)));
            }
            if matches!(value, "true" | "false" | "null") && token.contains('=') {
                let key = token.split_once('=').map_or("", |(key, _)| key);
                return Some(format!("KDL writes booleans and null with `#`: `{key}=#{value}`"));
            }
        }
    }
    None
}

/// Quotes the parts of `key=value` (or of a lone value) that need it.
fn quote_token(token: &str) -> String {
    let quote = |part: &str| {
        let needs = part.contains('/') || part.starts_with(|first: char| first.is_ascii_digit());
        if needs { format!("\"{part}\"") } else { part.to_owned() }
    };
    match token.split_once('=') {
        Some((key, value)) => format!("{}={}", quote(key), quote(value)),
        None => quote(token),
    }
}

fn lowercase_first(message: &str) -> String {
    let mut characters = message.chars();
    match characters.next() {
        Some(first) => first.to_lowercase().chain(characters).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_DEPTH, both_paths as both, too_deep};

    /// Every KDL file of the repository: specs, platform configs, the
    /// stdlib, invalid cases, book examples, fuzz seeds.
    #[allow(clippy::disallowed_methods)]
    fn corpus() -> Vec<(String, String)> {
        fn walk(folder: &std::path::Path, out: &mut Vec<(String, String)>) {
            let Ok(entries) = std::fs::read_dir(folder) else { return };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_dir() && !matches!(name.as_str(), "target" | ".git" | "node_modules") {
                    walk(&path, out);
                } else if (name.ends_with(".kdl")
                    || path.parent().is_some_and(|parent| parent.ends_with("seeds/kdl_front_end")))
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push((path.display().to_string(), text));
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut out = Vec::new();
        for folder in ["stdlib", "fixtures", "book", "fuzz"] {
            walk(&root.join(folder), &mut out);
        }
        out
    }

    #[test]
    fn the_fast_path_reads_every_file_it_accepts_as_the_crate_does() {
        let corpus = corpus();
        assert!(corpus.len() > 100, "the corpus is the repository's KDL files: found {}", corpus.len());
        let mut accepted = 0;
        for (path, text) in &corpus {
            let (fast, slow, diagnostics) = both(text);
            if let Some(fast) = fast {
                accepted += 1;
                assert!(diagnostics.is_empty(), "{path}: the fast path accepted what the crate rejects");
                assert_eq!(fast, slow, "{path}");
            }
        }
        // The stdlib and the fixtures' specs are all on the fast path.
        for (path, text) in
            corpus.iter().filter(|(path, _)| path.contains("/stdlib/") || path.ends_with("minimal/platc.kdl"))
        {
            assert!(both(text).0.is_some(), "{path} should be on the fast path");
        }
        assert!(accepted * 2 > corpus.len(), "only {accepted} of {} files on the fast path", corpus.len());
    }

    #[test]
    fn the_fast_path_agrees_with_the_crate_on_generated_documents() {
        // Documents strung together from KDL's pieces, valid or not, from a
        // fixed seed: whatever the fast path accepts, the crate reads alike.
        const PIECES: &[&str] = &[
            "a",
            "node",
            "k",
            " ",
            " ",
            "  ",
            "\t",
            "\n",
            "\n",
            ";",
            "=",
            " = ",
            "{",
            "}",
            "{ ",
            " }",
            "\"s\"",
            "\"a b\"",
            "\"\\n\\u{e9}\"",
            "\"\"",
            "1",
            "-2",
            "+3",
            "1.5",
            "1e3",
            "1_000",
            "0",
            "#true",
            "#false",
            "#null",
            "#inf",
            "//c\n",
            "/*c*/",
            "/* a /* b */ c */",
            "/-",
            "(t)",
            "x.y",
            "a-b",
            "-",
            ".5",
            "0x1f",
            "é",
            "\"é\"",
            "\\",
            "#\"r\"#",
            "true",
            "\r\n",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut accepted = 0;
        for _ in 0..10_000 {
            let length = 1 + usize::try_from(next() % 24).unwrap_or(0);
            let text: String =
                (0..length).map(|_| PIECES[usize::try_from(next() % PIECES.len() as u64).unwrap_or(0)]).collect();
            let (fast, slow, diagnostics) = both(&text);
            if let Some(fast) = fast {
                accepted += 1;
                assert!(diagnostics.is_empty(), "{text:?}: the fast path accepted what the crate rejects");
                assert_eq!(fast, slow, "{text:?}");
            }
        }
        assert!(accepted > 200, "only {accepted} generated documents on the fast path");
    }

    #[test]
    fn the_fast_path_agrees_with_the_crate_on_edge_cases() {
        for text in [
            "",
            "// only a comment\n",
            "a",
            "a 1 // trailing\nb /* mid */ 2 /* end */\nc{d 1}\ne {}\nf { g; h }\n",
            "\"q n\" \"k k\"=1 1_000 1e3 -3 +4 2.5 -0.5e-2 #null #false #true\n",
            "i \"é\\u{41}\\n\\t\\\"\\\\\\s\\b\\f\"\n",
            "j { k 1 // c\n}\nl 1;m 2\n  n  3  ",
            "a x = 1 y= 2 z =3 w=\"v\" bare v=bare\n",
            "a { b { c { d 1 } } }\n",
            "a 1;\nb 2;",
            "a /* x */ 1 /* y */\n",
            "a 1 /* multi\nline */ 2\n",
            "x 123456789012345678 -123456789012345678\n",
            "x a:b c.d e_f g-h\n",
        ] {
            let (fast, slow, diagnostics) = both(text);
            assert!(diagnostics.is_empty(), "{text:?}: {diagnostics:?}");
            assert_eq!(fast.as_deref(), Some(slow.as_str()), "{text:?}");
        }
        // Outside the fast path: the crate decides.
        for text in [
            "a\r\nb",
            "/- a\n",
            "a (t)1\n",
            "a #\"raw\"#\n",
            "a \"\"\"\nx\n\"\"\"\n",
            "a 0x1F\n",
            "a #inf\n",
            "a -x\n",
            "a true\n",
            "a 1abc\n",
            "a \\\n  1\n",
            "a \"open\n",
            "a {\n",
            "}\n",
            "a { b } c\n",
            "a { b } /* after */\n",
            "é 1\n",
            "a \"\u{202e}\"\n",
            ";a\n",
            "a 12345678901234567890\n",
        ] {
            assert_eq!(both(text).0, None, "{text:?} is left to the crate");
        }
    }

    fn nested(levels: usize) -> String {
        format!("service x {{{}{}}}", " a {".repeat(levels - 1), "}".repeat(levels - 1))
    }

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        assert_eq!(too_deep(&nested(MAX_DEPTH)), None);
        assert!(too_deep(&nested(MAX_DEPTH + 1)).is_some());
        let braces = "{".repeat(MAX_DEPTH * 2);
        for hidden in [
            format!("a \"{braces}\""),
            format!("a \"\\\"{braces}\""),
            format!("a #\"{braces}\"#"),
            format!("a ##\"\"#{braces}\"##"),
            format!("a \"\"\"\n\"{braces}\n\"\"\""),
            format!("a // {braces}\n"),
            format!("a /* {braces} /* */ {braces} */"),
        ] {
            assert_eq!(too_deep(&hidden), None, "{hidden}");
        }
        // A line break ends a single-line string, so a brace after it counts.
        assert!(too_deep(&format!("a \"open\n{braces}")).is_some());
        assert!(too_deep(&format!("a {}", "/*".repeat(MAX_DEPTH + 1))).is_some());
    }
}
