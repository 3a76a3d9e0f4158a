//! A minimal VST3 host for tests: loads the built plugin library with `libloading`, talks to it
//! through the raw COM bindings of the `vst3` crate, and provides the host-side objects a VST3
//! plugin needs (`IParameterChanges`/`IParamValueQueue` for automation, `IBStream` for state).
//!
//! It drives the single-component plugin nice-plug builds (`IComponent` + `IAudioProcessor` +
//! `IEditController` on one object) the way a host does: create → initialize → bus
//! arrangements → setupProcessing → setActive → setProcessing → process … and back.
//!
//! The library is loaded with `RTLD_NOW` (on Windows `LoadLibraryExW`) and never unloaded (the plugin's Rust `std` registers
//! thread-local destructors on threads that ran plugin code; unloading would leave them dangling).

// Each test binary only uses part of the harness. The bindings' enum constants are `u32` on
// Linux and `i32` on Windows; the casts to the `int32` the interfaces take are needed on one.
#![allow(clippy::unnecessary_cast)]

use std::cell::{Cell, RefCell};
use std::ffi::{c_void, CStr};
use std::path::{Path, PathBuf};
use std::ptr;

use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::MediaTypes_::kAudio;
use vst3::Steinberg::Vst::ProcessModes_::kRealtime;
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusInfo, IAudioProcessor, IAudioProcessorTrait,
    IComponent, IComponentHandler, IComponentHandlerTrait, IComponentTrait, IEditController,
    IEditControllerTrait, IParamValueQueue, IParamValueQueueTrait, IParameterChanges,
    IParameterChangesTrait, ParamID, ParamValue, ParameterInfo, ProcessContext, ProcessData,
    ProcessSetup, SpeakerArrangement, String128,
};
use vst3::Steinberg::{
    int32, int64, kInvalidArgument, kResultFalse, kResultOk, tresult, IBStream, IBStreamTrait,
    IPluginBaseTrait, IPluginFactory, IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait,
    PClassInfo, PClassInfo2, PFactoryInfo, TUID,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// The plugin's VST3 class id as the factory reports it off Windows (nice-plug keeps the
/// declared byte order there).
#[cfg(not(windows))]
pub const CLASS_ID: [u8; 16] = *b"HeadphoneMon1tor";
/// The plugin's VST3 class id as the factory reports it on Windows: the same GUID in COM's
/// layout (the first 4-, 2- and 2-byte groups little-endian), so projects move between systems.
#[cfg(windows)]
pub const CLASS_ID: [u8; 16] = *b"daeHhpnoeMon1tor";

/// Environment variable that overrides the library to load, e.g.
/// `target/bundled/Headphone Monitor.vst3/Contents/x86_64-linux/Headphone Monitor.so`.
pub const PATH_ENV_VAR: &str = "HM_VST3_PATH";

/// The library to load: `$HM_VST3_PATH` if set, else the cdylib `cargo test` built (the same
/// library the bundler copies into the `.vst3` bundle).
pub fn library_path() -> PathBuf {
    if let Some(path) = std::env::var_os(PATH_ENV_VAR) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{PATH_ENV_VAR}={} is not a file",
            path.display()
        );
        return path;
    }
    crate::clap_host::plugin_path()
}

/// Loads the library as a host does (Linux: `dlopen` with `RTLD_NOW | RTLD_LOCAL`, every symbol
/// resolved up front; Windows: `LoadLibraryExW`), calls the platform's module entry once
/// (`ModuleEntry` on Linux, `InitDll` on Windows), and returns the factory from
/// `GetPluginFactory`.
///
/// # Panics
///
/// Panics if the library does not load, lacks an entry point, or returns no factory.
pub fn load_factory(path: &Path) -> ComPtr<IPluginFactory> {
    // SAFETY: loading runs the library's initialisers; the tests trust the plugin.
    let library = unsafe { crate::clap_host::load_library(path) };
    // SAFETY: the signatures are those of the VST3 module entry points (vst3_public_sdk's
    // linuxmain.cpp and dllmain.cpp).
    let factory = unsafe {
        #[cfg(not(windows))]
        {
            let module_entry = library
                .get::<unsafe extern "C" fn(*mut c_void) -> bool>(b"ModuleEntry\0")
                .expect("ModuleEntry is exported");
            assert!(module_entry(ptr::null_mut()), "ModuleEntry returned false");
        }
        #[cfg(windows)]
        {
            let init_dll = library
                .get::<unsafe extern "system" fn() -> bool>(b"InitDll\0")
                .expect("InitDll is exported");
            assert!(init_dll(), "InitDll returned false");
        }
        let get_factory = library
            .get::<unsafe extern "system" fn() -> *mut c_void>(b"GetPluginFactory\0")
            .expect("GetPluginFactory is exported");
        ComPtr::from_raw(get_factory() as *mut IPluginFactory).expect("a non-null factory")
    };
    // Never unloaded (see the module docs).
    std::mem::forget(library);
    factory
}

