//! The developer workflow around the compiler: `platc schema` and the JSON
//! Schema of `platc.yaml`, `platc new` (the scaffold builds cleanly for every
//! language and its output validates like the fixtures'), `platc fmt`, and
//! the integrations at the repository root (pre-commit hooks, the GitHub
//! Action, the Backstage Software Template).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use platc::spec::fields::{Contexts, SERVICE_FIELDS, Shape, Type};
use serde_json::{Map, Value, json};
use tempfile::TempDir;

use crate::schemas::{Schemas, documents};
use crate::support::{built_fixtures, files_under, fixture, repo_root};

/// What one run printed and returned.
#[derive(Debug)]
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// `platc --color never <args>` in `cwd`.
fn platc(cwd: &Path, args: &[&str]) -> Run {
    let args: Vec<OsString> = ["platc", "--color", "never"].iter().chain(args).map(OsString::from).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = platc::cli::run(args, cwd, false, &mut out, &mut err);
    Run { code, stdout: String::from_utf8(out).unwrap(), stderr: String::from_utf8(err).unwrap() }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

// ---- the JSON Schema of platc.yaml ----

fn spec_schema() -> jsonschema::Validator {
    jsonschema::validator_for(&platc::spec::schema::json_schema()).expect("the spec schema compiles")
}

/// A YAML spec as platc itself reads it (the same scalar resolution).
fn yaml_json(text: &str) -> Value {
    let mut values = platc::syntax::yaml_values(text, platc::FileId(0)).expect("valid YAML");
    assert_eq!(values.len(), 1);
    values.remove(0)
}

fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator.iter_errors(document).map(|error| format!("{error} at `{}`", error.instance_path())).collect()
}

/// Every `platc.yaml` of a repository, with its text.
fn yaml_specs(root: &Path) -> Vec<(PathBuf, String)> {
    files_under(root)
        .into_iter()
        .filter(|path| path.ends_with("platc.yaml"))
        .map(|path| (root.join(&path), read(&root.join(&path))))
        .collect()
}

