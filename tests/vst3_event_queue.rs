//! The VST3 wrapper's event queue under dense automation, in a test binary of its own: the
//! check reads the wrapper's log, which nice-plug opens once per process from `NICE_LOG`
//! when the first instance is created, so no other test may create an instance first.

#[path = "vst3/automation_events.rs"]
mod automation_events;
