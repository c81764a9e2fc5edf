//! Reading typed values out of field nodes, each mistake a diagnostic at the
//! value's span. Readers return `None` after reporting, so a decoder keeps
//! going and reports every mistake of a file in one run.

use crate::diagnostic::{Diagnostic, Diagnostics, did_you_mean};
use crate::source::Span;
use crate::syntax::{Node, Scalar, Value};

/// The context decoders share: where diagnostics go.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    pub(crate) diagnostics: &'a mut Diagnostics,
}

impl Reader<'_> {
    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    /// Reports properties and children of `node` that are not in `allowed`,
    /// and arguments beyond `max_args`.
    pub(crate) fn expect_entries(&mut self, node: &Node, max_args: usize, allowed: &[&str]) {
        for extra in node.args.iter().skip(max_args) {
            let message = if max_args == 0 {
                format!("`{}` takes no arguments", node.name)
            } else {
                format!("too many arguments for `{}`", node.name)
            };
            self.report(
                Diagnostic::error("spec::unexpected-argument", extra.span, message)
                    .primary_text("unexpected")
                    .help_opt(field_syntax(&node.name)),
            );
        }
        let names = node
            .props
            .iter()
            .map(|prop| (prop.key.as_str(), prop.key_span))
            .chain(node.children.iter().map(|child| (child.name.as_str(), child.name_span)));
        // `allowed` can be as long as the node (`env` allows the names it
        // holds): a set keeps that linear in the node's size.
        let allowed_set: std::collections::BTreeSet<&str> =
            if allowed.len() > 16 { allowed.iter().copied().collect() } else { std::collections::BTreeSet::new() };
        for (name, span) in names {
            let known = if allowed.len() > 16 { allowed_set.contains(name) } else { allowed.contains(&name) };
            if !known {
                let help = did_you_mean(name, allowed.iter().copied()).or_else(|| {
                    if allowed.is_empty() {
                        Some(format!("`{}` takes no properties", node.name))
                    } else {
                        Some(format!("`{}` takes {}", node.name, list(allowed)))
                    }
                });
                self.report(
                    Diagnostic::error(
                        "spec::unknown-field",
                        span,
                        format!("unknown property `{name}` of `{}`", node.name),
                    )
                    .primary_text("unknown")
                    .help_opt(help),
                );
            }
        }
    }

    pub(crate) fn string(&mut self, value: &Value, what: &str) -> Option<String> {
        match &value.scalar {
            Scalar::String(text) => Some(text.clone()),
            other => {
                self.report(invalid_type(value, what, "a string", other));
                None
            }
        }
    }

    /// A string, or a number written where text is meant (`LOG_LEVEL=3`).
    pub(crate) fn text(&mut self, value: &Value, what: &str) -> Option<String> {
        match &value.scalar {
            Scalar::String(text) => Some(text.clone()),
            Scalar::Integer(number) => Some(number.to_string()),
            Scalar::Float(number) => Some(number.to_string()),
            Scalar::Bool(flag) => Some(flag.to_string()),
            Scalar::Null => {
                self.report(invalid_type(value, what, "a value", &Scalar::Null));
                None
            }
        }
    }

    pub(crate) fn integer(&mut self, value: &Value, what: &str, min: i64, max: i64) -> Option<i64> {
        match &value.scalar {
            Scalar::Integer(number) if (min..=max).contains(number) => Some(*number),
            Scalar::Integer(number) => {
                self.report(
                    Diagnostic::error(
                        "spec::invalid-value",
                        value.span,
                        format!("{what} must be between {min} and {max}, found {number}"),
                    )
                    .primary_text("out of range"),
                );
                None
            }
            other => {
                self.report(invalid_type(value, what, "an integer", other));
                None
            }
        }
    }

    pub(crate) fn u32(&mut self, value: &Value, what: &str, min: u32, max: u32) -> Option<u32> {
        self.integer(value, what, i64::from(min), i64::from(max)).and_then(|number| u32::try_from(number).ok())
    }

    pub(crate) fn bool(&mut self, value: &Value, what: &str) -> Option<bool> {
        match &value.scalar {
            Scalar::Bool(flag) => Some(*flag),
            other => {
                self.report(
                    invalid_type(value, what, "`#true` or `#false`", other).help("in YAML write true or false"),
                );
                None
            }
        }
    }

    /// One of a fixed set of words.
    pub(crate) fn choice<T: Copy>(&mut self, value: &Value, what: &str, choices: &[(&str, T)]) -> Option<T> {
        let text = self.string(value, what)?;
        if let Some((_, choice)) = choices.iter().find(|(name, _)| *name == text) {
            return Some(*choice);
        }
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        self.report(
            Diagnostic::error("spec::invalid-value", value.span, format!("unknown {what} `{text}`"))
                .primary_text(format!("expected {}", list(&names)))
                .help_opt(did_you_mean(&text, names.iter().copied())),
        );
        None
    }

    /// A duration like `30s`, `5m`, `1h30m` or a number of seconds, in seconds.
    pub(crate) fn duration(&mut self, value: &Value, what: &str) -> Option<u32> {
        let parsed = match &value.scalar {
            Scalar::Integer(seconds) => u32::try_from(*seconds).map_err(|_| "must not be negative".to_owned()),
            Scalar::String(text) => parse_duration(text),
            other => {
                self.report(invalid_type(value, what, "a duration like \"30s\"", other));
                return None;
            }
        };
        match parsed {
            Ok(seconds) => Some(seconds),
            Err(reason) => {
                self.report(
                    Diagnostic::error("spec::invalid-duration", value.span, format!("invalid {what}: {reason}"))
                        .primary_text("not a duration")
                        .help("write a whole number of seconds, minutes or hours: \"30s\", \"5m\", \"1h30m\""),
                );
                None
            }
        }
    }

    /// A DNS-1123 label: what Kubernetes accepts as an object name.
    pub(crate) fn dns_label(&mut self, value: &Value, what: &str) -> Option<String> {
        let text = self.string(value, what)?;
        match check_dns_label(&text) {
            Ok(()) => Some(text),
            Err(reason) => {
                self.report(
                    Diagnostic::error("spec::invalid-name", value.span, format!("invalid {what} `{text}`: {reason}"))
                        .primary_text("not a valid name")
                        .help(format!(
                            "use lowercase letters, digits and `-`, starting with a letter, at most 63 characters, e.g. `{}`",
                            suggest_dns_label(&text)
                        )),
                );
                None
            }
        }
    }

    pub(crate) fn missing(&mut self, span: Span, message: impl Into<String>, help: impl Into<String>) {
        self.report(Diagnostic::error("spec::missing-field", span, message).primary_text("required here").help(help));
    }
}

