//! A small, synchronous CLAP host for integration tests, built on `clack-host`.
//!
//! [`Host`] loads the plugin's CLAP binary, instantiates the plugin and drives it through the
//! usual CLAP lifecycle from the test thread:
//!
//! * The test thread is the plugin's **main thread**: instantiation, activation, deactivation,
//!   parameter queries, state and latency all run there (`PluginInstance` is not `Send`).
//! * Everything CLAP marks as **`[audio-thread]`** (`start_processing`, `process`,
//!   `stop_processing`, and `params.flush` while active) runs on a short-lived scoped thread named
//!   `clap-audio` while the test thread waits for it. nice-plug identifies its main thread by the
//!   thread that created the instance, so this keeps its main-thread/audio-thread split realistic
//!   (GUI tasks are queued and announced through `request_callback` instead of running inline in
//!   `process`). A panic on the audio thread is re-raised on the test thread.
//! * After every operation the host "idles": pending `request_callback`s are answered with
//!   `on_main_thread()`, and `request_flush` is answered with `params.flush` while inactive.
//! * Restart requests (`request_restart`) made while [`Host::activate`] runs are honoured at
//!   once by re-activating (nice-plug makes one whenever `activate()` changes the latency).
//!   Requests made later, e.g. from `process()`, are only recorded; see
//!   [`Host::restart_requested`] and [`Host::restart_if_requested`]. All host callbacks are
//!   counted in [`CallbackCounts`].
//! * The plugin library stays loaded until the test process exits (see [`plugin_path`] for how
//!   it is found); unloading it would crash thread exit (see `load_entry`).
//!
//! Parameter values in this API are **normalized** (0..=1), exactly like nice-plug's own
//! normalized values. The CLAP wrapper of nice-plug exposes stepped parameters (bool, enum, int)
//! with a plain range of `0..=step_count`; the harness converts in both directions using the
//! parameter's CLAP min/max, so callers never see CLAP plain values unless they use
//! [`ParamInfo`] directly.

use std::ffi::{c_char, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use clack_extensions::audio_ports::{AudioPortFlags, AudioPortInfoBuffer, PluginAudioPorts};
use clack_extensions::gui::{
    GuiApiType, GuiConfiguration, GuiSize, HostGui, HostGuiImpl, PluginGui,
};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::tail::{PluginTail, TailLength};
use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::extensions::{Extension, PluginExtensionSide, RawExtension};
use clack_host::prelude::*;
use clack_host::utils::{BeatTime, SecondsTime};

/// The CLAP id of the plugin under test.
pub const PLUGIN_ID: &str = "org.headphone-monitor.headphone-monitor";

/// File name of the plugin library that cargo builds for the `cdylib` crate type.
#[cfg(not(windows))]
pub const LIBRARY_NAME: &str = "libheadphone_monitor.so";
/// File name of the plugin library that cargo builds for the `cdylib` crate type.
#[cfg(windows)]
pub const LIBRARY_NAME: &str = "headphone_monitor.dll";

/// Environment variable that overrides the plugin path, e.g. `target/bundled/Headphone
/// Monitor.clap` (on Linux and Windows the bundle is the library itself).
pub const PATH_ENV_VAR: &str = "HM_CLAP_PATH";

/// An event space id no plugin has registered (CLAP's core space is 0).
pub const FOREIGN_SPACE_ID: u16 = 0x7e57;

/// The largest number of parameter events delivered in one audio-thread run before the test
/// thread gets a chance to service main-thread callbacks. nice-plug queues one GUI task per
/// parameter change in a bounded (4096 entries) queue that is drained from `on_main_thread()`.
const MAX_EVENTS_PER_AUDIO_RUN: usize = 1024;

/// How often [`Host::activate`] honours restart requests the plugin makes while activating.
pub const MAX_ACTIVATION_RESTARTS: usize = 3;

/// Computes the CLAP parameter id nice-plug derives from a parameter's string id
/// (the `#[id = "..."]` attribute): a 31-bit Java-style string hash.
pub fn param_id(string_id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in string_id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(u32::from(byte));
    }
    hash & !(1 << 31)
}

/// Loads a plug-in library the way hosts do: on Unix `dlopen` with `RTLD_NOW | RTLD_LOCAL`
/// (every symbol resolved up front, so a missing one fails here), on Windows `LoadLibraryExW`
/// (which resolves a DLL's imports at load time anyway).
///
/// # Panics
///
/// Panics, naming the call and the path, if the library does not load.
///
/// # Safety
///
/// Loading runs the library's initialisers; the tests trust the plugin.
pub unsafe fn load_library(path: &Path) -> libloading::Library {
    #[cfg(unix)]
    let library = unsafe {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        Library::open(Some(path), RTLD_NOW | RTLD_LOCAL)
    }
    .map(libloading::Library::from)
    .unwrap_or_else(|e| panic!("dlopen({}, RTLD_NOW): {e}", path.display()));
    #[cfg(windows)]
    let library = unsafe { libloading::Library::new(path) }
        .unwrap_or_else(|e| panic!("LoadLibrary({}): {e}", path.display()));
    library
}

/// Locates the plugin binary to load.
///
/// Order: `$HM_CLAP_PATH` (must exist if set); the `cdylib` next to the running test executable
/// (`<target>/<profile>/deps/`, then `<target>/<profile>/`, which covers `CARGO_TARGET_DIR` and
/// `--release`); `$CARGO_TARGET_DIR/debug/`; `<manifest dir>/target/debug/`.
///
/// # Panics
///
/// Panics with the list of searched locations if no candidate exists.
pub fn plugin_path() -> PathBuf {
    if let Some(path) = std::env::var_os(PATH_ENV_VAR) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{PATH_ENV_VAR} is set to {}, which is not a file",
            path.display()
        );
        return path;
    }

    let mut candidates = Vec::new();
    if let Ok(exe) = std::env::current_exe() {
        if let Some(deps_dir) = exe.parent() {
            candidates.push(deps_dir.join(LIBRARY_NAME));
            if let Some(profile_dir) = deps_dir.parent() {
                candidates.push(profile_dir.join(LIBRARY_NAME));
            }
        }
    }
    if let Some(target_dir) = std::env::var_os("CARGO_TARGET_DIR") {
        candidates.push(PathBuf::from(target_dir).join("debug").join(LIBRARY_NAME));
    }
    candidates.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("target")
            .join("debug")
            .join(LIBRARY_NAME),
    );

    match candidates.iter().find(|path| path.is_file()) {
        Some(path) => path.clone(),
        None => panic!(
            "could not find the plugin library {LIBRARY_NAME}; looked at:\n  {}\n\
             build it with `cargo build` (or run via `cargo test`), or set {PATH_ENV_VAR}",
            candidates
                .iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join("\n  ")
        ),
    }
}

