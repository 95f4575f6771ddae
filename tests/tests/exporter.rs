//! `msr-lens exporter` scraped by a real Prometheus (Debian's `prometheus`, started here on
//! loopback with a generated config): `promtool check metrics` on its output, the example
//! alert rules under `promtool test rules`, the verdict changing after a fault, the deletion
//! counter rising after a deletion, msr-sim's request log showing one check per interval
//! although two Prometheus jobs scrape every second, and every query of the example Grafana
//! dashboard showing data.
//!
//! The binary is built by `cargo xtask test` before these tests run
//! (`cargo build -p msr-lens-cli`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use msr_lens_tests::Stack;
use msr_lens_transport::native::{HttpClient, HttpConfig};
use serde_json::{Value, json};

fn bin() -> PathBuf {
    let exe = std::env::current_exe().expect("test path");
    let bin = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target folder")
        .join("msr-lens");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p msr-lens-cli` first (cargo xtask test does)",
        bin.display()
    );
    bin
}

fn port_base() -> u16 {
    std::env::var("MSR_LENS_PORT_BASE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8443)
}

/// A child process killed when the test ends, whatever happens.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn temp_dir(what: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!("msr-lens-{what}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_secret(path: &Path, secret: &str) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::write(path, secret).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn http() -> HttpClient {
    HttpClient::new(HttpConfig {
        timeout: Duration::from_secs(10),
        ..HttpConfig::default()
    })
    .unwrap()
}

fn get(client: &HttpClient, url: &str) -> Option<(u16, String)> {
    get_accepting(client, url, "*/*")
}

fn get_accepting(client: &HttpClient, url: &str, accept: &str) -> Option<(u16, String)> {
    let request = http::Request::get(url)
        .header("accept", accept)
        .body(Vec::new())
        .ok()?;
    let response = client.execute(request).ok()?;
    Some((
        response.status().as_u16(),
        String::from_utf8_lossy(response.body()).into_owned(),
    ))
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Poll `f` until it returns `Some`, or panic with `what` after `secs`.
fn until<T>(secs: u64, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = f() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The value of one sample line `name{labels} value` of the exporter's text, by a prefix.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .find(|l| l.starts_with(prefix))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

struct Prometheus {
    client: HttpClient,
    base: String,
}

impl Prometheus {
    /// The values of an instant query, one per series.
    fn query(&self, promql: &str) -> Vec<(Value, f64)> {
        let url = format!("{}/api/v1/query?query={}", self.base, encode(promql));
        let Some((200, body)) = get(&self.client, &url) else {
            return Vec::new();
        };
        let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
        json["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                let value = r["value"][1].as_str()?.parse().ok()?;
                Some((r["metric"].clone(), value))
            })
            .collect()
    }

    /// The series of an instant query, or Prometheus's error (a query it cannot parse).
    fn query_checked(&self, promql: &str) -> Result<Vec<Value>, String> {
        let url = format!("{}/api/v1/query?query={}", self.base, encode(promql));
        let (status, body) =
            get(&self.client, &url).ok_or_else(|| format!("no answer to {promql}"))?;
        let json: Value = serde_json::from_str(&body).map_err(|e| format!("{e}: {body}"))?;
        match (status, json["status"].as_str()) {
            (200, Some("success")) => Ok(json["data"]["result"]
                .as_array()
                .cloned()
                .unwrap_or_default()),
            _ => Err(format!("HTTP {status}: {body}")),
        }
    }

    /// The single value of `promql` once it satisfies `ok`.
    fn wait(&self, secs: u64, promql: &str, ok: impl Fn(f64) -> bool) -> f64 {
        until(secs, promql, || {
            let values = self.query(promql);
            match values.as_slice() {
                [(_, v)] if ok(*v) => Some(*v),
                _ => None,
            }
        })
    }
}

/// A `deletion` record for `gun`, straight into notary's changefeed table (as
/// `notary delete --remote` writes it).
fn insert_deletion(stack: &Stack, gun: &str) {
    stack.psql(&format!(
        "INSERT INTO changefeed (created_at, gun, version, sha256, category) \
         VALUES (now() at time zone 'utc', '{gun}', 0, '', 'deletion');"
    ));
}

/// Every query of the example Grafana dashboard (`deploy/grafana/msr-lens.json`), with its
/// panel's title, and the dashboard variable `$instance` replaced by `instance`.
fn dashboard_queries(instance: &str) -> Vec<(String, String)> {
    fn walk(panels: &Value, out: &mut Vec<(String, String)>) {
        for panel in panels.as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or("(untitled)");
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    out.push((title.to_string(), expr.to_string()));
                }
            }
            walk(&panel["panels"], out); // panels inside rows
        }
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/grafana/msr-lens.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let dashboard: Value = serde_json::from_str(&text).unwrap();
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out.into_iter()
        .map(|(title, expr)| (title, expr.replace("$instance", instance)))
        .collect()
}

fn promtool(args: &[&str], stdin: Option<&str>) -> (bool, String) {
    let mut child = Command::new("promtool")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (scripts/setup.sh installs Debian's prometheus)");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    let output = child.wait_with_output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn the_example_alerts_pass_their_promtool_tests() {
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/prometheus");
    let (ok, text) = promtool(
        &[
            "check",
            "rules",
            &rules.join("alerts.yml").to_string_lossy(),
        ],
        None,
    );
    assert!(ok, "{text}");
    let (ok, text) = promtool(
        &[
            "test",
            "rules",
            &rules.join("alerts.test.yml").to_string_lossy(),
        ],
        None,
    );
    assert!(ok, "{text}");
}

#[test]
fn prometheus_scrapes_the_exporter_which_polls_once_per_interval() {
    let stack = Stack::load();
    let _guard = stack.exclusive();
    let dir = temp_dir("exporter");
    let base = port_base();
    let (exporter_port, prometheus_port) = (base + 60, base + 61);
    let ca = stack.json["ca_file"].as_str().expect("ca_file");
    write_secret(
        &dir.join("admin.secret"),
        stack.json["users"]["admin"]["token"].as_str().unwrap(),
    );
    write_secret(&dir.join("wrong.secret"), "not-the-password");
    let replicas: Vec<String> = stack.replicas.iter().map(|r| format!("\"{r}\"")).collect();
    let config = format!(
        r#"listen = "127.0.0.1:{exporter_port}"

[[instance]]
name = "sim"
url = "{origin}"
user = "admin"
secret_file = "{dir}/admin.secret"
ca_file = "{ca}"
replicas = [{replicas}]
interval = "2s"

[[instance]]
name = "anonymous"
url = "{origin}"
ca_file = "{ca}"
interval = "2s"

[[instance]]
name = "wrong"
url = "{origin}"
user = "admin"
secret_kind = "password"
secret_file = "{dir}/wrong.secret"
ca_file = "{ca}"
interval = "2s"
"#,
        origin = stack.origin,
        dir = dir.display(),
        replicas = replicas.join(", "),
    );
    std::fs::write(dir.join("msr-lens.toml"), config).unwrap();
    stack.take_requests();
    let _exporter = Killed(
        Command::new(bin())
            .args(["exporter", "--config"])
            .arg(dir.join("msr-lens.toml"))
            .env_remove("MSR_LENS_SECRET")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the exporter starts"),
    );
    let client = http();
    let metrics_url = format!("http://127.0.0.1:{exporter_port}/metrics");
    let metrics = || {
        get(&client, &metrics_url)
            .filter(|(s, _)| *s == 200)
            .map(|(_, t)| t)
    };

    // The exporter follows the whole feed and serves valid OpenMetrics text.
    let text = until(90, "the exporter to catch up with the feed", || {
        metrics()
            .filter(|t| sample(t, "msr_lens_trust_feed_caught_up{instance=\"sim\"}") == Some(1.0))
    });
    assert!(!text.contains("# EOF"), "{text}");
    // Catching up reads pages of 1000 records (crates/cli/src/exporter/poller.rs: a page in
    // flight per thread is what the exporter's memory is made of); a poll once caught up
    // adds at most the overlap window (1000 records) to re-read.
    let asked: Vec<u64> = stack
        .take_requests()
        .iter()
        .filter_map(|r| {
            let path = r["path"].as_str()?;
            path.contains("/_trust/changefeed").then(|| {
                path.split("records=")
                    .nth(1)?
                    .split('&')
                    .next()?
                    .parse()
                    .ok()
            })?
        })
        .collect();
    assert!(asked.len() >= 3, "changefeed requests asked for {asked:?}");
    assert_eq!(asked[0], 1000, "changefeed requests asked for {asked:?}");
    assert!(
        asked.iter().all(|n| *n <= 2000),
        "changefeed requests asked for {asked:?}"
    );
    let (_, openmetrics) = get_accepting(
        &client,
        &metrics_url,
        "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5",
    )
    .expect("OpenMetrics");
    assert!(openmetrics.ends_with("# EOF\n"), "{openmetrics}");
    assert!(
        openmetrics.contains("# TYPE msr_lens_trust_records counter\n"),
        "{openmetrics}"
    );
    let truth = stack.truth(None);
    let deletions = truth.iter().filter(|t| t.category == "deletion").count();
    let counted = sample(
        &text,
        "msr_lens_trust_records_total{instance=\"sim\",category=\"deletion\"}",
    );
    assert!(
        counted.is_some_and(|c| c >= deletions as f64),
        "{counted:?} < {deletions}: {text}"
    );
    assert_eq!(
        sample(&text, "msr_lens_up{instance=\"sim\"}"),
        Some(1.0),
        "{text}"
    );
    let (ok, lint) = promtool(&["check", "metrics"], Some(&text));
    assert!(ok, "promtool check metrics: {lint}\n{text}");
    // The example alerts and the dashboard name only metrics the exporter serves (the
    // alerts' promtool tests feed them series of their own, so a rename would not show).
    let served = |name: &str| {
        text.lines().any(|l| {
            l.strip_prefix("# TYPE ")
                .or_else(|| l.strip_prefix("# HELP "))
                .and_then(|rest| rest.split(' ').next())
                .is_some_and(|family| {
                    name == family || name.strip_prefix(family).is_some_and(|s| s == "_total")
                })
                || l.strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with(['{', ' ']))
        })
    };
    for file in ["prometheus/alerts.yml", "grafana/msr-lens.json"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../deploy")
            .join(file);
        let rules = std::fs::read_to_string(&path).unwrap();
        let mut names: Vec<&str> = rules
            .match_indices("msr_lens_")
            .map(|(i, _)| {
                let rest = &rules[i..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect();
        names.sort_unstable();
        names.dedup();
        assert!(!names.is_empty(), "{file} names no metric");
        for name in names {
            assert!(
                served(name),
                "{file} uses {name}, which the exporter does not serve:\n{text}"
            );
        }
    }
    assert_eq!(
        get(
            &client,
            &format!("http://127.0.0.1:{exporter_port}/healthz")
        )
        .map(|(s, _)| s),
        Some(200)
    );

    // A real Prometheus, two jobs scraping every second.
    let prom_config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n\
         - job_name: msr-lens-a\n  honor_labels: true\n  static_configs:\n  - targets: ['127.0.0.1:{exporter_port}']\n\
         - job_name: msr-lens-b\n  honor_labels: true\n  static_configs:\n  - targets: ['127.0.0.1:{exporter_port}']\n"
    );
    std::fs::write(dir.join("prometheus.yml"), prom_config).unwrap();
    let _prometheus = Killed(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("tsdb").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prometheus_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("prometheus starts (scripts/setup.sh installs it)"),
    );
    let prometheus = Prometheus {
        client: http(),
        base: format!("http://127.0.0.1:{prometheus_port}"),
    };
    prometheus.wait(
        60,
        r#"msr_lens_verdict{job="msr-lens-a",instance="sim",state="healthy"}"#,
        |v| v == 1.0,
    );
    prometheus.wait(
        30,
        r#"max(msr_lens_last_poll_error{job="msr-lens-a",instance="wrong",kind="unauthenticated"})"#,
        |v| v == 1.0,
    );

    // One check per interval, whatever the scrape rate: msr-sim's request log against the
    // exporter's own count, and against the scrapes Prometheus made meanwhile.
    let checks = || {
        metrics()
            .and_then(|t| sample(&t, "msr_lens_checks_total{instance=\"sim\"}"))
            .expect("checks")
    };
    stack.take_requests();
    let c0 = checks();
    let started = Instant::now();
    until(40, "five more checks", || {
        (checks() >= c0 + 5.0).then_some(())
    });
    let log = stack.take_requests();
    let c1 = checks();
    let elapsed = started.elapsed().as_secs_f64();
    let count = |needle: &str| {
        log.iter()
            .filter(|r| {
                r["path"].as_str().is_some_and(|p| p.contains(needle))
                    && r["status"].as_u64() == Some(200)
            })
            .count() as f64
    };
    let cluster = count("/api/v0/meta/cluster_status");
    let checked = c1 - c0;
    assert!(
        (cluster - checked).abs() <= 1.0,
        "{cluster} cluster_status requests for {checked} checks"
    );
    assert!(
        checked <= elapsed / 2.0 + 2.0,
        "{checked} checks in {elapsed:.1} s at a 2 s interval"
    );
    let feed = count("/_trust/changefeed");
    assert!(
        feed >= 1.0 && feed <= 2.0 * (checked + 1.0),
        "{feed} changefeed requests for {checked} intervals"
    );
    let window = elapsed.ceil() as u64;
    let scrapes = prometheus.wait(
        10,
        &format!(r#"sum(count_over_time(msr_lens_checks_total{{instance="sim"}}[{window}s]))"#),
        |v| v > 0.0,
    );
    eprintln!(
        "in {elapsed:.1} s: {checked} checks, {cluster} cluster_status and {feed} changefeed requests, {scrapes} scrapes"
    );
    assert!(
        scrapes >= 2.0 * checked,
        "{scrapes} scrapes (two jobs) vs {checked} checks"
    );

    // A fault: every replica unhealthy. Prometheus sees the verdict turn to down.
    stack.admin_post(
        "/scenario",
        &json!({"replicas": {"0": {"healthy": false}, "1": {"healthy": false}, "2": {"healthy": false}}}),
    );
    prometheus.wait(
        30,
        r#"msr_lens_verdict{job="msr-lens-b",instance="sim",state="down"}"#,
        |v| v == 1.0,
    );
    prometheus.wait(30, r#"msr_lens_up{job="msr-lens-b",instance="sim"}"#, |v| {
        v == 0.0
    });
    stack.admin_post("/reset", &json!({}));
    prometheus.wait(
        30,
        r#"msr_lens_verdict{job="msr-lens-b",instance="sim",state="healthy"}"#,
        |v| v == 1.0,
    );

    // A deletion: the counter rises by exactly one, and its time is recent.
    let counter =
        r#"msr_lens_trust_records_total{job="msr-lens-a",instance="sim",category="deletion"}"#;
    let before = prometheus.wait(10, counter, |_| true);
    insert_deletion(&stack, &stack.gun("exporter/deleted"));
    prometheus.wait(30, counter, |v| v == before + 1.0);
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let at = prometheus.wait(
        10,
        r#"msr_lens_trust_last_deletion_timestamp_seconds{job="msr-lens-a",instance="sim"}"#,
        |_| true,
    );
    assert!((now - at).abs() < 120.0, "last deletion at {at}, now {now}");
    assert_eq!(
        prometheus
            .query(r#"msr_lens_trust_namespace_records_total{job="msr-lens-a",instance="sim",namespace="exporter"}"#)
            .first()
            .map(|(_, v)| *v),
        Some(
            stack
                .truth(None)
                .iter()
                .filter(|t| t.gun.starts_with(&format!("{}/exporter/", stack.registry_host)))
                .count() as f64
        )
    );

    // The example Grafana dashboard: every panel's query is PromQL that Prometheus accepts
    // and, against this exporter, shows data — a metric renamed in the exporter but not in
    // the dashboard would leave a panel empty. Its `$instance` variable lists the
    // `instance` labels of `msr_lens_up`. Only "Poll errors" may be empty (no poll failed).
    let instances = prometheus
        .query_checked("group by (instance) (msr_lens_up)")
        .unwrap();
    assert!(
        instances.iter().any(|s| s["metric"]["instance"] == "sim"),
        "{instances:?}"
    );
    let queries = dashboard_queries("sim");
    assert!(queries.len() >= 10, "{queries:?}");
    for (title, expr) in &queries {
        let series = prometheus
            .query_checked(expr)
            .unwrap_or_else(|e| panic!("panel {title:?}: {expr}: {e}"));
        if !title.starts_with("Poll errors") {
            assert!(!series.is_empty(), "panel {title:?} shows nothing: {expr}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
