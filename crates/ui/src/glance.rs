//! What an instance's state means at a glance (pure, no I/O): the banner's one-line
//! summary, which of several instances is worst, and the status strip of a history
//! (Uptime Kuma's heartbeat bar: one coloured segment per time slot, uptime share).

use crate::format::{rate, waited};
use msr_lens_core::health::{ReasonCode, Severity};

use crate::model::{Bucket, HistoryPoint, ReasonView, Snapshot};

/// How bad a state is, for picking the worst instance (the badge uses the same order,
/// `extension/background.js` `RANK`): healthy < reachable (cluster status not checked)
/// < unknown < signIn (MSR refused the credentials) < degraded < down.
pub fn rank(state: &str) -> u8 {
    match state {
        "healthy" => 0,
        "reachable" => 1,
        "signIn" => 3,
        "degraded" => 4,
        "down" => 5,
        _ => 2,
    }
}

/// The state of a snapshot for status dots and the worst instance: its verdict, or
/// `signIn` for an "unknown" verdict whose first reason is `signInFailed` (as the
/// badge, `extension/background.js` `badgeState`).
pub fn state_of(s: &Snapshot) -> &str {
    if s.verdict == "unknown"
        && s.reasons
            .first()
            .is_some_and(|r| r.code.is(ReasonCode::SignInFailed))
    {
        return "signIn";
    }
    s.verdict.as_str()
}

/// Reason codes the banner and the popup already say in their own words (pings,
/// replicas, issues, the cluster status problems, sign-in, GC).
const COVERED: &[ReasonCode] = &[
    ReasonCode::AllReplicasDown,
    ReasonCode::NoData,
    ReasonCode::Inconclusive,
    ReasonCode::ClusterNotChecked,
    ReasonCode::SignInFailed,
    ReasonCode::PingUnhealthy,
    ReasonCode::PingUnreachable,
    ReasonCode::PingUnknown,
    ReasonCode::ReplicaUnhealthy,
    ReasonCode::ReplicaHealthUnknown,
    ReasonCode::ReplicaStale,
    ReasonCode::ReplicaTimestampUnknown,
    ReasonCode::ReplicaReadOnly,
    ReasonCode::CriticalIssue,
    ReasonCode::Issue,
    ReasonCode::GcRunning,
    ReasonCode::ClusterNotSignedIn,
    ReasonCode::ClusterNotAdmin,
    ReasonCode::ClusterCheckFailed,
    ReasonCode::ClusterUnavailable,
    ReasonCode::ClusterWarnings,
    ReasonCode::NginxNotAvailable,
    ReasonCode::NginxUnavailable,
];

/// Reason codes of the job runner: their sentences stand in the popup's "Job runner"
/// section, next to its figures ([`job_runner_reasons`]), not under "Current issues".
pub const JOB_RUNNER: &[ReasonCode] = &[
    ReasonCode::WorkerDead,
    ReasonCode::WorkerHeartbeatExpired,
    ReasonCode::JobsFailing,
    ReasonCode::JobWaiting,
    ReasonCode::CronOverdue,
];

/// Reason codes that only repeat, for an MSR that did not answer, that its admin endpoints
/// could not be read either.
const CONSEQUENCES: &[ReasonCode] = &[
    ReasonCode::SettingsUnavailable,
    ReasonCode::JobRunnerUnavailable,
    ReasonCode::MetricsUnavailable,
];

/// The reasons of the verdict that no other part of the popup shows (tables not ready,
/// nginx dropping connections, and whatever the core adds later: workers, jobs, ...),
/// most severe first; `info` ones only for tables.
pub fn other_reasons(s: &Snapshot) -> Vec<&ReasonView> {
    // When no replica answered (down, or nothing reached it), the admin endpoints it could
    // not read say nothing new.
    let unreachable = s.reasons.iter().any(|r| {
        matches!(
            r.code.known(),
            Some(ReasonCode::AllReplicasDown | ReasonCode::NoData | ReasonCode::Inconclusive)
        )
    });
    let mut out: Vec<&ReasonView> = s
        .reasons
        .iter()
        .filter(|r| !r.code.known().is_some_and(|c| COVERED.contains(&c)))
        .filter(|r| !r.code.known().is_some_and(|c| JOB_RUNNER.contains(&c)))
        .filter(|r| !(unreachable && r.code.known().is_some_and(|c| CONSEQUENCES.contains(&c))))
        // Tables: the known codes, and any a newer version adds under the same prefix.
        .filter(|r| !r.severity.is(Severity::Info) || r.code.text().starts_with("tables"))
        .collect();
    out.sort_by_key(|r| severity_rank(r));
    out
}

