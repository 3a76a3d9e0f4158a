//! Crossfeed for headphone listening: each ear also hears a low-passed, slightly delayed copy
//! of the other channel, as it would from a pair of loudspeakers (after B. B. Bauer,
//! "Stereophonic Earphones and Binaural Loudspeakers", JAES 9(2), 1961; the cut-off/feed-level
//! presets are the ones users of bs2b-style crossfeeds know).
//!
//! # Design
//!
//! With `C` the cross path — a one-pole low-pass at the cut-off `fc` with DC gain `g` — each
//! ear gets its own channel through the compensated direct path `1 − C` plus the other channel
//! through `C`:
//!
//! ```text
//! L' = (1 − C)·L + C·R = L + C(R − L)
//! R' = (1 − C)·R + C·L = R − C(R − L)
//! ```
//!
//! So `L' + R' = L + R`: the mid (centred, mono) content passes **exactly** unchanged in
//! level and tone, and only the side signal is filtered, by `1 − 2C` — low-frequency
//! differences between the ears are narrowed, high frequencies keep their full separation.
//! One filter on `R − L` does it all. At low frequencies the cross path sits `feed_db` below
//! the direct path: `g / (1 − g) = 10^(−feed_db/20)`. The "slight delay" is the low-pass's
//! group delay, `(1 − k)/k` samples at DC (217 µs at 700 Hz and 48 kHz; the interaural delay
//! of loudspeakers at ±30° is about 250 µs). No latency is added.
//!
//! The low-pass `y += k·(x − y)` has `k` chosen so that its response is exactly −3 dB at
//! `fc` at any sample rate (solving `|H(e^{jω_c})|² = ½` for the pole). Its state is its
//! output, so a new cut-off never makes the value jump; `k` and the feed gain both glide over
//! the chain's switch time, so the slope does not jump either: no clicks on/off or between
//! presets.

use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};

/// Lowest accepted cut-off, in Hz (the parameter's range).
pub const MIN_CUTOFF_HZ: f32 = crate::params::CROSSFEED_CUTOFF.min;
/// Highest accepted cut-off, in Hz.
pub const MAX_CUTOFF_HZ: f32 = crate::params::CROSSFEED_CUTOFF.max;
/// Smallest accepted feed level (strongest crossfeed), in dB (the parameter's range).
pub const MIN_FEED_DB: f32 = crate::params::CROSSFEED_FEED.min;
/// Largest accepted feed level (weakest crossfeed), in dB.
pub const MAX_FEED_DB: f32 = crate::params::CROSSFEED_FEED.max;

/// The crossfeed presets: (cut-off, feed level) pairs headphone listeners know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// 700 Hz, 4.5 dB: the common default, the strongest of the three.
    Default,
    /// 700 Hz, 6 dB (Chu Moy's analog crossfeed).
    ChuMoy,
    /// 650 Hz, 9.5 dB (Jan Meier's crossfeed): the subtlest.
    JanMeier,
    /// The user's own cut-off and feed level.
    Custom,
}

impl Preset {
    /// `(cutoff_hz, feed_db)` of the preset; for [`Preset::Custom`], the custom
    /// controls' defaults (700 Hz, 4.5 dB).
    pub fn cutoff_and_feed(self) -> (f32, f32) {
        self.resolve(700.0, 4.5)
    }

    /// `(cutoff_hz, feed_db)` of the preset, or the given custom values for
    /// [`Preset::Custom`].
    pub fn resolve(self, custom_cutoff_hz: f32, custom_feed_db: f32) -> (f32, f32) {
        match self {
            Preset::Default => (700.0, 4.5),
            Preset::ChuMoy => (700.0, 6.0),
            Preset::JanMeier => (650.0, 9.5),
            Preset::Custom => (custom_cutoff_hz, custom_feed_db),
        }
    }
}

/// Crossfeed settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrossfeedSettings {
    /// Crossfeed on.
    pub on: bool,
    /// Cut-off of the cross path's low-pass (−3 dB), in Hz.
    pub cutoff_hz: f32,
    /// Level of the cross path below the direct path at low frequencies, in dB.
    pub feed_db: f32,
}

