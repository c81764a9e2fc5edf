//! `privileged`: security escape hatches. The `security` line's weakened
//! defaults (root, privilege escalation, added capabilities, a writable root
//! filesystem, no seccomp profile) need a `reason` to resolve at all; the
//! reason explains the change but does not accept the risk: that is a
//! waiver, or the platform's `policy privileged` for the tier. A `patch`
//! that sets such a field, or `privileged`, host namespaces or a host path,
//! is the same escape hatch.

use serde_json::Value;

use crate::validate::{Check, Finding};

pub(in crate::validate) fn check(cx: &Check<'_>) -> Vec<Finding> {
    let service = cx.service;
    let security = &service.security;
    let mut weakened = Vec::new();
    if security.run_as_user == 0 {
        weakened.push("run as root".to_owned());
    } else if !security.run_as_non_root {
        weakened.push("may run as root".to_owned());
    }
    if security.privilege_escalation {
        weakened.push("allow privilege escalation".to_owned());
    }
    if !security.add_capabilities.is_empty() {
        weakened.push(format!("add capabilities {}", security.add_capabilities.join(", ")));
    }
    if !security.read_only_root {
        weakened.push("have a writable root filesystem".to_owned());
    }
    if security.seccomp == "Unconfined" {
        weakened.push("run without a seccomp profile".to_owned());
    }
    let mut findings = Vec::new();
    if !weakened.is_empty() {
        findings.push(Finding::new(
            cx.origin("security"),
            format!("the containers of `{}` {}", service.name, and_list(&weakened)),
            "escape hatch",
            "keep the secure default if the image allows it; if it is needed, `waive privileged reason=\"…\"` records who accepted the risk",
        ));
    }
    for patch in &service.patches {
        let mut found = Vec::new();
        let (last, parents) = patch.path.split_last().map_or(("", &[][..]), |(last, parents)| (last.as_str(), parents));
        dangerous(last, parents.iter().any(|part| part == "capabilities"), &patch.value, &mut found);
        if let Some(what) = found.first() {
            findings.push(Finding::new(
                patch.span,
                format!("a patch of `{}` {what}", service.name),
                "escape hatch",
                "remove the patch; if it is needed, `waive privileged reason=\"…\"` records who accepted the risk",
            ));
        }
    }
    findings
}

/// What setting `key` to `value` does, if it is an escape hatch; recurses
/// into objects and lists.
fn dangerous(key: &str, in_capabilities: bool, value: &Value, found: &mut Vec<String>) {
    let what = match (key, value) {
        ("privileged", Value::Bool(true)) => Some("runs a privileged container"),
        ("allowPrivilegeEscalation", Value::Bool(true)) => Some("allows privilege escalation"),
        ("hostNetwork" | "hostPID" | "hostIPC", Value::Bool(true)) => Some("shares a host namespace"),
        ("runAsUser", Value::Number(number)) if number.as_i64() == Some(0) => Some("runs as root"),
        ("runAsNonRoot", Value::Bool(false)) => Some("may run as root"),
        ("readOnlyRootFilesystem", Value::Bool(false)) => Some("makes the root filesystem writable"),
        ("add", _) if in_capabilities => Some("adds capabilities"),
        ("type", Value::String(kind)) if kind == "Unconfined" => Some("turns seccomp or AppArmor off"),
        ("hostPath", _) => Some("mounts a host path"),
        _ => None,
    };
    if let Some(what) = what {
        found.push(what.to_owned());
    }
    match value {
        Value::Object(entries) => {
            for (inner, value) in entries {
                dangerous(inner, in_capabilities || key == "capabilities", value, found);
            }
        }
        Value::Array(items) => {
            for item in items {
                dangerous(key, in_capabilities, item, found);
            }
        }
        _ => {}
    }
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [only] => only.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use crate::validate::tests::table;

    #[test]
    fn privileged() {
        table(
            "policy::privileged",
            "",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080 }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security run-as-user=999 run-as-group=999 reason="the image's user" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; patch Deployment "spec.template.spec.priorityClassName" "high" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security run-as-user=0 reason="legacy image"; waive privileged reason="migrating off root in Q3" }"#,
            ],
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security run-as-user=0 reason="legacy image" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security privilege-escalation=#true reason="sudo" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security add-capabilities="NET_ADMIN" reason="iptables" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security read-only-root=#false reason="writes /var" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security seccomp=unconfined reason="ptrace" }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; patch Deployment "spec.template.spec.hostNetwork" #true }"#,
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; patch Deployment "spec.template.spec.containers.0.securityContext.privileged" #true }"#,
            ],
        );
        // The platform accepts it for a tier.
        table(
            "policy::privileged",
            "tier standard {\n    policy privileged off\n}\n",
            &[
                r#"service api { image "ghcr.io/acme/api:1.0.0"; port 8080; security run-as-user=0 reason="legacy image" }"#,
            ],
            &[],
        );
    }
}
