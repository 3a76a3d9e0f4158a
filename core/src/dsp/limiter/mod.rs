//! The headphone-safe lookahead limiter: stereo-linked, true-peak exact, with a
//! final sample clip that makes the sample-peak promise unconditional.
//!
//! # What is promised, and how it is kept
//! The promise is judged against the strict reference of `docs/measuring.md`: the
//! output oversampled 16× by the 4097-tap Kaiser (β = 10) windowed sinc of
//! [`kernel`], ±128 samples of support. Two promises: nothing above the
//! ceiling, and nothing touched below it.
//!
//! 1. **See the whole support.** The position `p` under detection is 128 samples
//!    behind the newest input, so every sample the reference reads for `[p, p + 1)`
//!    is known: no reserve for an unseen future (a 1.5 ms lookahead would need 0.35 dB
//!    of it at 48 kHz, 1–5.5 dB at 32–8 kHz, for the samples beyond it).
//! 2. **Bound first, then refine.** The cheap block-wise bound of [`detector`]
//!    (near field ±32 at the 4× grid plus a curvature margin, Abel far field) runs on
//!    every position. Only where it says the position may exceed the ceiling is the
//!    reference evaluated there exactly, with its own taps ([`exact`], 15
//!    phases × 256 samples, plus a 4·10⁻⁵ rounding margin). A position whose exact
//!    value is at or under the ceiling needs nothing, so programme under the ceiling
//!    passes bit for bit, at any margin larger than the rounding (tested at 0.01 dB).
//!    Where the cheap bound already lies above the requirement the gain will have
//!    anyway (the held gain, released over the window ahead, see `process_block`, or
//!    the requirement of an earlier position of the block, see `Limiter::refine`), the
//!    exact value could not change the gain and is not computed: on the busy bench
//!    programme about 5 % of positions are refined. The same test stops an exact
//!    evaluation after the taps of its 128 nearest samples where those, with the far
//!    field beyond ±64 bounded, already settle it (`Limiter::exact_value`).
//! 3. **Hold the gain over the whole support.** The attack is a sliding minimum of
//!    the requirements over `128 + W` positions ahead, then a hold of at least
//!    `128 + W` samples and a moving average over `W` samples (0.15 ms). So the gain
//!    reaches a position's requirement 128 samples before it and stays there at least
//!    128 samples after it: the output around a peak is the input times one constant,
//!    and its reconstruction is exactly that constant times the input's. The hold is no
//!    longer than that, except on a steady overload (see the gain computer). A position
//!    that does not re-arm the hold (the gain is already more than 0.1 dB lower, held from
//!    a deeper peak) is covered by the release cap instead: the release never rises above
//!    the attack's minimum of the `128 + W` samples before either, so the gain stays at
//!    or under every requirement until the last sample of its support is out.
//! 4. **Gain moving under a peak.** What step 3 cannot hold constant is a *deeper*
//!    reduction that starts inside an earlier peak's support (a +30 dB click 130–250
//!    samples after a loud passage). The samples it lowers stop contributing to the
//!    earlier peak's reconstruction, which can then rise: for smooth programme by a
//!    few thousandths of a dB, but for content near Nyquist, whose far samples all add
//!    in phase, by up to 0.5 dB (measured). The far-field bound measures exactly that
//!    in-phase content (the ranges of the sign-alternated running sums), so a position
//!    that needs reducing is reduced against `exact + far / 8` rather than `exact`:
//!    next to nothing on smooth programme (music and pink noise land within 0.03 dB of
//!    the ceiling, white noise within 0.2 dB), up to 0.5 dB on a square wave whose
//!    third harmonic sits on Nyquist, 0.6 dB on the constructed ±128-sample worst
//!    case. The weight is measured, not proven: at 1/32 the property test of
//!    `tests/limiter_precision.rs` found an alternating sequence, lifted 4 dB in
//!    "Left" mode and followed 136 samples later by a burst of +12 dBFS noise, that
//!    came out 0.95 dB over (32 kHz; 0.42 dB at 48 kHz); at 1/8 it lands 0.35 dB under.
//!    That test keeps hunting for counterexamples on every run.
//!
//!    **Open:** the margin covers only the far, in-phase part. A deep reduction whose ramp
//!    starts on samples that pull an earlier peak *down* (near field included) lifts that
//!    peak, and the peak may have been left untouched, with no margin, 0.01 dB under the
//!    ceiling: +1.43 dB over on a constructed input (48 kHz), +0.030 dB on one a hunt
//!    found; both are ignored tests in `tests/dsp/limiter_precision.rs`. The peak is judged
//!    before the reduction can be seen, so no margin at the peak closes this without
//!    touching audio under the ceiling; `docs/limiter.md` (known limitations) has the
//!    analysis and the way out (a gain bound only over the part of the support that
//!    matters).
//! 5. **Land just under.** A reduction lands at [`REDUCTION_LANDING`] of the
//!    ceiling (−0.0085 dB), room for the rounding of the gain and the sums; samples are
//!    clipped at the ceiling less the reference's DC normalisation (1 + 5.6·10⁻⁷).
//!
//! The price is latency: `128 + 128 + W − 1` samples (5.5 ms at 48 kHz, 5.9 ms at
//! 44.1 kHz, 2.8 ms at 96 kHz, 32 ms at 8 kHz) instead of 1.5 ms.
//!
//! # Gain computer
//! `required[p] = landing · ceiling / estimate[p]` where the estimate exceeds the
//! ceiling, else 1, linked over both channels. The sliding minimum (step 3), the hold,
//! an exponential release in the dB domain, and the moving average, which makes the
//! gain curve continuous; because every value it averages is already at or below the
//! requirement, the gain at a peak still meets it.
//!
//! The hold and the release follow the programme, so a hot mix keeps its loudness
//! (about 0.35 LU more than a fixed 30 ms hold and a fixed release on hot masters, see
//! `docs/limiter.md`) while a steady tone keeps a constant gain:
//! - **Hold:** the support alone (`128 + W` samples, 2.8 ms at 48 kHz) after an
//!   isolated reduction; but when an episode of reduction lands within 0.1 dB of the
//!   previous one's depth (a bass tone over the ceiling brings its peaks back at one
//!   depth every half period), it holds for 5/4 of the gap before it, up to
//!   [`HOLD_MS`], so the gain does not ripple between the peaks (half a period of
//!   20 Hz is 25 ms).
//! - **Release:** the set time constant after a reduction that lasted at least that
//!   long; after a shorter one, proportionally faster, down to a quarter of it
//!   ([`RELEASE_FASTEST`]): a click is forgotten sooner than a loud passage
//!   (program-dependent release, as in broadcast limiters and the "auto release" of
//!   mastering limiters). From deeper than 12 dB ([`RELEASE_LINEAR_LN`]) it rises at the
//!   fixed rate in dB it has at 12 dB: a deep gain moving fast lifts peaks (step 4).
//!
//! Output: the input delayed by [`Limiter::latency_samples`], times the gain, then
//! clipped (the final safety stage).
//!
//! # Speed
//! Everything runs a block of up to [`BLOCK`] samples at a time: the cheap bound
//! (vectorised across positions, its FIR in AVX2 + FMA intrinsics picked at run time;
//! gated, see
//! [`Detector::with_gate`]: a tile whose ±12 bound shows it cannot change the gain
//! — below the held gain's binding level — skips the outer taps), the exact refinement
//! (AVX2 + FMA intrinsics), the attack minimum (van Herk / Gil-Werman segments, O(1) per
//! position at any block size) and the moving average
//! in [`sliding`], and only the hold/release walk per sample — skipped too
//! while nothing needs reduction and the gain rests at exactly 1. The block logic
//! itself is compiled a second time for AVX2 (no fused operations there, so both
//! builds give the same bits).

