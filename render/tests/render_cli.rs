//! The offline renderer: the same output as the plugin, every accepted format and
//! rate round-trips aligned and at full length, every rejected input gets a
//! one-line error and leaves no file, an existing output is replaced only on
//! success, `--check` gates on overs, `--json` parses, `--demo` works.

use test_support::{rng, strict};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use headphone_monitor_core::correction_file::{CorrectionField, LoadedCorrection, SavedCorrection};
use headphone_monitor_core::dsp::{db_to_gain, ControllerSettings, MonitorMode, Settings};
use headphone_monitor_render::{process, Audio};
use rng::Rng;
use strict::StrictTruePeak;
use test_support::clap_host::Host;

fn render(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_render"))
        .args(args.iter().map(|a| a.as_ref()))
        .arg("--quiet")
        .output()
        .expect("run render")
}

fn stderr_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_owned()
}

/// A test signal: a loud 997 Hz sine with noise on the left, a quieter 440 Hz on the right.
fn signal(rate: u32, frames: usize) -> Vec<Vec<f32>> {
    let mut rng = Rng(0x1357_9bdf);
    let w = |f: f32, n: usize| (2.0 * std::f32::consts::PI * f * n as f32 / rate as f32).sin();
    let left = (0..frames)
        .map(|n| 1.4 * w(997.0, n) + 0.2 * (rng.unit() - 0.5))
        .collect();
    let right = (0..frames).map(|n| 0.3 * w(440.0, n)).collect();
    vec![left, right]
}

fn write_wav(path: &Path, rate: u32, channels: &[Vec<f32>], bits: u16, float: bool) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..channels[0].len() {
        for c in channels {
            if float {
                w.write_sample(c[n]).unwrap();
            } else {
                let full = (1i64 << (bits - 1)) as f32;
                let v = (c[n] * full).round().clamp(-full, full - 1.0) as i32;
                match bits {
                    8 => w.write_sample(v as i8).unwrap(),
                    16 => w.write_sample(v as i16).unwrap(),
                    _ => w.write_sample(v).unwrap(),
                }
            }
        }
    }
    w.finalize().unwrap();
}

fn read_wav(path: &Path) -> (hound::WavSpec, Vec<Vec<f32>>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / full)
                .collect()
        }
    };
    let ch = spec.channels as usize;
    let channels = (0..ch)
        .map(|c| interleaved.iter().skip(c).step_by(ch).copied().collect())
        .collect();
    (spec, channels)
}

fn dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Files in `dir` (to see that nothing was left behind).
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn renderer_output_equals_the_clap_plugin_sample_for_sample() {
    // The plugin, with settings whose normalized values are exact; the renderer's library
    // path, same settings, same block size.
    let settings = Settings {
        ceiling_db: -3.0,
        swap: true,
        mode: MonitorMode::Side,
        ..Settings::default()
    };
    let (stats, latency) = assert_plugin_equals_renderer(
        "side, swap, -3 dBTP",
        &[("ceiling", "-3"), ("swap", "=1"), ("mode", "=0.5")],
        None,
        settings.into(),
    );
    assert_eq!(stats.latency_samples, latency);
    assert!(
        stats.max_reduction_db > 1.0,
        "the limiter should have worked"
    );
}

/// Gives the instance a measured calibration (0 dBFS sine = `spl` dB SPL) through its
/// saved state, with the older `full_scale_spl` copy too (ignored since the calibration is
/// saved once).
fn calibrate_host(host: &mut Host, spl: f64) {
    let state = host.save_state();
    let mut json: serde_json::Value =
        serde_json::from_str(test_support::clap_host::state_json(&state)).unwrap();
    let fields = json["fields"].as_object_mut().unwrap();
    fields.insert(
        "calibration".into(),
        serde_json::Value::String(format!("{{\"Measured\":{{\"full_scale_spl\":{spl}}}}}")),
    );
    fields.insert(
        "full_scale_spl".into(),
        serde_json::Value::String(format!("{spl}")),
    );
    host.load_state(&test_support::clap_host::make_state(&json.to_string()))
        .unwrap();
}

/// Activates the instance at `rate` and runs `input` through it in 512-sample blocks, with
/// the latency flushed: returns the output (latency samples longer) and the latency.
fn run_plugin(host: &mut Host, input: &[Vec<f32>], rate: u32) -> (Vec<Vec<f32>>, usize) {
    host.activate(rate as f64, 512);
    let latency = host.latency() as usize;
    let padded: Vec<Vec<f32>> = input
        .iter()
        .map(|c| {
            c.iter()
                .copied()
                .chain(std::iter::repeat_n(0.0, latency))
                .collect()
        })
        .collect();
    (host.process(&padded, 512, &[]), latency)
}

