//! The correction's filters from their description: the curve types (what an EQ file
//! describes, per ear), each filter's biquad by R. Bristow-Johnson's *Cookbook formulae
//! for audio EQ biquad filter coefficients* (the W3C "Audio EQ Cookbook" note), the
//! response they make, and the figures derived from it (the loudness match by ITU-R
//! BS.1770 K-weighting of pink noise, the A-weighted pink gain, the SPL offset).
//! Pure functions of the curve and the sample rate; see the module docs of
//! [`super`] for the rules (filters near Nyquist, the level match).

use super::graphic::Graphic;
use crate::dsp::math;

/// Most filters per ear.
pub const MAX_FILTERS: usize = 20;
/// Filters above this fraction of the sample rate are designed here instead.
pub const NYQUIST_GUARD: f64 = 0.45;
/// Frequencies designed, in Hz (a saved state outside is refused; clamped at design time).
pub const FREQ_RANGE_HZ: (f32, f32) = (1.0, 1_000_000.0);
/// Filter gains designed, in dB.
pub const GAIN_RANGE_DB: (f32, f32) = (-120.0, 120.0);
/// Q values designed.
pub const Q_RANGE: (f32, f32) = (0.001, 1000.0);
/// Bandwidths designed, in octaves.
pub const BW_RANGE_OCT: (f32, f32) = (0.001, 20.0);
/// Shelf slopes S designed (1 = the steepest without overshoot).
pub const SLOPE_RANGE: (f32, f32) = (0.001, 1.0);
/// Preamp per ear and segment (the file's `Preamp` lines that apply, summed), in dB.
pub const PREAMP_RANGE_DB: (f32, f32) = (-120.0, 120.0);
/// Longest delay per ear and segment (the file's `Delay` lines, summed), in ms; a longer
/// one is refused.
pub const MAX_DELAY_MS: f32 = 100.0;
/// Mix factors of a `Copy` (±), as a safety bound on a saved state.
pub const MAX_MIX_FACTOR: f32 = 1000.0;

/// The shape of one filter (RBJ cookbook names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FilterKind {
    /// Peaking EQ (bell): `gain_db` at `freq_hz`.
    #[default]
    Peaking,
    /// Low shelf: `gain_db` below, half of it (in dB) at `freq_hz`.
    LowShelf,
    /// High shelf: `gain_db` above, half of it at `freq_hz`.
    HighShelf,
    /// Second-order low-pass (−3 dB at `freq_hz` for Q = 1/√2).
    LowPass,
    /// Second-order high-pass.
    HighPass,
    /// Band-pass, 0 dB at `freq_hz`.
    BandPass,
    /// Notch at `freq_hz`.
    Notch,
    /// All-pass (phase only) around `freq_hz`.
    AllPass,
}

/// How wide a filter is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Width {
    /// Quality factor Q.
    Q(f32),
    /// Bandwidth in octaves (between the cookbook's band edges).
    Octaves(f32),
    /// Shelf slope S (shelves only; 1 = steepest monotonic, 0.5 ≈ 6 dB/octave).
    Slope(f32),
}

impl Default for Width {
    fn default() -> Self {
        Width::Q(std::f32::consts::FRAC_1_SQRT_2)
    }
}

/// One filter as a file describes it (the shelves' centre frequency already resolved).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Filter {
    /// The shape.
    pub kind: FilterKind,
    /// Centre (peaking, shelves: the half-gain point), corner or notch frequency, in Hz.
    pub freq_hz: f32,
    /// Gain in dB (peaking and shelves; ignored by the other types).
    pub gain_db: f32,
    /// Width.
    pub width: Width,
}

/// The filters of one ear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarCurve {
    /// Preamp of this ear, in dB (the file's `Preamp` lines that apply to it, summed).
    pub preamp_db: f32,
    /// Delay of this ear in ms (the file's `Delay: … ms` lines, summed).
    pub delay_ms: f32,
    /// Delay of this ear in samples of the running rate (`Delay: … samples`, summed).
    pub delay_samples: f32,
    /// Number of filters used.
    pub len: u8,
    /// The filters (`..len` used), applied in order.
    pub filters: [Filter; MAX_FILTERS],
    /// The graphic EQ (the file's `GraphicEQ` lines that apply to this ear, merged).
    pub graphic: Graphic,
}

