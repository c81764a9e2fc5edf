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
