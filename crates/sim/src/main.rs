//! `msr-sim --config <sim.json>`: the local MSR stand-in. See the crate README.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

fn usage() -> ExitCode {
    eprintln!("usage: msr-sim --config <path/to/sim.json>");
    ExitCode::from(2)
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let mut config_path: Option<PathBuf> = None;
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--config") => config_path = args.next().map(PathBuf::from),
            Some(s) if s.starts_with("--config=") => {
                config_path = s.strip_prefix("--config=").map(PathBuf::from);
            }
            Some("-h" | "--help") => {
                println!("usage: msr-sim --config <path/to/sim.json>");
                return ExitCode::SUCCESS;
            }
            _ => return usage(),
        }
    }
    let Some(config_path) = config_path else {
        return usage();
    };
    let config = match msr_lens_sim::Config::from_file(&config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("msr-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim = match msr_lens_sim::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("msr-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "msr-sim: replicas {} token alg {:?}",
        sim.state.cluster.replica_ids.join(","),
        sim.state.signer.algorithm()
    );
    let mut stdout = std::io::stdout();
    let _ = writeln!(
        stdout,
        "msr-sim ready public={} admin={}",
        sim.public_addr, sim.admin_addr
    );
    let _ = stdout.flush();
    tokio::select! {
        () = sim.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
        () = terminate() => {}
    }
    ExitCode::SUCCESS
}

async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}
