//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1, RFC 6750 §3, msr-api.md §5).
//!
//! One header value may hold several challenges, and a response may carry several
//! header values. Parameters are separated by commas outside quoted strings only
//! (`scope="repository:x:pull,push"` holds a comma), quoted strings may contain
//! backslash escapes, and schemes and parameter names are case-insensitive. A small
//! parser here reads the grammar as the `http-auth` crate does (a differential test
//! holds them together) and yields typed [`Bearer`](BearerChallenge) and
//! [`Basic`](BasicChallenge) challenges.
//!
//! The grammar (RFC 9110 §11.3, §5.6): `challenge *( OWS "," OWS challenge )`, where a
//! challenge is `scheme [ 1*SP auth-param *( OWS "," OWS auth-param ) ]` and an
//! auth-param is `token BWS "=" BWS ( token / quoted-string )`. Empty list elements
//! (`a=1,,b=2`, a leading or trailing comma) are allowed. As in `http-auth`, a
//! `token68` (`Negotiate YIIabc==`) is a syntax error, and so is any byte that is not
//! visible ASCII, a space or a tab.

use std::fmt;

use crate::http::HeaderMap;
use crate::http::header::WWW_AUTHENTICATE;

use crate::auth::scope::{Scope, ScopeError};
use crate::text::{Message, display_message, push_quoted_char, push_u64};

/// Why a `WWW-Authenticate` header could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChallengeError {
    /// The header value is not visible ASCII text.
    NotText,
    /// The header value does not follow the challenge grammar.
    Syntax(String),
    /// A `Bearer` challenge has no `realm`, so there is no token service to ask.
    MissingRealm,
    /// The `scope` parameter of a `Bearer` challenge is not a list of scopes.
    Scope(#[from] ScopeError),
}

impl Message for ChallengeError {
    fn push_message(&self, out: &mut String) {
        match self {
            ChallengeError::NotText => {
                out.push_str("the www-authenticate header is not ascii text")
            }
            ChallengeError::Syntax(what) => {
                out.push_str("malformed www-authenticate header: ");
                out.push_str(what);
            }
            ChallengeError::MissingRealm => out.push_str("bearer challenge without a realm"),
            ChallengeError::Scope(error) => {
                out.push_str("bad scope in bearer challenge: ");
                error.push_message(out);
            }
        }
    }
}

display_message!(ChallengeError);

/// The `error` parameter of a `Bearer` challenge (RFC 6750 §3.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BearerError {
    /// `invalid_request`: the request was malformed.
    InvalidRequest,
    /// `invalid_token`: the token is expired, revoked, badly signed or for another service.
    InvalidToken,
    /// `insufficient_scope`: the token is valid but does not grant the scope asked.
    InsufficientScope,
    /// Any other code, kept verbatim.
    Other(String),
}

impl BearerError {
    fn parse(text: &str) -> Self {
        match text.to_ascii_lowercase().as_str() {
            "invalid_request" => BearerError::InvalidRequest,
            "invalid_token" => BearerError::InvalidToken,
            "insufficient_scope" => BearerError::InsufficientScope,
            _ => BearerError::Other(text.to_string()),
        }
    }

    /// The code as sent on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            BearerError::InvalidRequest => "invalid_request",
            BearerError::InvalidToken => "invalid_token",
            BearerError::InsufficientScope => "insufficient_scope",
            BearerError::Other(code) => code,
        }
    }
}

impl fmt::Display for BearerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Bearer` challenge: where to get a token and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BearerChallenge {
    /// The token service URL (`https://<msr>/auth/token`), as sent.
    pub realm: String,
    /// The `service` parameter (`dtr` on MSR), if any.
    pub service: Option<String>,
    /// The scopes asked for (empty when the challenge has no `scope`).
    pub scopes: Vec<Scope>,
    /// The `error` parameter, if any.
    pub error: Option<BearerError>,
    /// The `error_description` parameter, if any.
    pub error_description: Option<String>,
}

