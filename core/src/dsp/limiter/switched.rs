//! The limiter stage: the exact [`Limiter`], the low-latency [`LowLimiter`] or the
//! zero-latency [`InstantLimiter`] (the latency setting), with the on/off switch, and the
//! click-free moves between them.
//!
//! - **On/off:** a crossfade between the limiter's output and the equally delayed
//!   unlimited signal, so switching never clicks and never changes the latency. While it
//!   rests fully off, the exact limiter's detector sleeps (the history is still kept, so
//!   switching back on is safe at once).
//! - **Latency setting:** the limiters have different delays, so their outputs
//!   cannot be crossfaded sample for sample without a gap or a doubled transient. A
//!   switch instead fades the old limiter's output out over [`crate::dsp::SWITCH_MS`]
//!   while the new one, reset, is fed the input faded in over the same span, and its
//!   output (wherever its delay puts it) weighted by that same fade: from Exact to Zero
//!   the two overlap (the output is a mix of the input now and 5.5 ms ago), from Zero
//!   to Exact the old fades out and the new fades in 5.5 ms later. Every output sample
//!   is `(1 − m)·a + m·b` of two outputs at or under the ceiling, so it is at or under
//!   the ceiling too; and each fade is a linear glide of the level, so nothing steps.
//!   A switch asked for during another waits for it to end.

use super::instant::InstantLimiter;
use super::low::LowLimiter;
use super::{LatencyMode, Limiter, LimiterSettings};
use crate::dsp::crossfade::Crossfade;
use crate::dsp::ramp::Ramp;
use crate::dsp::stage::{Chunk, Stage, StageSetup};
use crate::dsp::{db_to_gain, Settings, MAX_CHUNK};

/// The limiter stage.
#[derive(Debug, Clone)]
pub struct SwitchedLimiter {
    /// The exact true-peak limiter (the Exact setting).
    limiter: Limiter,
    /// The low-latency true-peak limiter (the Low setting).
    low: LowLimiter,
    /// The zero-latency sample-peak limiter (the Zero setting).
    instant: InstantLimiter,
    /// The setting heard (or being switched to).
    mode: LatencyMode,
    /// The setting being left while a switch is under way.
    leaving: Option<LatencyMode>,
    /// The setting asked for (a switch asked for during another waits for it).
    wanted: LatencyMode,
    /// Progress of a switch, 0 → 1.
    switch: Ramp,
    /// Unlimited (a) to limited (b).
    fade: Crossfade,
    /// Scratch: the unlimited delayed signal.
    unlimited: [[f32; MAX_CHUNK]; 2],
    /// Scratch during a switch: the new limiter's output.
    incoming: [[f32; MAX_CHUNK]; 2],
    /// Scratch during a switch: the new limiter's unlimited signal.
    incoming_unlimited: [[f32; MAX_CHUNK]; 2],
    /// Scratch during a switch: the switch's progress per sample.
    progress: [f32; MAX_CHUNK],
}

/// The three limiters, one per latency setting.
struct Limiters<'a> {
    exact: &'a mut Limiter,
    low: &'a mut LowLimiter,
    instant: &'a mut InstantLimiter,
}

/// Runs the limiter of `mode` over `left`/`right` in place; its unlimited (equally
/// delayed) signal goes to `unlimited` unless that is empty.
fn run(
    limiters: &mut Limiters<'_>,
    mode: LatencyMode,
    left: &mut [f32],
    right: &mut [f32],
    unlimited: [&mut [f32]; 2],
) {
    let [ul, ur] = unlimited;
    match mode {
        LatencyMode::Exact => limiters.exact.process(left, right, ul, ur),
        LatencyMode::Low => limiters.low.process(left, right, ul, ur),
        LatencyMode::Zero => {
            if !ul.is_empty() {
                ul.copy_from_slice(left);
                ur.copy_from_slice(right);
            }
            limiters.instant.process(left, right);
        }
    }
}

/// The gain meters of `mode`'s limiter: the smallest gain since the last call, and the
/// gain now.
fn take_meters(limiters: &mut Limiters<'_>, mode: LatencyMode) -> (f32, f32) {
    match mode {
        LatencyMode::Exact => (
            limiters.exact.take_min_gain(),
            limiters.exact.current_gain(),
        ),
        LatencyMode::Low => (limiters.low.take_min_gain(), limiters.low.current_gain()),
        LatencyMode::Zero => (
            limiters.instant.take_min_gain(),
            limiters.instant.current_gain(),
        ),
    }
}

/// `out ← out + m·(new − out)` per sample, with `m` from `progress`.
fn glide_into(out: &mut [f32], new: &[f32], progress: &[f32]) {
    for ((o, &n), &m) in out.iter_mut().zip(new).zip(progress) {
        *o += m * (n - *o);
    }
}

/// The limiter's settings within the chain's.
fn limiter_settings(s: &Settings) -> LimiterSettings {
    LimiterSettings {
        ceiling: db_to_gain(s.ceiling_db.clamp(-60.0, 0.0)),
        release_ms: s.release_ms,
    }
}

impl SwitchedLimiter {
    /// The stage for `sample_rate` Hz.
    pub fn new(sample_rate: f32, settings: &Settings, switch_samples: u32) -> Self {
        Self {
            limiter: Limiter::new(sample_rate, limiter_settings(settings)),
            low: LowLimiter::new(sample_rate, limiter_settings(settings)),
            instant: InstantLimiter::new(sample_rate, limiter_settings(settings)),
            mode: settings.latency,
            leaving: None,
            wanted: settings.latency,
            switch: Ramp::new(1.0, switch_samples.max(1)),
            fade: Crossfade::new(settings.limiter_on, switch_samples),
            unlimited: [[0.0; MAX_CHUNK]; 2],
            incoming: [[0.0; MAX_CHUNK]; 2],
            incoming_unlimited: [[0.0; MAX_CHUNK]; 2],
            progress: [0.0; MAX_CHUNK],
        }
    }

