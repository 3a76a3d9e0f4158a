//! The demonstration programme of `render --demo`: 20 s of synthesised stereo at
//! 48 kHz that exercises everything the plugin does. Deterministic (a fixed-seed
//! xorshift for the noise), so its report is reproducible.
//!
//! | time | what | what to listen / look for |
//! |---|---|---|
//! | 0–6 s | a groove: kick, hi-hat, bass, a pad; kicks peak near +2 dBFS | the limiter catches the kicks |
//! | 6–10 s | hard-panned: pad only left, drums only right | one-sided balance (try Swap) |
//! | 10–14 s | anti-phase: the right channel is the left inverted | correlation −1; Mono cancels it |
//! | 14–20 s | the groove 6 dB louder, with inter-sample overs | steady limiting, output still ≤ ceiling |

use std::f64::consts::PI;

use super::Audio;

/// Sample rate of the demo, in Hz.
pub const DEMO_RATE_HZ: u32 = 48_000;
/// Length of the demo, in seconds.
pub const DEMO_SECONDS: f64 = 20.0;

/// Tempo of the groove, in beats per second (120 BPM).
const BEATS_PER_S: f64 = 2.0;

/// A small deterministic noise source.
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f64 / u32::MAX as f64 * 2.0 - 1.0
    }
}

/// The parts of the groove at time `t`, in seconds: (kick, hat, bass, pad).
fn groove(t: f64, noise: &mut Noise) -> (f64, f64, f64, f64) {
    let beat = t * BEATS_PER_S;
    let since_beat = beat.fract() / BEATS_PER_S;
    // Kick: a pitch-dropping sine with a fast decay and a click at the start.
    let kick_phase =
        2.0 * PI * (50.0 * since_beat + 60.0 * (1.0 - (-since_beat * 30.0).exp()) / 30.0);
    let kick = 0.95 * kick_phase.sin() * (-since_beat * 9.0).exp();
    // Hi-hat: noise bursts on the off-beats.
    let since_half = (beat + 0.5).fract() / BEATS_PER_S;
    let hat = 0.15 * noise.next() * (-since_half * 60.0).exp();
    // Bass: a root that changes every two beats.
    let roots = [55.0, 55.0, 73.42, 65.41];
    let root = roots[(beat / 2.0) as usize % roots.len()];
    let bass = 0.35 * (2.0 * PI * root * t).sin() * (0.6 + 0.4 * (-(beat.fract()) * 4.0).exp());
    // Pad: a minor triad with a slow vibrato.
    let vibrato = 1.0 + 0.002 * (2.0 * PI * 5.0 * t).sin();
    let pad = [220.0, 261.63, 329.63]
        .iter()
        .map(|f| 0.06 * (2.0 * PI * f * vibrato * t).sin())
        .sum::<f64>();
    (kick, hat, bass, pad)
}

/// Synthesises the programme.
pub fn programme() -> Audio {
    let rate = DEMO_RATE_HZ as f64;
    let frames = (DEMO_SECONDS * rate) as usize;
    let mut noise = Noise(0x2545_f491);
    let (mut left, mut right) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    for n in 0..frames {
        let t = n as f64 / rate;
        let (kick, hat, bass, pad) = groove(t, &mut noise);
        let (kick, hat, bass, pad) = (0.75 * kick, 0.75 * hat, 0.75 * bass, 0.75 * pad);
        let (l, r) = if t < 6.0 {
            let centre = kick + bass;
            (centre + hat * 0.7 + pad, centre + hat + pad * 0.8)
        } else if t < 10.0 {
            (pad * 2.0, kick + hat + bass)
        } else if t < 14.0 {
            let x = 0.7 * (kick + bass + pad + hat);
            (x, -x)
        } else {
            // 6 dB louder, plus an fs/4 burst at 45° now and then: inter-sample overs.
            let loud = 2.0;
            let burst = if (t * 2.0).fract() < 0.02 {
                0.9 * (2.0 * PI * rate / 4.0 * t + PI / 4.0).sin()
            } else {
                0.0
            };
            (
                loud * (kick + bass + pad + hat * 0.7) + burst,
                loud * (kick + bass + pad * 0.8 + hat) + burst,
            )
        };
        left.push(l as f32);
        right.push(r as f32);
    }
    Audio {
        sample_rate: DEMO_RATE_HZ,
        channels: vec![left, right],
    }
}
