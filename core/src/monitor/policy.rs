//! What the monitor decides on top of the parameters: one pure function from the
//! controls and the circumstances (weekly exposure, render state) to the chain's
//! settings. No clock, no atomics, no framework: the plug-in, the renderer and the
//! tests all call this same function.

use crate::dsp::listening::{calibration, dose};
use crate::dsp::Settings;
use crate::monitor::render_guard::RenderState;

/// Lowest ceiling the SPL cap can set, in dBTP (a cap below the parameter range is kept,
/// down to this).
pub const SPL_CEILING_FLOOR_DB: f32 = -60.0;

/// Everything the user controls, as plain values (the plug-in maps its parameters onto
/// this, the renderer its flags or a saved state).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Controls {
    /// The chain's own settings as the parameters give them (`protect_db` is ignored:
    /// protection is decided by [`effective_settings`]).
    pub chain: Settings,
    /// "Monitor only": pass audio through unchanged during genuine offline renders.
    pub monitor_only: bool,
    /// SPL of a full-scale sine at the ear, in dB SPL, if calibrated.
    pub full_scale_spl: Option<f64>,
    /// Cap the peak level at the ear at this many dB SPL (needs a calibration).
    pub spl_ceiling_db: Option<f32>,
    /// Lower the level by this many dB once the weekly allowance is used up (needs a
    /// calibration).
    pub protect_db: Option<f32>,
    /// The weekly allowance.
    pub criterion: dose::Criterion,
}

impl Default for Controls {
    fn default() -> Self {
        Self {
            chain: Settings::default(),
            monitor_only: true,
            full_scale_spl: None,
            spl_ceiling_db: None,
            protect_db: None,
            criterion: dose::Criterion::Standard80,
        }
    }
}

impl From<Settings> for Controls {
    /// The chain's settings alone: monitor only on, not calibrated.
    fn from(chain: Settings) -> Self {
        Self {
            chain,
            ..Self::default()
        }
    }
}

/// The circumstances a block is processed in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circumstances {
    /// Sound exposure of the last 7 days, this instance's included, in Pa²·h.
    pub week_exposure_pa2h: f64,
    /// What the render guard decided for this block.
    pub render: RenderState,
}

impl Default for Circumstances {
    fn default() -> Self {
        Self {
            week_exposure_pa2h: 0.0,
            render: RenderState::Realtime,
        }
    }
}

/// The chain's settings for `controls` under `now`: the ceiling lowered to the SPL cap
/// through the calibration, protection once the weekly allowance is used up (ITU-T H.871:
/// gradually; the chain glides it in), and with "monitor only", while the host says it
/// renders offline:
/// - until the render guard has proven the pace ([`RenderState::Verifying`]), none of the
///   monitoring (mode, swap, gain, crossfeed, correction, controller, test signal,
///   protection), but the ceiling: audio under it comes out unchanged from the first sample,
///   and a host that claims offline while someone listens cannot blast them;
/// - once the pace is proven ([`RenderState::PassThrough`]), bypass: the input itself.
pub fn effective_settings(controls: &Controls, now: &Circumstances) -> Settings {
    let mut settings = controls.chain;
    settings.protect_db = 0.0;
    if let Some(spl) = controls.full_scale_spl.filter(|s| s.is_finite()) {
        if let Some(cap_db) = controls.spl_ceiling_db {
            // A NaN cap is the safest cap there is, not none.
            let cap = if cap_db.is_nan() {
                f64::from(SPL_CEILING_FLOOR_DB)
            } else {
                calibration::ceiling_for_peak_spl(f64::from(cap_db), spl)
            };
            let cap = (cap as f32).clamp(SPL_CEILING_FLOOR_DB, 0.0);
            settings.ceiling_db = if settings.ceiling_db.is_nan() {
                cap
            } else {
                settings.ceiling_db.min(cap)
            };
        }
        if let Some(protect_db) = controls.protect_db {
            if now.week_exposure_pa2h >= controls.criterion.allowance_pa2h() {
                settings.protect_db = protect_db;
            }
        }
    }
    match now.render {
        RenderState::Verifying => ceiling_only(settings),
        // (The processed path stays without monitoring behind the bypass, so the crossfade
        // between the two changes nothing where the limiter had nothing to do.)
        RenderState::PassThrough => Settings {
            bypass: true,
            ..ceiling_only(settings)
        },
        RenderState::Realtime | RenderState::RealtimePace | RenderState::Printing => settings,
    }
}

