//! Bypass: the dry input, delayed by the chain's latency, crossfaded in over
//! [`super::SWITCH_MS`] (the host's bypass stays latency-compensated and click-free).
//! The dry signal is tapped right after input hygiene ([`Bypass::tap`]) and mixed in
//! at the very end ([`Stage::process`]).

use super::crossfade::Crossfade;
use super::{Settings, Stage, MAX_CHUNK};

/// A fixed delay for the dry path, stereo, processed a block at a time.
#[derive(Debug, Clone)]
struct DryDelay {
    /// Delay, in samples.
    delay: usize,
    /// Per channel: the last `delay` samples, then room for one chunk.
    lines: [Vec<f32>; 2],
}

impl DryDelay {
    fn new(delay: usize) -> Self {
        Self {
            delay,
            lines: [vec![0.0; delay + MAX_CHUNK], vec![0.0; delay + MAX_CHUNK]],
        }
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
    }

    /// Writes a block (at most [`MAX_CHUNK`] samples) and returns it delayed in `out`.
    fn process(&mut self, inputs: [&[f32]; 2], out: &mut [[f32; MAX_CHUNK]; 2]) {
        let d = self.delay;
        for ((line, input), out) in self.lines.iter_mut().zip(inputs).zip(out) {
            let len = input.len();
            line[d..d + len].copy_from_slice(input);
            out[..len].copy_from_slice(&line[..len]);
            line.copy_within(len..len + d, 0);
        }
    }
}

/// The bypass stage.
#[derive(Debug, Clone)]
pub struct Bypass {
    dry: DryDelay,
    /// Processed (a) to dry (b).
    fade: Crossfade,
    /// Scratch: the delayed dry signal of the current block.
    dry_out: [[f32; MAX_CHUNK]; 2],
    /// Length of the tapped block.
    len: usize,
}

impl Bypass {
    /// The stage for a chain of `latency` samples, at `settings.bypass`.
    pub fn new(latency: usize, settings: &Settings, switch_samples: u32) -> Self {
        Self {
            dry: DryDelay::new(latency),
            fade: Crossfade::new(settings.bypass, switch_samples),
            dry_out: [[0.0; MAX_CHUNK]; 2],
            len: 0,
        }
    }

    /// Taps the dry input of a block (at most [`MAX_CHUNK`] samples), before any stage.
    pub fn tap(&mut self, left: &[f32], right: &[f32]) {
        self.dry.process([left, right], &mut self.dry_out);
        self.len = left.len();
    }
}

impl Stage for Bypass {
    fn apply(&mut self, settings: &Settings) {
        self.fade.set(settings.bypass);
    }

    fn reset(&mut self) {
        self.fade.jump();
        self.dry.reset();
    }

    /// Mixes the dry signal tapped for this block into the processed one.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert_eq!(left.len(), self.len);
        let len = left.len();
        let [dl, dr] = &self.dry_out;
        self.fade
            .blend_into_a([left, right], [&dl[..len], &dr[..len]]);
    }
}
