//! `render`: Headphone Monitor without a DAW.
//!
//! ```text
//! render INPUT.wav OUTPUT.wav [--gain-db X] [--mode stereo|mono|side|left|right] [--swap]
//!        [--no-limiter] [--ceiling-db X] [--release-ms X] [--latency exact|low|zero] [--bypass]
//!        [--crossfeed default|chu-moy|jan-meier|custom] [--crossfeed-cutoff-hz F]
//!        [--crossfeed-feed-db X] [--test-signal off|pink|sine-1k|channel-check]
//!        [--full-scale-spl X] [--spl-ceiling X] [--protect X] [--allowance 80|75]
//!        [--week-dose-percent P] [--no-monitor-only] [--as-export]
//!        [--correction EQ.txt [--correction-level-match]]
//!        [--dim [--dim-db X]] [--mute] [--invert-left] [--invert-right]
//!        [--trim-left-db X] [--trim-right-db X] [--bass-mono [--bass-mono-hz F]]
//!        [--block N] [--bits 32|24] [--json]
//! render --check INPUT.wav [--ceiling-db X] [--json]
//! render --correction-response EQ.txt [--rate HZ] [--json]
//! render --demo OUTPUT.wav
//! ```
//!
//! Exit codes: 0 success (or `--check` passed), 1 `--check` found overs, 2 error,
//! 130 interrupted. Errors are one line on stderr; no output file is left behind.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use clap::{ArgGroup, Parser};
use headphone_monitor_core::correction_file::LoadedCorrection;
use headphone_monitor_core::dsp::crossfeed::Preset;
use headphone_monitor_core::dsp::listening::dose::Criterion;
use headphone_monitor_core::dsp::listening::generator::Kind;
use headphone_monitor_core::dsp::{ControllerSettings, Settings};
use headphone_monitor_core::dsp::{
    CorrectionSettings, CrossfeedSettings, LatencyMode, MonitorMode, Named,
};
use headphone_monitor_core::monitor::Controls;
use headphone_monitor_core::params::{self as table, Float};
use headphone_monitor_core::settings_file;
use headphone_monitor_render::{
    analysis, demo, process, report::Report, response, wav, wav::OutputFormat, RenderError, Source,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A choice flag parsed by the type's stable identifiers (`-` or `_` alike), the same
/// identifiers the plug-in saves in sessions.
fn named<T: Named>(text: &str) -> Result<T, String> {
    T::from_id(text).ok_or_else(|| {
        let ids: Vec<String> = T::IDS.iter().map(|id| id.replace('_', "-")).collect();
        format!("'{text}' is not one of {}", ids.join(", "))
    })
}

/// The help heading, and the group, of every flag that sets what a settings file sets
/// (a parameter or the calibration): `--state` excludes them all.
const PARAMETERS: &str = "Parameters (or --state FILE)";

/// Renders a WAV file through Headphone Monitor's DSP (the plugin's own code),
/// latency-compensated, and reports levels, loudness and limiting.
#[derive(Debug, Parser)]
#[command(name = "render", version, about, long_about = None)]
#[command(group(ArgGroup::new("parameters").multiple(true)))]
struct Cli {
    /// Input WAV (16/24/32-bit integer or 32-bit float, mono or stereo, 8–384 kHz).
    /// With --demo: the output file.
    input: Option<PathBuf>,
    /// Output WAV (32-bit float unless --bits 24); never the input file.
    output: Option<PathBuf>,
    /// Only check INPUT against the ceiling (true peak, BS.1770-4); writes nothing.
    /// Exit code 0 = pass, 1 = overs found.
    #[arg(long)]
    check: bool,
    /// Render the built-in demonstration programme to the one file given.
    #[arg(long)]
    demo: bool,
    /// Output gain in dB (−60 … +12; below −60 is silence).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::GAIN.default, allow_negative_numbers = true)]
    gain_db: f32,
    /// Monitor mode.
    #[arg(long, help_heading = PARAMETERS, group = "parameters", value_parser = named::<MonitorMode>, default_value = "stereo")]
    mode: MonitorMode,
    /// Swap left and right (after the mode).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    swap: bool,
    /// Switch the limiter off (unsafe for listening; for comparisons).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    no_limiter: bool,
    /// Limiter ceiling in dBTP (−24 … 0).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::CEILING.default, allow_negative_numbers = true)]
    ceiling_db: f32,
    /// Limiter release in ms (10 … 1000).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::RELEASE.default)]
    release_ms: f32,
    /// The limiter's latency: exact (true peak at or under the ceiling; 5.5 ms at 48 kHz,
    /// compensated here), low (true peak at or under the ceiling; 1.5 ms) or zero (no
    /// delay; the sample peak at or under the ceiling).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", value_parser = named::<LatencyMode>, default_value = "exact")]
    latency: LatencyMode,
    /// Host bypass (the input, delayed by the latency and then aligned again).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    bypass: bool,
    /// Crossfeed preset (off unless given): default (700 Hz, 4.5 dB), chu-moy (700 Hz,
    /// 6 dB), jan-meier (650 Hz, 9.5 dB), or custom (--crossfeed-cutoff-hz, --crossfeed-feed-db).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", value_parser = named::<Preset>)]
    crossfeed: Option<Preset>,
    /// Custom crossfeed cut-off in Hz.
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::CROSSFEED_CUTOFF.default)]
    crossfeed_cutoff_hz: f32,
    /// Custom crossfeed level (cross path below the direct path) in dB.
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::CROSSFEED_FEED.default)]
    crossfeed_feed_db: f32,
    /// Test signal replacing the programme.
    #[arg(long, help_heading = PARAMETERS, group = "parameters", value_parser = named::<Kind>, default_value = "off")]
    test_signal: Kind,
    /// Calibration: the SPL a full-scale sine makes at the ear, in dB SPL.
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    full_scale_spl: Option<f64>,
    /// Cap the peak level at the ear at this many dB SPL (needs --full-scale-spl).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    spl_ceiling: Option<f32>,
    /// Lower the level by this many dB (3 … 20) once the weekly allowance is used up
    /// (needs --full-scale-spl).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    protect: Option<f32>,
    /// The weekly allowance: 80 (80 dB(A) for 40 h) or 75 (75 dB(A) for 40 h).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = 80)]
    allowance: u8,
    /// How much of the weekly allowance is already used when the render starts, in %.
    #[arg(long, default_value_t = 0.0)]
    week_dose_percent: f64,
    /// Switch "Monitor only" off (it only matters with --as-export).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    no_monitor_only: bool,
    /// Run as a host's export does (offline, at full speed): with "Monitor only" on, the
    /// audio passes through unchanged after the render guard's 1 s check.
    #[arg(long)]
    as_export: bool,
    /// A settings file the editor's "Export…" wrote (every parameter and the calibration):
    /// renders what that instance did. The parameter flags are not allowed with it; the
    /// circumstances (--week-dose-percent, --as-export) and the file options are.
    #[arg(long, conflicts_with = "parameters")]
    state: Option<PathBuf>,
    /// Headphone correction: an EqualizerAPO / AutoEq parametric EQ file, applied exactly
    /// (preamp included, no level match unless --correction-level-match).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", value_name = "FILE")]
    correction: Option<PathBuf>,
    /// Add the correction's loudness match (pink noise as loud corrected as not).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    correction_level_match: bool,
    /// Dim the output by --dim-db (before the limiter).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    dim: bool,
    /// Dim amount in dB (−40 … 0).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::DIM.default, allow_negative_numbers = true)]
    dim_db: f32,
    /// Mute (exact silence; with --as-export and "Monitor only" the export still passes).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    mute: bool,
    /// Invert the polarity of the input's left channel (before the mode).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    invert_left: bool,
    /// Invert the polarity of the input's right channel (before the mode).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    invert_right: bool,
    /// Left-ear trim in dB (−12 … 12).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::TRIM.default, allow_negative_numbers = true)]
    trim_left_db: f32,
    /// Right-ear trim in dB (−12 … 12).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::TRIM.default, allow_negative_numbers = true)]
    trim_right_db: f32,
    /// Mono below --bass-mono-hz (the side high-passed, the mid untouched).
    #[arg(long, help_heading = PARAMETERS, group = "parameters")]
    bass_mono: bool,
    /// The bass-mono crossover in Hz (20 … 500).
    #[arg(long, help_heading = PARAMETERS, group = "parameters", default_value_t = table::BASS_MONO_CROSSOVER.default)]
    bass_mono_hz: f32,
    /// Print the response of an EQ file per ear (frequency, dB) and its figures; writes
    /// nothing.
    #[arg(long, value_name = "FILE")]
    correction_response: Option<PathBuf>,
    /// The sample rate the response is designed at, in Hz (with --correction-response).
    #[arg(long)]
    rate: Option<f32>,
    /// Host-like block length in samples (1 … 65536).
    #[arg(long, default_value_t = process::DEFAULT_BLOCK)]
    block: usize,
    /// Output sample format: 32 (float) or 24 (integer).
    #[arg(long, default_value_t = 32)]
    bits: u8,
    /// Print the report as JSON on stdout.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

