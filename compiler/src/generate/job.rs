//! `kind: Job`: the `migrate` command, run by Argo CD at each sync before the
//! new pods start (a `Sync` hook in wave -1).
//!
//! Not a `PreSync` hook: on a service's first sync, everything the migration
//! pod needs (its `ServiceAccount`, `ConfigMap`, the `ExternalSecret`'s
//! `Secret`, the database's connection `Secret`) would not exist yet, since those are only
//! applied in the Sync phase, and the first sync could never finish. As a
//! Sync hook in wave -1 it runs after those objects (wave -2, see
//! `generate::sync_waves`) and before the Deployment (wave 0).
//!
//! The Job runs the service's image with the `migrate` command and the
//! service's env, secrets and database connection details, but no ports or
//! probes ([`Role::Migration`]). Argo CD deletes the previous run before it
//! creates the next (`BeforeHookCreation`, which also frees the name, since a
//! Job's template cannot change) and deletes a run that succeeded
//! (`HookSucceeded`); a failed run stays for its logs until the next sync or
//! until its time to live ends.

use super::value::Value;

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
        "argocd.argoproj.io/hook": "Sync",
        "argocd.argoproj.io/sync-wave": "-1",
        "argocd.argoproj.io/hook-delete-policy": "BeforeHookCreation,HookSucceeded",
    });
    Some(json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": move metadata,
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "activeDeadlineSeconds": DEADLINE_SECONDS,
            "ttlSecondsAfterFinished": TTL_SECONDS,
            "template": pod::template(service, platform, Role::Migration),
        },
    }))
}
