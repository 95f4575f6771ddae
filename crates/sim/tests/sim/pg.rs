//! A private, throw-away PostgreSQL 15 cluster with notary's schema (the one
//! `cargo xtask stack up` applies), for the late-record tests. Started as the `postgres`
//! user when the tests run as root (initdb refuses root); stopped and removed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

const PG_BIN: &str = "/usr/lib/postgresql/15/bin";
const SCHEMA: &str = include_str!("../../../xtask/assets/notary-schema.sql");

pub(crate) struct Postgres {
    dir: PathBuf,
    pub(crate) port: u16,
    as_root: bool,
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn pg_command(as_root: bool, program: &str) -> Command {
    let path = format!("{PG_BIN}/{program}");
    if as_root {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--", &path]);
        cmd
    } else {
        Command::new(path)
    }
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

fn db_error(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{e}: {}", db.message()),
        None => e.to_string(),
    }
}

impl Postgres {
    /// `Ok(None)` when PostgreSQL 15 is not installed (the caller skips).
    pub(crate) async fn start(tag: &str) -> Result<Option<Postgres>, String> {
        if !Path::new(PG_BIN).join("initdb").exists() {
            return Ok(None);
        }
        let as_root = is_root();
        let dir = std::env::temp_dir().join(format!("msr-sim-pg-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("run")).map_err(|e| e.to_string())?;
        if as_root {
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir))?;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let pg = Postgres { dir, port, as_root };
        run(pg_command(as_root, "initdb")
            .arg("-D")
            .arg(pg.dir.join("data"))
            .args(["-U", "postgres", "-A", "trust", "-E", "UTF8"])
            .args(["--locale=C.UTF-8", "--no-instructions", "--no-sync"]))?;
        let opts = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c timezone=UTC -c fsync=off",
            pg.dir.join("run").display()
        );
        run(pg_command(as_root, "pg_ctl")
            .args(["start", "-w", "-t", "60", "-D"])
            .arg(pg.dir.join("data"))
            .arg("-l")
            .arg(pg.dir.join("postgres.log"))
            .args(["-o", &opts]))?;
        let admin = pg.connect("postgres", "postgres").await?;
        // One statement each: CREATE DATABASE cannot run in a (multi-statement) transaction.
        for sql in [
            "CREATE ROLE server LOGIN",
            "CREATE DATABASE notaryserver OWNER server",
        ] {
            admin.batch_execute(sql).await.map_err(db_error)?;
        }
        pg.connect("server", "notaryserver")
            .await?
            .batch_execute(SCHEMA)
            .await
            .map_err(db_error)?;
        Ok(Some(pg))
    }

    /// The `tokio-postgres` connection string of notary's database.
    pub(crate) fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=server dbname=notaryserver",
            self.port
        )
    }

    /// notary-server's `db_url`.
    pub(crate) fn notary_db_url(&self) -> String {
        format!(
            "postgres://server@127.0.0.1:{}/notaryserver?sslmode=disable",
            self.port
        )
    }

    pub(crate) async fn connect(
        &self,
        user: &str,
        db: &str,
    ) -> Result<tokio_postgres::Client, String> {
        let (client, connection) = tokio_postgres::connect(
            &format!("host=127.0.0.1 port={} user={user} dbname={db}", self.port),
            tokio_postgres::NoTls,
        )
        .await
        .map_err(db_error)?;
        tokio::spawn(connection);
        Ok(client)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = pg_command(self.as_root, "pg_ctl")
            .args(["stop", "-w", "-m", "immediate", "-D"])
            .arg(self.dir.join("data"))
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
