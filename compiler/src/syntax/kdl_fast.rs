//! A fast path for the KDL that specs are made of.
//!
//! The `kdl` crate parses about 4,000 instructions per byte (a combinator
//! parser with error recovery): in a 1,000-service monorepo it was a third of
//! a cold build. Specs use a small part of KDL 2.0, which this module parses
//! by hand, producing exactly what [`super::kdl`] makes of the same text
//! (values, and spans to the byte). Anything outside that part makes it give
//! up (`None`) and the `kdl` crate parses the file, so the language platc
//! accepts, and every error message, stay the crate's.
//!
//! The part: nodes with bare or quoted names, arguments and `key=value`
//! properties (spaces around `=` allowed), children blocks, `;` and line
//! breaks (`\n`) as terminators, `//` and nested `/* */` comments; values
//! that are single-line quoted strings with the escapes `\n \r \t \\ \" \b
//! \f \s \u{…}`, decimal numbers, `#true`, `#false`, `#null`, and ASCII bare
//! identifiers. Outside quoted strings, only ASCII. Not in it (the crate
//! handles them): slashdash, type annotations, raw and multi-line strings,
//! whitespace escapes, line continuations, `\r`, hexadecimal, octal and
//! binary numbers, `#inf` and `#nan`, identifiers starting with `+`, `-` or
//! `.`, and every error.
//!
//! The tests in `super::kdl` check it against the crate on every KDL file of
//! the repository and on edge cases; the `kdl_front_end` fuzz target on
//! whatever the fuzzer makes.

use super::{Node, Prop, Scalar, Value};
use crate::source::{FileId, Span};

/// The nodes of `text`, or `None` when the text is outside the fast path.
pub(super) fn parse(text: &str, offset: usize, file: FileId) -> Option<Vec<Node>> {
    // Code points KDL forbids anywhere, and line breaks other than `\n`,
    // are the crate's to report (or accept) even in comments.
    if text
        .chars()
        .any(|character| (character.is_control() && !matches!(character, '\n' | '\t')) || is_forbidden(character))
    {
        return None;
    }
    let mut parser = Parser { bytes: text.as_bytes(), text, at: 0, offset, file };
    let nodes = parser.nodes(0)?;
    (parser.at == parser.bytes.len()).then_some(nodes)
}

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
    offset: usize,
    file: FileId,
}

/// How deep children blocks may nest here; deeper files go to the crate
/// (which `super::kdl` limits first anyway).
const MAX_DEPTH: usize = 64;

