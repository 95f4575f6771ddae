//! `stack load N`: N realistic records straight into notary's `changefeed` table with one
//! SQL statement (crates/xtask/assets/load.sql), then a check that the real notary-server
//! serves them through nginx. [`Dated::BeforeHeld`] puts them under the history a stand-in
//! already has (the demo's, when `stack seed` alone made it).

use std::time::Instant;

use serde_json::Value;

use super::layout::Stack;
use super::{postgres, services};

const LOAD_SQL: &str = include_str!("../../assets/load.sql");

/// When the records `load` adds happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dated {
    /// The newest: over the `days` days up to now, after every record held.
    Newest,
    /// Older than every record held, over the `days` days before the oldest: the records
    /// held (real publishes) stay the newest, in their order, with new IDs after the added
    /// ones (notary's feed is in ID order). One transaction: nothing is lost if it fails.
    BeforeHeld,
}

pub(crate) fn run(stack: &Stack, n: u64, days: u32) -> Result<(), String> {
    run_dated(stack, n, days, Dated::Newest)
}

pub(crate) fn run_dated(stack: &Stack, n: u64, days: u32, dated: Dated) -> Result<(), String> {
    if !postgres::ready(stack) {
        return Err("postgres is not up: run `cargo xtask stack up` first".into());
    }
    let stats = || -> Result<(i64, i64), String> {
        let out = postgres::query(
            stack,
            "SELECT count(*) || ' ' || coalesce(max(id), 0) FROM changefeed;",
        )?;
        let mut it = out.split_whitespace().map(str::parse::<i64>);
        match (it.next(), it.next()) {
            (Some(Ok(count)), Some(Ok(max))) => Ok((count, max)),
            _ => Err(format!("unexpected psql output {out:?}")),
        }
    };
    let (before, max_before) = stats()?;
    // Records dated before those held give those held new IDs after theirs.
    let renumbered = if dated == Dated::BeforeHeld {
        before
    } else {
        0
    };
    if max_before
        .saturating_add(i64::try_from(n).unwrap_or(i64::MAX))
        .saturating_add(renumbered)
        > i64::from(i32::MAX)
    {
        return Err("notary's changefeed ids are int32: that many records do not fit".into());
    }
    // psql variables (:n, :'host', :days, :'until') are substituted client-side, quoted by
    // psql.
    let vars = format!(
        "\\set n {n}\n\\set days {days}\n\\set host '{}'\n",
        stack.registry_host()
    );
    let sql = match dated {
        Dated::Newest => format!("{vars}\\set until now\n{LOAD_SQL}"),
        // The records held wait in a temporary table while the new ones go in below them.
        Dated::BeforeHeld => format!(
            "{vars}BEGIN;\n\
             LOCK TABLE changefeed IN ACCESS EXCLUSIVE MODE;\n\
             SELECT coalesce(min(created_at), localtimestamp) - interval '1 second' AS \"until\" \
             FROM changefeed \\gset\n\
             CREATE TEMP TABLE held ON COMMIT DROP AS SELECT * FROM changefeed;\n\
             DELETE FROM changefeed;\n\
             {LOAD_SQL}\n\
             INSERT INTO changefeed (created_at, gun, version, sha256, category) \
             SELECT created_at, gun, version, sha256, category FROM held ORDER BY id;\n\
             COMMIT;\n"
        ),
    };
    let t0 = Instant::now();
    postgres::query(stack, &sql)?;
    let elapsed = t0.elapsed().as_secs_f64();
    let (after, max_after) = stats()?;
    let added = after - before;
    // The added records' IDs: the first `added` after the old maximum (the records held
    // follow them when they were dated before).
    let last = max_before + added;
    let deletions = postgres::query(
        stack,
        &format!(
            "SELECT count(*) FROM changefeed \
             WHERE id > {max_before} AND id <= {last} AND category = 'deletion';"
        ),
    )?;
    let held = match dated {
        Dated::Newest => String::new(),
        Dated::BeforeHeld => format!(
            ", dated before the {before} held, which follow as ids {}..={max_after}",
            last + 1
        ),
    };
    println!(
        "load: {added} records (ids {}..={last}, {} deletions{held}) in {elapsed:.2} s \
         ({:.0} records/s); changefeed now holds {after}",
        max_before + 1,
        deletions.trim(),
        added as f64 / elapsed.max(0.001)
    );
    match verify(stack) {
        Ok(msg) => println!("load: {msg}"),
        Err(e) => println!("load: (could not check through nginx: {e})"),
    }
    Ok(())
}

/// The newest 5 records through nginx -> msr-sim -> notary-server with an admin token.
fn verify(stack: &Stack) -> Result<String, String> {
    let (admin, password) = stack.admin();
    let origin = stack.origin();
    let t0 = Instant::now();
    let (code, body) = services::curl(
        stack,
        &["-u", &format!("{admin}:{password}")],
        &format!("{origin}/auth/token?service=dtr&scope=registry:catalog:*"),
    )?;
    let token: Value = serde_json::from_str(&body).map_err(|_| format!("token: {code} {body}"))?;
    let token = token
        .get("token")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("token: {code} {body}"))?;
    let auth = format!("Authorization: Bearer {token}");
    let (code, body) = services::curl(
        stack,
        &["-H", &auth],
        &format!("{origin}/v2/_trust/changefeed?change_id=-1&records=-5"),
    )?;
    let feed: Value =
        serde_json::from_str(&body).map_err(|_| format!("changefeed: {code} {body}"))?;
    let ids: Vec<&str> = feed
        .get("records")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|r| r.get("ID").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default();
    Ok(format!(
        "notary-server serves them: GET /v2/_trust/changefeed?change_id=-1&records=-5 as admin \
         -> {code}, IDs {} ({:.0} ms)",
        ids.join(","),
        t0.elapsed().as_secs_f64() * 1000.0
    ))
}
