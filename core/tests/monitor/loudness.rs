//! The loudness meter against EBU Tech 3341's test cases (EBU Mode, the signals built
//! from their descriptions) and Tech 3342's loudness-range cases, fed the way the editor
//! is: the monitor's output through the wait-free ring, drained after every block. Also:
//! nothing reaches the ring while nobody reads the meters.

use std::sync::Arc;

use headphone_monitor_core::loudness::{Loudness, LoudnessMeter, Reading};
use headphone_monitor_core::meters::SharedMeters;
use headphone_monitor_core::monitor::{BlockInfo, Controls, Layout, Monitor};

/// Aborts on any allocation inside `assert_no_alloc` (the allocator nice-plug installs with
/// `assert_process_allocs` in the plug-in's tests): the proof for the metering path, which
/// the plug-in tests only reach with an editor open.
#[global_allocator]
static ALLOCATOR: nice_assert_no_alloc::AllocDisabler = nice_assert_no_alloc::AllocDisabler;

const RATE: f32 = 48_000.0;
const BLOCK: usize = 512;

/// A stereo 1 kHz sine in pieces of (seconds, dBFS), the phase continuous.
fn sine_pieces(pieces: &[(f64, f64)]) -> Vec<f32> {
    let mut out = Vec::new();
    for &(seconds, dbfs) in pieces {
        let amp = 10f64.powf(dbfs / 20.0);
        let start = out.len();
        for n in 0..(seconds * f64::from(RATE)).round() as usize {
            let t = (start + n) as f64 / f64::from(RATE);
            out.push((amp * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as f32);
        }
    }
    out
}

/// Runs `signal` (both channels) through a monitor with the meters read, the meter drained
/// after each block; `watch` sees the reading after each block.
fn measure(signal: &[f32], mut watch: impl FnMut(f64, &Reading)) -> Reading {
    let shared = Arc::new(SharedMeters::new());
    let controls = Controls::default();
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, shared.clone());
    let mut meter = LoudnessMeter::default();
    let mut done = 0usize;
    // The chain's latency is a block of the signal's start; the tail flushes it out.
    let latency = monitor.latency_samples();
    let mut padded = signal.to_vec();
    padded.extend(std::iter::repeat_n(0.0, latency));
    for piece in padded.chunks(BLOCK) {
        let (mut l, mut r) = (piece.to_vec(), piece.to_vec());
        let info = BlockInfo {
            offline_claimed: false,
            now_s: done as f64 / f64::from(RATE),
            metering: true,
        };
        monitor.process(&mut [&mut l, &mut r], Layout::Stereo, &controls, info);
        meter.update(&shared.loudness);
        done += piece.len();
        if done <= signal.len() + latency {
            watch(done as f64 / f64::from(RATE), &meter.reading());
        }
    }
    assert_eq!(meter.dropped_frames(&shared.loudness), 0);
    meter.reading()
}

fn near(value: Option<f64>, want: f64, tolerance: f64) -> bool {
    value.is_some_and(|v| (v - want).abs() <= tolerance)
}

#[test]
fn tech_3341_cases_1_and_2_steady_sines() {
    for (dbfs, lufs) in [(-23.0, -23.0), (-33.0, -33.0)] {
        let r = measure(&sine_pieces(&[(20.0, dbfs)]), |_, _| {});
        assert!(
            near(r.integrated, lufs, 0.1),
            "{dbfs}: I {:?}",
            r.integrated
        );
        assert!(
            near(r.momentary_max, lufs, 0.1),
            "{dbfs}: M {:?}",
            r.momentary_max
        );
        assert!(
            near(r.short_term_max, lufs, 0.1),
            "{dbfs}: S {:?}",
            r.short_term_max
        );
        eprintln!(
            "Tech 3341 case {dbfs} dBFS: I {:.2} LUFS",
            r.integrated.unwrap()
        );
    }
}

#[test]
fn tech_3341_cases_3_to_5_gating() {
    let cases: [&[(f64, f64)]; 3] = [
        &[(10.0, -36.0), (60.0, -23.0), (10.0, -36.0)],
        &[
            (10.0, -72.0),
            (10.0, -36.0),
            (60.0, -23.0),
            (10.0, -36.0),
            (10.0, -72.0),
        ],
        &[(20.0, -26.0), (20.1, -20.0), (20.0, -26.0)],
    ];
    for (k, pieces) in cases.iter().enumerate() {
        let r = measure(&sine_pieces(pieces), |_, _| {});
        assert!(
            near(r.integrated, -23.0, 0.1),
            "case {}: I {:?}",
            k + 3,
            r.integrated
        );
        eprintln!(
            "Tech 3341 case {}: I {:.2} LUFS",
            k + 3,
            r.integrated.unwrap()
        );
    }
}

#[test]
fn tech_3341_case_9_short_term_and_case_12_momentary_are_constant() {
    // The largest distance from −23 LUFS of a reading between `from` and `to` seconds.
    let worst_off =
        |pieces: &[(f64, f64)], from: f64, to: f64, pick: fn(&Reading) -> Option<f64>| {
            let mut worst = 0.0f64;
            let r = measure(&sine_pieces(pieces), |t, r| {
                if (from..=to).contains(&t) {
                    let v = pick(r).expect("a reading once the window is full");
                    worst = worst.max((v + 23.0).abs());
                }
            });
            (worst, r)
        };
    // Case 9: 1.34 s at −20 dBFS and 1.66 s at −30 dBFS, five times: S = −23 ± 0.1 from 3 s.
    let pieces: Vec<(f64, f64)> = (0..5)
        .flat_map(|_| [(1.34, -20.0), (1.66, -30.0)])
        .collect();
    let (worst, r) = worst_off(&pieces, 3.1, 15.0, |r| r.short_term);
    assert!(worst <= 0.1, "case 9: short-term off by {worst} LU");
    assert!(near(r.short_term_max, -23.0, 0.1), "{:?}", r.short_term_max);
    // Case 12: 0.18 s at −20 dBFS and 0.22 s at −30 dBFS, twenty times: M = −23 ± 0.1
    // (read where a whole period lies in the window; the block grid is 10.7 ms).
    let pieces: Vec<(f64, f64)> = (0..20)
        .flat_map(|_| [(0.18, -20.0), (0.22, -30.0)])
        .collect();
    let (worst, _) = worst_off(&pieces, 0.5, 8.0, |r| r.momentary);
    assert!(worst <= 0.1, "case 12: momentary off by {worst} LU");
}

