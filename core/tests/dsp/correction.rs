//! Headphone correction through the whole chain: the magnitude response by FFT of an
//! impulse against the cookbook design, per-ear curves, the level match by BS.1770
//! loudness of pink noise, click-free loads and toggles, bit-transparency while off,
//! the ears' mix and delay by impulse, and the limiter's strict promise with +30 dB of EQ
//! boost.

use test_support::signals;
use test_support::strict;

use headphone_monitor_core::correction_file::LoadedCorrection;
use headphone_monitor_core::dsp::correction::{self, Curve};
use headphone_monitor_core::dsp::{db_to_gain, Chain, CorrectionSettings, Settings};
use rustfft::num_complex::Complex;

const RATES: [f32; 3] = [44_100.0, 48_000.0, 96_000.0];

/// Every fixture that plays, with what it exercises.
const FILES: [&str; 5] = [
    "autoeq_shaped.txt",
    "per_ear.txt",
    "every_type.txt",
    "rew_export.txt",
    "apo/config.txt",
];

fn fixture(name: &str) -> Curve {
    let path = test_support::fixture("eq").join(name);
    LoadedCorrection::read(&path).unwrap().curve
}

fn corrected(curve: Curve, level_match: bool) -> Settings {
    Settings {
        correction: CorrectionSettings {
            on: true,
            level_match,
            curve,
            prepared: None,
        },
        ..Settings::default()
    }
}

/// The chain's impulse response per ear (latency removed), `len` samples.
fn impulse_response(rate: f32, settings: Settings, len: usize) -> [Vec<f32>; 2] {
    let mut chain = Chain::new(rate, settings);
    let lat = chain.latency_samples();
    let amp = 0.01f32;
    let n = len + lat;
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    l[0] = amp;
    r[0] = amp;
    for (cl, cr) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
        chain.process(cl, cr);
    }
    [&l, &r].map(|x| x[lat..].iter().map(|v| v / amp).collect())
}

/// Magnitude in dB of the FFT of `x` at every bin.
fn spectrum_db(x: &[f32]) -> Vec<f64> {
    let mut buf: Vec<Complex<f64>> = x.iter().map(|&v| Complex::new(f64::from(v), 0.0)).collect();
    rustfft::FftPlanner::new()
        .plan_fft_forward(buf.len())
        .process(&mut buf);
    buf.iter().map(|c| 20.0 * c.norm().log10()).collect()
}

/// Largest |measured − cookbook| over 20 Hz … 20 kHz, per ear, in dB.
fn worst_error_db(rate: f32, curve: Curve) -> [f64; 2] {
    let len = 1 << 17;
    let ir = impulse_response(rate, corrected(curve, false), len);
    let designs = correction::design_curve(&curve, rate);
    let mut worst = [0.0f64; 2];
    for ear in 0..2 {
        let measured = spectrum_db(&ir[ear]);
        for (bin, m) in measured.iter().enumerate().take(len / 2) {
            let f = bin as f64 * f64::from(rate) / len as f64;
            if !(20.0..=20_000.0).contains(&f) {
                continue;
            }
            // An impulse in both ears: a centred source.
            let expected = 10.0 * designs.power(ear, f, f64::from(rate)).log10();
            worst[ear] = worst[ear].max((m - expected).abs());
        }
    }
    worst
}

#[test]
fn the_response_is_the_cookbooks_within_five_hundredths_of_a_db() {
    for name in FILES {
        let curve = fixture(name);
        for rate in RATES {
            let worst = worst_error_db(rate, curve);
            println!(
                "{name} at {rate} Hz: worst error L {:.5} dB, R {:.5} dB",
                worst[0], worst[1]
            );
            assert!(
                worst[0] <= 0.05 && worst[1] <= 0.05,
                "{name} at {rate} Hz: {worst:?}"
            );
        }
    }
}

