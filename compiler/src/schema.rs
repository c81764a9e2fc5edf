//! The upstream JSON Schemas of the kinds platc emits, embedded, for
//! checking objects that platc did not build itself: patched objects and extra
//! manifests. Validators are compiled on first use, once per kind.

use std::sync::OnceLock;

use serde_json::Value;

/// `(apiVersion, kind, schema)` for every kind with a schema.
const SCHEMAS: &[(&str, &str, &str)] = &[
    ("apps/v1", "Deployment", include_str!("../../schemas/upstream/kubernetes/v1.32.0/deployment-apps-v1.json")),
    ("batch/v1", "CronJob", include_str!("../../schemas/upstream/kubernetes/v1.32.0/cronjob-batch-v1.json")),
    ("batch/v1", "Job", include_str!("../../schemas/upstream/kubernetes/v1.32.0/job-batch-v1.json")),
    ("v1", "Service", include_str!("../../schemas/upstream/kubernetes/v1.32.0/service-v1.json")),
    ("v1", "ServiceAccount", include_str!("../../schemas/upstream/kubernetes/v1.32.0/serviceaccount-v1.json")),
    ("v1", "ConfigMap", include_str!("../../schemas/upstream/kubernetes/v1.32.0/configmap-v1.json")),
    ("v1", "Namespace", include_str!("../../schemas/upstream/kubernetes/v1.32.0/namespace-v1.json")),
    (
        "autoscaling/v2",
        "HorizontalPodAutoscaler",
        include_str!("../../schemas/upstream/kubernetes/v1.32.0/horizontalpodautoscaler-autoscaling-v2.json"),
    ),
    (
        "policy/v1",
        "PodDisruptionBudget",
        include_str!("../../schemas/upstream/kubernetes/v1.32.0/poddisruptionbudget-policy-v1.json"),
    ),
    (
        "networking.k8s.io/v1",
        "NetworkPolicy",
        include_str!("../../schemas/upstream/kubernetes/v1.32.0/networkpolicy-networking-v1.json"),
    ),
    (
        "monitoring.coreos.com/v1",
        "ServiceMonitor",
        include_str!("../../schemas/upstream/crds/monitoring.coreos.com/servicemonitor_v1.json"),
    ),
    (
        "monitoring.coreos.com/v1",
        "PrometheusRule",
        include_str!("../../schemas/upstream/crds/monitoring.coreos.com/prometheusrule_v1.json"),
    ),
    (
        "networking.istio.io/v1",
        "VirtualService",
        include_str!("../../schemas/upstream/crds/networking.istio.io/virtualservice_v1.json"),
    ),
    (
        "networking.istio.io/v1",
        "DestinationRule",
        include_str!("../../schemas/upstream/crds/networking.istio.io/destinationrule_v1.json"),
    ),
    (
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        include_str!("../../schemas/upstream/crds/gateway.networking.k8s.io/httproute_v1.json"),
    ),
    (
        "external-secrets.io/v1",
        "ExternalSecret",
        include_str!("../../schemas/upstream/crds/external-secrets.io/externalsecret_v1.json"),
    ),
    (
        "argoproj.io/v1alpha1",
        "Application",
        include_str!("../../schemas/upstream/crds/argoproj.io/application_v1alpha1.json"),
    ),
];

/// Kinds that live in no namespace.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "PriorityClass",
    "StorageClass",
    "CustomResourceDefinition",
    "ClusterSecretStore",
];

static VALIDATORS: OnceLock<Vec<OnceLock<Option<jsonschema::Validator>>>> = OnceLock::new();

/// The first problem that `object`'s upstream schema finds, as text, or
/// `None` when it is valid or no schema is known for its kind.
pub fn check(object: &Value) -> Option<String> {
    let api_version = object.get("apiVersion")?.as_str()?;
    let kind = object.get("kind")?.as_str()?;
    let index = SCHEMAS.iter().position(|(version, name, _)| *version == api_version && *name == kind)?;
    let validators = VALIDATORS.get_or_init(|| SCHEMAS.iter().map(|_| OnceLock::new()).collect());
    let validator = validators[index]
        .get_or_init(|| {
            let schema: Value = serde_json::from_str(SCHEMAS[index].2).ok()?;
            jsonschema::validator_for(&schema).ok()
        })
        .as_ref()?;
    validator.iter_errors(object).next().map(|error| {
        let path = error.instance_path().to_string();
        if path.is_empty() { error.to_string() } else { format!("{error} at `{path}`") }
    })
}

/// Whether objects of this kind (an object's `kind`, if it has one) live in
/// a namespace.
pub fn is_namespaced(kind: Option<&str>) -> bool {
    kind.is_none_or(|kind| !CLUSTER_SCOPED.contains(&kind))
}
