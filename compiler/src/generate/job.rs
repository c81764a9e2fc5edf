//! `kind: Job`: the `migrate` command, run by Argo CD before each sync (a `PreSync` hook).
//!
//! The Job runs the service's image with the `migrate` command and the
//! service's env, secrets and database connection details, but no ports or
//! probes ([`Role::Migration`]). Argo CD deletes the previous run before it
//! creates the next (`BeforeHookCreation`, which also frees the name, since a
//! Job's template cannot change) and deletes a run that succeeded
//! (`HookSucceeded`); a failed run stays for its logs until the next sync or
//! until its time to live ends.

use serde_json::{Value, json};

use super::metadata;
use super::pod::{self, Role};
use crate::model;

/// Attempts after the first failure: a migration that fails twice needs a person.
const BACKOFF_LIMIT: u32 = 1;
/// A migration still running after this long fails, and with it the sync.
const DEADLINE_SECONDS: u32 = 600;
/// A finished Job (in practice a failed one: Argo CD deletes those that
/// succeed) is removed after a day. Argo CD loses track of a hook that
/// disappears before it sees it finish, so this must stay long.
const TTL_SECONDS: u32 = 86_400;

pub(super) fn migration_job(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    if service.migrate.is_empty() {
        return None;
    }
    let mut metadata = metadata(service, &pod::migration_name(service));
    metadata["labels"] = pod::pod_labels(service, Role::Migration);
    metadata["annotations"] = json!({
        "argocd.argoproj.io/hook": "PreSync",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded",
    });
    Some(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "activeDeadlineSeconds": DEADLINE_SECONDS,
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": pod::template(service, platform, Role::Migration),
        },
    }))
}
