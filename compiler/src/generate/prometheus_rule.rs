//! `kind: PrometheusRule` (Prometheus operator): the service's `slo` as
//! recording rules and multi-window, multi-burn-rate alerts (the Google SRE
//! workbook's "Alerting on SLOs", over a 30-day SLO period).
//!
//! **Which services, and over which series.** Every expression must be over
//! series that really exist for the service, so the service level indicator
//! (SLI) comes from whoever measures requests without the application's help
//! when there is such a measurer, and from the application only when there is
//! not. A service gets rules when it is not a cron job, has an `slo`, and
//! serves requests: a port the Service publishes whose protocol is `http`,
//! `http2` or `grpc` and that is not its `metrics` port (TCP and UDP have no
//! requests to count; scrapes are not traffic). Then, by `mesh`:
//!
//! - `istio`: Istio's standard metrics, reported by the server-side proxy of
//!   every meshed pod: `istio_requests_total` and
//!   `istio_request_duration_milliseconds_bucket` with `reporter="destination"`,
//!   `destination_service_namespace` and `destination_service_name` (the
//!   Service, so canary pods count too). Errors are `response_code=~"5.."`, or
//!   for a service whose request ports are all gRPC, `grpc_response_status`
//!   `Unknown`, `DeadlineExceeded`, `Unimplemented`, `Internal`, `Unavailable`
//!   or `DataLoss` (2, 4, 12, 13, 14, 15): gRPC failures travel with HTTP 200.
//! - `linkerd`: the Linkerd proxy's `response_total` and
//!   `response_latency_ms_bucket` with `direction="inbound"`, `namespace` and
//!   `deployment` (the service's Deployment or its canary; the labels Linkerd's
//!   own Prometheus scrape configuration attaches). Errors are
//!   `classification="failure"`, the proxy's own verdict (HTTP 5xx and gRPC
//!   failures).
//! - `none`: only a service with `metrics` gets rules, over the conventional
//!   client-library metrics, selected by `namespace` and `container` (the
//!   service's container: both the `ServiceMonitor` and `PodMonitor` scrape
//!   configurations attach these): `http_requests_total` (errors
//!   `code=~"5.."`) and `http_request_duration_seconds_bucket`, or for gRPC
//!   `grpc_server_handled_total` (errors by `grpc_code`) and
//!   `grpc_server_handling_seconds_bucket`.
//!
//! **Latency.** A classic histogram only counts requests at its bucket bounds,
//! and a latency threshold (`300ms`) is seldom one of them. The share of
//! requests faster than the threshold is read at the bound when there is one,
//! and otherwise interpolated linearly between the bounds either side of it
//! (as `histogram_quantile` does), using the bounds the measurer really has:
//! Envoy's defaults for Istio, the Linkerd proxy's fixed bounds, and the
//! Prometheus client libraries' default buckets for the application's own
//! histogram (which the application must therefore keep). `le` is matched as
//! `250` or `250.0`, since Prometheus 3 writes bounds in canonical float form.
//! A threshold beyond the largest finite bound cannot be measured and gets no
//! latency rules.
//!
//! **Rules.** Recording rules `service:slo_errors_per_request:ratio_rate<w>`
//! and `service:slo_slow_requests:ratio_rate<w>` (requests slower than the
//! threshold) for every window the alerts read, labelled `namespace` and
//! `service`. Alerts `ErrorBudgetBurn` and `LatencyBudgetBurn`, each with a
//! `severity: page` rule (14.4× the budget over 1h and 5m, or 6× over 6h and
//! 30m) and a `severity: ticket` rule (3× over 1d and 2h, or 1× over 3d and
//! 6h); the long window measures, the short one stops the alert soon after
//! the burn does. A burn rate that would need more than every request to
//! fail (a budget of 10% or more at 14.4×) can never fire and is left out.
//! Labels `severity`, `service`, `tier`, `environment`; the object carries
//! the platform's `monitoring` labels for the Prometheus operator's
//! `ruleSelector`.

use super::value::{Map, Value};

use super::labels;
use crate::model::{self, Kind, Mesh, Protocol};

/// Every window the alerts read, shortest first.
const WINDOWS: [&str; 7] = ["5m", "30m", "1h", "2h", "6h", "1d", "3d"];

