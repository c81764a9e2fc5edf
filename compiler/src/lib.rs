//! platc compiles compact service specs into the golden-path tree of a
//! platform: Kubernetes manifests, `GitOps` and CI files, rendered and committed.
//!
//! The pipeline, one stage per module:
//!
//! 1. [`workspace`]: find the root, walk it, load `platform.kdl` and the specs;
//! 2. [`syntax`]: parse KDL or YAML into spanned nodes (never fails);
//! 3. [`spec`]: decode the nodes into fields and environment blocks;
//! 4. [`resolve`]: merge stdlib ← platform ← tier ← service ← environment and
//!    read typed values into a [`model::Service`] per environment;
//! 5. [`validate`]: check every service against the platform's policies;
//! 6. [`generate`]: build each Kubernetes object from the model;
//! 7. [`emit`]: write deterministic YAML into an [`OutputTree`];
//! 8. `write` or [`diff`]: put the tree on disk, or compare it with disk.
//!
//! ```
//! let workspace = platc::Workspace::from_files([(
//!     "platc.kdl",
//!     r#"service hello { image "ghcr.io/acme/hello:1.0.0"; port 8080 }"#,
//! )]);
//! let compilation = platc::compile(&workspace);
//! assert!(!compilation.diagnostics.has_errors());
//! let deployment = compilation.files.get("deploy/production/deployment.yaml").unwrap();
//! assert!(deployment.contains("image: ghcr.io/acme/hello:1.0.0"));
//! ```

pub mod cache;
pub mod cli;
pub mod diagnostic;
pub mod diff;
pub mod edit;
pub mod emit;
pub mod generate;
pub mod model;
pub mod patch;
pub mod report;
pub mod resolve;
pub mod schema;
pub mod source;
pub mod spec;
pub mod stdlib;
pub mod steps;
pub mod syntax;
pub mod validate;
pub mod workspace;
pub mod write;

use rayon::prelude::*;

pub use diagnostic::{Diagnostic, Diagnostics, Severity};
pub use emit::OutputTree;
pub use source::{FileId, SourceFile, Sources, Span};
pub use workspace::Workspace;

/// The result of compiling a workspace: the files it produces and every
/// diagnostic, sorted by file and position.
#[derive(Debug, Clone)]
pub struct Compilation {
    /// Empty when any diagnostic is an error: nothing is written then.
    pub files: OutputTree,
    pub diagnostics: Diagnostics,
    /// Every file read, for rendering diagnostics.
    pub sources: Sources,
    /// The resolved services, in spec path order, one per environment.
    pub services: Vec<model::Service>,
}

/// Compiles every service of the workspace, in parallel.
pub fn compile(workspace: &Workspace) -> Compilation {
    compile_keeping(workspace, &|_, _| true)
}

/// Compiles like [`compile`], comparing each file with the workspace's disk
/// as it is emitted: the tree keeps the bytes of the files that differ (new,
/// changed, or in the way) and only the paths of the others, which
/// [`diff::drift`] and [`write::plan`] then skip. What `build`, `check` and
/// `diff` run: an up-to-date repository of thousands of files is compared
/// without holding its bytes.
pub fn compile_against(workspace: &Workspace) -> Compilation {
    compile_keeping(workspace, &|path, contents| !workspace.holds(path, contents))
}

/// Whether the tree keeps a file's bytes: `keep(path, contents)`.
type Keep<'a> = &'a (dyn Fn(&str, &str) -> bool + Sync);