/// A usage problem: one line, exit code 2.
fn usage(message: impl Into<String>) -> RenderError {
    RenderError::Input(message.into())
}

impl Cli {
    fn settings(&self) -> Result<Settings, RenderError> {
        Ok(self.setup()?.controls.chain)
    }

    /// Every flag (or the --state file) as the plug-in's controls and circumstances.
    fn setup(&self) -> Result<process::Setup, RenderError> {
        if let Some(path) = &self.state {
            // (Parameter flags next to --state are refused by the argument parser.)
            let text = std::fs::read_to_string(path)
                .map_err(|e| RenderError::Input(format!("cannot read {}: {e}", path.display())))?;
            let controls = settings_file::read(&text)
                .map_err(|e| RenderError::Input(format!("{}: {e}", path.display())))?
                .controls();
            let percent = self.week_dose_percent;
            if !(percent.is_finite() && percent >= 0.0) {
                return Err(usage(format!(
                    "--week-dose-percent {percent} must be 0 or more"
                )));
            }
            return Ok(process::Setup {
                controls,
                week_exposure_pa2h: controls.criterion.allowance_pa2h() * percent / 100.0,
                as_export: self.as_export,
            });
        }
        let in_range = |name: &str, value: f32, range: Float| {
            range.check(value).ok_or_else(|| {
                usage(format!(
                    "--{name} {value} is outside {} … {}",
                    range.min, range.max
                ))
            })
        };
        let crossfeed = match self.crossfeed {
            None => CrossfeedSettings::default(),
            Some(preset) => {
                let (cutoff_hz, feed_db) = preset.resolve(
                    in_range(
                        "crossfeed-cutoff-hz",
                        self.crossfeed_cutoff_hz,
                        table::CROSSFEED_CUTOFF,
                    )?,
                    in_range(
                        "crossfeed-feed-db",
                        self.crossfeed_feed_db,
                        table::CROSSFEED_FEED,
                    )?,
                );
                CrossfeedSettings {
                    on: true,
                    cutoff_hz,
                    feed_db,
                }
            }
        };
        let chain = Settings {
            gain_db: in_range("gain-db", self.gain_db, table::GAIN)?,
            mode: self.mode,
            swap: self.swap,
            limiter_on: !self.no_limiter,
            ceiling_db: in_range("ceiling-db", self.ceiling_db, table::CEILING)?,
            release_ms: in_range("release-ms", self.release_ms, table::RELEASE)?,
            latency: self.latency,
            bypass: self.bypass,
            crossfeed,
            generator: self.test_signal,
            protect_db: 0.0,
            correction: self.correction_settings()?,
            controller: ControllerSettings {
                invert: [self.invert_left, self.invert_right],
                trim_db: [
                    in_range("trim-left-db", self.trim_left_db, table::TRIM)?,
                    in_range("trim-right-db", self.trim_right_db, table::TRIM)?,
                ],
                dim: self.dim,
                dim_db: in_range("dim-db", self.dim_db, table::DIM)?,
                mute: self.mute,
                bass_mono: self.bass_mono,
                bass_mono_hz: in_range(
                    "bass-mono-hz",
                    self.bass_mono_hz,
                    table::BASS_MONO_CROSSOVER,
                )?,
            },
        };
        let full_scale_spl = match self.full_scale_spl {
            Some(spl) if spl.is_finite() && (60.0..=160.0).contains(&spl) => Some(spl),
            Some(spl) => return Err(usage(format!("--full-scale-spl {spl} is outside 60 … 160"))),
            None => None,
        };
        if full_scale_spl.is_none() && (self.spl_ceiling.is_some() || self.protect.is_some()) {
            return Err(usage("--spl-ceiling and --protect need --full-scale-spl"));
        }
        let spl_ceiling_db = self
            .spl_ceiling
            .map(|v| in_range("spl-ceiling", v, table::SPL_CEILING))
            .transpose()?;
        let protect_db = self
            .protect
            .map(|v| in_range("protect", v, table::PROTECT))
            .transpose()?;
        let criterion = match self.allowance {
            80 => Criterion::Standard80,
            75 => Criterion::Sensitive75,
            other => return Err(usage(format!("--allowance {other}: use 80 or 75"))),
        };
        let percent = self.week_dose_percent;
        if !(percent.is_finite() && percent >= 0.0) {
            return Err(usage(format!(
                "--week-dose-percent {percent} must be 0 or more"
            )));
        }
        Ok(process::Setup {
            controls: Controls {
                chain,
                monitor_only: !self.no_monitor_only,
                full_scale_spl,
                spl_ceiling_db,
                protect_db,
                criterion,
            },
            week_exposure_pa2h: criterion.allowance_pa2h() * percent / 100.0,
            as_export: self.as_export,
        })
    }