/// Converts a NUL-terminated C char array to a `String`.
pub fn c_chars(chars: &[std::ffi::c_char]) -> String {
    // SAFETY: reinterpreting c_char as u8 of the same size.
    let bytes: &[u8] = unsafe { std::slice::from_raw_parts(chars.as_ptr().cast(), chars.len()) };
    CStr::from_bytes_until_nul(bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Converts a NUL-terminated UTF-16 `String128` to a `String`.
pub fn utf16(chars: &String128) -> String {
    let end = chars.iter().position(|&c| c == 0).unwrap_or(chars.len());
    String::from_utf16_lossy(&chars[..end])
}

/// The factory's vendor info and its classes (`PClassInfo2`, which has the sub-categories).
#[derive(Debug, Clone)]
pub struct FactoryInfo {
    /// Vendor name.
    pub vendor: String,
    /// Classes as `(class id, category, name, sub-categories, version)`.
    pub classes: Vec<ClassInfo>,
}

/// One class of the factory.
#[derive(Debug, Clone)]
pub struct ClassInfo {
    /// The 16-byte class id.
    pub cid: [u8; 16],
    /// "Audio Module Class" for a processor component.
    pub category: String,
    /// Display name.
    pub name: String,
    /// `|`-separated sub-categories, e.g. "Fx|Tools".
    pub sub_categories: String,
    /// Version string.
    pub version: String,
}

/// Reads the factory and class information.
pub fn factory_info(factory: &ComPtr<IPluginFactory>) -> FactoryInfo {
    // SAFETY: plain calls on a live factory with valid out-pointers.
    unsafe {
        let mut info: PFactoryInfo = std::mem::zeroed();
        assert_eq!(factory.getFactoryInfo(&mut info), kResultOk);
        let factory2 = factory
            .cast::<IPluginFactory2>()
            .expect("the factory implements IPluginFactory2");
        let mut classes = Vec::new();
        for index in 0..factory.countClasses() {
            let mut basic: PClassInfo = std::mem::zeroed();
            assert_eq!(factory.getClassInfo(index, &mut basic), kResultOk);
            let mut info2: PClassInfo2 = std::mem::zeroed();
            assert_eq!(factory2.getClassInfo2(index, &mut info2), kResultOk);
            assert_eq!(basic.cid, info2.cid, "PClassInfo and PClassInfo2 disagree");
            classes.push(ClassInfo {
                cid: info2.cid.map(|b| b as u8),
                category: c_chars(&info2.category),
                name: c_chars(&info2.name),
                sub_categories: c_chars(&info2.subCategories),
                version: c_chars(&info2.version),
            });
        }
        FactoryInfo {
            vendor: c_chars(&info.vendor),
            classes,
        }
    }
}

/// Instances are created one at a time in this process, as a host does: VST3 hosts call
/// `createInstance` from their UI thread. (Tests run on several threads; under Wine two
/// plug-ins creating their first windows at the same moment both failed.)
static CREATING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Asks the factory for `cid` as an `IComponent`; `None` if it refuses.
pub fn create_component(
    factory: &ComPtr<IPluginFactory>,
    cid: &[u8; 16],
) -> Option<ComPtr<IComponent>> {
    let _one_at_a_time = CREATING.lock().unwrap_or_else(|e| e.into_inner());
    let mut object: *mut c_void = ptr::null_mut();
    let iid: TUID = IComponent::IID.map(|b| b as std::ffi::c_char);
    // SAFETY: cid and iid are 16-byte ids as the API expects.
    unsafe {
        let result = factory.createInstance(cid.as_ptr().cast(), iid.as_ptr(), &mut object);
        if result != kResultOk {
            assert!(object.is_null(), "a refused createInstance left an object");
            return None;
        }
        ComPtr::from_raw(object as *mut IComponent)
    }
}

// ---------------------------------------------------------------------------------------------
// Host-side COM objects
// ---------------------------------------------------------------------------------------------

/// One parameter's automation points for one block (`IParamValueQueue`).
pub struct ParamQueue {
    id: ParamID,
    points: Vec<(i32, ParamValue)>,
}

impl Class for ParamQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for ParamQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.len() as int32
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        match usize::try_from(index).ok().and_then(|i| self.points.get(i)) {
            Some(&(offset, point_value)) if !sample_offset.is_null() && !value.is_null() => {
                *sample_offset = offset;
                *value = point_value;
                kResultOk
            }
            _ => kInvalidArgument,
        }
    }

    unsafe fn addPoint(&self, _offset: int32, _value: ParamValue, _index: *mut int32) -> tresult {
        kResultFalse
    }
}