/// Loads the CLAP entry at `path`, or returns the already loaded one.
///
/// Every loaded entry is kept in a process-wide list and never dropped, so the library is never
/// unloaded. This matters: the plugin's copy of Rust `std` registers thread-local destructors on
/// every thread that runs plugin code (test threads, audio threads). If the library were
/// unloaded when the last `Host` of a test drops, those destructors would point into unmapped
/// memory when the test thread exits, and the test binary would die with SIGSEGV.
fn load_entry(path: &Path) -> PluginEntry {
    static LOADED: Mutex<Vec<(PathBuf, PluginEntry)>> = Mutex::new(Vec::new());
    let mut loaded = LOADED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, entry)) = loaded.iter().find(|(loaded_path, _)| loaded_path == path) {
        return entry.clone();
    }
    // SAFETY: loading a dynamic library runs its initializers; the tests trust the plugin.
    let entry = unsafe { PluginEntry::load(path) }
        .unwrap_or_else(|e| panic!("failed to load CLAP entry {}: {e}", path.display()));
    loaded.push((path.to_owned(), entry.clone()));
    entry
}

/// Splits a nice-plug CLAP state blob (8-byte little-endian length + JSON) and returns the JSON.
///
/// # Panics
///
/// Panics if the blob is shorter than its header says or the JSON is not UTF-8.
pub fn state_json(state: &[u8]) -> &str {
    assert!(state.len() >= 8, "state blob is only {} bytes", state.len());
    let (header, body) = state.split_at(8);
    let length = u64::from_le_bytes(header.try_into().expect("8-byte header"));
    let length = usize::try_from(length).expect("state length fits in usize");
    assert!(
        body.len() >= length,
        "state header announces {length} bytes but only {} follow",
        body.len()
    );
    std::str::from_utf8(&body[..length]).expect("state JSON is UTF-8")
}

/// Builds a nice-plug CLAP state blob (8-byte little-endian length + JSON) from JSON text.
pub fn make_state(json: &str) -> Vec<u8> {
    let mut state = (json.len() as u64).to_le_bytes().to_vec();
    state.extend_from_slice(json.as_bytes());
    state
}

/// What the library's plugin factory describes: one entry per plugin.
#[derive(Debug, Clone, PartialEq)]
pub struct DescriptorInfo {
    /// Plugin ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Version string.
    pub version: String,
    /// Feature strings, in order.
    pub features: Vec<String>,
}

/// Lists the factory's descriptors and, for each of `probe_ids`, whether the
/// factory creates a plugin for it (it must return null for unknown IDs).
pub fn probe_factory(path: &Path, probe_ids: &[&str]) -> (Vec<DescriptorInfo>, Vec<bool>) {
    let entry = load_entry(path);
    let text = |c: Option<&std::ffi::CStr>| {
        c.map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let descriptors = entry
        .get_plugin_factory()
        .map(|factory| {
            factory
                .plugin_descriptors()
                .map(|d| DescriptorInfo {
                    id: text(d.id()),
                    name: text(d.name()),
                    version: text(d.version()),
                    features: d
                        .features()
                        .map(|f| f.to_string_lossy().into_owned())
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    let host_info = HostInfo::new(
        "probe",
        "headphone_monitor",
        "https://example.invalid",
        "0.1.0",
    )
    .expect("host info strings contain no NUL bytes");
    let created = probe_ids
        .iter()
        .map(|id| {
            let id = CString::new(*id).expect("plugin id contains no NUL bytes");
            let callbacks = Arc::new(Callbacks::default());
            let (shared, main_thread) = (Arc::clone(&callbacks), Arc::clone(&callbacks));
            PluginInstance::<Handlers>::new(
                move |()| SharedCallbacks(shared),
                move |_| MainThreadCallbacks(main_thread),
                &entry,
                &id,
                &host_info,
            )
            .is_ok()
        })
        .collect();
    (descriptors, created)
}

/// Owned copy of a parameter's CLAP `clap_param_info`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamInfo {
    /// CLAP parameter id (see [`param_id`]).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Module path (`"a/b"`), usually empty.
    pub module: String,
    /// CLAP plain minimum (0 for nice-plug).
    pub min: f64,
    /// CLAP plain maximum (1, or the step count for stepped parameters).
    pub max: f64,
    /// CLAP plain default value.
    pub default: f64,
    /// Raw `CLAP_PARAM_*` flag bits; see the `is_*` helpers.
    pub flags: u32,
}

impl ParamInfo {
    /// Whether the parameter is stepped (bool, int or enum in nice-plug).
    pub fn is_stepped(&self) -> bool {
        self.has_flag(ParamInfoFlags::IS_STEPPED)
    }

    /// Whether the parameter is the plugin's bypass parameter.
    pub fn is_bypass(&self) -> bool {
        self.has_flag(ParamInfoFlags::IS_BYPASS)
    }

    /// Whether the host may automate the parameter.
    pub fn is_automatable(&self) -> bool {
        self.has_flag(ParamInfoFlags::IS_AUTOMATABLE)
    }

    /// Whether the parameter is hidden from the user.
    pub fn is_hidden(&self) -> bool {
        self.has_flag(ParamInfoFlags::IS_HIDDEN)
    }

    /// The default value, normalized to 0..=1.
    pub fn default_normalized(&self) -> f64 {
        self.to_normalized(self.default)
    }

    /// Converts a normalized (0..=1) value into this parameter's CLAP plain value.
    pub fn to_plain(&self, normalized: f64) -> f64 {
        self.min + normalized * (self.max - self.min)
    }

    /// Converts a CLAP plain value into a normalized (0..=1) value.
    pub fn to_normalized(&self, plain: f64) -> f64 {
        if self.max > self.min {
            (plain - self.min) / (self.max - self.min)
        } else {
            0.0
        }
    }

    fn has_flag(&self, flag: ParamInfoFlags) -> bool {
        self.flags & flag.bits() != 0
    }
}

/// Cumulative counts of the host callbacks the plugin has made since the [`Host`] was created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallbackCounts {
    /// `clap_host.request_restart`.
    pub restart_requests: u32,
    /// `clap_host.request_process`.
    pub process_requests: u32,
    /// `clap_host.request_callback` (all of them were answered with `on_main_thread()`).
    pub callback_requests: u32,
    /// `clap_host_params.request_flush`.
    pub flush_requests: u32,
    /// `clap_host_latency.changed`.
    pub latency_changed: u32,
    /// `clap_host_params.rescan`.
    pub param_rescans: u32,
    /// Union of all `clap_host_params.rescan` flag bits seen.
    pub param_rescan_flags: u32,
    /// `clap_host_params.clear`.
    pub param_clears: u32,
    /// `clap_host_state.mark_dirty`.
    pub state_dirty: u32,
}

/// Counters and pending-request flags written by the host callbacks (from any thread).
#[derive(Default)]
struct Callbacks {
    restart_requests: AtomicU32,
    process_requests: AtomicU32,
    callback_requests: AtomicU32,
    flush_requests: AtomicU32,
    latency_changed: AtomicU32,
    param_rescans: AtomicU32,
    param_rescan_flags: AtomicU32,
    param_clears: AtomicU32,
    state_dirty: AtomicU32,
    restart_pending: AtomicBool,
    callback_pending: AtomicBool,
    flush_pending: AtomicBool,
}

impl Callbacks {
    fn bump(counter: &AtomicU32) {
        counter.fetch_add(1, Ordering::SeqCst);
    }

    fn snapshot(&self) -> CallbackCounts {
        let load = |counter: &AtomicU32| counter.load(Ordering::SeqCst);
        CallbackCounts {
            restart_requests: load(&self.restart_requests),
            process_requests: load(&self.process_requests),
            callback_requests: load(&self.callback_requests),
            flush_requests: load(&self.flush_requests),
            latency_changed: load(&self.latency_changed),
            param_rescans: load(&self.param_rescans),
            param_rescan_flags: load(&self.param_rescan_flags),
            param_clears: load(&self.param_clears),
            state_dirty: load(&self.state_dirty),
        }
    }
}

/// `[thread-safe]` host callbacks. Only atomics, so calling them never allocates or blocks.
struct SharedCallbacks(Arc<Callbacks>);

impl SharedHandler<'_> for SharedCallbacks {
    fn request_restart(&self) {
        Callbacks::bump(&self.0.restart_requests);
        self.0.restart_pending.store(true, Ordering::SeqCst);
    }

    fn request_process(&self) {
        // The harness always processes when told to; nothing to schedule.
        Callbacks::bump(&self.0.process_requests);
    }

    fn request_callback(&self) {
        Callbacks::bump(&self.0.callback_requests);
        self.0.callback_pending.store(true, Ordering::SeqCst);
    }
}

impl HostParamsImplShared for SharedCallbacks {
    fn request_flush(&self) {
        Callbacks::bump(&self.0.flush_requests);
        self.0.flush_pending.store(true, Ordering::SeqCst);
    }
}

/// The host side of the GUI extension: a host that accepts every request (nice-plug
/// requires it before `gui.create`). No window is ever shown by the harness.
impl HostGuiImpl for SharedCallbacks {
    fn resize_hints_changed(&self) {}

    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }

    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn closed(&self, _was_destroyed: bool) {}
}

/// `[main-thread]` host callbacks.
struct MainThreadCallbacks(Arc<Callbacks>);

impl MainThreadHandler<'_> for MainThreadCallbacks {}

impl HostLatencyImpl for MainThreadCallbacks {
    fn changed(&self) {
        Callbacks::bump(&self.0.latency_changed);
    }
}

impl HostParamsImplMainThread for MainThreadCallbacks {
    fn rescan(&self, flags: ParamRescanFlags) {
        Callbacks::bump(&self.0.param_rescans);
        self.0
            .param_rescan_flags
            .fetch_or(flags.bits(), Ordering::SeqCst);
    }

    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {
        Callbacks::bump(&self.0.param_clears);
    }
}

impl HostStateImpl for MainThreadCallbacks {
    fn mark_dirty(&self) {
        Callbacks::bump(&self.0.state_dirty);
    }
}

/// Ties the handler types together for clack.
struct Handlers;

impl HostHandlers for Handlers {
    type Shared<'a> = SharedCallbacks;
    type MainThread<'a> = MainThreadCallbacks;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostGui>()
            .register::<HostLatency>()
            .register::<HostParams>()
            .register::<HostState>();
    }
}

