//! # msr-lens-sim
//!
//! A local stand-in for Mirantis Secure Registry (MSR 2.9 / 3.x) that the MSR Lens
//! stack, tests, demo and benchmarks run against. It provides what MSR adds in front of
//! notary-server, faithful to `shared/reference/msr-api.md`:
//!
//! - `GET /auth/token`: the Docker registry token service with per-user grants, JWTs
//!   signed ES256/RS256 with an `x5c` header that the real notary-server accepts;
//! - `GET /_ping` per replica and `GET /api/v0/meta/cluster_status` (admin only) for a
//!   cluster of N replicas;
//! - the other admin endpoints: `/api/v0/meta/settings` (replica addresses),
//!   `/api/v0/workers`, `/api/v0/jobs`, `/api/v0/crons` and MSR 3.1's
//!   `/api/v0/admin/metrics` (Prometheus text);
//! - `GET /ca`, a 404 for `/api/v2.0/ping` (MSR 2/3 is not Harbor);
//! - `/v2/*` passed through to notary-server, or, in RethinkDB mode, the changefeed served
//!   from notary's PostgreSQL table with UUID ids and a blackout (msr-api.md §6);
//! - scenario and fault control, late changefeed records (out-of-order commits, skewed
//!   clocks), ground truth and a request log on a separate loopback-only admin port (see
//!   the README).
//!
//! Start it in-process with [`start`] or as the `msr-sim --config sim.json` binary.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize};

use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub mod admin;
pub mod app;
pub mod cluster;
pub mod config;
pub mod late;
pub mod msr;
pub mod proxy;
pub mod rethink;
pub mod scenario;
pub mod server;
pub mod token;
pub mod util;

pub use config::{Config, ConfigError, UserConfig};
pub use rethink::rethink_id;

/// Errors starting the simulator.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration is invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The token key or certificate is unusable.
    #[error(transparent)]
    Key(#[from] token::KeyError),
    /// A file named in the configuration could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// A running simulator. Dropping it stops accepting new connections.
#[derive(Debug)]
pub struct RunningSim {
    /// The bound public address.
    pub public_addr: SocketAddr,
    /// The bound admin address.
    pub admin_addr: SocketAddr,
    /// The shared state (scenario, faults, ...), for in-process tests.
    pub state: app::Shared,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningSim {
    /// Wait until the listeners stop (they run until the process ends).
    pub async fn wait(mut self) {
        for task in std::mem::take(&mut self.tasks) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

fn read(path: &std::path::Path) -> Result<Vec<u8>, StartError> {
    std::fs::read(path).map_err(|source| StartError::Read {
        path: path.to_owned(),
        source,
    })
}

/// Check the configuration, load keys, bind both listeners and start serving.
pub async fn start(config: Config) -> Result<RunningSim, StartError> {
    config.validate()?;
    let signer =
        token::TokenSigner::from_pem(&read(&config.token_key)?, &read(&config.token_cert)?)?;
    let ca_pem = match &config.ca_cert {
        Some(path) => Some(String::from_utf8_lossy(&read(path)?).into_owned()),
        None => None,
    };
    let upstream = match &config.notary_upstream {
        Some(url) => Some(proxy::Upstream::new(url.parse().map_err(|_| {
            ConfigError::Invalid(format!("notary_upstream {url:?} is not a URL"))
        })?)),
        None => None,
    };
    let cluster = cluster::ClusterIdentity::new(config.replicas, &config.replica_ids, util::now());
    let public = TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let admin = TcpListener::bind(config.admin_listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.admin_listen,
            source,
        })?;
    let local = |l: &TcpListener, addr: SocketAddr| {
        l.local_addr()
            .map_err(|source| StartError::Bind { addr, source })
    };
    let public_addr = local(&public, config.listen)?;
    let admin_addr = local(&admin, config.admin_listen)?;
    let state = Arc::new(app::AppState {
        scenario: std::sync::Mutex::new(scenario::Scenario::healthy(
            config.replicas,
            config.token_ttl_secs,
        )),
        store: rethink::Store::new(config.postgres_url.clone()),
        late: late::Late::new(config.postgres_url.clone()),
        config,
        signer,
        cluster,
        ca_pem,
        faults: std::sync::Mutex::new(scenario::Faults::default()),
        rethink: std::sync::Mutex::new(app::RethinkMode::default()),
        requests: std::sync::Mutex::new(std::collections::VecDeque::new()),
        next_seq: AtomicU64::new(1),
        lb_counter: AtomicUsize::new(0),
        upstream,
    });

    let public_router = app::public_router(state.clone());
    let public_state = state.clone();
    let public_task = server::spawn_accept_loop(public, true, move |_peer, req| {
        server::handle_public(public_state.clone(), public_router.clone(), req)
    });
    let admin_router = admin::admin_router(state.clone());
    let guard = server::AdminGuard {
        port: admin_addr.port(),
        token: state.config.admin_token.clone(),
    };
    let admin_task = server::spawn_accept_loop(admin, false, move |peer, req| {
        server::handle_admin(admin_router.clone(), guard.clone(), peer, req)
    });
    Ok(RunningSim {
        public_addr,
        admin_addr,
        state,
        tasks: vec![public_task, admin_task],
    })
}