mod control;
pub mod detector;
pub mod exact;
pub mod instant;
pub mod kernel;
pub mod low;
pub mod sliding;
pub mod switched;

use super::cpu::{dispatch, Cpu};
use control::GainControl;
use detector::{Detector, BLOCK, MAX_NEAR_TAPS};
use exact::{ExactPeak, Staged};
use sliding::{min_of, SlidingBuffer, SlidingMin};

/// Length of the gain's moving average, in milliseconds (makes the gain curve continuous).
pub const SMOOTHING_MS: f64 = 0.15;
/// The longest time the gain stays down after the last peak before it starts to recover,
/// in ms (a steady overload; an isolated peak holds only over the reference's support).
pub const HOLD_MS: f64 = 30.0;
/// The lowest ceiling, as a linear amplitude (−60 dBTP): what a NaN, zero or negative
/// ceiling becomes.
pub const SAFEST_CEILING: f32 = 1.0e-3;
/// Release a NaN release time becomes, in ms.
pub const DEFAULT_RELEASE_MS: f32 = crate::params::RELEASE.default;
/// Length of a ceiling change, in ms (the ceiling glides, it never jumps).
pub const CEILING_RAMP_MS: f64 = 20.0;
/// The shortest release, as a share of the set release: after a reduction shorter than
/// the release time, the release is that much faster (at most this much).
pub(super) const RELEASE_FASTEST: f32 = 0.25;
/// A new requirement within this ratio of the held gain (0.1 dB) re-arms the hold.
const HOLD_REARM_RATIO: f32 = 1.011_579_5;
/// Depth of a reduction, as `−ln` of the gain (12 dB), beyond which the release rises at
/// the fixed rate in dB it has at that depth instead of a rate proportional to the depth.
/// An exponential release in dB moves a 34 dB reduction three times as fast as a 12 dB
/// one, and a gain moving that fast between the peaks of a deep, dense overload is
/// lowered again inside the supports of positions judged on the way up, lifting them
/// (module docs, step 4): +0.061 dB over on +12 dBFS noise into −21.8 dBTP at 32 kHz in
/// the Low setting, +0.013 dB on noise then an alternating burst into −23.4 dBTP at
/// 96 kHz. Reductions of up to 12 dB, all a mix on a master bus needs, release as before.
const RELEASE_LINEAR_LN: f32 = 1.381_551;
/// Log-gain above which the release snaps to exactly unity (≈ −0.0001 dB, a −100 dB step).
const RELEASE_SNAP_LN: f32 = -1.0e-5;

/// Near-field half-width of the cheap bound, in samples: wide enough
/// that the Abel far-field term rarely flags a position the exact value clears.
const EXACT_NEAR_TAPS: usize = 32;
/// Half-width of the gate, in samples: each tile of positions is first
/// bounded with the inner ±12 taps (the first release's near field), and the outer
/// taps are added only where that bound cannot show the tile leaves the gain alone.
const GATE_TAPS: usize = 12;
/// Where a reduction lands, as a fraction of the ceiling (−0.0085 dB): room for the
/// rounding of the gain and of the exact sums.
pub(super) const REDUCTION_LANDING: f32 = 1.0 - 1.0 / 1024.0;
/// Weight of the far-field bound added to a position's exact value when it needs
/// reducing: headroom for the gain moving inside the position's support (see the
/// module docs, "Gain moving under a peak").
const VARIATION_WEIGHT: f32 = 1.0 / 8.0;
/// A position under the ceiling still gets the variation margin when its far-field
/// bound exceeds this share of its exact value: content dominated by in-phase
/// alternating samples (a burst near Nyquist), which a later drop of the gain lifts.
pub(super) const IN_PHASE_SHARE: f32 = 0.5;

/// Output samples are clipped this far below the ceiling: the reference's DC
/// normalisation (1 + 5.6·10⁻⁷, see [`exact::reference_norm`]) reads a sample at
/// exactly the ceiling a hair above it.
pub(super) const SAMPLE_CLIP_FACTOR: f32 = 1.0 - 1.0e-6;

/// Which limiter runs, and so the latency the plug-in reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatencyMode {
    /// The true-peak exact limiter of this module: strict true peak at or under the
    /// ceiling, audio under it untouched; [`Limiter::latency_samples`] of delay
    /// (5.5 ms at 48 kHz).
    Exact,
    /// The low-latency true-peak limiter of [`low`]: at most 1.5 ms at 44.1 kHz and
    /// above, strict true peak at or under the ceiling with a reserve for the part of
    /// the support it cannot see.
    Low,
    /// No delay: the sample-peak limiter of [`instant`], for recording through the bus.
    /// Sample peak at or under the ceiling on any input; its true peak is not promised.
    Zero,
}

impl LatencyMode {
    /// Number of settings (the size of per-setting tables).
    pub const COUNT: usize = 3;

    /// Position in per-setting tables (and in the host's list: Exact, Low, Zero).
    pub fn index(self) -> usize {
        match self {
            Self::Exact => 0,
            Self::Low => 1,
            Self::Zero => 2,
        }
    }
}

/// Plain settings of the limiter (linear units).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterSettings {
    /// Ceiling as a linear amplitude (`10^(dBTP/20)`).
    pub ceiling: f32,
    /// Release time constant, in milliseconds (exponential in dB).
    pub release_ms: f32,
}

/// The settings as they are used: a NaN, zero or negative ceiling is the lowest ceiling
/// there is, never the highest, and a ceiling above full scale is full scale; a NaN
/// release is the default, and the release is kept within 1 ms … 10 s. Returns
/// `(ceiling, release_ms)`.
pub(super) fn sanitized_settings(settings: LimiterSettings) -> (f32, f32) {
    let ceiling = if settings.ceiling.is_nan() || settings.ceiling <= SAFEST_CEILING {
        SAFEST_CEILING
    } else {
        settings.ceiling.min(1.0)
    };
    let release_ms = if settings.release_ms.is_nan() {
        DEFAULT_RELEASE_MS
    } else {
        settings.release_ms.clamp(1.0, 10_000.0)
    };
    (ceiling, release_ms)
}

