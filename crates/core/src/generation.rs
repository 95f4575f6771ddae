//! MSR generation detection from `/_ping` and `/api/v2.0/ping`.
