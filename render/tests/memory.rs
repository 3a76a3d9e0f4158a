//! A render streams: its memory does not grow with the file's length. This binary counts
//! every allocation (its own global allocator), renders a short and a long file and runs
//! `--check`'s reading on each, and asserts that the most memory held at once is the same
//! for both (holding the input or the output whole, as a render once did, would add the
//! difference of their sizes).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

use headphone_monitor_core::dsp::Settings;
use headphone_monitor_render::{analysis, process, wav, Source};

/// The system allocator, counting the bytes held now and the most held at once.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = HELD.fetch_add(by, Relaxed) + by;
    PEAK.fetch_max(now, Relaxed);
}

// SAFETY: every call is forwarded to the system allocator unchanged; only counters are kept.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                HELD.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The most memory held at once while `f` runs, above what was held when it started, in
/// bytes.
fn peak_growth<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = HELD.load(Relaxed);
    PEAK.store(before, Relaxed);
    let result = f();
    (result, PEAK.load(Relaxed) - before)
}

/// What a render and a `--check` of a `seconds`-long stereo file hold at once: the most
/// memory above what was held before each, in bytes. Asserts that the render covered the
/// whole file with the limiter at work.
fn render_and_check(seconds: usize) -> (usize, usize) {
    const RATE: u32 = 48_000;
    let frames = seconds * RATE as usize;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("long.wav");
    let output = dir.path().join("long_out.wav");
    // Written sample by sample, never held: a two-tone programme peaking 4.5 dB over full
    // scale (32-bit float), so the limiter works all the way.
    {
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: RATE,
            bits_per_sample: 32,
            sample_format: hound::SampleFormat::Float,
        };
        let mut w = hound::WavWriter::create(&input, spec).unwrap();
        for n in 0..frames {
            let t = n as f64 / f64::from(RATE);
            let x = 0.98 * (2.0 * std::f64::consts::PI * 997.0 * t).sin()
                + 0.7 * (2.0 * std::f64::consts::PI * 60.0 * t).sin();
            w.write_sample(x as f32).unwrap();
            w.write_sample(-x as f32).unwrap();
        }
        w.finalize().unwrap();
    }
    let never = AtomicBool::new(false);
    let (rendered, render_peak) = peak_growth(|| {
        process::render_to_file(
            &mut wav::open(&input).unwrap(),
            Some(&input),
            Settings::default().into(),
            process::DEFAULT_BLOCK,
            &output,
            wav::OutputFormat::Float32,
            &never,
            |_, _| {},
        )
    });
    let (input_levels, output_levels, stats) = rendered.expect("render");
    let (checked, check_peak) =
        peak_growth(|| analysis::check(&mut wav::open(&output).unwrap(), -1.0));
    let checked = checked.expect("check");
    assert_eq!(wav::open(&output).unwrap().frames(), frames);
    assert!(stats.max_reduction_db > 4.0, "{stats:?}");
    assert!(input_levels.true_peak_dbtp[0] > 0.0);
    assert!(output_levels.true_peak_dbtp.iter().all(|&tp| tp <= -1.0));
    assert!(checked.pass, "{checked:?}");
    println!(
        "{seconds} s stereo at {RATE} Hz ({:.1} MB as f32): the render held at most {:.2} MB, the check {:.2} MB",
        (frames * 2 * 4) as f64 / 1e6,
        render_peak as f64 / 1e6,
        check_peak as f64 / 1e6
    );
    (render_peak, check_peak)
}

#[test]
fn a_render_and_a_check_hold_as_much_for_a_long_file_as_for_a_short_one() {
    let (short_seconds, long_seconds) = (20, 90);
    let (short_render, short_check) = render_and_check(short_seconds);
    let (long_render, long_check) = render_and_check(long_seconds);
    // Holding the input or the output whole would cost 48 000 × 2 × 4 bytes per second of
    // audio more: 26.9 MB for the 70 s between the two files.
    let per_second = 48_000 * 2 * 4;
    let allowed = 2_000_000;
    assert!(
        long_render < short_render + allowed,
        "the render held {long_render} bytes for {long_seconds} s against {short_render} for {short_seconds} s (holding one file whole: {} more)",
        (long_seconds - short_seconds) * per_second
    );
    assert!(
        long_check < short_check + allowed,
        "the check held {long_check} bytes for {long_seconds} s against {short_check} for {short_seconds} s"
    );
    // And in all a few chunks and the chain's own buffers, a fraction of the long file.
    assert!(long_render < long_seconds * per_second / 2, "{long_render}");
}