impl Default for CrossfeedSettings {
    fn default() -> Self {
        let (cutoff_hz, feed_db) = Preset::Default.cutoff_and_feed();
        Self {
            on: false,
            cutoff_hz,
            feed_db,
        }
    }
}

/// Cross-path DC gain `g` for a feed level: `g / (1 − g) = 10^(−feed_db/20)`.
pub fn cross_gain(feed_db: f32) -> f32 {
    let ratio = 10f32.powf(-feed_db.clamp(MIN_FEED_DB, MAX_FEED_DB) / 20.0);
    ratio / (1.0 + ratio)
}

/// One-pole coefficient `k` (for `y += k·(x − y)`) with exactly −3 dB at `cutoff_hz`.
pub fn lowpass_coefficient(cutoff_hz: f32, sample_rate: f32) -> f32 {
    let nyquist_guard = 0.45 * sample_rate;
    let fc = f64::from(
        cutoff_hz
            .clamp(MIN_CUTOFF_HZ, MAX_CUTOFF_HZ)
            .min(nyquist_guard),
    );
    let w = 2.0 * std::f64::consts::PI * fc / f64::from(sample_rate);
    // |k / (1 − a e^{−jw})|² = ½ with k = 1 − a  ⇒  a² − 2a(2 − cos w) + 1 = 0.
    let b = 2.0 - w.cos();
    let a = b - (b * b - 1.0).sqrt();
    (1.0 - a) as f32
}

/// The crossfeed stage for one stereo stream.
#[derive(Debug, Clone)]
pub struct Crossfeed {
    /// Sample rate, in Hz.
    sample_rate: f32,
    /// Low-pass coefficient for the current cut-off, gliding on changes.
    k: Ramp,
    /// Low-pass state (its output), on `R − L`.
    state: f32,
    /// Cross gain `g` (0 while off), gliding.
    gain: Ramp,
}

impl Crossfeed {
    /// A crossfeed at `sample_rate` Hz, `switch_samples` for gain glides.
    pub fn new(sample_rate: f32, settings: CrossfeedSettings, switch_samples: u32) -> Self {
        let mut crossfeed = Self {
            sample_rate,
            k: Ramp::new(
                lowpass_coefficient(settings.cutoff_hz, sample_rate),
                switch_samples,
            ),
            state: 0.0,
            gain: Ramp::new(0.0, switch_samples),
        };
        crossfeed.set_settings(settings);
        crossfeed.reset();
        crossfeed
    }

    /// Applies settings: the cut-off coefficient and the gain glide to their new values.
    pub fn set_settings(&mut self, settings: CrossfeedSettings) {
        self.k
            .set_target(lowpass_coefficient(settings.cutoff_hz, self.sample_rate));
        let target = if settings.on {
            cross_gain(settings.feed_db)
        } else {
            0.0
        };
        self.gain.set_target(target);
    }

    /// Clears the filter; the gain and the coefficient jump to their targets.
    pub fn reset(&mut self) {
        self.state = 0.0;
        self.gain.jump_to(self.gain.target());
        self.k.jump_to(self.k.target());
    }

    /// Whether the stage currently changes the signal (on, or gliding).
    pub fn is_active(&self) -> bool {
        self.gain.is_moving() || self.gain.value() != 0.0
    }

    /// Processes a block in place. Off and at rest, it does nothing (bit-transparent).
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.is_active() {
            self.state = 0.0;
            self.k.jump_to(self.k.target());
            return;
        }
        let mut y = self.state;
        if self.gain.is_moving() || self.k.is_moving() {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let g = self.gain.next_value();
                let k = self.k.next_value();
                y += k * ((*r - *l) - y);
                let cross = g * y;
                *l += cross;
                *r -= cross;
            }
        } else {
            let g = self.gain.value();
            let k = self.k.value();
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                y += k * ((*r - *l) - y);
                let cross = g * y;
                *l += cross;
                *r -= cross;
            }
        }
        // Flush a decayed state (no subnormal arithmetic after a fade to silence).
        self.state = if y.abs() < 1e-20 { 0.0 } else { y };
    }
}

