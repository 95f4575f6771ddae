//! Issued tokens and the token cache, driven by a `now` handed in by the shell.

use std::collections::BTreeMap;

use crate::Timestamp;
use crate::auth::jwt::{Claims, Grants};
use crate::auth::scope::Scope;
use crate::auth::token::{BearerToken, TokenRequest, TokenResponse};

/// Refresh a token when less than this much of its life is left (or 10 % of its
/// lifetime, whichever is more).
pub const REFRESH_MARGIN_MILLIS: i64 = 30_000;

/// How far `issued_at` may lie before the receipt time and still be believed (a slow
/// answer). Further apart, the clocks disagree and the receipt time is used.
const ISSUED_AT_TOLERANCE_MILLIS: i64 = 60_000;

/// How many tokens the cache keeps at most.
const CAPACITY: usize = 64;

/// A token as issued, with its claims and its lifetime on the caller's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    token: BearerToken,
    claims: Option<Claims>,
    start: Timestamp,
    expires_at: Timestamp,
    refresh_at: Timestamp,
}

impl IssuedToken {
    /// A token from a token service answer received at `received_at`.
    ///
    /// Its life starts at `issued_at` when that is at most a minute before the receipt
    /// time and not after it; otherwise (no `issued_at`, or clocks apart) at the receipt
    /// time. It lasts `expires_in` seconds and is due for refresh when less than
    /// max(30 s, 10 % of its lifetime) is left. The JWT claims are decoded when the
    /// token is a JWT; an opaque token has none.
    pub fn new(response: TokenResponse, received_at: Timestamp) -> Self {
        let start = match response.issued_at {
            Some(issued)
                if issued <= received_at
                    && received_at.millis_since(issued) <= ISSUED_AT_TOLERANCE_MILLIS =>
            {
                issued
            }
            _ => received_at,
        };
        let lifetime_millis = i64::try_from(response.expires_in)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        let margin = (lifetime_millis / 10).max(REFRESH_MARGIN_MILLIS);
        let expires_at = start.add_millis(lifetime_millis);
        let refresh_at = start.add_millis(lifetime_millis.saturating_sub(margin));
        IssuedToken {
            claims: Claims::decode(response.token.secret()).ok(),
            token: response.token,
            start,
            expires_at,
            refresh_at,
        }
    }

    /// The token.
    pub fn token(&self) -> &BearerToken {
        &self.token
    }

    /// The decoded claims, when the token is a readable JWT.
    pub fn claims(&self) -> Option<&Claims> {
        self.claims.as_ref()
    }

    /// What the token grants, when the token is a readable JWT.
    pub fn grants(&self) -> Option<&Grants> {
        self.claims.as_ref().map(|c| &c.access)
    }

    /// Whether the token grants `scope`: `None` when its claims cannot be read.
    pub fn allows(&self, scope: &Scope) -> Option<bool> {
        self.grants().map(|g| g.allows(scope))
    }

    /// When its life started (on the caller's clock).
    pub fn start(&self) -> Timestamp {
        self.start
    }

    /// When it expires (on the caller's clock).
    pub fn expires_at(&self) -> Timestamp {
        self.expires_at
    }

    /// From when on a new token should be fetched instead.
    pub fn refresh_at(&self) -> Timestamp {
        self.refresh_at
    }

    /// Whether it should be replaced before use at `now`.
    pub fn needs_refresh(&self, now: Timestamp) -> bool {
        now >= self.refresh_at
    }

    /// Whether it has expired at `now`.
    pub fn is_expired(&self, now: Timestamp) -> bool {
        now >= self.expires_at
    }
}

/// Tokens by (realm, service, canonical scopes), with early refresh.
///
/// Bounded: expired tokens are dropped when a new one is stored, and beyond 64 tokens
/// the one that expires first goes. Ordered maps only, so its behaviour does not depend
/// on hash seeds.
#[derive(Debug, Clone, Default)]
pub struct TokenCache {
    entries: BTreeMap<TokenRequest, IssuedToken>,
}

impl TokenCache {
    /// An empty cache.
    pub fn new() -> Self {
        TokenCache::default()
    }

    /// Store the token issued for `key`, replacing any older one.
    pub fn insert(&mut self, key: TokenRequest, token: IssuedToken, now: Timestamp) {
        self.entries.retain(|_, t| !t.is_expired(now));
        if self.entries.len() >= CAPACITY && !self.entries.contains_key(&key) {
            let first = self
                .entries
                .iter()
                .min_by_key(|(_, t)| t.expires_at)
                .map(|(k, _)| k.clone());
            if let Some(first) = first {
                self.entries.remove(&first);
            }
        }
        self.entries.insert(key, token);
    }

    /// The token for `key` if it can be used at `now` without refreshing.
    ///
    /// `None` means "fetch one": none stored, or it is due for refresh. That is an
    /// ordinary answer, not an error.
    pub fn fresh(&self, key: &TokenRequest, now: Timestamp) -> Option<&IssuedToken> {
        self.entries.get(key).filter(|t| !t.needs_refresh(now))
    }

    /// The token stored for `key`, even if due for refresh or expired.
    pub fn get(&self, key: &TokenRequest) -> Option<&IssuedToken> {
        self.entries.get(key)
    }

    /// Forget the token for `key` (the server answered `invalid_token` to it). Returns
    /// whether one was stored.
    pub fn invalidate(&mut self, key: &TokenRequest) -> bool {
        self.entries.remove(key).is_some()
    }

    /// Forget every token (sign-out, credentials changed).
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// How many tokens are stored.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no token is stored.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The stored tokens and their keys.
    pub fn iter(&self) -> impl Iterator<Item = (&TokenRequest, &IssuedToken)> {
        self.entries.iter()
    }

