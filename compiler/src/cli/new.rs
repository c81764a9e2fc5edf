//! `platc new`: scaffolds a service folder from the files in `templates/`
//! (embedded with `include_str!`), checks that the repository compiles with
//! it, writes it without overwriting anything, then builds.
//!
//! Templates are plain files with `{{name}}` placeholders; a line carrying a
//! marker `{{?flag}}` (or `{{?!flag}}`) is kept only when the flag is set
//! (or unset), without the marker.

use std::path::{Component, Path, PathBuf};

use super::{Cx, ERROR, FINDINGS, Paths, Run};
use crate::source::SourceFile;
use crate::workspace::{PLATFORM_FILE, SPEC_FILES, Workspace};
use crate::{compile, write};

/// The languages `platc new` has a Dockerfile for.
pub(super) const LANGUAGES: &[&str] = &["go", "rust", "python", "node", "java"];
/// The kinds of service.
pub(super) const KINDS: &[&str] = &["web", "worker", "cron"];

const SPEC_KDL: &str = include_str!("../../../templates/service/platc.kdl");
const SPEC_YAML: &str = include_str!("../../../templates/service/platc.yaml");
const README: &str = include_str!("../../../templates/service/README.md");
const MKDOCS: &str = include_str!("../../../templates/service/mkdocs.yml");
const DOCS_INDEX: &str = include_str!("../../../templates/service/docs/index.md");

/// Per language: the Dockerfile, the `.dockerignore`, and what the code is.
const DOCKER: &[(&str, &str, &str, &str)] = &[
    (
        "go",
        include_str!("../../../templates/docker/go.Dockerfile"),
        include_str!("../../../templates/docker/go.dockerignore"),
        "a `main` package at the root of this folder (`go mod init`), built into a static binary",
    ),
    (
        "rust",
        include_str!("../../../templates/docker/rust.Dockerfile"),
        include_str!("../../../templates/docker/rust.dockerignore"),
        "a Cargo package in this folder with a binary named `{{service}}` (`cargo init --name {{service}}`)",
    ),
    (
        "python",
        include_str!("../../../templates/docker/python.Dockerfile"),
        include_str!("../../../templates/docker/python.dockerignore"),
        "a package `{{module}}` run with `python -m {{module}}`, its dependencies pinned in `requirements.txt`",
    ),
    (
        "node",
        include_str!("../../../templates/docker/node.Dockerfile"),
        include_str!("../../../templates/docker/node.dockerignore"),
        "`server.js` with `package.json` and `package-lock.json` (`npm init`, `npm install`)",
    ),
    (
        "java",
        include_str!("../../../templates/docker/java.Dockerfile"),
        include_str!("../../../templates/docker/java.dockerignore"),
        "a Maven project (`pom.xml`, `src/`) packaging one runnable jar",
    ),
];

/// What to scaffold.
#[derive(Debug)]
pub(super) struct Options<'a> {
    pub(super) service: &'a str,
    pub(super) kind: &'a str,
    pub(super) language: &'a str,
    pub(super) tier: Option<&'a str>,
    pub(super) owner: Option<&'a str>,
    /// The image repository (default: the service's name, in the platform's registry).
    pub(super) image: Option<&'a str>,
    pub(super) yaml: bool,
}