/// A `Basic` challenge (the token service on bad credentials, `/api/v0`, proxies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicChallenge {
    /// The `realm` parameter, if any.
    pub realm: Option<String>,
}

/// A challenge in a scheme this crate does not act on, kept for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherChallenge {
    /// The scheme as sent.
    pub scheme: String,
    /// The parameters: lower-case names, unescaped values.
    pub params: Vec<(String, String)>,
}

/// One challenge of a `WWW-Authenticate` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Bearer`: fetch a token from the realm.
    Bearer(BearerChallenge),
    /// `Basic`: send a user name and password.
    Basic(BasicChallenge),
    /// Any other scheme.
    Other(OtherChallenge),
}

impl Challenge {
    /// The challenge if it is a `Bearer` one.
    pub fn as_bearer(&self) -> Option<&BearerChallenge> {
        match self {
            Challenge::Bearer(bearer) => Some(bearer),
            _ => None,
        }
    }

    /// Parse all challenges of one header value.
    ///
    /// An empty or blank value is an empty list. Any syntax error makes the whole value
    /// an error: a half-understood challenge list is not acted upon.
    pub fn parse_list(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
        let mut p = Parser {
            text: value,
            pos: 0,
        };
        let mut out = Vec::new();
        p.skip_ows();
        if p.peek().is_none() {
            return Ok(out);
        }
        p.skip_commas();
        let mut scheme = p.token()?;
        // A challenge is converted once the next scheme (or the end) shows that it is
        // complete, so that errors come in the order `http-auth` gave them.
        let mut previous: Option<(&str, Vec<(String, String)>)> = None;
        loop {
            // `scheme` was just read: it stands alone (`,` or the end follows) or has
            // parameters (a gap and the first parameter's name follow).
            let gap = p.skip_ows();
            let has_params = match p.peek() {
                None | Some(b',') => false,
                Some(b) if gap && is_tchar(b) => true,
                Some(_) => return Err(p.invalid()),
            };
            if let Some((s, params)) = previous.take() {
                out.push(Challenge::from_parts(s, params)?);
            }
            let mut params = Vec::new();
            let mut next_scheme = None;
            if has_params {
                let mut name = p.token()?;
                loop {
                    p.skip_ows();
                    p.expect(b'=')?;
                    p.skip_ows();
                    params.push((name.to_ascii_lowercase(), p.param_value()?));
                    p.skip_ows();
                    if p.peek().is_some_and(|b| b != b',') {
                        return Err(p.invalid());
                    }
                    p.skip_commas();
                    if p.peek().is_none() {
                        break;
                    }
                    name = p.token()?;
                    let after_name = p.pos;
                    p.skip_ows();
                    if p.peek() != Some(b'=') {
                        // Not a parameter but the next challenge's scheme.
                        p.pos = after_name;
                        next_scheme = Some(name);
                        break;
                    }
                }
            } else {
                p.skip_commas();
                if p.peek().is_some() {
                    next_scheme = Some(p.token()?);
                }
            }
            match next_scheme {
                Some(next) => {
                    previous = Some((scheme, params));
                    scheme = next;
                }
                None => {
                    out.push(Challenge::from_parts(scheme, params)?);
                    return Ok(out);
                }
            }
        }
    }

    /// Parse every `WWW-Authenticate` value of a response, in order.
    ///
    /// No header is an empty list. A value that cannot be parsed is skipped when another
    /// value parses (a proxy may add its own oddly formatted challenge); when no value
    /// parses, the first error is returned.
    pub fn from_headers(headers: &HeaderMap) -> Result<Vec<Challenge>, ChallengeError> {
        let mut out = Vec::new();
        each_header_list(headers, |list| out.extend(list))?;
        Ok(out)
    }

