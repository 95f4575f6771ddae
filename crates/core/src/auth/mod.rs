//! Authentication: credentials, scopes, challenges, bearer tokens and the token flow.
