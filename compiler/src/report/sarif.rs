//! `--format sarif`: SARIF 2.1.0, the format GitHub code scanning reads
//! (`github/codeql-action/upload-sarif`). One run, one rule per diagnostic
//! code that occurs, one result per diagnostic.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::json::location;
use crate::diagnostic::{Diagnostics, Severity};
use crate::source::{Sources, Span};

pub fn sarif(diagnostics: &Diagnostics, sources: &Sources) -> String {
    let codes: BTreeSet<&str> = diagnostics.iter().map(|diagnostic| diagnostic.code).collect();
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| {
            json!({
                "id": code,
                "name": code.replace("::", "/"),
                "shortDescription": { "text": code },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics
        .iter()
        .map(|diagnostic| {
            let mut message = diagnostic.message.clone();
            if let Some(help) = &diagnostic.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            json!({
                "ruleId": diagnostic.code,
                "ruleIndex": codes.iter().position(|code| *code == diagnostic.code),
                "level": match diagnostic.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": message },
                "locations": [physical(diagnostic.primary.span, &diagnostic.primary.text, sources)],
                "relatedLocations": diagnostic
                    .secondary
                    .iter()
                    .enumerate()
                    .map(|(index, label)| {
                        let mut related = physical(label.span, &label.text, sources);
                        related["id"] = json!(index);
                        related
                    })
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    let report = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "platc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://github.com/platc/platc",
                    "rules": rules,
                },
            },
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
    text.push('\n');
    text
}

fn physical(span: Span, text: &str, sources: &Sources) -> Value {
    let at = location(span, sources);
    let mut value = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": at.file },
            "region": {
                "startLine": at.line,
                "startColumn": at.column,
                "endLine": at.end_line,
                "endColumn": at.end_column.max(at.column + usize::from(at.end_line == at.line)),
            },
        },
    });
    if !text.is_empty() {
        value["message"] = json!({ "text": text });
    }
    value
}
