//! `kind: CompositeResourceDefinition` (Crossplane): the claim kind of each database class.
//!
//! One definition per claim kind (API group and kind) that a class some
//! service uses names: classes may share a claim kind and then differ by
//! `spec.parameters.tier` and by the Composition their claims name. Classes
//! no service uses get nothing, so a repository without databases needs no
//! Crossplane (the stdlib defines `standard` for every platform).
//!
//! The definition is `scope: LegacyCluster`, the only scope that offers
//! namespaced claims in Crossplane 2 (and the default of `apiextensions.crossplane.io/v1`).

use super::value::Value;

use super::Manifest;
use crate::model;

/// A claim kind and the classes that implement it.
pub(super) struct Definition<'a> {
    /// The claim's API group, also the composite resource's.
    pub(super) group: &'a str,
    /// The claim's kind; the composite resource's is `X<kind>`.
    pub(super) claim_kind: &'a str,
    /// Every version the classes name, in class order; the first is the
    /// referenceable one, which Compositions name.
    pub(super) versions: Vec<&'a str>,
    /// In class name order.
    pub(super) classes: Vec<&'a model::DatabaseClass>,
}

impl Definition<'_> {
    /// `metadata.name`: `<composite plural>.<group>`, as Crossplane requires.
    pub(super) fn name(&self) -> String {
        format!("{}.{}", self.composite_plural(), self.group)
    }

    pub(super) fn composite_kind(&self) -> String {
        format!("X{}", self.claim_kind)
    }

    /// `apiVersion` of the composite resource, at the referenceable version.
    pub(super) fn composite_api(&self) -> String {
        format!("{}/{}", self.group, self.versions.first().copied().unwrap_or_default())
    }

    fn claim_plural(&self) -> String {
        plural(&self.claim_kind.to_lowercase())
    }

    fn composite_plural(&self) -> String {
        format!("x{}", self.claim_plural())
    }
}

/// `group/version` → (group, version).
pub(super) fn split_api(api: &str) -> (&str, &str) {
    api.split_once('/').unwrap_or((api, ""))
}

/// The definitions for the classes some service uses, in class name order of
/// each definition's first class.
pub(super) fn definitions<'a>(platform: &'a model::Platform, services: &[model::Service]) -> Vec<Definition<'a>> {
    let mut definitions: Vec<Definition<'a>> = Vec::new();
    for class in platform.database_classes.values() {
        let used = services.iter().flat_map(|service| &service.databases).any(|database| database.class == class.name);
        if !used {
            continue;
        }
        let (group, version) = split_api(&class.claim_api);
        let existing = definitions
            .iter_mut()
            .find(|definition| definition.group == group && definition.claim_kind == class.claim_kind);
        match existing {
            Some(definition) => {
                if !definition.versions.contains(&version) {
                    definition.versions.push(version);
                }
                definition.classes.push(class);
            }
            None => definitions.push(Definition {
                group,
                claim_kind: &class.claim_kind,
                versions: vec![version],
                classes: vec![class],
            }),
        }
    }
    definitions
}

/// The connection details every claim's Secret carries (what
/// `pod::DATABASE_KEYS` reads).
pub(super) const CONNECTION_KEYS: [&str; 4] = ["username", "password", "endpoint", "port"];

pub(super) fn composite_resource_definitions(platform: &model::Platform, services: &[model::Service]) -> Vec<Manifest> {
    definitions(platform, services)
        .iter()
        .map(|definition| Manifest {
            path: format!("platform/crossplane/definitions/{}.yaml", definition.name()),
            source: String::new(),
            documents: vec![composite_resource_definition(definition)],
        })
        .collect()
}

