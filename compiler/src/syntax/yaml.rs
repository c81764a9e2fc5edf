//! The YAML front end, on `saphyr-parser`'s event stream.
//!
//! Reading events rather than a finished tree keeps the guarantees in our
//! hands: aliases are refused (no billion-laughs expansion), nesting is
//! bounded, duplicate keys are errors, and every value keeps its span.

use std::collections::BTreeMap;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::{Document, Node, Prop, Scalar, Value};
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{FileId, Span};

/// Deeper nesting than any spec needs is refused rather than recursed into.
const MAX_DEPTH: usize = 64;

pub(super) fn parse(text: &str, offset: usize, file: FileId, diagnostics: &mut Diagnostics) -> Document {
    let positions = Positions::new(text, offset);
    let mut builder = Builder { positions: &positions, file, error: None, many: false };
    let tree = builder.read(text).into_iter().next();
    if let Some(error) = builder.error {
        diagnostics.push(error);
        return Document::default();
    }
    let mut convert = Convert { diagnostics, file };
    match tree {
        None => Document::default(),
        Some(Tree::Scalar(value)) if value.scalar == Scalar::Null => Document::default(),
        Some(Tree::Map(entries, _)) => Document { nodes: convert.top_level(entries) },
        Some(other) => {
            convert.diagnostics.push(
                Diagnostic::error("syntax::yaml", other.span(), "a spec file must be a mapping at the top level")
                    .primary_text("expected `key: value` entries")
                    .help("start the file with `service:` and indent the service's fields under it"),
            );
            Document::default()
        }
    }
}

/// A YAML value with spans: the tree the event stream describes.
#[derive(Debug)]
enum Tree {
    Scalar(Value),
    Seq(Vec<Tree>, Span),
    Map(Vec<(Value, Tree)>, Span),
}

impl Tree {
    fn span(&self) -> Span {
        match self {
            Tree::Scalar(value) => value.span,
            Tree::Seq(_, span) | Tree::Map(_, span) => *span,
        }
    }
}

/// Maps saphyr's character indices to byte offsets in the file.
struct Positions {
    /// Byte offset of every character, or empty when the text is ASCII.
    byte_of_char: Vec<usize>,
    offset: usize,
    len: usize,
}

impl Positions {
    fn new(text: &str, offset: usize) -> Positions {
        let byte_of_char =
            if text.is_ascii() { Vec::new() } else { text.char_indices().map(|(byte, _)| byte).collect() };
        Positions { byte_of_char, offset, len: text.len() }
    }

    fn byte(&self, char_index: usize) -> usize {
        let byte = if self.byte_of_char.is_empty() {
            char_index.min(self.len)
        } else {
            self.byte_of_char.get(char_index).copied().unwrap_or(self.len)
        };
        byte + self.offset
    }
}

struct Builder<'a> {
    positions: &'a Positions,
    file: FileId,
    error: Option<Diagnostic>,
    /// Whether several documents are allowed (raw manifests) or one (specs).
    many: bool,
}

enum Frame {
    Seq(Vec<Tree>, usize),
    /// Entries, the key waiting for its value, the start, and the keys seen
    /// (by their debug form), so duplicates are found in linear time.
    Map(Vec<(Value, Tree)>, Option<Value>, usize, BTreeMap<String, Span>),
}