    /// The exact limiter (read-only).
    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// The low-latency limiter (read-only).
    pub fn low(&self) -> &LowLimiter {
        &self.low
    }

    /// The zero-latency limiter (read-only).
    pub fn instant(&self) -> &InstantLimiter {
        &self.instant
    }

    /// The setting heard, or being switched to.
    pub fn mode(&self) -> LatencyMode {
        self.mode
    }

    /// Whether a switch between settings is under way (or waiting).
    pub fn is_switching(&self) -> bool {
        self.leaving.is_some() || self.wanted != self.mode
    }

    /// The delay of the limiter of setting `mode`, in samples.
    pub fn latency_in(&self, mode: LatencyMode) -> usize {
        match mode {
            LatencyMode::Exact => self.limiter.latency_samples(),
            LatencyMode::Low => self.low.latency_samples(),
            LatencyMode::Zero => self.instant.latency_samples(),
        }
    }

    /// How long the output can still change after the input has fallen silent, in the
    /// setting asked for.
    pub fn tail_samples(&self) -> usize {
        match self.wanted {
            LatencyMode::Exact => self.limiter.tail_samples(),
            LatencyMode::Low => self.low.tail_samples(),
            LatencyMode::Zero => self.instant.tail_samples(),
        }
    }

    /// Starts the switch to the setting asked for, if one is due and none is under way:
    /// the new limiter starts from rest.
    fn start_switch(&mut self) {
        if self.leaving.is_some() || self.wanted == self.mode {
            return;
        }
        self.leaving = Some(self.mode);
        self.mode = self.wanted;
        match self.mode {
            LatencyMode::Exact => self.limiter.reset(),
            LatencyMode::Low => self.low.reset(),
            LatencyMode::Zero => self.instant.reset(),
        }
        self.switch.jump_to(0.0);
        self.switch.set_target(1.0);
    }
}

impl Stage for SwitchedLimiter {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        self.limiter.set_settings(limiter_settings(settings));
        self.low.set_settings(limiter_settings(settings));
        self.instant.set_settings(limiter_settings(settings));
        self.fade.set(settings.limiter_on);
        self.wanted = settings.latency;
    }

    fn reset(&mut self) {
        self.fade.jump();
        self.limiter.reset();
        self.low.reset();
        self.instant.reset();
        self.mode = self.wanted;
        self.leaving = None;
        self.switch.jump_to(1.0);
    }

    fn latency_samples(&self, mode: LatencyMode) -> usize {
        self.latency_in(mode)
    }

    /// Also the chunk's gain meters: the smallest gain the limiter applied and its gain at
    /// the end.
    fn process(&mut self, chunk: &mut Chunk<'_>) {
        self.start_switch();
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        let len = left.len();
        self.limiter.set_detection(!self.fade.rests_at_a());
        self.low.set_detection(!self.fade.rests_at_a());
        // Resting at "limited", the unlimited signal is not mixed in: not even copied.
        let keep = if self.fade.rests_at_b() { 0 } else { len };
        let mut limiters = Limiters {
            exact: &mut self.limiter,
            low: &mut self.low,
            instant: &mut self.instant,
        };
        let Some(leaving) = self.leaving else {
            let [ul, ur] = &mut self.unlimited;
            run(
                &mut limiters,
                self.mode,
                left,
                right,
                [&mut ul[..keep], &mut ur[..keep]],
            );
            (chunk.meters.min_gain, chunk.meters.gain) = take_meters(&mut limiters, self.mode);
            self.fade
                .blend_into_b([&ul[..len], &ur[..len]], [left, right]);
            return;
        };
        // A switch: the new limiter gets the input faded in, the old one the input as it is.
        let progress = &mut self.progress[..len];
        for m in progress.iter_mut() {
            *m = self.switch.next_value();
        }
        let progress = &self.progress[..len];
        let [il, ir] = &mut self.incoming;
        let (il, ir) = (&mut il[..len], &mut ir[..len]);
        for i in 0..len {
            il[i] = left[i] * progress[i];
            ir[i] = right[i] * progress[i];
        }
        let [iul, iur] = &mut self.incoming_unlimited;
        let (iul, iur) = (&mut iul[..keep], &mut iur[..keep]);
        run(&mut limiters, self.mode, il, ir, [&mut *iul, &mut *iur]);
        let [ul, ur] = &mut self.unlimited;
        let (ul, ur) = (&mut ul[..keep], &mut ur[..keep]);
        run(&mut limiters, leaving, left, right, [&mut *ul, &mut *ur]);
        // Out with the old, in with the new, by the same glide.
        glide_into(left, il, progress);
        glide_into(right, ir, progress);
        glide_into(ul, iul, progress);
        glide_into(ur, iur, progress);
        let (old_min, _) = take_meters(&mut limiters, leaving);
        let (new_min, new_gain) = take_meters(&mut limiters, self.mode);
        chunk.meters.min_gain = old_min.min(new_min);
        chunk.meters.gain = new_gain;
        let [ul, ur] = &self.unlimited;
        self.fade
            .blend_into_b([&ul[..len], &ur[..len]], [left, right]);
        if !self.switch.is_moving() {
            self.leaving = None;
        }
    }
}