impl Default for EarCurve {
    fn default() -> Self {
        Self {
            preamp_db: 0.0,
            delay_ms: 0.0,
            delay_samples: 0.0,
            len: 0,
            filters: [Filter::default(); MAX_FILTERS],
            graphic: Graphic::default(),
        }
    }
}

impl EarCurve {
    /// The filters in use.
    pub fn filters(&self) -> &[Filter] {
        &self.filters[..usize::from(self.len).min(MAX_FILTERS)]
    }

    /// No filter, no graphic EQ, no preamp, no delay.
    pub fn is_flat(&self) -> bool {
        self.len == 0
            && self.graphic.is_flat()
            && self.preamp_db == 0.0
            && self.delay_ms == 0.0
            && self.delay_samples == 0.0
    }

    /// The delay at `sample_rate` Hz, in whole samples (EqualizerAPO rounds a delay to
    /// whole samples).
    pub fn delay_at(&self, sample_rate: f32) -> usize {
        let samples = f64::from(self.delay_ms.max(0.0)) * 1e-3 * f64::from(sample_rate)
            + f64::from(self.delay_samples.max(0.0));
        samples.round() as usize
    }

    /// Appends a filter; `false` if the ear is full.
    pub fn push(&mut self, filter: Filter) -> bool {
        let len = usize::from(self.len);
        if len >= MAX_FILTERS {
            return false;
        }
        self.filters[len] = filter;
        self.len += 1;
        true
    }
}

/// A mixing point (EqualizerAPO's `Copy`) and what follows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    /// `out[ear] = Σ matrix[ear][source] · in[source]` (0 = left, 1 = right).
    pub matrix: [[f32; 2]; 2],
    /// The filters, preamp and delay after the mix, per ear.
    pub after: [EarCurve; 2],
}

impl Mix {
    /// The identity mix (both ears keep their own signal).
    pub const IDENTITY: [[f32; 2]; 2] = [[1.0, 0.0], [0.0, 1.0]];
}

/// A correction curve for both ears (index 0 = left ear, 1 = right ear): per ear a
/// cascade (filters, preamp, delay), then optionally a mix of the ears and another
/// cascade per ear.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Curve {
    /// Left and right ear (before the mix, if there is one).
    pub ears: [EarCurve; 2],
    /// The mix and what follows it.
    pub mix: Option<Mix>,
}

impl Curve {
    /// No filter, preamp, delay or mix on either ear.
    pub fn is_flat(&self) -> bool {
        self.ears.iter().all(EarCurve::is_flat)
            && self
                .mix
                .is_none_or(|m| m.matrix == Mix::IDENTITY && m.after.iter().all(EarCurve::is_flat))
    }
}

/// `z⁻¹ = e^{−jw}` and `z⁻² = e^{−2jw}` at one frequency, computed once for every filter
/// evaluated there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitDelays {
    /// The normalised angular frequency `w = 2π f / fs`, in radians per sample.
    pub w: f64,
    /// The frequency, in Hz.
    pub freq_hz: f64,
    c1: f64,
    s1: f64,
    c2: f64,
    s2: f64,
}

impl UnitDelays {
    /// At `freq_hz` for `sample_rate` Hz.
    pub fn new(freq_hz: f64, sample_rate: f64) -> Self {
        let w = 2.0 * std::f64::consts::PI * freq_hz / sample_rate;
        Self {
            w,
            freq_hz,
            c1: w.cos(),
            s1: -w.sin(),
            c2: (2.0 * w).cos(),
            s2: -(2.0 * w).sin(),
        }
    }
}

/// Normalised biquad coefficients (`a0` = 1): `y = b0·x + b1·x₋₁ + b2·x₋₂ − a1·y₋₁ − a2·y₋₂`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Biquad {
    /// Feed-forward coefficients.
    pub b: [f64; 3],
    /// Feedback coefficients `a1`, `a2`.
    pub a: [f64; 2],
}

impl Biquad {
    /// The identity filter.
    pub const IDENTITY: Biquad = Biquad {
        b: [1.0, 0.0, 0.0],
        a: [0.0, 0.0],
    };

    /// A constant gain.
    fn gain(g: f64) -> Biquad {
        Biquad {
            b: [g, 0.0, 0.0],
            a: [0.0, 0.0],
        }
    }

    /// The complex response at `freq_hz` for `sample_rate` Hz, as (re, im).
    pub fn response(&self, freq_hz: f64, sample_rate: f64) -> (f64, f64) {
        self.response_at(&UnitDelays::new(freq_hz, sample_rate))
    }

