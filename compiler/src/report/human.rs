//! Human output through miette: a source snippet with the primary label,
//! secondary labels in the same file, and labels in other files as related
//! diagnostics (a miette diagnostic has one source).

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};

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
    source: Excerpt,
    labels: Vec<LabeledSpan>,
    related: Vec<Rendered>,
}

impl Rendered {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> Rendered {
        let file = diagnostic.primary.span.file;
        let mut labels = vec![(diagnostic.primary.span, diagnostic.primary.text.as_str(), true)];
        let mut related = Vec::new();
        for secondary in &diagnostic.secondary {
            if secondary.span.file == file {
                labels.push((secondary.span, &secondary.text, false));
            } else {
                let (source, labels) = Excerpt::new(sources, &[(secondary.span, &secondary.text, true)]);
                related.push(Rendered {
                    message: printable(&secondary.text),
                    code: diagnostic.code,
                    severity: None,
                    help: None,
                    source,
                    labels,
                    related: Vec::new(),
                });
            }
        }
        let (source, labels) = Excerpt::new(sources, &labels);
        Rendered {
            message: printable(&diagnostic.message),
            code: diagnostic.code,
            severity: Some(diagnostic.severity),
            help: diagnostic.help.as_deref().map(printable),
            source,
            labels,
            related,
        }
    }
}

/// Lines longer than this (in bytes) are shown clipped to a window around
/// their first label: miette draws a line whole, and pads to a label's
/// column with a width that must fit in 16 bits.
const MAX_LINE: usize = 160;
/// How much of a clipped line is shown before its first label.
const CLIP_BEFORE: usize = 40;
/// Marks where a clipped line was cut.
const ELLIPSIS: &str = "…";

/// What miette is shown of a file: every line break (so line numbers stay
/// right), the lines around the labels, and long lines clipped. Rendering a
/// diagnostic costs the size of its neighbourhood, not of the file.
#[derive(Debug)]
struct Excerpt {
    name: String,
    text: String,
    /// Clipped lines: where the kept window starts and ends in `text`, and
    /// its column (in bytes) in the file.
    clips: Vec<(usize, usize, usize)>,
}

/// A label: its span, its text, and whether it is the primary one.
type Label<'a> = (Span, &'a str, bool);

impl Excerpt {
    /// The excerpt of the labels' file (they are all in one file), and the
    /// labels moved into it.
    fn new(sources: &Sources, labels: &[Label<'_>]) -> (Excerpt, Vec<LabeledSpan>) {
        let file = sources.get(labels[0].0.file);
        let text: &str = &file.text;
        let ranges: Vec<(usize, usize)> = labels
            .iter()
            .map(|(span, _, _)| {
                let start = floor_boundary(text, span.start as usize);
                (start, floor_boundary(text, (span.end as usize).max(start)))
            })
            .collect();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(newline, _)| newline + 1));
        let line_of = |offset: usize| line_starts.partition_point(|&start| start <= offset) - 1;
        // The labels' lines and a line of context either side, as miette shows.
        let mut shown = std::collections::BTreeSet::new();
        for &(start, end) in &ranges {
            shown.extend(line_of(start).saturating_sub(1)..=line_of(end) + 1);
        }
        let mut excerpt = Excerpt { name: printable(&file.path), text: String::new(), clips: Vec::new() };
        // The kept pieces of the file: its offset and end, and where they are in the excerpt.
        let mut pieces: Vec<(usize, usize, usize)> = Vec::new();
        for (line, &line_start) in line_starts.iter().enumerate() {
            let next_start = line_starts.get(line + 1).copied().unwrap_or(text.len());
            let line_end = text[line_start..next_start].trim_end_matches(['\n', '\r']).len() + line_start;
            let terminator = &text[line_end..next_start];
            if !shown.contains(&line) {
                excerpt.text.push_str(if terminator.is_empty() { "" } else { "\n" });
                continue;
            }
            if line_end - line_start <= MAX_LINE {
                pieces.push((line_start, next_start, excerpt.text.len()));
                excerpt.text.push_str(&printable(&text[line_start..next_start]));
                continue;
            }
            let first_label = ranges
                .iter()
                .filter(|&&(start, end)| start <= line_end && end >= line_start)
                .map(|&(start, _)| start.max(line_start))
                .min()
                .unwrap_or(line_start);
            let window_start = floor_boundary(text, first_label.saturating_sub(CLIP_BEFORE).max(line_start));
            let window_end = floor_boundary(text, (window_start + MAX_LINE).min(line_end));
            if window_start > line_start {
                excerpt.text.push_str(ELLIPSIS);
            }
            let at = excerpt.text.len();
            pieces.push((window_start, window_end, at));
            excerpt.clips.push((at, at + window_end - window_start, window_start - line_start));
            excerpt.text.push_str(&printable(&text[window_start..window_end]));
            if window_end < line_end {
                excerpt.text.push_str(ELLIPSIS);
            }
            excerpt.text.push_str(terminator);
        }
        // A file offset in the excerpt: in its piece, or at the piece's end.
        let map = |offset: usize| {
            let index = pieces.partition_point(|&(start, _, _)| start <= offset);
            index.checked_sub(1).map_or(0, |index| {
                let (start, end, at) = pieces[index];
                at + offset.min(end) - start
            })
        };
        let labels = labels
            .iter()
            .zip(&ranges)
            .map(|(&(_, text, primary), &(start, end))| {
                let (start, end) = (map(start), map(end));
                let text = (!text.is_empty()).then(|| printable(text));
                let span = SourceSpan::new(start.into(), end.max(start) - start);
                if primary {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            })
            .collect();
        (excerpt, labels)
    }
}

impl miette::SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let contents = self.text.read_span(span, context_lines_before, context_lines_after)?;
        // A position in a clipped line is shown at its column in the file.
        let offset = span.offset();
        let column = match self.clips.iter().find(|&&(start, end, _)| start <= offset && offset <= end) {
            Some(&(start, _, column)) if context_lines_before == 0 => column + offset - start,
            _ => contents.column(),
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            contents.data(),
            *contents.span(),
            contents.line(),
            column,
            contents.line_count(),
        )))
    }
}

/// `text` with control characters (but tabs and line breaks) shown as `?`,
/// one per byte so offsets stay put: a hostile file must not send escape
/// sequences to the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .flat_map(|character| {
            let control = character.is_control() && !matches!(character, '\t' | '\n' | '\r');
            let (shown, count) = if control { ('?', character.len_utf8()) } else { (character, 1) };
            std::iter::repeat_n(shown, count)
        })
        .collect()
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
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
