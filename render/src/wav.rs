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

use super::{Audio, RenderError, Source, MAX_RATE_HZ, MIN_RATE_HZ};

/// Sample format of the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// 32-bit IEEE float (the default: no quantisation, overs preserved).
    Float32,
    /// 24-bit integer (rounded, clipped at full scale).
    Int24,
}

/// Reads a whole WAV file into memory: 16/24/32-bit integer or 32-bit float, mono or
/// stereo, [`MIN_RATE_HZ`] … [`MAX_RATE_HZ`]. A render reads a chunk at a time instead
/// ([`open`]).
pub fn read(path: &Path) -> Result<Audio, RenderError> {
    let mut source = open(path)?;
    let channels = source.channel_count();
    let mut audio = Audio {
        sample_rate: source.sample_rate(),
        // Grown as the data arrives: a header can claim more than the file holds.
        channels: vec![Vec::new(); channels],
    };
    let mut chunk = vec![Vec::new(); channels];
    while source.read_chunk(&mut chunk, CHUNK_FRAMES)? > 0 {
        for (all, part) in audio.channels.iter_mut().zip(&chunk) {
            all.extend_from_slice(part);
        }
    }
    Ok(audio)
}

/// Frames per chunk that [`read`] asks for (and a render streams), about 1.4 s at 48 kHz.
pub const CHUNK_FRAMES: usize = 1 << 16;

/// Where the samples come from and how they are decoded.
enum Decoder {
    /// The common formats in containers of their own size, read as bytes and converted in
    /// one pass (hound parsed the header; about ten times faster than its iterator, the
    /// same values).
    Bytes {
        file: std::io::BufReader<fs::File>,
        /// Bytes per sample.
        bytes: usize,
        /// Bits per sample (integer), or 0 for 32-bit float.
        int_bits: u32,
        /// Reused buffer for a chunk's bytes.
        buffer: Vec<u8>,
    },
    /// Anything else hound reads as integer of `int_bits`, through its sample iterator.
    Int {
        reader: hound::WavReader<std::io::BufReader<fs::File>>,
        int_bits: u32,
    },
    /// Anything else hound reads as 32-bit float.
    Float {
        reader: hound::WavReader<std::io::BufReader<fs::File>>,
    },
}

/// A WAV file being read a chunk at a time ([`Source`]); see [`open`].
pub struct WavSource {
    name: String,
    decoder: Decoder,
    sample_rate: u32,
    channels: usize,
    frames: usize,
    position: usize,
}

/// Opens a WAV file for reading a chunk at a time: 16/24/32-bit integer or 32-bit float,
/// mono or stereo, [`MIN_RATE_HZ`] … [`MAX_RATE_HZ`]; anything else gets a one-line error.
pub fn open(path: &Path) -> Result<WavSource, RenderError> {
    let name = path.display().to_string();
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
    let frames = reader.len() as usize / channels;
    let bits = u32::from(spec.bits_per_sample);
    let float = spec.sample_format == hound::SampleFormat::Float;
    let container = container_bytes(path, channels);
    let decoder = match (float, bits) {
        (true, 32) | (false, 16 | 24 | 32) if container == Some(bits as usize / 8) => {
            Decoder::Bytes {
                // hound has read the header: the reader stands at the first sample.
                file: reader.into_inner(),
                bytes: bits as usize / 8,
                int_bits: if float { 0 } else { bits },
                buffer: Vec::new(),
            }
        }
        (true, 32) => Decoder::Float { reader },
        (false, 16 | 24 | 32) => Decoder::Int {
            reader,
            int_bits: bits,
        },
        _ => {
            let kind = if float { "float" } else { "integer" };
            return Err(RenderError::Input(format!(
                "{name}: {bits}-bit {kind} WAV is not supported (use 16/24/32-bit integer or 32-bit float)"
            )));
        }
    };
    Ok(WavSource {
        name,
        decoder,
        sample_rate: spec.sample_rate,
        channels,
        frames,
        position: 0,
    })
}

impl Source for WavSource {
    fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    fn channel_count(&self) -> usize {
        self.channels
    }

    fn frames(&self) -> usize {
        self.frames
    }

