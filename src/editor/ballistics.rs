//! Meter ballistics: how the numbers from the audio thread move on screen.
//!
//! Standard peak-programme behaviour (in the spirit of IEC 60268-18 digital peak
//! meters): a new peak shows at once, the bar then falls at a steady
//! [`FALL_DB_PER_S`]; a peak-hold line stays [`HOLD_S`] and then follows the bar;
//! the numeric maximum is the exact largest value since the user last reset it.
//! Pure arithmetic on plain numbers, so it is unit-tested without a window.

use super::format::{gain_reduction_db, linear_to_db};

/// Fall rate of level and gain-reduction bars, in dB per second.
pub const FALL_DB_PER_S: f32 = 20.0;
/// How long a peak-hold line stays put, in seconds.
pub const HOLD_S: f32 = 1.5;
/// How long the "limiting" light stays lit after the last gain reduction, in seconds.
pub const LIMITING_LIGHT_S: f32 = 0.5;
/// Integration time of the correlation meter, in seconds.
pub const CORRELATION_S: f32 = 0.3;
/// Longest frame interval taken into account, in seconds (a stalled window does
/// not make the bars jump by more than this).
const MAX_FRAME_S: f32 = 0.25;

/// A falling bar with a peak hold and a resettable maximum, in dB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ballistics {
    /// Value the bar shows, in dB (`floor_db` at rest).
    pub bar_db: f32,
    /// Peak-hold line, in dB.
    pub hold_db: f32,
    /// Seconds the hold line still stays.
    hold_left_s: f32,
    /// Largest value since the last [`Ballistics::reset_max`], in dB.
    pub max_db: f32,
    /// Resting value, in dB (−∞ for levels, 0 for gain reduction).
    floor_db: f32,
}

impl Ballistics {
    /// At rest at `floor_db`.
    pub fn new(floor_db: f32) -> Self {
        Self {
            bar_db: floor_db,
            hold_db: floor_db,
            hold_left_s: 0.0,
            max_db: floor_db,
            floor_db,
        }
    }

    /// Takes the largest value since the previous frame, `dt_s` seconds ago.
    pub fn update(&mut self, value_db: f32, dt_s: f32) {
        let value = if value_db.is_nan() {
            self.floor_db
        } else {
            value_db
        };
        let dt = if dt_s.is_finite() {
            dt_s.clamp(0.0, MAX_FRAME_S)
        } else {
            0.0
        };
        let fallen = (self.bar_db - FALL_DB_PER_S * dt).max(self.floor_db);
        self.bar_db = value.max(fallen);
        if value >= self.hold_db {
            self.hold_db = value;
            self.hold_left_s = HOLD_S;
        } else {
            self.hold_left_s -= dt;
            if self.hold_left_s <= 0.0 {
                self.hold_db = self.bar_db;
            }
        }
        self.max_db = self.max_db.max(value);
    }

    /// Starts a new maximum (the user clicked the readout).
    pub fn reset_max(&mut self) {
        self.max_db = self.floor_db;
    }
}

/// One channel's level: sample peak and true peak, each with its own ballistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LevelMeter {
    /// Sample peak, in dBFS.
    pub sample_peak: Ballistics,
    /// True peak, in dBTP.
    pub true_peak: Ballistics,
}

impl Default for LevelMeter {
    fn default() -> Self {
        Self {
            sample_peak: Ballistics::new(f32::NEG_INFINITY),
            true_peak: Ballistics::new(f32::NEG_INFINITY),
        }
    }
}

impl LevelMeter {
    /// Takes the linear peaks since the previous frame.
    pub fn update(&mut self, sample_peak: f32, true_peak: f32, dt_s: f32) {
        let sample_db = linear_to_db(sample_peak);
        // A true peak is never below the sample peak (meters may have been off).
        let true_db = linear_to_db(true_peak).max(sample_db);
        self.sample_peak.update(sample_db, dt_s);
        self.true_peak.update(true_db, dt_s);
    }

    /// Resets both maxima.
    pub fn reset_max(&mut self) {
        self.sample_peak.reset_max();
        self.true_peak.reset_max();
    }
}

/// Gain reduction (positive dB), the "limiting" light and its maximum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReductionMeter {
    /// Reduction, in dB (0 = none).
    pub reduction: Ballistics,
    /// Seconds the light stays lit.
    light_left_s: f32,
}

impl Default for ReductionMeter {
    fn default() -> Self {
        Self {
            reduction: Ballistics::new(0.0),
            light_left_s: 0.0,
        }
    }
}

impl ReductionMeter {
    /// Takes the smallest linear gain since the previous frame.
    pub fn update(&mut self, min_gain: f32, dt_s: f32) {
        let reduction = gain_reduction_db(min_gain);
        self.reduction.update(reduction, dt_s);
        if reduction > 0.0 {
            self.light_left_s = LIMITING_LIGHT_S;
        } else if dt_s.is_finite() {
            self.light_left_s -= dt_s.clamp(0.0, MAX_FRAME_S);
        }
    }

    /// Whether the "limiting" light is lit.
    pub fn limiting(&self) -> bool {
        self.light_left_s > 0.0
    }
}