    /// `--correction FILE [--correction-level-match]`.
    fn correction_settings(&self) -> Result<CorrectionSettings, RenderError> {
        match &self.correction {
            None if self.correction_level_match => {
                Err(usage("--correction-level-match needs --correction FILE"))
            }
            None => Ok(CorrectionSettings::default()),
            Some(path) => Ok(CorrectionSettings {
                on: true,
                level_match: self.correction_level_match,
                curve: read_correction(path)?.curve,
                prepared: None,
            }),
        }
    }

    fn format(&self) -> Result<OutputFormat, RenderError> {
        match self.bits {
            32 => Ok(OutputFormat::Float32),
            24 => Ok(OutputFormat::Int24),
            other => Err(usage(format!(
                "--bits {other}: use 32 (float) or 24 (integer)"
            ))),
        }
    }
}

fn progress_bar(quiet: bool, json: bool, total: usize) -> ProgressBar {
    if quiet || json {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {percent:>3}% {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

/// Renders `audio` to `output` and returns the report.
fn render_file(
    cli: &Cli,
    source: &mut dyn Source,
    input: Option<&Path>,
    output: &Path,
    label: &str,
    cancel: &AtomicBool,
    started: Instant,
) -> Result<Report, RenderError> {
    let setup = cli.setup()?;
    let format = cli.format()?;
    if !(1..=65_536).contains(&cli.block) {
        return Err(usage(format!("--block {} is outside 1 … 65536", cli.block)));
    }
    if let Some(input) = input {
        if wav::same_file(input, output) {
            return Err(RenderError::Output(format!(
                "refusing to write over the input file {}",
                output.display()
            )));
        }
    }
    let bar = progress_bar(cli.quiet, cli.json, source.frames());
    let (sample_rate, channels) = (source.sample_rate(), source.channel_count());
    let duration_s = source.frames() as f64 / f64::from(sample_rate);
    let (input_levels, output_levels, stats) = process::render_to_file(
        source,
        input,
        setup,
        cli.block,
        output,
        format,
        cancel,
        |done, _| bar.set_position(done as u64),
    )?;
    bar.finish_and_clear();
    Ok(Report::new(
        label,
        &output.display().to_string(),
        sample_rate,
        channels,
        duration_s,
        input_levels,
        output_levels,
        &stats,
        cli.block,
        started.elapsed().as_secs_f64(),
    ))
}

/// Prints a report on stdout, as text or as JSON.
fn print_report<R: std::fmt::Display + serde::Serialize>(report: &R, json: bool) {
    use std::io::Write;
    // A closed pipe (`render … | head`) ends the output quietly, never a panic.
    let mut out = std::io::stdout().lock();
    let _ = if json {
        writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        )
    } else {
        writeln!(out, "{report}")
    };
}

fn run(cli: &Cli, cancel: &AtomicBool) -> Result<ExitCode, RenderError> {
    let started = Instant::now();
    if let Some(path) = &cli.correction_response {
        if cli.input.is_some() || cli.check || cli.demo {
            return Err(usage(
                "--correction-response takes one EQ file and writes nothing",
            ));
        }
        let rate = cli.rate.unwrap_or(48_000.0);
        if !(rate.is_finite() && (8_000.0..=384_000.0).contains(&rate)) {
            return Err(usage(format!("--rate {rate} is outside 8000 … 384000")));
        }
        let loaded = read_correction(path)?;
        print_report(&response::Response::new(&loaded, rate), cli.json);
        return Ok(ExitCode::SUCCESS);
    }
    if cli.rate.is_some() {
        return Err(usage("--rate goes with --correction-response"));
    }
    if cli.check {
        if cli.demo || cli.output.is_some() {
            return Err(usage("--check takes one input file and writes nothing"));
        }
        let input = cli
            .input
            .as_deref()
            .ok_or_else(|| usage("--check needs an input file"))?;
        let ceiling = f64::from(cli.settings()?.ceiling_db);
        let report = analysis::check(&mut wav::open(input)?, ceiling)?;
        print_report(&report, cli.json);
        return Ok(if report.pass {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let report = if cli.demo {
        if cli.output.is_some() {
            return Err(usage("--demo takes one file: the output"));
        }
        let output = cli
            .input
            .as_deref()
            .ok_or_else(|| usage("--demo needs an output file"))?;
        let programme = demo::programme();
        render_file(
            cli,
            &mut programme.source(),
            None,
            output,
            "demo programme",
            cancel,
            started,
        )?
    } else {
        let (Some(input), Some(output)) = (cli.input.as_deref(), cli.output.as_deref()) else {
            return Err(usage(
                "need INPUT.wav and OUTPUT.wav (or --check INPUT.wav, or --demo OUTPUT.wav)",
            ));
        };
        render_file(
            cli,
            &mut wav::open(input)?,
            Some(input),
            output,
            &input.display().to_string(),
            cancel,
            started,
        )?
    };
    print_report(&report, cli.json);
    Ok(ExitCode::SUCCESS)
}

/// Reads a correction file; the reader's notes go to stderr, one line each.
fn read_correction(path: &std::path::Path) -> Result<LoadedCorrection, RenderError> {
    let loaded = LoadedCorrection::read(path).map_err(RenderError::Input)?;
    for note in &loaded.notes {
        eprintln!("render: note: {}: {note}", loaded.name);
    }
    Ok(loaded)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            eprintln!(
                "render: {} (see render --help)",
                first.trim_start_matches("error: ")
            );
            return ExitCode::from(2);
        }
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed));
    match run(&cli, &cancel) {
        Ok(code) => code,
        Err(RenderError::Cancelled) => {
            eprintln!("render: interrupted; no output written");
            ExitCode::from(130)
        }
        Err(e) => {
            eprintln!("render: error: {e}");
            ExitCode::from(2)
        }
    }
}
