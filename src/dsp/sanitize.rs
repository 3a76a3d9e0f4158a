//! Input hygiene: the chain's answer to samples that are not audio.
//!
//! NaN and ±Inf are treated as silence; finite values beyond ±[`MAX_INPUT`]
//! (+80 dBFS, far past any real overload) are clamped, so that 1e30 cannot make
//! the limiter's sums lose precision; subnormals are flushed to zero so they
//! never reach the output or slow the CPU down.

/// Largest input magnitude passed on (+80 dBFS); larger finite values are clamped.
pub const MAX_INPUT: f32 = 1.0e4;

/// Maps one input sample onto a finite, normal (or zero) value in ±[`MAX_INPUT`].
#[inline]
pub fn sanitize(x: f32) -> f32 {
    // NaN, ±Inf, zero and subnormals all fail `is_normal`.
    if x.is_normal() {
        x.clamp(-MAX_INPUT, MAX_INPUT)
    } else if x == 0.0 {
        x // keeps the sign of zero: bit-transparent
    } else {
        0.0
    }
}

/// Flushes a subnormal output sample to zero.
#[inline]
pub fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_get_defined_answers() {
        assert_eq!(sanitize(f32::NAN), 0.0);
        assert_eq!(sanitize(f32::INFINITY), 0.0);
        assert_eq!(sanitize(f32::NEG_INFINITY), 0.0);
        assert_eq!(sanitize(1e30), MAX_INPUT);
        assert_eq!(sanitize(-1e30), -MAX_INPUT);
        assert_eq!(sanitize(1e-40), 0.0);
        assert_eq!(sanitize(0.25), 0.25);
        assert_eq!(sanitize(-0.25), -0.25);
        assert_eq!(flush_subnormal(1e-40), 0.0);
        assert_eq!(flush_subnormal(1e-3), 1e-3);
    }
}
