//! What every real-host test needs: the rule for a missing host, the plug-in as a bundle,
//! audio files in and out, and telling a crashed run from a clean one.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output};
use std::sync::{Mutex, MutexGuard};

/// The environment variable under which a missing host fails the test instead of skipping it
/// (`.ci/run` sets it).
pub const REQUIRE_ENV: &str = "HM_REQUIRE_HOSTS";

/// The plug-in's display name: the bundle and module names hosts expect.
pub const PLUGIN: &str = "Headphone Monitor";

/// One real host at a time: they play in real time (Ardour's live pass, Qtractor on JACK) and
/// must not compete for the two cores of a CI machine.
pub fn one_host_at_a_time() -> MutexGuard<'static, ()> {
    static HOSTS: Mutex<()> = Mutex::new(());
    HOSTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `line` to the terminal even while the test harness captures the test's output.
pub fn loud(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Whether the test may go on: `Ok` if `missing` is empty. Otherwise, under
/// `HM_REQUIRE_HOSTS=1` the test fails naming what is missing; without it the test prints one
/// loud line naming the host and how to install it, and checks nothing.
#[track_caller]
pub fn require(host: &str, missing: &[String], install: &str) -> bool {
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    if std::env::var(REQUIRE_ENV).is_ok_and(|v| v == "1") {
        panic!("{host} is required ({REQUIRE_ENV}=1) but missing: {what}. Install: {install}");
    }
    loud(&format!(
        "SKIPPED: {host} is not installed ({what}): this real-host test checked nothing. \
         Install: {install}"
    ));
    false
}

/// `program` found on `PATH`.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// The workspace's `target/` folder (where `scripts/real-hosts.sh` puts the Python hosts).
pub fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target")
}

/// This folder's files (scripts the tests hand to the hosts).
pub fn tooling(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/real_hosts")
        .join(file)
}

/// The Python of the hosts' virtual environment (`scripts/real-hosts.sh` makes it).
pub fn venv_python() -> PathBuf {
    target_dir().join("real-hosts/venv/bin/python")
}

/// What is missing for a Python host whose module is `module`.
pub fn python_module_missing(module: &str) -> Vec<String> {
    let python = venv_python();
    if !python.is_file() {
        return vec![format!("the virtual environment {}", python.display())];
    }
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        Vec::new()
    } else {
        vec![format!(
            "the Python package {module} in {}",
            python.display()
        )]
    }
}

/// The library `cargo test` built (or `$HM_VST3_PATH`), in a VST3 bundle under `dir`.
pub fn vst3_bundle(dir: &Path) -> PathBuf {
    let bundle = dir.join(format!("{PLUGIN}.vst3"));
    let module_dir = bundle.join("Contents/x86_64-linux");
    std::fs::create_dir_all(&module_dir).unwrap();
    let library = test_support::vst3_host::library_path();
    std::fs::copy(&library, module_dir.join(format!("{PLUGIN}.so")))
        .unwrap_or_else(|e| panic!("copy {}: {e}", library.display()));
    bundle
}

/// The library `cargo test` built (or `$HM_CLAP_PATH`), as a `.clap` file under `dir`.
pub fn clap_file(dir: &Path) -> PathBuf {
    let file = dir.join(format!("{PLUGIN}.clap"));
    let library = test_support::clap_host::plugin_path();
    std::fs::copy(&library, &file).unwrap_or_else(|e| panic!("copy {}: {e}", library.display()));
    file
}

/// The name of a signal that ended a process.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        15 => "SIGTERM",
        _ => "",
    };
    format!("signal {signal} {name}").trim_end().to_owned()
}

/// How a program ended, in words, when a signal ended it.
pub fn crash(status: ExitStatus) -> Option<String> {
    status.signal().map(signal_name)
}