/// The files of a new service folder, by path relative to it.
pub(super) fn scaffold(options: &Options<'_>) -> Result<Vec<(String, String)>, String> {
    check_name(options.service, "service name")?;
    if let Some(tier) = options.tier {
        check_name(tier, "tier")?;
    }
    if let Some(owner) = options.owner {
        check_name(owner, "owner")?;
    }
    let Some((_, dockerfile, dockerignore, code)) = DOCKER.iter().find(|(language, ..)| *language == options.language)
    else {
        return Err(format!("no template for language `{}`: choose one of {}", options.language, LANGUAGES.join(", ")));
    };
    let spec = if options.yaml { "platc.yaml" } else { "platc.kdl" };
    let module = options.service.replace('-', "_");
    let schema = crate::spec::schema::url();
    let image = match options.image {
        Some(image) if image.contains('@') || image.rsplit('/').next().is_some_and(|name| name.contains(':')) => {
            image.to_owned()
        }
        Some(image) => format!("{image}:0.1.0"),
        None => format!("{}:0.1.0", options.service),
    };
    if image.contains(char::is_whitespace) || image.contains('"') || image.contains('\\') {
        return Err(format!("`{image}` is not an image reference"));
    }
    let owner_text = options.owner.map_or_else(|| "the owning team".to_owned(), |owner| format!("`{owner}`"));
    let values: &[(&str, &str)] = &[
        ("service", options.service),
        ("kind", options.kind),
        ("language", options.language),
        ("tier", options.tier.unwrap_or_default()),
        ("owner", options.owner.unwrap_or_default()),
        ("owner_text", &owner_text),
        ("image", &image),
        ("module", &module),
        ("spec", spec),
        ("schema", &schema),
    ];
    let flags: &[(&str, bool)] = &[
        ("owner", options.owner.is_some()),
        ("tier", options.tier.is_some()),
        ("web", options.kind == "web"),
        ("worker", options.kind == "worker"),
        ("cron", options.kind == "cron"),
    ];
    let code = render(code, values, flags);
    let mut readme_values = values.to_vec();
    readme_values.push(("code", &code));
    let render = |template: &str| render(template, values, flags);
    let mut files = vec![
        (spec.to_owned(), render(if options.yaml { SPEC_YAML } else { SPEC_KDL })),
        ("Dockerfile".to_owned(), render(dockerfile)),
        (".dockerignore".to_owned(), render(dockerignore)),
        ("README.md".to_owned(), self::render(README, &readme_values, flags)),
        ("mkdocs.yml".to_owned(), render(MKDOCS)),
        ("docs/index.md".to_owned(), render(DOCS_INDEX)),
    ];
    files.sort();
    Ok(files)
}

/// Fills `{{name}}` placeholders and keeps or drops `{{?flag}}` lines.
fn render(template: &str, values: &[(&str, &str)], flags: &[(&str, bool)]) -> String {
    let mut out = String::with_capacity(template.len());
    'lines: for line in template.split_inclusive('\n') {
        let mut line = line.to_owned();
        for (flag, set) in flags {
            for (marker, keep) in [(format!("{{{{?{flag}}}}}"), *set), (format!("{{{{?!{flag}}}}}"), !*set)] {
                if line.contains(&marker) {
                    if !keep {
                        continue 'lines;
                    }
                    line = line.replace(&marker, "");
                    let newline = line.ends_with('\n');
                    line.truncate(line.trim_end().len());
                    if newline {
                        line.push('\n');
                    }
                }
            }
        }
        for (name, value) in values {
            line = line.replace(&format!("{{{{{name}}}}}"), value);
        }
        out.push_str(&line);
    }
    out
}

/// A name that is a valid KDL bare identifier and Kubernetes name.
fn check_name(name: &str, what: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.starts_with(|first: char| first.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.bytes().all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "`{name}` is not a valid {what}: use lowercase letters, digits and `-`, starting with a letter, at most 63 characters"
        ))
    }
}