#[test]
fn per_ear_files_give_per_ear_curves() {
    let curve = fixture("per_ear.txt");
    let ir = impulse_response(48_000.0, corrected(curve, false), 1 << 15);
    let [l, r] = [spectrum_db(&ir[0]), spectrum_db(&ir[1])];
    let bin = |f: f64| (f / 48_000.0 * (1 << 15) as f64).round() as usize;
    // At 7 kHz the right ear has a −5 dB notch the left ear has not; at 9.5 kHz the
    // left ear has its +4 dB peak.
    assert!(l[bin(7_000.0)] - r[bin(7_000.0)] > 4.0);
    assert!(l[bin(9_500.0)] - r[bin(9_500.0)] > 3.0);
    // And each matches its own design (preamp −5 dB on both).
    let d = correction::response_db(&curve, 48_000.0, 7_000.0);
    assert!(
        (r[bin(7_000.0)] - d[1]).abs() < 0.05,
        "{} vs {}",
        r[bin(7_000.0)],
        d[1]
    );
}

fn loudness(rate: f32, l: &[f32], r: &[f32]) -> f64 {
    let mut meter = ebur128::EbuR128::new(2, rate as u32, ebur128::Mode::I).unwrap();
    meter.add_frames_planar_f32(&[l, r]).unwrap();
    meter.loudness_global().unwrap()
}

#[test]
fn level_match_keeps_pink_noise_within_two_tenths_of_a_lu() {
    for rate in RATES {
        let len = (rate * 20.0) as usize;
        let (l, r) = (signals::pink(len, 1, 0.016), signals::pink(len, 2, 0.016));
        let run = |settings: Settings| {
            let mut chain = Chain::new(rate, settings);
            let (mut a, mut b) = (l.clone(), r.clone());
            for (ca, cb) in a.chunks_mut(1024).zip(b.chunks_mut(1024)) {
                chain.process(ca, cb);
            }
            // Skip the first second (the noise's own start).
            let skip = rate as usize;
            loudness(rate, &a[skip..], &b[skip..])
        };
        let bare = run(Settings::default());
        for name in FILES.iter().chain(&GRAPHIC_FILES[..2]) {
            let curve = fixture(name);
            let matched = run(corrected(curve, true));
            let raw = run(corrected(curve, false));
            let predicted = correction::level_match_db(&curve, rate);
            println!(
                "{name} at {rate} Hz: bare {bare:.2} LUFS, corrected {raw:.2}, matched {matched:.2} \
                 (level match {predicted:+.2} dB)"
            );
            assert!(
                (matched - bare).abs() <= 0.2,
                "{name} {rate}: {matched} vs {bare}"
            );
            // The match does something: without it the level differs by its gain.
            assert!(
                ((raw - bare) + predicted).abs() <= 0.2,
                "{name} {rate}: {raw} {bare} {predicted}"
            );
        }
    }
}