/// Compiles like [`compile`], handing each emitted file to `keep` as it is
/// produced: the tree keeps its bytes when `keep` says so, else only its
/// path and hash. `build` passes [`write::Stage::file`], which writes each
/// changed file to a temporary beside its place as it comes.
pub fn compile_keeping(workspace: &Workspace, keep: Keep) -> Compilation {
    let mut sources = Sources::default();
    let mut diagnostics = Diagnostics::default();

    let mut platform_files = Vec::new();
    for file in stdlib::files() {
        let id = sources.add(file);
        let document = syntax::parse(sources.get(id), id, &mut diagnostics);
        platform_files.push(spec::platform(&document, &mut diagnostics));
    }
    if let Some(file) = &workspace.platform {
        let id = sources.add(file.clone());
        let document = syntax::parse(sources.get(id), id, &mut diagnostics);
        platform_files.push(spec::platform(&document, &mut diagnostics));
    }
    let mut platform = resolve::platform(&platform_files, &mut diagnostics);
    platform.model.source = workspace.platform.as_ref().map(|file| file.path.clone());

    let spec_ids: Vec<FileId> = workspace.specs.iter().map(|file| sources.add(file.clone())).collect();
    for (path, problem) in &workspace.problems {
        let id = spec_ids.iter().copied().find(|id| &sources.get(*id).path == path);
        let id = id.unwrap_or_else(|| sources.add(SourceFile::new(path.clone(), "")));
        diagnostics.push(
            Diagnostic::error(
                "workspace::unreadable",
                Span::file_start(id),
                format!("cannot read this file: {problem}"),
            )
            .primary_text("here")
            .help("a spec file is UTF-8 text of at most 1 MiB"),
        );
    }
    // A file that could not be read, or the second spec of a folder, is
    // reported once above and not compiled, so it causes no knock-on errors.
    let mut compiled = spec_ids.clone();
    compiled.retain(|id| !workspace.problems.iter().any(|(path, _)| path == &sources.get(*id).path));
    for duplicate in check_one_spec_per_folder(&sources, &spec_ids, &mut diagnostics) {
        compiled.retain(|id| *id != duplicate);
    }

    let front: Vec<FrontEnd> =
        compiled.par_iter().map(|&id| front_end(&platform, sources.get(id), id, workspace)).collect();

    let mut per_service = Vec::with_capacity(front.len());
    let mut names = Vec::new();
    for service in front {
        per_service.push(service.resolved);
        names.extend(service.name);
        diagnostics.extend(service.diagnostics);
    }
    resolve::link(&mut per_service, &names, &mut diagnostics);
    validate::run(&platform_files, &platform.model, &per_service, workspace, &sources, &mut diagnostics);
    diagnostics.retain(|diagnostic| {
        let file = diagnostic.primary.span.file;
        !spec_ids.contains(&file) || workspace.in_scope(&sources.get(file).path)
    });
    diagnostics.sort_and_dedup(&sources);

    let services: Vec<model::Service> =
        per_service.into_iter().flatten().filter(|service| workspace.in_scope(&service.spec_path)).collect();
    let mut files = OutputTree::default();
    if !diagnostics.has_errors() {
        let (tree, back_diagnostics) = back_end(&platform.model, &services, workspace, keep);
        diagnostics.extend(back_diagnostics);
        diagnostics.sort_and_dedup(&sources);
        if !diagnostics.has_errors() {
            files = tree;
        }
    }
    validate::hold_back_warnings(&mut diagnostics);
    Compilation { files, diagnostics, sources, services }
}