/// The plug-in through the CLAP host with `params` (normalized, or text when the value is
/// given as text) and an optional calibration, against the renderer's library path with
/// `controls`: bit for bit, after the latency. Returns the render's statistics and the
/// plug-in's reported latency.
fn assert_plugin_equals_renderer(
    case: &str,
    params: &[(&str, &str)],
    full_scale_spl: Option<f64>,
    controls: headphone_monitor_core::monitor::Controls,
) -> (process::RenderStats, usize) {
    let rate = 48_000u32;
    let input = signal(rate, 24_000);
    let mut host = Host::new();
    for (id, value) in params {
        let normalized = match value.strip_prefix('=') {
            Some(n) => n.parse::<f64>().unwrap(),
            None => host
                .text_to_value(id, value)
                .unwrap_or_else(|| panic!("{id} {value}")),
        };
        host.set_param(id, normalized);
    }
    if let Some(spl) = full_scale_spl {
        calibrate_host(&mut host, spl);
    }
    let (plugin, latency) = run_plugin(&mut host, &input, rate);
    let audio = Audio {
        sample_rate: rate,
        channels: input.clone(),
    };
    let (rendered, stats) =
        process::render(&audio, controls, 512, &AtomicBool::new(false), |_, _| {}).unwrap();
    let mut differs = false;
    for c in 0..2 {
        assert_eq!(rendered.channels[c].len(), input[c].len());
        for n in 0..input[c].len() {
            assert_eq!(
                rendered.channels[c][n].to_bits(),
                plugin[c][n + latency].to_bits(),
                "{case}: channel {c} sample {n}"
            );
            differs |= rendered.channels[c][n].to_bits() != input[c][n].to_bits();
        }
    }
    // Each case does something (so equality is not trivially the input twice)...
    assert!(
        differs || case == "bypass",
        "{case}: output equals the input"
    );
    (stats, latency)
}

#[test]
fn renderer_equals_the_clap_plugin_for_every_parameter() {
    // The calibrated cases count listening: keep it out of the user's history.
    let history = dir();
    std::env::set_var("HM_HISTORY_DIR", history.path());
    use headphone_monitor_core::dsp::crossfeed::Preset;
    use headphone_monitor_core::dsp::listening::generator::Kind;
    use headphone_monitor_core::dsp::CrossfeedSettings;
    use headphone_monitor_core::monitor::Controls;
    let base = Settings::default();
    let preset = |p: Preset, on| {
        let (cutoff_hz, feed_db) = p.cutoff_and_feed();
        CrossfeedSettings {
            on,
            cutoff_hz,
            feed_db,
        }
    };
    // (case, the plug-in's parameters, the renderer's settings)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Settings);
    let settings_cases: Vec<Case> = vec![
        (
            "gain, left, no limiter",
            vec![("gain", "-6"), ("mode", "=0.75"), ("limiter", "=0")],
            Settings {
                gain_db: -6.0,
                mode: MonitorMode::Left,
                limiter_on: false,
                ..base
            },
        ),
        (
            "mono, release, ceiling",
            vec![("mode", "=0.25"), ("release", "200"), ("ceiling", "-6")],
            Settings {
                mode: MonitorMode::Mono,
                release_ms: 200.0,
                ceiling_db: -6.0,
                ..base
            },
        ),
        (
            "right, swap",
            vec![("mode", "=1"), ("swap", "=1")],
            Settings {
                mode: MonitorMode::Right,
                swap: true,
                ..base
            },
        ),
        (
            "zero latency, hot",
            vec![("latency", "=1"), ("gain", "12")],
            Settings {
                latency: headphone_monitor_core::dsp::LatencyMode::Zero,
                gain_db: 12.0,
                ..base
            },
        ),
        (
            "low latency, hot",
            vec![("latency", "=0.5"), ("gain", "12")],
            Settings {
                latency: headphone_monitor_core::dsp::LatencyMode::Low,
                gain_db: 12.0,
                ..base
            },
        ),
        (
            "bypass",
            vec![("bypass", "=1")],
            Settings {
                bypass: true,
                ..base
            },
        ),
        (
            "crossfeed default",
            vec![("crossfeed", "=1")],
            Settings {
                crossfeed: preset(Preset::Default, true),
                ..base
            },
        ),
        (
            "crossfeed chu moy",
            vec![("crossfeed", "=1"), ("xf_preset", "=0.3333333333333333")],
            Settings {
                crossfeed: preset(Preset::ChuMoy, true),
                ..base
            },
        ),
        (
            "crossfeed jan meier",
            vec![("crossfeed", "=1"), ("xf_preset", "=0.6666666666666666")],
            Settings {
                crossfeed: preset(Preset::JanMeier, true),
                ..base
            },
        ),
        (
            "crossfeed custom",
            vec![
                ("crossfeed", "=1"),
                ("xf_preset", "=1"),
                ("xf_cutoff", "500"),
                ("xf_feed", "8"),
            ],
            Settings {
                crossfeed: CrossfeedSettings {
                    on: true,
                    cutoff_hz: 500.0,
                    feed_db: 8.0,
                },
                ..base
            },
        ),
        (
            "pink noise",
            vec![("generator", "=0.3333333333333333")],
            Settings {
                generator: Kind::PinkNoise,
                ..base
            },
        ),
        (
            "1 kHz sine",
            vec![("generator", "=0.6666666666666666")],
            Settings {
                generator: Kind::Sine1k,
                ..base
            },
        ),
        (
            "channel check",
            vec![("generator", "=1")],
            Settings {
                generator: Kind::ChannelCheck,
                ..base
            },
        ),
        (
            "monitor controller",
            vec![
                ("invert_l", "=1"),
                ("trim_l", "4.5"),
                ("trim_r", "-2"),
                ("dim", "=1"),
                ("dim_db", "-10"),
                ("bass_mono", "=1"),
                ("bass_mono_hz", "200"),
            ],
            Settings {
                controller: ControllerSettings {
                    invert: [true, false],
                    trim_db: [4.5, -2.0],
                    dim: true,
                    dim_db: -10.0,
                    mute: false,
                    bass_mono: true,
                    bass_mono_hz: 200.0,
                },
                ..base
            },
        ),
    ];
    for (case, params, settings) in settings_cases {
        assert_plugin_equals_renderer(case, &params, None, Controls::from(settings));
    }
    // The calibration with the SPL ceiling (a peak cap at the ear below the −1 dBTP ceiling).
    assert_plugin_equals_renderer(
        "calibrated, SPL ceiling",
        &[("spl_ceiling", "=1"), ("spl_ceiling_db", "100")],
        Some(110.0),
        Controls {
            full_scale_spl: Some(110.0),
            spl_ceiling_db: Some(100.0),
            ..Controls::default()
        },
    );
    // Protection switched on with the week not used up, and Monitor Only off: nothing
    // changes in playback (the engaged protection is tested through the monitor layer).
    assert_plugin_equals_renderer(
        "calibrated, protect armed, monitor only off",
        &[
            ("protect", "=1"),
            ("protect_db", "12"),
            ("monitor_only", "=0"),
            ("dose_criterion", "=1"),
        ],
        Some(90.0),
        Controls {
            monitor_only: false,
            full_scale_spl: Some(90.0),
            protect_db: Some(12.0),
            criterion: headphone_monitor_core::dsp::listening::dose::Criterion::Sensitive75,
            ..Controls::default()
        },
    );
}

