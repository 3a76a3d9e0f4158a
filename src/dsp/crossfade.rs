//! The one crossfade of the chain: a linear mix `m` that glides over [`super::SWITCH_MS`],
//! between the signal `a` (at `m = 0`) and `b` (at `m = 1`), sample by sample:
//! `(1 − m)·a + m·b`. The test signal, the limiter on/off switch and bypass all fade
//! through it; at rest at either end it does no arithmetic at all, so the signal it
//! rests on passes bit for bit.

use super::ramp::Ramp;

/// A gliding mix between two stereo signals.
#[derive(Debug, Clone)]
pub struct Crossfade {
    /// The mix: 0 = signal `a`, 1 = signal `b`.
    mix: Ramp,
}

impl Crossfade {
    /// Resting at `b` when `at_b`, else at `a`; changes glide over `ramp_samples`.
    pub fn new(at_b: bool, ramp_samples: u32) -> Self {
        Self {
            mix: Ramp::new(f32::from(u8::from(at_b)), ramp_samples),
        }
    }

    /// Glides towards `b` (true) or `a` (false).
    pub fn set(&mut self, to_b: bool) {
        self.mix.set_target(f32::from(u8::from(to_b)));
    }

    /// Jumps to where it is heading (a reset).
    pub fn jump(&mut self) {
        self.mix.jump_to(self.mix.target());
    }

    /// Whether it is heading for (or resting at) `b`.
    pub fn heading_to_b(&self) -> bool {
        self.mix.target() > 0.0
    }

    /// Whether it rests entirely at `a` (mix exactly 0, not moving).
    pub fn rests_at_a(&self) -> bool {
        !self.mix.is_moving() && self.mix.value() == 0.0
    }

    /// Whether it rests entirely at `b` (mix exactly 1, not moving).
    pub fn rests_at_b(&self) -> bool {
        !self.mix.is_moving() && self.mix.value() == 1.0
    }

    /// `a ← (1 − m)·a + m·b` in place (`a` holds the signal at mix 0); nothing while it
    /// rests at `a`.
    pub fn blend_into_a(&mut self, a: [&mut [f32]; 2], b: [&[f32]; 2]) {
        if self.rests_at_a() {
            return;
        }
        let [al, ar] = a;
        let [bl, br] = b;
        for i in 0..al.len() {
            let m = self.mix.next_value();
            al[i] = (1.0 - m) * al[i] + m * bl[i];
            ar[i] = (1.0 - m) * ar[i] + m * br[i];
        }
    }

    /// `b ← (1 − m)·a + m·b` in place (`b` holds the signal at mix 1); nothing while it
    /// rests at `b`.
    pub fn blend_into_b(&mut self, a: [&[f32]; 2], b: [&mut [f32]; 2]) {
        if self.rests_at_b() {
            return;
        }
        let [al, ar] = a;
        let [bl, br] = b;
        for i in 0..bl.len() {
            let m = self.mix.next_value();
            bl[i] = (1.0 - m) * al[i] + m * bl[i];
            br[i] = (1.0 - m) * ar[i] + m * br[i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rests_pass_bit_for_bit_and_the_glide_is_linear_and_lands() {
        let a = [0.25f32; 8];
        let b = [1.0f32; 8];
        let mut fade = Crossfade::new(false, 4);
        let (mut l, mut r) = (a, a);
        fade.blend_into_a([&mut l, &mut r], [&b, &b]);
        assert_eq!(l, a, "at rest at a: untouched");
        fade.set(true);
        fade.blend_into_a([&mut l, &mut r], [&b, &b]);
        // 0.25, 0.5, 0.75, 1 of the way, then b exactly.
        let expect = [0.4375f32, 0.625, 0.8125, 1.0, 1.0, 1.0, 1.0, 1.0];
        assert_eq!(l, expect);
        assert_eq!(r, expect);
        assert!(fade.rests_at_b());
        let (mut l, mut r) = (b, b);
        fade.blend_into_b([&a, &a], [&mut l, &mut r]);
        assert_eq!(l, b, "at rest at b: untouched");
    }
}