/// `settings` without any of the monitoring: only the limiter (its switch, ceiling,
/// release and latency) and the host's bypass remain.
fn ceiling_only(settings: Settings) -> Settings {
    Settings {
        limiter_on: settings.limiter_on,
        ceiling_db: settings.ceiling_db,
        release_ms: settings.release_ms,
        latency: settings.latency,
        bypass: settings.bypass,
        ..Settings::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calibrated() -> Controls {
        Controls {
            full_scale_spl: Some(110.0),
            ..Controls::default()
        }
    }

    #[test]
    fn parameters_pass_through_unchanged_when_nothing_else_applies() {
        let controls = Controls::default();
        let s = effective_settings(&controls, &Circumstances::default());
        assert_eq!(s, Settings::default());
    }

    #[test]
    fn the_spl_cap_lowers_the_ceiling_through_the_calibration_and_never_raises_it() {
        let mut c = calibrated();
        c.spl_ceiling_db = Some(100.0);
        // 0 dBFS sine = 110 dB SPL → a 100 dB SPL peak is −10 dBFS peak (−7 dB re the sine's
        // RMS reference, see calibration::ceiling_for_peak_spl).
        let expect = calibration::ceiling_for_peak_spl(100.0, 110.0) as f32;
        let s = effective_settings(&c, &Circumstances::default());
        assert_eq!(s.ceiling_db, expect.min(-1.0));
        c.spl_ceiling_db = Some(130.0);
        assert_eq!(
            effective_settings(&c, &Circumstances::default()).ceiling_db,
            -1.0
        );
        // Without a calibration the cap does nothing.
        c.full_scale_spl = None;
        c.spl_ceiling_db = Some(70.0);
        assert_eq!(
            effective_settings(&c, &Circumstances::default()).ceiling_db,
            -1.0
        );
    }

    #[test]
    fn protection_starts_exactly_at_the_allowance() {
        let mut c = calibrated();
        c.protect_db = Some(6.0);
        let allowance = c.criterion.allowance_pa2h();
        let at = |week| {
            effective_settings(
                &c,
                &Circumstances {
                    week_exposure_pa2h: week,
                    ..Circumstances::default()
                },
            )
            .protect_db
        };
        assert_eq!(at(allowance * 0.999), 0.0);
        assert_eq!(at(allowance), 6.0);
        c.protect_db = None;
        assert_eq!(
            effective_settings(
                &c,
                &Circumstances {
                    week_exposure_pa2h: allowance * 2.0,
                    ..Circumstances::default()
                }
            )
            .protect_db,
            0.0
        );
    }

    #[test]
    fn a_pass_through_render_bypasses_and_a_nan_cap_is_the_safest() {
        let c = Controls::default();
        let now = Circumstances {
            render: RenderState::PassThrough,
            ..Circumstances::default()
        };
        assert!(effective_settings(&c, &now).bypass);
        let mut c = calibrated();
        c.spl_ceiling_db = Some(f32::NAN);
        c.chain.ceiling_db = f32::NAN;
        assert_eq!(
            effective_settings(&c, &Circumstances::default()).ceiling_db,
            SPL_CEILING_FLOOR_DB
        );
    }

    #[test]
    fn an_unproven_offline_render_keeps_the_ceiling_and_nothing_else() {
        use crate::dsp::{CrossfeedSettings, MonitorMode};
        let mut c = calibrated();
        c.chain.mode = MonitorMode::Mono;
        c.chain.swap = true;
        c.chain.gain_db = -6.0;
        c.chain.crossfeed = CrossfeedSettings {
            on: true,
            ..CrossfeedSettings::default()
        };
        c.chain.controller.dim = true;
        c.chain.release_ms = 200.0;
        c.chain.ceiling_db = -3.0;
        c.spl_ceiling_db = Some(90.0);
        c.protect_db = Some(6.0);
        let now = |render| Circumstances {
            week_exposure_pa2h: 1e9,
            render,
        };
        let heard = effective_settings(&c, &now(RenderState::Realtime));
        assert!(heard.protect_db > 0.0 && heard.ceiling_db < -3.0);
        let verifying = effective_settings(&c, &now(RenderState::Verifying));
        assert_eq!(
            verifying,
            Settings {
                ceiling_db: heard.ceiling_db,
                release_ms: 200.0,
                ..Settings::default()
            },
            "the ceiling (SPL cap included) and the release remain, nothing else"
        );
        for render in [RenderState::RealtimePace, RenderState::Printing] {
            assert_eq!(effective_settings(&c, &now(render)), heard, "{render:?}");
        }
        let passing = effective_settings(&c, &now(RenderState::PassThrough));
        assert_eq!(
            passing,
            Settings {
                bypass: true,
                ..verifying
            }
        );
    }
}
