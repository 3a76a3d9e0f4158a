//! Test signals: the limiter's corpus, including constructed worst cases for
//! inter-sample peaks.

use std::f64::consts::PI;

use crate::rng::Rng;

/// A named stereo test signal.
pub struct TestSignal {
    /// What it is.
    pub name: String,
    /// Left channel.
    pub left: Vec<f32>,
    /// Right channel.
    pub right: Vec<f32>,
}

fn mono(name: &str, x: Vec<f32>) -> TestSignal {
    TestSignal {
        name: name.to_string(),
        right: x.clone(),
        left: x,
    }
}

/// A sine of `freq` Hz, amplitude `amp`, `len` samples at `rate`, starting phase `phase`.
pub fn sine(rate: f64, freq: f64, amp: f64, len: usize, phase: f64) -> Vec<f32> {
    (0..len)
        .map(|n| (amp * (2.0 * PI * freq * n as f64 / rate + phase).sin()) as f32)
        .collect()
}

/// The sign pattern that maximises the reconstruction at `center + 0.5`:
/// `sign(h(center + 0.5 − j))` for `|j − center| ≤ half`, amplitude `amp`.
pub fn isp_worst_case(len: usize, center: usize, half: usize, amp: f32) -> Vec<f32> {
    let mut x = vec![0.0f32; len];
    for (j, v) in x.iter_mut().enumerate() {
        let t = center as f64 + 0.5 - j as f64;
        if t.abs() <= half as f64 {
            // sinc(t) sign for t = k + 0.5: (−1)^k / (t)
            let s = (PI * t).sin() / t;
            *v = if s >= 0.0 { amp } else { -amp };
        }
    }
    x
}

/// The limiter corpus at `rate`: every signal class the limiter is judged on, plus
/// constructed inter-sample-peak worst cases.
pub fn corpus(rate: f64) -> Vec<TestSignal> {
    let len = (rate * 0.25) as usize;
    let nyq = rate / 2.0;
    let mut out = Vec::new();
    // Square waves, full scale and overdriven.
    for (amp, f) in [(1.0f32, 1000.0), (4.0, 100.0), (1.0, nyq / 3.0)] {
        let period = rate / f;
        let x = (0..len)
            .map(|n| {
                if (n as f64 % period) < period / 2.0 {
                    amp
                } else {
                    -amp
                }
            })
            .collect();
        out.push(mono(&format!("square {f:.0} Hz x{amp}"), x));
    }
    // +30 dB overload burst in silence.
    let mut burst = vec![0.0f32; len];
    for (n, v) in burst.iter_mut().enumerate().skip(len / 4).take(len / 4) {
        *v = (31.6 * (2.0 * PI * 1000.0 * n as f64 / rate).sin()) as f32;
    }
    out.push(mono("+30 dB burst", burst));
    // Single-sample clicks, alternating sign, and a pair.
    let mut clicks = vec![0.0f32; len];
    for k in 0..8 {
        clicks[len / 10 + k * len / 10] = if k % 2 == 0 { 8.0 } else { -8.0 };
    }
    clicks[len - 200] = 5.0;
    clicks[len - 199] = -5.0;
    out.push(mono("clicks", clicks));
    // DC steps.
    let steps = (0..len)
        .map(|n| match n * 4 / len {
            0 => 0.0,
            1 => 2.0,
            2 => -2.0,
            _ => 0.5,
        })
        .collect();
    out.push(mono("DC steps", steps));
    // Sines, +6 dB, up to Nyquist.
    for f in [50.0, 1000.0, 10_000.0, nyq * 0.8, nyq * 0.95, nyq * 0.999] {
        out.push(mono(
            &format!("sine {f:.0} Hz +6 dB"),
            sine(rate, f, 2.0, len, 0.3),
        ));
    }
    // fs/4 sine with 45° phase: samples at 0.707, true peak 1.0 (inter-sample).
    out.push(mono(
        "fs/4 at 45 deg",
        sine(rate, rate / 4.0, 1.0, len, PI / 4.0),
    ));
    // Exponential sweep 20 Hz → Nyquist, +6 dB.
    let sweep: Vec<f32> = {
        let k = (nyq / 20.0).ln();
        let dur = len as f64 / rate;
        (0..len)
            .map(|n| {
                let t = n as f64 / rate;
                let phase = 2.0 * PI * 20.0 * dur / k * ((t / dur * k).exp() - 1.0);
                (2.0 * phase.sin()) as f32
            })
            .collect()
    };
    out.push(mono("sweep +6 dB", sweep));
    // White noise, +6 dBFS peak, independent channels.
    let mut a = Rng::seeded(1);
    let mut b = Rng::seeded(2);
    out.push(TestSignal {
        name: "white noise +6 dBFS".into(),
        left: (0..len).map(|_| 2.0 * a.symmetric()).collect(),
        right: (0..len).map(|_| 2.0 * b.symmetric()).collect(),
    });
    // Random full-scale signs (maximal inter-sample peaks by chance).
    let mut c = Rng::seeded(3);
    out.push(mono(
        "random signs full scale",
        (0..len)
            .map(|_| if c.symmetric() >= 0.0 { 1.0 } else { -1.0 })
            .collect(),
    ));
    // Constructed worst cases: the reference's own maximising sign pattern.
    for (half, amp) in [(128usize, 1.0f32), (128, 0.3), (16, 1.0), (64, 1.0)] {
        out.push(mono(
            &format!("ISP worst case ±{half} x{amp}"),
            isp_worst_case(len, len / 2, half, amp),
        ));
    }
    // Tail attack: a loud low tone whose peak is followed by a coherent alternating
    // burst just beyond the lookahead, adding to the reconstruction at the peak.
    let mut tail = sine(rate, 100.0, 0.95, len, 0.0);
    let peak = (rate / 400.0) as usize + len / 2 - (len / 2) % (rate / 100.0) as usize;
    let worst = isp_worst_case(len, peak, 128, 1.0);
    let end = (peak + 128).min(len);
    tail[peak + 40..end].copy_from_slice(&worst[peak + 40..end]);
    out.push(mono("tail attack", tail));
    // Hard-panned and anti-phase material.
    let l = sine(rate, 440.0, 2.0, len, 0.0);
    out.push(TestSignal {
        name: "hard left +6 dB".into(),
        right: vec![0.0; len],
        left: l.clone(),
    });
    out.push(TestSignal {
        name: "anti-phase +6 dB".into(),
        right: l.iter().map(|v| -v).collect(),
        left: l,
    });
    out
}

