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
    if let Some(planar) = read_bulk(path, channels)? {
        return Ok(Audio {
            sample_rate: spec.sample_rate,
            channels: planar,
        });
    }
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

/// The common formats (16/24/32-bit integer and 32-bit float in containers of their own
/// size) read in one go: the data chunk as bytes, converted and de-interleaved in one
/// pass (hound parses the header). The same values as hound's sample iterator, about ten
/// times faster. `None` for anything else (the iterator path handles it).
fn read_bulk(path: &Path, channels: usize) -> Result<Option<Vec<Vec<f32>>>, RenderError> {
    use std::io::Read;
    let name = path.display();
    let input = |e: &dyn std::fmt::Display| RenderError::Input(format!("{name}: {e}"));
    let Some(bytes) = container_bytes(path, channels) else {
        return Ok(None);
    };
    let reader = hound::WavReader::open(path).map_err(|e| input(&e))?;
    let spec = reader.spec();
    let kind = match (spec.sample_format, spec.bits_per_sample, bytes) {
        (hound::SampleFormat::Float, 32, 4) => 0,
        (hound::SampleFormat::Int, 16, 2) => 1,
        (hound::SampleFormat::Int, 24, 3) => 2,
        (hound::SampleFormat::Int, 32, 4) => 3,
        _ => return Ok(None),
    };
    let data_len = reader.len() as usize * bytes;
    // hound has read the header: the reader stands at the first sample.
    let mut file = reader.into_inner();
    let frame_bytes = bytes * channels;
    let frames = data_len / frame_bytes;
    let mut data = vec![0u8; frames * frame_bytes];
    file.read_exact(&mut data)
        .map_err(|e| input(&format!("the audio data is cut short ({e})")))?;
    let scale = |bits: u32| 1.0 / (1u64 << (bits - 1)) as f64;
    let convert = |b: &[u8]| -> f32 {
        match kind {
            0 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            1 => (f64::from(i16::from_le_bytes([b[0], b[1]])) * scale(16)) as f32,
            2 => {
                let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                (f64::from(v) * scale(24)) as f32
            }
            _ => (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) * scale(32)) as f32,
        }
    };
    let mut planar = vec![Vec::with_capacity(frames); channels];
    for frame in data.chunks_exact(frame_bytes) {
        for (channel, sample) in planar.iter_mut().zip(frame.chunks_exact(bytes)) {
            channel.push(convert(sample));
        }
    }
    Ok(Some(planar))
}

/// Bytes per sample of the file's sample container (`block_align / channels` of its
/// `fmt ` chunk), read from the RIFF header; `None` if it cannot be found.
fn container_bytes(path: &Path, channels: usize) -> Option<usize> {
    use std::io::Read;
    let mut head = Vec::new();
    fs::File::open(path)
        .ok()?
        .take(1 << 16)
        .read_to_end(&mut head)
        .ok()?;
    let mut at = 12; // "RIFF", size, "WAVE"
    while at + 8 <= head.len() {
        let id = &head[at..at + 4];
        let size = u32::from_le_bytes(head[at + 4..at + 8].try_into().ok()?) as usize;
        if id == b"fmt " {
            let body = head.get(at + 8..at + 8 + 16)?;
            let block_align = u16::from_le_bytes([body[12], body[13]]) as usize;
            return (channels > 0 && block_align.is_multiple_of(channels))
                .then_some(block_align / channels);
        }
        at += 8 + size + (size & 1);
    }
    None
}

/// True when `a` and `b` name the same existing file (also through links).
pub fn same_file(a: &Path, b: &Path) -> bool {
    // Device and inode on Unix, volume serial number and file index on Windows.
    same_file::is_same_file(a, b).unwrap_or(false)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// hound's own sample iterator, the reference for the bulk reader.
    fn read_by_iterator(path: &Path) -> Vec<Vec<f32>> {
        let reader = hound::WavReader::open(path).unwrap();
        let spec = reader.spec();
        let ch = spec.channels as usize;
        let values: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => {
                reader.into_samples::<f32>().map(Result::unwrap).collect()
            }
            hound::SampleFormat::Int => {
                let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f64;
                reader
                    .into_samples::<i32>()
                    .map(|v| (v.unwrap() as f64 * scale) as f32)
                    .collect()
            }
        };
        (0..ch)
            .map(|c| values.iter().skip(c).step_by(ch).copied().collect())
            .collect()
    }

    #[test]
    fn the_bulk_reader_reads_what_hounds_iterator_reads() {
        let dir = tempfile::tempdir().unwrap();
        for (bits, float, channels) in [
            (16u16, false, 2u16),
            (24, false, 1),
            (24, false, 2),
            (32, false, 2),
            (32, true, 2),
        ] {
            let path = dir.path().join(format!("{bits}-{float}-{channels}.wav"));
            let spec = hound::WavSpec {
                channels,
                sample_rate: 44_100,
                bits_per_sample: bits,
                sample_format: if float {
                    hound::SampleFormat::Float
                } else {
                    hound::SampleFormat::Int
                },
            };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            let full = (1i64 << (bits - 1)) as f64;
            for n in 0..2_501 * i64::from(channels) {
                let x = ((n * 7919) % 2001 - 1000) as f64 / 1000.0;
                if float {
                    w.write_sample(x as f32).unwrap();
                } else {
                    let v = (x * full).clamp(-full, full - 1.0) as i32;
                    match bits {
                        16 => w.write_sample(v as i16).unwrap(),
                        _ => w.write_sample(v).unwrap(),
                    }
                }
            }
            w.finalize().unwrap();
            let bulk = read_bulk(&path, channels as usize)
                .unwrap()
                .expect("bulk path taken");
            let reference = read_by_iterator(&path);
            assert_eq!(bulk.len(), reference.len());
            for (b, r) in bulk.iter().zip(&reference) {
                assert_eq!(b.len(), r.len(), "{bits} bit");
                assert!(
                    b.iter().zip(r).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{bits} bit"
                );
            }
        }
    }
}
