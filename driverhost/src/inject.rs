//! Fault injections, all off by default, chosen per driver-host start by
//! its arguments (test manifests give them as `first-args`, so only the
//! first generation has them; docs/driverhost.md "Fault injections"):
//!
//! - `jit-inject=NAME[,NAME]`: the JIT's miscompiles
//!   (`jit::compiler::Inject`, "The fault-injection switch"), set on a
//!   fresh runtime before it compiles anything.
//! - `inject=hang|wild-store|oom` with `inject-after=N` (default
//!   [`DEFAULT_AFTER`]): once N requests have gone to the driver, the
//!   DDK's `FaultInjection` (C#, `FaultInjection.cs`) spins forever, stores
//!   through a stray pointer into the driver's own compiled code, or
//!   allocates until the heap is exhausted — in compiled managed code, with
//!   the clients' requests in flight. This module only tells it which
//!   (`Native.InjectedFault`) and where the stray pointer points
//!   (`Native.InjectTarget`).
//! - `inject=stack-overflow|exception`: unbounded managed recursion, or an
//!   exception nothing catches, on the I/O path (also the campaign's).
//! - `inject=zero-length`: the next read or write goes to the driver with
//!   length 0 (a zero-length descriptor for the device).
//! - `inject=always-fault`: the seed's `ldfld-struct` miscompile, which
//!   makes the C# virtio-blk driver fault in its `Start`, on every start
//!   that has the argument (given in `args`, not `first-args`: a crash loop).

use alloc::string::String;
use core::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use jit::compiler::JitOptions;
use jit::runtime::Runtime;
use spin::Mutex;

/// Requests handed to the driver before an `inject=` fault happens.
pub const DEFAULT_AFTER: i32 = 64;

/// `inject=` names, as `Native.InjectedFault` returns them (the constants
/// of `FaultInjection.cs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Injection {
    Hang = 1,
    WildStore = 2,
    OutOfMemory = 3,
    /// Not a managed injection: `ldfld-struct` on.
    AlwaysFault = 4,
    /// Unbounded managed recursion (the campaign's `stack-overflow`).
    StackOverflow = 5,
    /// An exception nothing catches (the campaign's `exception`).
    Throw = 6,
    /// One read or write handed to the driver with length 0, which the C#
    /// virtio-blk driver puts into a zero-length descriptor (QEMU then
    /// marks the device broken: `docs/campaign.md`, round 3).
    ZeroLength = 7,
}

impl Injection {
    fn parse(name: &str) -> Option<Injection> {
        Some(match name {
            "hang" => Injection::Hang,
            "wild-store" => Injection::WildStore,
            "oom" => Injection::OutOfMemory,
            "always-fault" => Injection::AlwaysFault,
            "stack-overflow" => Injection::StackOverflow,
            "exception" => Injection::Throw,
            "zero-length" => Injection::ZeroLength,
            _ => return None,
        })
    }
}

static KIND: AtomicI32 = AtomicI32::new(0);
static AFTER: AtomicI32 = AtomicI32::new(DEFAULT_AFTER);
/// The wild store's target: the code start of [`TARGET_METHOD`].
static TARGET: AtomicU64 = AtomicU64::new(0);
static TARGET_METHOD: Mutex<Option<String>> = Mutex::new(None);

/// Set the injections `args` names, if any. `Err` carries the exit code
/// (2): an unknown name, a bad count, or a runtime that already compiled
/// code.
pub fn apply(rt: &mut Runtime, args: &str) -> Result<(), i64> {
    let fault = match crate::arg(args, "inject") {
        None => None,
        Some(name) => match Injection::parse(name) {
            Some(f) => Some(f),
            None => {
                userlib::log!("driverhost: inject={name}: unknown injection");
                return Err(2);
            }
        },
    };
    if let Some(n) = crate::arg(args, "inject-after") {
        match n.parse::<i32>() {
            Ok(n) if n >= 0 => AFTER.store(n, Ordering::Relaxed),
            _ => {
                userlib::log!("driverhost: inject-after={n}: not a request count");
                return Err(2);
            }
        }
    }
    let mut jit = String::from(crate::arg(args, "jit-inject").unwrap_or(""));
    match fault {
        Some(Injection::AlwaysFault) => {
            if !jit.is_empty() {
                jit.push(',');
            }
            jit.push_str("ldfld-struct");
            userlib::log!(
                "driverhost: fault injection on: always-fault (the JIT's ldfld-struct: the driver faults in Start)"
            );
        }
        Some(f) => {
            KIND.store(f as i32, Ordering::Relaxed);
            userlib::log!(
                "driverhost: fault injection on: {} after {} requests",
                crate::arg(args, "inject").unwrap_or(""),
                AFTER.load(Ordering::Relaxed)
            );
        }
        None => {}
    }
    if jit.is_empty() {
        return Ok(());
    }
    let Ok(options) = JitOptions::parse_inject(&jit) else {
        userlib::log!("driverhost: jit-inject={jit}: unknown injection");
        return Err(2);
    };
    if rt.set_options(options).is_err() {
        userlib::log!("driverhost: jit-inject: code already compiled");
        return Err(2);
    }
    userlib::log!("driverhost: JIT fault injection on: {jit}");
    Ok(())
}

/// The campaign's managed injection for this generation (`crate::campaign`).
pub fn set(kind: Injection, after: i32) {
    KIND.store(kind as i32, Ordering::Relaxed);
    AFTER.store(after, Ordering::Relaxed);
}

/// The method whose compiled code the wild store hits (the bound driver's
/// `Submit`), named before it is compiled.
pub fn set_target(method: String) {
    *TARGET_METHOD.lock() = Some(method);
}

/// Called for every method installed (the code-map listener).
pub fn note_code(method: &str, start: u64, len: u64) {
    crate::campaign::note_code(method, start, len);
    if TARGET_METHOD.lock().as_deref() == Some(method) {
        TARGET.store(start, Ordering::Relaxed);
    }
}

pub fn register(rt: &mut Runtime) {
    crate::ddk::register_native(rt, "InjectedFault", injected_fault as *const () as usize);
    crate::ddk::register_native(rt, "InjectTarget", inject_target as *const () as usize);
}

extern "C" fn injected_fault(after: *mut i32) -> i32 {
    // SAFETY: the caller's `out int` local.
    unsafe { *after = AFTER.load(Ordering::Relaxed) };
    KIND.load(Ordering::Relaxed)
}

/// The driver's `Submit` code if the code map saw it compiled, else the
/// first code page: an RX page either way, so the store faults.
extern "C" fn inject_target() -> i64 {
    let code = match TARGET.load(Ordering::Relaxed) {
        0 => crate::codemem::first_code(),
        t => t,
    };
    crate::campaign::wild_target(code).unwrap_or(code) as i64
}
