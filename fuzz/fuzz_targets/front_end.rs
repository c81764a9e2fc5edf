#![allow(dead_code)]
//! What the front-end targets share: parse one file, decode it as a spec,
//! render every diagnostic, and check the invariants spans promise.

use platc::{Diagnostics, SourceFile, Sources, Span};

/// Parses `text` as the spec at `path` (its extension picks the format).
pub fn run(path: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut sources = Sources::default();
    let id = sources.add(SourceFile::new(path, text));
    let mut diagnostics = Diagnostics::default();
    let document = platc::syntax::parse(sources.get(id), id, &mut diagnostics);
    // The nesting bound holds: what the parser built is no deeper than the
    // limit its pre-check enforces (a string or comment the check misread
    // would let deeper blocks through to the recursive parser).
    let limit = if path.ends_with(".kdl") { 32 } else { 64 };
    if !diagnostics.iter().any(|diagnostic| diagnostic.message.starts_with("nesting deeper than")) {
        assert!(depth(&document.nodes) <= limit, "nesting deeper than {limit} got through");
    }
    let _ = platc::spec::service(&document, id, &mut diagnostics);
    let _ = platc::spec::platform(&document, &mut diagnostics);
    check(&diagnostics, &sources);
}

fn depth(nodes: &[platc::syntax::Node]) -> usize {
    nodes.iter().map(|node| 1 + depth(&node.children)).max().unwrap_or(0)
}

/// Every span is a range of char boundaries inside its file, and every
/// diagnostic renders in each format.
pub fn check(diagnostics: &Diagnostics, sources: &Sources) {
    let in_bounds = |span: Span| {
        let text = &sources.get(span.file).text;
        span.start <= span.end && text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize)
    };
    for diagnostic in diagnostics {
        assert!(in_bounds(diagnostic.primary.span), "{diagnostic:?}");
        for label in &diagnostic.secondary {
            assert!(in_bounds(label.span), "{diagnostic:?}");
        }
        let _ = platc::report::human(diagnostic, sources, platc::report::Style { color: false, width: 100 });
    }
    let _ = platc::report::json(diagnostics, sources);
    let _ = platc::report::sarif(diagnostics, sources);
    let _ = platc::report::github(diagnostics, sources);
}
