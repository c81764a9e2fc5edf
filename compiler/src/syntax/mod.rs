//! Parse: text → [`Document`], a format-neutral tree of spanned nodes.
//!
//! KDL maps onto it one to one. YAML maps onto it by three rules, so that
//! `spec/` decodes both formats with one decoder:
//!
//! - a mapping entry `key: scalar` is a property `key=scalar`;
//! - a mapping entry `key: {…}` is a child node `key` whose entries follow the
//!   same rules, and `key: [{…}, {…}]` is one child node `key` per item;
//! - a sequence of scalars `key: [a, b]` is one child node `key a b`.
//!
//! Invariants: parsing never fails (a syntax error is a diagnostic and an
//! empty or partial document); this module knows no platc field and no
//! Kubernetes word.

mod kdl;
mod kdl_fast;
mod yaml;

use crate::diagnostic::Diagnostics;
use crate::source::{FileId, SourceFile, Span};

/// A parsed file: its top-level nodes.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub nodes: Vec<Node>,
}

/// A node: `name arg… key=value… { children }`.
#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub name_span: Span,
    /// The whole node, from its name to the end of its children.
    pub span: Span,
    pub args: Vec<Value>,
    pub props: Vec<Prop>,
    pub children: Vec<Node>,
}

#[derive(Debug, Clone)]
pub struct Prop {
    pub key: String,
    pub key_span: Span,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub struct Value {
    pub scalar: Scalar,
    pub span: Span,
}

/// A scalar as written. YAML plain scalars are resolved by the YAML 1.2 core
/// schema; everything quoted is a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl Scalar {
    /// How the value reads in a message: `"text"`, `42`, `#true`.
    pub fn describe(&self) -> String {
        match self {
            Scalar::String(text) => format!("\"{text}\""),
            Scalar::Integer(number) => number.to_string(),
            Scalar::Float(number) => number.to_string(),
            Scalar::Bool(true) => "#true".to_owned(),
            Scalar::Bool(false) => "#false".to_owned(),
            Scalar::Null => "#null".to_owned(),
        }
    }

    /// The kind of value, for "expected a string, found an integer".
    pub fn kind_name(&self) -> &'static str {
        match self {
            Scalar::String(_) => "a string",
            Scalar::Integer(_) => "an integer",
            Scalar::Float(_) => "a number",
            Scalar::Bool(_) => "a boolean",
            Scalar::Null => "null",
        }
    }
}

/// The input formats platc reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Kdl,
    Yaml,
}

impl Format {
    /// The format of a file, by its extension.
    pub fn of_path(path: &str) -> Format {
        if path.ends_with(".yaml") || path.ends_with(".yml") { Format::Yaml } else { Format::Kdl }
    }
}

/// Reads a multi-document YAML file (a raw manifest) as JSON values; the
/// error says what is wrong and where.
pub fn yaml_values(text: &str, file: FileId) -> Result<Vec<serde_json::Value>, Box<crate::diagnostic::Diagnostic>> {
    yaml::values(text, file)
}

/// Parses one file. Never fails: syntax errors go to `diagnostics`.
/// For the fuzz target `kdl_front_end`: whether the KDL fast path reads
/// `text` as the `kdl` crate does, when it accepts it (`None` when it gives
/// up and leaves the text to the crate).
#[doc(hidden)]
pub fn kdl_fast_path_agrees(text: &str) -> Option<bool> {
    kdl::fast_path_agrees(text)
}

pub fn parse(file: &SourceFile, id: FileId, diagnostics: &mut Diagnostics) -> Document {
    let text = file.text.strip_prefix('\u{feff}').unwrap_or(&file.text);
    let offset = file.text.len() - text.len();
    match Format::of_path(&file.path) {
        Format::Kdl => kdl::parse(text, offset, id, diagnostics),
        Format::Yaml => yaml::parse(text, offset, id, diagnostics),
    }
}
