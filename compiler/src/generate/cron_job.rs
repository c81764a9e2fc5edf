//! `kind: CronJob` for `kind cron` services.

use super::value::Value;

use super::deployment::described;
use super::pod::{self, Role};
use crate::model;

pub(super) fn cron_job(service: &model::Service, platform: &model::Platform) -> Value {
    let (schedule, concurrency) = service
        .schedule
        .as_ref()
        .map_or(("@daily", "Forbid"), |schedule| (schedule.cron.as_str(), schedule.concurrency));
    json!({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": described(service, &service.name),
        "spec": {
            "schedule": schedule,
            "concurrencyPolicy": concurrency,
            "successfulJobsHistoryLimit": 3,
            "failedJobsHistoryLimit": 3,
            "jobTemplate": {
                "spec": {
                    "backoffLimit": 2,
                    "template": pod::template(service, platform, Role::Stable),
                },
            },
        },
    })
}