impl Cx<'_> {
    /// `platc new`: the scaffold, checked, written, then built.
    pub(super) fn new_service(
        &mut self,
        cwd: &Path,
        options: &Options<'_>,
        path: Option<&Path>,
    ) -> Result<i32, String> {
        let files = scaffold(options)?;
        let target = cwd.join(path.unwrap_or_else(|| Path::new(options.service)));
        if target.is_file() {
            return Err(format!("`{}` is a file, not a folder", target.display()));
        }
        let mut in_the_way: Vec<String> = files
            .iter()
            .map(|(file, _)| file.as_str())
            .chain(SPEC_FILES.iter().copied())
            .filter(|file| target.join(file).symlink_metadata().is_ok())
            .map(|file| target.join(file).display().to_string())
            .collect();
        in_the_way.dedup();
        if !in_the_way.is_empty() {
            let quoted: Vec<String> = in_the_way.iter().map(|path| format!("`{path}`")).collect();
            return Err(format!("refusing to overwrite what exists: {}; nothing written", quoted.join(", ")));
        }

        // The repository the service joins: the nearest folder above with
        // `platform.kdl`, or the new folder itself.
        let full = absolute(&target)?;
        let root = full.ancestors().find(|folder| folder.join(PLATFORM_FILE).is_file()).map(Path::to_owned);
        let (mut workspace, folder) = match &root {
            Some(root) => {
                let workspace = Workspace::load(root).map_err(|error| error.to_string())?;
                let relative = full.strip_prefix(root).map_err(|_| "the folder is outside its repository")?;
                (workspace, relative.to_string_lossy().replace('\\', "/"))
            }
            None if full.is_dir() => (Workspace::load(&full).map_err(|error| error.to_string())?, String::new()),
            None => (Workspace::from_files(Vec::<(String, String)>::new()), String::new()),
        };
        let spec_name = if options.yaml { "platc.yaml" } else { "platc.kdl" };
        let spec_path = if folder.is_empty() { spec_name.to_owned() } else { format!("{folder}/{spec_name}") };
        let spec_text = files.iter().find(|(file, _)| file == spec_name).map(|(_, text)| text.clone());
        workspace.specs.push(SourceFile::new(spec_path, spec_text.unwrap_or_default()));
        workspace.specs.sort_by(|left, right| left.path.cmp(&right.path));
        let compilation = compile(&workspace);
        if compilation.diagnostics.has_errors() {
            self.report(&compilation);
            let _ = writeln!(self.err, "the repository would not compile with `{}`: nothing written", options.service);
            return Ok(FINDINGS);
        }
        if workspace.root().is_some() {
            write::plan(&workspace, &compilation.files).map_err(|error| format!("{error}; nothing written"))?;
        }

        write::create_new(&target, &files).map_err(|error| error.to_string())?;
        for (file, _) in &files {
            let shown = target.join(file);
            let shown = shown.strip_prefix(cwd).unwrap_or(&shown);
            let _ = writeln!(self.out, "{}", shown.display());
        }
        let repository = root.unwrap_or_else(|| full.clone());
        // No build cache: the scaffold is committed as it is (a Backstage
        // publisher, say, does not read the cache folder's own `.gitignore`).
        let code = self.build(cwd, &Run { paths: Paths { paths: vec![repository] }, no_cache: true })?;
        if code == super::OK {
            let _ = writeln!(
                self.err,
                "created `{}`: write the code, then commit the folder with the files the build wrote",
                options.service
            );
        }
        Ok(if code == super::OK || code == FINDINGS { code } else { ERROR })
    }
}

/// `path` made absolute through its nearest existing ancestor (it may not
/// exist yet), without `..` in the part that does not exist.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    let existing = path.ancestors().find(|ancestor| ancestor.exists()).unwrap_or(Path::new("/"));
    let rest = path.strip_prefix(existing).unwrap_or(Path::new(""));
    if rest.components().any(|component| !matches!(component, Component::Normal(_))) {
        return Err(format!("`{}`: write the new folder's path without `..`", path.display()));
    }
    let existing = existing.canonicalize().map_err(|error| format!("`{}`: {error}", existing.display()))?;
    Ok(existing.join(rest))
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn renders_placeholders_and_flagged_lines() {
        let template = "a {{x}}\nkept {{?on}}\ndropped {{?off}}\nnot {{?!on}}\nyes {{?!off}}\n";
        let text = render(template, &[("x", "1")], &[("on", true), ("off", false)]);
        assert_eq!(text, "a 1\nkept\nyes\n");
    }
}