#[test]
fn a_saved_state_renders_exactly_what_that_instance_did() {
    let history = dir();
    std::env::set_var("HM_HISTORY_DIR", history.path());
    let rate = 48_000u32;
    let input = signal(rate, 24_000);
    let mut host = Host::new();
    for (id, text) in [
        ("gain", "-2"),
        ("ceiling", "-4"),
        ("release", "150"),
        ("xf_cutoff", "550"),
        ("xf_feed", "7"),
        ("spl_ceiling_db", "104"),
    ] {
        let v = host.text_to_value(id, text).unwrap();
        host.set_param(id, v);
    }
    host.set_param("crossfeed", 1.0);
    host.set_param("xf_preset", 1.0); // Custom
    host.set_param("swap", 1.0);
    host.set_param("spl_ceiling", 1.0);
    calibrate_host(&mut host, 108.0);
    let (plugin, latency) = run_plugin(&mut host, &input, rate);
    // The same state, saved as the editor's "Export…" does, rendered by the CLI.
    let d = dir();
    let (wav_in, wav_out, settings) = (
        d.path().join("in.wav"),
        d.path().join("out.wav"),
        d.path().join("settings.json"),
    );
    write_wav(&wav_in, rate, &input, 32, true);
    std::fs::write(
        &settings,
        test_support::clap_host::state_json(&host.save_state()),
    )
    .unwrap();
    let result = render(&[&wav_in, &wav_out, &"--state", &settings]);
    assert!(result.status.success(), "{}", stderr_line(&result));
    let (_, rendered) = read_wav(&wav_out);
    let mut reduced = false;
    for c in 0..2 {
        for n in 0..input[c].len() {
            assert_eq!(
                rendered[c][n].to_bits(),
                plugin[c][n + latency].to_bits(),
                "channel {c} sample {n}"
            );
            reduced |= rendered[c][n].abs() < input[c][n].abs() * 0.5;
        }
    }
    assert!(reduced, "the state's settings applied");
    // Parameter flags next to --state are refused; so is a file that is not a state.
    let result = render(&[&wav_in, &wav_out, &"--state", &settings, &"--swap"]);
    assert_eq!(result.status.code(), Some(2));
    std::fs::write(&settings, "{\"params\": 3}").unwrap();
    let result = render(&[&wav_in, &d.path().join("x.wav"), &"--state", &settings]);
    assert_eq!(result.status.code(), Some(2));
    assert_eq!(stderr_line(&result).lines().count(), 1);
    assert!(!d.path().join("x.wav").exists());
}

/// Renders `input` to `output` with `args`, asserts success, and reads the result.
fn render_ok(input: &Path, output: &Path, args: &[&str]) -> Vec<Vec<f32>> {
    let mut all: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&input, &output];
    for a in args {
        all.push(a);
    }
    let result = render(&all);
    assert!(
        result.status.success(),
        "{args:?}: {}",
        stderr_line(&result)
    );
    read_wav(output).1
}

