//! Meter values shared between the audio thread and a GUI, lock-free.
//!
//! The audio thread folds each block's [`BlockMeters`] in with `fetch_max` (peaks)
//! and `fetch_min` (gain); a reader takes the running extremes and resets them
//! with `swap`, so nothing is lost between two reads and nothing ever blocks.

use atomic_float::{AtomicF32, AtomicF64};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use crate::dsp::BlockMeters;
use crate::monitor::render_guard::RenderState;

/// Linear meter values since the last read.
#[derive(Debug, Default)]
pub struct SharedMeters {
    /// Input sample peak, left / right (linear).
    pub input_peak: [AtomicF32; 2],
    /// Input true peak, left / right (linear).
    pub input_true_peak: [AtomicF32; 2],
    /// Output sample peak, left / right (linear).
    pub output_peak: [AtomicF32; 2],
    /// Output true peak, left / right (linear).
    pub output_true_peak: [AtomicF32; 2],
    /// Current limiter gain (linear, 1 = no reduction).
    pub gain: AtomicF32,
    /// Smallest limiter gain since the last read (linear).
    pub min_gain: AtomicF32,
    /// Σ l·r of the output since the last read (for the correlation meter).
    pub sum_lr: AtomicF64,
    /// Σ l² of the output since the last read.
    pub sum_ll: AtomicF64,
    /// Σ r² of the output since the last read.
    pub sum_rr: AtomicF64,
    /// The render guard's current decision ([`RenderState::to_u8`]).
    render_state: AtomicU8,
    /// The last decision other than real time, kept after the render ends.
    last_offline_state: AtomicU8,
    /// Σ of the squared A-weighted output per ear since the last read (re a full-scale sine).
    pub a_sum_sq: [AtomicF64; 2],
    /// Frames behind `a_sum_sq`.
    pub a_frames: AtomicU64,
    /// Sound exposure heard since this instance started, in Pa²·h; only grows.
    pub session_exposure: AtomicF64,
    /// Listening time counted since this instance started, in seconds.
    pub session_seconds: AtomicF64,
    /// Exposure not yet written to the history file, in Pa²·h.
    pub unsaved_exposure: AtomicF64,
    /// The history file's 7-day total (including what this instance flushed), in Pa²·h.
    pub history_exposure: AtomicF64,
    /// The 7-day exposure with this instance's unsaved part: one published value, which
    /// the audio thread raises and only a re-read of the history file sets, so a flush
    /// (moving exposure from `unsaved_exposure` to the file) never lowers it.
    week_exposure: AtomicF64,
    /// The channel-check step playing (0 none, 1 left, 2 right, 3 in phase, 4 out of phase).
    pub check_step: AtomicU8,
    /// The sample rate the audio thread runs at, in Hz (0 before it starts): the editor
    /// designs the correction's curve and figures at it.
    pub sample_rate: AtomicF32,
    /// The loudness meter's ring from the audio thread (see [`crate::loudness`]).
    pub loudness: crate::loudness::LoudnessExchange,
}

impl SharedMeters {
    /// Meters at rest (no signal, no reduction).
    pub fn new() -> Self {
        let m = Self::default();
        m.gain.store(1.0, Ordering::Relaxed);
        m.min_gain.store(1.0, Ordering::Relaxed);
        m
    }

    /// Records the render guard's decision for this block (audio thread; wait-free).
    pub fn set_render_state(&self, state: RenderState) {
        self.render_state.store(state.to_u8(), Ordering::Relaxed);
        if state != RenderState::Realtime {
            self.last_offline_state
                .store(state.to_u8(), Ordering::Relaxed);
        }
    }

    /// The render guard's current decision.
    pub fn render_state(&self) -> RenderState {
        RenderState::from_u8(self.render_state.load(Ordering::Relaxed))
    }

    /// The last offline decision (what happened to the last export), `Realtime` if none yet.
    pub fn last_offline_state(&self) -> RenderState {
        RenderState::from_u8(self.last_offline_state.load(Ordering::Relaxed))
    }

    /// The exposure of the last 7 days, this instance's included, in Pa²·h.
    pub fn week_exposure(&self) -> f64 {
        self.week_exposure.load(Ordering::Relaxed)
    }

    /// Sets the history file's 7-day total as just read (background thread): the week's
    /// exposure becomes that plus what is not saved yet.
    pub fn set_history_total(&self, total_pa2h: f64) {
        self.history_exposure.store(total_pa2h, Ordering::Relaxed);
        let unsaved = self.unsaved_exposure.load(Ordering::Relaxed);
        self.week_exposure
            .store(total_pa2h + unsaved, Ordering::Relaxed);
    }

