//! Rendering diagnostics for people and machines. One module per format;
//! the only place that knows miette is `human.rs`.

mod github;
mod human;
mod json;
mod sarif;

pub use github::github;
pub use human::{Style, human};
pub use json::json;
pub use sarif::sarif;

/// The output formats of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
}

use crate::diagnostic::Diagnostics;
use crate::source::Sources;

/// "2 errors, 1 warning in 2 files", or `None` when there is nothing to say.
pub fn summary(diagnostics: &Diagnostics, sources: &Sources) -> Option<String> {
    if diagnostics.is_empty() {
        return None;
    }
    let plural = |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    let mut files: Vec<&str> =
        diagnostics.iter().map(|diagnostic| sources.get(diagnostic.primary.span.file).path.as_str()).collect();
    files.dedup();
    let mut parts = Vec::new();
    if diagnostics.error_count() > 0 {
        parts.push(plural(diagnostics.error_count(), "error"));
    }
    if diagnostics.warning_count() > 0 {
        parts.push(plural(diagnostics.warning_count(), "warning"));
    }
    Some(format!("{} in {}", parts.join(", "), plural(files.len(), "file")))
}
