//! Input hygiene: the chain's answer to samples that are not audio.
//!
//! NaN and ±Inf are treated as silence; finite values beyond ±[`MAX_INPUT`]
//! (+80 dBFS, far past any real overload) are clamped, so that 1e30 cannot make
//! the limiter's sums lose precision; subnormals are flushed to zero so they
//! never reach the output or slow the CPU down.

use super::stage::{Chunk, Stage, StageSetup};
use super::Settings;

/// The sanitize stage: [`sanitize_slice`] on both channels.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sanitize;

impl Stage for Sanitize {
    fn build(_setup: &StageSetup) -> Self {
        Sanitize
    }

    fn apply(&mut self, _settings: &Settings) {}

    fn reset(&mut self) {}

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        sanitize_slice(chunk.left);
        sanitize_slice(chunk.right);
    }
}

/// Largest input magnitude passed on (+80 dBFS); larger finite values are clamped.
pub const MAX_INPUT: f32 = 1.0e4;

/// Maps one input sample onto a finite, normal (or zero) value in ±[`MAX_INPUT`].
///
/// Written as selects without early exits, so loops over it vectorise.
#[inline(always)]
pub fn sanitize(x: f32) -> f32 {
    let a = x.abs();
    // NaN fails every comparison, so it ends up as 0 like ±Inf.
    let mut y = if a <= MAX_INPUT { x } else { 0.0 };
    y = if a > MAX_INPUT && a <= f32::MAX {
        MAX_INPUT.copysign(x)
    } else {
        y
    };
    // Zero keeps its sign (bit-transparent); subnormals become zero.
    if a < f32::MIN_POSITIVE {
        x * 0.0
    } else {
        y
    }
}

/// [`sanitize`] over a slice, in place. (Inlined, so that it is compiled with the
/// caller's instruction set: the chain's AVX2 build runs it eight samples wide.)
#[inline(always)]
pub fn sanitize_slice(samples: &mut [f32]) {
    for x in samples {
        *x = sanitize(*x);
    }
}

/// Flushes a subnormal output sample to zero.
#[inline(always)]
pub fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// [`flush_subnormal`] over a slice, in place (inlined, as [`sanitize_slice`]).
#[inline(always)]
pub fn flush_subnormal_slice(samples: &mut [f32]) {
    for x in samples {
        *x = flush_subnormal(*x);
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
        assert_eq!(sanitize(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(sanitize(f32::MAX), MAX_INPUT);
        assert_eq!(sanitize(MAX_INPUT), MAX_INPUT);
        let mut block = [
            f32::NAN,
            1e-41,
            -1e31,
            0.5,
            f32::NEG_INFINITY,
            -0.0,
            3.0,
            1e5,
            -2e-39,
        ];
        sanitize_slice(&mut block);
        assert_eq!(
            block,
            [0.0, 0.0, -MAX_INPUT, 0.5, 0.0, 0.0, 3.0, MAX_INPUT, 0.0]
        );
    }
}