/// Programme material for the "untouched below" and "reach the ceiling" measurements
/// (`tests/limiter_precision.rs`): music-like mixes, pink and white noise, a sweep,
/// hard-panned and anti-phase material, each `len` samples of stereo, at whatever
/// level they come out (scale them with [`scaled_to_true_peak`]).
pub fn programme(rate: f64, len: usize) -> Vec<TestSignal> {
    let mut out = Vec::new();
    // A dense mix: partials from the bass to the top octave with slow amplitude
    // movement, a kick-like transient every half second, and a noise floor.
    let partials = [
        40.0, 55.0, 110.0, 220.0, 330.0, 660.0, 1_760.0, 3_500.0, 7_000.0, 12_000.0, 16_000.0,
    ];
    let mix = |detune: f64, seed: u64| -> Vec<f32> {
        let mut noise = Rng::seeded(seed);
        (0..len)
            .map(|n| {
                let t = n as f64 / rate;
                let mut v = 0.0;
                for (k, &f) in partials.iter().enumerate() {
                    if f >= 0.45 * rate {
                        continue;
                    }
                    let swell = 0.6 + 0.4 * (2.0 * PI * (0.3 + 0.17 * k as f64) * t).sin();
                    v += swell / (1.0 + k as f64).sqrt()
                        * (2.0 * PI * f * detune * t + k as f64 * detune).sin();
                }
                let beat = t % 0.5;
                v += 2.0 * (-beat * 40.0).exp() * (2.0 * PI * 60.0 * beat).sin();
                (v + 0.3 * noise.symmetric() as f64) as f32
            })
            .collect()
    };
    out.push(TestSignal {
        name: "music-like mix".into(),
        left: mix(1.0, 11),
        right: mix(1.003, 12),
    });
    out.push(TestSignal {
        name: "hard-panned music".into(),
        left: mix(1.0, 13),
        right: vec![0.0; len],
    });
    let m = mix(1.0, 14);
    out.push(TestSignal {
        name: "anti-phase music".into(),
        right: m.iter().map(|v| -v).collect(),
        left: m,
    });
    // Pink noise: white noise through Kellet's economy filter (−3 dB/octave within
    // ±0.5 dB above 40 Hz at 44.1 kHz), independent channels.
    let pink = |seed: u64| -> Vec<f32> {
        let mut noise = Rng::seeded(seed);
        let mut b = [0.0f64; 3];
        (0..len)
            .map(|_| {
                let w = noise.symmetric() as f64;
                b[0] = 0.99765 * b[0] + w * 0.099_046_0;
                b[1] = 0.96300 * b[1] + w * 0.296_516_4;
                b[2] = 0.57000 * b[2] + w * 1.052_691_3;
                (b[0] + b[1] + b[2] + w * 0.1848) as f32
            })
            .collect()
    };
    out.push(TestSignal {
        name: "pink noise".into(),
        left: pink(21),
        right: pink(22),
    });
    let mut a = Rng::seeded(31);
    let mut b = Rng::seeded(32);
    out.push(TestSignal {
        name: "white noise".into(),
        left: (0..len).map(|_| a.symmetric()).collect(),
        right: (0..len).map(|_| b.symmetric()).collect(),
    });
    // Exponential sweep 20 Hz → 0.45 fs.
    let sweep: Vec<f32> = {
        let top = 0.45 * rate;
        let k = (top / 20.0).ln();
        let dur = len as f64 / rate;
        (0..len)
            .map(|n| {
                let t = n as f64 / rate;
                (2.0 * PI * 20.0 * dur / k * ((t / dur * k).exp() - 1.0)).sin() as f32
            })
            .collect()
    };
    out.push(mono("sweep 20 Hz - 0.45 fs", sweep));
    out
}

