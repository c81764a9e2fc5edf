//! `kind: CronJob` for `kind cron` services.

use serde_json::{Value, json};

use super::{metadata, pod};
use crate::model;

pub(super) fn cron_job(service: &model::Service) -> Value {
    let (schedule, concurrency) = service
        .schedule
        .as_ref()
        .map_or(("@daily", "Forbid"), |schedule| (schedule.cron.as_str(), schedule.concurrency));
    let mut metadata = metadata(service, &service.name);
    if let Some(description) = &service.description {
        metadata["annotations"] = json!({ "platc.dev/description": description });
    }
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": metadata,
        "spec": {
            "schedule": schedule,
            "concurrencyPolicy": concurrency,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "template": pod::template(service),
                },
            },
        },
    })
}
