//! Headphone Monitor's test kit, shared by every test and benchmark of the workspace:
//!
//! - [`rng`]: the one seeded random source;
//! - [`signals`]: sines, pink noise, programme, the limiter's corpus and its worst cases;
//! - [`measure`]: RMS, peaks, the largest step (the click measure);
//! - [`strict`]: the strict true-peak reference the limiter's promise is judged by;
//! - [`property`]: how the property tests draw their cases (fixed seed, opt-in hunt);
//! - [`clap_host`], [`vst3_host`]: hosts that load the built plug-in (clack-host; the `vst3`
//!   crate's COM bindings);
//! - [`render_aware`]: the programme and the judgements of the render-aware tests.

pub mod clap_host;
pub mod hot_programme;
pub mod measure;
pub mod property;
pub mod render_aware;
pub mod rng;
pub mod signals;
pub mod strict;
pub mod vst3_host;

/// Every parameter's string ID, in declaration order. Pinned: released IDs never change.
pub const PARAM_IDS: [&str; 30] = [
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
    "latency",
];

/// Parameters fuzzed with random values: all but the limiter switch and bypass (either one
/// lets the input through on purpose).
pub fn fuzzed() -> Vec<&'static str> {
    PARAM_IDS
        .into_iter()
        .filter(|id| !matches!(*id, "limiter" | "bypass"))
        .collect()
}

/// The chain's latency at `rate` Hz in the latency setting `mode`, default settings
/// otherwise, in samples: what a plug-in instance must report.
pub fn latency_in(rate: f64, mode: headphone_monitor_core::dsp::LatencyMode) -> usize {
    headphone_monitor_core::dsp::Chain::new(
        rate as f32,
        headphone_monitor_core::dsp::Settings {
            latency: mode,
            ..Default::default()
        },
    )
    .latency_samples()
}

/// A file of the shared test data in `test-support/fixtures/` (EQ files, saved states).
pub fn fixture(relative: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(relative)
}
