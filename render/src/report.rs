//! The render report: what the renderer measured, for people and for scripts.

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::analysis::{CheckReport, Levels};
use super::process::RenderStats;

/// Everything `render` reports about one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Input file (or "demo").
    pub input: String,
    /// Output file.
    pub output: String,
    /// Sample rate, in Hz.
    pub sample_rate_hz: u32,
    /// Channels (1 or 2).
    pub channels: usize,
    /// Duration, in seconds.
    pub duration_s: f64,
    /// Input levels.
    pub input_levels: Levels,
    /// Output levels.
    pub output_levels: Levels,
    /// Largest gain reduction, in dB.
    pub max_gain_reduction_db: f32,
    /// Mean per-block largest reduction over the blocks that were limiting, in dB.
    pub mean_gain_reduction_db: f32,
    /// Time spent limiting (blocks reducing by 0.1 dB or more), in seconds.
    pub limiting_s: f64,
    /// Latency compensated, in samples.
    pub latency_samples: usize,
    /// Block length used, in samples.
    pub block: usize,
    /// Processing speed (DSP only) as a multiple of real time.
    pub realtime_factor: f64,
    /// Wall time of the whole run including WAV I/O and analysis, in seconds.
    pub wall_s: f64,
}

impl Report {
    /// Builds the report from its parts.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        input: &str,
        output: &str,
        sample_rate_hz: u32,
        channels: usize,
        duration_s: f64,
        input_levels: Levels,
        output_levels: Levels,
        stats: &RenderStats,
        block: usize,
        wall_s: f64,
    ) -> Self {
        Self {
            input: input.to_owned(),
            output: output.to_owned(),
            sample_rate_hz,
            channels,
            duration_s,
            input_levels,
            output_levels,
            max_gain_reduction_db: stats.max_reduction_db,
            mean_gain_reduction_db: stats.mean_reduction_db,
            limiting_s: stats.limiting_s,
            latency_samples: stats.latency_samples,
            block,
            realtime_factor: if stats.processing_s > 0.0 {
                duration_s / stats.processing_s
            } else {
                f64::INFINITY
            },
            wall_s,
        }
    }
}

/// A level in dB with one decimal, "-inf" for silence.
fn db(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.1}")
    } else {
        "-inf".to_owned()
    }
}

fn per_channel(values: &[f64], unit: &str) -> String {
    let parts: Vec<String> = values.iter().map(|v| db(*v)).collect();
    format!("{} {unit}", parts.join(" / "))
}

fn lufs(value: Option<f64>) -> String {
    value.map_or("n/a".to_owned(), |l| format!("{l:.1} LUFS"))
}

fn levels_line(out: &mut String, name: &str, levels: &Levels) -> fmt::Result {
    writeln!(
        out,
        "{name:<8} sample peak {:<22} true peak {:<22} loudness {} (max momentary {}, \
         max short-term {})",
        per_channel(&levels.sample_peak_dbfs, "dBFS"),
        per_channel(&levels.true_peak_dbtp, "dBTP"),
        levels
            .integrated_lufs
            .map_or("n/a (too short or silent)".to_owned(), |l| format!(
                "{l:.1} LUFS"
            )),
        lufs(levels.momentary_max_lufs),
        lufs(levels.short_term_max_lufs),
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        writeln!(out, "{} -> {}", self.input, self.output)?;
        writeln!(
            out,
            "{} Hz, {} channel{}, {:.2} s",
            self.sample_rate_hz,
            self.channels,
            if self.channels == 1 { "" } else { "s" },
            self.duration_s
        )?;
        levels_line(&mut out, "input", &self.input_levels)?;
        levels_line(&mut out, "output", &self.output_levels)?;
        writeln!(
            out,
            "limiter  max reduction {:.1} dB, mean {:.1} dB while limiting, limiting {:.2} s ({:.1} %)",
            self.max_gain_reduction_db,
            self.mean_gain_reduction_db,
            self.limiting_s,
            100.0 * self.limiting_s / self.duration_s.max(1e-9)
        )?;
        writeln!(
            out,
            "latency  {} samples compensated ({:.2} ms); block {}",
            self.latency_samples,
            1000.0 * self.latency_samples as f64 / self.sample_rate_hz as f64,
            self.block
        )?;
        write!(
            out,
            "speed    {:.0}x real time (processing), {:.2} s wall time in all",
            self.realtime_factor, self.wall_s
        )?;
        f.write_str(&out)
    }
}

impl fmt::Display for CheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pass {
            write!(
                f,
                "PASS: true peak {} dBTP never exceeds the ceiling {} dBTP",
                db(self.max_true_peak_dbtp),
                db(self.ceiling_dbtp)
            )
        } else {
            writeln!(
                f,
                "FAIL: true peak {} dBTP exceeds the ceiling {} dBTP in {} window(s) of 10 ms; worst:",
                db(self.max_true_peak_dbtp),
                db(self.ceiling_dbtp),
                self.over_windows
            )?;
            for (i, over) in self.worst.iter().enumerate() {
                let minutes = (over.time_s / 60.0).floor();
                let seconds = over.time_s - 60.0 * minutes;
                let channel = ["L", "R"].get(over.channel).unwrap_or(&"?");
                write!(
                    f,
                    "  {:>2}. {:02}:{:06.3}  {channel}  {} dBTP",
                    i + 1,
                    minutes as u64,
                    seconds,
                    db(over.true_peak_dbtp)
                )?;
                if i + 1 < self.worst.len() {
                    writeln!(f)?;
                }
            }
            Ok(())
        }
    }
}