/// Runs `command` and fails the test, with its output, unless it exits cleanly with 0.
#[track_caller]
pub fn run_clean(what: &str, command: &mut Command) -> Output {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    if !output.status.success() {
        let how = crash(output.status).map_or(output.status.to_string(), |c| format!("died: {c}"));
        panic!(
            "{what} {how}\n--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    output
}

/// Two channels as one planar little-endian `f32` file (all of the left, then the right).
pub fn write_planar(path: &Path, channels: &[Vec<f32>; 2]) {
    let bytes: Vec<u8> = channels
        .iter()
        .flat_map(|c| c.iter().flat_map(|v| v.to_le_bytes()))
        .collect();
    std::fs::write(path, bytes).unwrap();
}

/// The inverse of [`write_planar`].
pub fn read_planar(path: &Path) -> [Vec<f32>; 2] {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let samples: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    let (left, right) = samples.split_at(samples.len() / 2);
    [left.to_vec(), right.to_vec()]
}

/// A 32-bit float WAV of `channels` at `rate`.
pub fn write_wav(path: &Path, rate: u32, channels: &[Vec<f32>]) {
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..channels[0].len() {
        for channel in channels {
            writer.write_sample(channel[n]).unwrap();
        }
    }
    writer.finalize().unwrap();
}

/// A float or integer WAV as channels of f32; `None` if missing or incomplete.
pub fn read_wav(path: &Path) -> Option<Vec<Vec<f32>>> {
    let mut reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    let channels = spec.channels as usize;
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>().ok()?,
        hound::SampleFormat::Int => {
            let scale = (1_i64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .samples::<i32>()
                .map(|s| s.map(|v| v as f32 / scale))
                .collect::<Result<_, _>>()
                .ok()?
        }
    };
    Some(
        (0..channels)
            .map(|c| {
                interleaved
                    .iter()
                    .skip(c)
                    .step_by(channels)
                    .copied()
                    .collect()
            })
            .collect(),
    )
}

/// The chain's latency at `rate`: what the plug-in must report, and the delay it must have.
pub fn latency_at(rate: u32) -> usize {
    headphone_monitor::dsp::Chain::new(rate as f32, headphone_monitor::dsp::Settings::default())
        .latency_samples()
}

/// The default −1 dBTP ceiling as a linear bound.
pub fn default_ceiling() -> f32 {
    10f32.powf(-1.0 / 20.0)
}

/// The largest absolute sample of `channels` over `range`.
pub fn peak(channels: &[Vec<f32>], range: std::ops::Range<usize>) -> f32 {
    channels
        .iter()
        .flat_map(|c| c[range.clone()].iter())
        .fold(0.0, |m, v| m.max(v.abs()))
}

/// The first sample where `out[offset..]` differs from `input` by a single bit, if any, within
/// `range` of the input.
pub fn first_difference(
    out: &[Vec<f32>],
    input: &[Vec<f32>],
    offset: usize,
    range: std::ops::Range<usize>,
) -> Option<(usize, usize)> {
    range.into_iter().find_map(|n| {
        (0..2)
            .find(|&c| out[c][n + offset].to_bits() != input[c][n].to_bits())
            .map(|c| (c, n))
    })
}

/// The limiter's corpus (`tests/common/signals.rs`) driven 6 dB over, each signal cut to
/// `fraction` of its length, one after another with 50 ms of silence between them.
pub fn hot_corpus(rate: u32, fraction: f64) -> [Vec<f32>; 2] {
    let gap = vec![0.0f32; rate as usize / 20];
    let mut out = [gap.clone(), gap.clone()];
    let drive = 10f32.powf(6.0 / 20.0);
    for signal in test_support::signals::corpus(f64::from(rate)) {
        let len = (signal.left.len() as f64 * fraction) as usize;
        out[0].extend(signal.left[..len].iter().map(|v| v * drive));
        out[1].extend(signal.right[..len].iter().map(|v| v * drive));
        out[0].extend_from_slice(&gap);
        out[1].extend_from_slice(&gap);
    }
    out
}

/// The strict true peak of both channels, in dB re the default −1 dBTP ceiling.
pub fn strict_over_ceiling_db(channels: &[Vec<f32>]) -> f64 {
    let reference = test_support::strict::StrictTruePeak::default();
    let peak = channels
        .iter()
        .map(|c| reference.measure(c))
        .fold(0.0f64, f64::max);
    test_support::strict::db(peak) + 1.0
}
