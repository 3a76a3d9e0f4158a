//! The loudness meter: momentary (400 ms), short-term (3 s) and integrated loudness and
//! the loudness range, per ITU-R BS.1770-4 and EBU R128 (EBU Tech 3341 "EBU Mode",
//! Tech 3342 for the range), computed by the `ebur128` crate — never on the audio thread.
//!
//! While someone reads the meter (the editor is open), the audio thread copies its
//! output, interleaved, into a wait-free single-producer ring ([`LoudnessTap`]; `rtrb`),
//! and does nothing else for it; with the editor closed it does not even that. The
//! reader ([`LoudnessMeter`], on the editor's thread) drains the ring into a
//! [`Loudness`] each frame. If the reader falls more than [`RING_SECONDS`] behind, the
//! samples that do not fit are dropped and counted, and the meter shows the gap.
//!
//! [`Loudness`] is also the renderer's loudness report, so both agree to the sample.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// How far the reader may fall behind before samples are dropped, in seconds.
pub const RING_SECONDS: f32 = 2.0;
/// The momentary and short-term maxima are sampled this often, in seconds (Tech 3341:
/// at least 10 Hz).
pub const HOP_S: f64 = 0.1;

/// One reading of the meter, in LUFS (LU for the range); `None` while there is not
/// enough signal (or it is below the absolute gate).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Reading {
    /// Momentary loudness (400 ms window), LUFS.
    pub momentary: Option<f64>,
    /// Short-term loudness (3 s window), LUFS.
    pub short_term: Option<f64>,
    /// Integrated (gated) loudness since the reset, LUFS.
    pub integrated: Option<f64>,
    /// Loudness range since the reset, LU (EBU Tech 3342).
    pub range: Option<f64>,
    /// Largest momentary loudness since the reset, LUFS.
    pub momentary_max: Option<f64>,
    /// Largest short-term loudness since the reset, LUFS.
    pub short_term_max: Option<f64>,
    /// Seconds measured since the reset.
    pub seconds: f64,
}

fn finite(v: Result<f64, ebur128::Error>) -> Option<f64> {
    v.ok().filter(|v| v.is_finite())
}

fn max(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// Hops in the short-term window (3 s of 100 ms).
const SHORT_TERM_HOPS: usize = 30;
/// Hops in the momentary window (400 ms).
const MOMENTARY_HOPS: usize = 4;

/// A loudness measurement of one stream (1 or 2 channels; one channel counts as dual
/// mono, heard on both ears).
///
/// The maxima come from the energy of each 100 ms hop (one short window per hop, read
/// from the meter), summed over the last 4 and 30 hops: the momentary and short-term
/// loudness at every hop, for the cost of reading each sample's energy once.
pub struct Loudness {
    meter: ebur128::EbuR128,
    channels: usize,
    sample_rate: u32,
    /// The live readings (current short-term, range) are kept: the editor's meter.
    live: bool,
    /// Frames per maximum-sampling hop.
    hop_frames: usize,
    /// Frames into the current hop.
    into_hop: usize,
    frames: u64,
    /// The last hops' mean-square energies (a ring), and how many hops there were.
    hop_energy: [f64; SHORT_TERM_HOPS],
    hops: usize,
    momentary_max: Option<f64>,
    short_term_max: Option<f64>,
}

impl std::fmt::Debug for Loudness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loudness")
            .field("channels", &self.channels)
            .field("sample_rate", &self.sample_rate)
            .field("frames", &self.frames)
            .finish()
    }
}

impl Loudness {
    /// A meter for `channels` (1 or 2) at `sample_rate` Hz with every reading (the
    /// editor's); `None` for a rate or channel count the meter cannot take.
    pub fn new(channels: usize, sample_rate: u32) -> Option<Self> {
        Self::with_mode(channels, sample_rate, true)
    }

    /// A meter for a report: integrated loudness and the maxima only (the current
    /// short-term loudness and the range are not kept, which halves the cost).
    pub fn for_report(channels: usize, sample_rate: u32) -> Option<Self> {
        Self::with_mode(channels, sample_rate, false)
    }