/// The job runner's reasons, each said once in its section: the degraded ones (dead
/// workers, expired heartbeats, failed jobs, a job waiting too long) and the overdue crons
/// (`info`, but the section lists only the next runs). Most severe first. An oldest waiting
/// job within the limit (`info`) is only the section's "Oldest waiting" figure.
pub fn job_runner_reasons(s: &Snapshot) -> Vec<&ReasonView> {
    let mut out: Vec<&ReasonView> = s
        .reasons
        .iter()
        .filter(|r| r.code.known().is_some_and(|c| JOB_RUNNER.contains(&c)))
        .filter(|r| !r.severity.is(Severity::Info) || r.code.is(ReasonCode::CronOverdue))
        .collect();
    out.sort_by_key(|r| severity_rank(r));
    out
}

/// Most severe first: down, degraded, unknown, then the rest.
fn severity_rank(r: &ReasonView) -> u8 {
    match r.severity.known() {
        Some(Severity::Down) => 0,
        Some(Severity::Degraded) => 1,
        Some(Severity::Unknown) => 2,
        _ => 3,
    }
}

/// The job runner's reasons in a few counted words for the banner line (`1 worker dead`,
/// `4 jobs failed`): its section says them in full. Severe ones, then mild ones.
fn job_runner_summary(s: &Snapshot) -> (Vec<String>, Vec<String>) {
    let reasons = job_runner_reasons(s);
    let n = |code: ReasonCode| reasons.iter().filter(|r| r.code.is(code)).count();
    let mut severe = Vec::new();
    let mut mild = Vec::new();
    if n(ReasonCode::WorkerDead) > 0 {
        severe.push(count(
            n(ReasonCode::WorkerDead),
            "worker dead",
            "workers dead",
        ));
    }
    if n(ReasonCode::WorkerHeartbeatExpired) > 0 {
        severe.push(count(
            n(ReasonCode::WorkerHeartbeatExpired),
            "worker heartbeat expired",
            "worker heartbeats expired",
        ));
    }
    if n(ReasonCode::JobsFailing) > 0 {
        let failed = s.job_runner.as_ref().map_or(0, |j| j.failed_count);
        severe.push(if failed > 0 {
            count(failed as usize, "job failed", "jobs failed")
        } else {
            "jobs failing".to_string()
        });
    }
    if n(ReasonCode::JobWaiting) > 0 {
        severe.push(
            match s
                .job_runner
                .as_ref()
                .and_then(|j| j.oldest_waiting.as_ref())
            {
                Some(w) => format!("a job waiting {}", waited(w)),
                None => "a job waiting long".to_string(),
            },
        );
    }
    if n(ReasonCode::CronOverdue) > 0 {
        mild.push(count(
            n(ReasonCode::CronOverdue),
            "cron overdue",
            "crons overdue",
        ));
    }
    (severe, mild)
}

/// A reason in a few words for the banner line: `15 tables not ready`, or its message cut
/// at a word near 60 characters.
fn short(r: &ReasonView) -> String {
    let tables = || r.subject.as_deref().map_or(0, |s| s.split(", ").count());
    match r.code.known() {
        Some(ReasonCode::TablesReplicasNotReady) => {
            count(tables(), "table not ready", "tables not ready")
        }
        Some(ReasonCode::TablesNotWritable) => {
            count(tables(), "table not writable", "tables not writable")
        }
        _ if r.message.chars().count() <= 60 => r.message.clone(),
        _ => {
            let cut: String = r.message.chars().take(60).collect();
            let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
            format!("{cut}…")
        }
    }
}

