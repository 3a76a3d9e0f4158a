//! Whole-file figure for docs/renderer.md: the renderer's wall time for a 10-minute
//! stereo 48 kHz 24-bit WAV, including reading, processing, analysis (ebur128
//! loudness and true peak of input and output) and writing through a temporary
//! file — everything `render IN.wav OUT.wav` does, without the argument parsing.
//!
//! `cargo bench -p headphone_monitor_render --bench render_file`

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use headphone_monitor_core::dsp::Settings;
use headphone_monitor_render::{demo, process, wav, Audio};

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

    // Reading and writing alone (the floor any renderer pays), in the same run.
    let t0 = Instant::now();
    let read = wav::read(&input).expect("read");
    wav::write_safely(
        &output,
        &read,
        wav::OutputFormat::Float32,
        Some(&input),
        &never,
    )
    .expect("write");
    let copy_s = t0.elapsed().as_secs_f64();

    // Reading alone, into memory (what a render no longer waits for: it streams).
    let t0 = Instant::now();
    let read = wav::read(&input).expect("read");
    let read_s = t0.elapsed().as_secs_f64();
    let duration_s = read.duration_s();
    drop(read);

    // What `render IN.wav OUT.wav` does: read a chunk at a time and measure the input (one
    // thread), process (this one), write and measure the output (a third).
    let t0 = Instant::now();
    let (_, _, stats) = process::render_to_file(
        &mut wav::open(&input).expect("open"),
        Some(&input),
        Settings::default().into(),
        process::DEFAULT_BLOCK,
        &output,
        wav::OutputFormat::Float32,
        &never,
        |_, _| {},
    )
    .expect("render");
    let total = t0.elapsed().as_secs_f64();
    println!("10-minute stereo 48 kHz file (24-bit in, 32-bit float out), block 512:");
    println!("  read + write only   {copy_s:>6.2} s  (the floor)");
    println!("  read alone          {read_s:>6.2} s  (into memory; a render streams it)");
    println!(
        "  process             {:>6.2} s of the render  ({:.0}x real time; {:.2} s limiting)",
        stats.processing_s,
        duration_s / stats.processing_s,
        stats.limiting_s
    );
    println!(
        "  total               {:>6.2} s  = {:.0}x real time, {:.2}x the read + write floor",
        total,
        duration_s / total,
        total / copy_s
    );
    println!("  (read, process, write and both analyses overlap; loudness: ebur128; true peak: the 4x meter)");
}