/// Stereo correlation, integrated over [`CORRELATION_S`].
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CorrelationMeter {
    /// Integrated correlation (−1 … +1); `None` while there is no signal.
    pub value: Option<f32>,
}

impl CorrelationMeter {
    /// Takes the sums Σl·r, Σl², Σr² since the previous frame.
    pub fn update(&mut self, sum_lr: f64, sum_ll: f64, sum_rr: f64, dt_s: f32) {
        let energy = sum_ll * sum_rr;
        if !(energy.is_finite() && sum_lr.is_finite()) || energy <= 1e-24 {
            // No signal this frame: keep the reading, let it go after a while.
            if sum_ll + sum_rr <= 1e-24 || !energy.is_finite() {
                self.value = None;
            }
            return;
        }
        let now = (sum_lr / energy.sqrt()).clamp(-1.0, 1.0) as f32;
        let dt = if dt_s.is_finite() {
            dt_s.clamp(0.0, MAX_FRAME_S)
        } else {
            0.0
        };
        let weight = 1.0 - (-dt / CORRELATION_S).exp();
        self.value = Some(match self.value {
            Some(c) => c + (now - c) * weight,
            None => now,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peak_shows_at_once_then_falls_at_twenty_db_per_second() {
        let mut b = Ballistics::new(f32::NEG_INFINITY);
        b.update(-6.0, 1.0 / 30.0);
        assert_eq!(b.bar_db, -6.0);
        // One second of silence in 30 frames: down 20 dB.
        for _ in 0..30 {
            b.update(f32::NEG_INFINITY, 1.0 / 30.0);
        }
        assert!((b.bar_db - -26.0).abs() < 1e-3, "{}", b.bar_db);
        // A stalled window (5 s frame) falls at most MAX_FRAME_S worth.
        let before = b.bar_db;
        b.update(f32::NEG_INFINITY, 5.0);
        assert!((before - b.bar_db - FALL_DB_PER_S * MAX_FRAME_S).abs() < 1e-3);
    }

    #[test]
    fn hold_stays_for_its_time_then_follows_the_bar() {
        let mut b = Ballistics::new(f32::NEG_INFINITY);
        b.update(-3.0, 0.1);
        let mut t = 0.0;
        while t < HOLD_S - 0.15 {
            b.update(-40.0, 0.1);
            t += 0.1;
            assert_eq!(b.hold_db, -3.0, "at {t} s");
        }
        for _ in 0..3 {
            b.update(-40.0, 0.1);
        }
        assert!(b.hold_db < -3.0 && b.hold_db == b.bar_db);
    }

    #[test]
    fn maximum_is_exact_and_resets_on_demand() {
        let mut b = Ballistics::new(f32::NEG_INFINITY);
        for v in [-12.0, -0.3, -7.0, f32::NAN, -50.0] {
            b.update(v, 0.03);
        }
        assert_eq!(b.max_db, -0.3);
        b.reset_max();
        assert_eq!(b.max_db, f32::NEG_INFINITY);
        b.update(-20.0, 0.03);
        assert_eq!(b.max_db, -20.0);
    }

    #[test]
    fn bad_numbers_never_break_the_meters() {
        let mut level = LevelMeter::default();
        for (s, t, dt) in [
            (f32::NAN, f32::NAN, 0.03),
            (f32::INFINITY, 0.0, f32::NAN),
            (-1.0, f32::NEG_INFINITY, -5.0),
            (0.5, 0.25, f32::INFINITY),
        ] {
            level.update(s, t, dt);
            assert!(!level.sample_peak.bar_db.is_nan() && !level.true_peak.bar_db.is_nan());
        }
        // True peak never reads below the sample peak.
        assert!(level.true_peak.bar_db >= level.sample_peak.bar_db);
        let mut gr = ReductionMeter::default();
        gr.update(f32::NAN, 0.03);
        assert!(!gr.limiting() && gr.reduction.bar_db == 0.0);
    }

    #[test]
    fn limiting_light_stays_lit_briefly_after_any_reduction() {
        let mut gr = ReductionMeter::default();
        gr.update(1.0, 0.03);
        assert!(!gr.limiting());
        gr.update(0.999, 0.03);
        assert!(gr.limiting());
        let mut t = 0.0;
        while t < LIMITING_LIGHT_S - 0.05 {
            gr.update(1.0, 0.03);
            t += 0.03;
            assert!(gr.limiting(), "at {t} s");
        }
        for _ in 0..3 {
            gr.update(1.0, 0.03);
        }
        assert!(!gr.limiting());
        assert!((gr.reduction.max_db - gain_reduction_db(0.999)).abs() < 1e-6);
    }

    #[test]
    fn correlation_reads_mono_anti_phase_and_silence() {
        let mut c = CorrelationMeter::default();
        c.update(4.0, 4.0, 4.0, 0.03);
        assert_eq!(c.value, Some(1.0));
        for _ in 0..100 {
            c.update(-4.0, 4.0, 4.0, 0.03);
        }
        assert!(c.value.unwrap() < -0.99);
        c.update(0.0, 0.0, 0.0, 0.03);
        assert_eq!(c.value, None);
        c.update(f64::NAN, 1.0, 1.0, 0.03);
        assert_eq!(c.value, None);
    }
}
