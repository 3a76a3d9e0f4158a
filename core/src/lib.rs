//! Headphone Monitor's core, without the plug-in framework: everything the plug-in does
//! with audio and with its files, driven the same way by the plug-in, the offline renderer,
//! the tests and the benchmarks.
//!
//! - [`dsp`]: the monitoring chain as pure DSP (plain settings, slices in and out);
//! - [`monitor`]: what the plug-in does with a block — the chain, render-aware monitoring,
//!   the listening level and dose — from plain controls and an injected clock;
//! - [`meters`], [`loudness`]: what the audio thread publishes and the loudness meter;
//! - [`eqapo`], [`correction_file`]: headphone-correction files and their saved form;
//! - [`params`]: every parameter defined once (id, name, unit, range, default), and
//!   [`values`]: the parameters' values as the monitor layer's controls.

#![deny(missing_docs)]

pub mod correction_file;
pub mod dsp;
pub mod eqapo;
pub mod loudness;
pub mod meters;
pub mod monitor;
pub mod params;
pub mod settings_file;
pub mod values;
