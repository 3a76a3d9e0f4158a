//! The monitor matrix: output gain and the input channels' polarity folded into a 2×2
//! channel matrix.
//!
//! Every monitor mode and the L/R swap are linear maps of the stereo pair, so a
//! change between two of them is a crossfade of the *outputs* — which is the same
//! as a linear glide of the matrix coefficients. One ramp per coefficient gives a
//! click-free switch for free, and the neutral setting is the identity, which the
//! chain detects to stay bit-transparent.

use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};
use super::{output_gain, Settings};

/// What the listener hears, before the optional L/R swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MonitorMode {
    /// Left to the left ear, right to the right ear.
    Stereo,
    /// (L+R)/2 in both ears: centred content keeps its level, anti-phase content cancels.
    Mono,
    /// (L−R)/2 in both ears: only what differs between the channels.
    Side,
    /// The left channel in both ears.
    Left,
    /// The right channel in both ears.
    Right,
}

/// A 2×2 matrix `[[ll, lr], [rl, rr]]`: `out_l = ll·L + lr·R`, `out_r = rl·L + rr·R`.
pub type Coefficients = [f32; 4];

/// The identity matrix (Stereo, no swap, 0 dB).
pub const IDENTITY: Coefficients = [1.0, 0.0, 0.0, 1.0];

/// The matrix for `mode`, then `swap`, then a linear output gain `gain`.
pub fn coefficients(mode: MonitorMode, swap: bool, gain: f32) -> Coefficients {
    let [ll, lr, rl, rr] = match mode {
        MonitorMode::Stereo => [1.0, 0.0, 0.0, 1.0],
        MonitorMode::Mono => [0.5, 0.5, 0.5, 0.5],
        MonitorMode::Side => [0.5, -0.5, 0.5, -0.5],
        MonitorMode::Left => [1.0, 0.0, 1.0, 0.0],
        MonitorMode::Right => [0.0, 1.0, 0.0, 1.0],
    };
    let [ll, lr, rl, rr] = if swap {
        [rl, rr, ll, lr]
    } else {
        [ll, lr, rl, rr]
    };
    [ll * gain, lr * gain, rl * gain, rr * gain]
}

/// The matrix stage: polarity of the input channels, mode, swap and output gain, one ramp per coefficient (click-free),
/// skipped while it rests at the identity (bit-transparent).
#[derive(Debug, Clone)]
pub struct Matrix {
    /// Coefficient ramps `[ll, lr, rl, rr]`.
    ramps: [Ramp; 4],
}

impl Matrix {
    /// The stage at `settings`; changes glide over `switch_samples`.
    pub fn new(settings: &Settings, switch_samples: u32) -> Self {
        Self {
            ramps: Self::target(settings).map(|c| Ramp::new(c, switch_samples)),
        }
    }

    fn target(settings: &Settings) -> Coefficients {
        let [ll, lr, rl, rr] =
            coefficients(settings.mode, settings.swap, output_gain(settings.gain_db));
        // Polarity of the input channels: the matrix's columns (a flip glides through 0).
        let [sl, sr] = settings
            .controller
            .invert
            .map(|i| if i { -1.0 } else { 1.0 });
        [ll * sl, lr * sr, rl * sl, rr * sr]
    }
}

impl Stage for Matrix {
    fn build(setup: &StageSetup) -> Self {
        Self::new(&setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        for (ramp, c) in self.ramps.iter_mut().zip(Self::target(settings)) {
            ramp.set_target(c);
        }
    }

    fn reset(&mut self) {
        for ramp in &mut self.ramps {
            ramp.jump_to(ramp.target());
        }
    }

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        let moving = self.ramps.iter().any(Ramp::is_moving);
        let coeffs = self.ramps.each_ref().map(Ramp::value);
        if moving {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let [ll, lr, rl, rr] = self.ramps.each_mut().map(Ramp::next_value);
                let (x, y) = (*l, *r);
                *l = ll * x + lr * y;
                *r = rl * x + rr * y;
            }
        } else if coeffs != IDENTITY {
            let [ll, lr, rl, rr] = coeffs;
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let (x, y) = (*l, *r);
                *l = ll * x + lr * y;
                *r = rl * x + rr * y;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(c: Coefficients, l: f32, r: f32) -> (f32, f32) {
        (c[0] * l + c[1] * r, c[2] * l + c[3] * r)
    }

    #[test]
    fn modes_route_as_documented() {
        // Hard-left signal.
        assert_eq!(
            apply(coefficients(MonitorMode::Stereo, false, 1.0), 1.0, 0.0),
            (1.0, 0.0)
        );
        assert_eq!(
            apply(coefficients(MonitorMode::Stereo, true, 1.0), 1.0, 0.0),
            (0.0, 1.0)
        );
        assert_eq!(
            apply(coefficients(MonitorMode::Left, false, 1.0), 1.0, 0.0),
            (1.0, 1.0)
        );
        assert_eq!(
            apply(coefficients(MonitorMode::Right, false, 1.0), 1.0, 0.0),
            (0.0, 0.0)
        );
        // Centred content keeps its level in Mono, anti-phase cancels.
        assert_eq!(
            apply(coefficients(MonitorMode::Mono, false, 1.0), 0.8, 0.8),
            (0.8, 0.8)
        );
        assert_eq!(
            apply(coefficients(MonitorMode::Mono, false, 1.0), 0.8, -0.8),
            (0.0, 0.0)
        );
        // Side: the opposite.
        assert_eq!(
            apply(coefficients(MonitorMode::Side, false, 1.0), 0.8, 0.8),
            (0.0, 0.0)
        );
        assert_eq!(
            apply(coefficients(MonitorMode::Side, false, 1.0), 0.8, -0.8),
            (0.8, 0.8)
        );
        // Gain scales everything.
        assert_eq!(
            apply(coefficients(MonitorMode::Stereo, false, 0.5), 1.0, -1.0),
            (0.5, -0.5)
        );
        assert_eq!(coefficients(MonitorMode::Stereo, false, 1.0), IDENTITY);
    }
}
