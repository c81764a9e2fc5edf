//! `platc fmt`: canonical layout of `platc.kdl` and `platform.kdl`, keeping
//! every comment.
//!
//! The `kdl` crate's `autoformat` drops comments at the end of a line and
//! blank lines, and rewrites strings (`"a"` becomes `a`), so this formatter
//! works on the text instead and changes only layout: each line is indented
//! four spaces per open brace (a continuation line after `\` one more), runs
//! of spaces and tabs between tokens become one space (`service a   {` is
//! `service a {`, and one space precedes a comment at the end of a line),
//! trailing whitespace goes, runs of blank lines become one, and the file
//! ends with one newline. Strings and comments are left exactly as written,
//! and so are lines inside multi-line strings and block comments. A file is
//! rewritten only if it parses before and after and both parse to the same
//! nodes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{Cx, FINDINGS, OK};
use crate::diagnostic::Diagnostics;
use crate::source::{SourceFile, Sources};
use crate::syntax::{self, Node};
use crate::workspace::Workspace;
use crate::{report, write};

const INDENT: &str = "    ";

/// Lays out KDL text canonically (see the module documentation).
pub(super) fn format_kdl(text: &str) -> String {
    let crlf = text.contains("\r\n");
    let mut lexer = Lexer::default();
    let mut lines: Vec<String> = Vec::new();
    let mut continued = false;
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if lexer.inside() {
            // Inside a multi-line string or block comment: as written.
            lexer.line(raw, &mut String::new());
            lines.push(raw.to_owned());
            continue;
        }
        let content = raw.trim_start();
        let closing =
            content.bytes().take_while(|byte| matches!(byte, b'}' | b' ' | b'\t')).filter(|b| *b == b'}').count();
        let depth = lexer.depth.saturating_sub(closing) + usize::from(continued);
        let mut normalized = String::with_capacity(content.len());
        let ends_continued = lexer.line(content, &mut normalized);
        let content = if lexer.inside() { normalized.as_str() } else { normalized.trim_end() };
        if content.is_empty() {
            lines.push(String::new());
        } else {
            lines.push(format!("{}{content}", INDENT.repeat(depth)));
        }
        continued = ends_continued;
    }
    // Blank lines: none at either end, never two in a row.
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for line in &lines {
        if line.is_empty() && out.last().is_none_or(|last: &&str| last.is_empty()) {
            continue;
        }
        out.push(line);
    }
    while out.last().is_some_and(|last| last.is_empty()) {
        out.pop();
    }
    let newline = if crlf { "\r\n" } else { "\n" };
    let mut formatted = out.join(newline);
    if !formatted.is_empty() {
        formatted.push_str(newline);
    }
    formatted
}

/// Where a line ends: inside a string or comment that goes on, and the
/// brace depth.
#[derive(Debug, Default)]
struct Lexer {
    depth: usize,
    /// Open block comments (they nest).
    comment: usize,
    /// Inside a quoted string that an escaped newline continues.
    string: bool,
    /// Inside a raw or multi-line string: its closing delimiter.
    until: Option<String>,
}

impl Lexer {
    fn inside(&self) -> bool {
        self.comment > 0 || self.string || self.until.is_some()
    }

    /// Reads one line into `out`, with each run of spaces and tabs between
    /// tokens made one space (strings and comments as written); returns
    /// whether it ends with a line continuation `\`.
    fn line(&mut self, line: &str, out: &mut String) -> bool {
        let bytes = line.as_bytes();
        let mut index = 0;
        let mut continuation = false;
        while index < bytes.len() {
            let start = index;
            if let Some(until) = &self.until {
                let Some(found) = line[index..].find(until.as_str()) else {
                    out.push_str(&line[start..]);
                    return false;
                };
                index += found + until.len();
                self.until = None;
                out.push_str(&line[start..index]);
                continue;
            }
            if self.comment > 0 {
                if line[index..].starts_with("*/") {
                    self.comment -= 1;
                    index += 2;
                } else if line[index..].starts_with("/*") {
                    self.comment += 1;
                    index += 2;
                } else {
                    index += line[index..].chars().next().map_or(1, char::len_utf8);
                }
                out.push_str(&line[start..index]);
                continue;
            }
            if self.string {
                match bytes[index] {
                    b'\\' => index += 1 + line[index + 1..].chars().next().map_or(0, char::len_utf8),
                    b'"' => {
                        self.string = false;
                        index += 1;
                    }
                    _ => index += line[index..].chars().next().map_or(1, char::len_utf8),
                }
                out.push_str(&line[start..index.min(line.len())]);
                index = index.min(line.len());
                continue;
            }
            let rest = &line[index..];
            match bytes[index] {
                b'/' if rest.starts_with("//") => {
                    out.push_str(rest);
                    return continuation;
                }
                b'/' if rest.starts_with("/*") => {
                    self.comment += 1;
                    index += 2;
                }
                b'"' if rest.starts_with("\"\"\"") => {
                    self.until = Some("\"\"\"".to_owned());
                    index += 3;
                }
                b'"' => {
                    self.string = true;
                    index += 1;
                }
                b'#' => {
                    let hashes = rest.bytes().take_while(|byte| *byte == b'#').count();
                    let after = &rest[hashes..];
                    if after.starts_with("\"\"\"") {
                        self.until = Some(format!("\"\"\"{}", "#".repeat(hashes)));
                        index += hashes + 3;
                    } else if after.starts_with('"') {
                        self.until = Some(format!("\"{}", "#".repeat(hashes)));
                        index += hashes + 1;
                    } else {
                        index += hashes;
                    }
                }
                b'{' => {
                    self.depth += 1;
                    index += 1;
                }
                b'}' => {
                    self.depth = self.depth.saturating_sub(1);
                    index += 1;
                }
                b'\\' => {
                    continuation = true;
                    index += 1;
                }
                b' ' | b'\t' => {
                    // A run of spaces and tabs between tokens: one space.
                    index += rest.bytes().take_while(|byte| matches!(byte, b' ' | b'\t')).count();
                    out.push(' ');
                    continue;
                }
                byte => {
                    if !byte.is_ascii_whitespace() {
                        continuation = false;
                    }
                    index += rest.chars().next().map_or(1, char::len_utf8);
                }
            }
            out.push_str(&line[start..index]);
        }
        continuation
    }
}