/// The parameter changes of one block (`IParameterChanges`), read-only for the plugin.
pub struct ParamChanges {
    queues: Vec<ComWrapper<ParamQueue>>,
}

impl ParamChanges {
    /// Groups `(sample offset, parameter id, normalized value)` events into one queue per
    /// parameter, in the given order.
    pub fn new(events: &[(i32, ParamID, ParamValue)]) -> ComWrapper<Self> {
        let mut grouped: Vec<(ParamID, Vec<(i32, ParamValue)>)> = Vec::new();
        for &(offset, id, value) in events {
            match grouped.iter_mut().find(|(queue_id, _)| *queue_id == id) {
                Some((_, points)) => points.push((offset, value)),
                None => grouped.push((id, vec![(offset, value)])),
            }
        }
        ComWrapper::new(ParamChanges {
            queues: grouped
                .into_iter()
                .map(|(id, points)| ComWrapper::new(ParamQueue { id, points }))
                .collect(),
        })
    }
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.queues.get(i))
            .and_then(|queue| queue.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |queue| queue.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut int32,
    ) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

/// An in-memory `IBStream`. `max_read` limits the bytes one `read` call returns and
/// `max_write` the bytes one `write` call takes (a host's stream may deliver and take a state
/// in pieces, which `IBStream` allows); `capacity` the bytes it holds (beyond it a `write`
/// takes nothing, as a full disk would).
pub struct MemoryStream {
    data: RefCell<Vec<u8>>,
    position: Cell<usize>,
    max_read: usize,
    max_write: usize,
    capacity: usize,
}

impl MemoryStream {
    /// A stream holding `bytes`, positioned at the start.
    pub fn new(bytes: &[u8]) -> ComWrapper<Self> {
        Self::with_max_read(bytes, usize::MAX)
    }

    /// Like [`MemoryStream::new`], returning at most `max_read` bytes per `read`.
    pub fn with_max_read(bytes: &[u8], max_read: usize) -> ComWrapper<Self> {
        Self::with_limits(bytes, max_read, usize::MAX)
    }

    /// Like [`MemoryStream::new`], returning at most `max_read` bytes per `read` and taking at
    /// most `max_write` per `write`.
    pub fn with_limits(bytes: &[u8], max_read: usize, max_write: usize) -> ComWrapper<Self> {
        ComWrapper::new(MemoryStream {
            data: RefCell::new(bytes.to_vec()),
            position: Cell::new(0),
            max_read,
            max_write,
            capacity: usize::MAX,
        })
    }

    /// An empty stream that takes at most `capacity` bytes in all.
    pub fn with_capacity(capacity: usize) -> ComWrapper<Self> {
        ComWrapper::new(MemoryStream {
            data: RefCell::new(Vec::new()),
            position: Cell::new(0),
            max_read: usize::MAX,
            max_write: usize::MAX,
            capacity,
        })
    }

