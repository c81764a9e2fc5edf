//! The standard library: the built-in platform config, in the same KDL a
//! platform team writes in `platform.kdl`, embedded in the binary. It is read
//! like any other platform file, first, so `platform.kdl` overrides it.

use crate::source::SourceFile;

/// The stdlib files, in the order they are layered.
pub const FILES: &[(&str, &str)] = &[
    ("<stdlib>/platform.kdl", include_str!("../../stdlib/platform.kdl")),
    ("<stdlib>/policies.kdl", include_str!("../../stdlib/policies.kdl")),
    ("<stdlib>/defaults.kdl", include_str!("../../stdlib/defaults.kdl")),
    ("<stdlib>/environments.kdl", include_str!("../../stdlib/environments.kdl")),
    ("<stdlib>/tiers.kdl", include_str!("../../stdlib/tiers.kdl")),
    ("<stdlib>/databases.kdl", include_str!("../../stdlib/databases.kdl")),
    ("<stdlib>/ci.kdl", include_str!("../../stdlib/ci.kdl")),
];

pub fn files() -> impl Iterator<Item = SourceFile> {
    FILES.iter().map(|(path, text)| SourceFile::new(*path, *text))
}
