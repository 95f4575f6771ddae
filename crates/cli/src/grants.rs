//! `msr-lens grants`: what these credentials may see, as the token service grants it.
//!
//! One token is asked for `registry:catalog:*` (the global trust feed, admins only) and
//! `repository:<gun>:pull` for each repository named; the token's `access` claim says
//! what was granted. Nothing else is read.

use clap::Args;
use msr_lens_core::auth::Scope;
use serde_json::json;

use crate::config::Instance;
use crate::text::clean;
use crate::{EXIT_FAILED, Failure};

/// Options of `grants`.
#[derive(Debug, Args)]
pub struct GrantsArgs {
    /// Repositories (`namespace/repo`) to ask pull access for.
    #[arg(value_name = "REPO")]
    pub repos: Vec<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Run `grants`.
pub fn run(instance: &Instance, args: &GrantsArgs) -> Result<u8, Failure> {
    let client = instance.connect()?;
    let mut asked = vec![("the global trust feed".to_string(), Scope::catalog_all())];
    for repo in &args.repos {
        let gun = format!("{}/{}", instance.registry_host, repo.trim_matches('/'));
        asked.push((
            format!("{repo}: its trust feed"),
            Scope::repository_pull(gun),
        ));
    }
    let scopes: Vec<Scope> = asked.iter().map(|(_, s)| s.clone()).collect();
    let token = match client.token(&scopes) {
        Ok(token) => token,
        Err(error) => {
            eprintln!(
                "msr-lens grants: {} ({})",
                clean(&error.to_string()),
                error.kind()
            );
            return Ok(EXIT_FAILED);
        }
    };
    let subject = token
        .claims()
        .and_then(|c| c.subject.clone())
        .filter(|s| !s.is_empty());
    let granted = token.grants().cloned().unwrap_or_default();
    if args.json {
        let rows: Vec<_> = asked
            .iter()
            .map(|(what, scope)| {
                json!({
                    "scope": scope.to_string(),
                    "what": what,
                    "allowed": granted.allows(scope),
                })
            })
            .collect();
        let out = json!({
            "instance": instance.name,
            "subject": subject,
            "granted": granted,
            "asked": rows,
        });
        println!("{out:#}");
    } else {
        match &subject {
            Some(who) => println!("signed in as {}", clean(who)),
            None => println!("anonymous (no user, or the token names none)"),
        }
        for (what, scope) in &asked {
            let mark = if granted.allows(scope) { "yes" } else { "no " };
            println!(
                "  {mark}  {:<48} {}",
                clean(&scope.to_string()),
                clean(what)
            );
        }
        println!("granted: {}", clean(&granted.to_string()));
    }
    Ok(0)
}