/// Mirror of CLAP's `clap_audio_ports_config` (ABI-stable since CLAP 1.0).
///
/// `clack-extensions` only wraps this extension behind its `audio-ports-config` feature, which
/// this crate does not enable, so the harness talks to it directly.
#[repr(C)]
struct RawAudioPortsConfig {
    id: u32,
    name: [c_char; 256],
    input_port_count: u32,
    output_port_count: u32,
    has_main_input: bool,
    main_input_channel_count: u32,
    main_input_port_type: *const c_char,
    has_main_output: bool,
    main_output_channel_count: u32,
    main_output_port_type: *const c_char,
}

/// Mirror of CLAP's `clap_plugin_audio_ports_config`. The plugin pointer is typed as `c_void`:
/// raw pointers are ABI-compatible regardless of their pointee type.
#[repr(C)]
#[derive(Clone, Copy)]
struct RawAudioPortsConfigExtension {
    count: Option<unsafe extern "C" fn(plugin: *const c_void) -> u32>,
    get: Option<
        unsafe extern "C" fn(
            plugin: *const c_void,
            index: u32,
            config: *mut RawAudioPortsConfig,
        ) -> bool,
    >,
    select: Option<unsafe extern "C" fn(plugin: *const c_void, config_id: u32) -> bool>,
}

/// Plugin side of the `clap.audio-ports-config` extension.
#[derive(Clone, Copy)]
struct PluginAudioPortsConfig(RawExtension<PluginExtensionSide, RawAudioPortsConfigExtension>);

// SAFETY: `RawAudioPortsConfigExtension` has the layout of `clap_plugin_audio_ports_config`,
// which is what a plugin returns for this identifier.
unsafe impl Extension for PluginAudioPortsConfig {
    const IDENTIFIERS: &'static [&'static CStr] = &[c"clap.audio-ports-config"];
    type ExtensionSide = PluginExtensionSide;

    unsafe fn from_raw(raw: RawExtension<Self::ExtensionSide>) -> Self {
        // SAFETY: the identifier guarantees the pointee type, see above.
        Self(unsafe { raw.cast() })
    }
}

/// One entry of the plugin's audio-ports-config list, as reported by the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortConfig {
    /// Config id to pass to `select` (nice-plug uses the index into `AUDIO_IO_LAYOUTS`).
    pub id: u32,
    /// Display name, e.g. "Stereo".
    pub name: String,
    /// Channels of the main input port (0 if there is none).
    pub input_channels: u32,
    /// Channels of the main output port (0 if there is none).
    pub output_channels: u32,
    /// Total number of input ports, including auxiliary ones.
    pub input_ports: u32,
    /// Total number of output ports, including auxiliary ones.
    pub output_ports: u32,
}

/// Settings of the current activation.
#[derive(Debug, Clone, Copy)]
struct Activation {
    sample_rate: f64,
    max_block: u32,
    input_channels: usize,
    output_channels: usize,
}

/// A loaded and instantiated plugin, driven synchronously from the test thread.
///
/// Not `Send`: create and use it on one test thread. Dropping it deactivates and destroys the
/// plugin.
pub struct Host {
    // Field order matters for dropping: the processor (if any) is handled in `Drop`, then the
    // instance is destroyed, then this entry handle is released (`load_entry` keeps the
    // library itself loaded).
    processor: Option<PluginAudioProcessor<Handlers>>,
    instance: PluginInstance<Handlers>,
    _entry: PluginEntry,
    callbacks: Arc<Callbacks>,
    params_ext: Option<PluginParams>,
    state_ext: Option<PluginState>,
    latency_ext: Option<PluginLatency>,
    audio_ports_ext: Option<PluginAudioPorts>,
    ports_config_ext: Option<PluginAudioPortsConfig>,
    params: Vec<ParamInfo>,
    activation: Option<Activation>,
    steady_time: u64,
    /// xorshift64 state for random transports (0: none); see [`Host::set_random_transport`].
    transport_rng: u64,
    /// See [`Host::set_constant_input`].
    constant_input: bool,
    /// See [`Host::set_foreign_namespace_decoys`].
    foreign_copies: bool,
    /// See [`Host::last_status`].
    last_status: Option<ProcessStatus>,
}

/// One audio port as the audio-ports extension declares it.
#[derive(Debug, Clone, PartialEq)]
pub struct PortSummary {
    /// Input (true) or output port.
    pub is_input: bool,
    /// Channel count.
    pub channel_count: u32,
    /// `CLAP_AUDIO_PORT_IS_MAIN`.
    pub is_main: bool,
    /// `CLAP_AUDIO_PORT_SUPPORTS_64BITS`.
    pub supports_64bit: bool,
    /// The paired port for in-place processing, if any.
    pub in_place_pair: Option<u32>,
}

