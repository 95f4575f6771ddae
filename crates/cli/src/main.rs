//! `msr-lens`: Mirantis Secure Registry health, the notary trust audit log and token grants
//! on the command line, and a Prometheus exporter for a whole team.
//!
//! Everything MSR-specific lives in `msr-lens-core`; requests go through the native
//! transport of `msr-lens-transport`. See `msr-lens --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod audit;
mod config;
mod exporter;
mod grants;
mod health;
mod text;

use config::{ConfigError, InstanceConfig};

/// Exit code of a usage error (BSD `EX_USAGE`), kept apart from the health codes.
const EXIT_USAGE: u8 = 64;
/// Exit code of a configuration error (BSD `EX_CONFIG`).
const EXIT_CONFIG: u8 = 78;

const AFTER_HELP: &str = "\
Secrets never go on the command line: set MSR_LENS_SECRET (an MSR access token, or a
password with --secret-kind password), or name a `secret_file` (mode 0600) in --config.

Examples:
  export MSR_LENS_SECRET=<access token>
  msr-lens --url https://msr.example.org --user admin --ca-file ca.pem health
  msr-lens --config msr-lens.toml --instance prod audit --since 7d --category deletion
  msr-lens --config msr-lens.toml audit --repo library/nginx --format csv > nginx.csv
  msr-lens --config msr-lens.toml audit --follow --format ndjson
  msr-lens --config msr-lens.toml grants library/nginx security/scanner
  msr-lens exporter --config msr-lens.toml --listen 127.0.0.1:9712

Exit codes: health: 0 healthy, 1 degraded, 2 down, 3 unknown (also: reachable but not
fully checked); other commands: 0 done, 1 failed (network, sign-in, no access).
64 usage error, 78 configuration error.";

/// MSR Lens on the command line.
#[derive(Debug, Parser)]
#[command(name = "msr-lens", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Which MSR and how to reach it.
#[derive(Debug, Args)]
struct Global {
    /// The config file (TOML, the exporter's format).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Which `[[instance]]` of the config file (default: the only or first one).
    #[arg(long, global = true, value_name = "NAME")]
    instance: Option<String>,
    /// The MSR URL (overrides the config file).
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,
    /// The user name; the secret comes from MSR_LENS_SECRET or `secret_file`.
    #[arg(long, global = true, value_name = "NAME")]
    user: Option<String>,
    /// Whether the secret is an access token (default) or a password.
    #[arg(long, global = true, value_name = "token|password")]
    secret_kind: Option<String>,
    /// PEM file of the CA that signed MSR's certificate.
    #[arg(long, global = true, value_name = "FILE")]
    ca_file: Option<PathBuf>,
    /// A replica origin to ping as well (repeatable).
    #[arg(long = "replica", global = true, value_name = "URL")]
    replicas: Vec<String>,
    /// Whole-request timeout, e.g. 15s.
    #[arg(long, global = true, value_name = "DURATION")]
    timeout: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The health verdict with its reasons, replicas, nginx and issues.
    Health(health::HealthArgs),
    /// The notary trust audit log (the changefeed), newest first unless --oldest-first.
    Audit(audit::AuditArgs),
    /// What these credentials may see: the token grants for the global feed and repositories.
    Grants(grants::GrantsArgs),
    /// Serve Prometheus metrics for every instance of the config file.
    Exporter(exporter::ExporterArgs),
}

impl Global {
    /// The instance the command talks to: the config file's (picked by --instance) with
    /// the command-line options on top.
    fn instance(&self) -> Result<config::Instance, ConfigError> {
        let mut chosen = InstanceConfig::default();
        if let Some(path) = &self.config {
            let file = config::load_file(path)?;
            chosen = match &self.instance {
                Some(name) => file
                    .instances
                    .iter()
                    .find(|i| config::name_of(i).as_deref() == Some(name.as_str()))
                    .cloned()
                    .ok_or_else(|| {
                        ConfigError(format!("no instance named {name:?} in {}", path.display()))
                    })?,
                None => file.instances.first().cloned().unwrap_or_default(),
            };
        } else if self.instance.is_some() {
            return Err(ConfigError("--instance needs --config".into()));
        }
        if let Some(url) = &self.url {
            chosen.url = Some(url.clone());
        }
        if let Some(user) = &self.user {
            chosen.user = Some(user.clone());
        }
        if let Some(kind) = &self.secret_kind {
            chosen.secret_kind = Some(kind.clone());
        }
        if let Some(ca) = &self.ca_file {
            chosen.ca_file = Some(ca.clone());
        }
        if !self.replicas.is_empty() {
            chosen.replicas = self.replicas.clone();
        }
        if let Some(timeout) = &self.timeout {
            chosen.timeout = Some(timeout.clone());
        }
        config::resolve(&chosen)
    }
}

/// Why a command could not start: a configuration problem (exit code 78). Failures of the
/// work itself are exit codes.
type Failure = ConfigError;

/// The exit code of a command that could not do its work.
const EXIT_FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(EXIT_USAGE)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let result = match &cli.command {
        Command::Health(args) => cli
            .global
            .instance()
            .and_then(|instance| health::run(&instance, args)),
        Command::Audit(args) => cli
            .global
            .instance()
            .and_then(|instance| audit::run(&instance, args)),
        Command::Grants(args) => cli
            .global
            .instance()
            .and_then(|instance| grants::run(&instance, args)),
        Command::Exporter(args) => exporter::run(&cli.global, args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("msr-lens: {error}");
            ExitCode::from(EXIT_CONFIG)
        }
    }
}
