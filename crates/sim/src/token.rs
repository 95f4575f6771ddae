//! The token service: keys, scopes, grants, JWT issuing and (for RethinkDB mode)
//! verification exactly as notary-server's token access controller does it.

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::config::UserConfig;

/// Errors loading the signing key and certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key is not a PEM private key this service can use.
    #[error("unsupported token key: {0}")]
    Key(String),
    /// The certificate is not a PEM certificate.
    #[error("invalid token certificate: {0}")]
    Cert(String),
    /// A token signed with the key does not verify with the certificate.
    #[error("token key and certificate do not match: {0}")]
    Mismatch(String),
}

/// Why a bearer token was refused (notary's `ErrTokenRequired` / `ErrInvalidToken` /
/// `ErrInsufficientScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRejection {
    /// No `Authorization: Bearer <token>` header (no `error=` in the challenge).
    #[error("authorization token required")]
    Required,
    /// Malformed, badly signed, wrong issuer or audience, expired (`invalid_token`).
    #[error("invalid token")]
    Invalid,
    /// Valid token without the required access (`insufficient_scope`).
    #[error("insufficient scope")]
    InsufficientScope,
}

/// One entry of the JWT `access` claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceActions {
    /// `repository` or `registry`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The repository name or GUN, or `catalog`.
    pub name: String,
    /// Granted actions.
    pub actions: Vec<String>,
}

/// The JWT claims, in the order docker's token servers write them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user name, empty for anonymous.
    pub sub: String,
    /// Audience: the service, a string (notary rejects an array).
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
    /// Random token id.
    pub jti: String,
    /// What the token grants.
    #[serde(default)]
    pub access: Vec<ResourceActions>,
}

/// A signing key with its certificate.
pub struct TokenSigner {
    alg: Algorithm,
    encoding: EncodingKey,
    decoding: DecodingKey,
    x5c: String,
}

impl std::fmt::Debug for TokenSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSigner")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl TokenSigner {
    /// Load a PEM private key and its PEM certificate; checks that they match.
    pub fn from_pem(key_pem: &[u8], cert_pem: &[u8]) -> Result<TokenSigner, KeyError> {
        // Pick RustCrypto explicitly: feature unification elsewhere in a workspace could
        // otherwise leave jsonwebtoken with two providers and no default.
        let _already_installed = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER,
        );
        let key = pem::parse(key_pem).map_err(|e| KeyError::Key(e.to_string()))?;
        let (alg, encoding) = match key.tag() {
            "EC PRIVATE KEY" => {
                use p256::pkcs8::EncodePrivateKey as _;
                let secret = p256::SecretKey::from_sec1_der(key.contents())
                    .map_err(|e| KeyError::Key(format!("not a P-256 SEC1 key: {e}")))?;
                let der = secret
                    .to_pkcs8_der()
                    .map_err(|e| KeyError::Key(format!("cannot convert to PKCS#8: {e}")))?;
                (Algorithm::ES256, EncodingKey::from_ec_der(der.as_bytes()))
            }
            "PRIVATE KEY" => {
                use p256::pkcs8::DecodePrivateKey as _;
                if p256::SecretKey::from_pkcs8_der(key.contents()).is_ok() {
                    (Algorithm::ES256, EncodingKey::from_ec_der(key.contents()))
                } else {
                    let enc = EncodingKey::from_rsa_pem(key_pem).map_err(|e| {
                        KeyError::Key(format!("neither EC P-256 nor RSA PKCS#8: {e}"))
                    })?;
                    (Algorithm::RS256, enc)
                }
            }
            "RSA PRIVATE KEY" => (
                Algorithm::RS256,
                EncodingKey::from_rsa_pem(key_pem).map_err(|e| KeyError::Key(e.to_string()))?,
            ),
            other => return Err(KeyError::Key(format!("unexpected PEM block {other:?}"))),
        };
        let cert = pem::parse_many(cert_pem)
            .map_err(|e| KeyError::Cert(e.to_string()))?
            .into_iter()
            .find(|p| p.tag() == "CERTIFICATE")
            .ok_or_else(|| KeyError::Cert("no CERTIFICATE block".into()))?;
        let cert_only = pem::encode(&cert);
        let decoding = match alg {
            Algorithm::ES256 => DecodingKey::from_ec_pem(cert_only.as_bytes()),
            _ => DecodingKey::from_rsa_pem(cert_only.as_bytes()),
        }
        .map_err(|e| KeyError::Cert(format!("cannot read its public key: {e}")))?;
        let signer = TokenSigner {
            alg,
            encoding,
            decoding,
            x5c: STANDARD.encode(cert.contents()),
        };
        let probe = Claims {
            iss: "probe".into(),
            sub: String::new(),
            aud: "probe".into(),
            exp: i64::MAX / 2,
            nbf: 0,
            iat: 0,
            jti: "probe".into(),
            access: Vec::new(),
        };
        let token = signer
            .sign(&probe)
            .map_err(|e| KeyError::Key(e.to_string()))?;
        signer
            .verify(&token, "probe", "probe", 0)
            .map_err(|e| KeyError::Mismatch(e.to_string()))?;
        Ok(signer)
    }

    /// `ES256` or `RS256`.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The base64 DER certificate that goes into `x5c`.
    pub fn x5c(&self) -> &str {
        &self.x5c
    }

    /// Sign claims with header `{"typ":"JWT","alg":..,"x5c":[..]}`.
    pub fn sign(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(self.alg);
        header.x5c = Some(vec![self.x5c.clone()]);
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }

    /// Verify a raw JWT like notary-server 0.7.0 (distribution `token.Verify`): issuer,
    /// audience (a string), `exp`/`nbf` with 60 s leeway, the signature, and an `x5c`
    /// whose leaf is this service's certificate.
    pub fn verify(
        &self,
        raw: &str,
        issuer: &str,
        audience: &str,
        now_secs: i64,
    ) -> Result<Claims, TokenRejection> {
        const LEEWAY: i64 = 60;
        let header = jsonwebtoken::decode_header(raw).map_err(|_| TokenRejection::Invalid)?;
        let leaf_ok = header
            .x5c
            .as_ref()
            .and_then(|chain| chain.first())
            .is_some_and(|leaf| *leaf == self.x5c);
        if !leaf_ok || header.alg != self.alg {
            return Err(TokenRejection::Invalid);
        }
        let mut validation = Validation::new(self.alg);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = false;
        let data = jsonwebtoken::decode::<Claims>(raw, &self.decoding, &validation)
            .map_err(|_| TokenRejection::Invalid)?;
        let claims = data.claims;
        if claims.iss != issuer || claims.aud != audience {
            return Err(TokenRejection::Invalid);
        }
        if now_secs > claims.exp.saturating_add(LEEWAY)
            || now_secs < claims.nbf.saturating_sub(LEEWAY)
        {
            return Err(TokenRejection::Invalid);
        }
        Ok(claims)
    }
}

