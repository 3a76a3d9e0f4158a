//! Headphone correction: a parametric EQ per ear (up to [`MAX_FILTERS`] biquads each, the
//! filters of an AutoEq / EqualizerAPO / REW file, see [`crate::eqapo`]), with the file's
//! preamp, the delay of one ear against the other, optionally a mix of the ears
//! (EqualizerAPO's `Copy`) and a second cascade after it ([`path`]), and an optional
//! loudness match, before the limiter.
//!
//! # Design
//!
//! Every filter is a biquad designed from its (type, frequency, gain, width) at the host's
//! sample rate by R. Bristow-Johnson's *Cookbook formulae for audio EQ biquad filter
//! coefficients* (the W3C "Audio EQ Cookbook" note): peaking, low and high shelf (width as
//! Q or as the shelf slope S), low-, high- and band-pass (constant 0 dB peak), notch and
//! all-pass; a bandwidth in octaves becomes the cookbook's digital `α = sin ω₀ ·
//! sinh(ln2/2 · BW · ω₀/sin ω₀)`. Coefficients and state are `f64` (transposed direct
//! form II): a 20 Hz filter at 192 kHz has its poles within 10⁻³ of the unit circle,
//! where `f32` state would add audible round-off noise. Both ears' cascades run together
//! as a vectorised wavefront ([`bank`]).
//!
//! **Filters near Nyquist** (documented behaviour): a filter at or below 0.45·fs is
//! exactly the cookbook's. Between 0.45·fs and fs/2 it is designed at 0.45·fs (the
//! bilinear map crams everything above into a sliver; the shape stays, shifted a little
//! down). At or above fs/2 its centre lies outside the signal band: a low shelf there
//! is its gain over the whole band, a high-pass is designed at 0.45·fs (it still removes
//! the band below it), and every other type (peaking, high shelf, low-pass, band-pass,
//! notch, all-pass) leaves the band untouched (unity).
//!
//! **Level match** ([`level_match_db`]): the gain that keeps the loudness (ITU-R BS.1770
//! K-weighting, both ears summed) of pink noise through the correction equal to that of
//! the uncorrected noise, computed from the designed response on a fine log-frequency grid
//! (pink noise has equal power per octave: uniform weights in log frequency).
//!
//! **Switching**: loading a curve, changing it, toggling correction or level match never
//! clicks. The new filters are designed into a second bank, which first runs silently on
//! the live input for [`WARM_UP_MS`] (its start-up transient dies away unheard), then the
//! output crossfades from the old bank (or the dry signal) to it over
//! [`super::SWITCH_MS`]. A pure gain change (level match on/off) keeps the filters' state
//! and only crossfades. While correction is off and at rest, the stage does nothing at
//! all: bit-transparent.
//!
//! **NaN safety**: the sanitized input is finite, and the filters are stable by
//! construction (parameters are validated by the parser and clamped again here); a
//! non-finite state would still be cleared at the end of the block it appeared in.

pub mod bank;
pub mod convolver;
pub mod design;
pub mod fir;
pub mod graphic;
pub mod path;

pub use design::*;
pub use graphic::{Graphic, GraphicPoint, MAX_GRAPHIC_POINTS};

use super::crossfade::Crossfade;
use super::math;
use super::stage::{Chunk, Stage, StageSetup};
use super::{Settings, MAX_CHUNK};
use fir::FirSet;
use path::Path;

/// How long a new filter bank runs unheard before it is faded in, in ms.
pub const WARM_UP_MS: f64 = 100.0;

/// Correction settings within the chain's.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct CorrectionSettings {
    /// Correction on.
    pub on: bool,
    /// Add the loudness match ([`level_match_db`]).
    pub level_match: bool,
    /// The curve.
    pub curve: Curve,
    /// The curve's level match and figures, computed where the file was loaded (off the
    /// audio thread). `None`, or a different sample rate: the stage computes them itself,
    /// once per change of curve.
    pub prepared: Option<Prepared>,
}

/// A curve's level match and figures at one sample rate, computed ahead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prepared {
    /// The sample rate they are for, in Hz.
    pub sample_rate: f32,
    /// [`level_match_db`] of the curve.
    pub level_match_db: f64,
    /// [`figures`] of the curve.
    pub figures: Figures,
}

impl Prepared {
    /// The level match and figures of `curve` at `sample_rate` Hz (about half a
    /// millisecond of work for ten filters per ear: not for the audio thread).
    pub fn new(curve: &Curve, sample_rate: f32) -> Self {
        Self {
            sample_rate,
            level_match_db: level_match_db(curve, sample_rate),
            figures: figures(curve, sample_rate),
        }
    }
}

/// Where the stage's output comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Dry,
    Bank(usize),
}