#[test]
fn the_cli_speaks_the_monitor_controller() {
    let d = dir();
    let input = d.path().join("in.wav");
    let source = signal(48_000, 24_000);
    write_wav(&input, 48_000, &source, 32, true);
    let audio = Audio {
        sample_rate: 48_000,
        channels: source.clone(),
    };
    // Every flag maps onto its setting: the CLI renders what the library renders.
    let controller = ControllerSettings {
        invert: [false, true],
        trim_db: [-3.0, 1.5],
        dim: true,
        dim_db: -6.0,
        mute: false,
        bass_mono: true,
        bass_mono_hz: 90.0,
    };
    let settings = Settings {
        controller,
        ..Settings::default()
    };
    let (want, _) = process::render(
        &audio,
        headphone_monitor_core::monitor::Controls::from(settings),
        process::DEFAULT_BLOCK,
        &AtomicBool::new(false),
        |_, _| {},
    )
    .unwrap();
    let got = render_ok(
        &input,
        &d.path().join("controller.wav"),
        &[
            "--invert-right",
            "--trim-left-db",
            "-3",
            "--trim-right-db",
            "1.5",
            "--dim",
            "--dim-db",
            "-6",
            "--bass-mono",
            "--bass-mono-hz",
            "90",
        ],
    );
    assert_eq!(got, want.channels);
    // Mute: silence (an export with Monitor Only still passes: tests/monitor.rs).
    let muted = render_ok(&input, &d.path().join("muted.wav"), &["--mute"]);
    assert!(muted.iter().flatten().all(|&v| v == 0.0));
    // Out of range: exit 2, one line, no file.
    let never = d.path().join("never.wav");
    for args in [
        ["--trim-left-db", "12.5"],
        ["--bass-mono-hz", "10"],
        ["--dim-db", "3"],
    ] {
        let result = render(&[&input, &never, &args[0], &args[1]]);
        assert_eq!(result.status.code(), Some(2), "{args:?}");
        assert!(stderr_line(&result).contains(&args[0][2..]), "{args:?}");
        assert!(!never.exists());
    }
}

#[test]
fn as_an_export_monitor_only_passes_the_render_through() {
    let d = dir();
    let input = d.path().join("in.wav");
    let frames = 3 * 48_000;
    let source = signal(48_000, frames); // hot: the limiter would reduce it
    write_wav(&input, 48_000, &source, 32, true);
    let render_with = |args: &[&str]| render_ok(&input, &d.path().join("out.wav"), args);
    // After the render guard's 1 s check and the 20 ms crossfade, the input itself.
    let passed = render_with(&["--as-export"]);
    let from = 48_000 + 48_000 / 5;
    for c in 0..2 {
        assert!(
            (from..frames).all(|n| passed[c][n].to_bits() == source[c][n].to_bits()),
            "channel {c} not passed through"
        );
    }
    // The first second is processed (verified before passing; the crossfade to the dry
    // signal starts at 1 s of the chain's time, a latency earlier in the aligned output),
    // and so is everything with Monitor Only off, or as playback.
    let limit = db_to_gain(-1.0);
    let peak = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    assert!(peak(&passed[0][..40_000]) <= limit);
    assert!(peak(&passed[0][from..]) > limit, "the hot input itself");
    for args in [&["--as-export", "--no-monitor-only"][..], &[][..]] {
        let processed = render_with(args);
        assert!(peak(&processed[0]) <= limit, "{args:?}");
    }
}

#[test]
fn the_cli_speaks_the_calibration_protection_and_signals() {
    let d = dir();
    let input = d.path().join("in.wav");
    write_wav(&input, 48_000, &signal(48_000, 48_000), 32, true);
    let peak_of = |args: &[&str]| {
        let ch = render_ok(&input, &d.path().join("out.wav"), args);
        ch[0][24_000..].iter().fold(0.0f32, |m, v| m.max(v.abs()))
    };
    let plain = peak_of(&["--no-limiter"]);
    // Protection with the week used up: the full amount after its 10 s glide is not
    // reached in 1 s, but the level is already lower; with the week unused, unchanged.
    let armed = peak_of(&["--no-limiter", "--full-scale-spl", "100", "--protect", "20"]);
    assert_eq!(armed, plain);
    let used_up = peak_of(&[
        "--no-limiter",
        "--full-scale-spl",
        "100",
        "--protect",
        "20",
        "--week-dose-percent",
        "100",
    ]);
    assert!(used_up < plain * db_to_gain(-1.0), "{used_up} vs {plain}");
    // The SPL cap: 0 dBFS sine = 110 dB SPL, peaks capped at 95 dB SPL.
    let capped = peak_of(&["--full-scale-spl", "110", "--spl-ceiling", "95"]);
    let cap = db_to_gain((95.0 - 110.0 - 20.0 * std::f64::consts::SQRT_2.log10()) as f32);
    assert!(
        capped <= cap && capped > cap * db_to_gain(-0.5),
        "{capped} vs {cap}"
    );
    // Test signals and crossfeed presets are accepted and change the output.
    let pink = peak_of(&["--test-signal", "pink"]);
    assert!(pink > 0.0 && pink < 0.5, "{pink}");
    for preset in ["default", "chu-moy", "jan-meier", "custom"] {
        peak_of(&["--crossfeed", preset]);
    }
    // A cap without a calibration is a usage error, one line, exit code 2.
    let out = d.path().join("never.wav");
    let result = render(&[&input, &out, &"--spl-ceiling", &"95"]);
    assert_eq!(result.status.code(), Some(2));
    assert!(
        stderr_line(&result).contains("--full-scale-spl"),
        "{}",
        stderr_line(&result)
    );
    assert!(!out.exists());
}

