//! The DSP, without the plug-in: the chain's promises (transparency, latency, clicks, bad
//! input), the limiter's precision by the strict true-peak reference, property tests, the
//! monitor controller, headphone correction, measurements and a soak.

#[path = "dsp/chain.rs"]
mod chain;
#[path = "dsp/controller.rs"]
mod controller;
#[path = "dsp/correction.rs"]
mod correction;
#[path = "dsp/limiter_precision.rs"]
mod limiter_precision;
#[path = "dsp/low_latency.rs"]
mod low_latency;
#[path = "dsp/measurements.rs"]
mod measurements;
#[path = "dsp/properties.rs"]
mod properties;
#[path = "dsp/soak.rs"]
mod soak;
#[path = "dsp/true_peak.rs"]
mod true_peak;