/// `1 replica`, `2 replicas`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The top reasons of a snapshot, most important first, for the banner's one line
/// (`1 critical issue · 1 replica unhealthy`). Critical issues come first; a part of the
/// cluster that was not read is "unknown", never "none". Empty when there is nothing to
/// say beyond the verdict.
pub fn summary(s: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let unreachable = s.problems.iter().any(|p| p.kind == "unreachable");
    if s.problems.iter().any(|p| p.kind == "config") {
        out.push("settings cannot be used".to_string());
        return out;
    }
    if unreachable {
        out.push("not reachable".to_string());
    }
    let sign_in = state_of(s) == "signIn";
    if sign_in {
        out.push("cannot sign in".to_string());
    }
    let critical = s.issues.iter().filter(|i| i.critical).count();
    if critical > 0 {
        out.push(count(critical, "critical issue", "critical issues"));
    }
    if s.replicas.is_empty() {
        let failing = s.pings.iter().filter(|p| p.state == "unhealthy").count();
        let silent = s.pings.iter().filter(|p| p.state == "unknown").count();
        if failing > 0 {
            out.push(format!(
                "{} of {} failing /_ping",
                failing,
                count(s.pings.len(), "replica", "replicas")
            ));
        }
        if silent > 0 && !unreachable {
            out.push(format!(
                "{} of {} not answering /_ping",
                silent,
                count(s.pings.len(), "replica", "replicas")
            ));
        }
    } else {
        let unhealthy = s.replicas.iter().filter(|r| !r.healthy).count();
        let stale = s.replicas.iter().filter(|r| r.healthy && r.stale).count();
        let read_only = s.replicas.iter().filter(|r| r.read_only).count();
        if unhealthy > 0 {
            out.push(count(unhealthy, "replica unhealthy", "replicas unhealthy"));
        }
        if stale > 0 {
            out.push(count(
                stale,
                "replica report too old",
                "replica reports too old",
            ));
        }
        if read_only > 0 {
            out.push(count(read_only, "replica read-only", "replicas read-only"));
        }
    }
    let (severe, mild): (Vec<&ReasonView>, Vec<&ReasonView>) =
        other_reasons(s).into_iter().partition(|r| {
            matches!(
                r.severity.known(),
                Some(Severity::Down | Severity::Degraded)
            )
        });
    let (jobs_severe, jobs_mild) = job_runner_summary(s);
    out.extend(severe.iter().map(|r| short(r)));
    out.extend(jobs_severe);
    let minor = s.issues.len() - critical;
    if minor > 0 {
        out.push(count(minor, "minor issue", "minor issues"));
    }
    out.extend(mild.iter().map(|r| short(r)));
    out.extend(jobs_mild);
    if !s.cluster_read && !unreachable && !sign_in {
        let why = s
            .problems
            .iter()
            .find(|p| p.area == "cluster")
            .map(|p| match p.kind.as_str() {
                "wrongPassword" => " (cannot sign in)",
                "secretMissing" => " (secret not entered)",
                "notSignedIn" => " (not signed in)",
                "notAdmin" | "noAccess" => " (not an admin)",
                _ => "",
            })
            .unwrap_or("");
        let what = if s.verdict == "reachable" {
            "not checked"
        } else {
            "unknown"
        };
        out.push(format!("cluster status {what}{why}"));
    }
    if out.is_empty() && !s.replicas.is_empty() && s.verdict == "healthy" {
        out.push(format!(
            "all {} OK",
            count(s.replicas.len(), "replica", "replicas")
        ));
    }
    out
}

/// Why the popup's "Latest trust events" shows none, in a few words, or `None` when the
/// trust feed was read: still being read (the health half of a check), the trust
/// problem's own sentence (not signed in, no access, a wrong password, ...), MSR not
/// reached or the credentials refused (the problem above says so), or not available.
pub fn trust_note(s: &Snapshot) -> Option<String> {
    if s.trust.read {
        return None;
    }
    if s.pending_trust {
        return Some("reading the trust audit log…".into());
    }
    if let Some(p) = s.problems.iter().find(|p| p.area == "trust") {
        return Some(p.message.clone());
    }
    let above = |area: &str, kind: Option<&str>| {
        s.problems
            .iter()
            .any(|p| p.area == area && kind.is_none_or(|k| p.kind == k))
    };
    Some(if above("connection", Some("unreachable")) {
        "not read: MSR could not be reached (see the problem above)".into()
    } else if above("cluster", Some("wrongPassword")) {
        "not read: MSR did not accept the credentials (see the problem above)".into()
    } else if above("config", None) {
        "not read: the settings cannot be used (see the problem above)".into()
    } else {
        "not available".into()
    })
}

