//! `msr-lens status`: one MSR instance's health and latest trust events in a terminal.
//!
//! ```sh
//! MSR_LENS_SECRET=<access token> cargo run -p msr-lens-transport --example status -- \
//!     --origin https://msr.example.org --user admin --token \
//!     [--ca ca.pem] [--replica https://replica1.example.org ...] [--events 10] [--repo ns/repo]
//! ```
//!
//! The secret is read from `MSR_LENS_SECRET` (never from the command line, where other users
//! of the machine could read it); `--token` says it is an access token, else a password.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The command itself (native only: it uses the blocking client).
#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::process::ExitCode;

    use msr_lens_core::Origin;
    use msr_lens_core::auth::Credentials;
    use msr_lens_core::changefeed::{Event, Feed, Gun, Mode, PagerConfig};
    use msr_lens_core::health::{PingVerdict, ReplicaCondition};
    use msr_lens_transport::native::{ClientConfig, MsrClient};

    struct Args {
        origin: Option<String>,
        user: Option<String>,
        token: bool,
        ca: Option<String>,
        replicas: Vec<String>,
        events: u32,
        repo: Option<String>,
    }

    fn parse_args() -> Result<Args, String> {
        let mut args = Args {
            origin: None,
            user: None,
            token: false,
            ca: None,
            replicas: Vec::new(),
            events: 10,
            repo: None,
        };
        let mut it = std::env::args().skip(1);
        while let Some(arg) = it.next() {
            let mut value = || it.next().ok_or(format!("{arg} needs a value"));
            match arg.as_str() {
                "--origin" => args.origin = Some(value()?),
                "--user" => args.user = Some(value()?),
                "--token" => args.token = true,
                "--ca" => args.ca = Some(value()?),
                "--replica" => args.replicas.push(value()?),
                "--events" => {
                    args.events = value()?.parse().map_err(|_| "--events takes a number")?
                }
                "--repo" => args.repo = Some(value()?),
                other => return Err(format!("unknown argument {other}")),
            }
        }
        Ok(args)
    }

    pub fn main() -> ExitCode {
        match run() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("msr-lens status: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn run() -> Result<(), String> {
        let args = parse_args()?;
        let origin = Origin::parse(args.origin.as_deref().ok_or("--origin is required")?)
            .map_err(|e| e.to_string())?;
        let mut config = ClientConfig::new(origin.clone());
        for (i, replica) in args.replicas.iter().enumerate() {
            let replica = Origin::parse(replica).map_err(|e| format!("--replica: {e}"))?;
            config.replicas.push((
                format!("replica {} ({})", i + 1, replica.authority()),
                replica,
            ));
        }
        if let Some(user) = &args.user {
            let secret = std::env::var("MSR_LENS_SECRET")
                .map_err(|_| "set MSR_LENS_SECRET to the password or access token")?;
            config.credentials = Some(if args.token {
                Credentials::access_token(user, secret)
            } else {
                Credentials::password(user, secret)
            });
        }
        if let Some(ca) = &args.ca {
            config.http.ca_pem = Some(std::fs::read(ca).map_err(|e| format!("--ca {ca}: {e}"))?);
        }
        let client = MsrClient::new(config).map_err(|e| e.to_string())?;

        let report = client.health();
        println!("MSR {origin}: {:?}", report.verdict);
        for reason in &report.reasons {
            println!("  - {}", reason.message);
        }
        for ping in &report.pings {
            let state = match &ping.verdict {
                PingVerdict::Healthy => "healthy".to_string(),
                PingVerdict::Unhealthy { reason } => format!("UNHEALTHY: {reason}"),
                PingVerdict::Unknown { why, .. } => format!("unknown: {}", why.describe()),
            };
            println!("  /_ping {:<32} {state}", ping.label);
        }
        for replica in &report.replicas {
            let conditions: Vec<String> = replica
                .conditions
                .iter()
                .map(|c| match c {
                    ReplicaCondition::Ok => "ok".into(),
                    ReplicaCondition::Unhealthy { reason } => format!("unhealthy: {reason}"),
                    ReplicaCondition::HealthUnknown => "health unknown".into(),
                    ReplicaCondition::Stale { age_secs, .. } => format!("stale ({age_secs} s)"),
                    ReplicaCondition::TimestampUnknown { raw } => format!("no timestamp: {raw}"),
                    ReplicaCondition::ReadOnly => "read-only".into(),
                })
                .collect();
            println!("  replica {}  {}", replica.id, conditions.join(", "));
        }
        for issue in &report.issues {
            let mark = if issue.critical { "CRITICAL" } else { "issue" };
            println!(
                "  {mark}: {}",
                issue.description.as_deref().unwrap_or("(no description)")
            );
        }
        if report.gc_running {
            println!("  garbage collection is running");
        }
        if let Some(nginx) = &report.nginx {
            println!(
                "  nginx: {} active connections, {} requests since start, {} dropped",
                nginx.active,
                nginx.requests,
                nginx.dropped()
            );
        }

        let feed = match &args.repo {
            Some(repo) => Feed::Repository(
                Gun::new(format!("{}/{repo}", origin.authority())).map_err(|e| e.to_string())?,
            ),
            None => Feed::Global,
        };
        println!("\nLatest trust events ({}):", feed.path());
        let config = PagerConfig {
            page_size: args.events.max(1),
            ..PagerConfig::default()
        };
        let mut stream = client.changefeed(feed, Mode::NewestFirst, config);
        while let Some(event) = stream.next_event() {
            match event {
                Event::Records { records, .. } => {
                    for r in records.iter().rev() {
                        let when = r
                            .created_at
                            .map(|t| t.to_string())
                            .unwrap_or(r.created_at_raw.clone());
                        println!(
                            "  {when}  {:<8} {} v{}",
                            r.category.as_str(),
                            r.gun,
                            r.version
                        );
                    }
                    break;
                }
                Event::NoAccess { message, .. } => {
                    println!("  no access: {message}");
                    break;
                }
                Event::Error { error, .. } => {
                    println!("  error ({}): {error}", error.kind_str());
                    break;
                }
                Event::ReachedStart | Event::CaughtUp => {
                    println!("  (no records)");
                    break;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