/// Takes `settings` (sanitized) into a limiter's ceiling glide and envelope at
/// `sample_rate` Hz; returns the release time in samples.
pub(super) fn apply_settings(
    settings: LimiterSettings,
    sample_rate: f32,
    ceiling: &mut super::ramp::Ramp,
    envelope: &mut Envelope,
) -> f32 {
    let (target, release_ms) = sanitized_settings(settings);
    ceiling.set_target(target);
    let release_samples = (release_ms * 1e-3 * sample_rate).max(1.0);
    envelope.set_release(release_samples);
    release_samples
}

/// Samples the release takes from the deepest reduction there can be (an input clamped at
/// +80 dBFS into a −60 dBTP ceiling, 140 dB) to the snap to exactly unity, for a release
/// time of `release_samples`: at a fixed rate in dB down to [`RELEASE_LINEAR_LN`], then
/// exponentially.
pub(super) fn release_tail(release_samples: f32) -> usize {
    let release_samples = f64::from(release_samples);
    let deepest_ln = f64::from(super::sanitize::MAX_INPUT / 1.0e-3).ln();
    let linear_ln = f64::from(RELEASE_LINEAR_LN);
    let linear = (deepest_ln - linear_ln) / (linear_ln * -(-1.0 / release_samples).exp_m1());
    let exponential = release_samples * (linear_ln / -f64::from(RELEASE_SNAP_LN)).ln();
    (linear + exponential).ceil() as usize + 1
}

/// Hold and release of the gain envelope (before the moving average).
///
/// The hold adapts to the programme. A reduction needs the gain held over the reference's
/// support after its position, [`Envelope::min_hold`] samples, and no longer: a hold past
/// that only costs loudness. But a steady overload (a bass tone driven over the ceiling)
/// brings its peaks back at one depth every half period, and a gain that releases
/// between them would ripple at that rate (distortion). So a new episode of reduction
/// (one that begins after the hold has run out) that lands within 0.1 dB of the
/// previous episode's depth holds for 5/4 of the gap that preceded it (at most
/// [`HOLD_MS`]), and the gain stays constant across the gaps; any other episode holds
/// for the support alone.
#[derive(Debug, Clone, Copy)]
pub(super) struct Envelope {
    /// Held / releasing gain.
    gain: f32,
    /// Natural log of `gain`.
    gain_ln: f32,
    /// Samples of hold left.
    hold_left: u32,
    /// The hold of the current episode, in samples.
    hold_samples: u32,
    /// The shortest hold, in samples: the reference's support after a position plus the
    /// moving average (the gain around a peak stays constant, see the module docs).
    min_hold: u32,
    /// The longest hold ([`HOLD_MS`]), in samples.
    max_hold: u32,
    /// Samples since the hold was last re-armed (saturating).
    since_rearm: u32,
    /// The lowest gain of the current episode.
    episode_low: f32,
    /// The lowest gain of the previous episode (1 = none).
    previous_low: f32,
    /// Samples between the previous episode's last re-arm and this episode's first.
    gap: u32,
    /// The release time, in samples.
    release_samples: f32,
    /// The release under way, as a share of the set release time (see
    /// [`Envelope::release_share`]).
    active_share: f32,
    /// Its per-sample coefficient on the log-gain.
    active_coeff: f32,
    /// Samples since the current episode began (saturating).
    episode_age: u32,
    /// The last gain whose log was taken, and its log: the gain follows a requirement
    /// that stays the same for many samples, and `ln` is the envelope's costliest step.
    ln_memo: (f32, f32),
}

impl Envelope {
    /// At unity, not holding.
    pub(super) fn unity(min_hold: u32, max_hold: u32, release_samples: f32) -> Self {
        Self {
            gain: 1.0,
            gain_ln: 0.0,
            hold_left: 0,
            hold_samples: min_hold,
            min_hold,
            max_hold: max_hold.max(min_hold),
            since_rearm: u32::MAX,
            episode_low: 1.0,
            previous_low: 1.0,
            gap: 0,
            release_samples,
            active_share: 1.0,
            active_coeff: (-1.0 / release_samples).exp(),
            episode_age: 0,
            ln_memo: (1.0, 0.0),
        }
    }

    /// One sample: follow a lower requirement `m` at once and hold it; otherwise,
    /// once the hold has run out, release exponentially in dB, never above `m`.
    #[inline(always)]
    pub(super) fn step(&mut self, m: f32) -> f32 {
        self.step_capped(m, 1.0)
    }

    /// [`Envelope::step`] whose release also never rises above `earlier` (the
    /// requirements that have just left the attack window; module docs, step 3).
    #[inline(always)]
    pub(super) fn step_capped(&mut self, m: f32, earlier: f32) -> f32 {
        self.episode_age = self.episode_age.saturating_add(1);
        if self.require(m) {
            return self.gain;
        }
        self.since_rearm = self.since_rearm.saturating_add(1);
        if self.hold_left > 0 {
            self.hold_left -= 1;
            if self.hold_left == 0 {
                self.active_share = self.release_share(self.episode_age);
                self.active_coeff = self.coefficient(self.active_share);
            }
        } else if self.gain < 1.0 {
            self.gain_ln = if self.gain_ln < -RELEASE_LINEAR_LN {
                self.gain_ln + RELEASE_LINEAR_LN * (1.0 - self.active_coeff)
            } else {
                self.gain_ln * self.active_coeff
            };
            if self.gain_ln > RELEASE_SNAP_LN {
                self.gain_ln = 0.0;
                self.gain = 1.0;
            } else {
                self.gain = self.gain_ln.exp();
            }
            let cap = if m < earlier { m } else { earlier };
            if cap < self.gain {
                self.gain = cap;
                self.gain_ln = self.ln(cap);
            }
        }
        self.gain
    }

    /// A requirement `m` without a step: a lower one is followed at once and held, one
    /// within 0.1 dB above the gain re-arms the hold. Returns whether it did either.
    #[inline(always)]
    pub(super) fn require(&mut self, m: f32) -> bool {
        if m < 1.0 && m <= self.gain * HOLD_REARM_RATIO {
            if m < self.gain {
                self.gain = m;
                self.gain_ln = self.ln(m);
            }
            self.rearm();
            return true;
        }
        false
    }

    /// `x.ln()`, remembered for the last `x` (the same bits either way).
    #[inline(always)]
    fn ln(&mut self, x: f32) -> f32 {
        if x != self.ln_memo.0 {
            self.ln_memo = (x, x.ln());
        }
        self.ln_memo.1
    }

    /// A requirement re-arms the hold: a new episode if the hold had run out, and the
    /// episode's hold chosen from its depth so far (see the type's docs).
    #[inline(always)]
    fn rearm(&mut self) {
        if self.hold_left == 0 {
            self.episode_age = 0;
            self.gap = self.since_rearm;
            self.previous_low = self.episode_low;
            self.episode_low = 1.0;
        }
        if self.gain < self.episode_low {
            self.episode_low = self.gain;
            let (low, previous) = (self.episode_low, self.previous_low);
            let steady = previous < 1.0
                && low <= previous * HOLD_REARM_RATIO
                && previous <= low * HOLD_REARM_RATIO;
            self.hold_samples = if steady {
                let gap = self.gap.saturating_add(self.gap / 4);
                gap.clamp(self.min_hold, self.max_hold)
            } else {
                self.min_hold
            };
        }
        self.hold_left = self.hold_samples;
        self.since_rearm = 0;
    }

