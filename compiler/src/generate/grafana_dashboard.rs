//! The service's Grafana dashboard: a `ConfigMap` with the dashboard JSON, labelled for Grafana's sidecar.
//!
//! Generated for every service that is not a cron job when the platform sets
//! `grafana`. The `ConfigMap` lives in the service's own namespace, beside
//! everything else of the service: the service's Argo CD Application syncs it
//! with the rest of `deploy/<environment>/` (no write access to the
//! monitoring namespace needed), and it goes away with the service. Grafana's
//! dashboard sidecar must therefore watch every namespace
//! (`sidecar.dashboards.searchNamespace: ALL` in the Grafana and
//! kube-prometheus-stack charts); it picks up `ConfigMaps` labelled
//! `<dashboard-label>: "1"`.
//!
//! The dashboard's `uid` is the service's name, which is what the catalog
//! links to (`<grafana url>/d/<service>`). It is templated on a Prometheus
//! data source and on the namespace (defaulting to the environment's), and
//! shows, when the service serves requests that something measures (see
//! [`super::prometheus_rule`] for which series), the request rate by outcome,
//! the error ratio against the SLO's error budget and the latency percentiles
//! against the SLO's threshold; then, for every service, CPU and memory per
//! pod against the container's requests and limits (cAdvisor's
//! `container_cpu_usage_seconds_total` and `container_memory_working_set_bytes`,
//! kube-state-metrics' `kube_pod_container_resource_requests` and `_limits`).

use super::value::Value;

use super::prometheus_rule::{Sli, budget_ratio, request_sli};
use super::{Object, labels};
use crate::model::{self, Kind};

/// The namespace as the dashboard's queries write it.
const NAMESPACE: &str = "$namespace";
const WINDOW: &str = "$__rate_interval";
const HALF: u32 = 12;
const HEIGHT: u32 = 8;

/// The dashboard's address under Grafana's URL, shared with the catalog
/// entry and the alerts: `<url>/d/<uid>`. Grafana limits a uid to 40
/// characters; a longer service name keeps its first 31 and a stable hash.
pub(super) fn dashboard_url(service: &model::Service, grafana: &model::Grafana) -> String {
    format!("{}/d/{}", grafana.url.trim_end_matches('/'), dashboard_uid(&service.name))
}

fn dashboard_uid(name: &str) -> String {
    if name.len() <= 40 {
        return name.to_owned();
    }
    // FNV-1a, 32 bits: stable across platforms and releases.
    let hash = name.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    format!("{}-{hash:08x}", name[..31].trim_end_matches('-'))
}

/// Whether a service gets a dashboard (and so a dashboard link).
pub(super) fn has_dashboard(service: &model::Service, platform: &model::Platform) -> bool {
    platform.grafana.is_some() && service.kind != model::Kind::Cron
}

pub(super) fn grafana_dashboard(service: &model::Service, platform: &model::Platform) -> Option<Object> {
    let grafana = platform.grafana.as_ref()?;
    if service.kind == Kind::Cron {
        return None;
    }
    let dashboard = dashboard(service, request_sli(service, platform).as_ref());
    let text = dashboard.to_json_pretty();
    let mut metadata_labels = labels(service);
    metadata_labels[grafana.dashboard_label.as_str()] = json!("1");
    let mut data = super::value::Map::new();
    data.insert(format!("{}.json", service.name), json!(text));
    Some(Object::named(
        "grafana-dashboard.yaml",
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": format!("{}-dashboard", service.name),
                "namespace": service.namespace,
                "labels": move metadata_labels,
            },
            "data": move data,
        }),
    ))
}

fn dashboard(service: &model::Service, sli: Option<&Sli>) -> Value {
    let mut panels = Vec::new();
    let mut y = 0;
    if let Some(sli) = sli {
        panels.push(request_rate(sli, 0, y));
        panels.push(error_ratio(service, sli, HALF, y));
        y += HEIGHT;
        panels.push(latency(service, sli, y));
        y += HEIGHT;
    }
    panels.push(saturation(service, "cpu", y, 0));
    panels.push(saturation(service, "memory", y, HALF));
    // Numbered in order (the placeholder keeps `id` first).
    for (index, panel) in panels.iter_mut().enumerate() {
        panel["id"] = json!(index + 1);
    }

    let mut tags = vec![json!("platc"), json!(service.tier), json!(service.environment)];
    if let Some(system) = &service.system {
        tags.push(json!(system));
    }
    let namespace_query = format!("label_values(kube_pod_container_info{{container=\"{}\"}}, namespace)", service.name);
    let mut dashboard = json!({
        "uid": dashboard_uid(&service.name),
        "title": service.name,
        "tags": move tags,
        "editable": false,
        "graphTooltip": 1,
        "refresh": "1m",
        "schemaVersion": 39,
        "time": { "from": "now-6h", "to": "now" },
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                    "hide": 0,
                },
                {
                    "name": "namespace",
                    "label": "Namespace",
                    "type": "query",
                    "datasource": datasource(),
                    "query": namespace_query,
                    "definition": namespace_query,
                    "current": { "text": service.namespace, "value": service.namespace },
                    "refresh": 1,
                    "sort": 1,
                    "hide": 0,
                },
            ],
        },
        "panels": move panels,
    });
    // The JSON is written as text, where a `null` would stay.
    if let Some(description) = &service.description {
        dashboard["description"] = json!(description);
    }
    dashboard
}

fn datasource() -> Value {
    json!({ "type": "prometheus", "uid": "${datasource}" })
}

