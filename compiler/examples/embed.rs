//! Embedding platc: compile an in-memory repository (no disk, no process)
//! and print what it would write and what it found.
//!
//! `cargo run --example embed -p platc`
// An example prints what it shows.
#![allow(clippy::print_stdout)]

use platc::{Severity, Workspace, compile};

fn main() {
    // A platform config and two services, one with a mistake.
    let workspace = Workspace::from_files([
        ("platform.kdl", "registry \"ghcr.io/acme\"\nteam shop description=\"The shop\"\n"),
        (
            "services/cart/platc.kdl",
            "service cart {\n    owner shop\n    description \"Keeps carts\"\n    language go\n    image \"cart:1.2.0\"\n    port 8080\n    probes liveness=\"/healthz\" readiness=\"/readyz\"\n}\n",
        ),
        (
            "services/search/platc.yaml",
            "service:\n  name: search\n  owner: shop\n  image: search:2.0.0\n  port: 8080\n  replicas: many\n",
        ),
    ]);
    let compilation = compile(&workspace);

    // Diagnostics carry a code, a message and a span into a source file.
    for diagnostic in &compilation.diagnostics {
        let file = compilation.sources.get(diagnostic.primary.span.file);
        let (line, column) = file.line_column(diagnostic.primary.span.start);
        let severity = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        println!("{}:{line}:{column}: {severity} [{}] {}", file.path, diagnostic.code, diagnostic.message);
    }
    // With an error anywhere, nothing is generated: fix the YAML spec in memory.
    if compilation.diagnostics.has_errors() {
        let fixed = Workspace::from_files([
            ("platform.kdl", "registry \"ghcr.io/acme\"\nteam shop description=\"The shop\"\n"),
            (
                "services/search/platc.yaml",
                "service:\n  name: search\n  owner: shop\n  image: search:2.0.0\n  port: 8080\n  replicas: 3\n",
            ),
        ]);
        let compilation = compile(&fixed);
        println!("\n{} files, {} diagnostics:", compilation.files.len(), compilation.diagnostics.len());
        for (path, contents) in compilation.files.iter() {
            println!("  {path} ({} bytes)", contents.len());
        }
    }
}