#[test]
fn every_format_and_rate_round_trips_aligned_and_complete() {
    let d = dir();
    for (rate, bits, float, channels) in [
        (44_100u32, 16u16, false, 2usize),
        (48_000, 24, false, 1),
        (96_000, 32, false, 2),
        (8_000, 32, true, 1),
        (384_000, 32, true, 2),
    ] {
        // Quiet noise with one impulse: nothing to limit, so the output must equal the
        // input (as read) exactly, at the same position.
        let frames = 3_000;
        let mut data: Vec<Vec<f32>> = (0..channels)
            .map(|c| {
                (0..frames)
                    .map(|n| 0.05 * (((n * 7 + c * 13) % 17) as f32 / 17.0 - 0.5))
                    .collect()
            })
            .collect();
        data[0][1_234] = 0.25;
        let input = d.path().join(format!("in_{rate}_{bits}_{float}.wav"));
        let output = d.path().join(format!("out_{rate}_{bits}_{float}.wav"));
        write_wav(&input, rate, &data, bits, float);
        let out = render(&[&input, &output]);
        assert!(
            out.status.success(),
            "{rate} Hz {bits}-bit: {}",
            stderr_line(&out)
        );
        let (in_spec, read_in) = read_wav(&input);
        let (spec, read_out) = read_wav(&output);
        assert_eq!((spec.sample_rate, spec.channels), (rate, channels as u16));
        assert_eq!(
            (spec.bits_per_sample, spec.sample_format),
            (32, hound::SampleFormat::Float)
        );
        assert_eq!(in_spec.channels as usize, channels);
        for c in 0..channels {
            assert_eq!(read_out[c].len(), frames, "length at {rate} Hz");
            assert_eq!(
                read_out[c], read_in[c],
                "{rate} Hz {bits}-bit channel {c}: not aligned / not transparent"
            );
        }
    }
    // 24-bit output on request.
    let input = d.path().join("in_44100_16_false.wav");
    let output = d.path().join("out24.wav");
    assert!(render(&[&input, &output, &"--bits", &"24"])
        .status
        .success());
    let (spec, _) = read_wav(&output);
    assert_eq!(
        (spec.bits_per_sample, spec.sample_format),
        (24, hound::SampleFormat::Int)
    );
}