/// The plugin's editor as seen through the CLAP GUI extension.
#[derive(Debug, Clone, PartialEq)]
pub struct GuiInfo {
    /// Embedding in the platform's window system is supported (X11 on Linux, Win32 on
    /// Windows).
    pub embedded: bool,
    /// `create` succeeded.
    pub created: bool,
    /// Reported size, in pixels.
    pub size: Option<(u32, u32)>,
    /// The editor can be resized by the host.
    pub can_resize: bool,
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

impl Host {
    /// Loads the plugin found by [`plugin_path`] and instantiates [`PLUGIN_ID`].
    ///
    /// The plugin starts deactivated with its default audio port configuration.
    pub fn new() -> Self {
        Self::load(&plugin_path(), PLUGIN_ID)
    }

    /// Loads the CLAP binary at `path` and instantiates the plugin with the given CLAP id.
    ///
    /// # Panics
    ///
    /// Panics if the library cannot be loaded, has no plugin factory, or the id is unknown.
    pub fn load(path: &Path, plugin_id: &str) -> Self {
        let entry = load_entry(path);
        let host_info = HostInfo::new(
            "headphone_monitor test host",
            "headphone_monitor",
            "https://example.invalid",
            "0.1.0",
        )
        .expect("host info strings contain no NUL bytes");
        let id = CString::new(plugin_id).expect("plugin id contains no NUL bytes");

        let callbacks = Arc::new(Callbacks::default());
        let shared = Arc::clone(&callbacks);
        let main_thread = Arc::clone(&callbacks);
        let instance = PluginInstance::<Handlers>::new(
            move |()| SharedCallbacks(shared),
            move |_| MainThreadCallbacks(main_thread),
            &entry,
            &id,
            &host_info,
        )
        .unwrap_or_else(|e| {
            let available: Vec<String> = entry
                .get_plugin_factory()
                .map(|factory| {
                    factory
                        .plugin_descriptors()
                        .filter_map(|d| d.id().map(|id| id.to_string_lossy().into_owned()))
                        .collect()
                })
                .unwrap_or_default();
            panic!(
                "failed to instantiate plugin {plugin_id:?} from {}: {e} \
                 (available ids: {available:?})",
                path.display()
            )
        });

        let handle = instance.plugin_shared_handle();
        let params_ext = handle.get_extension::<PluginParams>();
        let state_ext = handle.get_extension::<PluginState>();
        let latency_ext = handle.get_extension::<PluginLatency>();
        let audio_ports_ext = handle.get_extension::<PluginAudioPorts>();
        let ports_config_ext = handle.get_extension::<PluginAudioPortsConfig>();

        let mut host = Self {
            processor: None,
            instance,
            _entry: entry,
            callbacks,
            params_ext,
            state_ext,
            latency_ext,
            audio_ports_ext,
            ports_config_ext,
            params: Vec::new(),
            activation: None,
            steady_time: 0,
            transport_rng: 0,
            constant_input: false,
            foreign_copies: false,
            last_status: None,
        };
        host.params = host.query_param_infos();
        host.pump_main_thread();
        host
    }

    // ----------------------------------------------------------------------------------------
    // Lifecycle
    // ----------------------------------------------------------------------------------------

    /// (Re)activates the plugin with the currently selected audio port configuration and starts
    /// processing. `max_block` is the largest block `process` may use; the minimum is 1.
    ///
    /// If the plugin is active it is deactivated first. If the plugin requests a restart during
    /// activation, the harness restarts it right away, like a DAW would (at most
    /// [`MAX_ACTIVATION_RESTARTS`] times; a request still pending after that stays visible in
    /// [`Host::restart_requested`]). This is the normal case with nice-plug: a
    /// `set_latency_samples` call from `Plugin::activate` that changes the latency is applied
    /// after the plugin counts as active, so it turns into `request_restart`, and the restarted
    /// activation then reports `clap_host_latency.changed`. So the first `activate` of a plugin
    /// with latency activates it twice; see [`CallbackCounts`] for what happened.
    ///
    /// # Panics
    ///
    /// Panics if activation or `start_processing` fails, or if the port layout has auxiliary
    /// ports (unsupported by the harness).
    pub fn activate(&mut self, sample_rate: f64, max_block: u32) {
        self.activate_once(sample_rate, max_block);
        let mut restarts = 0;
        while restarts < MAX_ACTIVATION_RESTARTS
            && self.callbacks.restart_pending.swap(false, Ordering::SeqCst)
        {
            self.activate_once(sample_rate, max_block);
            restarts += 1;
        }
    }

    /// Selects the audio port configuration with `input_channels` main input channels and
    /// `output_channels` main output channels, then (re)activates like [`Host::activate`].
    ///
    /// The selection uses the `clap.audio-ports-config` extension (nice-plug exposes one config
    /// per entry of `AUDIO_IO_LAYOUTS`) and persists across later [`Host::activate`] calls.
    ///
    /// # Panics
    ///
    /// Panics if no configuration matches; the message lists the available ones.
    pub fn activate_with_channels(
        &mut self,
        sample_rate: f64,
        max_block: u32,
        input_channels: u32,
        output_channels: u32,
    ) {
        self.deactivate();
        self.select_port_config(input_channels, output_channels);
        self.activate(sample_rate, max_block);
    }

    /// Stops processing (on the audio thread) and deactivates the plugin. No-op when inactive.
    pub fn deactivate(&mut self) {
        if self.processor.is_none() {
            return;
        }
        self.on_audio_thread(|processor| {
            processor.ensure_processing_stopped();
        });
        let processor = self
            .processor
            .take()
            .expect("processor checked above")
            .into_stopped();
        self.instance.deactivate(processor);
        self.activation = None;
        self.pump_main_thread();
    }

    /// Whether the plugin is currently activated.
    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    /// Main (input, output) channel counts of the plugin's current audio port configuration.
    pub fn channels(&mut self) -> (u32, u32) {
        self.main_channels()
    }

    /// The sample rate of the current activation, if active.
    pub fn sample_rate(&self) -> Option<f64> {
        self.activation.map(|a| a.sample_rate)
    }

    /// The latency reported by the plugin's latency extension (0 if it has none).
    ///
    /// nice-plug reports the value set by `set_latency_samples`, so call this after
    /// [`Host::activate`] when the plugin sets its latency there.
    pub fn latency(&mut self) -> u32 {
        match self.latency_ext {
            Some(latency) => latency.get(&self.instance.plugin_handle()),
            None => 0,
        }
    }

    /// The tail reported through `clap.tail` (an audio-thread call: needs an activation);
    /// `None` without the extension or while inactive.
    pub fn tail(&mut self) -> Option<TailLength> {
        let tail = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginTail>()?;
        let processor = self.processor.as_mut()?;
        Some(tail.get(&processor.plugin_handle()))
    }