/// The correction stage.
#[derive(Debug, Clone)]
pub struct Correction {
    sample_rate: f32,
    /// The settings asked for.
    wanted: CorrectionSettings,
    /// The settings the current source plays (or is heading for).
    playing: CorrectionSettings,
    /// The settings last applied (as given, before [`Correction::effective`]).
    applied: CorrectionSettings,
    /// `wanted` differs from `playing`: a transition is to start when none runs.
    pending: bool,
    /// Two paths: the one playing and the one being prepared (on the heap, with the
    /// scratch buffers: the stage stays small, and so does the stack that builds it).
    banks: Box<[Path; 2]>,
    /// The source heard (at rest, or the start of a fade).
    current: Source,
    /// The source being warmed up or faded in.
    next: Option<Source>,
    /// Samples of warm-up left for `next`.
    warm_left: usize,
    /// From `current` (a) to `next` (b).
    fade: Crossfade,
    warm_up_samples: usize,
    switch_samples: u32,
    scratch: Box<[[f32; MAX_CHUNK]; 2]>,
    /// Figures of the wanted curve.
    figures: Figures,
    figures_for: Curve,
    /// The graphic EQs' filters at hand (room for the longest, made at construction).
    firs: FirSet,
    /// Whether a missing graphic EQ filter may be designed here ([`FirSet::design`]
    /// allocates: never on an audio thread; see [`Correction::set_design_here`]).
    design_here: bool,
}

impl Correction {
    /// The stage at `sample_rate` Hz (allocation-free afterwards).
    pub fn new(sample_rate: f32, settings: &Settings, switch_samples: u32) -> Self {
        let flat = Path::new(sample_rate);
        let mut stage = Self {
            sample_rate,
            wanted: CorrectionSettings::default(),
            playing: CorrectionSettings::default(),
            applied: CorrectionSettings::default(),
            pending: false,
            banks: Box::new([flat.clone(), flat]),
            current: Source::Dry,
            next: None,
            warm_left: 0,
            fade: Crossfade::new(false, switch_samples),
            warm_up_samples: (WARM_UP_MS * 1e-3 * f64::from(sample_rate)).round() as usize,
            switch_samples,
            scratch: Box::new([[0.0; MAX_CHUNK]; 2]),
            figures: Figures::default(),
            figures_for: Curve::default(),
            firs: FirSet::with_capacity(fir::max_taps(sample_rate)),
            design_here: true,
        };
        stage.apply(settings);
        stage.reset();
        stage
    }

    /// Figures (preamp, level match, 1 kHz gain, SPL offset) of the wanted curve.
    pub fn figures(&self) -> Figures {
        self.figures
    }

    /// What the correction adds to the SPL at the ear beyond the listening meter's
    /// reading of the output, per ear, in dB (0 while correction is off; see
    /// [`spl_offset_db`]).
    pub fn spl_offset_db(&self) -> [f32; 2] {
        if self.wanted.on {
            self.figures.spl_offset_db
        } else {
            [0.0; 2]
        }
    }

    /// Whether a curve's graphic EQ filters may be designed by the stage itself when none
    /// were provided (true at first: the renderer, tests). An audio thread turns it off
    /// once built and provides them with [`Correction::provide_firs`]; until they come, a
    /// new curve with a graphic EQ waits (the sound heard so far goes on).
    pub fn set_design_here(&mut self, allowed: bool) {
        self.design_here = allowed;
    }

    /// Graphic EQ filters designed elsewhere (copied in, allocation-free; ignored if for
    /// another sample rate or longer than this rate's longest).
    pub fn provide_firs(&mut self, firs: &FirSet) {
        if firs.sample_rate == self.sample_rate {
            self.firs.copy_from(firs);
        }
    }

    /// Whether the graphic EQ filters of `curve` are at hand (designed here if allowed).
    fn firs_ready(&mut self, curve: &Curve) -> bool {
        if self.firs.is_for(curve, self.sample_rate) {
            return true;
        }
        if self.design_here {
            let designed = FirSet::design(curve, self.sample_rate);
            return self.firs.copy_from(&designed);
        }
        false
    }

    /// Whether the output is the corrected signal (or fading to or from it).
    pub fn is_active(&self) -> bool {
        self.current != Source::Dry || self.next.is_some()
    }

    fn effective(s: &CorrectionSettings) -> CorrectionSettings {
        let on = s.on && !s.curve.is_flat();
        CorrectionSettings {
            on,
            level_match: s.level_match && on,
            curve: if on { s.curve } else { Curve::default() },
            prepared: None,
        }
    }

    /// The settings' prepared figures, if they are for `curve` at this rate.
    fn prepared(&self, curve: &Curve) -> Option<Prepared> {
        self.applied
            .prepared
            .filter(|p| p.sample_rate == self.sample_rate && self.applied.curve == *curve)
    }