/// Whether two parses hold the same nodes, spans aside.
fn same_nodes(left: &[Node], right: &[Node]) -> bool {
    left.len() == right.len()
        && left.iter().zip(right).all(|(left, right)| {
            left.name == right.name
                && left.args.len() == right.args.len()
                && left.args.iter().zip(&right.args).all(|(left, right)| left.scalar == right.scalar)
                && left.props.len() == right.props.len()
                && left
                    .props
                    .iter()
                    .zip(&right.props)
                    .all(|(left, right)| left.key == right.key && left.value.scalar == right.value.scalar)
                && same_nodes(&left.children, &right.children)
        })
}

impl Cx<'_> {
    /// `platc fmt`: formats (or with `check`, lists) the KDL files under `paths`.
    pub(super) fn fmt(&mut self, cwd: &Path, paths: &[PathBuf], check: bool) -> Result<i32, String> {
        let mut seen: BTreeSet<PathBuf> = BTreeSet::new();
        let (mut unformatted, mut invalid, mut total) = (0, 0, 0);
        for path in paths {
            let path = cwd.join(path);
            let folder = if path.is_file() { path.parent().unwrap_or(&path).to_owned() } else { path.clone() };
            let workspace = Workspace::discover(&folder).map_err(|error| error.to_string())?;
            let root = workspace.root().map(Path::to_owned).unwrap_or_default();
            let wanted = path.canonicalize().map_err(|error| format!("`{}`: {error}", path.display()))?;
            let sources: Vec<&SourceFile> = workspace
                .platform
                .iter()
                .chain(&workspace.specs)
                .filter(|file| file.path.ends_with(".kdl"))
                .filter(|file| root.join(&file.path).starts_with(&wanted))
                .collect();
            if sources.is_empty() && path.is_file() && !path.to_string_lossy().ends_with(".yaml") {
                return Err(format!("`{}` is not a `platc.kdl` or `platform.kdl`", path.display()));
            }
            for source in sources {
                if !seen.insert(root.join(&source.path)) {
                    continue;
                }
                total += 1;
                match self.format_source(source)? {
                    None => invalid += 1,
                    Some(formatted) if formatted == *source.text => {}
                    Some(formatted) => {
                        unformatted += 1;
                        let _ = writeln!(self.out, "{}", source.path);
                        if !check {
                            write::replace_source(&workspace, &source.path, &formatted)
                                .map_err(|error| error.to_string())?;
                        }
                    }
                }
            }
        }
        let files = |count: usize| if count == 1 { "1 file".to_owned() } else { format!("{count} files") };
        if invalid > 0 {
            let _ = writeln!(self.err, "{} could not be parsed: left as written", files(invalid));
        }
        if check && unformatted > 0 {
            let _ = writeln!(self.err, "{} not formatted: run `platc fmt`", files(unformatted));
            return Ok(FINDINGS);
        }
        let _ = if check {
            writeln!(self.err, "{} formatted", files(total - invalid))
        } else {
            writeln!(self.err, "{} reformatted, {} unchanged", files(unformatted), files(total - invalid - unformatted))
        };
        Ok(if invalid > 0 { FINDINGS } else { OK })
    }

    /// The formatted text of one file; `None` after reporting its syntax errors.
    fn format_source(&mut self, source: &SourceFile) -> Result<Option<String>, String> {
        let mut sources = Sources::default();
        let mut diagnostics = Diagnostics::default();
        let id = sources.add(source.clone());
        let before = syntax::parse(sources.get(id), id, &mut diagnostics);
        if diagnostics.has_errors() {
            for diagnostic in &diagnostics {
                let _ = write!(self.err, "{}", report::human(diagnostic, &sources, self.style));
            }
            return Ok(None);
        }
        let formatted = format_kdl(&source.text);
        let mut after_diagnostics = Diagnostics::default();
        let after_id = sources.add(SourceFile::new(source.path.clone(), formatted.clone()));
        let after = syntax::parse(sources.get(after_id), after_id, &mut after_diagnostics);
        if after_diagnostics.has_errors() || !same_nodes(&before.nodes, &after.nodes) {
            return Err(format!(
                "formatting `{}` would change what it says, so it is left as it is: please report this",
                source.path
            ));
        }
        Ok(Some(formatted))
    }
}