/// One condition of a multi-window alert: the error ratio exceeds `factor`
/// times the budget over both windows.
#[derive(Debug, Clone, Copy)]
struct Burn {
    factor: f64,
    long: &'static str,
    short: &'static str,
}

/// Burning 2% of a 30-day budget in an hour, or 5% in six hours.
const PAGE: [Burn; 2] =
    [Burn { factor: 14.4, long: "1h", short: "5m" }, Burn { factor: 6.0, long: "6h", short: "30m" }];
/// Burning 10% of the budget in a day, or 10% in three days.
const TICKET: [Burn; 2] =
    [Burn { factor: 3.0, long: "1d", short: "2h" }, Burn { factor: 1.0, long: "3d", short: "6h" }];

const ERRORS_RECORD: &str = "service:slo_errors_per_request:ratio_rate";
const SLOW_RECORD: &str = "service:slo_slow_requests:ratio_rate";

/// Envoy's default histogram bounds (milliseconds), up to ten minutes; the
/// larger ones are written in exponent form.
const ENVOY_BUCKETS: [f64; 17] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0, 60000.0, 300_000.0,
    600_000.0,
];
/// The Linkerd proxy's latency bounds (milliseconds).
const LINKERD_BUCKETS: [f64; 25] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 10.0, 20.0, 30.0, 40.0, 50.0, 100.0, 200.0, 300.0, 400.0, 500.0, 1000.0, 2000.0, 3000.0,
    4000.0, 5000.0, 10000.0, 20000.0, 30000.0, 40000.0, 50000.0,
];
/// The Prometheus client libraries' default buckets (seconds).
const CLIENT_BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Who measures the service's requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Istio,
    Linkerd,
    /// The application's own client-library metrics.
    Application,
}

/// The service's request SLI: which series count its requests, errors and latency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Sli {
    source: Source,
    /// Every request port speaks gRPC.
    grpc: bool,
    service: String,
}

/// The service's SLI, when it serves requests that something measures.
pub(super) fn request_sli(service: &model::Service, platform: &model::Platform) -> Option<Sli> {
    if service.kind == Kind::Cron {
        return None;
    }
    let metrics_port = service.metrics.as_ref().map(|metrics| metrics.port.as_str());
    let request_ports: Vec<&model::Port> = service
        .ports
        .iter()
        .filter(|port| port.expose && Some(port.name.as_str()) != metrics_port)
        .filter(|port| matches!(port.protocol, Protocol::Http | Protocol::Http2 | Protocol::Grpc))
        .collect();
    if request_ports.is_empty() {
        return None;
    }
    let source = match platform.mesh {
        Mesh::Istio => Source::Istio,
        Mesh::Linkerd => Source::Linkerd,
        Mesh::None if service.metrics.is_some() => Source::Application,
        Mesh::None => return None,
    };
    let grpc = request_ports.iter().all(|port| port.protocol == Protocol::Grpc);
    Some(Sli { source, grpc, service: service.name.clone() })
}

impl Sli {
    /// The matchers that select the service's requests in `namespace`
    /// (a name, or a Grafana variable).
    fn selector(&self, namespace: &str) -> String {
        let service = &self.service;
        match self.source {
            Source::Istio => format!(
                "reporter=\"destination\", destination_service_namespace=\"{namespace}\", destination_service_name=\"{service}\""
            ),
            Source::Linkerd => {
                format!("direction=\"inbound\", namespace=\"{namespace}\", deployment=~\"{service}(-canary)?\"")
            }
            Source::Application => format!("namespace=\"{namespace}\", container=\"{service}\""),
        }
    }