    fn read_chunk(
        &mut self,
        out: &mut [Vec<f32>],
        max_frames: usize,
    ) -> Result<usize, RenderError> {
        use std::io::Read;
        let frames = max_frames.min(self.frames - self.position);
        for channel in out.iter_mut() {
            channel.clear();
        }
        if frames == 0 {
            return Ok(0);
        }
        let name = &self.name;
        let input = |e: &dyn std::fmt::Display| RenderError::Input(format!("{name}: {e}"));
        let scale = |bits: u32| 1.0 / (1u64 << (bits - 1)) as f64;
        match &mut self.decoder {
            Decoder::Bytes {
                file,
                bytes,
                int_bits,
                buffer,
            } => {
                let (bytes, int_bits) = (*bytes, *int_bits);
                let frame_bytes = bytes * self.channels;
                buffer.resize(frames * frame_bytes, 0);
                file.read_exact(buffer)
                    .map_err(|e| input(&format!("the audio data is cut short ({e})")))?;
                let convert = |b: &[u8]| -> f32 {
                    match (bytes, int_bits) {
                        (4, 0) => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                        (2, _) => (f64::from(i16::from_le_bytes([b[0], b[1]])) * scale(16)) as f32,
                        (3, _) => {
                            let v = i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8;
                            (f64::from(v) * scale(24)) as f32
                        }
                        _ => {
                            (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) * scale(32))
                                as f32
                        }
                    }
                };
                for frame in buffer.chunks_exact(frame_bytes) {
                    for (channel, sample) in out.iter_mut().zip(frame.chunks_exact(bytes)) {
                        channel.push(convert(sample));
                    }
                }
            }
            Decoder::Int { reader, int_bits } => {
                let scale = scale(*int_bits);
                read_samples(
                    reader,
                    frames,
                    out,
                    |v: i32| (f64::from(v) * scale) as f32,
                    input,
                )?;
            }
            Decoder::Float { reader } => read_samples(reader, frames, out, |v: f32| v, input)?,
        }
        self.position += frames;
        Ok(frames)
    }
}

/// Reads `frames` frames through hound's sample iterator into `out` (one `Vec` per
/// channel), each sample converted by `convert`; `error` words a failure.
fn read_samples<S: hound::Sample>(
    reader: &mut hound::WavReader<std::io::BufReader<fs::File>>,
    frames: usize,
    out: &mut [Vec<f32>],
    convert: impl Fn(S) -> f32,
    error: impl Fn(&dyn std::fmt::Display) -> RenderError,
) -> Result<(), RenderError> {
    let mut samples = reader.samples::<S>();
    for _ in 0..frames {
        for channel in out.iter_mut() {
            let v = samples
                .next()
                .ok_or_else(|| error(&"the audio data is cut short"))?
                .map_err(|e| error(&e))?;
            channel.push(convert(v));
        }
    }
    Ok(())
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
    let mut writer =
        SafeWriter::create(path, audio.sample_rate, audio.channels.len(), format, input)?;
    let mut start = 0;
    while start < audio.frames() {
        if cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        let end = (start + CHUNK_FRAMES).min(audio.frames());
        let part: Vec<&[f32]> = audio.channels.iter().map(|c| &c[start..end]).collect();
        writer.write(&part)?;
        start = end;
    }
    writer.finish(cancel)
}

/// A WAV file being written a chunk at a time into a temporary file beside `path`, renamed
/// over `path` by [`SafeWriter::finish`]; dropped unfinished (an error, Ctrl-C), the
/// temporary file is removed and `path` is untouched.
pub struct SafeWriter {
    path: PathBuf,
    temp: TempFile,
    writer: hound::WavWriter<BufWriter<fs::File>>,
    format: OutputFormat,
}

impl SafeWriter {
    /// Starts writing `channels` channels at `sample_rate` Hz for `path`. `input` (if any)
    /// must not be the same file.
    pub fn create(
        path: &Path,
        sample_rate: u32,
        channels: usize,
        format: OutputFormat,
        input: Option<&Path>,
    ) -> Result<Self, RenderError> {
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
        let temp = TempFile {
            path: dir.join(format!(
                ".{}.render-{}.tmp",
                file_name.to_string_lossy(),
                std::process::id()
            )),
            keep: false,
        };
        let spec = hound::WavSpec {
            channels: channels as u16,
            sample_rate,
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
        let file = fs::File::create(&temp.path).map_err(|e| write_error(path, &e))?;
        let writer =
            hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| write_error(path, &e))?;
        Ok(Self {
            path: path.to_path_buf(),
            temp,
            writer,
            format,
        })
    }