#[test]
fn loads_changes_and_toggles_never_click() {
    let rate = 48_000.0f32;
    let amp = 0.3f32;
    let freq = 440.0;
    let natural = 2.0 * std::f32::consts::PI * freq / rate;
    let block = 480;
    let blocks = 400;
    let source = signals::sine(
        f64::from(rate),
        f64::from(freq),
        f64::from(amp),
        block * blocks,
        0.0,
    );
    let a = fixture("autoeq_shaped.txt");
    let b = fixture("per_ear.txt");
    let boost = fixture("boost20.txt");
    let graphic = fixture("graphic_eq.txt");
    let sequence: [(bool, bool, Curve); 10] = [
        (true, true, a),                // load (on, level matched)
        (true, true, b),                // change the file
        (false, true, b),               // correction off
        (true, true, b),                // on again
        (true, false, b),               // level match off
        (true, false, boost),           // a big boost (into the limiter)
        (true, true, Curve::default()), // unload
        (true, true, graphic),          // a graphic EQ (a long FIR)
        (false, true, graphic),         // off and on again
        (true, true, a),
    ];
    let mut chain = Chain::new(rate, Settings::default());
    let (mut left, mut right) = (source.clone(), source.clone());
    for (i, (l, r)) in left
        .chunks_mut(block)
        .zip(right.chunks_mut(block))
        .enumerate()
    {
        if i % 40 == 20 {
            let (on, level_match, curve) = sequence[(i / 40) % sequence.len()];
            chain.set_settings(Settings {
                correction: CorrectionSettings {
                    on,
                    level_match,
                    curve,
                    prepared: None,
                },
                ..Settings::default()
            });
        }
        chain.process(l, r);
    }
    // The largest step of a sine is ω·amplitude; the EQ changes the amplitude (at 440 Hz
    // by up to a few dB), so allow the step of the loudest steady output seen.
    for (name, x) in [("left", &left), ("right", &right)] {
        let peak = x[2 * block..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let allowed = natural * peak * 1.05;
        let worst = test_support::measure::max_step(&x[2 * block..]);
        assert!(worst <= allowed, "{name}: step {worst} > {allowed}");
    }
}

#[test]
fn off_or_flat_is_bit_transparent() {
    let rate = 48_000.0;
    let curve = fixture("autoeq_shaped.txt");
    for settings in [
        Settings {
            correction: CorrectionSettings {
                on: false,
                level_match: true,
                curve,
                prepared: None,
            },
            ..Settings::default()
        },
        corrected(Curve::default(), true),
    ] {
        let mut chain = Chain::new(rate, settings);
        let lat = chain.latency_samples();
        let x = signals::sine(48_000.0, 997.0, 0.5, 20_000, 0.3);
        let (mut l, mut r) = (x.clone(), x.clone());
        chain.process(&mut l, &mut r);
        for i in lat..x.len() {
            assert_eq!(l[i].to_bits(), x[i - lat].to_bits(), "{i}");
            assert_eq!(r[i].to_bits(), x[i - lat].to_bits(), "{i}");
        }
    }
}

#[test]
fn the_ceiling_holds_with_thirty_db_of_boost() {
    let reference = strict::StrictTruePeak::default();
    for (name, rate) in ["boost30.txt", "graphic_boost30.txt"]
        .into_iter()
        .flat_map(|n| RATES.map(|r| (n, r)))
    {
        let curve = fixture(name);
        let ceiling = db_to_gain(-1.0) as f64;
        let mut worst = 0.0f64;
        for signal in signals::corpus(f64::from(rate)) {
            let mut chain = Chain::new(rate, corrected(curve, false));
            let (mut l, mut r) = (signal.left.clone(), signal.right.clone());
            // Flush the lookahead and the filters' ringing with silence, so the whole
            // signal comes out (a cut-off end would be an edge of its own).
            let flush = chain.latency_samples() + (rate / 5.0) as usize;
            l.extend(std::iter::repeat_n(0.0, flush));
            r.extend(std::iter::repeat_n(0.0, flush));
            for (cl, cr) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
                chain.process(cl, cr);
            }
            for x in [&l, &r] {
                assert!(x.iter().all(|v| v.is_finite()), "{}", signal.name);
                let tp = reference.measure(x);
                worst = worst.max(tp);
                assert!(
                    tp <= ceiling,
                    "{} at {rate}: {} dBTP",
                    signal.name,
                    strict::db(tp)
                );
            }
        }
        println!(
            "{name} (+30 dB) at {rate} Hz: highest strict true peak {:.3} dBTP",
            strict::db(worst)
        );
    }
}

