//! Human output through miette: a source snippet with the primary label,
//! secondary labels in the same file, and labels in other files as related
//! diagnostics (a miette diagnostic has one source).

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::{Sources, Span};

/// How to draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Renders one diagnostic.
pub fn human(diagnostic: &Diagnostic, sources: &Sources, style: Style) -> String {
    let theme = if style.color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(style.width).with_links(false);
    let report = Rendered::new(diagnostic, sources);
    let mut out = String::new();
    if handler.render_report(&mut out, &report).is_err() {
        out = format!("{}[{}]: {}\n", diagnostic.severity.as_str(), diagnostic.code, diagnostic.message);
    }
    out
}

#[derive(Debug)]
struct Rendered {
    message: String,
    code: &'static str,
    /// `None` for a related note.
    severity: Option<Severity>,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl Rendered {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> Rendered {
        let file = diagnostic.primary.span.file;
        let mut labels = vec![label(diagnostic.primary.span, &diagnostic.primary.text, true, sources)];
        let mut related = Vec::new();
        for secondary in &diagnostic.secondary {
            if secondary.span.file == file {
                labels.push(label(secondary.span, &secondary.text, false, sources));
            } else {
                let source_file = sources.get(secondary.span.file);
                related.push(Rendered {
                    message: secondary.text.clone(),
                    code: diagnostic.code,
                    severity: None,
                    help: None,
                    source: NamedSource::new(source_file.path.clone(), source_file.text.to_string()),
                    labels: vec![label(secondary.span, &secondary.text, true, sources)],
                    related: Vec::new(),
                });
            }
        }
        let source_file = sources.get(file);
        Rendered {
            message: diagnostic.message.clone(),
            code: diagnostic.code,
            severity: Some(diagnostic.severity),
            help: diagnostic.help.clone(),
            source: NamedSource::new(source_file.path.clone(), source_file.text.to_string()),
            labels,
            related,
        }
    }
}

fn label(span: Span, text: &str, primary: bool, sources: &Sources) -> LabeledSpan {
    let file_len = sources.get(span.file).text.len();
    let start = (span.start as usize).min(file_len);
    let length = span.len().min(file_len - start);
    let text = (!text.is_empty()).then(|| text.to_owned());
    let source_span = SourceSpan::new(start.into(), length);
    if primary {
        LabeledSpan::new_primary_with_span(text, source_span)
    } else {
        LabeledSpan::new_with_span(text, source_span)
    }
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Rendered {}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Some(Severity::Error) => miette::Severity::Error,
            Some(Severity::Warning) => miette::Severity::Warning,
            None => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|related| related as &dyn miette::Diagnostic)))
        }
    }
}