#[test]
fn schema_command_prints_the_committed_schema() {
    let dir = TempDir::new().unwrap();
    let run = platc(dir.path(), &["schema"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout == read(&repo_root().join("schemas/platc.schema.json")), "schemas/platc.schema.json is stale");
    let schema: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
}

#[test]
fn every_fixture_yaml_spec_validates_against_the_schema() {
    let validator = spec_schema();
    let mut checked = 0;
    for name in built_fixtures() {
        for (path, text) in yaml_specs(&fixture(&name)) {
            let found = problems(&validator, &yaml_json(&text));
            assert!(found.is_empty(), "{}:\n{}", path.display(), found.join("\n"));
            checked += 1;
        }
    }
    assert!(checked >= 2, "only {checked} YAML specs");
}

/// A KDL spec as the YAML that says the same, by the rules of `syntax/mod.rs`
/// and the fields' shapes; `None` when YAML cannot write one of its fields
/// (an argument with no key beside properties).
fn kdl_as_yaml(node: &platc::syntax::Node) -> Option<Value> {
    let mut fields: Vec<platc::syntax::Node> = node.props.iter().map(prop_node).collect();
    fields.extend(node.children.iter().filter(|child| child.name != "environment").cloned());
    let mut service = block(&node.args.first()?.scalar, &fields)?;
    let mut environments = Vec::new();
    for environment in node.children.iter().filter(|child| child.name == "environment") {
        environments.push(Value::Object(block(&environment.args.first()?.scalar, &environment.children)?));
    }
    if !environments.is_empty() {
        service.insert("environment".to_owned(), Value::Array(environments));
    }
    Some(json!({ "service": service }))
}

fn prop_node(prop: &platc::syntax::Prop) -> platc::syntax::Node {
    platc::syntax::Node {
        name: prop.key.clone(),
        name_span: prop.key_span,
        span: prop.key_span,
        args: vec![prop.value.clone()],
        props: Vec::new(),
        children: Vec::new(),
    }
}

/// A service or environment block: its name and its fields, a field written
/// several times as a list of mappings.
fn block(name: &platc::syntax::Scalar, fields: &[platc::syntax::Node]) -> Option<Map<String, Value>> {
    let mut map = Map::new();
    map.insert("name".to_owned(), scalar(name));
    let mut names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
    names.dedup();
    for name in names {
        let field = platc::spec::fields::service_field(name)?;
        let nodes: Vec<&platc::syntax::Node> = fields.iter().filter(|node| node.name == name).collect();
        let value = if let [only] = nodes.as_slice() {
            node_value(only, &field.shape, false)?
        } else {
            let items: Option<Vec<Value>> = nodes.iter().map(|node| node_value(node, &field.shape, true)).collect();
            Value::Array(items?)
        };
        map.insert(name.to_owned(), value);
    }
    Some(map)
}

fn scalar(scalar: &platc::syntax::Scalar) -> Value {
    use platc::syntax::Scalar;
    match scalar {
        Scalar::String(text) => json!(text),
        Scalar::Integer(number) => json!(number),
        Scalar::Float(number) => json!(number),
        Scalar::Bool(flag) => json!(flag),
        Scalar::Null => Value::Null,
    }
}

/// One node as a YAML value: a scalar or list when it holds only arguments
/// (and is not one of several items), else a mapping.
fn node_value(node: &platc::syntax::Node, shape: &Shape, as_item: bool) -> Option<Value> {
    if node.props.is_empty() && node.children.is_empty() && !as_item {
        return Some(match node.args.as_slice() {
            [only] => scalar(&only.scalar),
            args => Value::Array(args.iter().map(|value| scalar(&value.scalar)).collect()),
        });
    }
    let mut map = Map::new();
    for (index, value) in node.args.iter().enumerate() {
        let key = shape.args.get(index).map(|entry| entry.key).filter(|key| !key.is_empty())?;
        map.insert(key.to_owned(), scalar(&value.scalar));
    }
    for prop in &node.props {
        map.insert(prop.key.clone(), scalar(&prop.value.scalar));
    }
    for child in &node.children {
        let (child_shape, repeated) = match shape.children.iter().find(|known| known.key == child.name) {
            Some(known) => (known.shape, known.repeated),
            None => (shape.open_children?, false),
        };
        let value = node_value(child, child_shape, repeated)?;
        if repeated {
            map.entry(child.name.clone()).or_insert_with(|| Value::Array(Vec::new())).as_array_mut()?.push(value);
        } else {
            map.insert(child.name.clone(), value);
        }
    }
    Some(Value::Object(map))
}

#[test]
fn every_fixture_kdl_spec_validates_against_the_schema_as_yaml() {
    // The schema describes the model, not one syntax: each KDL spec, written
    // as the YAML that says the same, validates too.
    let validator = spec_schema();
    let mut checked = 0;
    for name in built_fixtures() {
        let workspace = platc::Workspace::load(&fixture(&name)).unwrap();
        for spec in workspace.specs.iter().filter(|spec| spec.path.ends_with(".kdl")) {
            let mut diagnostics = platc::Diagnostics::default();
            let document = platc::syntax::parse(spec, platc::FileId(0), &mut diagnostics);
            let Some(yaml) = document.nodes.first().and_then(kdl_as_yaml) else { continue };
            let found = problems(&validator, &yaml);
            assert!(found.is_empty(), "{name}/{}:\n{}\n{yaml:#}", spec.path, found.join("\n"));
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} KDL specs written as YAML");
}

#[test]
fn invalid_yaml_specs_are_rejected_by_the_schema_and_by_platc() {
    let validator = spec_schema();
    let valid = "service:\n  name: api\n  image: ghcr.io/acme/api:1.0.0\n  port: 8080\n";
    assert_eq!(problems(&validator, &yaml_json(valid)), Vec::<String>::new());
    let cases = [
        ("unknown field", "service:\n  name: api\n  imag: ghcr.io/acme/api:1.0.0\n"),
        ("no name", "service:\n  image: ghcr.io/acme/api:1.0.0\n"),
        ("a second top-level key", "service:\n  name: api\nservices: {}\n"),
        ("a port as text", "service:\n  name: api\n  port: http\n"),
        ("a port out of range", "service:\n  name: api\n  port: 70000\n"),
        ("an unknown kind", "service:\n  name: api\n  kind: daemon\n"),
        ("an upper-case name", "service:\n  name: Api\n"),
        ("a secret without from", "service:\n  name: api\n  secret:\n    - name: TOKEN\n"),
        ("a probe without a type", "service:\n  name: api\n  probe:\n    - http: /healthz\n"),
        ("an unknown property", "service:\n  name: api\n  port:\n    - port: 8080\n      nmae: http\n"),
        ("replicas as text", "service:\n  name: api\n  replicas: three\n"),
        ("a bad duration", "service:\n  name: api\n  termination-grace: 30 seconds\n"),
        ("a bad quantity", "service:\n  name: api\n  resources:\n    cpu: lots\n"),
        ("owner per environment", "service:\n  name: api\n  environment:\n    - name: staging\n      owner: x\n"),
        ("description as a list", "service:\n  name: api\n  description: [a, b]\n"),
    ];
    for (what, text) in cases {
        assert!(!problems(&validator, &yaml_json(text)).is_empty(), "the schema accepts {what}");
        let workspace = platc::Workspace::from_files([("platc.yaml", text)]);
        assert!(platc::compile(&workspace).diagnostics.has_errors(), "platc accepts {what}");
    }
}

/// A value of each type that platc reads without a type error.
fn sample(ty: Type) -> Value {
    match ty {
        Type::String | Type::Text | Type::Any => json!("x"),
        Type::Integer(min, _) => json!(min.max(1)),
        Type::Number => json!(99.5),
        Type::Bool => json!(true),
        Type::Name => json!("abc"),
        Type::PortName | Type::PortRef => json!("http"),
        Type::Word(words) => json!(words[0]),
        Type::Duration => json!("30s"),
        Type::Latency => json!("300ms"),
        Type::Quantity | Type::IntOrPercent => json!(1),
        Type::Ratio => json!(2),
        Type::HttpPath => json!("/x"),
        Type::AbsolutePath => json!("/x/y"),
        Type::CommitSha => json!("0123456789abcdef0123456789abcdef01234567"),
    }
}

/// Every key of a shape set to a sample value, as a YAML mapping.
fn sample_mapping(shape: &Shape) -> Value {
    let mut map = Map::new();
    for entry in shape.args.iter().chain(shape.props).filter(|entry| !entry.key.is_empty()) {
        map.insert(entry.key.to_owned(), sample(entry.ty));
    }
    if let Some(ty) = shape.open {
        map.insert("SOME_KEY".to_owned(), sample(ty));
    }
    for child in shape.children {
        let value = if child.shape.has_keys() {
            sample_mapping(child.shape)
        } else {
            json!([sample(child.shape.rest.unwrap_or(Type::Text))])
        };
        map.insert(child.key.to_owned(), if child.repeated { json!([value]) } else { value });
    }
    Value::Object(map)
}

#[test]
fn every_key_the_schema_offers_is_one_platc_reads() {
    // Each service field written with every key of its shape: the schema
    // accepts it, and platc reads it without an unknown key or a type error.
    let validator = spec_schema();
    for field in SERVICE_FIELDS.iter().filter(|field| field.contexts.contains(Contexts::SERVICE)) {
        if !field.shape.has_keys() {
            continue;
        }
        let value = sample_mapping(&field.shape);
        let document = json!({ "service": { "name": "svc", "image": "ghcr.io/acme/svc:1.0.0", field.name: value } });
        let found = problems(&validator, &document);
        assert!(found.is_empty(), "`{}`: {}\n{document:#}", field.name, found.join("\n"));
        // JSON is YAML: platc reads the same document.
        let workspace = platc::Workspace::from_files([("platc.yaml", document.to_string())]);
        let compilation = platc::compile(&workspace);
        let wrong: Vec<String> = compilation
            .diagnostics
            .iter()
            .filter(|diagnostic| {
                ["spec::unknown-field", "spec::invalid-type", "spec::unexpected-argument"].contains(&diagnostic.code)
                    || diagnostic.code.starts_with("syntax::")
            })
            .map(|diagnostic| format!("{}: {}", diagnostic.code, diagnostic.message))
            .collect();
        assert!(wrong.is_empty(), "`{}` as the schema allows it:\n{}\n{document:#}", field.name, wrong.join("\n"));
    }
}

// ---- platc new ----

const LANGUAGES: &[&str] = &["go", "rust", "python", "node", "java"];

/// A repository with a platform that declares the team new services name.
fn repository() -> TempDir {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("platform.kdl"),
        "registry \"ghcr.io/acme\"\ngithub repository=\"acme/platform\"\nteam payments-team description=\"Payments\"\n",
    )
    .unwrap();
    dir
}

#[test]
fn new_scaffolds_and_builds_a_service_for_every_language() {
    let mut schemas = Schemas::default();
    for language in LANGUAGES {
        let dir = repository();
        let run = platc(
            dir.path(),
            &["new", "payments", "services/payments", "--language", language, "--owner", "payments-team"],
        );
        assert_eq!(run.code, 0, "{language}: {}{}", run.stdout, run.stderr);
        assert!(!run.stderr.contains('⚠') && !run.stderr.contains("warning"), "{language}: {}", run.stderr);
        let folder = dir.path().join("services/payments");
        let dockerfile = read(&folder.join("Dockerfile"));
        assert!(dockerfile.contains("USER 10001:10001"), "{language}");
        assert!(dockerfile.matches("FROM ").count() >= 2, "{language}: multi-stage");
        for line in dockerfile.lines().filter(|line| line.starts_with("FROM ")) {
            let image = line.split_whitespace().nth(1).unwrap();
            assert!(image == "scratch" || image.contains(':') && !image.ends_with(":latest"), "{language}: {line}");
        }
        assert!(!dockerfile.contains("{{"), "{language}: unrendered placeholder");
        // Built: `check` finds the tree up to date, and every emitted
        // document validates against its upstream schema, as the fixtures'.
        let check = platc(dir.path(), &["check"]);
        assert_eq!(check.code, 0, "{language}: {}{}", check.stdout, check.stderr);
        let compilation = platc::compile(&platc::Workspace::load(dir.path()).unwrap());
        assert!(compilation.files.paths().any(|path| path.starts_with(".github/workflows/")), "{language}: no CI");
        let files: Vec<(String, Vec<Value>)> =
            compilation.files.iter().map(|(path, text)| (path.to_owned(), documents(text))).collect();
        schemas.define_claims(files.iter().flat_map(|(_, documents)| documents));
        let mut failures = Vec::new();
        for (path, documents) in &files {
            for document in documents {
                failures.extend(schemas.check(&format!("{language}/{path}"), document));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}

#[test]
fn new_writes_the_file_set_and_spec_of_the_snapshots() {
    let dir = repository();
    let run = platc(dir.path(), &["new", "payments", "--owner", "payments-team", "--tier", "critical"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!dir.path().join(platc::cache::FOLDER).exists(), "`new` leaves no build cache to be committed by mistake");
    insta::assert_snapshot!("new_files", files_under(&dir.path().join("payments")).join("\n"));
    insta::assert_snapshot!("new_spec_kdl", read(&dir.path().join("payments/platc.kdl")));
    assert_eq!(
        run.stdout,
        "payments/.dockerignore\npayments/Dockerfile\npayments/README.md\npayments/docs/index.md\npayments/mkdocs.yml\npayments/platc.kdl\n"
    );

    let yaml = platc(dir.path(), &["new", "ledger", "--as", "yaml", "--kind", "worker", "--owner", "payments-team"]);
    assert_eq!(yaml.code, 0, "{}", yaml.stderr);
    let text = read(&dir.path().join("ledger/platc.yaml"));
    insta::assert_snapshot!("new_spec_yaml", text);
    assert_eq!(text.lines().next().unwrap(), format!("# yaml-language-server: $schema={}", platc::spec::schema::url()));
    let found = problems(&spec_schema(), &yaml_json(&text));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn new_scaffolds_every_kind_in_both_syntaxes() {
    let dir = repository();
    for kind in ["web", "worker", "cron"] {
        for syntax in ["kdl", "yaml"] {
            let name = format!("{kind}-{syntax}");
            let run = platc(dir.path(), &["new", &name, "--kind", kind, "--as", syntax, "--owner", "payments-team"]);
            assert_eq!(run.code, 0, "{name}: {}", run.stderr);
            assert!(dir.path().join(&name).join(format!("platc.{syntax}")).is_file());
        }
    }
    assert_eq!(platc(dir.path(), &["check"]).code, 0);
    for (path, text) in yaml_specs(dir.path()) {
        let found = problems(&spec_schema(), &yaml_json(&text));
        assert!(found.is_empty(), "{}: {}", path.display(), found.join("\n"));
    }
}

#[test]
fn new_outside_a_platform_makes_the_folder_its_own_repository() {
    let dir = TempDir::new().unwrap();
    let run = platc(dir.path(), &["new", "hello", "--owner", "web-team", "--image", "ghcr.io/acme/hello"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let files = files_under(&dir.path().join("hello"));
    assert!(files.contains(&"deploy/production/deployment.yaml".to_owned()), "{files:#?}");
    assert!(files.contains(&".github/workflows/ci.yaml".to_owned()), "{files:#?}");
    assert!(read(&dir.path().join("hello/platc.kdl")).contains("image \"ghcr.io/acme/hello:0.1.0\""));
    assert_eq!(platc(&dir.path().join("hello"), &["check"]).code, 0);
}

#[test]
fn new_refuses_to_overwrite_and_writes_nothing() {
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("payments")).unwrap();
    std::fs::write(dir.path().join("payments/README.md"), "mine\n").unwrap();
    let run = platc(dir.path(), &["new", "payments"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("refusing to overwrite") && run.stderr.contains("README.md"), "{}", run.stderr);
    assert_eq!(files_under(&dir.path().join("payments")), ["README.md"]);
    assert_eq!(read(&dir.path().join("payments/README.md")), "mine\n");

    // Another spec in the folder: refused too.
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("other")).unwrap();
    std::fs::write(dir.path().join("other/platc.yaml"), "service:\n  name: other\n").unwrap();
    let run = platc(dir.path(), &["new", "other", "--as", "kdl"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(files_under(&dir.path().join("other")), ["platc.yaml"]);

    // A file in the way of the build, which platc does not own.
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("ledger")).unwrap();
    std::fs::write(dir.path().join("ledger/catalog-info.yaml"), "hand: written\n").unwrap();
    let run = platc(dir.path(), &["new", "ledger"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("catalog-info.yaml") && run.stderr.contains("nothing written"), "{}", run.stderr);
    assert_eq!(files_under(&dir.path().join("ledger")), ["catalog-info.yaml"]);
}

#[test]
fn new_refuses_what_would_not_compile_and_bad_arguments() {
    let dir = repository();
    let before = files_under(dir.path());
    // An unknown tier: a finding, reported; nothing written.
    let run = platc(dir.path(), &["new", "payments", "--tier", "platinum"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("resolve::unknown-tier") && run.stderr.contains("nothing written"), "{}", run.stderr);
    // Usage errors.
    for args in [
        &["new", "Payments"][..],
        &["new", "payments", "--owner", "Payments Team"],
        &["new", "payments", "--tier", "9"],
        &["new", "payments", "--language", "cobol"],
        &["new", "payments", "--kind", "daemon"],
        &["new", "payments", "--as", "toml"],
        &["new", "payments", "--image", "has space"],
        &["new", "payments", "missing/../payments"],
        &["new"],
    ] {
        let run = platc(dir.path(), args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert_eq!(files_under(dir.path()), before);
}

// ---- platc fmt ----

const MESSY: &str = "// The payments service.\nservice payments {\n  owner payments-team   // who to call\n\n\n        image \"ghcr.io/acme/payments:1.0.0\"   \n  port 8080\n    env LOG_LEVEL=info {\n  POD_IP field=\"status.podIP\"\n    }\n  environment staging {\n  replicas 1\n  }\n}\n\n";
const TIDY: &str = "// The payments service.\nservice payments {\n    owner payments-team // who to call\n\n    image \"ghcr.io/acme/payments:1.0.0\"\n    port 8080\n    env LOG_LEVEL=info {\n        POD_IP field=\"status.podIP\"\n    }\n    environment staging {\n        replicas 1\n    }\n}\n";

#[test]
fn fmt_check_lists_unformatted_files_and_writes_nothing() {
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("services/payments")).unwrap();
    std::fs::write(dir.path().join("services/payments/platc.kdl"), MESSY).unwrap();
    let run = platc(dir.path(), &["fmt", "--check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "services/payments/platc.kdl\n");
    assert!(run.stderr.contains("1 file not formatted"), "{}", run.stderr);
    assert_eq!(read(&dir.path().join("services/payments/platc.kdl")), MESSY);

    let run = platc(dir.path(), &["fmt"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(read(&dir.path().join("services/payments/platc.kdl")), TIDY);
    assert_eq!(platc(dir.path(), &["fmt", "--check"]).code, 0);
    // Idempotent: a second run changes nothing.
    let again = platc(dir.path(), &["fmt"]);
    assert_eq!((again.code, again.stdout.as_str()), (0, ""));
}

#[test]
fn fmt_takes_files_and_folders_and_reports_syntax_errors() {
    let dir = repository();
    std::fs::create_dir_all(dir.path().join("a")).unwrap();
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("a/platc.kdl"), MESSY).unwrap();
    std::fs::write(dir.path().join("b/platc.kdl"), MESSY.replace("payments", "ledger")).unwrap();
    std::fs::write(dir.path().join("platform.kdl"), "  registry \"ghcr.io/acme\"\n").unwrap();
    // Only the file named.
    let run = platc(dir.path(), &["fmt", "a/platc.kdl"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "a/platc.kdl\n"), "{}", run.stderr);
    assert_eq!(read(&dir.path().join("b/platc.kdl")), MESSY.replace("payments", "ledger"));
    // A folder: the specs under it; platform.kdl at the root.
    let run = platc(dir.path(), &["fmt", "--check", "."]);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, "platform.kdl\nb/platc.kdl\n");
    // A syntax error: reported, the file left alone, exit 1.
    std::fs::write(dir.path().join("a/platc.kdl"), "service a {\n  image \"unclosed\n").unwrap();
    let run = platc(dir.path(), &["fmt", "a"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("syntax::kdl"), "{}", run.stderr);
    assert_eq!(read(&dir.path().join("a/platc.kdl")), "service a {\n  image \"unclosed\n");
    // Not a spec file; a missing path.
    std::fs::write(dir.path().join("notes.kdl"), "x 1\n").unwrap();
    assert_eq!(platc(dir.path(), &["fmt", "notes.kdl"]).code, 2);
    assert_eq!(platc(dir.path(), &["fmt", "missing"]).code, 2);
}

#[test]
fn every_kdl_file_of_the_repository_is_formatted() {
    // The fixtures, the stdlib and the templates are what users copy.
    for name in built_fixtures() {
        let run = platc(&fixture(&name), &["fmt", "--check"]);
        assert_eq!(run.code, 0, "fixtures/{name}: {}{}", run.stdout, run.stderr);
    }
    let dir = repository();
    for syntax in ["kdl", "yaml"] {
        let name = format!("svc-{syntax}");
        assert_eq!(platc(dir.path(), &["new", &name, "--as", syntax, "--owner", "payments-team"]).code, 0);
    }
    let run = platc(dir.path(), &["fmt", "--check"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

// ---- integrations ----

/// A validator for one Backstage schema, with every Backstage schema it refers to.
fn backstage_validator(file: &str) -> jsonschema::Validator {
    let base = "https://backstage.io/schemas/";
    let folder = repo_root().join("schemas/upstream/backstage");
    let mut resources = Vec::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        let schema: Value = serde_json::from_str(&read(&path)).unwrap();
        let id = schema["$id"].as_str().unwrap().to_owned();
        resources.push((format!("{base}{id}"), jsonschema::Resource::from_contents(schema)));
    }
    let registry = jsonschema::Registry::new().extend(resources).unwrap().prepare().unwrap();
    let schema: Value = serde_json::from_str(&read(&folder.join(file))).unwrap();
    jsonschema::options().with_base_uri(base).with_registry(&registry).build(&schema).unwrap()
}

fn yaml_file(path: &str) -> Value {
    let text = read(&repo_root().join(path));
    serde_saphyr::from_str::<Value>(&text).unwrap_or_else(|error| panic!("{path}: {error}"))
}

#[test]
fn pre_commit_hooks_run_check_and_fmt() {
    let hooks = yaml_file(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    let ids: Vec<&str> = hooks.iter().map(|hook| hook["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["platc-fmt", "platc-check"]);
    let mut commands = Vec::new();
    for hook in hooks {
        for key in ["name", "entry", "language"] {
            assert!(hook[key].is_string(), "{}: {key}", hook["id"]);
        }
        // A script of this repository that builds platc from pre-commit's
        // clone (`.ci/run` runs the hooks through `pre-commit try-repo`).
        assert_eq!(hook["language"], "script", "{}", hook["id"]);
        let entry = hook["entry"].as_str().unwrap();
        let command = entry.strip_prefix("scripts/pre-commit-platc ");
        commands.push(command.unwrap_or_else(|| panic!("{}: {entry}", hook["id"])));
    }
    assert_eq!(commands, ["fmt", "check"]);
    let script = read(&repo_root().join("scripts/pre-commit-platc"));
    assert!(script.starts_with("#!/bin/sh\n"), "the hook script is a POSIX sh script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo_root().join("scripts/pre-commit-platc")).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "scripts/pre-commit-platc is not executable");
    }
    // What the entries run exists.
    let dir = repository();
    assert_eq!(platc(dir.path(), &["check"]).code, 1, "nothing built yet");
    assert_eq!(platc(dir.path(), &["build"]).code, 0);
    assert_eq!(platc(dir.path(), &["check"]).code, 0);
    assert_eq!(platc(dir.path(), &["fmt", "platform.kdl"]).code, 0);
}

#[test]
fn the_github_action_pins_what_it_uses_and_runs_check() {
    let action = yaml_file("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let runs: String = steps.iter().filter_map(|step| step["run"].as_str()).collect();
    assert!(runs.contains("cargo install") && runs.contains("check"), "{runs}");
    assert!(runs.contains("--format github"), "{runs}");
    for step in steps {
        if let Some(uses) = step["uses"].as_str() {
            let (_, sha) = uses.split_once('@').unwrap();
            assert!(sha.len() == 40 && sha.bytes().all(|byte| byte.is_ascii_hexdigit()), "{uses} is not pinned");
        }
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "inputs reach scripts through env, not expressions: {run}");
        }
    }
}

#[test]
fn the_backstage_template_validates_and_offers_new_s_parameters() {
    let template = yaml_file("backstage/template.yaml");
    let validator = backstage_validator("Template.v1beta3.schema.json");
    assert!(validator.is_valid(&template));
    let found = problems(&validator, &template);
    assert!(found.is_empty(), "{}", found.join("\n"));
    // The schema can fail: a step without its action.
    let mut broken = template.clone();
    broken["spec"]["steps"][0].as_object_mut().unwrap().remove("action");
    assert!(!validator.is_valid(&broken));
    let text = read(&repo_root().join("backstage/template.yaml"));
    for parameter in ["name", "owner", "tier", "kind", "language"] {
        assert!(text.contains(&format!("      {parameter}:")), "parameter {parameter}");
    }
    for language in LANGUAGES {
        assert!(text.contains(&format!("- {language}")), "language {language}");
    }
    // `platc new` runs through the custom action of
    // backstage/scaffolder-backend-module-platc, whose Node tests (run by
    // `.ci/run`) check each such step's input against the action's schema.
    let steps = template["spec"]["steps"].as_array().unwrap();
    let ours: Vec<&Value> = steps.iter().filter(|step| step["action"] == "platc:new").collect();
    assert_eq!(ours.len(), 1, "the template does not run `platc new`");
    let action = read(&repo_root().join("backstage/scaffolder-backend-module-platc/src/action.ts"));
    assert!(action.contains("export const ACTION_ID = 'platc:new';"), "the module does not define `platc:new`");
}