    /// What a host learns about the plugin's editor before showing it: whether it
    /// embeds with X11, the size it reports, whether it can be resized and, when
    /// `create` is true (this needs an X display), whether `create` works.
    /// `None` without the GUI extension.
    pub fn gui_info(&mut self, create: bool) -> Option<GuiInfo> {
        let gui = self
            .instance
            .plugin_shared_handle()
            .get_extension::<PluginGui>()?;
        let handle = self.instance.plugin_handle();
        let config = GuiConfiguration {
            api_type: if cfg!(windows) {
                GuiApiType::WIN32
            } else {
                GuiApiType::X11
            },
            is_floating: false,
        };
        let embedded = gui.is_api_supported(&handle, config);
        let created = create && gui.create(&handle, config).is_ok();
        let size = gui.get_size(&handle).map(|s| (s.width, s.height));
        let can_resize = gui.can_resize(&handle);
        if created {
            gui.destroy(&handle);
        }
        Some(GuiInfo {
            embedded,
            created,
            size,
            can_resize,
        })
    }

    /// Whether the plugin requested a restart that has not been handled yet.
    pub fn restart_requested(&self) -> bool {
        self.callbacks.restart_pending.load(Ordering::SeqCst)
    }

    /// Handles a pending restart request like a DAW would: deactivates and reactivates (via
    /// [`Host::activate`]) with the same sample rate, block size and port configuration. Returns
    /// whether a restart was pending. Requests made during processing (e.g. a latency change
    /// from `process()`) are never handled implicitly.
    pub fn restart_if_requested(&mut self) -> bool {
        if !self.callbacks.restart_pending.swap(false, Ordering::SeqCst) {
            return false;
        }
        if let Some(activation) = self.activation {
            self.activate(activation.sample_rate, activation.max_block);
        }
        true
    }

    /// Cumulative counts of the plugin's host callbacks so far.
    pub fn callback_counts(&self) -> CallbackCounts {
        self.callbacks.snapshot()
    }

    /// Runs pending main-thread work: answers `request_callback` with `on_main_thread()` and,
    /// while inactive, answers `request_flush` with an empty `params.flush`. All other methods
    /// already call this; it is public for tests that want to idle explicitly.
    pub fn pump_main_thread(&mut self) {
        // Bounded, in case a plugin keeps re-requesting callbacks from its callback.
        for _ in 0..64 {
            let callback = self
                .callbacks
                .callback_pending
                .swap(false, Ordering::SeqCst);
            if callback {
                self.instance.call_on_main_thread_callback();
            }

            let flush = self.processor.is_none()
                && self.callbacks.flush_pending.swap(false, Ordering::SeqCst);
            if flush {
                self.flush_inactive(&[]);
            }

            if !callback && !flush {
                break;
            }
        }
    }

    // ----------------------------------------------------------------------------------------
    // Audio
    // ----------------------------------------------------------------------------------------

    /// Processes `input` (one `Vec<f32>` per main input channel, all the same length) in blocks
    /// of `block` frames (the last block may be shorter) and returns the main output channels.
    ///
    /// `events` are `(frame, param_string_id, normalized_value)`, with `frame` counted from the
    /// start of `input`. Each becomes a CLAP `param_value` event in the block containing that
    /// frame, at offset `frame - block_start`. They are stably sorted by frame, so events on the
    /// same frame keep their order.
    ///
    /// Blocks run on the audio thread; the test thread services main-thread callbacks after
    /// every 1024 delivered events and at the end. `steady_time` counts frames across calls
    /// (from 0 when the `Host` is created); no transport is sent. Input buffers are non-constant
    /// copies, so the plugin may not alias or modify the caller's data.
    ///
    /// # Panics
    ///
    /// Panics if the plugin is inactive, the channel count does not match the active layout,
    /// channels differ in length, `block` is 0 or above the activation's `max_block`, an event
    /// frame is outside the signal, a parameter id is unknown, or the plugin returns a
    /// processing error.
    pub fn process(
        &mut self,
        input: &[Vec<f32>],
        block: usize,
        events: &[(usize, &str, f64)],
    ) -> Vec<Vec<f32>> {
        let activation = self
            .activation
            .expect("process() called while the plugin is inactive; call activate() first");
        assert_eq!(
            input.len(),
            activation.input_channels,
            "process() got {} input channels but the active layout has {}",
            input.len(),
            activation.input_channels
        );
        let frames = input.first().map_or(0, Vec::len);
        assert!(
            input.iter().all(|channel| channel.len() == frames),
            "all input channels must have the same length"
        );
        assert!(
            block >= 1 && block <= activation.max_block as usize,
            "block size {block} must be within 1..={}",
            activation.max_block
        );

        let mut clap_events: Vec<(usize, u32, f64)> = events
            .iter()
            .map(|&(frame, id, normalized)| {
                assert!(
                    frame < frames,
                    "event for {id:?} at frame {frame} is outside the {frames}-frame signal"
                );
                let info = self.param_info(id);
                (frame, info.id, info.to_plain(normalized))
            })
            .collect();
        clap_events.sort_by_key(|&(frame, _, _)| frame);

        let mut inputs = input.to_vec();
        let mut outputs = vec![vec![0.0_f32; frames]; activation.output_channels];
        // Processing serves any pending flush request.
        self.callbacks.flush_pending.store(false, Ordering::SeqCst);

        let mut position = BlockPosition {
            frame: 0,
            event: 0,
            steady_time: self.steady_time,
            transport_rng: self.transport_rng,
            constant_input: self.constant_input,
            foreign_copies: self.foreign_copies,
            last_status: None,
        };
        while position.frame < frames {
            position = self.on_audio_thread(|processor| {
                process_blocks(
                    processor,
                    &mut inputs,
                    &mut outputs,
                    frames,
                    block,
                    &clap_events,
                    position,
                )
            });
        }
        self.steady_time = position.steady_time;
        self.transport_rng = position.transport_rng;
        self.last_status = position.last_status;
        outputs
    }

    // ----------------------------------------------------------------------------------------
    // Parameters
    // ----------------------------------------------------------------------------------------

    /// All parameters as reported by the plugin when the `Host` was created.
    pub fn param_infos(&self) -> Vec<ParamInfo> {
        self.params.clone()
    }

    /// The info for the parameter with this string id.
    ///
    /// # Panics
    ///
    /// Panics if the plugin has no such parameter.
    pub fn param_info(&self, string_id: &str) -> &ParamInfo {
        let id = param_id(string_id);
        self.params
            .iter()
            .find(|info| info.id == id)
            .unwrap_or_else(|| {
                panic!("the plugin has no parameter with string id {string_id:?} (CLAP id {id})")
            })
    }