    /// Appends frames: one slice per channel, all the same length.
    pub fn write(&mut self, channels: &[&[f32]]) -> Result<(), RenderError> {
        let frames = channels.first().map_or(0, |c| c.len());
        for n in 0..frames {
            for channel in channels {
                let x = channel[n];
                match self.format {
                    OutputFormat::Float32 => self.writer.write_sample(x),
                    OutputFormat::Int24 => {
                        let full_scale = (1 << 23) as f32;
                        let v = (x * full_scale)
                            .round()
                            .clamp(-full_scale, full_scale - 1.0)
                            as i32;
                        self.writer.write_sample(v)
                    }
                }
                .map_err(|e| write_error(&self.path, &e))?;
            }
        }
        Ok(())
    }

    /// Completes the file and renames it over the destination, unless `cancel` is set.
    pub fn finish(self, cancel: &AtomicBool) -> Result<(), RenderError> {
        let Self {
            path,
            mut temp,
            writer,
            ..
        } = self;
        writer.finalize().map_err(|e| write_error(&path, &e))?;
        if cancel.load(Ordering::Relaxed) {
            return Err(RenderError::Cancelled);
        }
        fs::rename(&temp.path, &path).map_err(|e| write_error(&path, &e))?;
        temp.keep = true;
        Ok(())
    }
}

fn write_error(path: &Path, e: &dyn std::fmt::Display) -> RenderError {
    RenderError::Output(format!("cannot write {}: {e}", path.display()))
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
    fn both_decoders_read_in_chunks_what_hounds_iterator_reads() {
        let dir = tempfile::tempdir().unwrap();
        // (bits, float, channels, bytes per sample in the file, the bulk path expected)
        for (bits, float, channels, container, bulk_path) in [
            (16u16, false, 2u16, 2u16, true),
            (24, false, 1, 3, true),
            (24, false, 2, 3, true),
            (32, false, 2, 4, true),
            (32, true, 2, 4, true),
            // 24 bits in 4-byte containers (WAVE_FORMAT_EXTENSIBLE): hound's iterator.
            (24, false, 2, 4, false),
            (24, false, 1, 4, false),
        ] {
            let case = format!("{bits} bit in {container} bytes, {channels} ch");
            let path = dir
                .path()
                .join(format!("{bits}-{float}-{channels}-{container}.wav"));
            let spec = hound::WavSpecEx {
                spec: hound::WavSpec {
                    channels,
                    sample_rate: 44_100,
                    bits_per_sample: bits,
                    sample_format: if float {
                        hound::SampleFormat::Float
                    } else {
                        hound::SampleFormat::Int
                    },
                },
                bytes_per_sample: container,
            };
            let file = std::io::BufWriter::new(fs::File::create(&path).unwrap());
            let mut w = hound::WavWriter::new_with_spec_ex(file, spec).unwrap();
            let full = (1i64 << (bits - 1)) as f64;
            for n in 0..2_501 * i64::from(channels) {
                let x = ((n * 7919) % 2001 - 1000) as f64 / 1000.0;
                if float {
                    w.write_sample(x as f32).unwrap();
                } else {
                    let v = (x * full).clamp(-full, full - 1.0) as i32;
                    if container == 2 {
                        w.write_sample(v as i16).unwrap();
                    } else {
                        w.write_sample(v).unwrap();
                    }
                }
            }
            w.finalize().unwrap();
            let mut source = open(&path).unwrap();
            assert_eq!(
                matches!(source.decoder, Decoder::Bytes { .. }),
                bulk_path,
                "{case}"
            );
            // Read in odd-sized chunks, so that chunk edges fall mid-way.
            let mut read = vec![Vec::new(); channels as usize];
            let mut chunk = vec![Vec::new(); channels as usize];
            while source.read_chunk(&mut chunk, 777).unwrap() > 0 {
                for (all, part) in read.iter_mut().zip(&chunk) {
                    all.extend_from_slice(part);
                }
            }
            let reference = read_by_iterator(&path);
            assert_eq!(read.len(), reference.len());
            for (b, r) in read.iter().zip(&reference) {
                assert_eq!(b.len(), 2_501, "{case}");
                assert_eq!(b.len(), r.len(), "{case}");
                assert!(
                    b.iter().zip(r).all(|(x, y)| x.to_bits() == y.to_bits()),
                    "{case}"
                );
            }
        }
    }
}