    fn from_parts(
        scheme: &str,
        params: Vec<(String, String)>,
    ) -> Result<Challenge, ChallengeError> {
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let owned = |name: &str| param(name).map(str::to_string);
        if scheme.eq_ignore_ascii_case("bearer") {
            let realm = param("realm")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .ok_or(ChallengeError::MissingRealm)?;
            let scopes = match param("scope") {
                Some(text) => Scope::parse_list(text)?,
                None => Vec::new(),
            };
            return Ok(Challenge::Bearer(BearerChallenge {
                realm: realm.to_string(),
                service: owned("service"),
                scopes,
                error: param("error").map(BearerError::parse),
                error_description: owned("error_description"),
            }));
        }
        if scheme.eq_ignore_ascii_case("basic") {
            return Ok(Challenge::Basic(BasicChallenge {
                realm: owned("realm"),
            }));
        }
        Ok(Challenge::Other(OtherChallenge {
            scheme: scheme.to_string(),
            params,
        }))
    }
}

/// A cursor over one header value.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    /// Skip spaces and tabs; whether there were any.
    fn skip_ows(&mut self) -> bool {
        let start = self.pos;
        while let Some(b' ' | b'\t') = self.peek() {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Skip list separators and the empty elements between them: `*( "," OWS )`.
    fn skip_commas(&mut self) {
        while self.peek() == Some(b',') {
            self.pos += 1;
            self.skip_ows();
        }
    }

    /// A non-empty `token`.
    fn token(&mut self) -> Result<&'a str, ChallengeError> {
        let start = self.pos;
        while self.peek().is_some_and(is_tchar) {
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            Some(token) if !token.is_empty() => Ok(token),
            _ => Err(self.invalid()),
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), ChallengeError> {
        if self.peek() != Some(byte) {
            return Err(self.invalid());
        }
        self.pos += 1;
        Ok(())
    }

    /// A parameter value: a `token`, or a `quoted-string` returned unescaped.
    fn param_value(&mut self) -> Result<String, ChallengeError> {
        if self.peek() != Some(b'"') {
            return self.token().map(str::to_string);
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(b @ (b'\t' | b' ' | 0x21..=0x7e)) => out.push(char::from(b)),
                        _ => return Err(self.invalid()),
                    }
                }
                Some(b @ (b'\t' | b' ' | 0x21..=0x7e)) => out.push(char::from(b)),
                _ => return Err(self.invalid()),
            }
            self.pos += 1;
        }
    }

    /// The syntax error at the current position.
    fn invalid(&self) -> ChallengeError {
        let found = self
            .text
            .get(self.pos..)
            .and_then(|rest| rest.chars().next());
        let mut what = String::new();
        match found {
            Some(c) => {
                what.push_str("unexpected ");
                push_quoted_char(&mut what, c);
                what.push_str(" at byte ");
                push_u64(&mut what, self.pos as u64);
            }
            None => what.push_str("unexpected end of the header"),
        }
        ChallengeError::Syntax(what)
    }
}

/// `tchar`: a visible ASCII character other than a delimiter (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The first `Bearer` challenge among a response's headers, if any.
///
/// `Ok(None)` when there is no header or no `Bearer` challenge (only `Basic`, say).
pub fn bearer_challenge(headers: &HeaderMap) -> Result<Option<BearerChallenge>, ChallengeError> {
    // [`Challenge::from_headers`] without collecting every challenge: the same errors.
    let mut found = None;
    each_header_list(headers, |list| {
        if found.is_none() {
            found = list.into_iter().find_map(|c| match c {
                Challenge::Bearer(bearer) => Some(bearer),
                _ => None,
            });
        }
    })?;
    Ok(found)
}

