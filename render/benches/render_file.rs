//! Whole-file figure for the README: the renderer's wall time for a 10-minute
//! stereo 48 kHz 24-bit WAV, including reading, processing, analysis (ebur128
//! loudness and true peak of input and output) and writing through a temporary
//! file — everything `render IN.wav OUT.wav` does, without the argument parsing.
//!
//! `cargo bench --bench render_file`

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use headphone_monitor::dsp::Settings;
use headphone_monitor_render::{analysis, demo, process, wav, Audio};

fn main() {
    let minutes = 10;
    let dir = tempfile::tempdir().expect("temporary directory");
    let input = dir.path().join("ten_minutes.wav");
    let output = dir.path().join("rendered.wav");

    // Ten minutes of the demo programme, repeated, 8 dB lower (mostly unlimited, like
    // a finished mix played through the monitor at its default ceiling).
    let once = demo::programme();
    let frames = minutes * 60 * once.sample_rate as usize;
    let channels = once
        .channels
        .iter()
        .map(|c| c.iter().cycle().take(frames).map(|x| x * 0.4).collect())
        .collect();
    let audio = Audio {
        sample_rate: once.sample_rate,
        channels,
    };
    let never = AtomicBool::new(false);
    wav::write_safely(&input, &audio, wav::OutputFormat::Int24, None, &never).expect("write input");

    let t0 = Instant::now();
    let read = wav::read(&input).expect("read");
    let t1 = Instant::now();
    let (rendered, stats) = process::render(
        &read,
        Settings::default(),
        process::DEFAULT_BLOCK,
        &never,
        |_, _| {},
    )
    .expect("render");
    let t2 = Instant::now();
    wav::write_safely(
        &output,
        &rendered,
        wav::OutputFormat::Float32,
        Some(&input),
        &never,
    )
    .expect("write");
    let t3 = Instant::now();
    let _ = analysis::levels(&read).expect("analysis");
    let _ = analysis::levels(&rendered).expect("analysis");
    let t4 = Instant::now();

    let seconds = |a: Instant, b: Instant| (b - a).as_secs_f64();
    let total = seconds(t0, t4);
    println!("10-minute stereo 48 kHz file (24-bit in, 32-bit float out), block 512:");
    println!("  read      {:>6.2} s", seconds(t0, t1));
    println!(
        "  process   {:>6.2} s  ({:.0}x real time; {:.2} s limiting)",
        seconds(t1, t2),
        read.duration_s() / stats.processing_s,
        stats.limiting_s
    );
    println!("  write     {:>6.2} s", seconds(t2, t3));
    println!(
        "  analysis  {:>6.2} s  (ebur128 loudness + true peak, input and output)",
        seconds(t3, t4)
    );
    println!(
        "  total     {:>6.2} s  = {:.0}x real time",
        total,
        read.duration_s() / total
    );
}
