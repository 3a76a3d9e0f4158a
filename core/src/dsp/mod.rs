//! The monitoring chain as pure DSP: plain settings in, stereo slices in and out.
//!
//! [`chain`] holds the chain's stage list, in processing order: input hygiene
//! ([`sanitize`]), the dry tap for bypass and the input meters, the monitor matrix
//! ([`matrix`]: polarity, mode, swap, gain), mono below ([`bass_mono`]), crossfeed
//! ([`crossfeed`]), headphone correction ([`correction`]), protection ([`protection`]),
//! the test signal ([`test_signal`]), the ear levels ([`ear_levels`]: trim, dim, mute),
//! the limiter ([`limiter`], with its on/off crossfade), bypass ([`bypass`]) and the
//! output meters ([`meters`]). Each entry is a [`Stage`] in its own file; the list gives
//! the order, the latency (the sum of the entries', in practice the limiter's lookahead, a
//! function of the sample rate only), construction and reset. Adding a stage is one file
//! and one line in that list. Every fade is one [`crossfade::Crossfade`] and every
//! glide one [`ramp::Ramp`].
//!
//! Nothing here imports `nice_plug`; the plugin, the renderer, the tests and the
//! benchmarks all drive this same code.

pub mod bass_mono;
pub mod bypass;
pub mod chain;
pub mod controller;
pub mod correction;
pub mod cpu;
pub mod crossfade;
pub mod crossfeed;
pub mod ear_levels;
pub mod limiter;
pub mod listening;
pub mod math;
pub mod matrix;
pub mod meters;
pub mod named;
pub mod protection;
pub mod ramp;
pub mod sanitize;
pub mod stage;
pub mod test_signal;

pub use crossfeed::{Crossfeed, CrossfeedSettings};
pub use limiter::{LatencyMode, Limiter, LimiterSettings};
pub use matrix::MonitorMode;
pub use meters::BlockMeters;
pub use named::Named;

pub use protection::{MAX_PROTECT_DB, PROTECT_RAMP_S};

pub use chain::Chain;
pub use controller::ControllerSettings;
pub use correction::CorrectionSettings;
pub use stage::{Chunk, Stage, StageSetup};

/// Duration of every click-free switch (mode, swap, gain moves, limiter on/off, bypass), in ms.
pub const SWITCH_MS: f64 = 20.0;
/// Internal block length: longer host blocks are processed in pieces of this size.
pub const MAX_CHUNK: usize = 256;
/// Output gains at or below this are treated as −∞ (silence), in dB.
pub const MUTE_BELOW_DB: f32 = crate::params::MUTE_BELOW_DB;

/// Plain settings of the whole chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Output gain in dB; below [`MUTE_BELOW_DB`] the output is silent.
    pub gain_db: f32,
    /// Monitor mode.
    pub mode: MonitorMode,
    /// Swap left and right (after the mode).
    pub swap: bool,
    /// Limiter on (the safe state) or off.
    pub limiter_on: bool,
    /// Limiter ceiling, in dBTP.
    pub ceiling_db: f32,
    /// Limiter release time constant, in ms.
    pub release_ms: f32,
    /// The limiter's latency: exact true peak, or none (sample peak).
    pub latency: LatencyMode,
    /// Host bypass: dry input, delayed by the latency.
    pub bypass: bool,
    /// Crossfeed for headphone listening (off by default).
    pub crossfeed: CrossfeedSettings,
    /// Test signal replacing the programme (off by default).
    pub generator: listening::generator::Kind,
    /// Protective level reduction in dB (0 = none), gliding over [`PROTECT_RAMP_S`].
    pub protect_db: f32,
    /// Headphone correction (off, and flat, by default).
    pub correction: CorrectionSettings,
    /// Monitor controller: polarity, trim, dim, mute, bass mono (neutral by default).
    pub controller: ControllerSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            gain_db: crate::params::GAIN.default,
            mode: MonitorMode::Stereo,
            swap: false,
            limiter_on: true,
            ceiling_db: crate::params::CEILING.default,
            release_ms: crate::params::RELEASE.default,
            latency: LatencyMode::Exact,
            bypass: false,
            crossfeed: CrossfeedSettings::default(),
            generator: listening::generator::Kind::Off,
            protect_db: 0.0,
            correction: CorrectionSettings::default(),
            controller: ControllerSettings::default(),
        }
    }
}

/// Converts decibels to a linear amplitude.
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// Converts a linear amplitude to decibels (−∞ for 0).
pub fn gain_to_db(gain: f32) -> f32 {
    if gain > 0.0 {
        20.0 * gain.log10()
    } else {
        f32::NEG_INFINITY
    }
}

/// Linear output gain for a `gain_db` setting (0 below [`MUTE_BELOW_DB`]).
pub fn output_gain(gain_db: f32) -> f32 {
    if gain_db.is_nan() || gain_db < MUTE_BELOW_DB {
        0.0
    } else {
        db_to_gain(gain_db.min(24.0))
    }
}