/// The instance to open on: the worst verdict; among equals the `preferred` one (the
/// last shown), else the first in the list. Instances never checked count as unknown.
pub fn worst<'a>(
    instances: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    preferred: Option<&str>,
) -> Option<String> {
    let mut best: Option<(u8, bool, &str)> = None;
    for (id, verdict) in instances {
        let key = (rank(verdict.unwrap_or("unknown")), Some(id) == preferred);
        if best.is_none_or(|(r, p, _)| key > (r, p)) {
            best = Some((key.0, key.1, id));
        }
    }
    best.map(|(_, _, id)| id.to_string())
}

/// History points as one-check buckets.
pub fn buckets_of(points: &[HistoryPoint]) -> Vec<Bucket> {
    points
        .iter()
        .map(|p| Bucket {
            t: p.t,
            verdict: p.verdict.clone(),
            checks: 1,
            healthy: u32::from(p.verdict == "healthy"),
            reason: p.reason.clone(),
        })
        .collect()
}

/// One slot of the status strip.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Slot start (epoch ms).
    pub start: i64,
    /// Slot end (epoch ms, exclusive).
    pub end: i64,
    /// The worst verdict checked in the slot; `None` when nothing was checked.
    pub verdict: Option<String>,
    /// Checks in the slot.
    pub checks: u32,
    /// The reason of the worst check, when known.
    pub reason: Option<String>,
}

/// `slots` equal slots covering `[now - span_ms, now)`, each with the worst verdict of
/// the buckets in it (buckets outside the span are ignored).
pub fn segments(buckets: &[Bucket], now: i64, span_ms: i64, slots: usize) -> Vec<Segment> {
    let slots = slots.max(1);
    let width = (span_ms / slots as i64).max(1);
    let start = now - width * slots as i64;
    let mut out: Vec<Segment> = (0..slots)
        .map(|i| Segment {
            start: start + width * i as i64,
            end: start + width * (i as i64 + 1),
            verdict: None,
            checks: 0,
            reason: None,
        })
        .collect();
    for b in buckets {
        if b.t < start || b.t >= now {
            continue;
        }
        let slot = &mut out[((b.t - start) / width) as usize];
        slot.checks += b.checks;
        let (new, old) = (rank(&b.verdict), slot.verdict.as_deref().map(rank));
        if old.is_none_or(|old| new > old) {
            slot.verdict = Some(b.verdict.clone());
            slot.reason = b.reason.clone();
        } else if old == Some(new) && b.reason.is_some() {
            slot.reason = b.reason.clone();
        }
    }
    out
}

/// What the checks since `since` say about uptime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Uptime {
    /// No checks in the span.
    NoChecks,
    /// The share of healthy checks as a percentage, of `checks`.
    Share {
        /// Percentage of healthy checks.
        percent: f64,
        /// How many checks.
        checks: u32,
    },
    /// Every check reached MSR but none read the cluster status (an account that is not an
    /// MSR admin, or no credentials): no check could judge health, so a share of healthy
    /// checks (0 %) would only alarm.
    ReachableOnly {
        /// How many checks.
        checks: u32,
    },
}

impl Uptime {
    /// The strip's caption: `99.3 % healthy · 12 checks`, `reachable · 2 checks`.
    pub fn caption(self) -> String {
        match self {
            Uptime::NoChecks => "no checks yet".to_string(),
            Uptime::Share {
                percent: p,
                checks: n,
            } => format!("{} healthy · {}", percent(p), checks_text(n)),
            Uptime::ReachableOnly { checks: n } => format!("reachable · {}", checks_text(n)),
        }
    }

    /// The same for screen readers and the caption's tooltip, in a sentence.
    pub fn sentence(self) -> String {
        match self {
            Uptime::NoChecks => "no checks yet".to_string(),
            Uptime::Share {
                percent: p,
                checks: n,
            } => {
                format!("{} of {n} checks healthy", percent(p))
            }
            Uptime::ReachableOnly { checks: n } => format!(
                "MSR answered every check ({}); health not judged: cluster status was not checked (it needs an MSR admin)",
                checks_text(n)
            ),
        }
    }
}

/// `1 check`, `12 checks`.
fn checks_text(n: u32) -> String {
    format!("{n} {}", if n == 1 { "check" } else { "checks" })
}