/// `signal` scaled (both channels by one factor) so that its strict true peak,
/// measured by `measure`, is `true_peak_db` dBTP.
pub fn scaled_to_true_peak(
    signal: &TestSignal,
    true_peak_db: f64,
    measure: impl Fn(&[f32]) -> f64,
) -> TestSignal {
    let peak = measure(&signal.left).max(measure(&signal.right));
    let scale = 10f64.powf(true_peak_db / 20.0) / peak;
    let apply = |x: &[f32]| x.iter().map(|&v| (v as f64 * scale) as f32).collect();
    TestSignal {
        name: signal.name.clone(),
        left: apply(&signal.left),
        right: apply(&signal.right),
    }
}

/// Pink noise (Paul Kellet's refined filter on [`Rng::symmetric`]), `len` samples, about
/// `rms` RMS.
pub fn pink(len: usize, seed: u64, rms: f32) -> Vec<f32> {
    let mut white = Rng::seeded(seed);
    let mut b = [0.0f64; 7];
    (0..len)
        .map(|_| {
            let w = f64::from(white.symmetric());
            b[0] = 0.99886 * b[0] + w * 0.0555179;
            b[1] = 0.99332 * b[1] + w * 0.0750759;
            b[2] = 0.96900 * b[2] + w * 0.1538520;
            b[3] = 0.86650 * b[3] + w * 0.3104856;
            b[4] = 0.55000 * b[4] + w * 0.5329522;
            b[5] = -0.7616 * b[5] - w * 0.0168980;
            let v = b[0] + b[1] + b[2] + b[3] + b[4] + b[5] + b[6] + w * 0.5362;
            b[6] = w * 0.115926;
            // The filter's RMS gain on uniform white noise in −1 … 1 is about 1.6.
            (v * f64::from(rms) / 1.6) as f32
        })
        .collect()
}

/// One second of stereo programme (two bass tones and white noise, peaks near −2.5 dBFS)
/// that keeps the limiter reducing gain in every block at −1 dBTP: the benchmarks' busy bus.
pub fn busy_programme(rate: usize) -> (Vec<f32>, Vec<f32>) {
    let mut rng = Rng::seeded(0x1234_5678);
    let mut channel = |freq: f32| -> Vec<f32> {
        (0..rate)
            .map(|n| {
                let t = n as f32 / rate as f32;
                0.6 * (2.0 * std::f32::consts::PI * freq * t).sin() + 0.15 * rng.symmetric()
            })
            .collect()
    };
    let left = channel(110.0);
    let right = channel(165.0);
    (left, right)
}
