//! Render-aware monitoring: decides when the chain may step aside because the host is
//! rendering offline (an export or bounce), so the monitoring never gets printed into a mix by
//! accident — without ever letting audio above the ceiling reach someone who listens.
//!
//! The host's claim ("offline") is honoured from the first sample, in two steps, because a
//! claim alone is not proof that nobody listens:
//! 1. **[`RenderState::Verifying`]** — as soon as the host says it renders offline, the
//!    monitor leaves all the monitoring out (mode, swap, gain, crossfeed, correction,
//!    controller, test signal: see `monitor::policy`) and keeps only the limiter's ceiling.
//!    Audio under the ceiling comes out unchanged from the first sample; a host that claims
//!    offline while someone listens can play them unmonitored audio, but never above the
//!    ceiling, and only until the pace gives it away (below).
//! 2. **[`RenderState::PassThrough`]** — the guard measures the pace at which audio arrives
//!    against the wall clock: real-time playback delivers one second of audio per second
//!    (plus start-up bursts while a device's buffers fill, a few hundred ms at most); an
//!    offline render of a monitoring-bus chain runs many times faster. Once
//!    [`VERIFY_AUDIO_S`] of audio arrived at least [`MIN_SPEEDUP`] × faster than real time
//!    without the wall clock ever running more than [`SLACK_S`] behind that pace, the
//!    ceiling steps aside too (bypass, with the chain's 20 ms crossfade, which changes no bit
//!    where the limiter had nothing to do): the input itself, overs included.
//!
//! As soon as the wall clock runs [`SLACK_S`] behind the pace — within 0.1 s of audio at
//! real-time pace, plus the block in progress — the guard decides someone may be listening
//! ([`RenderState::RealtimePace`]) and the full monitoring returns (20 ms glide); it returns
//! at once when the claim ends. (An offline render that stalls for more than [`SLACK_S`] is
//! therefore processed from that point until the pace is proven again: the safe side.)
//!
//! Consequences, documented for users: an export whose first second stays under the ceiling
//! is the input bit for bit from its first sample; overs within its first second are limited
//! to the ceiling; an export slower than twice real time is processed throughout. All of it
//! errs on the side of the ears.
//!
//! # What can and cannot unlock pass-through
//! Both conditions must hold, so each kind of host is judged on both:
//! - **A sound card** (any real-time playback): the host claims real time (CLAP render mode
//!   `realtime`, VST3 `kRealtime`), so nothing unlocks, whatever the pace.
//! - **A render-ahead host** (REAPER's anticipative FX, VST3 `kPrefetch`): prefetching is not
//!   an offline claim, so nothing unlocks either; its bursts ahead of the play position are
//!   heard later and must stay processed.
//! - **A host that wrongly claims offline while playing**: its listener hears the audio
//!   without the monitoring, at most up to the ceiling, for at most 0.1 s of audio (plus one
//!   block) before the lag restores the monitoring. A start-up burst (a device filling its
//!   buffers at once) of less than about 0.9 s of audio ahead of real time never unlocks
//!   pass-through; a longer one gets at most 0.1 s of audio (plus one block) past the
//!   ceiling before the lag ends it. That is the only way audio someone hears can pass the
//!   ceiling, and it needs a host that lies about offline rendering.
//! - **An export** (Ardour freewheeling, a CLAP host's offline render, pedalboard and
//!   DawDreamer, which state `kOffline` from their first block): the claim is there and the
//!   pace is far above [`MIN_SPEEDUP`]: no monitoring from the first sample, and after
//!   [`VERIFY_AUDIO_S`] of audio no ceiling either.
//!
//! The claim must be the host's *current* one, so the plug-in passes the claim of every
//! process call ([`RenderGuard::set_offline_claimed`]). VST3 hosts state it in each call's
//! `ProcessData::processMode`, and Ardour 7 switches to `kOffline` only there when it
//! exports (no new `setupProcessing`); nice-plug 0.4.2 never passed that on, and handed
//! `activate` the mode of the `setupProcessing` call before the last one. The project
//! builds nice-plug with its own fixes (`patches/`, `ProcessContext::process_mode`);
//! `tests/render_aware.rs` and the Ardour test of `tests/real_hosts.rs` fail without them. Had a claim been stale
//! the other way — offline during live playback — the pace check alone would still keep
//! the listener protected (the burst case above).
//!
//! Pure logic: the caller passes the wall-clock time; nothing here reads a clock.