/// Hand the challenges of every `WWW-Authenticate` value to `each`, value by value, in
/// order. A value that cannot be parsed is skipped when another value parses; when no value
/// parses, the first error is returned (no header at all is `Ok`).
fn each_header_list(
    headers: &HeaderMap,
    mut each: impl FnMut(Vec<Challenge>),
) -> Result<(), ChallengeError> {
    let mut first_error = None;
    let mut any_ok = false;
    for value in headers.get_all(WWW_AUTHENTICATE) {
        let parsed = std::str::from_utf8(value.as_bytes())
            .map_err(|_| ChallengeError::NotText)
            .and_then(Challenge::parse_list);
        match parsed {
            Ok(list) => {
                any_ok = true;
                each(list);
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) if !any_ok => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::excerpt;
    use crate::http::HeaderValue;
    use proptest::prelude::*;

    /// What `parse_list` was before this module had its own parser: the value with its
    /// whitespace normalised, parsed by `http-auth`.
    fn http_auth_parse_list(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
        let value = normalise_whitespace(value);
        let mut out = Vec::new();
        if value.is_empty() {
            return Ok(out);
        }
        for parsed in http_auth::parser::ChallengeParser::new(&value) {
            let parsed =
                parsed.map_err(|e| ChallengeError::Syntax(excerpt(e.to_string().as_bytes())))?;
            let params: Vec<(String, String)> = parsed
                .params
                .iter()
                .map(|(k, v)| (k.to_ascii_lowercase(), v.to_unescaped()))
                .collect();
            out.push(Challenge::from_parts(parsed.scheme, params)?);
        }
        Ok(out)
    }

    /// Trim the value and collapse every run of spaces and tabs outside quoted strings into
    /// one space. Outside quotes, whitespace only separates (RFC 9110 OWS/BWS and the
    /// `1*SP` after the scheme), and the grammar parser accepts exactly one space there.
    fn normalise_whitespace(value: &str) -> String {
        let mut out = String::with_capacity(value.len());
        let mut in_quotes = false;
        let mut escaped = false;
        let mut pending_space = false;
        for c in value.trim_matches([' ', '\t']).chars() {
            if in_quotes {
                out.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_quotes = false;
                }
                continue;
            }
            if c == ' ' || c == '\t' {
                pending_space = true;
                continue;
            }
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            if c == '"' {
                in_quotes = true;
            }
            out.push(c);
        }
        out
    }

    /// Both parsers give the same challenges, or the same error (syntax errors are
    /// worded differently).
    fn assert_same(value: &str) -> Result<Vec<Challenge>, ChallengeError> {
        let ours = Challenge::parse_list(value);
        let theirs = http_auth_parse_list(value);
        match (&ours, &theirs) {
            (Err(ChallengeError::Syntax(_)), Err(ChallengeError::Syntax(_))) => {}
            _ => assert_eq!(ours, theirs, "{value:?}"),
        }
        ours
    }

    /// A header value built from grammar pieces picked by `choices`: mostly valid,
    /// sometimes not. (One flat strategy: nested proptest strategies are slow here.)
    fn build_header_value(choices: &[u8]) -> String {
        let mut choices = choices.iter().copied().chain(std::iter::repeat(0));
        let mut next = move || usize::from(choices.next().unwrap_or(0));
        fn pick(next: &mut impl FnMut() -> usize, options: &[&'static str]) -> &'static str {
            options[next() % options.len()]
        }
        const WS: &[&str] = &["", "", "", " ", " ", "  ", "\t", " \t"];
        const SEP: &[&str] = &[",", ",", ",", ",", ",,", ", ,", ""];
        const GAP: &[&str] = &[" ", " ", " ", " ", "  ", "\t", ""];
        const SCHEMES: &[&str] = &[
            "Bearer",
            "Bearer",
            "bearer",
            "BEARER",
            "Basic",
            "basic",
            "Negotiate",
            "x",
            "a1",
            "!#$%&'*+.^_`|~-",
        ];
        const NAMES: &[&str] = &[
            "realm",
            "realm",
            "Realm",
            "service",
            "scope",
            "error",
            "error_description",
            "charset",
            "x",
        ];
        const VALUES: &[&str] = &[
            "\"https://msr.example.org/auth/token\"",
            "\"https://msr.example.org/auth/token\"",
            "\"repository:msr.example.org/a/b:pull,push registry:catalog:*\"",
            "\"registry:catalog:*\"",
            "\"repository:nope\"",
            "insufficient_scope",
            "\"invalid_token\"",
            "dtr",
            "\"\"",
            "\"  \"",
            "\"a \\\"b\\\", \\\\ c\"",
            "\"tab\there\"",
            "\"\\é\"",
            "\"é\"",
            "abc=",
            "YIIabc==",
        ];
        let mut out = String::from(pick(&mut next, WS));
        let challenges = 1 + next() % 3;
        for i in 0..challenges {
            if i > 0 {
                out.extend([
                    pick(&mut next, WS),
                    pick(&mut next, SEP),
                    pick(&mut next, WS),
                ]);
            }
            out.push_str(pick(&mut next, SCHEMES));
            let params = next() % 4;
            for j in 0..params {
                if j == 0 {
                    out.push_str(pick(&mut next, GAP));
                } else {
                    out.extend([
                        pick(&mut next, WS),
                        pick(&mut next, SEP),
                        pick(&mut next, WS),
                    ]);
                }
                out.extend([
                    pick(&mut next, NAMES),
                    pick(&mut next, WS),
                    "=",
                    pick(&mut next, WS),
                    pick(&mut next, VALUES),
                ]);
            }
        }
        out.push_str(pick(&mut next, WS));
        out
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop::collection::vec(any::<u8>(), 0..48).prop_map(|c| build_header_value(&c))
    }

    #[test]
    fn parses_as_http_auth_does() {
        for value in [
            "",
            " ",
            ",",
            ", ,",
            ",Basic",
            ", , Basic realm=x",
            "Basic",
            "Basic,",
            "Basic ,",
            "Basic,,",
            "Basic, ,",
            "Basic realm",
            "Basic realm=",
            "Basic realm=x",
            "Basic realm=x,",
            "Basic realm=x ,",
            "Basic realm=x y=1",
            "Basic realm=x, y=1",
            "Basic realm=x, y =1",
            "Basic realm=x,y= 1",
            "Basic realm=x, Bearer",
            "Basic realm=x, Bearer realm=y",
            "Basic realm=x, Bearer realm",
            "Basic realm=x, Bearer \"",
            "Basic realm=x, Bearer\"",
            "Basic realm=x=",
            "Basic realm=x\"",
            "Basic realm=\"x\"y",
            "Basic realm=\"x\" y",
            "Basic realm=\"x\",",
            "Basic, realm=x",
            "Basic , realm =x",
            "Basic =x",
            "Basic=x",
            "Basic\"x\"",
            "Basic realm=\"a\\",
            "Basic realm=\"a\\\"",
            "Basic realm=\"\\\u{1}\"",
            "Basic realm=\"\u{7f}\"",
            "Basic realm=\"é\"",
            "Basic realm=\"\\é\"",
            "Basic realmé=x",
            "Negotiate YIIabc==",
            "Negotiate YIIabc",
            "Negotiate a, Bearer realm=\"https://x/\"",
            "Bearer service=dtr, Basic realm=\"unterminated",
            "Bearer service=dtr, Basic",
            "Bearer service=dtr, =",
            "Bearer service=dtr, Basic realm=x",
            "Bearer realm=x, scope=\"repository:nope\", Basic \"",
            "Bearer realm=x, scope=\"repository:nope\", Basic realm=y",
            "Basic realm=\"a\", Bearer service=dtr",
        ] {
            let _ = assert_same(value);
        }
        let [parsed, syntax, other] = differential(header_value());
        eprintln!("built: {parsed} parsed, {syntax} syntax errors, {other} other errors");
        assert!(parsed > 2_500 && syntax > 5_000 && other > 4_000);

        // Near-valid values with one byte changed, dropped or added.
        let edited = (
            prop::collection::vec(any::<u8>(), 0..48),
            any::<prop::sample::Index>(),
            0u8..3,
            prop_oneof![
                Just(b' '),
                Just(b','),
                Just(b'='),
                Just(b'"'),
                Just(b'\\'),
                Just(b'\t'),
                Just(b'a'),
                0u8..0x80
            ],
        )
            .prop_map(|(choices, at, edit, byte)| {
                let mut bytes = build_header_value(&choices).into_bytes();
                let i = at.index(bytes.len() + 1);
                match edit {
                    0 if i < bytes.len() => bytes[i] = byte,
                    1 if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    _ => bytes.insert(i, byte),
                }
                String::from_utf8_lossy(&bytes).into_owned()
            });
        let [parsed, syntax, other] = differential(edited);
        eprintln!("edited: {parsed} parsed, {syntax} syntax errors, {other} other errors");
        assert!(parsed > 2_000 && syntax > 7_000 && other > 2_500);

        // Anything made of the grammar's characters (almost always malformed).
        let [parsed, syntax, _] =
            differential("[ \t,=\"\\\\aB1!~:/é\u{1}\u{7f}]{0,16}".prop_map(|s| s));
        eprintln!("characters: {parsed} parsed, {syntax} syntax errors");
        assert!(parsed > 1_000 && syntax > 15_000);
    }

    /// Run [`assert_same`] on 20 000 values of `values`: how many parsed, how many were
    /// syntax errors and how many other errors.
    fn differential(values: impl Strategy<Value = String>) -> [u32; 3] {
        let counts = std::cell::Cell::new([0; 3]);
        let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(20_000));
        let result = runner.run(&values, |value| {
            let mut c = counts.get();
            match assert_same(&value) {
                Ok(_) => c[0] += 1,
                Err(ChallengeError::Syntax(_)) => c[1] += 1,
                Err(_) => c[2] += 1,
            }
            counts.set(c);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
        counts.get()
    }

    #[test]
    fn real_headers_parse_as_http_auth_does() {
        let fixtures = [
            include_str!("../../tests/fixtures/notary-0.7.0-memory/auth-notoken.http"),
            include_str!("../../tests/fixtures/notary-0.7.0-memory/auth-tokens.http"),
        ];
        let mut bearers = 0;
        for line in fixtures.iter().flat_map(|f| f.lines()) {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            if !name.eq_ignore_ascii_case("www-authenticate") {
                continue;
            }
            let list = assert_same(value).unwrap();
            assert!(list[0].as_bearer().is_some(), "{value}");
            bearers += 1;
        }
        assert_eq!(bearers, 20);
        for value in [
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#,
            r#"Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull""#,
            r#"Bearer realm="https://msr.example.org/auth/token",service="dtr",scope="registry:catalog:*",error="insufficient_scope""#,
            r#"Bearer realm="https://msr.example.org/auth/token",service="dtr",error="invalid_token",error_description="The access token expired""#,
            r#"Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com""#,
            r#"Basic realm="harbor""#,
            r#"Basic realm="Restricted", charset="UTF-8""#,
            r#"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#,
            "Negotiate",
            "NTLM, Negotiate, Basic realm=\"corp\"",
        ] {
            assert_same(value).unwrap();
        }
    }

    fn bearer(value: &str) -> BearerChallenge {
        match Challenge::parse_list(value).unwrap().into_iter().next() {
            Some(Challenge::Bearer(b)) => b,
            other => panic!("not bearer: {other:?}"),
        }
    }

    #[test]
    fn msr_challenge_with_comma_inside_quotes() {
        let b = bearer(
            r#"Bearer realm="https://msr.example.org/auth/token",service="dtr",scope="repository:msr.example.org/ns/repo:pull,push",error="insufficient_scope""#,
        );
        assert_eq!(b.realm, "https://msr.example.org/auth/token");
        assert_eq!(b.service.as_deref(), Some("dtr"));
        assert_eq!(b.scopes.len(), 1);
        assert_eq!(b.scopes[0].actions(), ["pull", "push"]);
        assert_eq!(b.error, Some(BearerError::InsufficientScope));
    }

    #[test]
    fn case_insensitive_scheme_and_keys_and_spacing() {
        let b = bearer(
            r#"bEaReR   REALM = "https://x/auth" , Service=dtr, SCOPE="registry:catalog:* repository:127.0.0.1:8443/a/b:pull" ,Error=INVALID_TOKEN"#,
        );
        assert_eq!(b.realm, "https://x/auth");
        assert_eq!(b.service.as_deref(), Some("dtr"));
        assert_eq!(b.scopes.len(), 2);
        assert_eq!(b.scopes[1].name(), "127.0.0.1:8443/a/b");
        assert_eq!(b.error, Some(BearerError::InvalidToken));
    }

    #[test]
    fn escapes_are_unescaped() {
        let b =
            bearer(r#"Bearer realm="https://x/auth",error_description="say \"hi\", \\ then go""#);
        assert_eq!(
            b.error_description.as_deref(),
            Some(r#"say "hi", \ then go"#)
        );
    }

    #[test]
    fn several_challenges_in_one_value() {
        let list = Challenge::parse_list(
            r#"Basic realm="msr.example.org", Bearer realm="https://x/auth",service="dtr", Negotiate, Custom a=1, b="2""#,
        )
        .unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(
            list[0],
            Challenge::Basic(BasicChallenge {
                realm: Some("msr.example.org".into())
            })
        );
        assert!(list[1].as_bearer().is_some());
        assert_eq!(
            list[3],
            Challenge::Other(OtherChallenge {
                scheme: "Custom".into(),
                params: vec![("a".into(), "1".into()), ("b".into(), "2".into())]
            })
        );
    }

    #[test]
    fn several_header_values_and_a_garbage_one() {
        let mut headers = HeaderMap::new();
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"p\""),
        );
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Negotiate YIIabc=="),
        );
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"https://x/auth\",service=\"dtr\""),
        );
        let list = Challenge::from_headers(&headers).unwrap();
        assert_eq!(list.len(), 2);
        let b = bearer_challenge(&headers).unwrap().unwrap();
        assert_eq!(b.service.as_deref(), Some("dtr"));

        let mut only_garbage = HeaderMap::new();
        only_garbage.append(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm"));
        assert!(matches!(
            Challenge::from_headers(&only_garbage),
            Err(ChallengeError::Syntax(_))
        ));
        assert_eq!(bearer_challenge(&HeaderMap::new()), Ok(None));
        let mut basic_only = HeaderMap::new();
        basic_only.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"x\""),
        );
        assert_eq!(bearer_challenge(&basic_only), Ok(None));
    }

    #[test]
    fn non_ascii_header_bytes_are_an_error() {
        let mut headers = HeaderMap::new();
        headers.append(
            WWW_AUTHENTICATE,
            HeaderValue::from_bytes(b"Bearer realm=\"https://x/\xff\"").unwrap(),
        );
        assert!(Challenge::from_headers(&headers).is_err());
        assert!(Challenge::parse_list("Bearer realm=\"https://x/ü\"").is_err());
    }

    #[test]
    fn hostile_values_are_typed_errors() {
        for value in [
            "Bearer realm=\"unterminated",
            "Bearer realm=\"x\\",
            "Bearer realm=\"x\" junk",
            "Bearer =x",
            "Bearer realm=,",
            "\"quoted\" scheme",
            "Bearer realm=\"https://x\",scope=\"repository:nope\"",
            "Bearer service=\"dtr\"",
            "Bearer realm=\"  \"",
        ] {
            assert!(Challenge::parse_list(value).is_err(), "{value}");
        }
        assert_eq!(Challenge::parse_list("").unwrap(), vec![]);
        assert_eq!(Challenge::parse_list("   ").unwrap(), vec![]);
        let long = format!("Bearer realm=\"{}", "x".repeat(100_000));
        let err = Challenge::parse_list(&long).unwrap_err().to_string();
        assert!(err.len() < 400);
    }

    #[test]
    fn whitespace_outside_quotes_is_collapsed() {
        assert_eq!(
            normalise_whitespace(" \tBearer \t realm = \"a  \\\"  b\" ,\tx=1 \t"),
            "Bearer realm = \"a  \\\"  b\" , x=1"
        );
        let b = bearer("Bearer\trealm=\"https://x/  y\"  ");
        assert_eq!(b.realm, "https://x/  y");
    }

    #[test]
    fn duplicate_parameters_first_wins() {
        let b = bearer(r#"Bearer realm="https://a/",realm="https://evil/""#);
        assert_eq!(b.realm, "https://a/");
    }
}
