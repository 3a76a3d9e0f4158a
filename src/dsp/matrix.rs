//! The monitor matrix: output gain folded into a 2×2 channel matrix.
//!
//! Every monitor mode and the L/R swap are linear maps of the stereo pair, so a
//! change between two of them is a crossfade of the *outputs* — which is the same
//! as a linear glide of the matrix coefficients. One ramp per coefficient gives a
//! click-free switch for free, and the neutral setting is the identity, which the
//! chain detects to stay bit-transparent.

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
