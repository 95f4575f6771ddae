//! Test support shared by the changefeed integration tests: a reader for the `.http`
//! captures and an in-memory fake of notary's changefeed.
#![allow(dead_code)]

pub mod fake;
pub mod fixture;