    /// A copy of everything written so far.
    pub fn bytes(&self) -> Vec<u8> {
        self.data.borrow().clone()
    }
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_read: *mut int32,
    ) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let data = self.data.borrow();
        let start = self.position.get().min(data.len());
        let count = (num_bytes as usize)
            .min(data.len() - start)
            .min(self.max_read);
        ptr::copy_nonoverlapping(data.as_ptr().add(start), buffer.cast::<u8>(), count);
        self.position.set(start + count);
        if !num_bytes_read.is_null() {
            *num_bytes_read = count as int32;
        }
        kResultOk
    }

    unsafe fn write(
        &self,
        buffer: *mut c_void,
        num_bytes: int32,
        num_bytes_written: *mut int32,
    ) -> tresult {
        if buffer.is_null() || num_bytes < 0 {
            return kInvalidArgument;
        }
        let mut data = self.data.borrow_mut();
        let start = self.position.get();
        let count = (num_bytes as usize)
            .min(self.max_write)
            .min(self.capacity.saturating_sub(start));
        let end = start + count;
        if data.len() < end {
            data.resize(end, 0);
        }
        ptr::copy_nonoverlapping(buffer.cast::<u8>(), data.as_mut_ptr().add(start), count);
        self.position.set(end);
        if !num_bytes_written.is_null() {
            *num_bytes_written = count as int32;
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let len = self.data.borrow().len() as int64;
        let base = match mode {
            m if m == kIBSeekSet as i32 => 0,
            m if m == kIBSeekCur as i32 => self.position.get() as int64,
            m if m == kIBSeekEnd as i32 => len,
            _ => return kInvalidArgument,
        };
        let target = base + pos;
        if target < 0 {
            return kResultFalse;
        }
        self.position.set(target as usize);
        if !result.is_null() {
            *result = target;
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        *pos = self.position.get() as int64;
        kResultOk
    }
}

/// The host's `IComponentHandler`: records restart requests and edit gestures.
#[derive(Default)]
pub struct ComponentHandler {
    /// OR of every `restartComponent` flag received.
    pub restart_flags: Cell<i32>,
    /// Number of `restartComponent` calls.
    pub restarts: Cell<usize>,
    /// Number of `performEdit` calls.
    pub edits: Cell<usize>,
}

impl Class for ComponentHandler {
    type Interfaces = (IComponentHandler,);
}

impl IComponentHandlerTrait for ComponentHandler {
    unsafe fn beginEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn performEdit(&self, _id: ParamID, _value: ParamValue) -> tresult {
        self.edits.set(self.edits.get() + 1);
        kResultOk
    }

    unsafe fn endEdit(&self, _id: ParamID) -> tresult {
        kResultOk
    }

    unsafe fn restartComponent(&self, flags: int32) -> tresult {
        self.restart_flags.set(self.restart_flags.get() | flags);
        self.restarts.set(self.restarts.get() + 1);
        kResultOk
    }
}

// ---------------------------------------------------------------------------------------------
// The plugin instance
// ---------------------------------------------------------------------------------------------

/// One parameter as the edit controller describes it.
#[derive(Debug, Clone)]
pub struct Vst3Param {
    /// Parameter id (nice-plug: the hash of the string id, as in CLAP).
    pub id: ParamID,
    /// Title.
    pub title: String,
    /// Unit label.
    pub units: String,
    /// Number of steps (0 = continuous).
    pub step_count: i32,
    /// Default, normalized 0..1.
    pub default_normalized: f64,
    /// `ParameterFlags` bits.
    pub flags: i32,
}

/// A created and initialised plugin instance with its three interfaces.
pub struct Vst3Instance {
    /// The component (buses, activation, state).
    pub component: ComPtr<IComponent>,
    /// The audio processor (arrangements, setup, process, latency).
    pub processor: ComPtr<IAudioProcessor>,
    /// The edit controller (parameters, text conversion).
    pub controller: ComPtr<IEditController>,
    /// The component handler given to the controller (restart requests land here).
    pub handler: ComWrapper<ComponentHandler>,
    setup: Option<ProcessSetup>,
    layout: (usize, usize),
    active: bool,
    /// The project time sent in the next `ProcessContext`, in samples.
    project_time_samples: i64,
    /// `ProcessData::processMode` sent with each call, if not the `setupProcessing` mode.
    call_mode: Option<i32>,
}

impl Vst3Instance {
    /// Loads the plugin library, creates the instance and initialises it.
    pub fn new() -> Self {
        let factory = load_factory(&library_path());
        let component =
            create_component(&factory, &CLASS_ID).expect("the factory creates the plugin");
        // SAFETY: a fresh component; nice-plug accepts a null host context.
        unsafe {
            assert_eq!(component.initialize(ptr::null_mut()), kResultOk);
        }
        let processor = component
            .cast::<IAudioProcessor>()
            .expect("the component is an IAudioProcessor");
        let controller = component
            .cast::<IEditController>()
            .expect("the single component is also the IEditController");
        let handler = ComWrapper::new(ComponentHandler::default());
        let handler_ptr = handler.as_com_ref::<IComponentHandler>().unwrap().as_ptr();
        // SAFETY: the handler outlives the instance (dropped after `terminate`).
        unsafe {
            assert_eq!(controller.setComponentHandler(handler_ptr), kResultOk);
        }
        Vst3Instance {
            component,
            processor,
            controller,
            handler,
            setup: None,
            layout: (2, 2),
            active: false,
            project_time_samples: 0,
            call_mode: None,
        }
    }

    /// Bus count of audio buses in a direction (`kInput`/`kOutput`).
    pub fn audio_bus_count(&self, direction: i32) -> i32 {
        // SAFETY: a plain query.
        unsafe { self.component.getBusCount(kAudio as i32, direction) }
    }

    /// Bus info of audio bus `index` in `direction`.
    pub fn audio_bus_info(&self, direction: i32, index: i32) -> Option<BusInfo> {
        // SAFETY: valid out-pointer.
        unsafe {
            let mut info: BusInfo = std::mem::zeroed();
            (self
                .component
                .getBusInfo(kAudio as i32, direction, index, &mut info)
                == kResultOk)
                .then_some(info)
        }
    }

    /// Requests one input and one output bus with these speaker arrangements; returns the
    /// plugin's answer. On success the instance processes with the arrangements' channel counts.
    pub fn set_bus_arrangements(
        &mut self,
        input: SpeakerArrangement,
        output: SpeakerArrangement,
    ) -> tresult {
        let mut inputs = [input];
        let mut outputs = [output];
        // SAFETY: one arrangement each, valid for the call.
        let result = unsafe {
            self.processor
                .setBusArrangements(inputs.as_mut_ptr(), 1, outputs.as_mut_ptr(), 1)
        };
        if result == kResultOk {
            self.layout = (input.count_ones() as usize, output.count_ones() as usize);
        }
        result
    }

    /// The current arrangement of bus 0 in `direction`.
    pub fn bus_arrangement(&self, direction: i32) -> Option<SpeakerArrangement> {
        let mut arrangement: SpeakerArrangement = 0;
        // SAFETY: valid out-pointer.
        let result = unsafe {
            self.processor
                .getBusArrangement(direction, 0, &mut arrangement)
        };
        (result == kResultOk).then_some(arrangement)
    }

    /// `setupProcessing` (32-bit, `process_mode`), then `setActive(true)` and
    /// `setProcessing(true)`. Returns false if any step fails.
    pub fn activate_with_mode(
        &mut self,
        sample_rate: f64,
        max_block: usize,
        process_mode: i32,
    ) -> bool {
        if self.active {
            self.deactivate();
        }
        let mut setup = ProcessSetup {
            processMode: process_mode,
            symbolicSampleSize: kSample32 as i32,
            maxSamplesPerBlock: max_block as i32,
            sampleRate: sample_rate,
        };
        // SAFETY: valid setup for the call.
        unsafe {
            if self.processor.setupProcessing(&mut setup) != kResultOk
                || self.component.setActive(1) != kResultOk
            {
                return false;
            }
            self.active = true;
            self.setup = Some(setup);
            self.processor.setProcessing(1) == kResultOk
        }
    }

    /// Only `setupProcessing` (32-bit, `process_mode`), as a host does before activating.
    pub fn setup_processing(
        &mut self,
        sample_rate: f64,
        max_block: usize,
        process_mode: i32,
    ) -> bool {
        let mut setup = ProcessSetup {
            processMode: process_mode,
            symbolicSampleSize: kSample32 as i32,
            maxSamplesPerBlock: max_block as i32,
            sampleRate: sample_rate,
        };
        // SAFETY: valid setup for the call.
        unsafe { self.processor.setupProcessing(&mut setup) == kResultOk }
    }

    /// [`Self::activate_with_mode`] in real-time mode.
    pub fn activate(&mut self, sample_rate: f64, max_block: usize) -> bool {
        self.activate_with_mode(sample_rate, max_block, kRealtime as i32)
    }

    /// Sends `mode` as `ProcessData::processMode` with every following `process` call instead of
    /// the `setupProcessing` mode (`None`: that mode again). Ardour switches to `kOffline` this
    /// way when it exports, without a new `setupProcessing`.
    pub fn set_call_process_mode(&mut self, mode: Option<i32>) {
        self.call_mode = mode;
    }

    /// `setActive(true)` and `setProcessing(true)` with the previous `setupProcessing`, as Ardour
    /// re-activates a plug-in when an export starts or ends. Returns false if a step fails.
    pub fn reactivate(&mut self) -> bool {
        assert!(
            self.setup.is_some(),
            "reactivate() before any setupProcessing"
        );
        if self.active {
            self.deactivate();
        }
        // SAFETY: plain calls on an initialised, set-up component.
        unsafe {
            if self.component.setActive(1) != kResultOk {
                return false;
            }
            self.active = true;
            self.processor.setProcessing(1) == kResultOk
        }
    }

    /// `setProcessing(false)`, `setActive(false)`.
    pub fn deactivate(&mut self) {
        if self.active {
            // SAFETY: plain calls.
            unsafe {
                self.processor.setProcessing(0);
                self.component.setActive(0);
            }
            self.active = false;
        }
    }

    /// `getLatencySamples`.
    pub fn latency(&self) -> u32 {
        // SAFETY: a plain query.
        unsafe { self.processor.getLatencySamples() }
    }

    /// Processes `input` (one `Vec` per input channel) in blocks of `block` frames, delivering
    /// `events` `(frame, param id, normalized)` through `IParameterChanges` in the block that
    /// contains their frame, with a `ProcessContext` from `context` (called with the block's
    /// start frame) or none. Out of place; returns the output channels.
    ///
    /// # Panics
    ///
    /// Panics if inactive, on a channel-count mismatch, or if `process` does not return
    /// `kResultOk`.
    pub fn process(
        &mut self,
        input: &[Vec<f32>],
        block: usize,
        events: &[(usize, ParamID, f64)],
        context: Option<&mut dyn FnMut(usize) -> Option<ProcessContext>>,
    ) -> Vec<Vec<f32>> {
        let frames = input.first().map_or(0, Vec::len);
        let mut output = vec![vec![0.0_f32; frames]; self.layout.1];
        let result = self.process_into(input, &mut output, block, events, context, false);
        assert_eq!(result, kResultOk, "process() failed");
        output
    }

    /// Like [`Self::process`] but in place: the host passes the same buffers as input and
    /// output (the layout must have as many outputs as inputs).
    pub fn process_in_place(&mut self, buffers: &mut [Vec<f32>], block: usize) {
        assert_eq!(
            self.layout.0, self.layout.1,
            "in-place needs equal channel counts"
        );
        let input = buffers.to_vec();
        let result = self.process_into(&input, buffers, block, &[], None, true);
        assert_eq!(result, kResultOk, "process() failed");
    }

    /// The processing loop behind [`Self::process`] and [`Self::process_in_place`]. With
    /// `in_place`, `input` is ignored and `output` holds the input on entry.
    fn process_into(
        &mut self,
        input: &[Vec<f32>],
        output: &mut [Vec<f32>],
        block: usize,
        events: &[(usize, ParamID, f64)],
        mut context: Option<&mut dyn FnMut(usize) -> Option<ProcessContext>>,
        in_place: bool,
    ) -> tresult {
        let setup = self.setup.expect("process() while inactive");
        assert!(self.active, "process() while inactive");
        assert!(
            block >= 1 && block <= setup.maxSamplesPerBlock as usize,
            "block size {block}"
        );
        if !in_place {
            assert_eq!(input.len(), self.layout.0, "input channel count");
        }
        assert_eq!(output.len(), self.layout.1, "output channel count");
        let frames = output.first().map_or(0, Vec::len);
        let mut inputs_copy: Vec<Vec<f32>> = input.to_vec();

        let mut start = 0;
        while start < frames {
            let len = block.min(frames - start);
            let block_events: Vec<(i32, ParamID, f64)> = events
                .iter()
                .filter(|(frame, _, _)| (start..start + len).contains(frame))
                .map(|&(frame, id, value)| ((frame - start) as i32, id, value))
                .collect();
            let changes = ParamChanges::new(&block_events);
            let changes_ptr = changes
                .as_com_ref::<IParameterChanges>()
                .expect("IParameterChanges")
                .as_ptr();

            let mut output_ptrs: Vec<*mut f32> = output
                .iter_mut()
                .map(|channel| channel[start..].as_mut_ptr())
                .collect();
            let mut input_ptrs: Vec<*mut f32> = if in_place {
                output_ptrs.clone()
            } else {
                inputs_copy
                    .iter_mut()
                    .map(|channel| channel[start..].as_mut_ptr())
                    .collect()
            };
            let mut input_bus = AudioBusBuffers {
                numChannels: input_ptrs.len() as i32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: input_ptrs.as_mut_ptr(),
                },
            };
            let mut output_bus = AudioBusBuffers {
                numChannels: output_ptrs.len() as i32,
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 {
                    channelBuffers32: output_ptrs.as_mut_ptr(),
                },
            };
            let mut process_context =
                context
                    .as_mut()
                    .and_then(|make| make(start))
                    .map(|mut ctx| {
                        ctx.projectTimeSamples = self.project_time_samples;
                        ctx
                    });
            let mut data = ProcessData {
                processMode: self.call_mode.unwrap_or(setup.processMode),
                symbolicSampleSize: kSample32 as i32,
                numSamples: len as i32,
                numInputs: 1,
                numOutputs: 1,
                inputs: &mut input_bus,
                outputs: &mut output_bus,
                inputParameterChanges: changes_ptr,
                outputParameterChanges: ptr::null_mut(),
                inputEvents: ptr::null_mut(),
                outputEvents: ptr::null_mut(),
                processContext: process_context
                    .as_mut()
                    .map_or(ptr::null_mut(), |ctx| ctx as *mut ProcessContext),
            };
            // SAFETY: every pointer in `data` stays valid for the call.
            let result = unsafe { self.processor.process(&mut data) };
            if result != kResultOk {
                return result;
            }
            self.project_time_samples += len as i64;
            start += len;
        }
        kResultOk
    }

    /// A `process` call with `numSamples == 0` and valid (empty) buses, as hosts use to flush
    /// parameters; returns the plugin's result.
    pub fn process_zero_frames(&mut self, events: &[(ParamID, f64)]) -> tresult {
        let setup = self.setup.expect("process() while inactive");
        let changes = ParamChanges::new(
            &events
                .iter()
                .map(|&(id, value)| (0, id, value))
                .collect::<Vec<_>>(),
        );
        let mut scratch = vec![[0.0_f32; 1]; self.layout.0.max(self.layout.1)];
        let mut ptrs: Vec<*mut f32> = scratch.iter_mut().map(|c| c.as_mut_ptr()).collect();
        let mut input_bus = AudioBusBuffers {
            numChannels: self.layout.0 as i32,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: ptrs.as_mut_ptr(),
            },
        };
        let mut output_bus = input_bus;
        output_bus.numChannels = self.layout.1 as i32;
        let mut data = ProcessData {
            processMode: setup.processMode,
            symbolicSampleSize: kSample32 as i32,
            numSamples: 0,
            numInputs: 1,
            numOutputs: 1,
            inputs: &mut input_bus,
            outputs: &mut output_bus,
            inputParameterChanges: changes.as_com_ref::<IParameterChanges>().unwrap().as_ptr(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: ptr::null_mut(),
            outputEvents: ptr::null_mut(),
            processContext: ptr::null_mut(),
        };
        // SAFETY: every pointer in `data` stays valid for the call.
        unsafe { self.processor.process(&mut data) }
    }

    /// Every parameter the edit controller reports.
    pub fn params(&self) -> Vec<Vst3Param> {
        // SAFETY: valid out-pointers.
        unsafe {
            (0..self.controller.getParameterCount())
                .map(|index| {
                    let mut info: ParameterInfo = std::mem::zeroed();
                    assert_eq!(
                        self.controller.getParameterInfo(index, &mut info),
                        kResultOk
                    );
                    Vst3Param {
                        id: info.id,
                        title: utf16(&info.title),
                        units: utf16(&info.units),
                        step_count: info.stepCount,
                        default_normalized: info.defaultNormalizedValue,
                        flags: info.flags,
                    }
                })
                .collect()
        }
    }

    /// `getParamNormalized`.
    pub fn get_param(&self, id: ParamID) -> f64 {
        // SAFETY: a plain query.
        unsafe { self.controller.getParamNormalized(id) }
    }

    /// `setParamNormalized` (the controller side, as when a host restores automation).
    pub fn set_param(&self, id: ParamID, normalized: f64) -> tresult {
        // SAFETY: a plain call.
        unsafe { self.controller.setParamNormalized(id, normalized) }
    }

    /// `getParamStringByValue`.
    pub fn value_to_text(&self, id: ParamID, normalized: f64) -> Option<String> {
        let mut text: String128 = [0; 128];
        // SAFETY: valid out-pointer of 128 UTF-16 units.
        let result = unsafe {
            self.controller
                .getParamStringByValue(id, normalized, &mut text)
        };
        (result == kResultOk).then(|| utf16(&text))
    }

    /// `getParamValueByString`.
    pub fn text_to_value(&self, id: ParamID, text: &str) -> Option<f64> {
        let mut wide: Vec<u16> = text.encode_utf16().collect();
        wide.push(0);
        let mut value = 0.0;
        // SAFETY: a NUL-terminated UTF-16 string and a valid out-pointer.
        let result = unsafe {
            self.controller
                .getParamValueByString(id, wide.as_mut_ptr(), &mut value)
        };
        (result == kResultOk).then_some(value)
    }

    /// `normalizedParamToPlain`.
    pub fn to_plain(&self, id: ParamID, normalized: f64) -> f64 {
        // SAFETY: a plain query.
        unsafe { self.controller.normalizedParamToPlain(id, normalized) }
    }

    /// `plainParamToNormalized`.
    pub fn to_normalized(&self, id: ParamID, plain: f64) -> f64 {
        // SAFETY: a plain query.
        unsafe { self.controller.plainParamToNormalized(id, plain) }
    }

    /// `IComponent::getState` into a fresh stream; `None` if the plugin refuses.
    pub fn get_state(&self) -> Option<Vec<u8>> {
        self.get_state_chunked(usize::MAX)
    }

    /// `IComponent::getState` into a fresh stream that takes at most `max_write` bytes per
    /// `write`; `None` if the plugin refuses.
    pub fn get_state_chunked(&self, max_write: usize) -> Option<Vec<u8>> {
        self.get_state_into(MemoryStream::with_limits(&[], usize::MAX, max_write))
    }

    /// `IComponent::getState` into a fresh stream that holds at most `capacity` bytes;
    /// `None` if the plugin refuses.
    pub fn get_state_limited(&self, capacity: usize) -> Option<Vec<u8>> {
        self.get_state_into(MemoryStream::with_capacity(capacity))
    }

    /// `IComponent::getState` into `stream`; its bytes, or `None` if the plugin refuses.
    fn get_state_into(&self, stream: ComWrapper<MemoryStream>) -> Option<Vec<u8>> {
        let ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
        // SAFETY: the stream lives for the call.
        let result = unsafe { self.component.getState(ptr) };
        (result == kResultOk).then(|| stream.bytes())
    }

    /// `IComponent::setState` from a stream holding `bytes` (at most `max_read` per read).
    pub fn set_state_chunked(&self, bytes: &[u8], max_read: usize) -> tresult {
        let stream = MemoryStream::with_max_read(bytes, max_read);
        let ptr = stream.as_com_ref::<IBStream>().unwrap().as_ptr();
        // SAFETY: the stream lives for the call.
        unsafe { self.component.setState(ptr) }
    }

    /// `IComponent::setState` from a stream holding `bytes`.
    pub fn set_state(&self, bytes: &[u8]) -> tresult {
        self.set_state_chunked(bytes, usize::MAX)
    }

    /// `canProcessSampleSize`.
    pub fn can_process_sample_size(&self, size: i32) -> bool {
        // SAFETY: a plain query.
        unsafe { self.processor.canProcessSampleSize(size) == kResultOk }
    }
}

impl Default for Vst3Instance {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Vst3Instance {
    fn drop(&mut self) {
        self.deactivate();
        // SAFETY: the last call before the pointers are released.
        unsafe {
            self.component.terminate();
            self.controller.setComponentHandler(ptr::null_mut());
        }
    }
}

/// Input and output bus directions, re-exported for tests.
pub const INPUT: i32 = kInput as i32;
/// See [`INPUT`].
pub const OUTPUT: i32 = kOutput as i32;