/// Generate and emit, in parallel: every service in every environment, each
/// service's cross-environment files, and the platform's files.
fn back_end(
    platform: &model::Platform,
    services: &[model::Service],
    workspace: &Workspace,
    keep: Keep,
) -> (OutputTree, Diagnostics) {
    // Services arrive grouped by spec, environments in promotion order.
    let groups: Vec<&[model::Service]> = services.chunk_by(|left, right| left.spec_path == right.spec_path).collect();
    let platform_wide = workspace.in_scope("");
    let trees: Vec<(OutputTree, Diagnostics, Vec<generate::Synced>)> = groups
        .par_iter()
        .map(|environments| {
            let mut diagnostics = Diagnostics::default();
            let mut manifests = Vec::new();
            let mut synced = Vec::new();
            for service in *environments {
                let mut generated = generate::manifests(service, platform);
                patch::apply(service, &mut generated, &mut diagnostics);
                if platform_wide {
                    synced.extend(generate::synced(service, &generated));
                }
                manifests.extend(generated);
            }
            manifests.extend(generate::service_files(environments, platform));
            let mut tree = OutputTree::default();
            for manifest in manifests {
                let bytes = emit::manifest(&manifest);
                if keep(&manifest.path, &bytes) {
                    tree.insert(manifest.path, bytes);
                } else {
                    tree.insert_on_disk(manifest.path, emit::content_hash(&bytes));
                }
            }
            (tree, diagnostics, synced)
        })
        .collect();
    let mut diagnostics = Diagnostics::default();
    let mut service_trees = Vec::with_capacity(trees.len());
    let mut synced_by_service = Vec::with_capacity(trees.len());
    for (tree, tree_diagnostics, tree_synced) in trees {
        service_trees.push(tree);
        diagnostics.extend(tree_diagnostics);
        synced_by_service.push(tree_synced);
    }
    // Thousands of small trees into one, and the objects services sync
    // (mostly the same kinds in the same namespaces) reduced to each once,
    // in parallel: both would be serial work that grows with the repository.
    let (mut files, synced) = rayon::join(
        || OutputTree::merge(service_trees),
        || {
            let unique = synced_by_service
                .into_par_iter()
                .map(|synced| synced.into_iter().collect::<std::collections::BTreeSet<_>>())
                .reduce(std::collections::BTreeSet::new, |mut left, mut right| {
                    if left.len() < right.len() {
                        std::mem::swap(&mut left, &mut right);
                    }
                    left.extend(right);
                    left
                });
            unique.into_iter().collect::<Vec<_>>()
        },
    );
    if platform_wide {
        for manifest in generate::platform_files(platform, services, &synced) {
            let bytes = emit::manifest(&manifest);
            if keep(&manifest.path, &bytes) {
                files.insert(manifest.path, bytes);
            } else {
                files.insert_on_disk(manifest.path, emit::content_hash(&bytes));
            }
        }
    }
    (files, diagnostics)
}

/// One spec file through parse, decode and resolve.
struct FrontEnd {
    /// One per environment; empty after an error.
    resolved: Vec<model::Service>,
    /// The service's name and where it is declared.
    name: Option<(String, Span)>,
    diagnostics: Diagnostics,
}

fn front_end(platform: &resolve::Platform, file: &SourceFile, id: FileId, files: &dyn resolve::Files) -> FrontEnd {
    let mut diagnostics = Diagnostics::default();
    let document = syntax::parse(file, id, &mut diagnostics);
    let Some(service) = spec::service(&document, id, &mut diagnostics) else {
        return FrontEnd { resolved: Vec::new(), name: None, diagnostics };
    };
    let resolved = resolve::service(platform, &service, &file.path, files, &mut diagnostics);
    FrontEnd { resolved, name: Some((service.name, service.name_span)), diagnostics }
}

/// A folder holds one spec: `platc.kdl` or `platc.yaml`, not both. Returns
/// the second spec of each such folder.
fn check_one_spec_per_folder(sources: &Sources, ids: &[FileId], diagnostics: &mut Diagnostics) -> Vec<FileId> {
    let mut first_in_folder: std::collections::BTreeMap<&str, FileId> = std::collections::BTreeMap::new();
    let mut duplicates = Vec::new();
    for &id in ids {
        let path = sources.get(id).path.as_str();
        let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
        match first_in_folder.get(folder) {
            Some(&first) => {
                diagnostics.push(
                    Diagnostic::error(
                        "workspace::duplicate-spec",
                        Span::file_start(id),
                        format!("`{}` and `{path}` are both in one folder", sources.get(first).path),
                    )
                    .primary_text("second spec")
                    .label(Span::file_start(first), "first spec")
                    .help("keep one spec per service folder: delete one of the two"),
                );
                duplicates.push(id);
            }
            None => {
                first_in_folder.insert(folder, id);
            }
        }
    }
    duplicates
}
