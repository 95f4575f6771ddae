//! Token scopes: `type:name:action[,action]` (distribution `docs/spec/auth/scope.md`).
//!
//! The name may itself contain a `:` (a registry host with a port,
//! `127.0.0.1:8443/ns/repo`), so the type ends at the FIRST `:` and the actions start
//! after the LAST one (msr-api.md §4). Several scopes in one challenge or one
//! `scope` parameter are separated by spaces.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// How many characters of offending text an error keeps.
const ERROR_TEXT_CHARS: usize = 100;

/// Why a scope could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScopeError {
    /// The text has fewer than two `:` separators.
    #[error("scope `{0}` is not `type:name:actions`")]
    NotEnoughParts(String),
    /// The type, the name or the action list is empty.
    #[error("scope `{0}` has an empty type, name or action list")]
    EmptyPart(String),
    /// A single scope may not contain whitespace (whitespace separates scopes).
    #[error("scope `{0}` contains whitespace")]
    Whitespace(String),
}

/// One access request: a resource type, a resource name and the actions wanted on it.
///
/// `Display` formats it back as `type:name:a,b`. The type may carry a class in
/// parentheses (`repository(plugin)`), kept verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Scope {
    #[serde(rename = "type")]
    resource_type: String,
    name: String,
    actions: Vec<String>,
}

impl Scope {
    /// A scope from its parts, taken as given (use [`Scope::parse`] for server text).
    pub fn new(
        resource_type: impl Into<String>,
        name: impl Into<String>,
        actions: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        Scope {
            resource_type: resource_type.into(),
            name: name.into(),
            actions: actions.into_iter().map(Into::into).collect(),
        }
    }

    /// `registry:catalog:*`: what the global notary changefeed needs (admins only;
    /// `registry:catalog:pull` is not enough).
    pub fn catalog_all() -> Self {
        Scope::new("registry", "catalog", ["*"])
    }

    /// `repository:<gun>:pull`: what a per-repository changefeed and the trust data of
    /// one GUN need.
    pub fn repository_pull(gun: impl Into<String>) -> Self {
        Scope::new("repository", gun, ["pull"])
    }

    /// Parse one scope such as `repository:127.0.0.1:8443/ns/repo:pull,push`.
    ///
    /// Empty actions between commas are dropped; at least one action must remain.
    pub fn parse(text: &str) -> Result<Self, ScopeError> {
        let short = || short_text(text);
        if text.chars().any(char::is_whitespace) {
            return Err(ScopeError::Whitespace(short()));
        }
        let (resource_type, rest) = text
            .split_once(':')
            .ok_or_else(|| ScopeError::NotEnoughParts(short()))?;
        let (name, actions) = rest
            .rsplit_once(':')
            .ok_or_else(|| ScopeError::NotEnoughParts(short()))?;
        let actions: Vec<String> = actions
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        if resource_type.is_empty() || name.is_empty() || actions.is_empty() {
            return Err(ScopeError::EmptyPart(short()));
        }
        Ok(Scope {
            resource_type: resource_type.to_string(),
            name: name.to_string(),
            actions,
        })
    }

    /// Parse a space-separated list of scopes (the `scope` parameter of a challenge).
    /// An empty or all-blank text is an empty list.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, ScopeError> {
        text.split_whitespace().map(Scope::parse).collect()
    }

    /// Format several scopes as one space-separated string.
    pub fn format_list(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(Scope::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The resource type (`repository`, `registry`, ...).
    pub fn resource_type(&self) -> &str {
        &self.resource_type
    }

    /// The resource name (a GUN / repository name, or `catalog`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The actions asked for (`pull`, `push`, `*`, ...), in the order given.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// The same scope with its actions sorted and de-duplicated: two scopes that ask for
    /// the same thing have the same canonical form.
    pub fn canonical(&self) -> Self {
        let mut actions = self.actions.clone();
        actions.sort();
        actions.dedup();
        Scope {
            resource_type: self.resource_type.clone(),
            name: self.name.clone(),
            actions,
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.resource_type,
            self.name,
            self.actions.join(",")
        )
    }
}

impl FromStr for Scope {
    type Err = ScopeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scope::parse(s)
    }
}

fn short_text(text: &str) -> String {
    let mut out: String = text.chars().take(ERROR_TEXT_CHARS).collect();
    if text.chars().nth(ERROR_TEXT_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_in_the_name_survives() {
        let s = Scope::parse("repository:127.0.0.1:8443/ns/repo:pull,push").unwrap();
        assert_eq!(s.resource_type(), "repository");
        assert_eq!(s.name(), "127.0.0.1:8443/ns/repo");
        assert_eq!(s.actions(), ["pull", "push"]);
        assert_eq!(s.to_string(), "repository:127.0.0.1:8443/ns/repo:pull,push");
    }

    #[test]
    fn builders() {
        assert_eq!(Scope::catalog_all().to_string(), "registry:catalog:*");
        assert_eq!(
            Scope::repository_pull("msr.example.org:443/library/wordpress").to_string(),
            "repository:msr.example.org:443/library/wordpress:pull"
        );
        assert_eq!(
            Scope::parse("registry:catalog:*").unwrap(),
            Scope::catalog_all()
        );
    }

    #[test]
    fn lists_are_space_separated() {
        let list = Scope::parse_list(
            "  repository:a/b:pull   registry:catalog:*\trepository(plugin):p:pull ",
        )
        .unwrap();
        assert_eq!(list.len(), 3);
        assert_eq!(list[2].resource_type(), "repository(plugin)");
        assert_eq!(
            Scope::format_list(&list),
            "repository:a/b:pull registry:catalog:* repository(plugin):p:pull"
        );
        assert_eq!(Scope::parse_list("").unwrap(), vec![]);
        assert!(Scope::parse_list("repository:a:pull nonsense").is_err());
    }

    #[test]
    fn hostile_inputs_are_typed_errors() {
        for (text, want) in [
            ("", "parts"),
            ("repository", "parts"),
            ("repository:name", "parts"),
            (":name:pull", "empty"),
            ("repository::pull", "empty"),
            ("repository:name:", "empty"),
            ("repository:name:,,", "empty"),
            ("::", "empty"),
            ("repository:a b:pull", "space"),
            ("repository:a:pull\n", "space"),
        ] {
            let err = Scope::parse(text).unwrap_err();
            let got = match err {
                ScopeError::NotEnoughParts(_) => "parts",
                ScopeError::EmptyPart(_) => "empty",
                ScopeError::Whitespace(_) => "space",
            };
            assert_eq!(got, want, "{text:?}");
        }
        let long = format!("x{}", "y".repeat(10_000));
        let err = Scope::parse(&long).unwrap_err().to_string();
        assert!(err.len() < 200, "{err}");
    }

    #[test]
    fn odd_but_valid_inputs() {
        let s = Scope::parse("repository:a:b:c:pull,,push,").unwrap();
        assert_eq!(s.name(), "a:b:c");
        assert_eq!(s.actions(), ["pull", "push"]);
        let s = Scope::parse("répository:ünï:*").unwrap();
        assert_eq!(s.name(), "ünï");
    }

    #[test]
    fn canonical_sorts_and_dedups_actions() {
        let a = Scope::parse("repository:x:push,pull,push").unwrap();
        let b = Scope::parse("repository:x:pull,push").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.canonical(), b.canonical());
    }
}