/// Check an `Authorization` header value for the access notary would require.
///
/// `required` is `(type, name, action)`. Mirrors distribution's `accessController.Authorized`:
/// the header must split on single spaces into exactly `["Bearer", token]` (scheme
/// case-insensitive).
pub fn authorize_bearer(
    signer: &TokenSigner,
    authorization: Option<&str>,
    issuer: &str,
    audience: &str,
    now_secs: i64,
    required: (&str, &str, &str),
) -> Result<Claims, TokenRejection> {
    let header = authorization.unwrap_or("");
    let parts: Vec<&str> = header.split(' ').collect();
    let raw = match parts.as_slice() {
        [scheme, token] if scheme.eq_ignore_ascii_case("bearer") => *token,
        _ => return Err(TokenRejection::Required),
    };
    let claims = signer.verify(raw, issuer, audience, now_secs)?;
    let (kind, name, action) = required;
    let allowed = claims.access.iter().any(|ra| {
        ra.kind == kind && ra.name == name && ra.actions.iter().any(|a| a == "*" || a == action)
    });
    if allowed {
        Ok(claims)
    } else {
        Err(TokenRejection::InsufficientScope)
    }
}

/// A requested scope `type:name:actions`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// Resource type.
    pub kind: String,
    /// Resource name (may contain one `:`, a port).
    pub name: String,
    /// Requested actions.
    pub actions: Vec<String>,
}

impl Scope {
    /// Parse `type:name:action[,action]`: the type ends at the first `:`, the actions
    /// start after the last. `None` when malformed.
    pub fn parse(text: &str) -> Option<Scope> {
        let (kind, rest) = text.split_once(':')?;
        let (name, actions) = rest.rsplit_once(':')?;
        if kind.is_empty() || name.is_empty() {
            return None;
        }
        let actions: Vec<String> = actions
            .split(',')
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        Some(Scope {
            kind: kind.to_owned(),
            name: name.to_owned(),
            actions,
        })
    }
}

/// Actions a grant value allows (`pull`, `pull,push`, `*`, `read-only`, `read-write`, `admin`).
fn allowed_actions(grant: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for part in grant.split(',').map(str::trim) {
        match part {
            "read-only" => {
                out.insert("pull".to_owned());
            }
            "read-write" => {
                out.extend(["pull".to_owned(), "push".to_owned()]);
            }
            "admin" | "*" => {
                out.extend(["*".to_owned(), "pull".to_owned(), "push".to_owned()]);
            }
            "" => {}
            other => {
                out.insert(other.to_owned());
            }
        }
    }
    out
}