    /// The complex response at the frequency of `z`, as (re, im).
    pub fn response_at(&self, z: &UnitDelays) -> (f64, f64) {
        let (num, den) = self.numerator_denominator(z);
        let d = den.0 * den.0 + den.1 * den.1;
        (
            (num.0 * den.0 + num.1 * den.1) / d,
            (num.1 * den.0 - num.0 * den.1) / d,
        )
    }

    /// |H|² at the frequency of `z` (|numerator|² / |denominator|²).
    pub fn power_at(&self, z: &UnitDelays) -> f64 {
        let (num, den) = self.numerator_denominator(z);
        (num.0 * num.0 + num.1 * num.1) / (den.0 * den.0 + den.1 * den.1)
    }

    /// The transfer function's numerator and denominator at the frequency of `z`, each as
    /// (re, im).
    fn numerator_denominator(&self, z: &UnitDelays) -> ((f64, f64), (f64, f64)) {
        let UnitDelays { c1, s1, c2, s2, .. } = *z;
        (
            (
                self.b[0] + self.b[1] * c1 + self.b[2] * c2,
                self.b[1] * s1 + self.b[2] * s2,
            ),
            (
                1.0 + self.a[0] * c1 + self.a[1] * c2,
                self.a[0] * s1 + self.a[1] * s2,
            ),
        )
    }

    /// |H|² at `freq_hz`.
    pub fn power(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.power_at(&UnitDelays::new(freq_hz, sample_rate))
    }
}

fn clamp(v: f32, (lo, hi): (f32, f32)) -> f64 {
    f64::from(if v.is_nan() { lo } else { v.clamp(lo, hi) })
}

/// The cookbook biquad of `filter` at `sample_rate` Hz (see the module docs for filters
/// near and above Nyquist).
pub fn design(filter: &Filter, sample_rate: f32) -> Biquad {
    let fs = f64::from(sample_rate);
    let f0 = clamp(filter.freq_hz, FREQ_RANGE_HZ);
    let gain_db = clamp(filter.gain_db, GAIN_RANGE_DB);
    if f0 >= 0.5 * fs {
        match filter.kind {
            FilterKind::LowShelf => return Biquad::gain(math::db_to_amplitude(gain_db)),
            FilterKind::HighPass => {}
            _ => return Biquad::IDENTITY,
        }
    }
    let f0 = f0.min(NYQUIST_GUARD * fs);
    let w0 = 2.0 * std::f64::consts::PI * f0 / fs;
    let (cos, sin) = (w0.cos(), w0.sin());
    let a = math::pow(10.0, gain_db / 40.0);
    let alpha = match filter.width {
        Width::Q(q) => sin / (2.0 * clamp(q, Q_RANGE)),
        Width::Octaves(bw) => {
            sin * math::sinh((std::f64::consts::LN_2 / 2.0) * clamp(bw, BW_RANGE_OCT) * w0 / sin)
        }
        Width::Slope(s) => {
            let s = clamp(s, SLOPE_RANGE);
            sin / 2.0 * ((a + 1.0 / a) * (1.0 / s - 1.0) + 2.0).max(0.0).sqrt()
        }
    };
    let sq = 2.0 * a.sqrt() * alpha;
    let (b, a0, a1, a2) = match filter.kind {
        FilterKind::Peaking => (
            [1.0 + alpha * a, -2.0 * cos, 1.0 - alpha * a],
            1.0 + alpha / a,
            -2.0 * cos,
            1.0 - alpha / a,
        ),
        FilterKind::LowShelf => (
            [
                a * ((a + 1.0) - (a - 1.0) * cos + sq),
                2.0 * a * ((a - 1.0) - (a + 1.0) * cos),
                a * ((a + 1.0) - (a - 1.0) * cos - sq),
            ],
            (a + 1.0) + (a - 1.0) * cos + sq,
            -2.0 * ((a - 1.0) + (a + 1.0) * cos),
            (a + 1.0) + (a - 1.0) * cos - sq,
        ),
        FilterKind::HighShelf => (
            [
                a * ((a + 1.0) + (a - 1.0) * cos + sq),
                -2.0 * a * ((a - 1.0) + (a + 1.0) * cos),
                a * ((a + 1.0) + (a - 1.0) * cos - sq),
            ],
            (a + 1.0) - (a - 1.0) * cos + sq,
            2.0 * ((a - 1.0) - (a + 1.0) * cos),
            (a + 1.0) - (a - 1.0) * cos - sq,
        ),
        FilterKind::LowPass => (
            [(1.0 - cos) / 2.0, 1.0 - cos, (1.0 - cos) / 2.0],
            1.0 + alpha,
            -2.0 * cos,
            1.0 - alpha,
        ),
        FilterKind::HighPass => (
            [(1.0 + cos) / 2.0, -(1.0 + cos), (1.0 + cos) / 2.0],
            1.0 + alpha,
            -2.0 * cos,
            1.0 - alpha,
        ),
        FilterKind::BandPass => ([alpha, 0.0, -alpha], 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
        FilterKind::Notch => ([1.0, -2.0 * cos, 1.0], 1.0 + alpha, -2.0 * cos, 1.0 - alpha),
        FilterKind::AllPass => (
            [1.0 - alpha, -2.0 * cos, 1.0 + alpha],
            1.0 + alpha,
            -2.0 * cos,
            1.0 - alpha,
        ),
    };
    Biquad {
        b: [b[0] / a0, b[1] / a0, b[2] / a0],
        a: [a1 / a0, a2 / a0],
    }
}

/// The designed filters of one ear at a sample rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarDesign {
    /// Linear preamp (times the level match, when on).
    pub gain: f64,
    /// Delay in samples (the part both ears share taken out, see [`CurveDesign`]).
    pub delay: usize,
    /// Number of sections used.
    pub len: usize,
    /// The sections (`..len` used).
    pub sections: [Biquad; MAX_FILTERS],
    /// The graphic EQ, realised apart (a minimum-phase FIR, [`super::fir`]); its
    /// magnitude is counted in the responses here, with no phase.
    pub graphic: Graphic,
}