/// Audio that must arrive faster than real time before pass-through starts, in seconds.
pub const VERIFY_AUDIO_S: f64 = 1.0;
/// How much faster than real time an offline render must run to be believed.
pub const MIN_SPEEDUP: f64 = 2.0;
/// Wall-clock lag beyond the allowed pace that ends pass-through at once, in seconds.
pub const SLACK_S: f64 = 0.05;

/// What the guard decided, for the chain and for the editor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderState {
    /// The host says real time: normal monitoring.
    Realtime,
    /// The host says offline; the pace is being measured: no monitoring, the ceiling kept.
    Verifying,
    /// Offline and fast: audio passes through unchanged (delayed by the latency).
    PassThrough,
    /// The host says offline but audio arrives at real-time pace: still protecting.
    RealtimePace,
    /// Offline, and the user asked to print the processing ("monitor only" off).
    Printing,
}

impl RenderState {
    /// A small number for sharing with the editor through an atomic.
    pub fn to_u8(self) -> u8 {
        match self {
            RenderState::Realtime => 0,
            RenderState::Verifying => 1,
            RenderState::PassThrough => 2,
            RenderState::RealtimePace => 3,
            RenderState::Printing => 4,
        }
    }

    /// The inverse of [`RenderState::to_u8`] (unknown values read as `Realtime`).
    pub fn from_u8(value: u8) -> Self {
        match value {
            1 => RenderState::Verifying,
            2 => RenderState::PassThrough,
            3 => RenderState::RealtimePace,
            4 => RenderState::Printing,
            _ => RenderState::Realtime,
        }
    }
}

/// The guard for one plugin instance.
#[derive(Debug, Clone)]
pub struct RenderGuard {
    /// Sample rate, in Hz.
    sample_rate: f64,
    /// The host claims offline rendering.
    offline_claimed: bool,
    /// "Monitor only": pass through during genuine offline renders.
    monitor_only: bool,
    /// Wall-clock time at the start of the measuring window, in seconds.
    window_start_s: Option<f64>,
    /// Audio delivered since the window started, in seconds.
    window_audio_s: f64,
    /// Wall-clock time of the previous call, in seconds.
    last_call_s: Option<f64>,
    /// Audio length of the previous call, in seconds.
    last_audio_s: f64,
    /// How far the wall clock has run ahead of the allowed pace, in seconds (never below 0).
    lag_s: f64,
    /// Current decision.
    state: RenderState,
}