#[test]
fn rejected_inputs_get_one_line_errors_and_leave_no_file() {
    let d = dir();
    let frames = 1_000;
    let stereo = signal(48_000, frames);
    type Maker<'a> = Box<dyn Fn(&Path) + 'a>;
    let cases: Vec<(&str, Maker, &str)> = vec![
        (
            "8bit.wav",
            Box::new(|p: &Path| write_wav(p, 48_000, &stereo, 8, false)),
            "8-bit",
        ),
        (
            "3ch.wav",
            Box::new(|p: &Path| {
                write_wav(
                    p,
                    48_000,
                    &[stereo[0].clone(), stereo[1].clone(), stereo[0].clone()],
                    16,
                    false,
                )
            }),
            "3 channels",
        ),
        (
            "4k.wav",
            Box::new(|p: &Path| write_wav(p, 4_000, &stereo, 16, false)),
            "4000 Hz",
        ),
        (
            "text.wav",
            Box::new(|p: &Path| std::fs::write(p, "not audio").unwrap()),
            "as WAV",
        ),
        // A file cut off after its header was written (a copy that did not finish): the
        // render streams, so the cut is found several chunks in, after output was written.
        (
            "cut.wav",
            Box::new(|p: &Path| {
                write_wav(p, 48_000, &signal(48_000, 300_000), 24, false);
                let file = std::fs::OpenOptions::new().write(true).open(p).unwrap();
                file.set_len(file.metadata().unwrap().len() * 3 / 5)
                    .unwrap();
            }),
            "cut short",
        ),
        // A header that claims 4 GiB of data in a small file: read a chunk at a time, the
        // claim is never allocated, and the cut is found.
        (
            "claims-4gib.wav",
            Box::new(|p: &Path| {
                write_wav(p, 48_000, &stereo, 24, false);
                let mut bytes = std::fs::read(p).unwrap();
                let at = bytes.windows(4).position(|w| w == b"data").unwrap() + 4;
                bytes[at..at + 4].copy_from_slice(&0xFFFF_FF00u32.to_le_bytes());
                std::fs::write(p, bytes).unwrap();
            }),
            "cut short",
        ),
    ];
    for (name, make, expected) in cases {
        let input = d.path().join(name);
        make(&input);
        let output = d.path().join(format!("{name}.out.wav"));
        let before = listing(d.path());
        let out = render(&[&input, &output]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr_line(&out);
        assert!(
            err.starts_with("render: error:") && err.contains(expected),
            "{name}: {err:?}"
        );
        assert_eq!(err.lines().count(), 1, "{name}: {err:?}");
        assert_eq!(listing(d.path()), before, "{name}: a file was left behind");
    }
    // A missing input, and bad options.
    let missing = render(&[&d.path().join("nope.wav"), &d.path().join("x.wav")]);
    assert_eq!(missing.status.code(), Some(2));
    assert_eq!(stderr_line(&missing).lines().count(), 1);
    let good = d.path().join("good.wav");
    write_wav(&good, 48_000, &stereo, 16, false);
    for bad in [
        ["--ceiling-db", "3"],
        ["--block", "0"],
        ["--mode", "surround"],
        ["--latency", "medium"],
        ["--bits", "12"],
    ] {
        let out = render(&[&good, &d.path().join("y.wav"), &bad[0], &bad[1]]);
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert_eq!(
            stderr_line(&out).lines().count(),
            1,
            "{bad:?}: {}",
            stderr_line(&out)
        );
        assert!(!d.path().join("y.wav").exists());
    }
}

/// `--latency zero`: no delay to compensate, every sample at or under the ceiling of a
/// hot input, and audio under the ceiling bit for bit; `--latency exact` compensates its
/// latency. Both outputs are aligned with the input.
#[test]
fn the_latency_flag_chooses_the_limiter_and_both_outputs_are_aligned() {
    let d = dir();
    let input = d.path().join("hot.wav");
    let scaled = |by: f32| -> Vec<Vec<f32>> {
        signal(48_000, 9_600)
            .iter()
            .map(|c| c.iter().map(|v| v * by).collect())
            .collect()
    };
    // (The test signal peaks at about 1.5: a quarter of it stays under −1 dBTP.)
    let (quiet, hot) = (scaled(0.25), scaled(4.0));
    write_wav(&input, 48_000, &hot, 32, true);
    let ceiling = headphone_monitor_core::dsp::db_to_gain(-1.0);
    for (flag, latency) in [("zero", 0usize), ("exact", 262)] {
        let output = d.path().join(format!("{flag}.wav"));
        let out = render(&[&input, &output, &"--latency", &flag]);
        assert_eq!(out.status.code(), Some(0), "{flag}: {out:?}");
        let report = String::from_utf8_lossy(&out.stdout);
        assert!(
            report.contains(&format!("latency  {latency} samples compensated")),
            "{flag}: {report}"
        );
        let (_, rendered) = read_wav(&output);
        assert_eq!(
            rendered[0].len(),
            hot[0].len(),
            "{flag}: aligned, same length"
        );
        let peak = rendered
            .iter()
            .flatten()
            .fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak <= ceiling, "{flag}: {peak}");
    }
    let output = d.path().join("quiet.wav");
    write_wav(&input, 48_000, &quiet, 32, true);
    let out = render(&[&input, &output, &"--latency", &"zero"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(read_wav(&output).1, quiet, "under the ceiling: bit for bit");
}

#[test]
fn the_input_is_never_overwritten_and_an_existing_output_only_on_success() {
    let d = dir();
    let input = d.path().join("song.wav");
    write_wav(&input, 48_000, &signal(48_000, 4_800), 24, false);
    let original = std::fs::read(&input).unwrap();
    // Same path, and the same file through a hard link.
    let link = d.path().join("link.wav");
    std::fs::hard_link(&input, &link).unwrap();
    for target in [&input, &link] {
        let out = render(&[&input, target]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr_line(&out).contains("refusing to write over the input"),
            "{}",
            stderr_line(&out)
        );
        assert_eq!(std::fs::read(&input).unwrap(), original);
    }
    // A failing render keeps an existing output untouched …
    let output = d.path().join("existing.wav");
    std::fs::write(&output, b"precious").unwrap();
    let bad = d.path().join("bad.wav");
    std::fs::write(&bad, b"garbage").unwrap();
    assert_eq!(render(&[&bad, &output]).status.code(), Some(2));
    assert_eq!(std::fs::read(&output).unwrap(), b"precious");
    // … and a successful one replaces it, leaving no temporary file.
    assert!(render(&[&input, &output]).status.success());
    let (spec, _) = read_wav(&output);
    assert_eq!(spec.sample_rate, 48_000);
    assert!(listing(d.path())
        .iter()
        .all(|p| !p.to_string_lossy().ends_with(".tmp")));
}

#[test]
fn check_mode_gates_on_overs_with_timestamps_and_json() {
    let d = dir();
    let rate = 48_000;
    // Quiet for 1 s, then a full-scale square (true peak well above −1 dBTP) at 1.0 s.
    let mut x: Vec<f32> = (0..2 * rate)
        .map(|n| 0.1 * (n as f32 * 0.05).sin())
        .collect();
    for (n, v) in x.iter_mut().enumerate().skip(rate).take(4_800) {
        *v = if (n / 24) % 2 == 0 { 1.0 } else { -1.0 };
    }
    let hot = d.path().join("hot.wav");
    write_wav(&hot, rate as u32, &[x.clone(), x.clone()], 32, true);
    let out = render(&[&"--check", &hot]);
    assert_eq!(out.status.code(), Some(1), "overs must fail the check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("FAIL"), "{text}");
    assert!(
        text.contains("00:01.0"),
        "timestamp of the overs near 1.0 s: {text}"
    );
    let json = Command::new(env!("CARGO_BIN_EXE_render"))
        .args(["--check", hot.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("valid JSON");
    assert_eq!(v["pass"], false);
    let first = v["worst"][0]["time_s"].as_f64().unwrap();
    assert!((1.0..1.1).contains(&first), "{first}");
    assert!(v["max_true_peak_dbtp"].as_f64().unwrap() > 0.0);
    // A quiet file passes.
    let quiet = d.path().join("quiet.wav");
    write_wav(&quiet, rate as u32, &[x[..rate].to_vec()], 16, false);
    let ok = render(&[&"--check", &quiet]);
    assert_eq!(ok.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("PASS"));
    // Rendering the hot file makes it pass (strict reference, too).
    let fixed = d.path().join("fixed.wav");
    assert!(render(&[&hot, &fixed]).status.success());
    assert_eq!(render(&[&"--check", &fixed]).status.code(), Some(0));
    let (_, channels) = read_wav(&fixed);
    let strict = StrictTruePeak::default();
    for c in &channels {
        assert!(strict.measure(c) <= db_to_gain(-1.0) as f64);
    }
}

#[test]
fn demo_and_json_report() {
    let d = dir();
    let out_path = d.path().join("demo.wav");
    let out = Command::new(env!("CARGO_BIN_EXE_render"))
        .args(["--demo", out_path.to_str().unwrap(), "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_line(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let latency =
        headphone_monitor_core::dsp::Chain::new(48_000.0, Default::default()).latency_samples();
    assert_eq!(v["latency_samples"], latency);
    assert_eq!(v["sample_rate_hz"], 48_000);
    assert!(
        v["input_levels"]["true_peak_dbtp"][0].as_f64().unwrap() > 0.0,
        "the demo has overs"
    );
    for tp in v["output_levels"]["true_peak_dbtp"].as_array().unwrap() {
        assert!(
            tp.as_f64().unwrap() <= -1.0,
            "output over the ceiling: {tp}"
        );
    }
    assert!(v["max_gain_reduction_db"].as_f64().unwrap() > 3.0);
    let lufs_in = v["input_levels"]["integrated_lufs"]
        .as_f64()
        .expect("input loudness");
    let lufs_out = v["output_levels"]["integrated_lufs"]
        .as_f64()
        .expect("output loudness");
    assert!(
        lufs_out < lufs_in && lufs_out > -40.0,
        "{lufs_in} -> {lufs_out} LUFS"
    );
    // The maxima of the windowed loudness lie at or above the integrated loudness, the
    // 400 ms window's above the 3 s window's.
    for levels in [&v["input_levels"], &v["output_levels"]] {
        let i = levels["integrated_lufs"].as_f64().unwrap();
        let m = levels["momentary_max_lufs"]
            .as_f64()
            .expect("momentary max");
        let s = levels["short_term_max_lufs"]
            .as_f64()
            .expect("short-term max");
        assert!(m >= s && s >= i - 0.5 && m < 10.0, "I {i} S {s} M {m}");
    }
    let (spec, channels) = read_wav(&out_path);
    assert_eq!((spec.sample_rate, spec.channels), (48_000, 2));
    assert_eq!(channels[0].len(), 20 * 48_000);
    // The anti-phase section really is anti-phase, the hard-panned one one-sided.
    let at = |s: f64| (s * 48_000.0) as usize;
    let corr: f64 = (at(11.0)..at(13.0))
        .map(|n| (channels[0][n] * channels[1][n]) as f64)
        .sum();
    assert!(corr < 0.0);
}

/// Unix only: the test interrupts with SIGINT (`kill -INT`). On Windows the renderer takes
/// Ctrl+C through the same `ctrlc` handler, but only a process sharing its console can send it.
#[cfg(unix)]
#[test]
fn interruption_leaves_either_nothing_or_a_complete_file() {
    let d = dir();
    let input = d.path().join("long.wav");
    // 60 s at 48 kHz rendered in 1-sample blocks: slow enough to interrupt.
    write_wav(&input, 48_000, &signal(48_000, 60 * 48_000), 16, false);
    let output = d.path().join("long_out.wav");
    let child = Command::new(env!("CARGO_BIN_EXE_render"))
        .args([
            input.to_str().unwrap(),
            output.to_str().unwrap(),
            "--block",
            "1",
            "--quiet",
        ])
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let _ = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let status = child.wait_with_output().unwrap().status;
    match status.code() {
        Some(130) => {
            assert!(!output.exists(), "interrupted render left an output");
            assert_eq!(
                listing(d.path()),
                vec![input.clone()],
                "temporary file left behind"
            );
        }
        Some(0) => {
            let (_, channels) = read_wav(&output);
            assert_eq!(channels[0].len(), 60 * 48_000);
        }
        other => panic!("unexpected exit {other:?}"),
    }
}

/// Loads `correction` into the instance through its saved state (the `correction` field,
/// as the editor's "Load EQ file…" leaves it).
fn load_correction_into_host(host: &mut Host, correction: &LoadedCorrection) {
    let state = host.save_state();
    let mut json: serde_json::Value =
        serde_json::from_str(test_support::clap_host::state_json(&state)).unwrap();
    let field = CorrectionField(Some(SavedCorrection::from(correction)));
    json["fields"].as_object_mut().unwrap().insert(
        "correction".into(),
        serde_json::Value::String(serde_json::to_string(&field).unwrap()),
    );
    host.load_state(&test_support::clap_host::make_state(&json.to_string()))
        .unwrap();
}

#[test]
fn a_correction_renders_as_the_plugin_plays_it_from_a_file_or_a_state() {
    let history = dir();
    std::env::set_var("HM_HISTORY_DIR", history.path());
    let rate = 48_000u32;
    let input = signal(rate, 24_000);
    let d = dir();
    let wav_in = d.path().join("in.wav");
    write_wav(&wav_in, rate, &input, 32, true);
    // The AutoEq-shaped file, the per-ear file, the one with every filter type, a REW
    // export, and an EqualizerAPO configuration with includes, a mix and delays.
    for (eq_file, level_match) in [
        ("per_ear.txt", false),
        ("per_ear.txt", true),
        ("autoeq_shaped.txt", true),
        ("every_type.txt", false),
        ("rew_export.txt", false),
        ("apo/config.txt", true),
    ] {
        let eq = test_support::fixture("eq").join(eq_file);
        let file = eq_file.replace('/', "_");
        let loaded = LoadedCorrection::read(&eq).unwrap();
        let mut host = Host::new();
        host.set_param("correction_level_match", f64::from(u8::from(level_match)));
        load_correction_into_host(&mut host, &loaded);
        let (plugin, latency) = run_plugin(&mut host, &input, rate);
        // The CLI with the file.
        let out = d.path().join(format!("file-{file}-{level_match}.wav"));
        let mut args = vec!["--correction", eq.to_str().unwrap()];
        if level_match {
            args.push("--correction-level-match");
        }
        let from_file = render_ok(&wav_in, &out, &args);
        // The CLI with the instance's saved state (the filter list, not a path).
        let settings = d.path().join(format!("state-{file}-{level_match}.json"));
        std::fs::write(
            &settings,
            test_support::clap_host::state_json(&host.save_state()),
        )
        .unwrap();
        let out = d.path().join(format!("state-{file}-{level_match}.wav"));
        let from_state = render_ok(&wav_in, &out, &["--state", settings.to_str().unwrap()]);
        let mut changed = false;
        for c in 0..2 {
            for n in 0..input[c].len() {
                let p = plugin[c][n + latency].to_bits();
                assert_eq!(
                    from_file[c][n].to_bits(),
                    p,
                    "lm {level_match} file: ch {c} n {n}"
                );
                assert_eq!(
                    from_state[c][n].to_bits(),
                    p,
                    "lm {level_match} state: ch {c} n {n}"
                );
                changed |= (plugin[c][n + latency] - input[c][n]).abs() > 1e-3;
            }
        }
        assert!(changed, "{file}: the correction applied");
    }
    // A bad file: exit 2, one line naming the file and the line, no output.
    let bad = d.path().join("bad.txt");
    std::fs::write(
        &bad,
        "Preamp: -3 dB\nFilter: ON PK Fc 100 Hz Gain 3,5,1 dB Q 1\n",
    )
    .unwrap();
    let out = d.path().join("never.wav");
    let result = render(&[&wav_in, &out, &"--correction", &bad]);
    assert_eq!(result.status.code(), Some(2));
    let line = stderr_line(&result);
    assert!(
        line.contains("bad.txt: line 2:") && line.contains("gain `3.5.1`"),
        "{line}"
    );
    assert!(!out.exists());
    let result = render(&[&"--correction-response", &bad]);
    assert_eq!(result.status.code(), Some(2));
}

#[test]
fn the_response_command_prints_both_ears_as_text_or_json() {
    let eq = test_support::fixture("eq/per_ear.txt");
    let result = render(&[
        &"--correction-response",
        &eq,
        &"--rate",
        &"44100",
        &"--json",
    ]);
    assert!(result.status.success(), "{}", stderr_line(&result));
    let json: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(json["sample_rate"], 44_100.0);
    let points = json["points"].as_array().unwrap();
    // 20 Hz … 20 kHz in twelfths of an octave.
    assert_eq!(points.len(), 120);
    let curve = LoadedCorrection::read(&eq).unwrap().curve;
    for p in points {
        let f = p["freq_hz"].as_f64().unwrap();
        let expect = headphone_monitor_core::dsp::correction::response_db(&curve, 44_100.0, f);
        assert!((p["left_db"].as_f64().unwrap() - expect[0]).abs() < 1e-9);
        assert!((p["right_db"].as_f64().unwrap() - expect[1]).abs() < 1e-9);
    }
    let text = render(&[&"--correction-response", &eq]);
    assert!(text.status.success());
    let out = String::from_utf8(text.stdout).unwrap();
    assert!(
        out.contains("level match") && out.lines().count() > 100,
        "{out}"
    );
    // --rate alone is refused.
    let result = render(&[&"--rate", &"48000"]);
    assert_eq!(result.status.code(), Some(2));
}

#[test]
fn the_readers_notes_are_printed_and_in_the_json() {
    let eq = test_support::fixture("eq/apo/config.txt");
    let result = render(&[&"--correction-response", &eq, &"--json"]);
    assert!(result.status.success(), "{}", stderr_line(&result));
    let stderr = String::from_utf8_lossy(&result.stderr);
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("render: note: config.txt: "))
        .collect();
    assert_eq!(notes.len(), 4, "{stderr}");
    assert!(
        notes[0].contains("line 3: `Device:` is skipped"),
        "{stderr}"
    );
    let json: serde_json::Value = serde_json::from_slice(&result.stdout).unwrap();
    assert_eq!(json["notes"].as_array().unwrap().len(), 4);
    assert_eq!(json["mix"], true);
    assert_eq!(json["filters"], serde_json::json!([3, 3]));
}
