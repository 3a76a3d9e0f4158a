//! Every parameter's value as plain values, and what they ask of the monitor layer: one
//! mapping from the parameters to [`Controls`], used by the plug-in on every block and by
//! the renderer for a settings file, so both always agree.

use crate::dsp::correction::Curve;
use crate::dsp::crossfeed::Preset;
use crate::dsp::listening::dose::Criterion;
use crate::dsp::listening::generator::Kind as Generator;
use crate::dsp::{
    ControllerSettings, CorrectionSettings, CrossfeedSettings, LatencyMode, MonitorMode, Named,
    Settings,
};
use crate::monitor::Controls;
use crate::params::*;

/// Every parameter's value (named after the parameters' ids).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Values {
    /// `gain`, in dB.
    pub gain_db: f32,
    /// `mode`.
    pub mode: MonitorMode,
    /// `swap`.
    pub swap: bool,
    /// `limiter`.
    pub limiter: bool,
    /// `ceiling`, in dBTP.
    pub ceiling_db: f32,
    /// `release`, in ms.
    pub release_ms: f32,
    /// `latency`.
    pub latency: LatencyMode,
    /// `bypass`.
    pub bypass: bool,
    /// `crossfeed`.
    pub crossfeed: bool,
    /// `xf_preset`.
    pub crossfeed_preset: Preset,
    /// `xf_cutoff`, in Hz.
    pub crossfeed_cutoff_hz: f32,
    /// `xf_feed`, in dB.
    pub crossfeed_feed_db: f32,
    /// `monitor_only`.
    pub monitor_only: bool,
    /// `generator`.
    pub generator: Generator,
    /// `dose_criterion`.
    pub allowance: Criterion,
    /// `protect`.
    pub protect: bool,
    /// `protect_db`, in dB.
    pub protect_db: f32,
    /// `spl_ceiling`.
    pub spl_ceiling: bool,
    /// `spl_ceiling_db`, in dB SPL.
    pub spl_ceiling_db: f32,
    /// `correction`.
    pub correction: bool,
    /// `correction_level_match`.
    pub correction_level_match: bool,
    /// `dim`.
    pub dim: bool,
    /// `dim_db`, in dB.
    pub dim_db: f32,
    /// `mute`.
    pub mute: bool,
    /// `invert_l`.
    pub invert_left: bool,
    /// `invert_r`.
    pub invert_right: bool,
    /// `trim_l`, in dB.
    pub trim_left_db: f32,
    /// `trim_r`, in dB.
    pub trim_right_db: f32,
    /// `bass_mono`.
    pub bass_mono: bool,
    /// `bass_mono_hz`, in Hz.
    pub bass_mono_hz: f32,
}

/// The default of a choice, as its type.
fn choice_default<T: Named>(choice: Choice) -> T {
    T::from_index(choice.default)
}

impl Default for Values {
    /// A new instance's values (the table's defaults).
    fn default() -> Self {
        Self {
            gain_db: GAIN.default,
            mode: choice_default(MODE),
            swap: false,
            limiter: true,
            ceiling_db: CEILING.default,
            release_ms: RELEASE.default,
            latency: choice_default(LATENCY),
            bypass: false,
            crossfeed: false,
            crossfeed_preset: choice_default(CROSSFEED_PRESET),
            crossfeed_cutoff_hz: CROSSFEED_CUTOFF.default,
            crossfeed_feed_db: CROSSFEED_FEED.default,
            monitor_only: true,
            generator: choice_default(GENERATOR),
            allowance: choice_default(ALLOWANCE),
            protect: false,
            protect_db: PROTECT.default,
            spl_ceiling: false,
            spl_ceiling_db: SPL_CEILING.default,
            correction: true,
            correction_level_match: true,
            dim: false,
            dim_db: DIM.default,
            mute: false,
            invert_left: false,
            invert_right: false,
            trim_left_db: TRIM.default,
            trim_right_db: TRIM.default,
            bass_mono: false,
            bass_mono_hz: BASS_MONO_CROSSOVER.default,
        }
    }
}

impl Values {
    /// What these values ask for, as the monitor layer's controls, with the calibration's
    /// full-scale SPL (`None` if not calibrated) and the loaded correction curve.
    pub fn controls(&self, full_scale_spl: Option<f64>, curve: Curve) -> Controls {
        let (cutoff_hz, feed_db) = self
            .crossfeed_preset
            .resolve(self.crossfeed_cutoff_hz, self.crossfeed_feed_db);
        Controls {
            chain: Settings {
                gain_db: self.gain_db,
                mode: self.mode,
                swap: self.swap,
                limiter_on: self.limiter,
                ceiling_db: self.ceiling_db,
                release_ms: self.release_ms,
                latency: self.latency,
                bypass: self.bypass,
                crossfeed: CrossfeedSettings {
                    on: self.crossfeed,
                    cutoff_hz,
                    feed_db,
                },
                generator: self.generator,
                protect_db: 0.0,
                correction: CorrectionSettings {
                    on: self.correction,
                    level_match: self.correction_level_match,
                    curve,
                    prepared: None,
                },
                controller: ControllerSettings {
                    invert: [self.invert_left, self.invert_right],
                    trim_db: [self.trim_left_db, self.trim_right_db],
                    dim: self.dim,
                    dim_db: self.dim_db,
                    mute: self.mute,
                    bass_mono: self.bass_mono,
                    bass_mono_hz: self.bass_mono_hz,
                },
            },
            monitor_only: self.monitor_only,
            full_scale_spl,
            spl_ceiling_db: self.spl_ceiling.then_some(self.spl_ceiling_db),
            protect_db: self.protect.then_some(self.protect_db),
            criterion: self.allowance,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_values_are_the_default_controls() {
        // (Correction and its level match are on by default: they act once a file is
        // loaded; with no curve they change nothing.)
        let defaults = Controls::default();
        let expected = Controls {
            chain: Settings {
                correction: CorrectionSettings {
                    on: true,
                    level_match: true,
                    curve: Curve::default(),
                    prepared: None,
                },
                ..defaults.chain
            },
            ..defaults
        };
        assert_eq!(Values::default().controls(None, Curve::default()), expected);
    }
}
