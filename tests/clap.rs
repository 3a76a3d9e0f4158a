//! The built plug-in as CLAP, through the project's own clack-host harness
//! (`test_support::clap_host`): conformance, processing, state, parameters, crossfeed and
//! the safe-listening features through the host's view, render-aware monitoring, and the
//! harness itself.

#[path = "clap/conformance.rs"]
mod conformance;
#[path = "clap/crossfeed.rs"]
mod crossfeed;
#[path = "clap/harness.rs"]
mod harness;
#[path = "clap/listening.rs"]
mod listening;
#[path = "clap/plugin.rs"]
mod plugin;
#[path = "clap/render_aware.rs"]
mod render_aware;