    /// What the tokens that are not expired at `now` grant together.
    pub fn grants(&self, now: Timestamp) -> Grants {
        let mut all = Grants::default();
        for token in self.entries.values().filter(|t| !t.is_expired(now)) {
            if let Some(g) = token.grants() {
                all.extend(g);
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(expires_in: u64, issued_at: Option<Timestamp>) -> TokenResponse {
        TokenResponse {
            token: BearerToken::new("opaque").unwrap(),
            expires_in,
            issued_at,
        }
    }

    fn key(scope: &str) -> TokenRequest {
        TokenRequest::new("https://x/auth", None, &[Scope::parse(scope).unwrap()])
    }

    #[test]
    fn lifetime_and_early_refresh() {
        let t0 = Timestamp::from_secs(1_000);
        let t = IssuedToken::new(response(300, None), t0);
        assert_eq!(t.expires_at(), t0.add_secs(300));
        assert_eq!(t.refresh_at(), t0.add_secs(270));
        let t = IssuedToken::new(response(3600, None), t0);
        assert_eq!(t.refresh_at(), t0.add_secs(3240));
        let t = IssuedToken::new(response(60, None), t0);
        assert_eq!(t.refresh_at(), t0.add_secs(30));
        assert!(!t.needs_refresh(t0.add_secs(29)));
        assert!(t.needs_refresh(t0.add_secs(30)));
        assert!(!t.is_expired(t0.add_secs(59)));
        assert!(t.is_expired(t0.add_secs(60)));
        let t = IssuedToken::new(response(u64::MAX, None), t0);
        assert!(!t.needs_refresh(t0.add_secs(1_000_000_000)));
    }

    #[test]
    fn issued_at_is_used_only_when_the_clocks_agree() {
        let now = Timestamp::from_secs(10_000);
        let slow = IssuedToken::new(response(300, Some(now.add_secs(-5))), now);
        assert_eq!(slow.start(), now.add_secs(-5));
        let skew_behind = IssuedToken::new(response(300, Some(now.add_secs(-3600))), now);
        assert_eq!(skew_behind.start(), now);
        let skew_ahead = IssuedToken::new(response(300, Some(now.add_secs(3600))), now);
        assert_eq!(skew_ahead.start(), now);
    }

    #[test]
    fn cache_fresh_invalidate_and_prune() {
        let t0 = Timestamp::from_secs(0);
        let mut cache = TokenCache::new();
        let k = key("registry:catalog:*");
        cache.insert(k.clone(), IssuedToken::new(response(300, None), t0), t0);
        assert!(cache.fresh(&k, t0.add_secs(269)).is_some());
        assert!(cache.fresh(&k, t0.add_secs(270)).is_none());
        assert!(cache.get(&k).is_some());
        assert!(cache.fresh(&key("repository:a:pull"), t0).is_none());
        assert!(cache.invalidate(&k));
        assert!(!cache.invalidate(&k));
        assert!(cache.is_empty());

        cache.insert(k.clone(), IssuedToken::new(response(60, None), t0), t0);
        let later = t0.add_secs(61);
        let k2 = key("repository:a:pull");
        cache.insert(
            k2.clone(),
            IssuedToken::new(response(60, None), later),
            later,
        );
        assert_eq!(cache.len(), 1, "the expired token was dropped");
        assert!(cache.get(&k2).is_some());
    }

    fn jwt_response(name: &str, expires_in: u64) -> TokenResponse {
        use base64::Engine as _;
        let payload =
            format!(r#"{{"access":[{{"type":"repository","name":"{name}","actions":["pull"]}}]}}"#);
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(payload);
        TokenResponse {
            token: BearerToken::new(format!("e30.{payload}.c2ln")).unwrap(),
            expires_in,
            issued_at: None,
        }
    }

    #[test]
    fn order_follows_keys_not_inserts() {
        let t0 = Timestamp::from_secs(0);
        // Inserted in reverse key order.
        let mut cache = TokenCache::new();
        for name in ["c", "b", "a"] {
            cache.insert(
                key(&format!("repository:{name}:pull")),
                IssuedToken::new(jwt_response(name, 60), t0),
                t0,
            );
        }
        let keys: Vec<_> = cache.iter().map(|(k, _)| k.scopes()[0].name()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        let granted: Vec<_> = cache
            .grants(t0)
            .as_slice()
            .iter()
            .map(|g| g.name.clone())
            .collect();
        assert_eq!(granted, ["a", "b", "c"]);

        // Full, every token expiring at once: the key that sorts first goes, whatever
        // the insert order.
        let mut cache = TokenCache::new();
        for i in (0..CAPACITY).rev() {
            cache.insert(
                key(&format!("repository:r{i:02}:pull")),
                IssuedToken::new(response(60, None), t0),
                t0,
            );
        }
        cache.insert(
            key("repository:zz:pull"),
            IssuedToken::new(response(60, None), t0),
            t0,
        );
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(&key("repository:r00:pull")).is_none());
        assert!(cache.get(&key("repository:r01:pull")).is_some());
        assert!(
            cache
                .get(&key(&format!("repository:r{:02}:pull", CAPACITY - 1)))
                .is_some()
        );
    }

    #[test]
    fn cache_is_bounded() {
        let t0 = Timestamp::from_secs(0);
        let mut cache = TokenCache::new();
        for i in 0..(CAPACITY as u64 + 10) {
            cache.insert(
                key(&format!("repository:r{i}:pull")),
                IssuedToken::new(response(60 + i, None), t0),
                t0,
            );
        }
        assert_eq!(cache.len(), CAPACITY);
        assert!(cache.get(&key("repository:r0:pull")).is_none());
        assert!(
            cache
                .get(&key(&format!("repository:r{}:pull", CAPACITY + 9)))
                .is_some()
        );
    }
}
