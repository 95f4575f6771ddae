//! Shared helpers for the integration tests (they live in `tests/tests/`).
