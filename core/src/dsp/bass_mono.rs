//! Mono below a frequency ("bass mono"): below the crossover both ears carry the mid,
//! above it the stereo image is unchanged, so the low end's mono compatibility can be
//! judged while the rest stays stereo.
//!
//! The split is phase-coherent by construction: the mid `M = (L + R)/2` is never
//! filtered, only the side `S = (L − R)/2` is high-passed. The output is
//! `L' = M + HP(S)`, `R' = M − HP(S)`, computed as `L' = L − d`, `R' = R + d` with
//! `d = S − HP(S)` (the side's low band), so centred content (`S = 0`) passes
//! bit-identical, and the two bands — the mid, and the side's high band — add up to the
//! input exactly wherever the side has no low band. The high-pass is a 6th-order
//! Butterworth (three RBJ cookbook high-pass sections with the Butterworth Qs, f64
//! TDF-II): anti-phase content an octave and a quarter below the crossover (50 Hz at
//! 120 Hz) is more than 40 dB down, and above ten times the crossover the side's level
//! is within 0.001 dB. Its phase lead on the side falls with frequency (about 13° at
//! 2 kHz with the crossover at 120 Hz), the price of keeping the mid untouched without
//! latency.
//!
//! Switching on or off crossfades `d` in or out over [`super::SWITCH_MS`]; the filter
//! starts from rest, and `d` then rises from zero by itself, so neither end clicks.
//! Crossover moves glide geometrically over the same time, the sections redesigned every
//! [`REDESIGN_SAMPLES`] samples.

use super::correction::{design, Biquad, Filter, FilterKind, Width};
use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};
use super::Settings;

/// While the crossover moves, the sections are redesigned this often, in samples.
pub const REDESIGN_SAMPLES: usize = 32;

/// The 6th-order Butterworth's section Qs: 1 / (2·cos(π(2k + 1)/12)), k = 0, 1, 2.
fn butterworth_qs() -> [f64; 3] {
    [0, 1, 2].map(|k| 1.0 / (2.0 * (std::f64::consts::PI * (2 * k + 1) as f64 / 12.0).cos()))
}

/// The high-pass sections at `freq_hz` for `sample_rate` Hz.
pub fn high_pass(freq_hz: f32, sample_rate: f32) -> [Biquad; 3] {
    butterworth_qs().map(|q| {
        design(
            &Filter {
                kind: FilterKind::HighPass,
                freq_hz,
                gain_db: 0.0,
                width: Width::Q(q as f32),
            },
            sample_rate,
        )
    })
}

/// The bass-mono stage.
#[derive(Debug, Clone)]
pub struct BassMono {
    sample_rate: f32,
    sections: [Biquad; 3],
    /// TDF-II state per section.
    state: [[f64; 2]; 3],
    /// How much of `d` is applied (0 off, 1 on).
    amount: Ramp,
    /// Crossover now and wanted, in Hz.
    crossover_hz: f32,
    target_hz: f32,
    /// Glide: the per-redesign frequency ratio and the redesigns left.
    glide_ratio: f32,
    glide_left: u32,
    /// Redesigns a glide takes.
    glide_steps: u32,
    /// Samples until the next redesign while gliding.
    until_redesign: usize,
}

impl BassMono {
    /// The stage for `sample_rate` Hz at `settings`; switches glide over `switch_samples`.
    pub fn new(sample_rate: f32, settings: &Settings, switch_samples: u32) -> Self {
        let hz = settings.controller.crossover_hz();
        Self {
            sample_rate,
            sections: high_pass(hz, sample_rate),
            state: [[0.0; 2]; 3],
            amount: Ramp::new(
                if settings.controller.bass_mono {
                    1.0
                } else {
                    0.0
                },
                switch_samples,
            ),
            crossover_hz: hz,
            target_hz: hz,
            glide_ratio: 1.0,
            glide_left: 0,
            glide_steps: (switch_samples as usize).div_ceil(REDESIGN_SAMPLES).max(1) as u32,
            until_redesign: 0,
        }
    }

    /// The side's high band for one sample.
    #[inline]
    fn high_band(&mut self, side: f64) -> f64 {
        let mut u = side;
        for (s, st) in self.sections.iter().zip(self.state.iter_mut()) {
            let y = s.b[0] * u + st[0];
            st[0] = s.b[1] * u - s.a[0] * y + st[1];
            st[1] = s.b[2] * u - s.a[1] * y;
            u = y;
        }
        u
    }

    fn glide_step(&mut self) {
        if self.glide_left == 0 {
            return;
        }
        self.glide_left -= 1;
        self.crossover_hz = if self.glide_left == 0 {
            self.target_hz
        } else {
            self.crossover_hz * self.glide_ratio
        };
        self.sections = high_pass(self.crossover_hz, self.sample_rate);
    }
}

impl Stage for BassMono {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        let c = &settings.controller;
        self.amount.set_target(if c.bass_mono { 1.0 } else { 0.0 });
        let hz = c.crossover_hz();
        if hz != self.target_hz {
            self.target_hz = hz;
            self.glide_left = self.glide_steps;
            self.glide_ratio = (hz / self.crossover_hz).powf(1.0 / self.glide_steps as f32);
        }
    }

    fn reset(&mut self) {
        self.amount.jump_to(self.amount.target());
        self.crossover_hz = self.target_hz;
        self.glide_left = 0;
        self.sections = high_pass(self.crossover_hz, self.sample_rate);
        self.state = [[0.0; 2]; 3];
    }

    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        if !self.amount.is_moving() && self.amount.value() == 0.0 {
            // Off: skipped (bit-transparent); the filter starts from rest when switched on.
            self.state = [[0.0; 2]; 3];
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if self.glide_left > 0 {
                if self.until_redesign == 0 {
                    self.glide_step();
                    self.until_redesign = REDESIGN_SAMPLES;
                }
                self.until_redesign -= 1;
            }
            let side = 0.5 * (f64::from(*l) - f64::from(*r));
            let low = side - self.high_band(side);
            let d = (low * f64::from(self.amount.next_value())) as f32;
            *l -= d;
            *r += d;
        }
        if !self.state.iter().flatten().all(|v| v.is_finite()) {
            self.state = [[0.0; 2]; 3];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sections_make_a_sixth_order_butterworth() {
        let (fs, fc) = (48_000.0, 120.0);
        let hp = high_pass(fc, fs);
        let db = |f: f64| {
            10.0 * hp
                .iter()
                .map(|s| s.power(f, f64::from(fs)))
                .product::<f64>()
                .log10()
        };
        // −3.01 dB at the crossover, 36 dB per octave below it.
        assert!((db(120.0) + 3.0103).abs() < 0.01, "{}", db(120.0));
        assert!(
            (db(30.0) - db(60.0) + 36.1).abs() < 0.3,
            "{}",
            db(30.0) - db(60.0)
        );
        assert!(db(2_000.0).abs() < 1e-3);
    }
}