fn composite_resource_definition(definition: &Definition<'_>) -> Value {
    let tiers: Vec<&str> = definition.classes.iter().map(|class| class.name.as_str()).collect();
    let schema = json!({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "parameters": {
                        "type": "object",
                        "description": "What the service asks for; the platform decides how it is provided.",
                        "properties": {
                            "storageGB": {
                                "type": "integer",
                                "minimum": 1,
                                "description": "Allocated storage, in GiB.",
                            },
                            "tier": {
                                "type": "string",
                                "enum": tiers,
                                "description": "The platform's database class.",
                            },
                            "region": {
                                "type": "string",
                                "description": "The cloud region the database runs in.",
                            },
                        },
                        "required": ["storageGB", "tier", "region"],
                    },
                },
                "required": ["parameters"],
            },
        },
    });
    let versions: Vec<Value> = definition
        .versions
        .iter()
        .enumerate()
        .map(|(index, version)| {
            json!({
                "name": version,
                "served": true,
                "referenceable": index == 0,
                "schema": { "openAPIV3Schema": schema },
            })
        })
        .collect();
    json!({
        "apiVersion": "apiextensions.crossplane.io/v1",
        "kind": "CompositeResourceDefinition",
        "metadata": {
            "name": definition.name(),
            "labels": { "app.kubernetes.io/managed-by": "platc" },
        },
        "spec": {
            "group": definition.group,
            "scope": "LegacyCluster",
            "names": { "kind": definition.composite_kind(), "plural": definition.composite_plural() },
            "claimNames": { "kind": definition.claim_kind, "plural": definition.claim_plural() },
            "connectionSecretKeys": CONNECTION_KEYS,
            "versions": move versions,
        },
    })
}

/// The English plural of a lowercase kind, as Kubernetes resource names
/// spell it: `instance` → `instances`, `databaseclass` → `databaseclasses`,
/// `replicaproxy` → `replicaproxies`.
fn plural(singular: &str) -> String {
    if ["s", "x", "z", "ch", "sh"].iter().any(|end| singular.ends_with(end)) {
        format!("{singular}es")
    } else if let Some(stem) = singular.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else {
        format!("{singular}s")
    }
}

#[cfg(test)]
mod tests {
    use super::plural;
    use crate::{Workspace, compile};

    #[test]
    fn classes_share_a_definition_by_claim_kind_and_unused_classes_get_nothing() {
        let platform = r#"
            registry "ghcr.io/acme"
            database-class large engine=postgres {
                claim api="database.platform.io/v1alpha1" kind=PostgreSQLInstance
                provider api="rds.aws.upbound.io/v1beta1" kind=Instance region="eu-west-1" instance-class="db.r6g.large" engine-version="16"
            }
            database-class small-mysql engine=mysql {
                claim api="database.platform.io/v1alpha1" kind=MySQLInstance
                provider api="rds.aws.upbound.io/v1beta1" kind=Instance region="eu-west-1" instance-class="db.t3.small" engine-version="8.0"
            }
        "#;
        let workspace = Workspace::from_files([
            ("platform.kdl", platform),
            ("a/platc.kdl", r#"service a { image "a:1"; database a-db }"#),
            ("b/platc.kdl", r#"service b { image "b:1"; database b-db storage-gb=100 class=large }"#),
        ]);
        let compilation = compile(&workspace);
        assert!(!compilation.diagnostics.has_errors(), "{:?}", compilation.diagnostics);
        let crossplane: Vec<&str> =
            compilation.files.paths().filter(|path| path.starts_with("platform/crossplane/")).collect();
        assert_eq!(
            crossplane,
            [
                "platform/crossplane/compositions/postgres-large.yaml",
                "platform/crossplane/compositions/postgres-standard.yaml",
                "platform/crossplane/definitions/xpostgresqlinstances.database.platform.io.yaml",
            ]
        );
        let definition = compilation.files.get(crossplane[2]).unwrap_or_default();
        assert!(definition.contains("enum:\n                        - large\n                        - standard\n"));
        let claim = compilation.files.get("b/deploy/production/database-b-db.yaml").unwrap_or_default();
        assert!(claim.contains("storageGB: 100\n    tier: large\n    region: eu-west-1\n"), "{claim}");
        assert!(claim.contains("compositionRef:\n    name: postgres-large\n"), "{claim}");
    }

    #[test]
    fn plurals_follow_english_spelling() {
        assert_eq!(plural("postgresqlinstance"), "postgresqlinstances");
        assert_eq!(plural("databaseclass"), "databaseclasses");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("replicaproxy"), "replicaproxies");
        assert_eq!(plural("gateway"), "gateways");
        assert_eq!(plural("cache"), "caches");
    }
}