    /// The release after an episode `episode_samples` long, as a share of the set
    /// release time: 1 from an episode that long on, proportionally less below, at least
    /// [`RELEASE_FASTEST`].
    #[inline(always)]
    fn release_share(&self, episode_samples: u32) -> f32 {
        (episode_samples as f32 / self.release_samples).clamp(RELEASE_FASTEST, 1.0)
    }

    /// The per-sample coefficient on the log-gain of a release `share` of the set time.
    #[inline(always)]
    fn coefficient(&self, share: f32) -> f32 {
        (-1.0 / (self.release_samples * share)).exp()
    }

    /// A new release time, in samples; a release under way keeps its share of it.
    pub(super) fn set_release(&mut self, release_samples: f32) {
        if release_samples != self.release_samples {
            self.release_samples = release_samples;
            self.active_coeff = self.coefficient(self.active_share);
        }
    }

    /// Whether the gain rests at exactly unity with no hold left.
    pub(super) fn at_rest(&self) -> bool {
        self.gain == 1.0 && self.hold_left == 0
    }

    /// `samples` steps at rest (no requirement, gain at unity).
    pub(super) fn rest(&mut self, samples: u32) {
        self.hold_left = self.hold_left.saturating_sub(samples);
        self.since_rearm = self.since_rearm.saturating_add(samples);
        self.episode_age = self.episode_age.saturating_add(samples);
    }
}

/// Splits a stereo block into pieces of at most [`BLOCK`] samples and hands each to
/// `piece`, with the matching pieces of `unlimited` (empty when both are empty: nobody
/// listens to the unlimited signal). `right` must be as long as `left`, and `unlimited`,
/// unless empty, at least as long.
pub(super) fn in_blocks(
    [left, right]: [&mut [f32]; 2],
    [unlimited_left, unlimited_right]: [&mut [f32]; 2],
    mut piece: impl FnMut([&mut [f32]; 2], [&mut [f32]; 2]),
) {
    let len = left.len();
    let keep_unlimited = !(unlimited_left.is_empty() && unlimited_right.is_empty());
    assert!(right.len() == len);
    assert!(!keep_unlimited || (unlimited_left.len() >= len && unlimited_right.len() >= len));
    let mut start = 0;
    while start < len {
        let end = (start + BLOCK).min(len);
        let unlimited = if keep_unlimited { start..end } else { 0..0 };
        piece(
            [&mut left[start..end], &mut right[start..end]],
            [
                &mut unlimited_left[unlimited.clone()],
                &mut unlimited_right[unlimited],
            ],
        );
        start = end;
    }
}

/// The stereo-linked true-peak lookahead limiter. See the module docs.
#[derive(Debug, Clone)]
pub struct Limiter {
    // --- geometry, fixed per sample rate ---
    /// Total delay, in samples.
    latency_samples: usize,
    /// Far-field visibility ahead of the detected position `F`, in samples.
    future_samples: usize,
    /// Length of the attack's sliding minimum, in positions.
    attack_span: usize,

    // --- settings ---
    /// Ceiling glide, hold and release, gain meter.
    control: GainControl,

    // --- running state ---
    /// History, far-field sums and the block-wise true-peak bound.
    detector: Detector,
    /// Ceiling recorded per detected position, to clip each output sample with the
    /// same ceiling its gain was computed for (a doubled power-of-two ring, so a
    /// block's worth is one slice).
    ceiling_history: Vec<f32>,
    /// Length of one copy of the `ceiling_history` ring.
    ceiling_len: usize,
    /// Per position of the block: the level it must stay under (the ceiling it arrived
    /// with).
    target: [f32; BLOCK],
    /// Per position of the block: the estimate of its true peak (the cheap bound, or the
    /// exact value where refined, with the variation margin where it needs reducing).
    estimate: [f32; BLOCK],
    /// Per position of the block: the level under which its cheap bound shows it cannot
    /// change the gain (the detector's gate).
    gate: [f32; BLOCK],
    /// Per position of the block: whether it is evaluated exactly.
    refine: [bool; BLOCK],
    /// Per position of the block: the gain it requires (1 = none).
    requirement: [f32; BLOCK],
    /// Per sample of the block: the attack's minimum of the requirements ahead.
    attack_minimum: [f32; BLOCK],
    /// Per sample of the block: the gain applied.
    gain: [f32; BLOCK],
    /// The attack's sliding minimum of the requirements over `S + W` positions.
    requirements: SlidingMin,
    /// Envelope values, for the moving average over `W` samples.
    envelopes: SlidingBuffer,
    /// The attack's minimum of the last `S + W` samples, a ring: what leaves the attack
    /// window caps the release for as long again (module docs, step 3).
    departed: Vec<f32>,
    /// Where the next sample goes in `departed`.
    departed_at: usize,
    /// Index of the next input sample.
    clock: u64,
    /// When false the detector is skipped and the requirement is 1 (limiter switched off).
    detect: bool,
    /// The exact evaluator of the reference, for the positions the cheap bound flags.
    exact: ExactPeak,
    /// Positions evaluated exactly since construction (a statistic for tests and benches).
    refined: u64,
    /// Whether a flagged position may be left unrefined where the requirements before it
    /// in the block show that its exact value changes nothing (off only in tests, to
    /// show that it changes nothing).
    skip_dominated: bool,
    /// Whether an exact evaluation may stop after its near part where that, with the far
    /// field bounded, already shows the position changes nothing (off only in tests).
    settle_near: bool,
    /// Exact evaluations that stopped after their near part (a statistic).
    settled_near: u64,
    /// What this CPU can run (the AVX2 build of the block logic).
    cpu: Cpu,
}

impl Limiter {
    /// A limiter for `sample_rate` (8 kHz … 384 kHz). Allocates; call from `activate`.
    pub fn new(sample_rate: f32, settings: LimiterSettings) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        // The moving average's length W: 0.15 ms.
        let attack = ((SMOOTHING_MS * 1e-3 * sample_rate as f64).floor() as usize).max(1);
        // The detected position sees the reference's whole support ahead (`future`), and
        // the attack's sliding minimum looks `span` positions ahead, so the gain is down
        // over the whole support behind it too.
        let (future, span) = (exact::HALF_WINDOW, exact::HALF_WINDOW + attack);
        let latency = future + span - 1;
        debug_assert!(future > EXACT_NEAR_TAPS && EXACT_NEAR_TAPS <= MAX_NEAR_TAPS);
        let ceiling_len = (latency + BLOCK + 4).next_power_of_two();

