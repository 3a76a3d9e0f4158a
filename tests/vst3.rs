//! The built plug-in as VST3, through the project's own harness on the `vst3` crate's COM
//! bindings (`test_support::vst3_host`): factory, buses, setup, parameters and automation,
//! state, the editor view, and render-aware monitoring.

#[path = "vst3/host.rs"]
mod host;
#[path = "vst3/render_aware.rs"]
mod render_aware;