/// The `<namespace>/<repo>` a scope name refers to on this registry, accepting
/// `<registry_host>/<ns>/<repo>`, `<host>:443/<ns>/<repo>` and a bare `<ns>/<repo>`.
pub fn repository_key<'a>(registry_host: &str, name: &'a str) -> &'a str {
    let host_only = registry_host
        .rsplit_once(':')
        .filter(|(_, port)| port.bytes().all(|b| b.is_ascii_digit()))
        .map_or(registry_host, |(h, _)| h);
    let with_443 = format!("{host_only}:443/");
    let with_host = format!("{registry_host}/");
    name.strip_prefix(with_host.as_str())
        .or_else(|| name.strip_prefix(with_443.as_str()))
        .or_else(|| name.strip_prefix(&format!("{host_only}/")))
        .unwrap_or(name)
}

/// What `user` (None = anonymous) is granted for the requested scopes: the intersection
/// of requested and allowed actions per resource; resources with nothing granted are left
/// out. Admins get anything on repositories and `registry:catalog:*`.
pub fn grant(
    user: Option<&UserConfig>,
    registry_host: &str,
    scopes: &[Scope],
) -> Vec<ResourceActions> {
    let mut out: Vec<ResourceActions> = Vec::new();
    let Some(user) = user else {
        return out;
    };
    for scope in scopes {
        let granted: Vec<String> = match scope.kind.as_str() {
            "repository" if user.admin => scope.actions.clone(),
            "repository" => {
                let key = repository_key(registry_host, &scope.name);
                let allowed = user
                    .grants
                    .get(key)
                    .map(|g| allowed_actions(g))
                    .unwrap_or_default();
                scope
                    .actions
                    .iter()
                    .filter(|a| allowed.contains("*") || allowed.contains(a.as_str()))
                    .cloned()
                    .collect()
            }
            "registry" if user.admin && scope.name == "catalog" => scope.actions.clone(),
            _ => Vec::new(),
        };
        if granted.is_empty() {
            continue;
        }
        if let Some(existing) = out
            .iter_mut()
            .find(|ra| ra.kind == scope.kind && ra.name == scope.name)
        {
            for action in granted {
                if !existing.actions.contains(&action) {
                    existing.actions.push(action);
                }
            }
        } else {
            let mut actions: Vec<String> = Vec::new();
            for action in granted {
                if !actions.contains(&action) {
                    actions.push(action);
                }
            }
            out.push(ResourceActions {
                kind: scope.kind.clone(),
                name: scope.name.clone(),
                actions,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(admin: bool, grants: &[(&str, &str)]) -> UserConfig {
        UserConfig {
            name: "u".into(),
            password: "p".into(),
            access_tokens: vec![],
            admin,
            grants: grants
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn scope_parse_with_port() {
        let s = Scope::parse("repository:h:443/ns/r:pull,push").unwrap();
        assert_eq!(s.kind, "repository");
        assert_eq!(s.name, "h:443/ns/r");
        assert_eq!(s.actions, vec!["pull", "push"]);
        assert!(Scope::parse("repository").is_none());
        assert!(Scope::parse("repository:x").is_none());
    }

    #[test]
    fn repository_key_spellings() {
        assert_eq!(repository_key("h:8443", "h:8443/ns/r"), "ns/r");
        assert_eq!(repository_key("h:8443", "h:443/ns/r"), "ns/r");
        assert_eq!(repository_key("h", "h:443/ns/r"), "ns/r");
        assert_eq!(repository_key("h:8443", "ns/r"), "ns/r");
        assert_eq!(repository_key("h:8443", "other/ns/r"), "other/ns/r");
    }

    #[test]
    fn grants_intersect() {
        let dev = user(false, &[("ns/r", "pull"), ("ns/w", "pull,push")]);
        let scopes = vec![
            Scope::parse("repository:h:8443/ns/r:pull,push").unwrap(),
            Scope::parse("repository:h:8443/ns/w:push").unwrap(),
            Scope::parse("repository:h:8443/ns/none:pull").unwrap(),
            Scope::parse("registry:catalog:*").unwrap(),
        ];
        let got = grant(Some(&dev), "h:8443", &scopes);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].actions, vec!["pull"]);
        assert_eq!(got[1].actions, vec!["push"]);
        let admin = user(true, &[]);
        let got = grant(Some(&admin), "h:8443", &scopes);
        assert_eq!(got.len(), 4);
        assert_eq!(got[3].actions, vec!["*"]);
        assert!(grant(None, "h:8443", &scopes).is_empty());
    }
}