    fn requests_metric(&self) -> &'static str {
        match (self.source, self.grpc) {
            (Source::Istio, _) => "istio_requests_total",
            (Source::Linkerd, _) => "response_total",
            (Source::Application, false) => "http_requests_total",
            (Source::Application, true) => "grpc_server_handled_total",
        }
    }

    fn error_matcher(&self) -> &'static str {
        match (self.source, self.grpc) {
            (Source::Istio, false) => "response_code=~\"5..\"",
            (Source::Istio, true) => "grpc_response_status=~\"2|4|12|13|14|15\"",
            (Source::Linkerd, _) => "classification=\"failure\"",
            (Source::Application, false) => "code=~\"5..\"",
            (Source::Application, true) => {
                "grpc_code=~\"Unknown|DeadlineExceeded|Unimplemented|Internal|Unavailable|DataLoss\""
            }
        }
    }

    /// The label that tells responses apart, for the dashboard.
    pub(super) fn outcome_label(&self) -> &'static str {
        match (self.source, self.grpc) {
            (Source::Istio, false) => "response_code",
            (Source::Istio, true) => "grpc_response_status",
            (Source::Linkerd, _) => "classification",
            (Source::Application, false) => "code",
            (Source::Application, true) => "grpc_code",
        }
    }

    /// The latency histogram's name, without `_bucket` or `_count`.
    fn histogram(&self) -> &'static str {
        match (self.source, self.grpc) {
            (Source::Istio, _) => "istio_request_duration_milliseconds",
            (Source::Linkerd, _) => "response_latency_ms",
            (Source::Application, false) => "http_request_duration_seconds",
            (Source::Application, true) => "grpc_server_handling_seconds",
        }
    }

    /// The histogram's finite bucket bounds, and how many milliseconds its unit is.
    fn buckets(&self) -> (&'static [f64], u32) {
        match self.source {
            Source::Istio => (&ENVOY_BUCKETS, 1),
            Source::Linkerd => (&LINKERD_BUCKETS, 1),
            Source::Application => (&CLIENT_BUCKETS, 1000),
        }
    }

    /// Requests per second over `window`.
    pub(super) fn requests(&self, namespace: &str, window: &str) -> String {
        format!("sum(rate({}{{{}}}[{window}]))", self.requests_metric(), self.selector(namespace))
    }

    /// Requests per second over `window`, by outcome.
    pub(super) fn requests_by_outcome(&self, namespace: &str, window: &str) -> String {
        format!(
            "sum by ({}) (rate({}{{{}}}[{window}]))",
            self.outcome_label(),
            self.requests_metric(),
            self.selector(namespace)
        )
    }

    /// Failed requests per second over `window`.
    fn errors(&self, namespace: &str, window: &str) -> String {
        format!(
            "sum(rate({}{{{}, {}}}[{window}]))",
            self.requests_metric(),
            self.selector(namespace),
            self.error_matcher()
        )
    }

    /// The share of requests that failed over `window`.
    pub(super) fn error_ratio(&self, namespace: &str, window: &str) -> String {
        format!("{}\n/\n{}", self.errors(namespace, window), self.requests(namespace, window))
    }

    fn bucket(&self, namespace: &str, bound: f64, window: &str) -> String {
        format!(
            "sum(rate({}_bucket{{{}, le=~\"{}\"}}[{window}]))",
            self.histogram(),
            self.selector(namespace),
            le_pattern(bound)
        )
    }

    /// Whether the histogram can tell requests slower than `threshold_ms`
    /// (a bucket bound at or above it).
    fn tells_slow(&self, threshold_ms: u32) -> bool {
        let (bounds, threshold) = self.bounds_for(threshold_ms);
        bounds.iter().any(|bound| *bound >= threshold)
    }

    /// The histogram's bounds, and `threshold_ms` in their unit.
    fn bounds_for(&self, threshold_ms: u32) -> (&'static [f64], f64) {
        let (bounds, unit_ms) = self.buckets();
        (bounds, f64::from(threshold_ms) / f64::from(unit_ms))
    }

    /// The share of requests slower than `threshold_ms` over `window`, or
    /// `None` when the histogram cannot tell.
    pub(super) fn slow_ratio(&self, namespace: &str, threshold_ms: u32, window: &str) -> Option<String> {
        let (bounds, threshold) = self.bounds_for(threshold_ms);
        let upper_index = bounds.iter().position(|bound| *bound >= threshold)?;
        let upper = bounds[upper_index];
        let fast = if upper <= threshold {
            self.bucket(namespace, upper, window)
        } else if let Some(lower) = upper_index.checked_sub(1).map(|index| bounds[index]) {
            let below = self.bucket(namespace, lower, window);
            format!(
                "{below}\n  + (\n    {}\n    - {below}\n  ) * ({} - {}) / ({} - {})",
                self.bucket(namespace, upper, window),
                number(threshold),
                number(lower),
                number(upper),
                number(lower)
            )
        } else {
            format!("{} * {} / {}", self.bucket(namespace, upper, window), number(threshold), number(upper))
        };
        Some(format!(
            "1 - (\n  {fast}\n)\n/\nsum(rate({}_count{{{}}}[{window}]))",
            self.histogram(),
            self.selector(namespace)
        ))
    }

    /// The `quantile` (e.g. `0.99`) of request latency over `window`, in milliseconds.
    pub(super) fn latency_quantile_ms(&self, namespace: &str, quantile: &str, window: &str) -> String {
        let quantile = format!(
            "histogram_quantile({quantile}, sum by (le) (rate({}_bucket{{{}}}[{window}])))",
            self.histogram(),
            self.selector(namespace)
        );
        if self.buckets().1 == 1 { quantile } else { format!("{quantile} * 1000") }
    }
}