impl EarDesign {
    /// No filter, unity gain, no delay.
    pub const IDENTITY: EarDesign = EarDesign {
        gain: 1.0,
        delay: 0,
        len: 0,
        sections: [Biquad::IDENTITY; MAX_FILTERS],
        graphic: Graphic::EMPTY,
    };

    fn new(ear: &EarCurve, sample_rate: f32) -> Self {
        let mut sections = [Biquad::IDENTITY; MAX_FILTERS];
        let filters = ear.filters();
        for (s, f) in sections.iter_mut().zip(filters) {
            *s = design(f, sample_rate);
        }
        EarDesign {
            gain: math::db_to_amplitude(clamp(ear.preamp_db, PREAMP_RANGE_DB)),
            delay: ear.delay_at(sample_rate),
            len: filters.len(),
            sections,
            graphic: ear.graphic,
        }
    }

    /// The response of the ear's whole cascade (gain and delay included) at the frequency
    /// of `z`, as a complex number `(re, im)`.
    pub fn response_at(&self, z: &UnitDelays) -> (f64, f64) {
        let w = -z.w * self.delay as f64;
        let gain = self.gain * self.graphic_gain(z);
        let start = (gain * w.cos(), gain * w.sin());
        self.sections[..self.len].iter().fold(start, |(re, im), s| {
            let (sr, si) = s.response_at(z);
            (re * sr - im * si, re * si + im * sr)
        })
    }

    /// The response of the ear's whole cascade as |H|² at the frequency of `z`.
    pub fn power_at(&self, z: &UnitDelays) -> f64 {
        let gain = self.gain * self.graphic_gain(z);
        self.sections[..self.len]
            .iter()
            .fold(gain * gain, |p, s| p * s.power_at(z))
    }

    /// The graphic EQ's linear gain at the frequency of `z`.
    fn graphic_gain(&self, z: &UnitDelays) -> f64 {
        if self.graphic.is_flat() {
            return 1.0;
        }
        math::db_to_amplitude(self.graphic.gain_db(z.freq_hz))
    }

    /// The response of the ear's whole cascade as |H|² at `freq_hz`.
    pub fn power(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.power_at(&UnitDelays::new(freq_hz, sample_rate))
    }
}

/// A whole correction designed at a sample rate: per ear a cascade, then (with a mix) the
/// mix and a second cascade per ear. The delay both ears share in a cascade is taken out:
/// it would only shift the whole output in time against the host's latency compensation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CurveDesign {
    /// Before the mix (everything, without one).
    pub before: [EarDesign; 2],
    /// The mix: `out[ear] = Σ mix[ear][source] · in[source]`.
    pub mix: Option<[[f64; 2]; 2]>,
    /// After the mix (identity without one).
    pub after: [EarDesign; 2],
}

