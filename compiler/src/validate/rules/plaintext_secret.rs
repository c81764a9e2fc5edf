//! `plaintext-secret`: an `env` literal that looks like a credential, in the
//! main container, a sidecar or an init container. Three signs, in order:
//!
//! 1. a known token prefix (GitHub, Slack, AWS, Stripe, GitLab, Google, a
//!    PEM block);
//! 2. a name that says credential (`*_PASSWORD`, `*_TOKEN`, `*_SECRET`,
//!    `*_API_KEY`, …) with a literal value that is not empty, a path, a
//!    reference (`${…}`) or a switch (`0`, `1`, `true`, `off`, …:
//!    `REQUIRE_AUTH=true` turns a feature on);
//! 3. a long string with the entropy of random data: at least 20 characters
//!    of a token alphabet with mixed letters and digits and at least 4.0
//!    bits of Shannon entropy per character, or 32 hexadecimal digits at
//!    3.0 bits. URLs, paths and text with spaces are not tokens.
//!
//! The message never repeats the value.

use crate::model::{EnvValue, EnvVar};
use crate::validate::{Check, Finding};

/// Known token prefixes, what they are, and how many token characters must
/// follow for a match.
const PREFIXES: &[(&str, &str, usize)] = &[
    ("github_pat_", "a GitHub token", 20),
    ("ghp_", "a GitHub token", 20),
    ("gho_", "a GitHub token", 20),
    ("ghu_", "a GitHub token", 20),
    ("ghs_", "a GitHub token", 20),
    ("ghr_", "a GitHub token", 20),
    ("glpat-", "a GitLab token", 16),
    ("xoxb-", "a Slack token", 10),
    ("xoxp-", "a Slack token", 10),
    ("xoxa-", "a Slack token", 10),
    ("xoxs-", "a Slack token", 10),
    ("AKIA", "an AWS access key", 16),
    ("ASIA", "an AWS access key", 16),
    ("sk_live_", "a Stripe secret key", 16),
    ("rk_live_", "a Stripe secret key", 16),
    ("AIza", "a Google API key", 30),
    ("npm_", "an npm token", 30),
    ("-----BEGIN", "a PEM key or certificate", 0),
];

/// Name endings (and whole names) that say credential.
const NAMES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "TOKEN",
    "SECRET",
    "SECRET_KEY",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CLIENT_SECRET",
    "CREDENTIALS",
    "AUTH",
];

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let service = cx.service;
    let mut findings = Vec::new();
    let mut scan = |vars: &[EnvVar], place: &str| {
        for var in vars {
            let EnvValue::Literal(value) = &var.value else { continue };
            let Some(why) = looks_like_credential(&var.name, value) else { continue };
            findings.push(Finding::new(
                var.span,
                format!("`{}`{place} of `{}` looks like a credential: {why}", var.name, service.name),
                "plain text in Git",
                format!(
                    "keep it in the secret store and write `secret {} from=\"path/in/store\" key=\"…\"` instead; it is in Git history now, so rotate it",
                    var.name
                ),
            ));
        }
    };
    scan(&service.env, "");
    for container in &service.sidecars {
        scan(&container.env, &format!(" in sidecar `{}`", container.name));
    }
    for container in &service.init_containers {
        scan(&container.env, &format!(" in init container `{}`", container.name));
    }
    findings
}