    /// Calls `process` with zero frames (empty buffers for every channel of the active
    /// layout, no events), as some hosts do, and returns whether the plugin accepted it.
    pub fn process_zero_frames(&mut self) -> bool {
        let activation = self
            .activation
            .expect("process_zero_frames() called while the plugin is inactive");
        let steady_time = self.steady_time;
        let (inputs, outputs) = (activation.input_channels, activation.output_channels);
        self.on_audio_thread(move |processor| {
            let processor = processor
                .as_started_mut()
                .expect("the plugin is active but not processing");
            let mut input_data: Vec<Vec<f32>> = vec![Vec::new(); inputs];
            let mut output_data: Vec<Vec<f32>> = vec![Vec::new(); outputs];
            let mut input_ports = AudioPorts::with_capacity(inputs, 1);
            let mut output_ports = AudioPorts::with_capacity(outputs, 1);
            let input_buffers = input_ports.with_input_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    input_data
                        .iter_mut()
                        .map(|channel| InputChannel::variable(&mut channel[..])),
                ),
            }]);
            let mut output_buffers = output_ports.with_output_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    output_data.iter_mut().map(|channel| &mut channel[..]),
                ),
            }]);
            let input_events = EventBuffer::new();
            let mut output_events = EventBuffer::new();
            processor
                .process(
                    &input_buffers,
                    &mut output_buffers,
                    &input_events.as_input(),
                    &mut output_events.as_output(),
                    Some(steady_time),
                    None,
                )
                .is_ok()
        })
    }

    /// Sets a parameter to a normalized value immediately, through `clap_plugin_params.flush`:
    /// on the main thread while inactive, on the audio thread (between process calls) while
    /// active. The value is visible to [`Host::get_param`] right away and applies from the
    /// start of the next processed block. For sample-accurate changes use the `events` argument
    /// of [`Host::process`].
    pub fn set_param(&mut self, string_id: &str, normalized: f64) {
        let info = self.param_info(string_id);
        let event = ParamValueEvent::new(
            0,
            ClapId::new(info.id),
            Pckn::match_all(),
            info.to_plain(normalized),
        );
        if self.processor.is_some() {
            let params = self.params_ext();
            self.on_audio_thread(move |processor| {
                let events = [event];
                let mut handle = processor.plugin_handle();
                params.flush_active(
                    &mut handle,
                    &InputEvents::from_buffer(&events),
                    &mut OutputEvents::void(),
                );
            });
        } else {
            self.flush_inactive(&[event]);
            self.pump_main_thread();
        }
    }

    /// The parameter's current value, normalized (via `clap_plugin_params.get_value`).
    pub fn get_param(&mut self, string_id: &str) -> f64 {
        let info = self.param_info(string_id).clone();
        let params = self.params_ext();
        let plain = params
            .get_value(&self.instance.plugin_handle(), ClapId::new(info.id))
            .unwrap_or_else(|| panic!("get_value failed for parameter {string_id:?}"));
        info.to_normalized(plain)
    }

    /// Formats a normalized value with the plugin's `value_to_text` (units included).
    pub fn value_to_text(&mut self, string_id: &str, normalized: f64) -> Option<String> {
        let info = self.param_info(string_id).clone();
        let params = self.params_ext();
        let mut buffer = [0_u8; 512];
        let text = params
            .value_to_text(
                &self.instance.plugin_handle(),
                ClapId::new(info.id),
                info.to_plain(normalized),
                &mut buffer,
            )
            .ok()?;
        Some(String::from_utf8_lossy(text).into_owned())
    }

    /// Parses text with the plugin's `text_to_value`, returning a normalized value.
    pub fn text_to_value(&mut self, string_id: &str, text: &str) -> Option<f64> {
        let info = self.param_info(string_id).clone();
        let params = self.params_ext();
        let text = CString::new(text).ok()?;
        let plain =
            params.text_to_value(&self.instance.plugin_handle(), ClapId::new(info.id), &text)?;
        Some(info.to_normalized(plain))
    }

    // ----------------------------------------------------------------------------------------
    // State
    // ----------------------------------------------------------------------------------------

    /// Saves the plugin state (nice-plug: 8-byte LE length + JSON, see [`state_json`]).
    ///
    /// # Panics
    ///
    /// Panics if the plugin has no state extension or saving fails.
    pub fn save_state(&mut self) -> Vec<u8> {
        let state = self.state_ext.expect("the plugin has no state extension");
        let mut bytes = Vec::new();
        state
            .save(&self.instance.plugin_handle(), &mut bytes)
            .unwrap_or_else(|e| panic!("saving the plugin state failed: {e}"));
        self.pump_main_thread();
        bytes
    }

    /// Tells the plugin the host renders offline (`true`) or in real time, through the CLAP
    /// render extension (main thread). Returns false if the plugin lacks the extension or
    /// refuses. While active, the plugin asks for a restart (see [`Host::restart_if_requested`]).
    pub fn set_render_mode(&mut self, offline: bool) -> bool {
        let handle = self.instance.plugin_handle();
        let Some(render) = handle.get_extension::<PluginRender>() else {
            return false;
        };
        let mode = if offline {
            RenderMode::Offline
        } else {
            RenderMode::Realtime
        };
        let accepted = render.set(&handle, mode).is_ok();
        self.pump_main_thread();
        accepted
    }

    /// From now on, [`Host::process`] flags every input channel as constant (CLAP
    /// `constant_mask`: each block holds one value repeated). The caller must pass such blocks.
    pub fn set_constant_input(&mut self, constant: bool) {
        self.constant_input = constant;
    }

    /// From now on, every parameter event [`Host::process`] sends is followed by a decoy: the
    /// same event with another value, in an event space that is not CLAP's core space
    /// ([`FOREIGN_SPACE_ID`]). A conforming plugin ignores the decoys.
    pub fn set_foreign_namespace_decoys(&mut self, on: bool) {
        self.foreign_copies = on;
    }

    /// The status the plugin returned for the last processed block.
    pub fn last_status(&self) -> Option<ProcessStatus> {
        self.last_status
    }

    /// From now on, [`Host::process`] sends a random (and often nonsensical) transport with
    /// most blocks, seeded by `seed`; 0 switches back to no transport.
    pub fn set_random_transport(&mut self, seed: u64) {
        self.transport_rng = seed;
    }

    /// The descriptor of the created instance (`clap_plugin.desc`), to compare with the
    /// factory's.
    pub fn instance_descriptor(&self) -> DescriptorInfo {
        let raw = self.instance.raw_instance();
        assert!(!raw.desc.is_null(), "the instance has no descriptor");
        // SAFETY: a non-null descriptor the plugin keeps alive as long as the instance.
        let desc = unsafe { &*raw.desc };
        let text = |p: *const c_char| {
            if p.is_null() {
                String::new()
            } else {
                // SAFETY: NUL-terminated strings owned by the descriptor.
                unsafe { std::ffi::CStr::from_ptr(p) }
                    .to_string_lossy()
                    .into_owned()
            }
        };
        let mut features = Vec::new();
        if !desc.features.is_null() {
            // SAFETY: a NULL-terminated array of C strings.
            unsafe {
                let mut cursor = desc.features;
                while !(*cursor).is_null() {
                    features.push(text(*cursor));
                    cursor = cursor.add(1);
                }
            }
        }
        DescriptorInfo {
            id: text(desc.id),
            name: text(desc.name),
            version: text(desc.version),
            features,
        }
    }

    /// Like [`Host::load_state`], but the stream hands the plugin at most `max_read` bytes per
    /// read call (a host may deliver state in pieces; the plugin must loop).
    pub fn load_state_chunked(&mut self, bytes: &[u8], max_read: usize) -> Result<(), String> {
        struct Chunked<'a> {
            rest: &'a [u8],
            max_read: usize,
        }
        impl std::io::Read for Chunked<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                let count = buf.len().min(self.max_read).min(self.rest.len());
                buf[..count].copy_from_slice(&self.rest[..count]);
                self.rest = &self.rest[count..];
                Ok(count)
            }
        }
        let state = self
            .state_ext
            .ok_or_else(|| "the plugin has no state extension".to_owned())?;
        let mut reader = Chunked {
            rest: bytes,
            max_read,
        };
        let result = state
            .load(&self.instance.plugin_handle(), &mut reader)
            .map_err(|e| e.to_string());
        self.pump_main_thread();
        result
    }

    /// Loads a plugin state, active or not (on the main thread, never concurrently with
    /// `process`). Returns an error if the plugin rejects it.
    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let state = self
            .state_ext
            .ok_or_else(|| "the plugin has no state extension".to_owned())?;
        let mut reader = bytes;
        let result = state
            .load(&self.instance.plugin_handle(), &mut reader)
            .map_err(|e| e.to_string());
        self.pump_main_thread();
        result
    }

    // ----------------------------------------------------------------------------------------
    // Audio port configurations
    // ----------------------------------------------------------------------------------------

    /// The plugin's audio port configurations (empty without `clap.audio-ports-config`).
    pub fn port_configs(&mut self) -> Vec<PortConfig> {
        let Some(extension) = self.ports_config_ext else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&extension.0);
        let plugin = handle.as_raw_ptr().cast::<c_void>();
        // SAFETY: `count` comes from the plugin's extension table and gets its own instance.
        let count = raw.count.map_or(0, |count| unsafe { count(plugin) });
        (0..count)
            .filter_map(|index| {
                // SAFETY: all-zero bytes are a valid `RawAudioPortsConfig` (integers, `false`,
                // null pointers).
                let mut config: RawAudioPortsConfig = unsafe { std::mem::zeroed() };
                // SAFETY: `get` writes at most one config into the buffer we own.
                let ok = raw
                    .get
                    .is_some_and(|get| unsafe { get(plugin, index, &raw mut config) });
                ok.then(|| PortConfig {
                    id: config.id,
                    name: c_chars_to_string(&config.name),
                    input_channels: if config.has_main_input {
                        config.main_input_channel_count
                    } else {
                        0
                    },
                    output_channels: if config.has_main_output {
                        config.main_output_channel_count
                    } else {
                        0
                    },
                    input_ports: config.input_port_count,
                    output_ports: config.output_port_count,
                })
            })
            .collect()
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    /// Runs `f` with the audio processor on a scoped audio thread, waits for it, re-raises its
    /// panic if any, then services main-thread callbacks.
    fn on_audio_thread<R, F>(&mut self, f: F) -> R
    where
        R: Send,
        F: FnOnce(&mut PluginAudioProcessor<Handlers>) -> R + Send,
    {
        let processor = self
            .processor
            .as_mut()
            .expect("the plugin is not active; call activate() first");
        let result = std::thread::scope(|scope| {
            std::thread::Builder::new()
                .name("clap-audio".to_owned())
                .spawn_scoped(scope, move || f(processor))
                .expect("failed to spawn the audio thread")
                .join()
        });
        let result = result.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        self.pump_main_thread();
        result
    }

    /// One `deactivate` + `activate` + `start_processing` cycle, without restart handling.
    fn activate_once(&mut self, sample_rate: f64, max_block: u32) {
        self.deactivate();
        let (input_channels, output_channels) = self.main_channels();
        // Whatever was requested before is satisfied by this activation.
        self.callbacks
            .restart_pending
            .store(false, Ordering::SeqCst);

        let configuration = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), configuration)
            .unwrap_or_else(|e| {
                panic!("plugin activation ({sample_rate} Hz, max block {max_block}) failed: {e}")
            });
        self.processor = Some(stopped.into());
        self.activation = Some(Activation {
            sample_rate,
            max_block,
            input_channels: input_channels as usize,
            output_channels: output_channels as usize,
        });
        self.pump_main_thread();

        let started = self.on_audio_thread(|processor| processor.start_processing().is_ok());
        assert!(started, "plugin start_processing() failed");
    }

    fn params_ext(&self) -> PluginParams {
        self.params_ext.expect("the plugin has no params extension")
    }

    /// `params.flush` on the main thread; only valid while inactive.
    fn flush_inactive(&mut self, events: &[ParamValueEvent]) {
        let params = self.params_ext();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .expect("flush_inactive() requires an inactive plugin");
        params.flush(
            &mut handle,
            &InputEvents::from_buffer(&events),
            &mut OutputEvents::void(),
        );
    }

    fn query_param_infos(&mut self) -> Vec<ParamInfo> {
        let Some(params) = self.params_ext else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        (0..params.count(&handle))
            .map(|index| {
                let info = params
                    .get_info(&handle, index, &mut buffer)
                    .unwrap_or_else(|| panic!("get_info failed for parameter index {index}"));
                ParamInfo {
                    id: info.id.get(),
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    module: String::from_utf8_lossy(info.module).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    flags: info.flags.bits(),
                }
            })
            .collect()
    }

    /// Every audio port the plugin declares in its current configuration.
    pub fn audio_ports(&mut self) -> Vec<PortSummary> {
        let Some(ports) = self.audio_ports_ext else {
            return Vec::new();
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        let mut summaries = Vec::new();
        for is_input in [true, false] {
            for index in 0..ports.count(&handle, is_input) {
                let info = ports
                    .get(&handle, index, is_input, &mut buffer)
                    .expect("a declared port has info");
                summaries.push(PortSummary {
                    is_input,
                    channel_count: info.channel_count,
                    is_main: info.flags.contains(AudioPortFlags::IS_MAIN),
                    supports_64bit: info.flags.contains(AudioPortFlags::SUPPORTS_64BITS),
                    in_place_pair: info.in_place_pair.map(|id| id.get()),
                });
            }
        }
        summaries
    }

    /// Main (input, output) channels from the audio-ports extension; stereo if it is missing.
    fn main_channels(&mut self) -> (u32, u32) {
        let Some(ports) = self.audio_ports_ext else {
            return (2, 2);
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = AudioPortInfoBuffer::new();
        let mut main_channels = |is_input: bool| {
            let count = ports.count(&handle, is_input);
            assert!(
                count <= 1,
                "the plugin has {count} {} ports; the harness only supports one main port",
                if is_input { "input" } else { "output" }
            );
            (0..count)
                .find_map(|index| {
                    ports
                        .get(&handle, index, is_input, &mut buffer)
                        .map(|info| info.channel_count)
                })
                .unwrap_or(0)
        };
        let input = main_channels(true);
        let output = main_channels(false);
        (input, output)
    }

    /// Selects the port configuration with the given main channel counts (plugin inactive).
    fn select_port_config(&mut self, input_channels: u32, output_channels: u32) {
        if self.main_channels() == (input_channels, output_channels) {
            return;
        }
        let configs = self.port_configs();
        let extension = self.ports_config_ext.unwrap_or_else(|| {
            panic!(
                "cannot select {input_channels} in / {output_channels} out: the plugin has no \
                 clap.audio-ports-config extension"
            )
        });
        let Some(config) = configs.iter().find(|config| {
            config.input_channels == input_channels
                && config.output_channels == output_channels
                && config.input_ports == u32::from(input_channels > 0)
                && config.output_ports == u32::from(output_channels > 0)
        }) else {
            panic!(
                "the plugin has no audio port configuration with {input_channels} in / \
                 {output_channels} out; available: {configs:?}"
            )
        };

        let handle = self.instance.plugin_handle();
        let raw = handle.use_extension(&extension.0);
        let plugin = handle.as_raw_ptr().cast::<c_void>();
        // SAFETY: `select` comes from the plugin's extension table; the plugin is inactive.
        let selected = raw
            .select
            .is_some_and(|select| unsafe { select(plugin, config.id) });
        assert!(
            selected,
            "the plugin refused to select port configuration {config:?}"
        );
        assert_eq!(
            self.main_channels(),
            (input_channels, output_channels),
            "after selecting {config:?} the audio-ports extension reports a different layout"
        );
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        if let Some(processor) = self.processor.take() {
            // Stopping on the test thread is fine here: nothing else is running.
            let processor = processor.into_stopped();
            self.instance.deactivate(processor);
        }
    }
}

/// Where [`process_blocks`] starts or stopped.
#[derive(Debug, Clone, Copy)]
struct BlockPosition {
    /// First frame of the next block.
    frame: usize,
    /// Index of the next undelivered event.
    event: usize,
    /// `steady_time` of the next block.
    steady_time: u64,
    /// xorshift64 state for random transports; 0 sends no transport.
    transport_rng: u64,
    /// Mark input channels constant (`constant_mask`); see [`Host::set_constant_input`].
    constant_input: bool,
    /// Send foreign-namespace decoys; see [`Host::set_foreign_namespace_decoys`].
    foreign_copies: bool,
    /// Status the plugin returned for the last block.
    last_status: Option<ProcessStatus>,
}

/// A random transport for one block (one block in four gets none), from the xorshift64 state
/// `rng`: random flags, tempi including 0, negative, huge and NaN, time signatures including
/// 0/0, and random positions — what a confused host might send.
fn random_transport(state: &mut u64) -> Option<TransportEvent> {
    let mut rng = crate::rng::Rng::new(*state);
    let event = random_transport_from(&mut rng);
    *state = rng.0;
    event
}

/// [`random_transport`] from a generator.
fn random_transport_from(rng: &mut crate::rng::Rng) -> Option<TransportEvent> {
    let mut next = || rng.next();
    if next() % 4 == 0 {
        return None;
    }
    let tempo = [120.0, 0.0, -90.0, 1e12, f64::NAN, f64::INFINITY][(next() % 6) as usize];
    let position = (next() as i64) >> (next() % 64);
    Some(TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags: TransportFlags::from_bits_retain(next() as u32),
        song_pos_beats: BeatTime::from_bits(position),
        song_pos_seconds: SecondsTime::from_bits(-position),
        tempo,
        tempo_inc: [0.0, 1.0, -1e9, f64::NAN][(next() % 4) as usize],
        loop_start_beats: BeatTime::from_bits(next() as i64),
        loop_end_beats: BeatTime::from_bits(next() as i64),
        loop_start_seconds: SecondsTime::from_bits(next() as i64),
        loop_end_seconds: SecondsTime::from_bits(next() as i64),
        bar_start: BeatTime::from_bits(next() as i64),
        bar_number: next() as i32,
        time_signature_numerator: [4, 0, 7, u16::MAX][(next() % 4) as usize],
        time_signature_denominator: [4, 0, 3, u16::MAX][(next() % 4) as usize],
    })
}

