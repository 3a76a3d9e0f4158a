//! One whole correction as it runs: the cascade per ear ([`StereoBank`]), the graphic EQ
//! per ear (a minimum-phase FIR, [`Convolver`]), the delay of one ear against the other,
//! the mix of the ears (EqualizerAPO's `Copy`), then the second cascade, graphic EQ and
//! delay. Built from a [`CurveDesign`] and a [`FirSet`]; the delay lines and convolvers
//! are allocated once, when the stage is built, for the longest delay ([`MAX_DELAY_MS`])
//! and the longest filter at the rate ([`fir::max_taps`]).

use super::bank::StereoBank;
use super::convolver::Convolver;
use super::design::{CurveDesign, EarDesign, MAX_DELAY_MS};
use super::fir::{self, FirSet};
use super::graphic::Graphic;

/// One ear's delay against the other (the shared part is taken out at design time).
#[derive(Debug, Clone)]
struct DelayLine {
    /// The ear delayed (0 = left, 1 = right).
    ear: usize,
    /// The delay, in samples (0: none).
    samples: usize,
    /// The last `ring.len()` input samples.
    ring: Vec<f32>,
    /// Where the next sample is written.
    pos: usize,
}

impl DelayLine {
    fn new(capacity: usize) -> Self {
        Self {
            ear: 0,
            samples: 0,
            ring: vec![0.0; capacity + 1],
            pos: 0,
        }
    }

    /// Sets the delay for `ears` and clears the line.
    fn set(&mut self, ears: &[EarDesign; 2]) {
        let (ear, samples) = if ears[0].delay > 0 {
            (0, ears[0].delay)
        } else {
            (1, ears[1].delay)
        };
        self.ear = ear;
        self.samples = samples.min(self.ring.len() - 1);
        self.ring.fill(0.0);
        self.pos = 0;
    }

    fn process(&mut self, ears: [&mut [f32]; 2]) {
        if self.samples == 0 {
            return;
        }
        let [left, right] = ears;
        let x = if self.ear == 0 { left } else { right };
        let len = self.ring.len();
        for v in x.iter_mut() {
            self.ring[self.pos] = *v;
            let read = (self.pos + len - self.samples) % len;
            *v = self.ring[read];
            self.pos = if self.pos + 1 == len { 0 } else { self.pos + 1 };
        }
    }

    fn take_state(&mut self, other: &Self) {
        self.ring.copy_from_slice(&other.ring);
        self.pos = other.pos;
    }
}

/// A correction path.
#[derive(Debug, Clone)]
pub struct Path {
    before: StereoBank,
    before_delay: DelayLine,
    mix: Option<[[f64; 2]; 2]>,
    after: StereoBank,
    after_delay: DelayLine,
    /// The graphic EQs: left and right before the mix, left and right after it.
    graphic: [Convolver; 4],
    /// The curves they realise.
    graphic_curves: [Graphic; 4],
}

impl Path {
    /// A flat path at `sample_rate` Hz (delay lines allocated here).
    pub fn new(sample_rate: f32) -> Self {
        let capacity = (f64::from(MAX_DELAY_MS) * 1e-3 * f64::from(sample_rate)).ceil() as usize
            + (MAX_DELAY_MS * 384.0) as usize;
        let flat = StereoBank::new(&[EarDesign::IDENTITY; 2], 1.0);
        let convolver = Convolver::new(fir::max_taps(sample_rate));
        Self {
            before: flat,
            before_delay: DelayLine::new(capacity),
            mix: None,
            after: flat,
            after_delay: DelayLine::new(capacity),
            graphic: std::array::from_fn(|_| convolver.clone()),
            graphic_curves: [Graphic::EMPTY; 4],
        }
    }

    /// Loads `design` and the graphic EQs' filters `firs`, the input scaled by
    /// `extra_gain` (the level match), state cleared. Allocation-free.
    pub fn load(&mut self, design: &CurveDesign, extra_gain: f64, firs: &FirSet) {
        self.before = StereoBank::new(&design.before, extra_gain);
        self.before_delay.set(&design.before);
        self.mix = design.mix;
        self.after = StereoBank::new(&design.after, 1.0);
        self.after_delay.set(&design.after);
        for ((conv, curve), (taps, graphic)) in self
            .graphic
            .iter_mut()
            .zip(self.graphic_curves.iter_mut())
            .zip(firs.taps.iter().zip(&firs.graphics))
        {
            if *curve != *graphic || conv.len() != taps.len() {
                conv.set_taps(taps);
                *curve = *graphic;
            } else {
                conv.clear();
            }
        }
    }

    /// The longest graphic EQ filter loaded, in taps.
    pub fn longest_fir(&self) -> usize {
        self.graphic.iter().map(Convolver::len).max().unwrap_or(0)
    }

    /// The same filters, delays and mix as `other`, whatever the gains.
    pub fn same_filters(&self, other: &Self) -> bool {
        self.before.same_filters(&other.before)
            && self.after.same_filters(&other.after)
            && self.mix == other.mix
            && self.graphic_curves == other.graphic_curves
            && (self.before_delay.ear, self.before_delay.samples)
                == (other.before_delay.ear, other.before_delay.samples)
            && (self.after_delay.ear, self.after_delay.samples)
                == (other.after_delay.ear, other.after_delay.samples)
    }

    /// Takes over `other`'s state (same filters: a pure gain change).
    pub fn take_state(&mut self, other: &Self) {
        self.before.take_state(&other.before);
        self.after.take_state(&other.after);
        for (mine, theirs) in self.graphic.iter_mut().zip(&other.graphic) {
            if !mine.is_empty() {
                mine.take_state(theirs);
            }
        }
        if self.before_delay.samples > 0 {
            self.before_delay.take_state(&other.before_delay);
        }
        if self.after_delay.samples > 0 {
            self.after_delay.take_state(&other.after_delay);
        }
    }

    /// Runs the path in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.before.process(left, right);
        let [gl, gr, gal, gar] = &mut self.graphic;
        gl.process(left);
        gr.process(right);
        self.before_delay.process([&mut *left, &mut *right]);
        if let Some(m) = self.mix {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let (x, y) = (f64::from(*l), f64::from(*r));
                *l = (m[0][0] * x + m[0][1] * y) as f32;
                *r = (m[1][0] * x + m[1][1] * y) as f32;
            }
            self.after.process(left, right);
            gal.process(left);
            gar.process(right);
            self.after_delay.process([left, right]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delay_line_delays_its_ear_by_exactly_its_samples_across_blocks() {
        let mut design = [EarDesign::IDENTITY; 2];
        design[1].delay = 5;
        let mut line = DelayLine::new(16);
        line.set(&design);
        let input: Vec<f32> = (1..=40).map(|i| i as f32).collect();
        let (mut left, mut right) = (input.clone(), input.clone());
        for (l, r) in left.chunks_mut(7).zip(right.chunks_mut(7)) {
            line.process([l, r]);
        }
        assert_eq!(left, input);
        assert_eq!(&right[..5], &[0.0; 5]);
        assert_eq!(&right[5..], &input[..35]);
    }
}
