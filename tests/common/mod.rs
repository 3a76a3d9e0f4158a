//! Shared helpers for the integration tests.
//!
//! Use from a test file with `mod common;` and `use common::clap_host::Host;`.

pub mod clap_host;
pub mod vst3_host;

/// Every parameter's string ID, in declaration order. Pinned: released IDs never change.
#[allow(dead_code)]
pub const PARAM_IDS: [&str; 29] = [
    "gain",
    "mode",
    "swap",
    "limiter",
    "ceiling",
    "release",
    "bypass",
    "crossfeed",
    "xf_preset",
    "xf_cutoff",
    "xf_feed",
    "monitor_only",
    "generator",
    "dose_criterion",
    "protect",
    "protect_db",
    "spl_ceiling",
    "spl_ceiling_db",
    "correction",
    "correction_level_match",
    "dim",
    "dim_db",
    "mute",
    "invert_l",
    "invert_r",
    "trim_l",
    "trim_r",
    "bass_mono",
    "bass_mono_hz",
];

/// Parameters fuzzed with random values: all but the limiter switch and bypass (either one
/// lets the input through on purpose).
#[allow(dead_code)]
pub fn fuzzed() -> Vec<&'static str> {
    PARAM_IDS
        .into_iter()
        .filter(|id| !matches!(*id, "limiter" | "bypass"))
        .collect()
}
