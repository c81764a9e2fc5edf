//! `explain`, `graph` and `list`: what they print for the fixtures.

use std::path::Path;

use crate::support::fixture;

fn run(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let mut all = vec!["platc", "--color", "never"];
    all.extend_from_slice(args);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = platc::cli::run(all, cwd, false, &mut out, &mut err);
    (code, String::from_utf8(out).unwrap(), String::from_utf8(err).unwrap())
}

#[test]
fn explain_says_which_line_decided_each_value() {
    let root = fixture("monorepo");
    let (code, stdout, stderr) = run(&["explain", "payment-service", "--env", "production"], &root);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("explain_payment_service_production", stdout);
    let replicas = stdout.lines().find(|line| line.trim_start().starts_with("replicas ")).unwrap();
    assert!(replicas.contains("replicas min=4 max=20") && replicas.ends_with("platform.kdl:37"), "{replicas}");

    let (code, stdout, _) = run(&["--format", "json", "explain", "payment-service", "replicas"], &root);
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let fields = report["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 2, "one per environment");
    assert_eq!(fields[0]["environment"], "staging");
    assert_eq!(fields[0]["file"], "<stdlib>/tiers.kdl");
    assert_eq!(fields[1]["environment"], "production");
    assert_eq!(fields[1]["file"], "platform.kdl");

    let (code, _, stderr) = run(&["explain", "payment-servce"], &root);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `payment-service`?"), "{stderr}");
    let (code, _, stderr) = run(&["explain", "payment-service", "replica"], &root);
    assert_eq!(code, 2);
    assert!(stderr.contains("did you mean `replicas`?"), "{stderr}");
}

#[test]
fn graph_draws_dependencies_and_apis() {
    let root = fixture("monorepo");
    for style in ["dot", "mermaid", "json"] {
        let (code, stdout, stderr) = run(&["graph", "--as", style], &root);
        assert_eq!(code, 0, "{stderr}");
        insta::assert_snapshot!(format!("graph_monorepo_{style}"), stdout);
    }
}

#[test]
fn graph_fails_on_a_dependency_cycle() {
    let temp = tempfile::tempdir().unwrap();
    for (name, other) in [("a", "b"), ("b", "a")] {
        let folder = temp.path().join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join("platc.kdl"),
            format!("service {name} {{\n    image \"ghcr.io/acme/{name}:1.0.0\"\n    port 8080\n    depends-on {other}\n}}\n"),
        )
        .unwrap();
    }
    let (code, _, stderr) = run(&["graph", temp.path().to_str().unwrap()], temp.path());
    assert_eq!(code, 1);
    assert!(stderr.contains("dependency cycle: a → b → a"), "{stderr}");
}

#[test]
fn list_shows_every_service_once() {
    let root = fixture("monorepo");
    let (code, stdout, _) = run(&["list"], &root);
    assert_eq!(code, 0);
    insta::assert_snapshot!("list_monorepo", stdout);
    let (code, stdout, _) = run(&["--format", "json", "list"], &root);
    assert_eq!(code, 0);
    let services: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(services.as_array().unwrap().len(), 6);
    assert_eq!(services[0]["environments"], serde_json::json!(["staging", "production"]));
}

#[test]
fn completions_and_the_manual_page_are_printed() {
    let root = fixture("minimal");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, stdout, _) = run(&["completions", shell], &root);
        assert_eq!(code, 0, "{shell}");
        assert!(stdout.contains("platc"), "{shell}");
        assert!(stdout.contains("set-image"), "{shell} completes subcommands");
    }
    let (code, _, stderr) = run(&["completions", "tcsh"], &root);
    assert_eq!(code, 2, "{stderr}");
    let (code, stdout, _) = run(&["man"], &root);
    assert_eq!(code, 0);
    assert!(stdout.starts_with(".ie \\n(.g .ds Aq"), "roff");
    assert!(stdout.contains(".TH platc 1"));
    assert!(stdout.contains("set\\-image"));
}