impl RenderGuard {
    /// A guard for `sample_rate` Hz, starting in real-time mode.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate: f64::from(sample_rate.max(1.0)),
            offline_claimed: false,
            monitor_only: true,
            window_start_s: None,
            window_audio_s: 0.0,
            last_call_s: None,
            last_audio_s: 0.0,
            lag_s: 0.0,
            state: RenderState::Realtime,
        }
    }

    /// What the host claims (from its process mode); a change restarts the measurement.
    pub fn set_offline_claimed(&mut self, claimed: bool) {
        if claimed != self.offline_claimed {
            self.offline_claimed = claimed;
            self.reset_measurements();
            self.state = RenderState::Realtime;
        }
    }

    /// Starts the verification again (the host restarted processing): protection resumes
    /// until the pace proves an offline render again.
    pub fn restart(&mut self) {
        self.reset_measurements();
        self.state = RenderState::Realtime;
    }

    /// The "monitor only" setting.
    pub fn set_monitor_only(&mut self, on: bool) {
        self.monitor_only = on;
    }

    /// Current decision.
    pub fn state(&self) -> RenderState {
        self.state
    }

    /// Whether the chain should pass audio through now.
    pub fn passing_through(&self) -> bool {
        self.state == RenderState::PassThrough
    }

    /// Starts a new measuring window (the lag carries on: it is measured call by call).
    fn restart_window(&mut self, now_s: Option<f64>) {
        self.window_start_s = now_s;
        self.window_audio_s = 0.0;
    }

    /// Forgets every measurement.
    fn reset_measurements(&mut self) {
        self.restart_window(None);
        self.last_call_s = None;
        self.last_audio_s = 0.0;
        self.lag_s = 0.0;
    }

    /// Call at the start of every process call with the wall-clock time `now_s` (seconds, any
    /// origin, monotonic) and the number of frames about to be processed; returns the
    /// decision for this block.
    pub fn observe(&mut self, frames: usize, now_s: f64) -> RenderState {
        if !self.offline_claimed {
            self.state = RenderState::Realtime;
            return self.state;
        }
        if !self.monitor_only {
            self.state = RenderState::Printing;
            self.reset_measurements();
            return self.state;
        }
        if self.state == RenderState::Printing {
            self.state = RenderState::Verifying;
        }
        let start = *self.window_start_s.get_or_insert(now_s);
        let elapsed = (now_s - start).max(0.0);
        // Lag, call by call: wall time since the previous call minus what the previous
        // call's audio allows at the minimum speed-up. Earlier fast audio gives no credit.
        if let Some(last) = self.last_call_s {
            let wall = (now_s - last).max(0.0);
            self.lag_s = (self.lag_s + wall - self.last_audio_s / MIN_SPEEDUP).max(0.0);
        }
        let lagging = self.lag_s > SLACK_S;
        match self.state {
            RenderState::PassThrough | RenderState::Verifying if lagging => {
                // The wall clock caught up with the audio: someone may be listening (also a
                // device's start-up burst followed by real-time pace ends up here).
                self.state = RenderState::RealtimePace;
                self.restart_window(Some(now_s));
            }
            RenderState::RealtimePace if lagging => self.restart_window(Some(now_s)),
            _ if self.window_audio_s >= VERIFY_AUDIO_S => {
                self.state = if elapsed <= self.window_audio_s / MIN_SPEEDUP {
                    RenderState::PassThrough
                } else {
                    RenderState::RealtimePace
                };
                self.restart_window(Some(now_s));
            }
            RenderState::Realtime => self.state = RenderState::Verifying,
            _ => {}
        }
        self.last_call_s = Some(now_s);
        self.last_audio_s = frames as f64 / self.sample_rate;
        self.window_audio_s += frames as f64 / self.sample_rate;
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds `seconds` of audio in `block`-frame calls at `speed` × real time.
    fn run(guard: &mut RenderGuard, clock: &mut f64, seconds: f64, block: usize, speed: f64) {
        let rate = 48_000.0;
        let calls = (seconds * rate / block as f64).ceil() as usize;
        for _ in 0..calls {
            guard.observe(block, *clock);
            *clock += block as f64 / rate / speed;
        }
    }

    #[test]
    fn real_time_claims_never_pass_through() {
        let mut guard = RenderGuard::new(48_000.0);
        let mut clock = 0.0;
        run(&mut guard, &mut clock, 5.0, 256, 1_000.0);
        assert_eq!(guard.state(), RenderState::Realtime);
    }

    #[test]
    fn a_fast_offline_render_passes_through_after_the_verification() {
        let mut guard = RenderGuard::new(48_000.0);
        guard.set_offline_claimed(true);
        let mut clock = 10.0;
        run(&mut guard, &mut clock, 0.95, 512, 50.0);
        assert_eq!(guard.state(), RenderState::Verifying);
        run(&mut guard, &mut clock, 0.1, 512, 50.0);
        assert_eq!(guard.state(), RenderState::PassThrough);
        run(&mut guard, &mut clock, 30.0, 512, 3.0);
        assert!(guard.passing_through(), "3× real time is still offline");
    }

    #[test]
    fn an_offline_claim_at_real_time_pace_keeps_protecting() {
        for prefill_blocks in [0, 8, 32] {
            let mut guard = RenderGuard::new(48_000.0);
            guard.set_offline_claimed(true);
            let mut clock = 0.0;
            // A device filling its buffers: blocks back to back, then real-time pace.
            for _ in 0..prefill_blocks {
                guard.observe(256, clock);
            }
            for _ in 0..2_000 {
                let state = guard.observe(256, clock);
                assert_ne!(state, RenderState::PassThrough, "prefill {prefill_blocks}");
                clock += 256.0 / 48_000.0;
            }
            assert_eq!(guard.state(), RenderState::RealtimePace);
        }
    }

    #[test]
    fn pass_through_ends_within_a_tenth_of_a_second_of_real_time_pace() {
        let mut guard = RenderGuard::new(48_000.0);
        guard.set_offline_claimed(true);
        let mut clock = 0.0;
        run(&mut guard, &mut clock, 2.0, 512, 100.0);
        assert!(guard.passing_through());
        let mut audio_s = 0.0;
        while guard.observe(128, clock) == RenderState::PassThrough {
            clock += 128.0 / 48_000.0;
            audio_s += 128.0 / 48_000.0;
            assert!(
                audio_s <= 0.1 + 0.003,
                "still passing after {audio_s} s at real-time pace"
            );
        }
        assert_eq!(guard.state(), RenderState::RealtimePace);
    }

    #[test]
    fn monitor_only_off_prints_and_the_claim_ending_restores_normal() {
        let mut guard = RenderGuard::new(44_100.0);
        guard.set_offline_claimed(true);
        guard.set_monitor_only(false);
        let mut clock = 0.0;
        run(&mut guard, &mut clock, 2.0, 512, 100.0);
        assert_eq!(guard.state(), RenderState::Printing);
        guard.set_monitor_only(true);
        run(&mut guard, &mut clock, 1.0, 512, 100.0);
        assert!(guard.passing_through());
        guard.set_offline_claimed(false);
        assert_eq!(guard.observe(512, clock), RenderState::Realtime);
    }

    #[test]
    fn state_round_trips_through_u8() {
        for state in [
            RenderState::Realtime,
            RenderState::Verifying,
            RenderState::PassThrough,
            RenderState::RealtimePace,
            RenderState::Printing,
        ] {
            assert_eq!(RenderState::from_u8(state.to_u8()), state);
        }
    }

    #[test]
    fn a_device_burst_then_real_time_pace_never_passes_or_only_briefly() {
        for burst_s in [0.3, 0.6, 0.9, 1.5, 3.0] {
            let mut guard = RenderGuard::new(48_000.0);
            guard.set_offline_claimed(true);
            let mut clock = 5.0;
            // The burst: blocks back to back (no wall time passes).
            let bursts = (burst_s * 48_000.0 / 512.0) as usize;
            for _ in 0..bursts {
                guard.observe(512, clock);
            }
            // Then real-time pace: at most 0.1 s (+ one block) of pass-through.
            let mut passed_s = 0.0;
            for _ in 0..400 {
                if guard.observe(512, clock) == RenderState::PassThrough {
                    passed_s += 512.0 / 48_000.0;
                }
                clock += 512.0 / 48_000.0;
            }
            let bound = 0.1 + 2.0 * 512.0 / 48_000.0;
            assert!(passed_s <= bound, "burst {burst_s} s: passed {passed_s} s");
            if burst_s < 0.9 {
                assert_eq!(passed_s, 0.0, "burst {burst_s} s passed through");
            }
            assert_eq!(guard.state(), RenderState::RealtimePace);
        }
    }

    #[test]
    fn leaving_printing_starts_verifying() {
        let mut guard = RenderGuard::new(48_000.0);
        guard.set_offline_claimed(true);
        guard.set_monitor_only(false);
        assert_eq!(guard.observe(512, 0.0), RenderState::Printing);
        guard.set_monitor_only(true);
        assert_eq!(guard.observe(512, 0.0), RenderState::Verifying);
    }
}