impl Builder<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, self.positions.byte(start), self.positions.byte(end))
    }

    fn fail(&mut self, span: Span, message: impl Into<String>, help: &str) {
        if self.error.is_none() {
            self.error = Some(Diagnostic::error("syntax::yaml", span, message).primary_text("here").help(help));
        }
    }

    /// Reads the documents into trees; empty for an empty stream or an error.
    fn read(&mut self, text: &str) -> Vec<Tree> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut documents = 0;
        let mut roots = Vec::new();
        for event in Parser::new_from_str(text) {
            let (event, marker_span) = match event {
                Ok(event) => event,
                Err(error) => {
                    self.scan_error(&error);
                    return Vec::new();
                }
            };
            let span = self.span(marker_span.start.index(), marker_span.end.index());
            let complete = match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 && !self.many {
                        self.fail(span, "a spec file holds one YAML document", "remove the `---` and what follows it");
                        return Vec::new();
                    }
                    None
                }
                Event::Alias(_) => {
                    self.fail(span, "YAML aliases are not supported", "write the value out where it is used");
                    return Vec::new();
                }
                Event::Scalar(text, style, _, tag) => {
                    Some(Tree::Scalar(Value { scalar: resolve(&text, style, tag.as_deref()), span }))
                }
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    if stack.len() >= MAX_DEPTH {
                        self.fail(span, format!("nesting deeper than {MAX_DEPTH} levels"), "flatten the structure");
                        return Vec::new();
                    }
                    let start = span.start as usize;
                    stack.push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Seq(Vec::new(), start)
                    } else {
                        Frame::Map(Vec::new(), None, start, BTreeMap::new())
                    });
                    None
                }
                Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                    Some(Frame::Seq(items, start)) => {
                        Some(Tree::Seq(items, Span::new(self.file, start, span.end as usize)))
                    }
                    Some(Frame::Map(entries, _, start, _)) => {
                        Some(Tree::Map(entries, Span::new(self.file, start, span.end as usize)))
                    }
                    None => None,
                },
                Event::StreamStart | Event::StreamEnd | Event::DocumentEnd | Event::Nothing => None,
            };
            let Some(tree) = complete else { continue };
            match stack.last_mut() {
                None => roots.push(tree),
                Some(Frame::Seq(items, _)) => items.push(tree),
                Some(Frame::Map(entries, pending_key, _, seen)) => match pending_key.take() {
                    None => match tree {
                        Tree::Scalar(key) => {
                            if key.scalar == Scalar::String("<<".to_owned()) {
                                self.fail(key.span, "YAML merge keys are not supported", "write the entries out");
                                return Vec::new();
                            }
                            if let Some(&first_span) = seen.get(&format!("{:?}", key.scalar)) {
                                self.error.get_or_insert(
                                    Diagnostic::error(
                                        "syntax::yaml",
                                        key.span,
                                        format!("duplicate key {}", key.scalar.describe()),
                                    )
                                    .primary_text("written again here")
                                    .label(first_span, "first written here")
                                    .help("keep one of them"),
                                );
                                return Vec::new();
                            }
                            seen.insert(format!("{:?}", key.scalar), key.span);
                            *pending_key = Some(key);
                        }
                        other => {
                            self.fail(other.span(), "a mapping key must be a plain value", "use a string key");
                            return Vec::new();
                        }
                    },
                    Some(key) => entries.push((key, tree)),
                },
            }
        }
        roots
    }

    fn scan_error(&mut self, error: &ScanError) {
        let start = self.positions.byte(error.marker().index());
        let span = Span::new(self.file, start, start);
        let mut message = error.info().to_owned();
        if let Some(rest) = message.strip_prefix("while ") {
            message = rest.to_string();
        }
        let help =
            if message.split(|character: char| !character.is_alphabetic()).any(|word| matches!(word, "tab" | "tabs")) {
                "indent with spaces: YAML does not allow tabs for indentation"
            } else {
                "check the indentation and the quoting on this line"
            };
        self.fail(span, message, help);
    }
}