#[cfg(test)]
mod tests {
    use super::format_kdl;

    #[test]
    fn indents_by_depth_and_keeps_comments() {
        let text = "// top\nservice   a {\n  owner x   // trailing\n        image \"i:1\"\n\n\n  env A=1 {\n  B field=\"f\"\n  }\n    command \"a\" \\\n  \"b\"\n  /- labels a=b\n}\n\n";
        let want = "// top\nservice a {\n    owner x // trailing\n    image \"i:1\"\n\n    env A=1 {\n        B field=\"f\"\n    }\n    command \"a\" \\\n        \"b\"\n    /- labels a=b\n}\n";
        assert_eq!(format_kdl(text), want);
        assert_eq!(format_kdl(want), want);
    }

    #[test]
    fn spaces_between_tokens_become_one_but_strings_and_comments_keep_theirs() {
        let text = "service\t hello   {\n    env A=\"x   y\"   B=#\"r  \\  s\"#\tC=\"é  ✓\"\n    port 8080 /*  a   b  */  name=http   //  as   written\n    image \"i:1\"\t\t\n}\n";
        let want = "service hello {\n    env A=\"x   y\" B=#\"r  \\  s\"# C=\"é  ✓\"\n    port 8080 /*  a   b  */ name=http //  as   written\n    image \"i:1\"\n}\n";
        assert_eq!(format_kdl(text), want);
        assert_eq!(format_kdl(want), want);
    }

    /// Every KDL file of the repository, and each with its spaces doubled
    /// and tabs put in: formatting is stable, and what a file says never
    /// changes.
    #[test]
    #[allow(clippy::disallowed_methods)] // reads the repository's own files, not a user's
    fn every_kdl_file_of_the_repository_formats_to_the_same_nodes() {
        use crate::diagnostic::Diagnostics;
        use crate::source::{SourceFile, Sources};
        fn nodes(text: &str) -> Option<Vec<crate::syntax::Node>> {
            let mut sources = Sources::default();
            let mut diagnostics = Diagnostics::default();
            let id = sources.add(SourceFile::new("x.kdl", text));
            let document = crate::syntax::parse(sources.get(id), id, &mut diagnostics);
            (!diagnostics.has_errors()).then_some(document.nodes)
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut folders = vec![root.join("stdlib"), root.join("fixtures"), root.join("compiler/templates")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|extension| extension == "kdl") {
                    files.push(path);
                }
            }
        }
        assert!(files.len() > 100, "only {} KDL files found", files.len());
        let mut checked = 0;
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else { continue };
            for variant in [text.clone(), text.replace(' ', "  "), text.replace(' ', " \t ")] {
                let Some(before) = nodes(&variant) else { continue };
                let formatted = format_kdl(&variant);
                assert_eq!(format_kdl(&formatted), formatted, "{} is not stable", path.display());
                let after = nodes(&formatted).unwrap_or_else(|| panic!("{} no longer parses", path.display()));
                assert!(super::same_nodes(&before, &after), "{} changed meaning", path.display());
                checked += 1;
            }
        }
        assert!(checked > 100, "only {checked} files checked");
    }

    #[test]
    fn leaves_multi_line_strings_and_block_comments_alone() {
        let text = "a {\n  b \"\"\"\n   kept   \n  as is\n  \"\"\"\n/* one\n   two */\n c #\"raw { \"#\n}\n";
        let want = "a {\n    b \"\"\"\n   kept   \n  as is\n  \"\"\"\n    /* one\n   two */\n    c #\"raw { \"#\n}\n";
        assert_eq!(format_kdl(text), want);
    }

    #[test]
    fn braces_in_strings_and_comments_do_not_count() {
        let text = "a {\nb \"{\" // {\nc \"\\\"}\"\n}\n";
        assert_eq!(format_kdl(text), "a {\n    b \"{\" // {\n    c \"\\\"}\"\n}\n");
    }
}
