//! The offline renderer: the same output as the plugin, every accepted format and
//! rate round-trips aligned and at full length, every rejected input gets a
//! one-line error and leaves no file, an existing output is replaced only on
//! success, `--check` gates on overs, `--json` parses, `--demo` works.

mod common;
#[path = "common/rng.rs"]
mod rng;
#[path = "common/strict.rs"]
mod strict;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::AtomicBool;

use common::clap_host::Host;
use headphone_monitor::dsp::{db_to_gain, MonitorMode, Settings};
use headphone_monitor::render::{process, Audio};
use rng::Rng;
use strict::StrictTruePeak;

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
    let rate = 48_000u32;
    let input = signal(rate, 24_000);
    // The plugin, with settings whose normalized values are exact.
    let mut host = Host::new();
    let ceiling = host.text_to_value("ceiling", "-3").unwrap();
    host.set_param("ceiling", ceiling);
    host.set_param("swap", 1.0);
    host.set_param("mode", 0.5); // Side
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
    let plugin = host.process(&padded, 512, &[]);
    // The renderer's library path, same settings, same block size.
    let settings = Settings {
        ceiling_db: -3.0,
        swap: true,
        mode: MonitorMode::Side,
        ..Settings::default()
    };
    let audio = Audio {
        sample_rate: rate,
        channels: input.clone(),
    };
    let (rendered, stats) =
        process::render(&audio, settings, 512, &AtomicBool::new(false), |_, _| {}).unwrap();
    assert_eq!(stats.latency_samples, latency);
    for c in 0..2 {
        assert_eq!(rendered.channels[c].len(), input[c].len());
        for n in 0..input[c].len() {
            assert_eq!(
                rendered.channels[c][n].to_bits(),
                plugin[c][n + latency].to_bits(),
                "channel {c} sample {n}"
            );
        }
    }
    assert!(
        stats.max_reduction_db > 1.0,
        "the limiter should have worked"
    );
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
        headphone_monitor::dsp::Chain::new(48_000.0, Default::default()).latency_samples();
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