pub(super) fn prometheus_rule(service: &model::Service, platform: &model::Platform) -> Option<Value> {
    let slo = service.slo.as_ref()?;
    let sli = request_sli(service, platform)?;
    let namespace = &service.namespace;
    let error_budget = budget_ratio(&slo.availability)?;
    let latency = slo
        .latency_ms
        .filter(|threshold| sli.tells_slow(*threshold))
        .map(|threshold| (threshold, decimal(u128::from(100 - slo.latency_percent.min(99)), 2)));

    let series_labels = json!({ "namespace": namespace, "service": service.name });
    let mut recordings = Vec::new();
    for window in WINDOWS {
        recordings.push(json!({
            "record": format!("{ERRORS_RECORD}{window}"),
            "expr": sli.error_ratio(namespace, window),
            "labels": series_labels,
        }));
    }
    if let Some((threshold, _)) = latency {
        for window in WINDOWS {
            if let Some(expr) = sli.slow_ratio(namespace, threshold, window) {
                recordings.push(json!({
                    "record": format!("{SLOW_RECORD}{window}"),
                    "expr": expr,
                    "labels": series_labels,
                }));
            }
        }
    }

    let selector = format!("{{namespace=\"{namespace}\", service=\"{}\"}}", service.name);
    let mut alerts = Vec::new();
    let availability = format!("{}%", slo.availability);
    let budget_text = percent_text(&error_budget);
    for (severity, burns) in [("page", &PAGE), ("ticket", &TICKET)] {
        let Some(expr) = burn_expression(ERRORS_RECORD, &selector, &error_budget, burns) else { continue };
        alerts.push(alert(
            "ErrorBudgetBurn",
            expr,
            severity,
            service,
            platform,
            format!("{} in {} is burning its error budget", service.name, service.environment),
            format!(
                "{{{{ $value | humanizePercentage }}}} of requests to {} in {} failed over the last {}; \
                 the SLO of {availability} availability allows {budget_text} to fail. {}",
                service.name,
                service.environment,
                windows_text(burns),
                outlook(severity)
            ),
        ));
    }
    if let Some((threshold, budget)) = &latency {
        let budget_text = percent_text(budget);
        for (severity, burns) in [("page", &PAGE), ("ticket", &TICKET)] {
            let Some(expr) = burn_expression(SLOW_RECORD, &selector, budget, burns) else { continue };
            alerts.push(alert(
                "LatencyBudgetBurn",
                expr,
                severity,
                service,
                platform,
                format!("{} in {} is burning its latency budget", service.name, service.environment),
                format!(
                    "{{{{ $value | humanizePercentage }}}} of requests to {} in {} took longer than {threshold}ms \
                     over the last {}; the SLO of {}% within {threshold}ms allows {budget_text} to be slower. {}",
                    service.name,
                    service.environment,
                    windows_text(burns),
                    slo.latency_percent,
                    outlook(severity)
                ),
            ));
        }
    }

    let mut metadata_labels = labels(service);
    for (key, value) in &platform.monitoring.labels {
        metadata_labels[key.as_str()] = json!(value);
    }
    let mut groups = vec![json!({ "name": format!("{}-slo-recordings", service.name), "rules": recordings })];
    if !alerts.is_empty() {
        groups.push(json!({ "name": format!("{}-slo-alerts", service.name), "rules": alerts }));
    }
    Some(json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": service.name,
            "namespace": namespace,
            "labels": move metadata_labels,
        },
        "spec": { "groups": groups },
    }))
}