fn target(ref_id: &str, expr: &str, legend: &str) -> Value {
    json!({ "refId": ref_id, "datasource": datasource(), "expr": expr, "legendFormat": legend })
}

/// A time series panel; `references` are series (by legend) drawn as dashed red lines.
fn panel(
    title: &str,
    description: &str,
    unit: &str,
    position: (u32, u32, u32),
    targets: Vec<Value>,
    references: &[String],
) -> Value {
    let (x, y, width) = position;
    let overrides: Vec<Value> = references
        .iter()
        .map(|name| {
            json!({
                "matcher": { "id": "byName", "options": name },
                "properties": [
                    { "id": "custom.lineStyle", "value": { "fill": "dash", "dash": [10, 10] } },
                    { "id": "color", "value": { "mode": "fixed", "fixedColor": "red" } },
                ],
            })
        })
        .collect();
    json!({
        "id": 0,
        "type": "timeseries",
        "title": title,
        "description": description,
        "datasource": datasource(),
        "gridPos": { "h": HEIGHT, "w": width, "x": x, "y": y },
        "fieldConfig": {
            "defaults": { "unit": unit, "min": 0 },
            "overrides": move overrides,
        },
        "options": {
            "legend": { "displayMode": "list", "placement": "bottom", "showLegend": true },
            "tooltip": { "mode": "multi", "sort": "desc" },
        },
        "targets": Value::Array(targets),
    })
}

fn request_rate(sli: &Sli, x: u32, y: u32) -> Value {
    panel(
        "Request rate",
        "Requests per second, by outcome.",
        "reqps",
        (x, y, HALF),
        vec![target("A", &sli.requests_by_outcome(NAMESPACE, WINDOW), &format!("{{{{{}}}}}", sli.outcome_label()))],
        &[],
    )
}

fn error_ratio(service: &model::Service, sli: &Sli, x: u32, y: u32) -> Value {
    let mut targets = vec![target("A", &sli.error_ratio(NAMESPACE, WINDOW), "errors")];
    let mut references = Vec::new();
    if let Some(slo) = &service.slo {
        let legend = format!("error budget (SLO {}%)", slo.availability);
        if let Some(budget) = budget_ratio(&slo.availability) {
            targets.push(target("B", &format!("vector({budget})"), &legend));
            references.push(legend);
        }
    }
    panel(
        "Error ratio vs SLO",
        "The share of requests that failed; above the error budget line, the SLO is being missed.",
        "percentunit",
        (x, y, HALF),
        targets,
        &references,
    )
}

fn latency(service: &model::Service, sli: &Sli, y: u32) -> Value {
    let mut percentiles = vec![50, 90, 99];
    if let Some(slo) = &service.slo {
        percentiles.push(slo.latency_percent);
    }
    percentiles.sort_unstable();
    percentiles.dedup();
    let mut targets: Vec<Value> = percentiles
        .iter()
        .zip('A'..)
        .map(|(percentile, ref_id)| {
            target(
                &ref_id.to_string(),
                &sli.latency_quantile_ms(NAMESPACE, &format!("0.{percentile:02}"), WINDOW),
                &format!("p{percentile}"),
            )
        })
        .collect();
    let mut references = Vec::new();
    if let Some(slo) = &service.slo
        && let Some(threshold) = slo.latency_ms
    {
        let legend = format!("SLO: {}% within {threshold}ms", slo.latency_percent);
        targets.push(target("Z", &format!("vector({threshold})"), &legend));
        references.push(legend);
    }
    panel(
        "Latency percentiles vs SLO",
        "Request latency percentiles; the SLO's percentile should stay under its threshold.",
        "ms",
        (0, y, 2 * HALF),
        targets,
        &references,
    )
}

/// CPU or memory per pod of the service's container, against its requests and limits.
fn saturation(service: &model::Service, resource: &str, y: u32, x: u32) -> Value {
    let selector =
        format!("namespace=\"{NAMESPACE}\", container=\"{}\", pod!~\"{}-migrate-.*\"", service.name, service.name);
    let (title, unit, usage) = if resource == "cpu" {
        (
            "CPU vs requests and limits",
            "short",
            format!("rate(container_cpu_usage_seconds_total{{{selector}}}[{WINDOW}])"),
        )
    } else {
        ("Memory vs requests and limits", "bytes", format!("container_memory_working_set_bytes{{{selector}}}"))
    };
    let targets = vec![
        target("A", &format!("sum by (pod) ({usage})"), "{{pod}}"),
        target(
            "B",
            &format!("max(kube_pod_container_resource_requests{{{selector}, resource=\"{resource}\"}})"),
            "request",
        ),
        target(
            "C",
            &format!("max(kube_pod_container_resource_limits{{{selector}, resource=\"{resource}\"}})"),
            "limit",
        ),
    ];
    panel(
        title,
        "Usage of the service's container per pod (cAdvisor), against its request and limit (kube-state-metrics).",
        unit,
        (x, y, HALF),
        targets,
        &["limit".to_owned()],
    )
}

#[cfg(test)]
mod uid_tests {
    use super::dashboard_uid;

    #[test]
    fn uids_fit_grafanas_limit() {
        assert_eq!(dashboard_uid("payment-service"), "payment-service");
        let long = dashboard_uid(&"a".repeat(63));
        assert!(long.len() <= 40, "{long}");
        assert_eq!(long, dashboard_uid(&"a".repeat(63)), "stable");
        assert_ne!(long, dashboard_uid(&format!("{}b", "a".repeat(62))));
    }
}