        let mut limiter = Self {
            latency_samples: latency,
            future_samples: future,
            attack_span: span,
            control: GainControl::new(
                sample_rate,
                settings,
                (future + attack) as u32,
                (HOLD_MS * 1e-3 * sample_rate as f64).round() as u32,
            ),
            detector: Detector::with_gate(
                EXACT_NEAR_TAPS,
                GATE_TAPS,
                VARIATION_WEIGHT,
                future,
                latency,
            ),
            ceiling_history: vec![settings.ceiling; 2 * ceiling_len],
            ceiling_len,
            target: [1.0; BLOCK],
            estimate: [0.0; BLOCK],
            gate: [0.0; BLOCK],
            refine: [false; BLOCK],
            requirement: [1.0; BLOCK],
            attack_minimum: [1.0; BLOCK],
            gain: [1.0; BLOCK],
            requirements: SlidingMin::new(span, 1.0),
            envelopes: SlidingBuffer::new(attack, BLOCK, 1.0),
            departed: vec![1.0; span],
            departed_at: 0,
            clock: 0,
            detect: true,
            exact: ExactPeak::new(),
            refined: 0,
            skip_dominated: true,
            settle_near: true,
            settled_near: 0,
            cpu: Cpu::detect(),
        };
        limiter.reset();
        limiter
    }

    /// Positions the exact evaluator has refined since construction.
    pub fn refined_positions(&self) -> u64 {
        self.refined
    }

    /// The delay this limiter adds, in samples (fixed per sample rate).
    pub fn latency_samples(&self) -> usize {
        self.latency_samples
    }

    /// Updates ceiling (glides) and release (immediate).
    pub fn set_settings(&mut self, settings: LimiterSettings) {
        self.control.set_settings(settings);
    }

    /// How long, in samples, the output can still change after the input has fallen silent:
    /// the delay, the hold, then the release from the deepest reduction there can be (an
    /// input clamped at +80 dBFS into a −60 dBTP ceiling, 140 dB) down to the snap to
    /// exactly unity. At the default 60 ms release that is 0.9 s; the audible part is only
    /// the delay (silence in, silence out), but a host that suspends processing after this
    /// finds the gain back at unity when audio returns.
    pub fn tail_samples(&self) -> usize {
        self.control.tail_samples(self.latency_samples)
    }

    /// Turns the detector on or off; off, the requirement is 1 (the gain releases to unity).
    pub fn set_detection(&mut self, on: bool) {
        self.detect = on;
    }

    /// Smallest gain applied since the last call (1.0 = no reduction), then resets it.
    pub fn take_min_gain(&mut self) -> f32 {
        self.control.take_min_gain()
    }

    /// Current gain of the moving average (for meters).
    pub fn current_gain(&self) -> f32 {
        self.control.last_gain
    }

    /// Clears all state (no allocation): silence in, unity gain, ceiling at its target.
    pub fn reset(&mut self) {
        self.detector.reset();
        let c = self.control.reset();
        self.ceiling_history.fill(c);
        self.requirements.reset(1.0);
        self.envelopes.reset(1.0);
        self.departed.fill(1.0);
        self.departed_at = 0;
        self.clock = 0;
    }

    /// Limits a stereo block in place. `left` and `right` must have the same length and
    /// hold finite samples (see [`super::sanitize`]). On return they hold the limited
    /// output, delayed by [`Self::latency_samples`]; `unlimited_*` receive the same
    /// delayed signal without gain or clip (for the on/off crossfade), unless both are
    /// empty (nobody listens to it).
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        let avx2 = self.cpu.avx2();
        in_blocks(
            [left, right],
            [unlimited_left, unlimited_right],
            |[l, r], [ul, ur]| {
                dispatch!(
                    avx2,
                    self.process_block_avx2(l, r, ul, ur),
                    self.process_block(l, r, ul, ur)
                )
            },
        );
    }

    /// [`Self::process_block`] compiled for AVX2 (its slice loops eight lanes wide; no
    /// fused operations, so the output is bit-identical to the portable build).
    ///
    /// # Safety
    /// The CPU must support AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn process_block_avx2(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        self.process_block(left, right, unlimited_left, unlimited_right);
    }

    /// [`Self::process`] for at most [`BLOCK`] samples: detect, refine, envelope, output.
    #[inline(always)]
    fn process_block(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        unlimited_left: &mut [f32],
        unlimited_right: &mut [f32],
    ) {
        let len = left.len();
        let start = self.clock;
        self.detector.push(left, right);
        self.record_targets(start, len);
        let reductions = if self.detect {
            let (binding, refine_any) = self.detect(len);
            if refine_any {
                self.refine(len, binding);
            }
            self.requirements(len)
        } else {
            self.requirement[..len].fill(1.0);
            0
        };
        self.envelope(len, reductions);
        self.output(start, [left, right], [unlimited_left, unlimited_right]);
        self.clock = start + len as u64;
    }

    /// The ceiling of each arriving sample (gliding or at rest): recorded for its
    /// detected position (the output is clipped to it), and the block's targets.
    #[inline(always)]
    fn record_targets(&mut self, start: u64, len: usize) {
        let ring = self.ceiling_len;
        let mask = ring - 1;
        if self.control.ceiling.is_moving() {
            for i in 0..len {
                let ceiling = self.control.ceiling.next_value();
                let p = (start + i as u64).wrapping_sub(self.future_samples as u64) as usize & mask;
                self.ceiling_history[p] = ceiling;
                self.ceiling_history[p + ring] = ceiling;
                self.target[i] = ceiling;
            }
        } else {
            // At rest (the usual case): the same values, written a slice at a time.
            let ceiling = self.control.ceiling.value();
            let first = start.wrapping_sub(self.future_samples as u64) as usize & mask;
            let split = len.min(ring - first);
            for base in [0, ring] {
                self.ceiling_history[base + first..base + first + split].fill(ceiling);
                self.ceiling_history[base..base + len - split].fill(ceiling);
            }
            self.target[..len].fill(ceiling);
        }
    }

    /// Detect: the cheap bound of every position (gated), with the variation margin where
    /// it exceeds the target, and which positions to evaluate exactly. Returns the binding
    /// level (a position whose cheap requirement stays at or above it can neither lower
    /// the gain nor re-arm its hold) and whether any position needs refining.
    #[inline(always)]
    fn detect(&mut self, len: usize) -> (f32, bool) {
        // The highest the gain can be while this block's positions can act on it. In the
        // attack window (span + block samples) a position acts by re-arming the hold (a
        // requirement within 0.1 dB of the gain) or by lowering the gain; in the span after
        // it only through the release cap (a requirement under the gain). Without a
        // re-arm: the envelope released, once its hold has run out, at the rate its
        // release will run (fixed by the episode's length when the hold ends). With one:
        // the re-armed hold lasts at least the span, so the release runs at most `len`
        // samples in the attack window's horizon and `len + span` in the whole one, at
        // the fastest rate.
        let e = &self.control.envelope;
        let release = if e.hold_left > 0 {
            e.coefficient(e.release_share(e.episode_age.saturating_add(e.hold_left)))
        } else {
            e.active_coeff
        };
        let fastest = e.coefficient(RELEASE_FASTEST);
        let highest = |horizon: usize, rearmed_steps: usize| {
            let unarmed = release.powi((horizon as u32).saturating_sub(e.hold_left) as i32);
            let rearmed = fastest.powi(rearmed_steps as i32);
            (e.gain_ln * unarmed.min(rearmed)).exp()
        };
        let span = self.attack_span;
        let in_window = highest(span + len, len);
        let after_window = highest(2 * span + len, len + span);
        let binding = (in_window * HOLD_REARM_RATIO).max(after_window) / REDUCTION_LANDING;
        // The gate lets the detector stop at its narrower bound where that shows it.
        for (gate, &target) in self.gate[..len].iter_mut().zip(&self.target) {
            *gate = target / binding;
        }
        self.detector
            .estimate_gated(&mut self.estimate[..len], Some(&self.gate[..len]));
        // Branch-free over the block: the value without refinement, and which positions
        // need it (usually none, or a few): those whose cheap bound (with the margin)
        // exceeds their target, unless even the cheap requirement would neither lower the
        // gain nor re-arm its hold.
        let kappa = VARIATION_WEIGHT;
        let (b0, b1) = (
            self.detector.channel_bounds(0),
            self.detector.channel_bounds(1),
        );
        let (f0, f1) = (self.detector.channel_fars(0), self.detector.channel_fars(1));
        let mut refine_any = false;
        for i in 0..len {
            let target = self.target[i];
            let (c0, c1) = (b0[i] + kappa * f0[i], b1[i] + kappa * f1[i]);
            let v0 = if c0 <= target { b0[i] } else { c0 };
            let v1 = if c1 <= target { b1[i] } else { c1 };
            self.estimate[i] = if v0 > v1 { v0 } else { v1 };
            let need =
                (c0 > target && target < c0 * binding) | (c1 > target && target < c1 * binding);
            self.refine[i] = need;
            refine_any |= need;
        }
        (binding, refine_any)
    }

    /// Refine: the flagged positions evaluated by the reference itself (per channel).
    ///
    /// The positions go in order, and each one's requirement bounds the gain for the
    /// positions after it in the block. A requirement `r` at position `a` keeps the gain
    /// at or under `r` while `a` is in the attack window and for a span after it (the
    /// release cap), so throughout the attack window of a later position `b` of the
    /// block; in the span after that, `b − a` samples more, in which the gain can at most
    /// release at the fastest rate: `ln g ≤ ln r · c^(b − a)` (`c` that release's
    /// per-sample coefficient). With `x = −ln r · (1 − c^(b − a))`, that is
    /// `g ≤ r · eˣ ≤ r / (1 − x)`. A position whose cheap requirement lies 0.1 dB above
    /// the lowest earlier requirement, and above that released bound too, can neither lower
    /// the gain, nor re-arm its hold, nor cap its release, so its exact value would change
    /// nothing and is not computed. (Skipping is always safe: the cheap value is the
    /// larger estimate, so its requirement is the deeper one.)
    #[inline(always)]
    fn refine(&mut self, len: usize, binding: f32) {
        let fastest = self.control.envelope.coefficient(RELEASE_FASTEST);
        // (Bounds are taken a hair above, for rounding.)
        let hair = 1.0 + 1.0e-5;
        // The lowest requirement so far (1 = none); and the one that gives the lowest
        // released bound, its depth `−ln r`, and `c^n` for the `n` samples since it.
        let mut lowest_ever = 1.0f32;
        let (mut lowest, mut depth, mut decay) = (1.0f32, 0.0f32, 1.0f32);
        for i in 0..len {
            if self.refine[i] {
                let x = depth * (1.0 - decay);
                let released = if x < 1.0 {
                    // (At the release's snap, unity.)
                    let released = lowest / (1.0 - x) * hair;
                    if released < 1.0 - 2.0e-5 {
                        released
                    } else {
                        1.0
                    }
                } else {
                    1.0
                };
                let binding = if self.skip_dominated {
                    let dominated = (lowest_ever * hair * HOLD_REARM_RATIO).max(released);
                    binding.min(dominated / REDUCTION_LANDING)
                } else {
                    binding
                };
                let value = self.refined_value(i, binding);
                self.estimate[i] = value;
                let target = self.target[i];
                if value > target {
                    let required = REDUCTION_LANDING * target / value;
                    lowest_ever = lowest_ever.min(required);
                    if required < released {
                        (lowest, depth, decay) = (required, -required.ln(), 1.0);
                    }
                }
            }
            decay *= fastest;
        }
    }

    /// The estimate of flagged position `i`, the larger over the channels: the cheap
    /// bound where it is at or under the target (with no margin), or where even with the
    /// margin its requirement stays at or above `binding` (it cannot change the gain);
    /// else the exact value of the reference.
    #[inline(always)]
    fn refined_value(&mut self, i: usize, binding: f32) -> f32 {
        let kappa = VARIATION_WEIGHT;
        let target = self.target[i];
        let mut value = 0.0f32;
        for ch in 0..2 {
            let bound = self.detector.channel_bound(ch, i);
            let far = self.detector.channel_far(ch, i);
            let cheap = bound + kappa * far;
            value = value.max(if cheap <= target {
                bound
            } else if target >= cheap * binding {
                cheap
            } else {
                self.exact_value(ch, i, binding)
            });
        }
        value
    }

    /// The exact value of flagged position `i` on channel `ch` (with the margins), or a
    /// bound from its near part that is as good (see [`Self::refined_value`]). Kept out
    /// of line: it runs for a few positions per block, and the block loop stays small.
    #[inline(never)]
    fn exact_value(&mut self, ch: usize, i: usize, binding: f32) -> f32 {
        let kappa = VARIATION_WEIGHT;
        let target = self.target[i];
        let far = self.detector.channel_far(ch, i);
        let window = self.detector.exact_window(ch, i);
        // First the reference's sums over x[p − 63] … x[p + 64] only: with the
        // rest bounded (the far-field bound beyond ±64), a value whose
        // requirement is 1 or stays at or above `binding` is as good as the exact
        // one (it changes no sample), and the far sums are not needed.
        let margin = 1.0 + exact::ROUNDING_MARGIN;
        let far_beyond = self.detector.channel_far_beyond_exact_near(ch, i);
        let near_value = |near: f32| (near * margin + far_beyond) * margin * margin + kappa * far;
        let settles = |near: f32| {
            let v = near_value(near);
            v <= target || target >= v * binding
        };
        let staged = if self.settle_near {
            self.exact.interval_peak_staged(window, settles)
        } else {
            Staged::Exact(self.exact.interval_peak(window))
        };
        match staged {
            Staged::Near(near) => {
                self.settled_near += 1;
                near_value(near)
            }
            Staged::Exact(peak) => {
                self.refined += 1;
                let peak = peak * margin;
                // Reduced with the margin when over the target, or when in-phase
                // far content dominates (a later drop of the gain could lift it,
                // module docs step 4); untouched otherwise.
                if peak > target || far > IN_PHASE_SHARE * peak {
                    peak + kappa * far
                } else {
                    peak
                }
            }
        }
    }

    /// The gain each position requires, `min(1, landing · target / estimate)`, linked over
    /// the channels (the estimate is already the larger of both). Returns how many need
    /// reducing.
    #[inline(always)]
    fn requirements(&mut self, len: usize) -> u32 {
        let mut reductions = 0u32;
        for ((r, &target), &e) in self.requirement[..len]
            .iter_mut()
            .zip(&self.target)
            .zip(&self.estimate)
        {
            *r = if e > target {
                REDUCTION_LANDING * target / e
            } else {
                1.0
            };
            reductions += u32::from(e > target);
        }
        reductions
    }

    /// Envelope: the attack's minimum over the requirements ahead, hold and release per
    /// sample, then the moving average: the gain per sample. Skipped (exactly 1) while
    /// nothing needs reducing and nothing is pending.
    #[inline(always)]
    fn envelope(&mut self, len: usize, reductions: u32) {
        self.envelopes.start_block(len);
        let mut envelope = self.control.envelope;
        let at_rest = reductions == 0
            && envelope.gain == 1.0
            && self.requirements.history_at_least_one()
            && self.envelopes.history_min() >= 1.0;
        if at_rest {
            // (The window still has to see this block's requirements, all 1.)
            self.requirements.push(&self.requirement[..len], None);
            self.envelopes.start_block_again().fill(1.0);
            envelope.rest(len as u32);
            self.depart_unity(len);
            self.gain[..len].fill(1.0);
        } else {
            let minimum = &mut self.attack_minimum[..len];
            self.requirements
                .push(&self.requirement[..len], Some(&mut *minimum));
            let envelopes = self.envelopes.start_block_again();
            let (departed, mut at) = (&mut self.departed[..], self.departed_at);
            for (env, &m) in envelopes.iter_mut().zip(&*minimum) {
                let earlier = std::mem::replace(&mut departed[at], m);
                at = if at + 1 == departed.len() { 0 } else { at + 1 };
                *env = envelope.step_capped(m, earlier);
            }
            self.departed_at = at;
            // The mean envelope over W samples (exactly 1 when all are 1).
            self.envelopes.mean_into(&mut self.gain[..len]);
        }
        self.control.envelope = envelope;
    }

    /// `len` samples of unity into the `departed` ring (the attack window's minimum while
    /// at rest).
    #[inline(always)]
    fn depart_unity(&mut self, len: usize) {
        let ring = self.departed.len();
        let mut left = len.min(ring);
        while left > 0 {
            let run = left.min(ring - self.departed_at);
            self.departed[self.departed_at..self.departed_at + run].fill(1.0);
            self.departed_at = (self.departed_at + run) % ring;
            left -= run;
        }
    }

    /// Output: the input `latency` behind, times the gain, clipped to its own ceiling; the
    /// unlimited copy where one is asked for; the meters' smallest gain.
    #[inline(always)]
    fn output(&mut self, start: u64, out: [&mut [f32]; 2], unlimited: [&mut [f32]; 2]) {
        let len = out[0].len();
        let latency = self.latency_samples;
        let ring = self.ceiling_len;
        let last = (start + len as u64 - 1).wrapping_sub(latency as u64) as usize & (ring - 1);
        let clip = &self.ceiling_history[last + ring + 1 - len..last + ring + 1];
        for (c, (out, unlimited)) in out.into_iter().zip(unlimited).enumerate() {
            let delayed = self.detector.delayed(c, latency);
            if !unlimited.is_empty() {
                unlimited.copy_from_slice(delayed);
            }
            for (((y, &x), &g), &clip) in out.iter_mut().zip(delayed).zip(&self.gain).zip(clip) {
                let v = x * g;
                let clip = clip * SAMPLE_CLIP_FACTOR;
                *y = if v > clip {
                    clip
                } else if v < -clip {
                    -clip
                } else {
                    v
                };
            }
        }
        let lowest = min_of(&self.gain[..len]);
        if lowest < self.control.min_gain {
            self.control.min_gain = lowest;
        }
        self.control.last_gain = self.gain[len - 1];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> LimiterSettings {
        LimiterSettings {
            ceiling: 0.5,
            release_ms: 50.0,
        }
    }

    fn run(lim: &mut Limiter, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut l = l.to_vec();
        let mut r = r.to_vec();
        let mut ul = vec![0.0; l.len()];
        let mut ur = vec![0.0; l.len()];
        lim.process(&mut l, &mut r, &mut ul, &mut ur);
        (l, r)
    }

    #[test]
    fn impulse_below_ceiling_comes_out_at_the_latency_unchanged() {
        for rate in [8000.0, 44100.0, 48000.0, 96000.0, 384000.0] {
            let mut lim = Limiter::new(rate, settings());
            let mut x = vec![0.0f32; 2048];
            x[100] = 0.1;
            let (l, r) = run(&mut lim, &x, &x);
            let lat = lim.latency_samples();
            // Two kernel supports plus the 0.15 ms smoothing.
            let smoothing = (SMOOTHING_MS * 1e-3 * rate as f64) as usize;
            assert!(
                lat <= 2 * exact::HALF_WINDOW + smoothing.max(1),
                "rate {rate}: {lat}"
            );
            for (i, (&a, &b)) in l.iter().zip(&r).enumerate() {
                let expect = if i == 100 + lat { 0.1 } else { 0.0 };
                assert_eq!((a, b), (expect, expect), "rate {rate} sample {i}");
            }
        }
    }

    #[test]
    fn the_near_part_with_the_far_bound_beyond_it_is_never_below_the_exact_value() {
        // Noise, a full-scale alternating burst (the far bound's worst case), a tone
        // near Nyquist, clicks, DC: every position of every block checked.
        let mut state = 777u32;
        let mut noise = move || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        };
        let x: Vec<f32> = (0..6000)
            .map(|i| match (i / 1000) % 6 {
                0 => noise(),
                1 => {
                    if i % 2 == 0 {
                        1.0
                    } else {
                        -1.0
                    }
                }
                2 => (2.9 * i as f32).sin(),
                3 => {
                    if i % 97 == 0 {
                        4.0
                    } else {
                        0.01 * noise()
                    }
                }
                4 => 0.9 + 0.05 * noise(),
                _ => {
                    (if i % 2 == 0 { 0.8 } else { -0.8 }) * (0.01 * i as f32).sin() + 0.3 * noise()
                }
            })
            .collect();
        let mut lim = Limiter::new(48000.0, settings());
        let margin = 1.0 + exact::ROUNDING_MARGIN;
        let mut checked = 0;
        for block in x.chunks(BLOCK) {
            let (mut l, mut r) = (
                block.to_vec(),
                block.iter().map(|v| -0.5 * v).collect::<Vec<_>>(),
            );
            lim.process(&mut l, &mut r, &mut [], &mut []);
            for ch in 0..2 {
                for i in 0..block.len() {
                    let window = lim.detector.exact_window(ch, i);
                    let exact = lim.exact.interval_peak(window);
                    let Staged::Near(near) = lim.exact.interval_peak_staged(window, |_| true)
                    else {
                        unreachable!()
                    };
                    let beyond = lim.detector.channel_far_beyond_exact_near(ch, i);
                    let bound = (near * margin + beyond) * margin * margin;
                    assert!(
                        exact * margin <= bound,
                        "block sample {i}: {exact} > {bound}"
                    );
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 2 * x.len());
    }

    #[test]
    fn skipping_refinements_and_settling_on_the_near_part_change_no_sample() {
        // A busy bus: two bass tones and noise over the ceiling, and clicks on top.
        let mut state = 12_345u32;
        let mut noise = move || {
            // (Numerical Recipes' linear congruential generator.)
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        };
        let rate = 48000.0;
        let tone = |i: usize, hz: f32| (std::f32::consts::TAU * hz * i as f32 / rate).sin();
        let (l, r): (Vec<f32>, Vec<f32>) = (0..96_000)
            .map(|i| {
                let click = if i % 7919 < 3 { 2.0 } else { 0.0 };
                let bass = 0.45 * tone(i, 55.0) + 0.35 * tone(i, 82.4);
                (bass + 0.2 * noise() + click, bass + 0.2 * noise())
            })
            .unzip();
        // Both shortcuts, the in-block skip alone, neither.
        let mut outputs = Vec::new();
        for (skip, settle) in [(true, true), (true, false), (false, false)] {
            let mut lim = Limiter::new(rate, settings());
            lim.skip_dominated = skip;
            lim.settle_near = settle;
            let (mut yl, mut yr) = (l.clone(), r.clone());
            let mut start = 0;
            for len in [512, 37, 128, 1, 700, 256].into_iter().cycle() {
                let end = (start + len).min(yl.len());
                let (mut ul, mut ur) = (vec![0.0; end - start], vec![0.0; end - start]);
                lim.process(&mut yl[start..end], &mut yr[start..end], &mut ul, &mut ur);
                start = end;
                if start == yl.len() {
                    break;
                }
            }
            outputs.push((yl, yr, lim.refined_positions(), lim.settled_near));
        }
        let [both, skipped, all] = &outputs[..] else {
            unreachable!()
        };
        // Each shortcut spares work: the skip whole evaluations, the near part most of
        // the far sums of those left (settled ones are not counted as refined).
        assert!(
            skipped.2 < all.2 * 9 / 10,
            "refined {} vs {}",
            skipped.2,
            all.2
        );
        assert!(
            both.2 < skipped.2 / 2,
            "refined {} vs {}",
            both.2,
            skipped.2
        );
        for run in [both, skipped] {
            for (a, b) in run.0.iter().chain(&run.1).zip(all.0.iter().chain(&all.1)) {
                assert_eq!(a.to_bits(), b.to_bits());
            }
        }
    }

    #[test]
    fn the_gain_over_a_reduced_positions_support_never_exceeds_its_requirement() {
        // A click 1.2 dB over, then one 0.4 dB shallower at gaps that put the end of the
        // first one's hold anywhere around the second (over a quiet tone, so the gain can
        // be read off every sample): the release must not rise above the second's
        // requirement while any sample of its support is still coming out.
        let rate = 48000.0;
        let ceiling = settings().ceiling;
        let exact = ExactPeak::new();
        for gap in (150..900).step_by(5) {
            let mut x: Vec<f32> = (0..4000)
                .map(|i| 0.1 * (std::f32::consts::TAU * 1000.0 * i as f32 / rate).sin())
                .collect();
            x[300] = ceiling * 10f32.powf(1.2 / 20.0);
            x[300 + gap] = ceiling * 10f32.powf(0.8 / 20.0);
            let mut lim = Limiter::new(rate, settings());
            let (y, _) = run(&mut lim, &x, &x);
            let lat = lim.latency_samples();
            let h = exact::HALF_WINDOW;
            for q in h..x.len() - h - lat {
                let peak = exact.interval_peak(&x[q + 1 - h..q + 1 + h]);
                if peak <= ceiling {
                    continue;
                }
                let required = REDUCTION_LANDING * ceiling / peak;
                for o in q + 1 - h..=q + h {
                    if x[o].abs() > 1e-3 {
                        let gain = y[o + lat] / x[o];
                        assert!(
                            gain <= required * (1.0 + 1e-5),
                            "gap {gap}: gain {gain} at {o} over {q}'s requirement {required}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sample_peak_never_exceeds_ceiling_and_gain_is_linked() {
        let mut lim = Limiter::new(48000.0, settings());
        let l: Vec<f32> = (0..9600).map(|i| 4.0 * (i as f32 * 0.05).sin()).collect();
        let r: Vec<f32> = (0..9600).map(|i| 0.4 * (i as f32 * 0.05).sin()).collect();
        let (yl, yr) = run(&mut lim, &l, &r);
        assert!(yl.iter().chain(&yr).all(|v| v.abs() <= 0.5));
        // Linked: the quiet channel is reduced by the same gain (ratio 10 preserved).
        let lat = lim.latency_samples();
        for i in 2000..9600 {
            if yr[i].abs() > 1e-3 {
                let ratio = yl[i] / yr[i];
                assert!((ratio - 10.0).abs() < 1e-3, "sample {i}: ratio {ratio}");
                let _ = lat;
            }
        }
    }

    #[test]
    fn reset_makes_runs_identical() {
        let mut lim = Limiter::new(44100.0, settings());
        let x: Vec<f32> = (0..5000)
            .map(|i| 3.0 * ((i * 7919 % 1000) as f32 / 500.0 - 1.0))
            .collect();
        let a = run(&mut lim, &x, &x);
        lim.reset();
        let b = run(&mut lim, &x, &x);
        assert_eq!(a, b);
    }

    #[test]
    fn a_peak_just_under_the_ceiling_passes_and_one_just_over_is_reduced() {
        // An inter-sample peak: the fs/4 sine at 45° has samples at ±0.707 A and a
        // true peak of A.
        for (amp, reduced) in [(0.4995f32, false), (0.5005, true)] {
            let mut lim = Limiter::new(48000.0, settings());
            // (Faded in over 1000 samples, so the onset adds no overshoot of its own.)
            let x: Vec<f32> = (0..4000)
                .map(|n| {
                    let fade =
                        0.5 - 0.5 * (std::f32::consts::PI * (n as f32 / 1000.0).min(1.0)).cos();
                    fade * amp
                        * (std::f32::consts::FRAC_PI_2 * n as f32 + std::f32::consts::FRAC_PI_4)
                            .sin()
                })
                .collect();
            let (l, _) = run(&mut lim, &x, &x);
            let lat = lim.latency_samples();
            let changed = (lat..4000).any(|i| l[i].to_bits() != x[i - lat].to_bits());
            assert_eq!(changed, reduced, "amplitude {amp}");
            assert_eq!(lim.take_min_gain() < 1.0, reduced, "amplitude {amp}");
        }
    }
}