#[test]
fn bad_input_with_correction_stays_finite_and_recovers() {
    let rate = 44_100.0;
    let mut chain = Chain::new(rate, corrected(fixture("boost20.txt"), true));
    let bad = [f32::NAN, f32::INFINITY, -1e30, 1e-40, f32::NEG_INFINITY];
    let mut l: Vec<f32> = (0..4410).map(|i| bad[i % bad.len()]).collect();
    let mut r = l.clone();
    chain.process(&mut l, &mut r);
    assert!(l
        .iter()
        .chain(&r)
        .all(|v| v.is_finite() && v.abs() <= db_to_gain(-1.0)));
    let x = signals::sine(44_100.0, 1000.0, 0.01, 44_100, 0.0);
    let (mut l, mut r) = (x.clone(), x.clone());
    chain.process(&mut l, &mut r);
    let tail = l[30_000..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
    // A 1 kHz sine comes out at the correction's 1 kHz gain plus its level match.
    let curve = fixture("boost20.txt");
    let expected_db = correction::response_db(&curve, rate, 1000.0)[0]
        + correction::level_match_db(&curve, rate)
        - 40.0;
    let tail_db = 20.0 * f64::from(tail).log10();
    assert!(
        (tail_db - expected_db).abs() < 0.1,
        "recovered: {tail_db} dB vs {expected_db} dB"
    );
}

/// One impulse of `amp` at sample 0 in the ears `on`, through `settings` at 48 kHz; the
/// output per ear with the chain's latency removed, `len` samples.
fn impulse_in(settings: Settings, on: [bool; 2], amp: f32, len: usize) -> [Vec<f32>; 2] {
    let mut chain = Chain::new(48_000.0, settings);
    let lat = chain.latency_samples();
    assert_eq!(
        lat,
        Chain::new(48_000.0, Settings::default()).latency_samples()
    );
    let n = len + lat;
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    l[0] = if on[0] { amp } else { 0.0 };
    r[0] = if on[1] { amp } else { 0.0 };
    for (cl, cr) in l.chunks_mut(100).zip(r.chunks_mut(100)) {
        chain.process(cl, cr);
    }
    [l[lat..].to_vec(), r[lat..].to_vec()]
}

fn parsed(text: &str) -> Curve {
    headphone_monitor_core::eqapo::parse(text).unwrap().curve
}

#[test]
fn copy_mixes_the_ears_and_delay_moves_one_ear_without_changing_the_latency() {
    let amp = 0.125f32;
    // L = 0.5·L + 0.5·R, R = L (as before the line): by impulse in one ear at a time.
    let mix = corrected(parsed("Copy: L=0.5*L+0.5*R R=L\n"), false);
    let from_left = impulse_in(mix, [true, false], amp, 64);
    let from_right = impulse_in(mix, [false, true], amp, 64);
    assert_eq!((from_left[0][0], from_left[1][0]), (0.5 * amp, amp));
    assert_eq!((from_right[0][0], from_right[1][0]), (0.5 * amp, 0.0));
    for out in from_left.iter().chain(&from_right) {
        assert!(
            out[1..].iter().all(|&v| v == 0.0),
            "only at the reported latency"
        );
    }
    // A delay on the right ear only: its impulse is exactly 0.5 ms (24 samples) late.
    let delayed = corrected(parsed("Channel: R\nDelay: 0.5 ms\n"), false);
    let out = impulse_in(delayed, [true, true], amp, 64);
    assert_eq!(out[0][0], amp);
    let late: Vec<usize> = (0..64).filter(|&i| out[1][i] != 0.0).collect();
    assert_eq!(late, [24]);
    assert_eq!(out[1][24], amp);
    // The same delay on both ears is taken out: it would only shift the whole output
    // against the host's latency compensation.
    let both = corrected(
        parsed("Delay: 10 samples\nChannel: L\nDelay: 2 samples\n"),
        false,
    );
    let out = impulse_in(both, [true, true], amp, 64);
    assert_eq!((out[0][2], out[1][0]), (amp, amp));
    // A delay before a mix shows in both ears; one after it only in its own.
    let before_and_after = corrected(
        parsed("Channel: L\nDelay: 5 samples\nCopy: R=L+R\nChannel: R\nDelay: 3 samples\n"),
        false,
    );
    let out = impulse_in(before_and_after, [true, false], amp, 64);
    let at = |x: &[f32]| (0..64).filter(|&i| x[i] != 0.0).collect::<Vec<_>>();
    assert_eq!((at(&out[0]), at(&out[1])), (vec![5], vec![8]));
}

#[test]
fn a_file_with_includes_mix_and_delays_plays_as_read() {
    let path = test_support::fixture("eq/apo/config.txt");
    let loaded = LoadedCorrection::read(&path).unwrap();
    // What the reader said it skipped: the device, the stage, the centre and sub channel,
    // and the lower-case preamp.
    assert_eq!(loaded.notes.len(), 4, "{:#?}", loaded.notes);
    let curve = loaded.curve;
    assert_eq!(curve.ears.map(|e| e.len), [3, 2]);
    let mix = curve.mix.unwrap();
    assert_eq!(mix.matrix, [[0.9, 0.1], [0.1, 0.9]]);
    assert_eq!(mix.after.map(|e| e.len), [0, 1]);
    // Measured against the design at every rate (the left ear's 0.25 ms before the mix
    // makes a comb in both ears for a centred source).
    for rate in RATES {
        let worst = worst_error_db(rate, curve);
        assert!(worst[0] < 0.05 && worst[1] < 0.05, "{rate}: {worst:?}");
    }
}

#[test]
fn figures_prepared_off_the_audio_thread_are_used_at_their_rate_only() {
    use headphone_monitor_core::dsp::correction::Prepared;
    let curve = fixture("per_ear.txt");
    let rate = 48_000.0f32;
    let real = Prepared::new(&curve, rate);
    // Computed ahead or by the stage: the same values.
    assert_eq!(
        real.level_match_db,
        correction::level_match_db(&curve, rate)
    );
    assert_eq!(real.figures, correction::figures(&curve, rate));
    let run = |prepared: Option<Prepared>| {
        let mut settings = corrected(curve, true);
        settings.correction.prepared = prepared;
        let mut chain = Chain::new(rate, settings);
        let mut l = signals::sine(f64::from(rate), 1000.0, 0.01, 9_600, 0.0);
        let mut r = l.clone();
        for (cl, cr) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
            chain.process(cl, cr);
        }
        (l, r)
    };
    let computed = run(None);
    assert_eq!(
        run(Some(real)),
        computed,
        "the prepared values are the computed ones"
    );
    // A level match 6 dB off, prepared for this rate, is what plays: the stage used it.
    let off = Prepared {
        level_match_db: real.level_match_db + 6.0,
        ..real
    };
    let (l, _) = run(Some(off));
    let ratio =
        test_support::measure::rms(&l[4_800..]) / test_support::measure::rms(&computed.0[4_800..]);
    assert!((20.0 * ratio.log10() - 6.0).abs() < 0.01, "{ratio}");
    // Prepared for another rate: ignored, computed here.
    let other_rate = Prepared {
        sample_rate: 44_100.0,
        ..off
    };
    assert_eq!(run(Some(other_rate)), computed);
}