#[test]
fn tech_3342_loudness_range_cases_1_and_2() {
    for (pieces, lra) in [
        ([(20.0, -20.0), (20.0, -30.0)], 10.0),
        ([(20.0, -20.0), (20.0, -15.0)], 5.0),
    ] {
        let r = measure(&sine_pieces(&pieces), |_, _| {});
        assert!(near(r.range, lra, 1.0), "LRA {:?}, want {lra}", r.range);
        eprintln!("Tech 3342: LRA {:.2} LU (want {lra} ± 1)", r.range.unwrap());
    }
}

#[test]
fn nothing_reaches_the_meter_while_nobody_reads_it() {
    let shared = Arc::new(SharedMeters::new());
    let controls = Controls::default();
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, shared.clone());
    let mut meter = LoudnessMeter::default();
    let signal = sine_pieces(&[(2.0, -20.0)]);
    for (k, piece) in signal.chunks(BLOCK).enumerate() {
        let (mut l, mut r) = (piece.to_vec(), piece.to_vec());
        let info = BlockInfo {
            offline_claimed: false,
            now_s: (k * BLOCK) as f64 / f64::from(RATE),
            metering: false,
        };
        monitor.process(&mut [&mut l, &mut r], Layout::Stereo, &controls, info);
    }
    meter.update(&shared.loudness);
    assert_eq!(meter.reading().seconds, 0.0);
    assert_eq!(meter.dropped_frames(&shared.loudness), 0);
    // A reader that falls behind loses samples, counted, never blocking the audio thread.
    for (k, piece) in signal.chunks(BLOCK).chain(signal.chunks(BLOCK)).enumerate() {
        let (mut l, mut r) = (piece.to_vec(), piece.to_vec());
        let info = BlockInfo {
            offline_claimed: false,
            now_s: (k * BLOCK) as f64 / f64::from(RATE),
            metering: true,
        };
        monitor.process(&mut [&mut l, &mut r], Layout::Stereo, &controls, info);
    }
    meter.update(&shared.loudness);
    assert!(meter.dropped_frames(&shared.loudness) > 0);
    assert!(
        (meter.reading().seconds - 2.0).abs() < 0.02,
        "{}",
        meter.reading().seconds
    );
}

#[test]
fn the_audio_thread_feeds_the_meter_without_allocating() {
    let shared = Arc::new(SharedMeters::new());
    let controls = Controls::default();
    let mut monitor = Monitor::new(RATE, BLOCK, &controls, shared.clone());
    let signal = sine_pieces(&[(3.0, -20.0)]);
    let (mut l, mut r) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    let mut meter = LoudnessMeter::default();
    for (k, piece) in signal.chunks(BLOCK).enumerate() {
        let n = piece.len();
        l[..n].copy_from_slice(piece);
        r[..n].copy_from_slice(piece);
        let info = BlockInfo {
            offline_claimed: false,
            now_s: (k * BLOCK) as f64 / f64::from(RATE),
            metering: true,
        };
        let (bl, br) = (&mut l[..n], &mut r[..n]);
        nice_assert_no_alloc::assert_no_alloc(|| {
            monitor.process(&mut [bl, br], Layout::Stereo, &controls, info);
        });
        // The reader (the editor's thread in the plug-in) may allocate: not counted.
        meter.update(&shared.loudness);
    }
    assert!(near(meter.reading().integrated, -20.0, 0.1));
}

#[test]
fn the_renderers_planar_feed_reads_the_same() {
    // Tech 3341 case 9's signal: the maxima are defined, the windows move.
    let pieces: Vec<(f64, f64)> = (0..5)
        .flat_map(|_| [(1.34, -20.0), (1.66, -30.0)])
        .collect();
    let s = sine_pieces(&pieces);
    let mut live = Loudness::new(2, RATE as u32).unwrap();
    live.add_interleaved(&s.iter().flat_map(|&v| [v, v]).collect::<Vec<f32>>());
    let mut report = Loudness::for_report(2, RATE as u32).unwrap();
    report.add_planar(&[&s, &s]);
    let mut mono = Loudness::for_report(1, RATE as u32).unwrap();
    mono.add_planar(&[&s]);
    let want = live.reading();
    assert!(
        near(want.short_term_max, -23.0, 0.1),
        "{:?}",
        want.short_term_max
    );
    for r in [report.reading(), mono.reading()] {
        // The same (planar and interleaved feeds round differently in the last bits).
        for (got, want) in [
            (r.integrated, want.integrated),
            (r.momentary_max, want.momentary_max),
            (r.short_term_max, want.short_term_max),
        ] {
            assert!(near(got, want.unwrap(), 1e-9), "{got:?} vs {want:?}");
        }
        assert_eq!(
            (r.short_term, r.range),
            (None, None),
            "not kept for a report"
        );
    }
}
