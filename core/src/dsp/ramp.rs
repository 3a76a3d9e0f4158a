//! Linear parameter ramps: the one smoothing primitive of the chain.
//!
//! Gains, matrix coefficients and the on/off crossfades all move along straight
//! lines of a fixed duration, so a change is continuous, takes a known time, and
//! lands *exactly* on its target (a one-pole smoother never does, which would
//! break bit-transparency at neutral settings).

/// A value that glides linearly to a target over a fixed number of samples.
#[derive(Debug, Clone)]
pub struct Ramp {
    /// Current value.
    value: f32,
    /// Value the ramp is heading for.
    target: f32,
    /// Per-sample increment while ramping.
    step: f32,
    /// Samples left until `value == target`.
    remaining: u32,
    /// Length of a full ramp, in samples.
    ramp_samples: u32,
}

impl Ramp {
    /// A ramp resting at `value` whose moves take `ramp_samples` samples (at least 1).
    pub fn new(value: f32, ramp_samples: u32) -> Self {
        Self {
            value,
            target: value,
            step: 0.0,
            remaining: 0,
            ramp_samples: ramp_samples.max(1),
        }
    }

    /// Starts a glide from the current value to `target`; a no-op if already heading there.
    pub fn set_target(&mut self, target: f32) {
        if target == self.target {
            return;
        }
        self.target = target;
        self.remaining = self.ramp_samples;
        self.step = (target - self.value) / self.ramp_samples as f32;
    }

    /// Jumps to `value` without gliding (used by `reset`).
    pub fn jump_to(&mut self, value: f32) {
        self.value = value;
        self.target = value;
        self.remaining = 0;
        self.step = 0.0;
    }

    /// The value for the next sample; advances the ramp.
    #[inline]
    pub fn next_value(&mut self) -> f32 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.value = if self.remaining == 0 {
                self.target
            } else {
                self.value + self.step
            };
        }
        self.value
    }

    /// True while the ramp is moving.
    #[inline]
    pub fn is_moving(&self) -> bool {
        self.remaining > 0
    }

    /// Current value (the value returned by the last `next_value`).
    #[inline]
    pub fn value(&self) -> f32 {
        self.value
    }

    /// The value the ramp is heading for.
    #[inline]
    pub fn target(&self) -> f32 {
        self.target
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lands_exactly_on_target_after_ramp_samples() {
        let mut r = Ramp::new(1.0, 7);
        r.set_target(0.1);
        let vals: Vec<f32> = (0..7).map(|_| r.next_value()).collect();
        assert_eq!(*vals.last().unwrap(), 0.1);
        assert!(vals.windows(2).all(|w| w[1] < w[0]), "monotonic: {vals:?}");
        assert_eq!(r.next_value(), 0.1);
        assert!(!r.is_moving());
    }

    #[test]
    fn retarget_mid_ramp_is_continuous() {
        let mut r = Ramp::new(0.0, 10);
        r.set_target(1.0);
        for _ in 0..5 {
            r.next_value();
        }
        let before = r.value();
        r.set_target(0.0);
        let after = r.next_value();
        assert!((after - before).abs() <= 0.1 + 1e-6, "{before} -> {after}");
    }
}