/// `(long > f × budget and short > f × budget) or …` over the recorded
/// ratios, leaving out burn rates that can never be reached.
fn burn_expression(record: &str, selector: &str, budget: &str, burns: &[Burn]) -> Option<String> {
    let budget_value: f64 = budget.parse().ok()?;
    let conditions: Vec<String> = burns
        .iter()
        .filter(|burn| burn.factor * budget_value < 1.0)
        .map(|burn| {
            let threshold = format!("({} * {budget})", number(burn.factor));
            format!(
                "(\n  {record}{}{selector} > {threshold}\nand\n  {record}{}{selector} > {threshold}\n)",
                burn.long, burn.short
            )
        })
        .collect();
    (!conditions.is_empty()).then(|| conditions.join("\nor\n"))
}

fn alert(
    name: &str,
    expr: String,
    severity: &str,
    service: &model::Service,
    platform: &model::Platform,
    summary: String,
    description: String,
) -> Value {
    let mut annotations = Map::new();
    annotations.insert("summary".to_owned(), Value::from(summary));
    annotations.insert("description".to_owned(), Value::from(description));
    if let Some(grafana) = &platform.grafana {
        annotations
            .insert("dashboard_url".to_owned(), json!(super::grafana_dashboard::dashboard_url(service, grafana)));
    }
    json!({
        "alert": name,
        "expr": Value::from(expr),
        "labels": {
            "severity": severity,
            "service": service.name,
            "tier": service.tier,
            "environment": service.environment,
        },
        "annotations": move annotations,
    })
}

/// `1h or 6h`.
fn windows_text(burns: &[Burn]) -> String {
    burns.iter().map(|burn| burn.long).collect::<Vec<_>>().join(" or ")
}

fn outlook(severity: &str) -> &'static str {
    if severity == "page" {
        "At this rate the 30-day budget is gone within 5 days."
    } else {
        "At this rate the 30-day budget is gone before the period ends."
    }
}

/// `0.001` → `0.1%`.
fn percent_text(ratio: &str) -> String {
    let (whole, fraction) = ratio.split_once('.').unwrap_or((ratio, ""));
    let digits = format!("{whole}{fraction:0<2}");
    let scaled = format!("{}.{}", &digits[..whole.len() + 2], &digits[whole.len() + 2..]);
    let trimmed = scaled.trim_start_matches('0').trim_end_matches('0').trim_end_matches('.');
    let trimmed = if trimmed.starts_with('.') { format!("0{trimmed}") } else { trimmed.to_owned() };
    format!("{}%", if trimmed.is_empty() { "0" } else { &trimmed })
}

/// The budget left by an availability percentage, as an exact decimal ratio:
/// `99.9` → `0.001`.
pub(super) fn budget_ratio(percent: &str) -> Option<String> {
    let (whole, fraction) = percent.split_once('.').unwrap_or((percent, ""));
    let digits = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 20 {
        return None;
    }
    let places = u32::try_from(fraction.len()).ok()?;
    let scale = 10u128.pow(places);
    let fraction_value = if fraction.is_empty() { 0 } else { fraction.parse::<u128>().ok()? };
    let value = whole.parse::<u128>().ok()?.checked_mul(scale)?.checked_add(fraction_value)?;
    let remaining = (100 * scale).checked_sub(value).filter(|remaining| *remaining > 0)?;
    Some(decimal(remaining, fraction.len() + 2))
}

/// `value / 10^places` in decimal, without trailing zeros: `(5, 3)` → `0.005`.
fn decimal(value: u128, places: usize) -> String {
    let digits = format!("{value:0>width$}", width = places + 1);
    let (whole, fraction) = digits.split_at(digits.len() - places);
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") }
}

/// A number as `PromQL` reads it: `250`, `0.3`, `14.4`.
fn number(value: f64) -> String {
    format!("{value}")
}