    /// Prepares bank `index` for `settings` (design, state cleared).
    fn load(&mut self, index: usize, settings: &CorrectionSettings) {
        let designs = design_curve(&settings.curve, self.sample_rate);
        let extra = if settings.level_match {
            let db = match self.prepared(&settings.curve) {
                Some(p) => p.level_match_db,
                None => level_match_db(&settings.curve, self.sample_rate),
            };
            math::db_to_amplitude(db)
        } else {
            1.0
        };
        self.banks[index].load(&designs, extra, &self.firs);
    }

    /// Starts the move to `wanted` when nothing else is under way.
    fn start_transition(&mut self) {
        if !self.pending || self.next.is_some() {
            return;
        }
        let target = self.wanted;
        if target.on && !self.firs_ready(&target.curve) {
            // Still pending: the filters have not come yet.
            return;
        }
        self.pending = false;
        if self.wanted == self.playing {
            return;
        }
        if !target.on {
            self.next = Some(Source::Dry);
            self.warm_left = 0;
        } else {
            let index = match self.current {
                Source::Bank(i) => 1 - i,
                Source::Dry => 0,
            };
            self.load(index, &target);
            // Same filters, only the gain differs: keep the running state, no warm-up.
            let same = match self.current {
                Source::Bank(i) => self.banks[index].same_filters(&self.banks[i]),
                Source::Dry => false,
            };
            if let (true, Source::Bank(i)) = (same, self.current) {
                let [a, b] = &mut *self.banks;
                let (running, next) = if i == 0 { (&*a, b) } else { (&*b, a) };
                next.take_state(running);
                self.warm_left = 0;
            } else {
                // A long FIR runs unheard until its whole length has been fed.
                self.warm_left = self.warm_up_samples.max(self.banks[index].longest_fir());
            }
            self.next = Some(Source::Bank(index));
        }
        self.playing = target;
        self.fade = Crossfade::new(false, self.switch_samples);
    }

    /// Runs bank `i` on the input into the scratch buffers.
    fn run_into_scratch(&mut self, i: usize, left: &[f32], right: &[f32]) {
        let n = left.len();
        let [sl, sr] = &mut *self.scratch;
        sl[..n].copy_from_slice(left);
        sr[..n].copy_from_slice(right);
        self.banks[i].process(&mut sl[..n], &mut sr[..n]);
    }

    /// Runs the current source in place (nothing for the dry signal).
    fn run_current(&mut self, left: &mut [f32], right: &mut [f32]) {
        if let Source::Bank(c) = self.current {
            self.banks[c].process(left, right);
        }
    }
}

impl Stage for Correction {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        // The usual case: nothing changed (one comparison per block, nothing per chunk).
        if settings.correction == self.applied {
            return;
        }
        self.applied = settings.correction;
        if settings.correction.curve != self.figures_for {
            self.figures_for = settings.correction.curve;
            self.figures = match self.prepared(&self.figures_for) {
                Some(p) => p.figures,
                None => figures(&self.figures_for, self.sample_rate),
            };
        }
        self.wanted = Self::effective(&settings.correction);
        self.pending = self.wanted != self.playing;
    }

    fn reset(&mut self) {
        let target = self.wanted;
        self.next = None;
        self.warm_left = 0;
        self.fade = Crossfade::new(false, self.switch_samples);
        if target.on && self.firs_ready(&target.curve) {
            self.load(0, &target);
            self.current = Source::Bank(0);
            self.playing = target;
            self.pending = false;
        } else {
            self.current = Source::Dry;
            self.playing = CorrectionSettings::default();
            self.pending = target.on;
        }
    }

    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        self.start_transition();
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        match self.next {
            None => self.run_current(left, right),
            // Warm-up: the next bank runs on the input unheard.
            Some(Source::Bank(i)) if self.warm_left > 0 => {
                self.run_into_scratch(i, left, right);
                self.warm_left = self.warm_left.saturating_sub(n);
                self.run_current(left, right);
            }
            Some(next) => {
                // The next source into scratch, the current one in place, then the fade.
                match next {
                    Source::Bank(i) => self.run_into_scratch(i, left, right),
                    Source::Dry => {
                        self.scratch[0][..n].copy_from_slice(left);
                        self.scratch[1][..n].copy_from_slice(right);
                    }
                }
                self.run_current(left, right);
                self.fade.set(true);
                let [sl, sr] = &*self.scratch;
                self.fade.blend_into_a([left, right], [&sl[..n], &sr[..n]]);
                if self.fade.rests_at_b() {
                    // Done: the next source is heard alone from the next block on.
                    self.current = next;
                    self.next = None;
                    self.fade = Crossfade::new(false, self.switch_samples);
                }
            }
        }
    }
}