    fn with_mode(channels: usize, sample_rate: u32, live: bool) -> Option<Self> {
        if !(1..=2).contains(&channels) || sample_rate == 0 {
            return None;
        }
        let mode = if live {
            ebur128::Mode::M | ebur128::Mode::S | ebur128::Mode::I | ebur128::Mode::LRA
        } else {
            ebur128::Mode::M | ebur128::Mode::I
        };
        let mut meter = ebur128::EbuR128::new(channels as u32, sample_rate, mode).ok()?;
        if channels == 1 {
            meter.set_channel(0, ebur128::Channel::DualMono).ok()?;
        }
        Some(Self {
            meter,
            channels,
            sample_rate,
            live,
            hop_frames: ((HOP_S * f64::from(sample_rate)).round() as usize).max(1),
            into_hop: 0,
            frames: 0,
            hop_energy: [0.0; SHORT_TERM_HOPS],
            hops: 0,
            momentary_max: None,
            short_term_max: None,
        })
    }

    /// The sample rate, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Adds interleaved frames (a trailing partial frame is ignored).
    pub fn add_interleaved(&mut self, samples: &[f32]) {
        let mut rest = &samples[..samples.len() - samples.len() % self.channels];
        while !rest.is_empty() {
            let take = (self.hop_frames - self.into_hop).min(rest.len() / self.channels);
            let (now, later) = rest.split_at(take * self.channels);
            let _ = self.meter.add_frames_f32(now);
            self.advance(take);
            rest = later;
        }
    }

    /// Adds planar frames, one slice per channel (the shortest length counts).
    pub fn add_planar(&mut self, channels: &[&[f32]]) {
        let len = channels.iter().map(|c| c.len()).min().unwrap_or(0);
        let mut at = 0;
        while at < len {
            let take = (self.hop_frames - self.into_hop).min(len - at);
            let mut parts = [&[][..]; 2];
            for (part, c) in parts.iter_mut().zip(channels) {
                *part = &c[at..at + take];
            }
            let _ = self.meter.add_frames_planar_f32(&parts[..self.channels]);
            self.advance(take);
            at += take;
        }
    }

    fn advance(&mut self, frames: usize) {
        self.frames += frames as u64;
        self.into_hop += frames;
        if self.into_hop == self.hop_frames {
            self.into_hop = 0;
            // This hop's energy (BS.1770: loudness = −0.691 + 10·log10(energy)).
            let energy = finite(self.meter.loudness_window((HOP_S * 1000.0) as u32))
                .map_or(0.0, |l| crate::dsp::math::db_to_power(l + 0.691));
            self.hop_energy[self.hops % SHORT_TERM_HOPS] = energy;
            self.hops += 1;
            let window = |hops: usize| {
                (self.hops >= hops)
                    .then(|| {
                        let sum: f64 = (self.hops - hops..self.hops)
                            .map(|h| self.hop_energy[h % SHORT_TERM_HOPS])
                            .sum();
                        let mean = sum / hops as f64;
                        (mean > 0.0).then(|| -0.691 + 10.0 * mean.log10())
                    })
                    .flatten()
            };
            self.momentary_max = max(self.momentary_max, window(MOMENTARY_HOPS));
            self.short_term_max = max(self.short_term_max, window(SHORT_TERM_HOPS));
        }
    }

    fn momentary(&self) -> Option<f64> {
        // The window must be full (the first 400 ms are not a momentary loudness yet).
        (self.frames as f64 >= 0.4 * f64::from(self.sample_rate))
            .then(|| finite(self.meter.loudness_momentary()))
            .flatten()
    }

    fn short_term(&self) -> Option<f64> {
        (self.live && self.frames as f64 >= 3.0 * f64::from(self.sample_rate))
            .then(|| finite(self.meter.loudness_shortterm()))
            .flatten()
    }

    /// The meter's reading now.
    pub fn reading(&self) -> Reading {
        Reading {
            momentary: self.momentary(),
            short_term: self.short_term(),
            integrated: finite(self.meter.loudness_global()),
            range: finite(self.meter.loudness_range()).filter(|_| self.short_term().is_some()),
            momentary_max: self.momentary_max,
            short_term_max: self.short_term_max,
            seconds: self.frames as f64 / f64::from(self.sample_rate),
        }
    }

    /// Starts again (integrated, range and maxima from now on).
    pub fn reset(&mut self) {
        self.meter.reset();
        self.frames = 0;
        self.into_hop = 0;
        self.hops = 0;
        self.momentary_max = None;
        self.short_term_max = None;
    }
}

/// The reading end of the audio thread's ring, with the rate it runs at.
#[derive(Debug)]
pub struct LoudnessFeed {
    consumer: rtrb::Consumer<f32>,
    sample_rate: u32,
}

