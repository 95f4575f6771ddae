//! The exporter's benchmark (issue 17): `msr-lens exporter` (release build) with 10
//! instances of the 100 000-record stand-in, each following the whole trust changefeed.
//! Measures the time until all are caught up, the resident memory (RSS and its peak),
//! the scrape latency (p50/p99 of sequential `GET /metrics`) and the requests each instance
//! sends MSR per minute once caught up (target: one health check and one feed poll per
//! interval). Writes `<out>/exporter.json` and `exporter.md`.
//!
//! `MSR_LENS_BENCH_INSTANCES` changes the number of instances (default 10); the exporter
//! inherits the environment, so `MALLOC_ARENA_MAX=2 cargo xtask bench exporter` measures
//! glibc's allocator with fewer arenas.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const INSTANCES: usize = 10;
const INTERVAL_SECS: u64 = 10;
const WINDOW_SECS: u64 = 60;
const SCRAPES: usize = 500;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn get(agent: &ureq::Agent, url: &str) -> Result<String, String> {
    let mut response = agent
        .get(url)
        .call()
        .map_err(|e| format!("GET {url}: {e}"))?;
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| format!("GET {url}: {e}"))
}

fn proc_status_kib(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Run the benchmark against the stand-in described by `stack_json`.
pub fn run(root: &Path, stack_json: &str) -> Result<(), String> {
    let instances: usize = match std::env::var("MSR_LENS_BENCH_INSTANCES") {
        Ok(text) => text
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("MSR_LENS_BENCH_INSTANCES={text:?} is not a count"))?,
        Err(_) => INSTANCES,
    };
    crate::run(
        "cargo",
        &["build", "--release", "-p", "msr-lens-cli", "--locked"],
    )?;
    let bin = root.join("target/release/msr-lens");
    let stack: Value = serde_json::from_str(
        &std::fs::read_to_string(stack_json).map_err(|e| format!("{stack_json}: {e}"))?,
    )
    .map_err(|e| format!("{stack_json}: {e}"))?;
    let text = |p: &str| stack.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let port = stack["port_base"].as_u64().unwrap_or(8543) + 62;
    let dir = std::env::temp_dir().join(format!("msr-lens-bench-exporter-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let secret = dir.join("admin.secret");
    std::fs::write(&secret, text("/users/admin/token")).map_err(|e| e.to_string())?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| e.to_string())?;
    }
    let replicas: Vec<String> = stack["replica_origins"]
        .as_array()
        .map(|a| a.iter().map(|v| format!("{v}")).collect())
        .unwrap_or_default();
    let mut config = format!("listen = \"127.0.0.1:{port}\"\n");
    for i in 0..instances {
        config.push_str(&format!(
            "\n[[instance]]\nname = \"i{i}\"\nurl = \"{}\"\nuser = \"admin\"\nsecret_file = \"{}\"\nca_file = \"{}\"\nreplicas = [{}]\ninterval = \"{INTERVAL_SECS}s\"\n",
            text("/origin"),
            secret.display(),
            text("/ca_file"),
            replicas.join(", ")
        ));
    }
    let config_path = dir.join("msr-lens.toml");
    std::fs::write(&config_path, config).map_err(|e| e.to_string())?;

    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(30)))
        .http_status_as_error(false)
        .build()
        .into();
    let admin = text("/sim_admin").to_string();
    let started = Instant::now();
    let child = Command::new(&bin)
        .args(["exporter", "--config"])
        .arg(&config_path)
        .env_remove("MSR_LENS_SECRET")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id();
    let _child = Killed(child);
    let metrics_url = format!("http://127.0.0.1:{port}/metrics");
    let deadline = Instant::now() + Duration::from_secs(900);
    let records: f64 = loop {
        if let Ok(body) = get(&agent, &metrics_url) {
            let caught_up = body
                .lines()
                .filter(|l| {
                    l.starts_with("msr_lens_trust_feed_caught_up{")
                        && l.rsplit(' ').next().and_then(|v| v.parse::<f64>().ok()) == Some(1.0)
                })
                .count();
            if caught_up == instances {
                break body
                    .lines()
                    .filter(|l| l.starts_with("msr_lens_trust_records_total{instance=\"i0\""))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum();
            }
        }
        if Instant::now() > deadline {
            return Err("the exporter did not catch up within 15 minutes".into());
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let catch_up_secs = started.elapsed().as_secs_f64();
    let rss_caught_up = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
    let anon_caught_up = proc_status_kib(pid, "RssAnon:").unwrap_or(0);
    let threads = proc_status_kib(pid, "Threads:").unwrap_or(0);

    // Once caught up: what each instance sends MSR per minute.
    get(&agent, &format!("{admin}/requests?clear=1"))?;
    let window = Instant::now();
    std::thread::sleep(Duration::from_secs(WINDOW_SECS));
    let log: Value = serde_json::from_str(&get(&agent, &format!("{admin}/requests?clear=1"))?)
        .map_err(|e| e.to_string())?;
    let minutes = window.elapsed().as_secs_f64() / 60.0;
    let entries = log["requests"].as_array().cloned().unwrap_or_default();
    let count = |needle: &str| {
        entries
            .iter()
            .filter(|r| r["path"].as_str().is_some_and(|p| p.contains(needle)))
            .count() as f64
    };
    let per_instance_minute = |n: f64| n / instances as f64 / minutes;
    let total_rpm = per_instance_minute(entries.len() as f64);
    let checks_rpm = per_instance_minute(count("/api/v0/meta/cluster_status"));
    let feed_rpm = per_instance_minute(count("/_trust/changefeed"));
    let ping_rpm = per_instance_minute(count("/_ping"));
    let token_rpm = per_instance_minute(count("/auth/token"));

    // Scrape latency, sequential.
    let mut latencies = Vec::with_capacity(SCRAPES);
    let mut bytes = 0;
    for _ in 0..SCRAPES {
        let t = Instant::now();
        bytes = get(&agent, &metrics_url)?.len();
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    latencies.sort_by(f64::total_cmp);
    let rss = proc_status_kib(pid, "VmRSS:").unwrap_or(0);
    let anon = proc_status_kib(pid, "RssAnon:").unwrap_or(0);
    let hwm = proc_status_kib(pid, "VmHWM:").unwrap_or(0);
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_default();
    let arena_max = std::env::var("MALLOC_ARENA_MAX").unwrap_or_default();

    let result = json!({
        "instances": instances,
        "malloc_arena_max": arena_max,
        "load_average_1m": load,
        "threads": threads,
        "interval_secs": INTERVAL_SECS,
        "records_per_instance": records,
        "catch_up_secs": catch_up_secs,
        "rss_kib_caught_up": rss_caught_up,
        "rss_anon_kib_caught_up": anon_caught_up,
        "rss_kib": rss,
        "rss_anon_kib": anon,
        "rss_peak_kib": hwm,
        "scrapes": SCRAPES,
        "scrape_bytes": bytes,
        "scrape_ms_p50": percentile(&latencies, 50.0),
        "scrape_ms_p99": percentile(&latencies, 99.0),
        "scrape_ms_max": latencies.last().copied().unwrap_or(0.0),
        "window_secs": WINDOW_SECS,
        "msr_requests_per_instance_minute": total_rpm,
        "health_checks_per_instance_minute": checks_rpm,
        "feed_polls_per_instance_minute": feed_rpm,
        "pings_per_instance_minute": ping_rpm,
        "token_requests_per_instance_minute": token_rpm,
        "target_checks_per_instance_minute": 60.0 / INTERVAL_SECS as f64,
    });
    let md = format!(
        "# msr-lens exporter\n\n\
         {instances} instances of the {records}-record stand-in, interval {INTERVAL_SECS} s, each following the whole changefeed ({threads} threads; MALLOC_ARENA_MAX {}; load average {load} at the end).\n\n\
         | figure | value |\n|---|---|\n\
         | time until all caught up | {catch_up_secs:.1} s |\n\
         | RSS caught up / after scrapes / peak | {:.1} / {:.1} / {:.1} MiB |\n\
         | of which anonymous (heap), caught up / after scrapes | {:.1} / {:.1} MiB |\n\
         | scrape latency p50 / p99 / max ({SCRAPES} sequential, {bytes} bytes) | {:.2} / {:.2} / {:.2} ms |\n\
         | MSR requests per instance per minute (all, logged by msr-sim) | {total_rpm:.2} |\n\
         | health checks (cluster_status) per instance per minute (target {:.1}) | {checks_rpm:.2} |\n\
         | /_ping per instance per minute ({} replicas) | {ping_rpm:.2} |\n\
         | changefeed polls per instance per minute | {feed_rpm:.2} |\n\
         | token requests per instance per minute | {token_rpm:.2} |\n",
        if arena_max.is_empty() {
            "unset"
        } else {
            arena_max.as_str()
        },
        rss_caught_up as f64 / 1024.0,
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        anon_caught_up as f64 / 1024.0,
        anon as f64 / 1024.0,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        latencies.last().copied().unwrap_or(0.0),
        60.0 / INTERVAL_SECS as f64,
        replicas.len(),
    );
    let out = std::env::var_os("MSR_LENS_BENCH_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| root.join("bench-results"));
    std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    std::fs::write(
        out.join("exporter.json"),
        format!(
            "{}\n",
            serde_json::to_string_pretty(&result).unwrap_or_default()
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(out.join("exporter.md"), &md).map_err(|e| e.to_string())?;
    eprintln!("{md}");
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
