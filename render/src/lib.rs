//! The offline renderer's library side: WAV in, the very same [`headphone_monitor_core::dsp::Chain`]
//! the plugin runs, WAV out, and a report. The `render` binary
//! (`src/main.rs` of this crate) only parses arguments and prints.
//!
//! - [`wav`] reads 16/24/32-bit integer and 32-bit float WAV (mono or stereo,
//!   8–384 kHz) a chunk at a time and writes 32-bit float or 24-bit WAV through a
//!   temporary file that is renamed into place only when complete.
//! - [`process`] runs the chain in host-like blocks and removes the latency, so
//!   output sample *n* lines up with input sample *n*; a file render streams (read,
//!   process, write and both analyses overlap, and memory does not grow with the
//!   file's length).
//! - [`analysis`] measures levels for the report and finds overs for `--check`,
//!   with `ebur128` (ITU-R BS.1770-4 loudness and true peak) — the report's
//!   numbers do not come from the limiter's own detector.
//! - [`demo`] synthesises the demonstration programme of `render --demo`.
//! - [`report`] holds the report and its human-readable form (JSON via serde).

pub mod analysis;
pub mod demo;
pub mod process;
pub mod report;
pub mod response;
pub mod wav;

use std::fmt;

/// Lowest sample rate accepted, in Hz.
pub const MIN_RATE_HZ: u32 = 8_000;
/// Highest sample rate accepted, in Hz.
pub const MAX_RATE_HZ: u32 = 384_000;

/// Planar audio: one `Vec` per channel (1 or 2 channels), all the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Sample rate, in Hz.
    pub sample_rate: u32,
    /// The channels.
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Duration, in seconds.
    pub fn duration_s(&self) -> f64 {
        self.frames() as f64 / self.sample_rate as f64
    }
}

/// Everything that can go wrong, each with a one-line message.
#[derive(Debug)]
pub enum RenderError {
    /// The input cannot be used (format, channels, rate, unreadable).
    Input(String),
    /// The output cannot be written.
    Output(String),
    /// The user interrupted (Ctrl-C).
    Cancelled,
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Input(message) | Self::Output(message) => f.write_str(message),
            Self::Cancelled => f.write_str("interrupted; no output written"),
        }
    }
}

impl std::error::Error for RenderError {}

/// Audio that can be read a chunk at a time: a WAV file ([`wav::WavSource`]) or audio in
/// memory ([`AudioSource`]).
pub trait Source: Send {
    /// Sample rate, in Hz.
    fn sample_rate(&self) -> u32;
    /// Number of channels (1 or 2).
    fn channel_count(&self) -> usize;
    /// Total number of frames.
    fn frames(&self) -> usize;
    /// Replaces the contents of `out` (one `Vec` per channel) with the next frames, at most
    /// `max_frames`; returns how many (0 at the end).
    fn read_chunk(&mut self, out: &mut [Vec<f32>], max_frames: usize)
        -> Result<usize, RenderError>;
}

/// [`Source`] over audio in memory.
#[derive(Debug, Clone)]
pub struct AudioSource<'a> {
    audio: &'a Audio,
    position: usize,
}

impl Audio {
    /// This audio as a [`Source`], from its first frame.
    pub fn source(&self) -> AudioSource<'_> {
        AudioSource {
            audio: self,
            position: 0,
        }
    }
}

impl Source for AudioSource<'_> {
    fn sample_rate(&self) -> u32 {
        self.audio.sample_rate
    }

    fn channel_count(&self) -> usize {
        self.audio.channels.len()
    }

    fn frames(&self) -> usize {
        self.audio.frames()
    }

    fn read_chunk(
        &mut self,
        out: &mut [Vec<f32>],
        max_frames: usize,
    ) -> Result<usize, RenderError> {
        let end = (self.position + max_frames).min(self.audio.frames());
        for (out, channel) in out.iter_mut().zip(&self.audio.channels) {
            out.clear();
            out.extend_from_slice(&channel[self.position..end]);
        }
        let read = end - self.position;
        self.position = end;
        Ok(read)
    }
}