/// The graphic EQ fixtures: one shaped like AutoEq's 127-point files, one that turns
/// steeply near 20 Hz, one with +30 dB of boost.
const GRAPHIC_FILES: [&str; 3] = [
    "graphic_eq.txt",
    "graphic_steep_bass.txt",
    "graphic_boost30.txt",
];

/// Largest |measured − curve| over the checked band (20 Hz … 20 kHz, or to 0.45·fs), per
/// ear, in dB: the curve is the file's graphic points interpolated as EqualizerAPO
/// defines them (plus the preamp), computed here independently of the plug-in's design.
fn worst_graphic_error_db(rate: f32, name: &str) -> [f64; 2] {
    let text = std::fs::read_to_string(test_support::fixture("eq").join(name)).unwrap();
    let mut preamp_db = 0.0;
    let mut points: Vec<(f64, f64)> = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(p) = line.strip_prefix("Preamp:") {
            preamp_db += p
                .trim()
                .trim_end_matches("dB")
                .trim()
                .parse::<f64>()
                .unwrap();
        }
        if let Some(p) = line.strip_prefix("GraphicEQ:") {
            for pair in p.split(';') {
                let v: Vec<f64> = pair
                    .split_whitespace()
                    .map(|w| w.parse().unwrap())
                    .collect();
                points.push((v[0], v[1]));
            }
        }
    }
    let curve_db = |f: f64| -> f64 {
        let i = points.iter().position(|p| p.0 > f).unwrap_or(points.len());
        if i == 0 {
            points[0].1
        } else if i == points.len() {
            points[points.len() - 1].1
        } else {
            let (a, b) = (points[i - 1], points[i]);
            a.1 + (b.1 - a.1) * (f / a.0).ln() / (b.0 / a.0).ln()
        }
    };
    let len = 1 << 18;
    let ir = impulse_response(rate, corrected(fixture(name), false), len);
    let top = if rate < 44_100.0 {
        0.45 * f64::from(rate)
    } else {
        20_000.0
    };
    let mut worst = [0.0f64; 2];
    for ear in 0..2 {
        let measured = spectrum_db(&ir[ear]);
        for (bin, m) in measured.iter().enumerate().take(len / 2) {
            let f = bin as f64 * f64::from(rate) / len as f64;
            if (20.0..=top).contains(&f) {
                worst[ear] = worst[ear].max((m - curve_db(f) - preamp_db).abs());
            }
        }
    }
    worst
}