/// The share of healthy checks since `since` (see [`Uptime`]).
pub fn uptime(buckets: &[Bucket], since: i64) -> Uptime {
    let recent = || buckets.iter().filter(|b| b.t >= since);
    let (checks, healthy) = recent().fold((0u32, 0u32), |(c, h), b| {
        (c.saturating_add(b.checks), h.saturating_add(b.healthy))
    });
    if checks == 0 {
        Uptime::NoChecks
    } else if healthy == 0 && recent().all(|b| b.verdict == "reachable") {
        // A bucket's verdict is the worst of its checks, and only `healthy` ranks below
        // `reachable`: with no healthy check, every check was `reachable`.
        Uptime::ReachableOnly { checks }
    } else {
        Uptime::Share {
            percent: f64::from(healthy) * 100.0 / f64::from(checks),
            checks,
        }
    }
}

/// `99.3 %`.
pub fn percent(value: f64) -> String {
    format!("{} %", rate(Some(value)))
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];

/// Local wall-clock time `HH:MM` (with the weekday when `weekday`) of an epoch-ms time,
/// `offset_min` minutes east of UTC.
pub fn clock(t_ms: i64, offset_min: i64, weekday: bool) -> String {
    let minutes = t_ms.div_euclid(60_000) + offset_min;
    let (day, minute) = (minutes.div_euclid(1440), minutes.rem_euclid(1440));
    let time = format!("{:02}:{:02}", minute / 60, minute % 60);
    if weekday {
        format!("{} {time}", DAYS[day.rem_euclid(7) as usize])
    } else {
        time
    }
}

