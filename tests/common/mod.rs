//! Shared helpers for the integration tests.
//!
//! Use from a test file with `mod common;` and `use common::clap_host::Host;`.

pub mod clap_host;
pub mod vst3_host;