    /// Forgets every exposure (the editor's "Reset history").
    pub fn clear_exposure(&self) {
        self.unsaved_exposure.store(0.0, Ordering::Relaxed);
        self.set_history_total(0.0);
    }

    /// Adds one block's listening (audio thread; wait-free).
    pub fn add_listening(&self, a_sum_sq: [f64; 2], frames: usize, seconds: f64, exposure: f64) {
        self.a_sum_sq[0].fetch_add(a_sum_sq[0], Ordering::Relaxed);
        self.a_sum_sq[1].fetch_add(a_sum_sq[1], Ordering::Relaxed);
        self.a_frames.fetch_add(frames as u64, Ordering::Relaxed);
        self.session_exposure.fetch_add(exposure, Ordering::Relaxed);
        self.session_seconds.fetch_add(seconds, Ordering::Relaxed);
        self.unsaved_exposure.fetch_add(exposure, Ordering::Relaxed);
        self.week_exposure.fetch_add(exposure, Ordering::Relaxed);
    }

    /// Takes the A-weighted sums since the last call (GUI thread): (Σ per ear, frames).
    pub fn take_listening(&self) -> ([f64; 2], u64) {
        (
            [
                self.a_sum_sq[0].swap(0.0, Ordering::Relaxed),
                self.a_sum_sq[1].swap(0.0, Ordering::Relaxed),
            ],
            self.a_frames.swap(0, Ordering::Relaxed),
        )
    }

    /// Publishes one block's statistics (audio thread; wait-free).
    pub fn publish(&self, b: &BlockMeters) {
        for c in 0..2 {
            self.input_peak[c].fetch_max(b.input_peak[c], Ordering::Relaxed);
            self.input_true_peak[c].fetch_max(b.input_true_peak[c], Ordering::Relaxed);
            self.output_peak[c].fetch_max(b.output_peak[c], Ordering::Relaxed);
            self.output_true_peak[c].fetch_max(b.output_true_peak[c], Ordering::Relaxed);
        }
        self.gain.store(b.gain, Ordering::Relaxed);
        self.min_gain.fetch_min(b.min_gain, Ordering::Relaxed);
        self.sum_lr.fetch_add(b.sum_lr, Ordering::Relaxed);
        self.sum_ll.fetch_add(b.sum_ll, Ordering::Relaxed);
        self.sum_rr.fetch_add(b.sum_rr, Ordering::Relaxed);
    }

    /// Reads and resets the running extremes (GUI thread).
    pub fn take(&self) -> BlockMeters {
        let mut b = BlockMeters::default();
        for c in 0..2 {
            b.input_peak[c] = self.input_peak[c].swap(0.0, Ordering::Relaxed);
            b.input_true_peak[c] = self.input_true_peak[c].swap(0.0, Ordering::Relaxed);
            b.output_peak[c] = self.output_peak[c].swap(0.0, Ordering::Relaxed);
            b.output_true_peak[c] = self.output_true_peak[c].swap(0.0, Ordering::Relaxed);
        }
        b.gain = self.gain.load(Ordering::Relaxed);
        b.min_gain = self.min_gain.swap(1.0, Ordering::Relaxed);
        b.sum_lr = self.sum_lr.swap(0.0, Ordering::Relaxed);
        b.sum_ll = self.sum_ll.swap(0.0, Ordering::Relaxed);
        b.sum_rr = self.sum_rr.swap(0.0, Ordering::Relaxed);
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_keeps_extremes_and_take_resets() {
        let m = SharedMeters::new();
        let a = BlockMeters {
            output_peak: [0.5, 0.2],
            min_gain: 0.7,
            ..Default::default()
        };
        let b = BlockMeters {
            output_peak: [0.3, 0.6],
            min_gain: 0.9,
            sum_lr: -2.0,
            sum_ll: 1.0,
            sum_rr: 4.0,
            ..Default::default()
        };
        m.publish(&a);
        m.publish(&b);
        let t = m.take();
        assert_eq!(t.output_peak, [0.5, 0.6]);
        assert_eq!(t.min_gain, 0.7);
        assert_eq!((t.sum_lr, t.sum_ll, t.sum_rr), (-2.0, 1.0, 4.0));
        assert_eq!(t.correlation(), -1.0);
        let t2 = m.take();
        assert_eq!(t2.output_peak, [0.0, 0.0]);
        assert_eq!(t2.min_gain, 1.0);
        assert_eq!((t2.sum_lr, t2.sum_ll, t2.sum_rr), (0.0, 0.0, 0.0));
    }
}