impl CurveDesign {
    /// The response of `ear` to the same signal in both inputs (a centred source) at the
    /// frequency of `z`, as a complex number.
    pub fn response_at(&self, ear: usize, z: &UnitDelays) -> (f64, f64) {
        match self.mix {
            None => self.before[ear].response_at(z),
            Some(m) => {
                let [l, r] = self.before.map(|e| e.response_at(z));
                let mixed = (
                    m[ear][0] * l.0 + m[ear][1] * r.0,
                    m[ear][0] * l.1 + m[ear][1] * r.1,
                );
                let (ar, ai) = self.after[ear].response_at(z);
                (mixed.0 * ar - mixed.1 * ai, mixed.0 * ai + mixed.1 * ar)
            }
        }
    }

    /// |H|² of `ear` for a centred source at `freq_hz`.
    pub fn power(&self, ear: usize, freq_hz: f64, sample_rate: f64) -> f64 {
        let z = UnitDelays::new(freq_hz, sample_rate);
        match self.mix {
            None => self.before[ear].power_at(&z),
            Some(_) => {
                let (re, im) = self.response_at(ear, &z);
                re * re + im * im
            }
        }
    }

    /// |H|² of `ear` at the frequency of `z` for noise that is uncorrelated between the
    /// inputs (each input's contribution adds in power; delays do not matter).
    pub fn power_uncorrelated_at(&self, ear: usize, z: &UnitDelays) -> f64 {
        match self.mix {
            None => self.before[ear].power_at(z),
            Some(m) => {
                let mixed: f64 = (0..2)
                    .map(|s| m[ear][s] * m[ear][s] * self.before[s].power_at(z))
                    .sum();
                mixed * self.after[ear].power_at(z)
            }
        }
    }
}

/// Takes the delay both ears share out of a pair.
fn relative_delays(mut ears: [EarDesign; 2]) -> [EarDesign; 2] {
    let common = ears[0].delay.min(ears[1].delay);
    for e in &mut ears {
        e.delay -= common;
    }
    ears
}

/// Designs `curve` at `sample_rate` Hz (preamp included, no level match).
pub fn design_curve(curve: &Curve, sample_rate: f32) -> CurveDesign {
    let before = relative_delays(curve.ears.map(|e| EarDesign::new(&e, sample_rate)));
    match curve.mix {
        None => CurveDesign {
            before,
            mix: None,
            after: [EarDesign::IDENTITY; 2],
        },
        Some(mix) => CurveDesign {
            before,
            mix: Some(mix.matrix.map(|r| r.map(f64::from))),
            after: relative_delays(mix.after.map(|e| EarDesign::new(&e, sample_rate))),
        },
    }
}

/// The response of `curve` per ear in dB at `freq_hz` (preamp included, no level match),
/// for a centred source.
pub fn response_db(curve: &Curve, sample_rate: f32, freq_hz: f64) -> [f64; 2] {
    let design = design_curve(curve, sample_rate);
    let fs = f64::from(sample_rate);
    [0, 1].map(|e| 10.0 * design.power(e, freq_hz, fs).log10())
}

/// The BS.1770 K-weighting's two stages: its high shelf (+4 dB, 1681.97 Hz, Q 0.7072) and
/// its high-pass (38.14 Hz, Q 0.5003), designed at `sample_rate` Hz as the cookbook
/// designs them (the way libebur128 derives them; at 48 kHz they are ITU-R BS.1770-4's
/// published coefficients).
fn k_weighting(sample_rate: f32) -> [Biquad; 2] {
    [
        design(
            &Filter {
                kind: FilterKind::HighShelf,
                freq_hz: 1_681.974_5,
                gain_db: 3.999_843_9,
                width: Width::Q(0.707_175_3),
            },
            sample_rate,
        ),
        design(
            &Filter {
                kind: FilterKind::HighPass,
                freq_hz: 38.135_47,
                gain_db: 0.0,
                width: Width::Q(0.500_327),
            },
            sample_rate,
        ),
    ]
}

/// Points of the pink-noise integration grid.
const GRID_POINTS: usize = 960;
/// Lowest frequency of the grid, in Hz.
const GRID_LOW_HZ: f64 = 10.0;