/// The value of property `name` of a node: `name=value`, or a child node
/// `name value`.
pub(crate) fn prop<'n>(node: &'n Node, name: &str) -> Option<&'n Value> {
    node.props
        .iter()
        .rev()
        .find(|prop| prop.key == name)
        .map(|prop| &prop.value)
        .or_else(|| node.children.iter().rev().find(|child| child.name == name).and_then(|child| child.args.first()))
}

/// Positional argument `index`, or property `name` (the form YAML uses).
pub(crate) fn arg<'n>(node: &'n Node, index: usize, name: &str) -> Option<&'n Value> {
    node.args.get(index).or_else(|| prop(node, name))
}

/// A child node by name.
pub(crate) fn child<'n>(node: &'n Node, name: &str) -> Option<&'n Node> {
    node.children.iter().rev().find(|child| child.name == name)
}

fn invalid_type(value: &Value, what: &str, expected: &str, found: &Scalar) -> Diagnostic {
    Diagnostic::error(
        "spec::invalid-type",
        value.span,
        format!("{what} must be {expected}, found {}", found.kind_name()),
    )
    .primary_text(format!("this is {}", found.kind_name()))
}

fn field_syntax(name: &str) -> Option<String> {
    crate::spec::fields::service_field(name).map(|field| format!("write `{}`", field.syntax))
}

/// "`a`, `b` or `c`".
pub(crate) fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [only] => format!("`{only}`"),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(|name| format!("`{name}`")).collect();
            format!("{} or `{last}`", init.join(", "))
        }
    }
}

pub(crate) fn check_dns_label(text: &str) -> Result<(), &'static str> {
    if text.is_empty() {
        return Err("it is empty");
    }
    if text.len() > 63 {
        return Err("it is longer than 63 characters");
    }
    if !text.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-') {
        return Err("only lowercase letters, digits and `-` are allowed");
    }
    if !text.starts_with(|first: char| first.is_ascii_lowercase()) {
        return Err("it must start with a letter");
    }
    if text.ends_with('-') {
        return Err("it must not end with `-`");
    }
    Ok(())
}

fn suggest_dns_label(text: &str) -> String {
    let mut label: String = text
        .chars()
        .map(|character| if character.is_ascii_alphanumeric() { character.to_ascii_lowercase() } else { '-' })
        .collect();
    label = label.trim_matches('-').to_owned();
    if !label.starts_with(|first: char| first.is_ascii_lowercase()) {
        label.insert_str(0, "svc-");
    }
    label.truncate(63);
    label.trim_end_matches('-').to_owned()
}

/// Parses `90`, `30s`, `5m`, `1h30m` into seconds.
pub(crate) fn parse_duration(text: &str) -> Result<u32, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for character in text.chars() {
        if character.is_ascii_digit() {
            digits.push(character);
            continue;
        }
        let unit = match character {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => return Err(format!("unknown unit `{character}`")),
        };
        if digits.is_empty() {
            return Err(format!("a number must come before `{character}`"));
        }
        let amount: u64 = digits.parse().map_err(|_| "it is too long".to_owned())?;
        total = amount
            .checked_mul(unit)
            .and_then(|seconds| total.checked_add(seconds))
            .ok_or_else(|| "it is too long".to_owned())?;
        digits.clear();
    }
    if !digits.is_empty() {
        if total > 0 {
            return Err("the last number has no unit".to_owned());
        }
        total = digits.parse().map_err(|_| "it is too long".to_owned())?;
    }
    u32::try_from(total).map_err(|_| "it is too long".to_owned())
}

#[cfg(test)]
mod tests {
    use super::{check_dns_label, parse_duration};

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("45"), Ok(45));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("1m30").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("99999999999999999h").is_err());
        assert!(parse_duration("99999999999999999999999s").is_err());
    }

    #[test]
    fn dns_labels() {
        assert!(check_dns_label("payment-service").is_ok());
        assert!(check_dns_label("Payment").is_err());
        assert!(check_dns_label("1abc").is_err());
        assert!(check_dns_label("abc-").is_err());
        assert!(check_dns_label(&"a".repeat(64)).is_err());
    }
}