/// Audio-thread side of [`Host::process`]: runs blocks from `position` until the signal ends or
/// [`MAX_EVENTS_PER_AUDIO_RUN`] events have been delivered, and returns the new position.
fn process_blocks(
    processor: &mut PluginAudioProcessor<Handlers>,
    inputs: &mut [Vec<f32>],
    outputs: &mut [Vec<f32>],
    frames: usize,
    block: usize,
    events: &[(usize, u32, f64)],
    mut position: BlockPosition,
) -> BlockPosition {
    let processor = processor
        .as_started_mut()
        .expect("the plugin is active but not processing");
    let mut input_ports = AudioPorts::with_capacity(inputs.len(), 1);
    let mut output_ports = AudioPorts::with_capacity(outputs.len(), 1);
    let mut input_events = EventBuffer::with_capacity(MAX_EVENTS_PER_AUDIO_RUN);
    let mut output_events = EventBuffer::with_capacity(64);
    let mut delivered = 0;

    while position.frame < frames && delivered < MAX_EVENTS_PER_AUDIO_RUN {
        let start = position.frame;
        let end = (start + block).min(frames);

        input_events.clear();
        while let Some(&(frame, id, value)) = events.get(position.event) {
            if frame >= end {
                break;
            }
            let offset = u32::try_from(frame - start).expect("block offsets fit in u32");
            input_events.push(&ParamValueEvent::new(
                offset,
                ClapId::new(id),
                Pckn::match_all(),
                value,
            ));
            if position.foreign_copies {
                // The same event with another value in a namespace that is not CLAP's core
                // one: a plugin must ignore it (a space id it never registered).
                let decoy = ParamValueEvent::new(
                    offset,
                    ClapId::new(id),
                    Pckn::match_all(),
                    if value < 0.5 { 1.0 } else { 0.0 },
                );
                let bytes = decoy.as_ref().as_bytes();
                let mut words = [0u64; 8];
                assert!(bytes.len() <= std::mem::size_of_val(&words));
                // SAFETY: copying the event's bytes into an aligned buffer of sufficient size.
                let raw = unsafe {
                    let dst = words.as_mut_ptr().cast::<u8>();
                    std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst, bytes.len());
                    // clap_event_header: size u32, time u32, space_id u16, type u16, flags u32.
                    dst.add(8).cast::<u16>().write_unaligned(FOREIGN_SPACE_ID);
                    std::slice::from_raw_parts(dst, bytes.len())
                };
                // SAFETY: `raw` is a complete event with a valid header.
                input_events.push(unsafe { UnknownEvent::from_bytes_unchecked(raw) });
            }
            position.event += 1;
            delivered += 1;
        }
        output_events.clear();

        let input_buffers = if inputs.is_empty() {
            InputAudioBuffers::empty()
        } else {
            input_ports.with_input_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(inputs.iter_mut().map(|channel| {
                    InputChannel::from_buffer(&mut channel[start..end], position.constant_input)
                })),
            }])
        };
        let mut output_buffers = if outputs.is_empty() {
            OutputAudioBuffers::empty()
        } else {
            output_ports.with_output_buffers([AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_output_only(
                    outputs.iter_mut().map(|channel| &mut channel[start..end]),
                ),
            }])
        };

        let transport = if position.transport_rng == 0 {
            None
        } else {
            random_transport(&mut position.transport_rng)
        };
        let status = processor.process(
            &input_buffers,
            &mut output_buffers,
            &input_events.as_input(),
            &mut output_events.as_output(),
            Some(position.steady_time),
            transport.as_ref(),
        );
        match status {
            Ok(status) => position.last_status = Some(status),
            Err(error) => panic!("plugin process() failed for frames {start}..{end}: {error}"),
        }

        position.steady_time += (end - start) as u64;
        position.frame = end;
    }
    position
}

/// Converts a NUL-terminated C char array into a `String` (lossy).
fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c.to_ne_bytes()[0]) // `c_char` is `i8` or `u8` depending on the target
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}
