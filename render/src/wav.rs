//! WAV reading and safe writing.
//!
//! Writing never harms a user's file: the output goes to a temporary file in the
//! same directory, which is renamed over the destination only once complete (a
//! rename within one file system is atomic), and is removed on any error or
//! interruption. Writing over the input file itself is refused.

use std::fs;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{Audio, RenderError, MAX_RATE_HZ, MIN_RATE_HZ};

/// Sample format of the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// 32-bit IEEE float (the default: no quantisation, overs preserved).
    Float32,
    /// 24-bit integer (rounded, clipped at full scale).
    Int24,
}

/// Reads a WAV file: 16/24/32-bit integer or 32-bit float, mono or stereo,
/// [`MIN_RATE_HZ`] … [`MAX_RATE_HZ`].
pub fn read(path: &Path) -> Result<Audio, RenderError> {
    let name = path.display();
    let reader = hound::WavReader::open(path)
        .map_err(|e| RenderError::Input(format!("cannot read {name} as WAV: {e}")))?;
    let spec = reader.spec();
    if !(1..=2).contains(&spec.channels) {
        return Err(RenderError::Input(format!(
            "{name}: {} channels; only mono and stereo are supported",
            spec.channels
        )));
    }
    if !(MIN_RATE_HZ..=MAX_RATE_HZ).contains(&spec.sample_rate) {
        return Err(RenderError::Input(format!(
            "{name}: sample rate {} Hz is outside {MIN_RATE_HZ}–{MAX_RATE_HZ} Hz",
            spec.sample_rate
        )));
    }
    let channels = spec.channels as usize;
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| RenderError::Input(format!("{name}: {e}")))?,
        (hound::SampleFormat::Int, bits @ (16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f64;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| (v as f64 * scale) as f32))
                .collect::<Result<_, _>>()
                .map_err(|e| RenderError::Input(format!("{name}: {e}")))?
        }
        (format, bits) => {
            let kind = if format == hound::SampleFormat::Float {
                "float"
            } else {
                "integer"
            };
            return Err(RenderError::Input(format!(
                "{name}: {bits}-bit {kind} WAV is not supported (use 16/24/32-bit integer or 32-bit float)"
            )));
        }
    };
    let frames = interleaved.len() / channels;
    let mut planar = vec![Vec::with_capacity(frames); channels];
    for frame in interleaved.chunks_exact(channels) {
        for (channel, &sample) in planar.iter_mut().zip(frame) {
            channel.push(sample);
        }
    }
    Ok(Audio {
        sample_rate: spec.sample_rate,
        channels: planar,
    })
}

/// True when `a` and `b` name the same existing file (also through links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (fs::metadata(a), fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// A temporary file that is removed unless it was renamed into place.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `audio` to `path` through a temporary file renamed into place on success.
/// `input` (if any) must not be the same file; `cancel` aborts the write cleanly.
pub fn write_safely(
    path: &Path,
    audio: &Audio,
    format: OutputFormat,
    input: Option<&Path>,
    cancel: &AtomicBool,
) -> Result<(), RenderError> {
    let name = path.display();
    if let Some(input) = input {
        if same_file(input, path) {
            return Err(RenderError::Output(format!(
                "refusing to write over the input file {name}"
            )));
        }
    }
    let file_name = path
        .file_name()
        .ok_or_else(|| RenderError::Output(format!("{name} is not a file name")))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = TempFile {
        path: dir.join(format!(
            ".{}.render-{}.tmp",
            file_name.to_string_lossy(),
            std::process::id()
        )),
        keep: false,
    };
    let spec = hound::WavSpec {
        channels: audio.channels.len() as u16,
        sample_rate: audio.sample_rate,
        bits_per_sample: if format == OutputFormat::Float32 {
            32
        } else {
            24
        },
        sample_format: if format == OutputFormat::Float32 {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let io_error =
        |e: &dyn std::fmt::Display| RenderError::Output(format!("cannot write {name}: {e}"));
    let file = fs::File::create(&temp.path).map_err(|e| io_error(&e))?;
    let mut writer = hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| io_error(&e))?;
    let frames = audio.frames();
    for n in 0..frames {
        if n % 65_536 == 0 && cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        for channel in &audio.channels {
            let x = channel[n];
            match format {
                OutputFormat::Float32 => writer.write_sample(x),
                OutputFormat::Int24 => {
                    let full_scale = (1 << 23) as f32;
                    let v = (x * full_scale)
                        .round()
                        .clamp(-full_scale, full_scale - 1.0) as i32;
                    writer.write_sample(v)
                }
            }
            .map_err(|e| io_error(&e))?;
        }
    }
    writer.finalize().map_err(|e| io_error(&e))?;
    if cancel.load(Ordering::Relaxed) {
        return Err(RenderError::Cancelled);
    }
    fs::rename(&temp.path, path).map_err(|e| io_error(&e))?;
    temp.keep = true;
    Ok(())
}
