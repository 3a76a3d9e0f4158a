//! What every entry of the chain's stage list ([`super::chain`]) is: a [`Stage`] built
//! from the chain's [`StageSetup`], taking the chain's settings, and processing one
//! [`Chunk`] in place.

use super::meters::BlockMeters;
use super::{LatencyMode, Settings, MAX_CHUNK};

/// What a stage is built from.
#[derive(Debug, Clone, Copy)]
pub struct StageSetup {
    /// Sample rate, in Hz.
    pub sample_rate: f32,
    /// The settings the chain starts with.
    pub settings: Settings,
    /// Length of every click-free switch ([`super::SWITCH_MS`]), in samples.
    pub switch_samples: u32,
    /// The delay of the stages before this one in the list, in samples, in each latency
    /// setting (indexed by [`LatencyMode::index`]).
    pub latency_before: [usize; LatencyMode::COUNT],
}

/// One chunk of at most [`MAX_CHUNK`] samples on its way through the stage list, and what
/// the list's taps keep of it.
#[derive(Debug)]
pub struct Chunk<'a> {
    /// The left channel, processed in place.
    pub left: &'a mut [f32],
    /// The right channel, processed in place.
    pub right: &'a mut [f32],
    /// The input after hygiene, kept by the dry tap for bypass (`..len` valid; the
    /// chain's scratch).
    pub dry: &'a mut [[f32; MAX_CHUNK]; 2],
    /// What the meter taps measured of this chunk.
    pub meters: BlockMeters,
    /// Whether the (costly) true-peak meters run.
    pub true_peak_metering: bool,
}

impl<'a> Chunk<'a> {
    /// A chunk of `left` and `right` (equal lengths, at most [`MAX_CHUNK`]), with `dry` as
    /// the dry tap's scratch.
    pub fn new(
        left: &'a mut [f32],
        right: &'a mut [f32],
        dry: &'a mut [[f32; MAX_CHUNK]; 2],
        true_peak_metering: bool,
    ) -> Self {
        debug_assert!(left.len() == right.len() && left.len() <= MAX_CHUNK);
        Self {
            left,
            right,
            dry,
            meters: BlockMeters::default(),
            true_peak_metering,
        }
    }

    /// Samples in the chunk.
    pub fn len(&self) -> usize {
        self.left.len()
    }

    /// Whether the chunk holds no sample.
    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }
}

/// One entry of the chain's stage list: plain settings in, a chunk processed in place.
pub trait Stage {
    /// The stage as the chain builds it (allocates; from `activate`).
    fn build(setup: &StageSetup) -> Self
    where
        Self: Sized;
    /// Takes new settings; every audible change glides (never clicks).
    fn apply(&mut self, settings: &Settings);
    /// Clears all state (no allocation); glides jump to their targets.
    fn reset(&mut self);
    /// Processes a chunk in place.
    fn process(&mut self, chunk: &mut Chunk<'_>);
    /// The delay this stage adds in the latency setting `mode`, in samples.
    fn latency_samples(&self, _mode: LatencyMode) -> usize {
        0
    }
}