/// The hover text of a segment: `13:00–13:30 · degraded · 1 replica unhealthy`.
pub fn segment_title(seg: &Segment, offset_min: i64, weekday: bool) -> String {
    let when = format!(
        "{}–{}",
        clock(seg.start, offset_min, weekday),
        clock(
            seg.end,
            offset_min,
            weekday && seg.end - seg.start >= 86_400_000
        )
    );
    match &seg.verdict {
        None => format!("{when} · not checked"),
        Some(v) => {
            let mut text = format!(
                "{when} · {} · {}",
                crate::format::verdict_word(v).to_lowercase(),
                count(seg.checks as usize, "check", "checks")
            );
            if let Some(reason) = seg.reason.as_deref().filter(|r| !r.is_empty()) {
                text.push_str(" · ");
                text.push_str(reason);
            }
            text
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{IssueView, Known, PingView, Problem, ReplicaView};

    fn problem(area: &str, kind: &str, message: &str) -> Problem {
        Problem {
            area: area.into(),
            kind: kind.into(),
            message: message.into(),
        }
    }

    #[test]
    fn trust_note_says_why_no_events_are_shown() {
        let mut s = Snapshot::default();
        s.trust.read = true;
        assert_eq!(trust_note(&s), None);
        // Read before, trust still loading: the previous events stay.
        s.pending_trust = true;
        assert_eq!(trust_note(&s), None);
        s.trust.read = false;
        assert_eq!(
            trust_note(&s).as_deref(),
            Some("reading the trust audit log…")
        );
        s.pending_trust = false;
        assert_eq!(trust_note(&s).as_deref(), Some("not available"));
        s.problems = vec![problem("connection", "unreachable", "could not reach x: y")];
        assert_eq!(
            trust_note(&s).as_deref(),
            Some("not read: MSR could not be reached (see the problem above)")
        );
        s.problems.push(problem(
            "trust",
            "wrongPassword",
            "wrong user name or password",
        ));
        assert_eq!(
            trust_note(&s).as_deref(),
            Some("wrong user name or password")
        );
        s.problems = vec![problem("config", "config", "the MSR address is not valid")];
        assert_eq!(
            trust_note(&s).as_deref(),
            Some("not read: the settings cannot be used (see the problem above)")
        );
        // The cluster status said MSR refused the credentials (the trust feed's same
        // refusal is not listed twice).
        s.problems = vec![problem(
            "cluster",
            "wrongPassword",
            "MSR did not accept the user name",
        )];
        assert_eq!(
            trust_note(&s).as_deref(),
            Some("not read: MSR did not accept the credentials (see the problem above)")
        );
    }

    fn replica(healthy: bool, read_only: bool) -> ReplicaView {
        ReplicaView {
            ok: healthy && !read_only,
            healthy,
            read_only,
            ..ReplicaView::default()
        }
    }

    #[test]
    fn summary_puts_critical_issues_first_and_says_unknown_for_what_was_not_read() {
        let s = Snapshot {
            verdict: "degraded".into(),
            cluster_read: true,
            replicas: vec![
                replica(true, false),
                replica(false, false),
                replica(true, true),
            ],
            issues: vec![
                IssueView {
                    critical: false,
                    ..IssueView::default()
                },
                IssueView {
                    critical: true,
                    ..IssueView::default()
                },
            ],
            ..Snapshot::default()
        };
        assert_eq!(
            summary(&s),
            [
                "1 critical issue",
                "1 replica unhealthy",
                "1 replica read-only",
                "1 minor issue"
            ]
        );
        let down = Snapshot {
            verdict: "down".into(),
            pings: vec![PingView {
                state: "unknown".into(),
                ..PingView::default()
            }],
            problems: vec![Problem {
                area: "connection".into(),
                kind: "unreachable".into(),
                message: String::new(),
            }],
            ..Snapshot::default()
        };
        assert_eq!(summary(&down), ["not reachable"]);
        let wrong = Snapshot {
            verdict: "unknown".into(),
            pings: vec![PingView {
                state: "healthy".into(),
                ..PingView::default()
            }],
            problems: vec![Problem {
                area: "cluster".into(),
                kind: "wrongPassword".into(),
                message: String::new(),
            }],
            ..Snapshot::default()
        };
        assert_eq!(summary(&wrong), ["cluster status unknown (cannot sign in)"]);
        let refused = Snapshot {
            reasons: vec![crate::model::ReasonView {
                code: Known::Known(ReasonCode::SignInFailed),
                ..crate::model::ReasonView::default()
            }],
            ..wrong
        };
        assert_eq!(state_of(&refused), "signIn");
        assert_eq!(summary(&refused), ["cannot sign in"]);
        let partial = Snapshot {
            verdict: "reachable".into(),
            problems: vec![Problem {
                area: "cluster".into(),
                kind: "notAdmin".into(),
                message: String::new(),
            }],
            ..Snapshot::default()
        };
        assert_eq!(state_of(&partial), "reachable");
        assert_eq!(
            summary(&partial),
            ["cluster status not checked (not an admin)"]
        );
        let fine = Snapshot {
            verdict: "healthy".into(),
            cluster_read: true,
            replicas: vec![replica(true, false), replica(true, false)],
            ..Snapshot::default()
        };
        assert_eq!(summary(&fine), ["all 2 replicas OK"]);
    }

    fn reason(severity: &str, code: &str, subject: Option<&str>, message: &str) -> ReasonView {
        ReasonView {
            severity: Known::parse(severity),
            code: Known::parse(code),
            subject: subject.map(String::from),
            message: message.into(),
        }
    }

    #[test]
    fn reasons_shown_nowhere_else_reach_the_summary_in_a_few_words() {
        let s = Snapshot {
            verdict: "degraded".into(),
            cluster_read: true,
            replicas: vec![replica(true, false)],
            reasons: vec![
                reason(
                    "info",
                    "tablesReplicasNotReady",
                    Some("dtr.a, dtr.b"),
                    "2 table(s) have replicas that are not ready: dtr.a, dtr.b",
                ),
                reason("degraded", "replicaUnhealthy", None, "covered"),
                reason("info", "gcRunning", None, "covered"),
                reason(
                    "degraded",
                    "workerDead",
                    Some("w1"),
                    "worker w1 is dead: its heartbeat expired 10 minutes ago and nothing took its jobs over",
                ),
                reason(
                    "degraded",
                    "nginxDropping",
                    Some("nginx"),
                    "nginx dropped 3 connection(s) in the last 60 s",
                ),
            ],
            ..Snapshot::default()
        };
        assert_eq!(other_reasons(&s).len(), 2);
        assert_eq!(
            summary(&s),
            [
                "nginx dropped 3 connection(s) in the last 60 s",
                "1 worker dead",
                "2 tables not ready"
            ]
        );
    }

    #[test]
    fn job_runner_sentences_are_the_sections_and_the_banner_counts_them() {
        let s = Snapshot {
            verdict: "degraded".into(),
            cluster_read: true,
            replicas: vec![replica(true, false)],
            reasons: vec![
                reason(
                    "info",
                    "cronOverdue",
                    Some("gc"),
                    "cron gc was due 2 h ago and has not run",
                ),
                reason(
                    "degraded",
                    "workerDead",
                    Some("w1"),
                    "job runner worker w1 is dead: jobs are not run there",
                ),
                reason(
                    "degraded",
                    "workerDead",
                    Some("w2"),
                    "job runner worker w2 is dead: jobs are not run there",
                ),
                reason(
                    "degraded",
                    "workerHeartbeatExpired",
                    Some("w3"),
                    "job runner worker w3 missed its heartbeat: it expired 10 min ago",
                ),
                reason(
                    "degraded",
                    "jobsFailing",
                    Some("jobs"),
                    "4 job(s) failed in the last 1 h: 4 scan (error)",
                ),
                reason(
                    "degraded",
                    "jobWaiting",
                    Some("j1"),
                    "the oldest waiting job (scan) has waited 30 min for a worker",
                ),
                reason(
                    "degraded",
                    "nginxDropping",
                    Some("nginx"),
                    "nginx dropped 3 connection(s) in the last 60 s",
                ),
            ],
            job_runner: Some(crate::model::JobRunnerView {
                failed_count: 4,
                oldest_waiting: Some(msr_lens_core::health::admin::WaitingJob {
                    id: "j1".into(),
                    action: "scan".into(),
                    scheduled_at: msr_lens_core::Timestamp::from_millis(0),
                    age_secs: 1800,
                    age_is_lower_bound: false,
                }),
                ..Default::default()
            }),
            ..Snapshot::default()
        };
        let codes = |v: Vec<&ReasonView>| v.iter().map(|r| r.code.text()).collect::<Vec<_>>();
        assert_eq!(codes(other_reasons(&s)), ["nginxDropping"]);
        assert_eq!(
            codes(job_runner_reasons(&s)),
            [
                "workerDead",
                "workerDead",
                "workerHeartbeatExpired",
                "jobsFailing",
                "jobWaiting",
                "cronOverdue"
            ]
        );
        assert_eq!(
            summary(&s),
            [
                "nginx dropped 3 connection(s) in the last 60 s",
                "2 workers dead",
                "1 worker heartbeat expired",
                "4 jobs failed",
                "a job waiting 30 min",
                "1 cron overdue"
            ]
        );
        // Older jobs beyond the list MSR gave may be waiting longer.
        let mut at_least = s.clone();
        if let Some(w) = at_least
            .job_runner
            .as_mut()
            .and_then(|j| j.oldest_waiting.as_mut())
        {
            w.age_is_lower_bound = true;
        }
        assert!(summary(&at_least).contains(&"a job waiting at least 30 min".to_string()));
        // A job waiting within the limit is only the section's figure.
        let short_wait = Snapshot {
            reasons: vec![reason(
                "info",
                "jobWaiting",
                Some("j1"),
                "the oldest waiting job (scan) has waited 2 min for a worker",
            )],
            ..Snapshot::default()
        };
        assert!(job_runner_reasons(&short_wait).is_empty());
        assert!(other_reasons(&short_wait).is_empty());
    }

    #[test]
    fn an_unreachable_msr_is_not_also_said_to_hide_its_settings() {
        let mut s = Snapshot {
            verdict: "down".into(),
            reasons: vec![
                reason("down", "allReplicasDown", None, "covered"),
                reason(
                    "unknown",
                    "settingsUnavailable",
                    None,
                    "replicas could not be discovered: no answer",
                ),
            ],
            ..Snapshot::default()
        };
        assert!(other_reasons(&s).is_empty());
        // Nothing reached it (a closed port, a TLS failure): the same.
        s.reasons[0] = reason("unknown", "inconclusive", None, "covered");
        assert!(other_reasons(&s).is_empty());
        // An MSR that answers but whose settings could not be read: said.
        s.reasons.remove(0);
        assert_eq!(other_reasons(&s).len(), 1);
    }

    #[test]
    fn the_worst_instance_wins_and_ties_keep_the_preferred_one() {
        let list = [
            ("a", Some("healthy")),
            ("b", Some("degraded")),
            ("c", Some("degraded")),
        ];
        assert_eq!(worst(list, None).as_deref(), Some("b"));
        assert_eq!(worst(list, Some("c")).as_deref(), Some("c"));
        assert_eq!(worst(list, Some("a")).as_deref(), Some("b"));
        assert_eq!(
            worst([("a", Some("healthy")), ("b", None)], None).as_deref(),
            Some("b")
        );
        assert_eq!(
            worst(
                [
                    ("a", Some("unknown")),
                    ("b", Some("signIn")),
                    ("c", Some("reachable"))
                ],
                None
            )
            .as_deref(),
            Some("b")
        );
        assert_eq!(worst([], None), None);
    }

    fn point(t: i64, verdict: &str, reason: Option<&str>) -> HistoryPoint {
        HistoryPoint {
            t,
            verdict: verdict.into(),
            reason: reason.map(String::from),
            ..HistoryPoint::default()
        }
    }

    #[test]
    fn segments_take_the_worst_check_of_each_slot_and_uptime_counts_checks() {
        let now = 1_000_000;
        let history = [
            point(now - 2_000_000, "down", None), // outside the span
            point(now - 1_000_000, "healthy", None),
            point(now - 900_000, "degraded", Some("1 replica unhealthy")),
            point(now - 850_000, "healthy", None),
            point(now - 10, "healthy", None),
            point(now, "down", None), // not before now
        ];
        let buckets = buckets_of(&history);
        let segs = segments(&buckets, now, 1_000_000, 4);
        assert_eq!(segs.len(), 4);
        assert_eq!(segs[0].start, 0);
        assert_eq!(segs[0].verdict.as_deref(), Some("degraded"));
        assert_eq!(segs[0].checks, 3);
        assert_eq!(segs[0].reason.as_deref(), Some("1 replica unhealthy"));
        assert_eq!(segs[1].verdict, None);
        assert_eq!(segs[3].verdict.as_deref(), Some("healthy"));
        let Uptime::Share {
            percent: share,
            checks,
        } = uptime(&buckets, now - 1_000_000)
        else {
            panic!("a share of healthy checks")
        };
        assert_eq!(checks, 5);
        assert_eq!(percent(share), "60.0 %");
        assert_eq!(uptime(&buckets, now + 1), Uptime::NoChecks);
    }

    #[test]
    fn uptime_of_checks_that_never_read_the_cluster_status_is_not_a_zero_share() {
        let now = 1_000_000;
        let bucket = |t, verdict: &str, checks, healthy| Bucket {
            t,
            verdict: verdict.into(),
            checks,
            healthy,
            reason: None,
        };
        // A non-admin account: every check "reachable".
        let reachable = [
            bucket(now - 10, "reachable", 3, 0),
            bucket(now - 5, "reachable", 1, 0),
        ];
        let up = uptime(&reachable, 0);
        assert_eq!(up, Uptime::ReachableOnly { checks: 4 });
        assert_eq!(up.caption(), "reachable · 4 checks");
        assert!(
            up.sentence()
                .starts_with("MSR answered every check (4 checks); health not judged"),
            "{}",
            up.sentence()
        );
        assert_eq!(uptime(&reachable[..1], 0).caption(), "reachable · 3 checks");
        // Healthy checks among them (an hour whose worst check was reachable), or a worse
        // hour: a share, as before.
        let mixed = [
            bucket(now - 10, "reachable", 4, 3),
            bucket(now - 5, "reachable", 1, 0),
        ];
        assert_eq!(uptime(&mixed, 0).caption(), "60.0 % healthy · 5 checks");
        let worse = [
            bucket(now - 10, "reachable", 4, 0),
            bucket(now - 5, "down", 1, 0),
        ];
        assert_eq!(uptime(&worse, 0).caption(), "0.0 % healthy · 5 checks");
        let unknown = [bucket(now - 10, "unknown", 1, 0)];
        assert_eq!(uptime(&unknown, 0).caption(), "0.0 % healthy · 1 check");
        assert_eq!(uptime(&[], 0).caption(), "no checks yet");
    }

    #[test]
    fn clock_and_titles() {
        // 1970-01-01 was a Thursday; 25 h 30 min later, UTC+1, is Friday 02:30.
        assert_eq!(clock(91_800_000, 60, true), "Fri 02:30");
        assert_eq!(clock(-60_000, 0, false), "23:59");
        let seg = Segment {
            start: 0,
            end: 1_800_000,
            verdict: Some("degraded".into()),
            checks: 2,
            reason: Some("1 replica unhealthy".into()),
        };
        assert_eq!(
            segment_title(&seg, 0, false),
            "00:00–00:30 · degraded · 2 checks · 1 replica unhealthy"
        );
        let empty = Segment {
            verdict: None,
            ..seg
        };
        assert_eq!(segment_title(&empty, 0, false), "00:00–00:30 · not checked");
    }
}
