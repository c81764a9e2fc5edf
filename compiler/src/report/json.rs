//! `--format json`: a stable, documented contract for tools.
//!
//! ```json
//! { "version": 1,
//!   "diagnostics": [ { "severity": "error", "code": "spec::unknown-field",
//!       "message": "…", "file": "services/api/platc.kdl",
//!       "line": 4, "column": 5, "end_line": 4, "end_column": 12,
//!       "label": "unknown", "help": "did you mean `replicas`?",
//!       "related": [ { "file": "…", "line": 1, "column": 1, "label": "…" } ] } ],
//!   "summary": { "errors": 1, "warnings": 0 } }
//! ```
//! Lines and columns are one-based; columns count characters. Fields are
//! only ever added within a `version`.

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::source::{Sources, Span};

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    diagnostics: Vec<Item<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Item<'a> {
    severity: &'static str,
    code: &'static str,
    message: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
    label: &'a str,
    help: Option<&'a str>,
    related: Vec<Related<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    #[serde(flatten)]
    location: Location<'a>,
    label: &'a str,
}

#[derive(Serialize)]
pub(crate) struct Location<'a> {
    pub(crate) file: &'a str,
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) end_line: usize,
    pub(crate) end_column: usize,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
}

/// Where a span is, in lines and columns.
pub(crate) fn location(span: Span, sources: &Sources) -> Location<'_> {
    let file = sources.get(span.file);
    let (line, column) = file.line_column(span.start);
    let (end_line, end_column) = file.line_column(span.end);
    Location { file: &file.path, line, column, end_line, end_column }
}

/// The whole report as one JSON document.
pub fn json(diagnostics: &Diagnostics, sources: &Sources) -> String {
    let items = diagnostics.iter().map(|diagnostic: &Diagnostic| Item {
        severity: diagnostic.severity.as_str(),
        code: diagnostic.code,
        message: &diagnostic.message,
        location: location(diagnostic.primary.span, sources),
        label: &diagnostic.primary.text,
        help: diagnostic.help.as_deref(),
        related: diagnostic
            .secondary
            .iter()
            .map(|label| Related { location: location(label.span, sources), label: &label.text })
            .collect(),
    });
    let report = Report {
        version: 1,
        diagnostics: items.collect(),
        summary: Summary { errors: diagnostics.error_count(), warnings: diagnostics.warning_count() },
    };
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}