#[test]
fn a_graphic_eq_plays_its_curve_within_two_tenths_of_a_db_and_an_autoeq_shape_within_a_tenth() {
    for name in GRAPHIC_FILES {
        for rate in RATES {
            let worst = worst_graphic_error_db(rate, name);
            let firs = correction::fir::FirSet::design(&fixture(name), rate);
            println!(
                "{name} at {rate} Hz: {} taps, worst error L {:.4} dB, R {:.4} dB",
                firs.taps[0].len(),
                worst[0],
                worst[1]
            );
            let allowed = if name == "graphic_eq.txt" { 0.1 } else { 0.2 };
            assert!(
                worst[0] <= allowed && worst[1] <= allowed,
                "{name} at {rate} Hz: {worst:?}"
            );
        }
    }
}

#[test]
fn a_graphic_eq_waits_for_filters_designed_elsewhere_then_fades_in_and_plays_exactly() {
    let rate = 48_000.0f32;
    let curve = fixture("graphic_eq.txt");
    let x = signals::sine(48_000.0, 997.0, 0.3, 48_000, 0.0);
    let mut chain = Chain::new(rate, Settings::default());
    chain.set_correction_design_here(false);
    chain.set_settings(corrected(curve, false));
    let lat = chain.latency_samples();
    let (mut l, mut r) = (x.clone(), x.clone());
    let (first_l, first_r) = (&mut l[..12_000], &mut r[..12_000]);
    for (cl, cr) in first_l.chunks_mut(480).zip(first_r.chunks_mut(480)) {
        chain.process(cl, cr);
    }
    // Without its filters the chain plays on as it was: bit-transparent.
    for i in lat..12_000 {
        assert_eq!(l[i].to_bits(), x[i - lat].to_bits(), "{i}");
    }
    // Filters for another rate are ignored; the right ones start the fade.
    chain.provide_correction_firs(&correction::fir::FirSet::design(&curve, 44_100.0));
    let (mid_l, mid_r) = (&mut l[12_000..14_400], &mut r[12_000..14_400]);
    chain.process(mid_l, mid_r);
    for i in 12_000..14_400 {
        assert_eq!(l[i].to_bits(), x[i - lat].to_bits(), "{i}");
    }
    chain.provide_correction_firs(&correction::fir::FirSet::design(&curve, rate));
    let (rest_l, rest_r) = (&mut l[14_400..], &mut r[14_400..]);
    for (cl, cr) in rest_l.chunks_mut(480).zip(rest_r.chunks_mut(480)) {
        chain.process(cl, cr);
    }
    // Once faded in, the output is that of a chain that had the curve from the start.
    let mut reference = Chain::new(rate, corrected(curve, false));
    let (mut rl, mut rr) = (x.clone(), x.clone());
    for (cl, cr) in rl.chunks_mut(480).zip(rr.chunks_mut(480)) {
        reference.process(cl, cr);
    }
    let tail = 40_000..48_000;
    let worst = l[tail.clone()]
        .iter()
        .zip(&rl[tail.clone()])
        .chain(r[tail.clone()].iter().zip(&rr[tail]))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}
