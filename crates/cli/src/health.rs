//! `msr-lens health`: one health check, printed for people or as JSON, with an exit code
//! a monitoring check can use.

use clap::Args;
use msr_lens_core::health::{HealthReport, PingVerdict, ReplicaCondition};

use crate::Failure;
use crate::config::Instance;
use crate::text::clean;

/// Options of `health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// Print the whole report as JSON (the npm package's `HealthReport` shape).
    #[arg(long)]
    pub json: bool,
}

/// The verdict's serialised name (`healthy`, `degraded`, `down`, `unknown`, or a verdict
/// a newer core adds).
pub fn verdict_name(report: &HealthReport) -> String {
    match serde_json::to_value(report.verdict) {
        Ok(serde_json::Value::String(name)) => name,
        _ => "unknown".to_string(),
    }
}

/// The exit code of a verdict: 0 healthy, 1 degraded, 2 down, 3 anything else. "Anything
/// else" is `unknown` and any partial verdict such as `reachable` (MSR answers, but the
/// cluster status was not checked): a check that saw only part of MSR must not say OK,
/// and it saw nothing wrong either (the Nagios/Icinga UNKNOWN state).
pub fn exit_code(verdict: &str) -> u8 {
    match verdict {
        "healthy" => 0,
        "degraded" => 1,
        "down" => 2,
        _ => 3,
    }
}

/// Run `health`.
pub fn run(instance: &Instance, args: &HealthArgs) -> Result<u8, Failure> {
    let client = instance.connect()?;
    let report = client.health();
    let verdict = verdict_name(&report);
    if args.json {
        let json = serde_json::json!({
            "instance": instance.name,
            "origin": instance.client.origin.to_string(),
            "report": report,
        });
        println!("{json:#}");
    } else {
        print!(
            "{}",
            render(&instance.client.origin.to_string(), &verdict, &report)
        );
    }
    Ok(exit_code(&verdict))
}

/// The report for people.
pub fn render(origin: &str, verdict: &str, report: &HealthReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "MSR {origin}: {}", verdict.to_uppercase());
    for reason in &report.reasons {
        let severity = serde_json::to_value(reason.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = writeln!(out, "  - [{severity}] {}", clean(&reason.message));
    }
    for ping in &report.pings {
        let state = match &ping.verdict {
            PingVerdict::Healthy => "healthy".to_string(),
            PingVerdict::Unhealthy { reason } => format!("UNHEALTHY: {}", clean(reason)),
            PingVerdict::Unknown { why, .. } => format!("unknown: {}", why.describe()),
        };
        let _ = writeln!(out, "  /_ping {:<40} {state}", clean(&ping.label));
    }
    for replica in &report.replicas {
        let conditions: Vec<String> = replica
            .conditions
            .iter()
            .map(|c| match c {
                ReplicaCondition::Ok => "ok".into(),
                ReplicaCondition::Unhealthy { reason } => {
                    format!("unhealthy: {}", clean(reason))
                }
                ReplicaCondition::HealthUnknown => "health unknown".into(),
                ReplicaCondition::Stale { age_secs, .. } => {
                    format!("stale (last report {age_secs} s ago)")
                }
                ReplicaCondition::TimestampUnknown { raw } => {
                    format!("no timestamp: {}", clean(raw))
                }
                ReplicaCondition::ReadOnly => "read-only".into(),
            })
            .collect();
        let _ = writeln!(
            out,
            "  replica {:<14} {}",
            clean(&replica.id),
            conditions.join(", ")
        );
    }
    for issue in &report.issues {
        let mark = if issue.critical { "CRITICAL" } else { "issue" };
        let _ = writeln!(
            out,
            "  {mark}: {}",
            clean(issue.description.as_deref().unwrap_or("(no description)"))
        );
    }
    if report.gc_running {
        let _ = writeln!(out, "  garbage collection is running");
    }
    if let Some(nginx) = &report.nginx {
        let _ = writeln!(
            out,
            "  nginx: {} active connections, {} requests since start, {} dropped",
            nginx.active,
            nginx.requests,
            nginx.dropped()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code("healthy"), 0);
        assert_eq!(exit_code("degraded"), 1);
        assert_eq!(exit_code("down"), 2);
        assert_eq!(exit_code("unknown"), 3);
        assert_eq!(exit_code("reachable"), 3);
        assert_eq!(exit_code("something-new"), 3);
    }
}
