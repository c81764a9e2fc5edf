//! `--format github`: GitHub Actions workflow commands, which the runner
//! turns into annotations on the pull request's files.

use std::fmt::Write as _;

use super::json::location;
use crate::diagnostic::{Diagnostics, Severity};
use crate::source::Sources;

pub fn github(diagnostics: &Diagnostics, sources: &Sources) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        let at = location(diagnostic.primary.span, sources);
        let command = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut message = diagnostic.message.clone();
        if let Some(help) = &diagnostic.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(at.file),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            property(diagnostic.code),
            data(&message)
        );
    }
    out
}

/// Escapes a workflow command's message.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::{data, property};

    #[test]
    fn escapes_workflow_commands() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("spec::unknown-field, again"), "spec%3A%3Aunknown-field%2C again");
    }
}
