//! The test-signal stage: pink noise, a 1 kHz sine or the channel check (see
//! [`super::listening::generator`]) replacing the programme, crossfaded over
//! [`super::SWITCH_MS`]. A signal asked for while another plays starts once that one
//! has faded out, so a switch always passes through silence. After the gain and the
//! mode, so that its level at the output is exactly the calibration level and the
//! channel check reaches the ears it names; before the limiter, which always applies.

use super::crossfade::Crossfade;
use super::listening::generator::{CheckStep, Generator, Kind};
use super::stage::{Chunk, Stage, StageSetup};
use super::{Settings, MAX_CHUNK};

/// The test-signal stage.
#[derive(Debug, Clone)]
pub struct TestSignal {
    generator: Generator,
    /// The signal playing (kept while it fades out).
    playing: Kind,
    /// A different signal asked for while one plays: starts once the other faded out.
    pending: Option<Kind>,
    /// Programme (a) to test signal (b).
    fade: Crossfade,
    /// Scratch: the generator's output.
    out: [[f32; MAX_CHUNK]; 2],
}

impl TestSignal {
    /// The stage for `sample_rate` Hz at `settings.generator`.
    pub fn new(sample_rate: f32, settings: &Settings, switch_samples: u32) -> Self {
        Self {
            generator: Generator::new(sample_rate),
            playing: settings.generator,
            pending: None,
            fade: Crossfade::new(settings.generator != Kind::Off, switch_samples),
            out: [[0.0; MAX_CHUNK]; 2],
        }
    }

    /// Whether a test signal is audible (or fading).
    pub fn is_audible(&self) -> bool {
        !self.fade.rests_at_a()
    }

    /// The channel-check step playing now (`None` between steps or when not checking).
    pub fn check_step(&self) -> Option<CheckStep> {
        (self.playing == Kind::ChannelCheck && self.fade.heading_to_b())
            .then(|| self.generator.check_step())
            .flatten()
    }

    /// Starts (or keeps) `kind` playing; the channel check starts from its first step when
    /// it was not playing.
    fn start(&mut self, kind: Kind) {
        if kind == Kind::ChannelCheck && (self.playing != kind || self.fade.rests_at_a()) {
            self.generator.restart_check();
        }
        self.playing = kind;
        self.fade.set(true);
    }
}

impl Stage for TestSignal {
    fn build(setup: &StageSetup) -> Self {
        Self::new(setup.sample_rate, &setup.settings, setup.switch_samples)
    }

    fn apply(&mut self, settings: &Settings) {
        let kind = settings.generator;
        if kind == Kind::Off {
            self.pending = None;
            self.fade.set(false);
        } else if kind == self.playing || self.fade.rests_at_a() {
            self.pending = None;
            self.start(kind);
        } else {
            // Another signal is audible: fade it out first (see `process`).
            self.pending = Some(kind);
            self.fade.set(false);
        }
    }

    fn reset(&mut self) {
        self.fade.jump();
        self.generator.reset();
    }

    fn process(&mut self, chunk: &mut Chunk<'_>) {
        let (left, right) = (&mut *chunk.left, &mut *chunk.right);
        if let Some(kind) = self.pending {
            if self.fade.rests_at_a() {
                self.pending = None;
                self.start(kind);
            }
        }
        if self.fade.rests_at_a() {
            return;
        }
        let len = left.len();
        let [gl, gr] = &mut self.out;
        self.generator
            .fill(self.playing, &mut gl[..len], &mut gr[..len]);
        self.fade
            .blend_into_a([left, right], [&gl[..len], &gr[..len]]);
    }
}
