//! The monitor layer, without the plug-in: render-aware monitoring, the listening level and
//! dose, the layouts, and the loudness meter.

#[path = "monitor/layer.rs"]
mod layer;
#[path = "monitor/loudness.rs"]
mod loudness;
