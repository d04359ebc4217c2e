//! `supervisor`: asking the supervisor (Cordon's first process) about and
//! for services — the serial shell's `ps`, `faults` and `restart` use it.
//!
//! Every request gets exactly one reply: `Ok`, the data asked for, or
//! `Err(SupervisorError)`. `Shutdown` is answered with `Ok` before the
//! supervisor powers the machine off.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::frame::{Kind, Message, Protocol};
pub use crate::wire::{ExitCause, FaultSummary, TaskIdWire};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 9;

/// Longest [`Request::RestartWith`] argument string, in bytes.
pub const ARGS_MAX: usize = 200;

/// Longest service name, in bytes (the kernel's task-name limit).
pub const NAME_MAX: usize = 16;

/// Most services a manifest may name: a [`Reply::Status`] for this many,
/// every field at its widest, still fits one message.
pub const MAX_SERVICES: usize = 16;

/// Most records one [`Reply::Reports`] carries, whatever `max` asks for
/// (this many at their widest fit one message).
pub const REPORTS_PER_REPLY: usize = 8;

/// Longest [`FaultRecord::managed`], in bytes (the supervisor shortens it at
/// a character boundary).
pub const MANAGED_MAX: usize = 240;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct Supervisor;

impl Protocol for Supervisor {
    const ID: u16 = crate::ids::SUPERVISOR;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "supervisor";
    type Request = Request;
    type Reply = Reply;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// Every service's state → [`Reply::Status`].
    Status,
    /// Start a stopped or held service (or one waiting out its backoff, now).
    Start { name: String },
    /// Kill a running service and do not restart it.
    Stop { name: String },
    /// Kill (if running) and start again at once, resetting the backoff.
    Restart { name: String },
    /// The newest `max` (at most [`REPORTS_PER_REPLY`]) fault records,
    /// newest first → [`Reply::Reports`].
    FaultReports { max: u16 },
    /// Stop everything and power off.
    Shutdown,
    /// The caller's `files=` (manifest): a read-only grant of an
    /// [`crate::files`] bundle → [`Reply::Files`]. Asking again revokes the
    /// previous grant; a restarted service asks anew (the supervisor keeps
    /// the bundle, so nothing is read twice).
    Files,
    /// A writable grant of a [`crate::codemap`] region of the supervisor's
    /// memory (a stack for managed code, then an empty code map) →
    /// [`Reply::CodeMap`]: the driver host runs managed code on that stack
    /// and records its compiled code there; the supervisor reads both when
    /// the caller dies of a fault. Asking again revokes the previous grant and empties the
    /// region.
    CodeMap,
    /// Kill a running service as a crash would: its death is handled by its
    /// restart policy (backoff, `hold`), unlike `Stop` (stays stopped) and
    /// `Restart` (starts again at once). `Err(NotRunning)` if it is not
    /// running.
    Kill { name: String },
    /// `Restart`, with `args` (at most [`ARGS_MAX`] bytes) added to the
    /// service's arguments for that one start — how a demo turns a fault
    /// injection on for the next generation of a running driver host
    /// (`first-args` does it only for the boot's first start). Needs the
    /// same `allow=` as `Restart`; longer args are `BadArgs`.
    RestartWith { name: String, args: String },
    /// `Restart`, but only of the generation the caller means: if `name`'s
    /// current task is exactly `task` (index and generation; running or
    /// already dead) it is restarted as `Restart` does. If the service has
    /// run another task since (it died and was restarted, or someone else
    /// restarted it), nothing happens and the reply is
    /// `Err(SupervisorError::Stale)`: the caller attaches to the new task.
    /// How a watchdog asks for the restart of the task it saw hang without
    /// killing a healthy successor when its request arrives late. Needs the
    /// same `allow=` as `Restart`.
    RestartTask { name: String, task: TaskIdWire },
    /// Puts a service into a crash loop on purpose: `Restart` it now with
    /// `args` (at most [`ARGS_MAX`] bytes) added to its arguments on *every*
    /// start — this one and each automatic restart — and with `policy`
    /// instead of its manifest's restart policy, until the policy holds it
    /// (`give_up` quick deaths in a row) or a `Start`, `Stop`, `Restart`,
    /// `RestartWith`, `RestartTask` or another `CrashLoop` request ends the
    /// loop; then the manifest's arguments and policy apply again. What a
    /// manifest's `fault-args` with `give-up` do from boot, for a running
    /// system: the shell's `demo crash-loop` has the driver host fault on
    /// every start until the supervisor holds it. Needs the same `allow=`
    /// as `Restart`; longer args are `BadArgs`, a policy that could never
    /// hold the service (`give_up` 0) or whose backoff is empty or reversed
    /// is `BadPolicy`.
    CrashLoop {
        name: String,
        args: String,
        policy: LoopPolicy,
    },
    /// Keep the caller's code image (docs/driverhost.md, "Restart time"):
    /// `grant` (to the supervisor, readable) holds `len` bytes of it. The
    /// supervisor copies them into memory of its own, records their hash
    /// ([`crate::image::hash`]) and answers [`Reply::ImageStored`]; the
    /// service's previous image is replaced only once the copy is whole.
    /// Needs `allow=code-image`. Refused (typed, nothing kept) when the
    /// caller's generation was started with a switch that changes compiled
    /// code (`ImageInjected`, decided from the arguments the supervisor
    /// started it with), when `len` exceeds [`crate::image::MAX_LEN`]
    /// (`ImageTooLarge`), when this generation stored one already
    /// (`ImageAlreadyStored`: at most one per generation), or when the
    /// grant cannot be read for `len` bytes (`ImageUnavailable`).
    StoreImage { grant: u32, len: u64 },
    /// The service's kept code image → [`Reply::Image`], a read-only grant
    /// of the supervisor's copy; `Err(NoImage)` if none is kept,
    /// `Err(ImageInjected)` for a generation started with a switch that
    /// changes compiled code. Needs `allow=code-image`.
    FetchImage,
    /// `Kill`, but only of the generation the caller means: if `name`'s
    /// current task is exactly `task` (index and generation) it is killed
    /// as `Kill` does — its death goes through the restart policy
    /// (backoff, `give-up`, `hold`), and a crash loop stays on;
    /// `Err(NotRunning)` as `Kill` if it is not running. If the service
    /// has run another task since (it died and was restarted), nothing
    /// happens and the reply is `Err(SupervisorError::Stale)`: the caller
    /// attaches to the new task. How the block service has a generation
    /// it refuses killed without risking a healthy successor started
    /// after it looked. Needs the same `allow=` as `Kill`.
    KillTask { name: String, task: TaskIdWire },
}