/// Why the value looks like a credential, if it does.
fn looks_like_credential(name: &str, value: &str) -> Option<String> {
    let value = value.trim();
    for (prefix, what, rest) in PREFIXES {
        if let Some(tail) = value.strip_prefix(prefix) {
            let token = tail.chars().take_while(|character| is_token_char(*character)).count();
            if token >= *rest {
                return Some(format!("it starts like {what} (`{prefix}`)"));
            }
        }
    }
    let upper = name.to_ascii_uppercase();
    let named = NAMES.iter().any(|ending| upper == *ending || upper.ends_with(&format!("_{ending}")));
    let reference = value.is_empty()
        || value.starts_with('/')
        || value.starts_with("${")
        || value.starts_with("$(")
        || value.contains("://") && !value.contains('@');
    // `REQUIRE_AUTH=true`, `BASIC_AUTH=0`: a switch, not a credential.
    let switch = matches!(
        value.to_ascii_lowercase().as_str(),
        "0" | "1" | "true" | "false" | "yes" | "no" | "on" | "off" | "enabled" | "disabled" | "none"
    );
    if named && !reference && !switch {
        return Some(format!("`{name}` names a credential and its value is written in the spec"));
    }
    if random_looking(value) {
        return Some("a long random-looking string".to_owned());
    }
    None
}

fn is_token_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '_' | '-' | '+' | '/' | '=' | '.')
}

fn random_looking(value: &str) -> bool {
    if value.contains("://") || value.starts_with('/') || !value.chars().all(is_token_char) {
        return false;
    }
    let hex = value.chars().all(|character| character.is_ascii_hexdigit());
    let has_digit = value.chars().any(|character| character.is_ascii_digit());
    let has_letter = value.chars().any(|character| character.is_ascii_alphabetic());
    if hex {
        return value.len() >= 32 && has_digit && has_letter && entropy(value) >= 3.0;
    }
    let has_upper = value.chars().any(|character| character.is_ascii_uppercase());
    let has_lower = value.chars().any(|character| character.is_ascii_lowercase());
    value.len() >= 20 && has_digit && has_upper && has_lower && entropy(value) >= 4.0
}

/// Shannon entropy in bits per character.
fn entropy(value: &str) -> f64 {
    let mut counts = std::collections::BTreeMap::new();
    for character in value.chars() {
        *counts.entry(character).or_insert(0u32) += 1;
    }
    let length = f64::from(u32::try_from(value.chars().count()).unwrap_or(u32::MAX));
    counts
        .values()
        .map(|count| {
            let share = f64::from(*count) / length;
            -share * share.log2()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::looks_like_credential;
    use crate::validate::tests::table;

    #[test]
    fn plaintext_secret() {
        table(
            "policy::plaintext-secret",
            "",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env LOG_LEVEL=info SMTP_HOST="smtp.internal" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env DB_PASSWORD_FILE="/var/run/secrets/app/db" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env DATABASE_PASSWORD="" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env REQUEST_ID="0b9c6a4e-3f1d-4c2a-9e8b-7a6d5c4b3a21" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env CALLBACK="https://hooks.example.com/services/AbCdEf123456GhIjKl" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; secret API_TOKEN from="api/token" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env FEATURE_NAME="CheckoutRedesignRollout" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env AUTH=1 REQUIRE_AUTH="true" BASIC_AUTH=Off }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env GITHUB="ghp_16C7e42F292c6912E7710c838347Ae178B4a" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env SLACK="xoxb-1234567890-abcdefghij" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env AWS_KEY_ID="AKIAIOSFODNN7EXAMPLE" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env STRIPE="sk_live_4eC39HqLyjWDarjtT1zdp7dc" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env DB_PASSWORD="hunter2" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env STRIPE_API_KEY="not-set-yet" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env SESSION="q8Vt3ZrXw9LmKp2YbN7cHs4D" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env SIGNING="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; env { TLS_KEY "-----BEGIN PRIVATE KEY-----" } }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; sidecar proxy image="ghcr.io/acme/proxy:1.0.0" { env UPSTREAM_TOKEN="abc" } }"#,
            ],
        );
    }

    #[test]
    fn the_reason_never_repeats_the_value() {
        let why = looks_like_credential("X", "ghp_16C7e42F292c6912E7710c838347Ae178B4a").unwrap_or_default();
        assert!(!why.contains("16C7e42F"), "{why}");
        assert!(why.contains("GitHub"));
    }
}
