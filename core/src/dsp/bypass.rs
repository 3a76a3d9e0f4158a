//! Bypass: the dry input, delayed by the chain's latency, crossfaded in over
//! [`super::SWITCH_MS`] (the host's bypass stays latency-compensated and click-free).
//! The dry signal is tapped right after input hygiene (the [`DryTap`] entry of the stage
//! list) and mixed in at the very end ([`Bypass`]), delayed by the latency of every stage
//! between them.

use super::crossfade::Crossfade;
use super::limiter::LatencyMode;
use super::ramp::Ramp;
use super::stage::{Chunk, Stage, StageSetup};
use super::{Settings, MAX_CHUNK};

/// The dry path's delay, stereo, processed a block at a time. Its length follows the
/// latency setting; a change glides from the old delay's output to the new one's over
/// [`super::SWITCH_MS`] (two copies of the same signal mixed, never a jump).
#[derive(Debug, Clone)]
struct DryDelay {
    /// Delay per latency setting, in samples.
    delays: [usize; LatencyMode::COUNT],
    /// The delay now, in samples.
    delay: usize,
    /// The delay being left while `glide` moves.
    from: usize,
    /// 0 → 1 from the old delay's output to the new one's.
    glide: Ramp,
    /// Per channel: a ring of the longest delay plus room for one chunk.
    lines: [Vec<f32>; 2],
    /// Where the next input sample goes in the rings.
    write: usize,
    /// Scratch: the old delay's output during a glide.
    from_out: [[f32; MAX_CHUNK]; 2],
}

/// Copies `source` into the ring `line` from `at`, wrapping at its end.
fn ring_write(line: &mut [f32], at: usize, source: &[f32]) {
    let split = source.len().min(line.len() - at);
    line[at..at + split].copy_from_slice(&source[..split]);
    line[..source.len() - split].copy_from_slice(&source[split..]);
}

/// Fills `out` from the ring `line` from `at`, wrapping at its end.
fn ring_read(line: &[f32], at: usize, out: &mut [f32]) {
    let split = out.len().min(line.len() - at);
    out[..split].copy_from_slice(&line[at..at + split]);
    let rest = out.len() - split;
    out[split..].copy_from_slice(&line[..rest]);
}

impl DryDelay {
    fn new(delays: [usize; LatencyMode::COUNT], mode: LatencyMode, glide_samples: u32) -> Self {
        let longest = delays.iter().copied().max().unwrap_or(0);
        let delay = delays[mode.index()];
        Self {
            delays,
            delay,
            from: delay,
            glide: Ramp::new(1.0, glide_samples.max(1)),
            lines: [
                vec![0.0; longest + MAX_CHUNK],
                vec![0.0; longest + MAX_CHUNK],
            ],
            write: 0,
            from_out: [[0.0; MAX_CHUNK]; 2],
        }
    }

    /// Follows the latency setting `mode` (gliding when it changes).
    fn set_mode(&mut self, mode: LatencyMode) {
        let delay = self.delays[mode.index()];
        if delay != self.delay {
            self.from = self.delay;
            self.delay = delay;
            self.glide.jump_to(0.0);
            self.glide.set_target(1.0);
        }
    }

    fn reset(&mut self) {
        for line in &mut self.lines {
            line.fill(0.0);
        }
        self.write = 0;
        self.glide.jump_to(1.0);
    }

    /// Writes a block (at most [`MAX_CHUNK`] samples) and, when `out` is given, returns
    /// it delayed there.
    fn process(&mut self, inputs: [&[f32]; 2], out: Option<&mut [[f32; MAX_CHUNK]; 2]>) {
        let size = self.lines[0].len();
        let len = inputs[0].len();
        for (line, input) in self.lines.iter_mut().zip(inputs) {
            ring_write(line, self.write, input);
        }
        // The sample `delay` behind the block's first one.
        let read = |delay: usize| (self.write + size - delay) % size;
        match out {
            Some(out) => {
                for (line, out) in self.lines.iter().zip(out.iter_mut()) {
                    ring_read(line, read(self.delay), &mut out[..len]);
                }
                if self.glide.is_moving() {
                    for (line, old) in self.lines.iter().zip(self.from_out.iter_mut()) {
                        ring_read(line, read(self.from), &mut old[..len]);
                    }
                    for i in 0..len {
                        let m = self.glide.next_value();
                        for (out, old) in out.iter_mut().zip(&self.from_out) {
                            out[i] = old[i] + m * (out[i] - old[i]);
                        }
                    }
                }
            }
            // Nobody hears the dry signal: a glide has nothing to hide.
            None => self.glide.jump_to(1.0),
        }
        self.write = (self.write + len) % size;
    }
}

/// The bypass stage.
#[derive(Debug, Clone)]
pub struct Bypass {
    dry: DryDelay,
    /// Processed (a) to dry (b).
    fade: Crossfade,
    /// Scratch: the delayed dry signal of the current chunk.
    dry_out: [[f32; MAX_CHUNK]; 2],
}

impl Bypass {
    /// The stage for a dry signal `latency[setting]` samples ahead of the processed one in
    /// each latency setting, at `settings.bypass`.
    pub fn new(
        latency: [usize; LatencyMode::COUNT],
        settings: &Settings,
        switch_samples: u32,
    ) -> Self {
        Self {
            dry: DryDelay::new(latency, settings.latency, switch_samples),
            fade: Crossfade::new(settings.bypass, switch_samples),
            dry_out: [[0.0; MAX_CHUNK]; 2],
        }
    }
}

impl Stage for Bypass {
    /// Delays the dry signal by the latency of every stage before it (the dry tap sits at
    /// the chain's input, after the hygiene, which adds none).
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.latency_before, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        self.fade.set(settings.bypass);
        self.dry.set_mode(settings.latency);
    }

    fn reset(&mut self) {
        self.fade.jump();
        self.dry.reset();
    }

    /// Mixes the dry signal tapped for this chunk, delayed, into the processed one.
    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let len = chunk.len();
        let [dl, dr] = &*chunk.dry;
        // Resting at "processed", the dry signal is not mixed in: only keep the line.
        let out = (!self.fade.rests_at_a()).then_some(&mut self.dry_out);
        self.dry.process([&dl[..len], &dr[..len]], out);
        let [ol, or] = &self.dry_out;
        self.fade.blend_into_a(
            [&mut *chunk.left, &mut *chunk.right],
            [&ol[..len], &or[..len]],
        );
    }
}

/// The dry tap: keeps the chunk's input (after hygiene) for [`Bypass`].
#[derive(Debug, Clone, Default)]
pub struct DryTap;

impl Stage for DryTap {
    fn build(_setup: &StageSetup) -> Self {
        DryTap
    }

    fn apply(&mut self, _settings: &Settings) {}

    fn reset(&mut self) {}

    #[inline(always)]
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let len = chunk.len();
        chunk.dry[0][..len].copy_from_slice(chunk.left);
        chunk.dry[1][..len].copy_from_slice(chunk.right);
    }
}