/// YAML 1.2 core schema resolution for plain scalars; everything else is a string.
fn resolve(text: &str, style: ScalarStyle, tag: Option<&saphyr_parser::Tag>) -> Scalar {
    if style != ScalarStyle::Plain || tag.is_some_and(|tag| tag.suffix == "str") {
        return Scalar::String(text.to_owned());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Scalar::Null,
        "true" | "True" | "TRUE" => return Scalar::Bool(true),
        "false" | "False" | "FALSE" => return Scalar::Bool(false),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty()
        && unsigned.bytes().all(|byte| byte.is_ascii_digit())
        && let Ok(number) = text.parse::<i64>()
    {
        return Scalar::Integer(number);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(number) = i64::from_str_radix(hex, 16)
    {
        return Scalar::Integer(number);
    }
    if let Some(octal) = text.strip_prefix("0o")
        && let Ok(number) = i64::from_str_radix(octal, 8)
    {
        return Scalar::Integer(number);
    }
    let looks_numeric = unsigned.starts_with(|first: char| first.is_ascii_digit() || first == '.')
        && unsigned.bytes().all(|byte| byte.is_ascii_digit() || matches!(byte, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_numeric && let Ok(number) = text.parse::<f64>() {
        return Scalar::Float(number);
    }
    Scalar::String(text.to_owned())
}

/// Tree → nodes, by the rules in `syntax/mod.rs`.
struct Convert<'a> {
    diagnostics: &'a mut Diagnostics,
    file: FileId,
}

impl Convert<'_> {
    fn top_level(&mut self, entries: Vec<(Value, Tree)>) -> Vec<Node> {
        let mut nodes = Vec::new();
        for (key, tree) in entries {
            let Some(name) = self.key_name(&key) else { continue };
            match tree {
                Tree::Scalar(value) => nodes.push(leaf(name, key.span, value)),
                tree => nodes.extend(self.nodes(name, key.span, tree)),
            }
        }
        nodes
    }

    fn key_name(&mut self, key: &Value) -> Option<String> {
        match &key.scalar {
            Scalar::String(text) => Some(text.clone()),
            Scalar::Integer(number) => Some(number.to_string()),
            other => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "syntax::yaml",
                        key.span,
                        format!("a key must be a name, found {}", other.kind_name()),
                    )
                    .primary_text("not a name")
                    .help("quote the key"),
                );
                None
            }
        }
    }

    /// The child nodes that `key: tree` stands for.
    fn nodes(&mut self, name: String, name_span: Span, tree: Tree) -> Vec<Node> {
        match tree {
            Tree::Scalar(value) => vec![leaf(name, name_span, value)],
            Tree::Map(entries, span) => vec![self.node_from_map(name, name_span, span, entries, false)],
            Tree::Seq(items, span) => {
                if items.iter().all(|item| matches!(item, Tree::Scalar(_))) {
                    let args = items
                        .into_iter()
                        .filter_map(|item| match item {
                            Tree::Scalar(value) => Some(value),
                            _ => None,
                        })
                        .collect();
                    vec![Node {
                        name,
                        name_span,
                        span: name_span.to(span),
                        args,
                        props: Vec::new(),
                        children: Vec::new(),
                    }]
                } else {
                    let mut nodes = Vec::new();
                    for item in items {
                        match item {
                            Tree::Map(entries, item_span) => {
                                nodes.push(self.node_from_map(name.clone(), name_span, item_span, entries, true));
                            }
                            other => self.diagnostics.push(
                                Diagnostic::error(
                                    "syntax::yaml",
                                    other.span(),
                                    format!("the items of `{name}` mix mappings with other values"),
                                )
                                .primary_text("expected a mapping like the other items")
                                .help("write every item as a mapping, or every item as a plain value"),
                            ),
                        }
                    }
                    nodes
                }
            }
        }
    }

    fn node_from_map(
        &mut self,
        name: String,
        name_span: Span,
        span: Span,
        entries: Vec<(Value, Tree)>,
        item: bool,
    ) -> Node {
        // A list item's node spans the item; a mapping's spans its key too.
        let start = if item { span.start } else { name_span.start };
        let mut node = Node {
            name,
            name_span,
            span: Span::new(self.file, start as usize, span.end as usize),
            args: Vec::new(),
            props: Vec::new(),
            children: Vec::new(),
        };
        for (key, tree) in entries {
            let Some(key_name) = self.key_name(&key) else { continue };
            match tree {
                Tree::Scalar(value) => node.props.push(Prop { key: key_name, key_span: key.span, value }),
                tree => node.children.extend(self.nodes(key_name, key.span, tree)),
            }
        }
        node
    }
}

fn leaf(name: String, name_span: Span, value: Value) -> Node {
    Node { name, name_span, span: name_span.to(value.span), args: vec![value], props: Vec::new(), children: Vec::new() }
}

/// Reads every document of a YAML stream (a raw manifest file) as JSON
/// values, with the same guarantees as specs: no aliases, bounded nesting,
/// no duplicate keys. The error is the first problem, with its line.
pub(super) fn values(text: &str, file: FileId) -> Result<Vec<serde_json::Value>, Box<Diagnostic>> {
    let positions = Positions::new(text, 0);
    let mut builder = Builder { positions: &positions, file, error: None, many: true };
    let trees = builder.read(text);
    if let Some(error) = builder.error {
        return Err(Box::new(error));
    }
    Ok(trees.into_iter().map(json).filter(|value| !value.is_null()).collect())
}

fn json(tree: Tree) -> serde_json::Value {
    use serde_json::Value as Json;
    match tree {
        Tree::Scalar(value) => match value.scalar {
            Scalar::String(text) => Json::String(text),
            Scalar::Integer(number) => Json::from(number),
            Scalar::Float(number) => serde_json::Number::from_f64(number).map_or(Json::Null, Json::Number),
            Scalar::Bool(flag) => Json::Bool(flag),
            Scalar::Null => Json::Null,
        },
        Tree::Seq(items, _) => Json::Array(items.into_iter().map(json).collect()),
        Tree::Map(entries, _) => Json::Object(
            entries
                .into_iter()
                .map(|(key, value)| {
                    let key = match key.scalar {
                        Scalar::String(text) => text,
                        other => other.describe(),
                    };
                    (key, json(value))
                })
                .collect(),
        ),
    }
}