/// A regular expression for a bucket bound as exporters and Prometheus 3
/// write it: `250` or `250.0`; `0.25`.
fn le_pattern(bound: f64) -> String {
    let text = number(bound);
    if text.contains('.') { text.replace('.', "[.]") } else { format!("{text}([.]0)?") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_are_exact_decimals() {
        assert_eq!(budget_ratio("99.9").as_deref(), Some("0.001"));
        assert_eq!(budget_ratio("99.95").as_deref(), Some("0.0005"));
        assert_eq!(budget_ratio("99").as_deref(), Some("0.01"));
        assert_eq!(budget_ratio("99.5").as_deref(), Some("0.005"));
        assert_eq!(budget_ratio("50").as_deref(), Some("0.5"));
        assert_eq!(budget_ratio("100"), None);
        assert_eq!(budget_ratio("9x"), None);
        assert_eq!(percent_text("0.001"), "0.1%");
        assert_eq!(percent_text("0.0005"), "0.05%");
        assert_eq!(percent_text("0.01"), "1%");
        assert_eq!(percent_text("0.5"), "50%");
        assert_eq!(percent_text("0.05"), "5%");
    }

    #[test]
    fn bucket_bounds_match_both_spellings() {
        assert_eq!(le_pattern(250.0), "250([.]0)?");
        assert_eq!(le_pattern(0.25), "0[.]25");
        assert_eq!(le_pattern(1.0), "1([.]0)?");
    }

    fn sli(source: Source) -> Sli {
        Sli { source, grpc: false, service: "api".to_owned() }
    }

    #[test]
    fn slow_ratio_reads_a_bound_or_interpolates_between_two() {
        let istio = sli(Source::Istio);
        let exact = istio.slow_ratio("ns", 500, "5m").unwrap();
        assert!(exact.contains("le=~\"500([.]0)?\""), "{exact}");
        assert!(!exact.contains("le=~\"250"), "{exact}");
        let between = istio.slow_ratio("ns", 300, "5m").unwrap();
        assert!(between.contains("le=~\"250([.]0)?\"") && between.contains("le=~\"500([.]0)?\""), "{between}");
        assert!(between.contains("* (300 - 250) / (500 - 250)"), "{between}");
        // Linkerd has a bound at 300ms.
        let linkerd = sli(Source::Linkerd).slow_ratio("ns", 300, "5m").unwrap();
        assert!(linkerd.contains("le=~\"300([.]0)?\"") && !linkerd.contains("+ ("), "{linkerd}");
        // The client libraries count seconds.
        let application = sli(Source::Application).slow_ratio("ns", 300, "5m").unwrap();
        assert!(application.contains("* (0.3 - 0.25) / (0.5 - 0.25)"), "{application}");
        // Below the first bound: from zero.
        let below = sli(Source::Application).slow_ratio("ns", 2, "5m").unwrap();
        assert!(below.contains("* 0.002 / 0.005"), "{below}");
        // Beyond the last finite bound: unmeasurable, and said so up front.
        assert_eq!(sli(Source::Linkerd).slow_ratio("ns", 60_000, "5m"), None);
        for (source, threshold) in [(Source::Linkerd, 50_001), (Source::Istio, 600_001), (Source::Application, 10_001)]
        {
            assert!(!sli(source).tells_slow(threshold));
            assert!(sli(source).tells_slow(threshold - 1));
            assert!(sli(source).slow_ratio("ns", threshold - 1, "5m").is_some());
        }
    }

    #[test]
    fn unreachable_burn_rates_are_left_out() {
        let selector = "{service=\"api\"}";
        let page = burn_expression(ERRORS_RECORD, selector, "0.001", &PAGE).unwrap();
        assert!(page.contains("ratio_rate1h") && page.contains("ratio_rate30m") && page.contains("\nor\n"), "{page}");
        // A 10% budget: 14.4× is impossible, 6× is not.
        let wide = burn_expression(ERRORS_RECORD, selector, "0.1", &PAGE).unwrap();
        assert!(!wide.contains("ratio_rate1h") && wide.contains("ratio_rate6h"), "{wide}");
        assert_eq!(burn_expression(ERRORS_RECORD, selector, "0.5", &PAGE), None);
    }
}
