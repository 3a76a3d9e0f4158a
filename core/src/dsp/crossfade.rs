//! The one crossfade of the chain: a linear mix `m` that glides over [`super::SWITCH_MS`],
//! between the signal `a` (at `m = 0`) and `b` (at `m = 1`), sample by sample:
//! `a + m·(b − a)`. The test signal, the limiter on/off switch and bypass all fade
//! through it; at rest at either end it does no arithmetic at all, so the signal it
//! rests on passes bit for bit — and where `a` and `b` are the same samples, the glide
//! passes them bit for bit too (an offline render whose limiter had nothing to do steps
//! from "ceiling only" to bypass without changing a bit).

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

    /// `a ← a + m·(b − a)` in place (`a` holds the signal at mix 0); nothing while it
    /// rests at `a`, a copy of `b` while it rests at `b`.
    pub fn blend_into_a(&mut self, a: [&mut [f32]; 2], b: [&[f32]; 2]) {
        if self.rests_at_a() {
            return;
        }
        let [al, ar] = a;
        let [bl, br] = b;
        if self.rests_at_b() {
            al.copy_from_slice(bl);
            ar.copy_from_slice(br);
            return;
        }
        for i in 0..al.len() {
            let m = self.mix.next_value();
            al[i] += m * (bl[i] - al[i]);
            ar[i] += m * (br[i] - ar[i]);
        }
    }

    /// `b ← a + m·(b − a)` in place (`b` holds the signal at mix 1); nothing while it
    /// rests at `b`, a copy of `a` while it rests at `a`.
    pub fn blend_into_b(&mut self, a: [&[f32]; 2], b: [&mut [f32]; 2]) {
        if self.rests_at_b() {
            return;
        }
        let [al, ar] = a;
        let [bl, br] = b;
        if self.rests_at_a() {
            bl.copy_from_slice(al);
            br.copy_from_slice(ar);
            return;
        }
        for i in 0..bl.len() {
            let m = self.mix.next_value();
            bl[i] = al[i] + m * (bl[i] - al[i]);
            br[i] = ar[i] + m * (br[i] - ar[i]);
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
        // Resting at the other end: exactly the other signal.
        let x = [0.1f32, -0.7, 0.3333, 1e-3, 0.9, -0.25, 0.6, 0.05];
        let (mut l, mut r) = (x, x);
        fade.blend_into_a([&mut l, &mut r], [&b, &b]);
        assert_eq!(l, b);
        let mut fade = Crossfade::new(false, 4);
        let (mut l, mut r) = (x, x);
        fade.blend_into_b([&a, &a], [&mut l, &mut r]);
        assert_eq!(l, a);
    }

    #[test]
    fn a_glide_between_equal_signals_changes_no_bit() {
        let x: Vec<f32> = (0..64).map(|n| (n as f32 * 0.731).sin() * 0.9).collect();
        for to_b in [true, false] {
            let mut fade = Crossfade::new(!to_b, 48);
            fade.set(to_b);
            let (mut l, mut r) = (x.clone(), x.clone());
            fade.blend_into_a([&mut l, &mut r], [&x, &x]);
            assert_eq!(l, x);
            let mut fade = Crossfade::new(!to_b, 48);
            fade.set(to_b);
            let (mut l, mut r) = (x.clone(), x.clone());
            fade.blend_into_b([&x, &x], [&mut l, &mut r]);
            assert_eq!(r, x);
        }
    }
}