impl Parser<'_> {
    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start + self.offset, end + self.offset)
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn starts_with(&self, pattern: &[u8]) -> bool {
        self.bytes[self.at..].starts_with(pattern)
    }

    /// Nodes until the end of the text (depth 0) or a `}` (left unconsumed).
    fn nodes(&mut self, depth: usize) -> Option<Vec<Node>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut nodes = Vec::new();
        loop {
            self.line_space()?;
            match self.peek() {
                None => return (depth == 0).then_some(nodes),
                Some(b'}') => return (depth > 0).then_some(nodes),
                Some(_) => {
                    nodes.push(self.node(depth)?);
                    // A node ends at a line break, `;`, `}`, a comment or the end.
                    if self.peek() == Some(b';') {
                        self.at += 1;
                    }
                }
            }
        }
    }

    /// Spaces, line breaks and comments between nodes.
    fn line_space(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n') => self.at += 1,
                Some(b'/') if self.starts_with(b"//") => self.line_comment(),
                Some(b'/') if self.starts_with(b"/*") => self.block_comment()?,
                _ => return Some(()),
            }
        }
    }

    fn line_comment(&mut self) {
        self.at =
            self.bytes[self.at..].iter().position(|&byte| byte == b'\n').map_or(self.bytes.len(), |end| self.at + end);
    }

    fn block_comment(&mut self) -> Option<()> {
        let mut open = 0usize;
        while self.at < self.bytes.len() {
            if self.starts_with(b"/*") {
                open += 1;
                self.at += 2;
            } else if self.starts_with(b"*/") {
                open -= 1;
                self.at += 2;
                if open == 0 {
                    return Some(());
                }
            } else {
                self.at += 1;
            }
        }
        None
    }

    /// Spaces and block comments inside a node: where the last block comment
    /// ends, or 0 without one.
    fn node_space(&mut self) -> Option<usize> {
        let mut comment_end = 0;
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.at += 1,
                Some(b'/') if self.starts_with(b"/*") => {
                    self.block_comment()?;
                    comment_end = self.at;
                }
                _ => return Some(comment_end),
            }
        }
    }

    fn node(&mut self, depth: usize) -> Option<Node> {
        let start = self.at;
        let (name, name_end) = self.name()?;
        let name_span = self.span(start, name_end);
        let mut node =
            Node { name, name_span, span: name_span, args: Vec::new(), props: Vec::new(), children: Vec::new() };
        // The node's span runs to its last entry, children or block comment
        // (as the crate's does, less trailing space).
        let mut end = name_end;
        loop {
            let space_start = self.at;
            end = end.max(self.node_space()?);
            let spaced = self.at > space_start;
            match self.peek() {
                None | Some(b'\n' | b';' | b'}') => break,
                Some(b'/') if self.starts_with(b"//") => break,
                Some(b'{') => {
                    self.at += 1;
                    node.children = self.nodes(depth + 1)?;
                    if self.peek() != Some(b'}') {
                        return None;
                    }
                    self.at += 1;
                    end = self.at;
                    // Then only spaces and a terminator (a comment after the
                    // block is left to the crate).
                    while matches!(self.peek(), Some(b' ' | b'\t')) {
                        self.at += 1;
                    }
                    match self.peek() {
                        None | Some(b'\n' | b';' | b'}') => break,
                        Some(b'/') if self.starts_with(b"//") => break,
                        _ => return None,
                    }
                }
                Some(_) if spaced => {
                    self.entry(&mut node)?;
                    end = self.at;
                }
                Some(_) => return None,
            }
        }
        node.span = self.span(start, end);
        Some(node)
    }

    /// A node's name: a bare identifier or a quoted string.
    fn name(&mut self) -> Option<(String, usize)> {
        let name = match self.peek()? {
            b'"' => self.quoted()?,
            _ => self.identifier()?.to_owned(),
        };
        Some((name, self.at))
    }

    /// An argument or a property.
    fn entry(&mut self, node: &mut Node) -> Option<()> {
        let start = self.at;
        let first = self.peek()?;
        let key = match first {
            b'"' => Some(self.quoted()?),
            _ if is_identifier_start(first) => Some(self.identifier()?.to_owned()),
            _ => None,
        };
        if let Some(key) = key {
            let key_end = self.at;
            // `key = value`, with optional spaces: a property.
            let before_equals = self.at;
            self.node_space()?;
            if self.peek() == Some(b'=') {
                let value_start = self.at + 1;
                self.at += 1;
                self.node_space()?;
                let (scalar, value_end) = self.value()?;
                node.props.push(Prop {
                    key,
                    key_span: self.span(start, key_end),
                    value: Value { scalar, span: self.span(value_start, value_end) },
                });
                return Some(());
            }
            self.at = before_equals;
            node.args.push(Value { scalar: Scalar::String(key), span: self.span(start, key_end) });
            return Some(());
        }
        let (scalar, end) = self.value()?;
        node.args.push(Value { scalar, span: self.span(start, end) });
        Some(())
    }

    /// A value that is not a bare identifier: a quoted string, a number or a
    /// keyword; a bare identifier is accepted too (after `=`).
    fn value(&mut self) -> Option<(Scalar, usize)> {
        let scalar = match self.peek()? {
            b'"' => Scalar::String(self.quoted()?),
            b'#' => {
                let scalar = if self.starts_with(b"#true") {
                    self.at += 5;
                    Scalar::Bool(true)
                } else if self.starts_with(b"#false") {
                    self.at += 6;
                    Scalar::Bool(false)
                } else if self.starts_with(b"#null") {
                    self.at += 5;
                    Scalar::Null
                } else {
                    return None;
                };
                self.ends_token()?;
                scalar
            }
            byte if byte.is_ascii_digit() => self.number()?,
            b'+' | b'-' if self.bytes.get(self.at + 1).is_some_and(u8::is_ascii_digit) => self.number()?,
            byte if is_identifier_start(byte) => Scalar::String(self.identifier()?.to_owned()),
            _ => return None,
        };
        Some((scalar, self.at))
    }

    /// What may follow a value or keyword: space, a terminator, a comment.
    fn ends_token(&self) -> Option<()> {
        match self.peek() {
            None | Some(b' ' | b'\t' | b'\n' | b';' | b'}') => Some(()),
            Some(b'/') if self.starts_with(b"//") || self.starts_with(b"/*") => Some(()),
            _ => None,
        }
    }

    /// A decimal integer or float, with `_` separators in integers.
    fn number(&mut self) -> Option<Scalar> {
        let start = self.at;
        if matches!(self.peek(), Some(b'+' | b'-')) {
            self.at += 1;
        }
        while self.peek().is_some_and(|byte| byte.is_ascii_digit() || byte == b'_') {
            self.at += 1;
        }
        let mut float = false;
        if self.peek() == Some(b'.') {
            float = true;
            self.at += 1;
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return None;
            }
            while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.at += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return None;
            }
            while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                self.at += 1;
            }
        }
        self.ends_token()?;
        let written = &self.text[start..self.at];
        if float {
            if written.contains('_') {
                return None;
            }
            return written.parse::<f64>().ok().filter(|number| number.is_finite()).map(Scalar::Float);
        }
        let digits: String = written.chars().filter(|character| *character != '_').collect();
        if digits.trim_start_matches(['+', '-']).len() > 18 {
            return None;
        }
        digits.parse::<i64>().ok().map(Scalar::Integer)
    }

    /// An ASCII bare identifier that starts with a letter or one of the
    /// symbols that cannot start a number.
    fn identifier(&mut self) -> Option<&str> {
        let start = self.at;
        if !self.peek().is_some_and(is_identifier_start) {
            return None;
        }
        while self.peek().is_some_and(is_identifier_byte) {
            self.at += 1;
        }
        self.ends_identifier()?;
        let identifier = &self.text[start..self.at];
        // Bare keywords are errors in KDL 2.0 (they need their `#`).
        (!matches!(identifier, "true" | "false" | "null" | "inf" | "nan")).then_some(identifier)
    }

    /// What may follow an identifier: what may follow a value, `=`, `{`.
    fn ends_identifier(&self) -> Option<()> {
        match self.peek() {
            Some(b'=' | b'{') => Some(()),
            _ => self.ends_token(),
        }
    }

    /// A single-line quoted string, unescaped.
    fn quoted(&mut self) -> Option<String> {
        if self.starts_with(b"\"\"\"") {
            return None;
        }
        self.at += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.at..];
            let stop = rest.find(['"', '\\', '\n'])?;
            let plain = &rest[..stop];
            if plain.chars().any(is_disallowed_in_string) {
                return None;
            }
            out.push_str(plain);
            self.at += stop;
            match self.bytes[self.at] {
                b'"' => {
                    self.at += 1;
                    self.ends_identifier()?;
                    return Some(out);
                }
                b'\\' => {
                    self.at += 1;
                    let escaped = match self.peek()? {
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'\\' => '\\',
                        b'"' => '"',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b's' => ' ',
                        b'u' => {
                            let rest = &self.text[self.at + 1..];
                            let hex = rest.strip_prefix('{')?.split_once('}')?.0;
                            if hex.is_empty() || hex.len() > 6 || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                                return None;
                            }
                            let character = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                            if is_disallowed_in_string(character) {
                                return None;
                            }
                            self.at += hex.len() + 2;
                            character
                        }
                        _ => return None,
                    };
                    self.at += 1;
                    out.push(escaped);
                }
                _ => return None,
            }
        }
    }
}

/// ASCII bytes a bare identifier may hold: graphic, but not `\ / ( ) { } ;
/// [ ] " # =`.
fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_graphic()
        && !matches!(byte, b'\\' | b'/' | b'(' | b')' | b'{' | b'}' | b';' | b'[' | b']' | b'"' | b'#' | b'=')
}

/// The first byte of an identifier on the fast path: not a digit, and not
/// `+`, `-` or `.` (which may start a number).
fn is_identifier_start(byte: u8) -> bool {
    is_identifier_byte(byte) && !byte.is_ascii_digit() && !matches!(byte, b'+' | b'-' | b'.')
}

/// Characters the fast path leaves to the crate inside strings: control
/// characters, KDL's other line breaks, and the code points KDL forbids.
fn is_disallowed_in_string(character: char) -> bool {
    character.is_control() || is_forbidden(character)
}

/// KDL's line breaks other than `\n` and `\r`, and the code points it
/// forbids anywhere (direction controls, a byte order mark inside the text).
fn is_forbidden(character: char) -> bool {
    matches!(
        character,
        '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
    )
}