/// The audio thread's end: copies output into the ring while the meter is read.
#[derive(Debug)]
pub struct LoudnessTap {
    producer: rtrb::Producer<f32>,
}

/// Where the audio thread hands its ring to the reader (set in `activate`), and what it
/// had to drop.
#[derive(Debug, Default)]
pub struct LoudnessExchange {
    /// The newest feed, taken by the reader (a lock only the non-real-time threads take).
    feed: Mutex<Option<LoudnessFeed>>,
    /// Frames the audio thread dropped because the reader was too far behind.
    pub dropped_frames: AtomicU64,
}

impl LoudnessExchange {
    /// A new ring for `sample_rate` Hz: the tap for the audio thread, the feed published
    /// for the reader (allocates; call from `activate`).
    pub fn open(&self, sample_rate: f32) -> LoudnessTap {
        let rate = sample_rate.max(1.0);
        let capacity = 2 * (rate * RING_SECONDS).ceil() as usize;
        let (producer, consumer) = rtrb::RingBuffer::new(capacity);
        let feed = LoudnessFeed {
            consumer,
            sample_rate: rate.round() as u32,
        };
        if let Ok(mut slot) = self.feed.lock() {
            *slot = Some(feed);
        }
        LoudnessTap { producer }
    }
}

impl LoudnessTap {
    /// Copies a stereo block into the ring (audio thread: wait-free, no allocation);
    /// what does not fit is dropped and counted.
    pub fn push(&mut self, left: &[f32], right: &[f32], exchange: &LoudnessExchange) {
        let frames = left.len().min(right.len());
        let fit = (self.producer.slots() / 2).min(frames);
        if fit > 0 {
            if let Ok(chunk) = self.producer.write_chunk_uninit(2 * fit) {
                let samples = left[..fit]
                    .iter()
                    .zip(&right[..fit])
                    .flat_map(|(&l, &r)| [l, r]);
                chunk.fill_from_iter(samples);
            }
        }
        if fit < frames {
            exchange
                .dropped_frames
                .fetch_add((frames - fit) as u64, Ordering::Relaxed);
        }
    }
}

/// The reader's end (the editor): drains the ring into a [`Loudness`].
#[derive(Debug, Default)]
pub struct LoudnessMeter {
    feed: Option<LoudnessFeed>,
    loudness: Option<Loudness>,
    dropped_at_reset: u64,
}

impl LoudnessMeter {
    /// Drains what the audio thread sent since the last call (takes a newer ring if the
    /// plug-in was re-activated, starting the measurement again at its rate).
    pub fn update(&mut self, exchange: &LoudnessExchange) {
        if let Ok(mut slot) = exchange.feed.try_lock() {
            if let Some(feed) = slot.take() {
                let rate = feed.sample_rate;
                self.feed = Some(feed);
                if self.loudness.as_ref().map(Loudness::sample_rate) != Some(rate) {
                    self.loudness = Loudness::new(2, rate);
                }
            }
        }
        let (Some(feed), Some(loudness)) = (&mut self.feed, &mut self.loudness) else {
            return;
        };
        let available = feed.consumer.slots() & !1;
        if let Ok(chunk) = feed.consumer.read_chunk(available) {
            // The capacity is even and both ends move by whole frames, so the ring never
            // wraps inside a frame: each part holds whole frames.
            let (a, b) = chunk.as_slices();
            loudness.add_interleaved(a);
            loudness.add_interleaved(b);
            chunk.commit_all();
        }
    }

    /// The reading now (all `None` before the plug-in has run).
    pub fn reading(&self) -> Reading {
        self.loudness
            .as_ref()
            .map(Loudness::reading)
            .unwrap_or_default()
    }

    /// Frames dropped since the last reset (the reader fell behind).
    pub fn dropped_frames(&self, exchange: &LoudnessExchange) -> u64 {
        exchange
            .dropped_frames
            .load(Ordering::Relaxed)
            .saturating_sub(self.dropped_at_reset)
    }

    /// Starts the integrated loudness, range and maxima again.
    pub fn reset(&mut self, exchange: &LoudnessExchange) {
        if let Some(l) = &mut self.loudness {
            l.reset();
        }
        self.dropped_at_reset = exchange.dropped_frames.load(Ordering::Relaxed);
    }
}