/// Log-spaced frequencies from [`GRID_LOW_HZ`] to just under Nyquist.
fn pink_grid(sample_rate: f32) -> impl Iterator<Item = f64> {
    let high = 0.499 * f64::from(sample_rate);
    let ratio = (high / GRID_LOW_HZ).ln() / (GRID_POINTS - 1) as f64;
    (0..GRID_POINTS).map(move |i| GRID_LOW_HZ * math::exp(ratio * i as f64))
}

/// The level-match gain of `curve` at `sample_rate` Hz, in dB: what keeps pink noise
/// (equally loud in both ears, uncorrelated between them) as loud through the
/// correction, preamp included, as without it (BS.1770 loudness: K-weighted power summed
/// over both ears). Without a mix of the ears, correlation does not matter.
pub fn level_match_db(curve: &Curve, sample_rate: f32) -> f64 {
    let design = design_curve(curve, sample_rate);
    let fs = f64::from(sample_rate);
    let [shelf, high_pass] = k_weighting(sample_rate);
    let (mut through, mut bare) = (0.0, 0.0);
    for f in pink_grid(sample_rate) {
        let z = UnitDelays::new(f, fs);
        let k = shelf.power_at(&z) * high_pass.power_at(&z);
        through += k * (design.power_uncorrelated_at(0, &z) + design.power_uncorrelated_at(1, &z));
        bare += 2.0 * k;
    }
    -10.0 * (through / bare).log10()
}

/// How the correction changes what the A-weighted listening meter reads of pink noise,
/// per ear, in dB (preamp included): `10·log10(Σ A²|H|² / Σ A²)` on the pink grid.
pub fn a_weighted_pink_gain_db(curve: &Curve, sample_rate: f32) -> [f64; 2] {
    let design = design_curve(curve, sample_rate);
    let fs = f64::from(sample_rate);
    let (mut through, mut bare) = ([0.0; 2], 0.0);
    for f in pink_grid(sample_rate) {
        let z = UnitDelays::new(f, fs);
        let a = math::db_to_power(crate::dsp::listening::a_weighting::analog_db(f));
        for (ear, through) in through.iter_mut().enumerate() {
            *through += a * design.power_uncorrelated_at(ear, &z);
        }
        bare += a;
    }
    through.map(|t| 10.0 * (t / bare).log10())
}

/// The figures the editor, the renderer and the SPL estimate show for a correction.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Figures {
    /// Preamp per ear, in dB (before and after a mix, summed).
    pub preamp_db: [f32; 2],
    /// Level-match gain, in dB (applied only while level match is on).
    pub level_match_db: f32,
    /// The correction's gain at 1 kHz per ear (filters and preamp), in dB.
    pub gain_1k_db: [f32; 2],
    /// What the correction adds to the SPL at the ear beyond what the listening meter
    /// reads of the corrected output, per ear, in dB (see [`spl_offset_db`]).
    pub spl_offset_db: [f32; 2],
}

/// What the correction adds to the SPL at the ear beyond what the listening meter reads
/// of the corrected output, per ear, in dB.
///
/// The calibration is a 1 kHz figure of the bare headphones; the correction exists
/// because their response is not flat. With a correction that does its job, the sound at
/// the ear is the *uncorrected* signal shaped by the target curve, raised by what the
/// correction does at 1 kHz (filters + preamp + level match). The listening meter reads
/// the corrected output, which already holds the level match and the filters' broadband
/// gain (for pink-like programme, [`a_weighted_pink_gain_db`]). The offset is the rest:
/// `gain at 1 kHz − A-weighted pink gain`, so that meter + offset = uncorrected level +
/// gain at 1 kHz + level match.
pub fn spl_offset_db(curve: &Curve, sample_rate: f32) -> [f64; 2] {
    let at_1k = response_db(curve, sample_rate, 1000.0);
    let broadband = a_weighted_pink_gain_db(curve, sample_rate);
    [at_1k[0] - broadband[0], at_1k[1] - broadband[1]]
}

