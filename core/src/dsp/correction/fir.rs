//! The graphic curve's realisation: a minimum-phase FIR, designed off the audio thread.
//!
//! # Design
//!
//! The curve's gain is sampled on `N` = 8 × [`max_taps`] frequency bins from 0 to fs/2
//! (flat above its last point, as EqualizerAPO defines it). Its minimum-phase version
//! comes from the real cepstrum (the homomorphic method: A. V. Oppenheim, R. W. Schafer,
//! *Discrete-Time Signal Processing*, 3rd ed., §12.8): the inverse FFT of the log
//! magnitude, folded onto positive times, exponentiated back in the frequency domain and
//! transformed to an impulse response. A minimum-phase filter has no pre-ringing and puts
//! its energy as early as it can, which is also why it can be cut short.
//!
//! The response is then cut to the shortest power-of-two length from 256 taps on whose
//! response (the last eighth faded out with a half cosine) is within [`DESIGN_TOLERANCE_DB`]
//! of the curve at every bin of the checked band: 20 Hz to 20 kHz, or to 0.45·fs below
//! 44.1 kHz. A curve that turns sharply near 20 Hz needs more taps (its minimum-phase
//! response rings for as long as the feature is narrow); the length stops at
//! [`max_taps`], and the error left there is reported in [`FirDesign::max_error_db`].

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

use super::graphic::Graphic;
use super::Curve;

/// Error allowed at design, in dB (the convolution's `f32` rounding adds far less).
pub const DESIGN_TOLERANCE_DB: f64 = 0.05;
/// The shortest filter tried, in taps.
pub const MIN_TAPS: usize = 256;

/// The longest filter at `sample_rate` Hz: 32768 taps (0.68 s at 48 kHz) up to 48 kHz,
/// twice that up to 96 kHz, four times above.
pub fn max_taps(sample_rate: f32) -> usize {
    if sample_rate <= 48_000.0 {
        32_768
    } else if sample_rate <= 96_000.0 {
        65_536
    } else {
        131_072
    }
}

/// The band a design is checked over at `sample_rate` Hz, in Hz.
pub fn checked_band_hz(sample_rate: f32) -> (f64, f64) {
    let fs = f64::from(sample_rate);
    let top = if fs < 44_100.0 { 0.45 * fs } else { 20_000.0 };
    (20.0, top)
}

/// A designed filter.
#[derive(Debug, Clone, PartialEq)]
pub struct FirDesign {
    /// The taps (empty: the curve is flat).
    pub taps: Vec<f32>,
    /// The largest difference between its response and the curve over
    /// [`checked_band_hz`], in dB.
    pub max_error_db: f64,
}

/// Designs the minimum-phase FIR of `graphic` at `sample_rate` Hz (tens of milliseconds
/// of work and several megabytes: not for the audio thread).
pub fn design(graphic: &Graphic, sample_rate: f32) -> FirDesign {
    if graphic.is_flat() {
        return FirDesign {
            taps: Vec::new(),
            max_error_db: 0.0,
        };
    }
    let fs = f64::from(sample_rate);
    let max = max_taps(sample_rate);
    let n = 8 * max;
    let bins = n / 2 + 1;
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let ifft = planner.plan_fft_inverse(n);
    let bin_hz = |k: usize| k as f64 * fs / n as f64;
    let target_db: Vec<f64> = (0..bins).map(|k| graphic.gain_db(bin_hz(k))).collect();

    // Real cepstrum of the log magnitude.
    let ln10_20 = std::f64::consts::LN_10 / 20.0;
    let mut spectrum: Vec<Complex<f64>> = target_db
        .iter()
        .map(|db| Complex::new(db * ln10_20, 0.0))
        .collect();
    let mut cepstrum = vec![0.0f64; n];
    // Lengths are the plans' by construction: these cannot fail.
    let _ = ifft.process(&mut spectrum, &mut cepstrum);
    // Folded onto positive times (scaled by 1/N for the unnormalised inverse).
    let scale = 1.0 / n as f64;
    for (i, c) in cepstrum.iter_mut().enumerate() {
        *c *= scale
            * match i {
                0 => 1.0,
                i if i < n / 2 => 2.0,
                i if i == n / 2 => 1.0,
                _ => 0.0,
            };
    }
    let _ = fft.process(&mut cepstrum, &mut spectrum);
    for s in spectrum.iter_mut() {
        *s = s.exp();
    }
    spectrum[0].im = 0.0;
    spectrum[n / 2].im = 0.0;
    let mut impulse = vec![0.0f64; n];
    let _ = ifft.process(&mut spectrum, &mut impulse);
    for v in impulse.iter_mut() {
        *v *= scale;
    }

    // The shortest length within the tolerance.
    let (lo, hi) = checked_band_hz(sample_rate);
    let checked: Vec<usize> = (0..bins)
        .filter(|&k| (lo..=hi).contains(&bin_hz(k)))
        .collect();
    let mut padded = vec![0.0f64; n];
    let mut response = vec![Complex::new(0.0, 0.0); bins];
    let mut len = MIN_TAPS.min(max);
    loop {
        let taps = cut(&impulse, len);
        padded.fill(0.0);
        padded[..len].copy_from_slice(&taps);
        let _ = fft.process(&mut padded, &mut response);
        let error = checked
            .iter()
            .map(|&k| (10.0 * response[k].norm_sqr().max(1e-30).log10() - target_db[k]).abs())
            .fold(0.0, f64::max);
        if error <= DESIGN_TOLERANCE_DB || len >= max {
            return FirDesign {
                taps: taps.iter().map(|&v| v as f32).collect(),
                max_error_db: error,
            };
        }
        len *= 2;
    }
}