impl Stage for Crossfeed {
    fn build(setup: &StageSetup) -> Self {
        Self::new(
            setup.sample_rate,
            setup.settings.crossfeed,
            setup.switch_samples,
        )
    }

    fn apply(&mut self, settings: &super::Settings) {
        self.set_settings(settings.crossfeed);
    }

    fn reset(&mut self) {
        Crossfeed::reset(self);
    }

    fn process(&mut self, chunk: &mut Chunk<'_>) {
        Crossfeed::process(self, chunk.left, chunk.right);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Steady-state gain of the cross and direct paths for a hard-left sine.
    fn paths_at(freq: f32, rate: f32, settings: CrossfeedSettings) -> (f32, f32) {
        let mut cf = Crossfeed::new(rate, settings, 1);
        let n = (rate as usize) / 2;
        let w = 2.0 * std::f32::consts::PI * freq / rate;
        let mut l: Vec<f32> = (0..n).map(|i| (w * i as f32).sin()).collect();
        let mut r = vec![0.0; n];
        cf.process(&mut l, &mut r);
        let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
        let tail = n / 2..n;
        let reference = std::f32::consts::FRAC_1_SQRT_2;
        (rms(&l[tail.clone()]) / reference, rms(&r[tail]) / reference)
    }

    #[test]
    fn coefficient_puts_minus_3_db_exactly_at_the_cutoff() {
        for rate in [8_000.0, 44_100.0, 48_000.0, 96_000.0, 384_000.0] {
            for fc in [300.0, 650.0, 700.0, 2000.0] {
                let k = f64::from(lowpass_coefficient(fc, rate));
                let w = 2.0 * std::f64::consts::PI * f64::from(fc) / f64::from(rate);
                let a = 1.0 - k;
                let mag2 = k * k / (1.0 - 2.0 * a * w.cos() + a * a);
                assert!(
                    (10.0 * mag2.log10() + 3.0103).abs() < 1e-3,
                    "{rate} {fc}: {mag2}"
                );
            }
        }
    }

    #[test]
    fn feed_level_is_the_cross_to_direct_ratio_at_low_frequencies() {
        for preset in [Preset::Default, Preset::ChuMoy, Preset::JanMeier] {
            let (cutoff_hz, feed_db) = preset.cutoff_and_feed();
            let settings = CrossfeedSettings {
                on: true,
                cutoff_hz,
                feed_db,
            };
            let (direct, cross) = paths_at(20.0, 48_000.0, settings);
            let measured = 20.0 * (direct / cross).log10();
            assert!(
                (measured - feed_db).abs() < 0.05,
                "{preset:?}: {measured} dB"
            );
        }
    }

    #[test]
    fn mono_content_is_bit_identical_and_off_is_transparent() {
        let settings = CrossfeedSettings {
            on: true,
            ..CrossfeedSettings::default()
        };
        let mut cf = Crossfeed::new(48_000.0, settings, 960);
        let x: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.05).sin() * 0.7).collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        cf.process(&mut l, &mut r);
        assert_eq!(l, x);
        assert_eq!(r, x);
        let mut off = Crossfeed::new(48_000.0, CrossfeedSettings::default(), 960);
        let y: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.03).cos()).collect();
        let (mut l, mut r) = (x.clone(), y.clone());
        off.process(&mut l, &mut r);
        assert_eq!((l, r), (x, y));
    }

    #[test]
    fn decayed_state_is_flushed() {
        let settings = CrossfeedSettings {
            on: true,
            ..CrossfeedSettings::default()
        };
        let mut cf = Crossfeed::new(48_000.0, settings, 1);
        let (mut l, mut r) = (vec![1.0f32; 64], vec![0.0f32; 64]);
        cf.process(&mut l, &mut r);
        for _ in 0..2000 {
            let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
            cf.process(&mut l, &mut r);
            assert!(l.iter().chain(&r).all(|v| *v == 0.0 || v.is_normal()));
        }
        assert_eq!(cf.state, 0.0);
    }
}