/// All [`Figures`] of `curve` at `sample_rate` Hz.
pub fn figures(curve: &Curve, sample_rate: f32) -> Figures {
    let at_1k = response_db(curve, sample_rate, 1000.0);
    let offset = spl_offset_db(curve, sample_rate);
    Figures {
        preamp_db: [0, 1]
            .map(|e| curve.ears[e].preamp_db + curve.mix.map_or(0.0, |m| m.after[e].preamp_db)),
        level_match_db: level_match_db(curve, sample_rate) as f32,
        gain_1k_db: at_1k.map(|v| v as f32),
        spl_offset_db: offset.map(|v| v as f32),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(filter: Filter, rate: f32, f: f64) -> f64 {
        10.0 * design(&filter, rate).power(f, f64::from(rate)).log10()
    }

    fn filter(kind: FilterKind, freq_hz: f32, gain_db: f32, width: Width) -> Filter {
        Filter {
            kind,
            freq_hz,
            gain_db,
            width,
        }
    }

    #[test]
    fn the_designs_meet_the_cookbooks_defining_points() {
        use FilterKind::*;
        let fs = 48_000.0;
        let nyq = 23_999.0;
        let q = Width::Q(std::f32::consts::FRAC_1_SQRT_2);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-3;
        // Peaking: its gain at f0, 0 dB far away.
        let pk = filter(Peaking, 1000.0, 6.0, Width::Q(2.0));
        assert!(close(db(pk, fs, 1000.0), 6.0) && db(pk, fs, 1.0).abs() < 1e-3);
        // Shelves: half the gain (in dB) at f0, the full gain on their side.
        let ls = filter(LowShelf, 200.0, -8.0, q);
        assert!(close(db(ls, fs, 200.0), -4.0) && close(db(ls, fs, 0.1), -8.0));
        assert!(db(ls, fs, nyq).abs() < 1e-2);
        let hs = filter(HighShelf, 5000.0, 4.0, Width::Slope(1.0));
        assert!(close(db(hs, fs, 5000.0), 2.0) && close(db(hs, fs, nyq), 4.0));
        // Low- and high-pass with Q = 1/√2: −3.01 dB at f0.
        let lp = filter(LowPass, 3000.0, 0.0, q);
        assert!(close(db(lp, fs, 3000.0), -3.0103) && db(lp, fs, 0.1).abs() < 1e-3);
        let hp = filter(HighPass, 100.0, 0.0, q);
        assert!(close(db(hp, fs, 100.0), -3.0103) && db(hp, fs, nyq).abs() < 1e-3);
        // Band-pass: 0 dB at f0; notch: nothing at f0; all-pass: 0 dB everywhere.
        assert!(db(filter(BandPass, 700.0, 0.0, Width::Q(3.0)), fs, 700.0).abs() < 1e-6);
        assert!(db(filter(Notch, 50.0, 0.0, Width::Q(30.0)), fs, 50.0) < -100.0);
        for f in [20.0, 440.0, 9_000.0, 20_000.0] {
            assert!(db(filter(AllPass, 1200.0, 0.0, Width::Q(0.7)), fs, f).abs() < 1e-9);
        }
        // A bandwidth in octaves: a peak's half-gain points lie BW/2 octaves either side
        // (far below Nyquist, where the digital and analog definitions agree).
        let bw = filter(Peaking, 1000.0, 10.0, Width::Octaves(1.0));
        for edge in [1000.0 / 2f64.sqrt(), 1000.0 * 2f64.sqrt()] {
            let g = db(bw, 96_000.0, edge);
            assert!((g - 5.0).abs() < 0.05, "{edge} Hz: {g} dB");
        }
    }

    #[test]
    fn filters_near_and_above_nyquist_follow_the_documented_rule() {
        use FilterKind::*;
        let fs = 44_100.0;
        let at = |kind, f: f32| design(&filter(kind, f, 6.0, Width::Q(1.0)), fs);
        // Between 0.45·fs and fs/2: designed at 0.45·fs.
        assert_eq!(at(Peaking, 21_000.0), at(Peaking, 0.45 * 44_100.0));
        // At or above fs/2: unity, a low shelf its flat gain, a high-pass at 0.45·fs.
        assert_eq!(at(Peaking, 25_000.0), Biquad::IDENTITY);
        assert_eq!(at(HighShelf, 30_000.0), Biquad::IDENTITY);
        let ls = at(LowShelf, 25_000.0);
        assert!((10.0 * ls.power(1000.0, 44_100.0).log10() - 6.0).abs() < 1e-9);
        assert_eq!(at(HighPass, 30_000.0), at(HighPass, 0.45 * 44_100.0));
    }
}
