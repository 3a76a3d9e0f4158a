//! The monitor controller's settings: what a hardware monitor controller between the
//! mix and the ears offers (polarity per input channel, per-ear trim, dim, mute, mono
//! below a frequency). Each is neutral by default and bit-transparent there; the stages
//! that carry them are [`super::matrix`] (polarity), [`super::bass_mono`] and
//! [`super::ear_levels`] (trim, dim, mute).

use crate::params;

/// Per-ear trim range, in dB (either way; the parameter's).
pub const TRIM_RANGE_DB: f32 = params::TRIM.max;
/// Dim amount range, in dB: `DIM_MIN_DB ..= 0` (the parameter's).
pub const DIM_MIN_DB: f32 = params::DIM.min;
/// Dim amount by default, in dB (the classic controller's −20 dB).
pub const DIM_DEFAULT_DB: f32 = params::DIM.default;
/// Bass-mono crossover range, in Hz (the parameter's).
pub const BASS_MONO_MIN_HZ: f32 = params::BASS_MONO_CROSSOVER.min;
/// Bass-mono crossover range, in Hz (the parameter's).
pub const BASS_MONO_MAX_HZ: f32 = params::BASS_MONO_CROSSOVER.max;
/// Bass-mono crossover by default, in Hz.
pub const BASS_MONO_DEFAULT_HZ: f32 = params::BASS_MONO_CROSSOVER.default;

/// Monitor-controller settings (all neutral by default).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ControllerSettings {
    /// Invert the polarity of the input's left and right channels (before the matrix:
    /// "invert L" + Mono is the classic polarity check).
    pub invert: [bool; 2],
    /// Per-ear trim, left and right ear, in dB (±[`TRIM_RANGE_DB`]); after the matrix,
    /// so it corrects the ears, not the channels.
    pub trim_db: [f32; 2],
    /// Dim on.
    pub dim: bool,
    /// Dim amount, in dB ([`DIM_MIN_DB`] … 0).
    pub dim_db: f32,
    /// Mute on: exact silence before the limiter.
    pub mute: bool,
    /// Mono below the crossover on.
    pub bass_mono: bool,
    /// Bass-mono crossover, in Hz ([`BASS_MONO_MIN_HZ`] … [`BASS_MONO_MAX_HZ`]).
    pub bass_mono_hz: f32,
}

impl Default for ControllerSettings {
    fn default() -> Self {
        Self {
            invert: [false; 2],
            trim_db: [0.0; 2],
            dim: false,
            dim_db: DIM_DEFAULT_DB,
            mute: false,
            bass_mono: false,
            bass_mono_hz: BASS_MONO_DEFAULT_HZ,
        }
    }
}

impl ControllerSettings {
    /// Each ear's linear gain from trim, dim and mute (NaN values take the quietest
    /// setting of their range: a NaN trim is −12 dB, a NaN dim amount −40 dB).
    pub fn ear_gains(&self) -> [f32; 2] {
        if self.mute {
            return [0.0; 2];
        }
        let dim = if self.dim {
            let db = if self.dim_db.is_nan() {
                DIM_MIN_DB
            } else {
                self.dim_db
            };
            super::db_to_gain(db.clamp(DIM_MIN_DB, 0.0))
        } else {
            1.0
        };
        self.trim_db.map(|t| {
            let t = if t.is_nan() { -TRIM_RANGE_DB } else { t };
            let trim = if t == 0.0 {
                1.0
            } else {
                super::db_to_gain(t.clamp(-TRIM_RANGE_DB, TRIM_RANGE_DB))
            };
            trim * dim
        })
    }

    /// The bass-mono crossover, clamped to its range (NaN: the default).
    pub fn crossover_hz(&self) -> f32 {
        if self.bass_mono_hz.is_nan() {
            BASS_MONO_DEFAULT_HZ
        } else {
            self.bass_mono_hz.clamp(BASS_MONO_MIN_HZ, BASS_MONO_MAX_HZ)
        }
    }
}