/// The restart policy of a [`Request::CrashLoop`] (the manifest's
/// `min-run=`, `backoff=BASE..MAX` and `give-up=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoopPolicy {
    /// A death sooner than this after its start is a quick one.
    pub min_run_ms: u32,
    /// The first restart delay; each quick death doubles it.
    pub backoff_base_ms: u32,
    /// The most a restart delay grows to.
    pub backoff_max_ms: u32,
    /// Hold the service after this many quick deaths in a row (1 or more).
    pub give_up: u16,
}

impl LoopPolicy {
    /// Whether the supervisor accepts it: it holds the service at some
    /// point (`give_up` ≥ 1) and its backoff is `1 ≤ base ≤ max`.
    pub fn is_valid(&self) -> bool {
        self.give_up >= 1
            && self.backoff_base_ms >= 1
            && self.backoff_base_ms <= self.backoff_max_ms
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Ok,
    Status(Vec<ServiceStatus>),
    Reports(Vec<FaultRecord>),
    Err(SupervisorError),
    /// A grant to the caller (map it with `GrantMap`) of `len` bytes
    /// (whole pages) holding the bundle.
    Files {
        grant: u32,
        len: u64,
    },
    /// A writable grant to the caller of `len` bytes (whole pages) holding
    /// an empty code map.
    CodeMap {
        grant: u32,
        len: u64,
    },
    /// `StoreImage` done: the supervisor's copy has `len` bytes hashing to
    /// `hash`.
    ImageStored {
        len: u64,
        hash: u64,
    },
    /// A read-only grant to the caller (whole pages) whose first `len`
    /// bytes are the kept image, which hashed to `hash` when stored.
    Image {
        grant: u32,
        len: u64,
        hash: u64,
    },
}

/// One line of `ps`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceStatus {
    pub name: String,
    /// The current (or, if not running, the last) task; `None` if it never ran.
    pub task: Option<TaskIdWire>,
    pub state: ServiceState,
    /// Restarts since boot (the first start is not a restart).
    pub restarts: u32,
    /// How the last task ended; `None` if none has ended.
    pub last_exit: Option<ExitCause>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServiceState {
    Running,
    /// Dead; the supervisor restarts it at this time (ms since boot).
    WaitingRestart {
        until_ms: u64,
    },
    /// Dead and not restarted (policy `hold`); `Start` revives it.
    Held,
    /// Not running by request, or `start=manual` and never started.
    Stopped,
}

/// One death, as the supervisor keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRecord {
    pub service: String,
    pub task: TaskIdWire,
    /// Microseconds since boot at the death.
    pub uptime_us: u64,
    pub cause: ExitCause,
    /// For a fault in JIT-compiled code, where: the managed method, IL
    /// offset and instruction read from the dead task's code map, then its
    /// managed callers (at most [`MANAGED_MAX`] bytes, e.g.
    /// `NS.Type::Method+0x2a IL_0008 ldfld <- NS.Type::Caller IL_0000 (call)`).
    pub managed: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SupervisorError {
    /// No service of that name in the manifest.
    NoSuchService,
    /// `Start` of a service that is running.
    AlreadyRunning,
    /// `Stop`, `Kill` or `KillTask` of a service that is not running.
    NotRunning,
    /// The kernel refused to spawn the program; the `ddk_abi::SyscallError`
    /// code.
    SpawnFailed(u32),
    /// The caller may not ask this (e.g. `Shutdown` from an ordinary service).
    PermissionDenied,
    /// A bug or exhausted resource inside the supervisor; a code for the log.
    Internal(u32),
    /// `Files` from a service whose entry has no `files=` (a task that is
    /// no running service gets `PermissionDenied`).
    NoFiles,
    /// A `files=` pattern matched nothing or a file could not be read, or the
    /// bundle is larger than one grant (the supervisor's log says which).
    FilesUnavailable,
    /// `CodeMap`: the supervisor has no memory left for the region.
    CodeMapUnavailable,
    /// `RestartWith` arguments longer than [`ARGS_MAX`].
    BadArgs,
    /// `RestartTask` or `KillTask` of a task that is no longer the
    /// service's current one: it has been replaced already, and nothing
    /// was done.
    Stale,
    /// `CrashLoop` with a [`LoopPolicy`] that is not
    /// [`LoopPolicy::is_valid`].
    BadPolicy,
    /// `StoreImage`/`FetchImage` from a generation the supervisor started
    /// with a switch that changes compiled code (`jit-inject=`,
    /// `inject=always-fault`, `campaign=`, `intrinsics=`, or an `inject=`
    /// it does not know).
    ImageInjected,
    /// `StoreImage` of more than [`crate::image::MAX_LEN`] bytes.
    ImageTooLarge,
    /// A second `StoreImage` from the same generation.
    ImageAlreadyStored,
    /// `StoreImage`: the grant is not readable for `len` bytes, or the
    /// supervisor has no memory for the copy (its log says which).
    ImageUnavailable,
    /// `FetchImage`: no image is kept for the service.
    NoImage,
}

impl Message for Request {
    type Protocol = Supervisor;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = Supervisor;
    const KIND: Kind = Kind::Reply;
}
