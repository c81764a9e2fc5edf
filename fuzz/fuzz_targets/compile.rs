//! A whole compile of a small in-memory repository made from the input:
//!
//! - the first byte picks the spec's format and folder (even: KDL, odd: YAML;
//!   below 128: at the root, else in `services/api/`);
//! - the rest is `platform.kdl`, a NUL byte, then the spec (no NUL: the
//!   whole rest is the spec and there is no `platform.kdl`).
//!
//! The service folder also holds a config file and a manifests folder, so
//! `config-file` and `manifests` have something to read.
#![no_main]

mod front_end;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let (platform, spec) = match text.split_once('\0') {
        Some((platform, spec)) => (Some(platform), spec),
        None => (None, text),
    };
    let folder = if selector < 128 { "" } else { "services/api/" };
    let name = if selector % 2 == 0 { "platc.kdl" } else { "platc.yaml" };
    let mut files = vec![
        (format!("{folder}{name}"), spec.to_owned()),
        (format!("{folder}config.yaml"), "level: debug\n".to_owned()),
        (format!("{folder}k8s/config-map.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n".to_owned()),
    ];
    if let Some(platform) = platform {
        files.push(("platform.kdl".to_owned(), platform.to_owned()));
    }
    let workspace = platc::Workspace::from_files(files);
    let compilation = platc::compile(&workspace);
    front_end::check(&compilation.diagnostics, &compilation.sources);
    if !compilation.diagnostics.has_errors() {
        assert!(!compilation.files.is_empty() || compilation.services.is_empty());
    }
});