/// The first `len` samples of `impulse`, the last eighth faded out (half cosine).
fn cut(impulse: &[f64], len: usize) -> Vec<f64> {
    let fade = (len / 8).max(1);
    (0..len)
        .map(|i| {
            let into = i as f64 - (len - fade) as f64;
            let w = if into < 0.0 {
                1.0
            } else {
                0.5 * (1.0 + (std::f64::consts::PI * (into + 1.0) / (fade as f64 + 1.0)).cos())
            };
            impulse[i] * w
        })
        .collect()
}

/// The graphic curves of a [`Curve`], in the order the correction path runs them: left and
/// right before the mix, left and right after it.
pub fn graphics(curve: &Curve) -> [Graphic; 4] {
    let after = curve.mix.map_or([Graphic::default(); 2], |m| {
        [m.after[0].graphic, m.after[1].graphic]
    });
    [
        curve.ears[0].graphic,
        curve.ears[1].graphic,
        after[0],
        after[1],
    ]
}

/// The filters of a curve's graphic EQs at one sample rate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FirSet {
    /// The rate they are designed for, in Hz (0: none).
    pub sample_rate: f32,
    /// The curves they realise ([`graphics`] order).
    pub graphics: [Graphic; 4],
    /// Their taps, same order (empty: flat).
    pub taps: [Vec<f32>; 4],
    /// Each one's largest error over [`checked_band_hz`], in dB.
    pub max_error_db: [f64; 4],
}

impl FirSet {
    /// The filters of `curve`'s graphic EQs at `sample_rate` Hz (see [`design`]).
    pub fn design(curve: &Curve, sample_rate: f32) -> Self {
        let graphics = graphics(curve);
        let designs = graphics.map(|g| design(&g, sample_rate));
        Self {
            sample_rate,
            graphics,
            max_error_db: [0, 1, 2, 3].map(|i| designs[i].max_error_db),
            taps: designs.map(|d| d.taps),
        }
    }

    /// Room for filters of up to `max_taps` taps each (allocated here).
    pub fn with_capacity(max_taps: usize) -> Self {
        Self {
            taps: std::array::from_fn(|_| Vec::with_capacity(max_taps)),
            ..Self::default()
        }
    }

    /// Whether these are the filters of `curve` at `sample_rate` Hz.
    pub fn is_for(&self, curve: &Curve, sample_rate: f32) -> bool {
        let wanted = graphics(curve);
        if wanted.iter().all(Graphic::is_flat) {
            return true;
        }
        self.sample_rate == sample_rate && self.graphics == wanted
    }

    /// Copies `other` in without allocating; `false` (and nothing copied) if a filter is
    /// longer than the room made by [`FirSet::with_capacity`].
    pub fn copy_from(&mut self, other: &FirSet) -> bool {
        if self
            .taps
            .iter()
            .zip(&other.taps)
            .any(|(mine, theirs)| theirs.len() > mine.capacity())
        {
            return false;
        }
        for (mine, theirs) in self.taps.iter_mut().zip(&other.taps) {
            mine.clear();
            mine.extend_from_slice(theirs);
        }
        self.sample_rate = other.sample_rate;
        self.graphics = other.graphics;
        self.max_error_db = other.max_error_db;
        true
    }
}
