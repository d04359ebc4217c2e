//! The block service program: the syscalls around `blk_service::Service`.
//!
//! One loop: receive client requests (`ipc::blk`) while the service is
//! accepting, take every other request already waiting, then let the
//! service do its next piece of work — one `Submit` to the backend, or one
//! attempt to find and attach it. While the queue is full the loop does not
//! receive, so callers wait in the kernel (push-back).
//!
//! Memory: the data window (32 slots of up to 64 KiB, this program's own
//! memory, granted to each backend generation in turn) at [`WINDOW_AT`].
//! A client's grant is never mapped: its data is copied with `GrantRead`
//! and `GrantWrite`, which the kernel checks, so a client revoking its
//! grant mid-request gets a `Grant` error instead of crashing the service.
//!
//! Args (`blk_service::Config`): `backend=NAME` (required), `queue=N`,
//! `watchdog-ms=MS`, `unavailable-ms=MS`, `probe-ms=MS`.

#![no_std]
#![no_main]

extern crate alloc;

use blk_service::service::{CallError, Env, Link, Located, Restarted, Service, Task};
use blk_service::{Config, config::MAX_REQUEST_BYTES};
use ipc::blk::{self, Blk, BlkError};
use ipc::blkdev::{self, BlkDev, MAX_BATCH};
use ipc::supervisor::{self, ServiceState, Supervisor};
use userlib::TaskId;
use userlib::rpc::{self, Event, RpcError};
use userlib::sys::Error;

userlib::entry!(main);

/// The data window the backends see.
const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
const WINDOW_MAX: u64 = MAX_BATCH as u64 * MAX_REQUEST_BYTES as u64;

struct Kernel {
    backend: alloc::string::String,
    /// The grant of the window to the current backend task.
    window_grant: Option<u32>,
}

fn task(t: Task) -> TaskId {
    TaskId(t)
}

/// `Busy` (the backend still holds a call of ours that timed out) is a
/// failure like any other: the service has the backend restarted.
fn call_error(e: RpcError) -> CallError {
    match e {
        RpcError::Sys(Error::Dead { .. }) => CallError::Dead,
        RpcError::Sys(Error::Sys(ddk_abi::SyscallError::Timeout)) => CallError::Timeout,
        _ => CallError::Failed,
    }
}

/// A call that gives up after `timeout_ms` (0: waits for ever).
fn call_timeout(
    to: TaskId,
    req: &blkdev::Request,
    timeout_ms: u64,
) -> Result<blkdev::Reply, CallError> {
    if timeout_ms == 0 {
        return rpc::call::<BlkDev>(to, req).map_err(call_error);
    }
    rpc::call_timeout::<BlkDev>(to, req, timeout_ms).map_err(call_error)
}

fn window() -> &'static mut [u8] {
    // SAFETY: WINDOW_MAX bytes at WINDOW_AT were mapped by `main` before the
    // service runs, are never unmapped, and this single-threaded program
    // uses them only through these short-lived slices.
    unsafe { core::slice::from_raw_parts_mut(WINDOW_AT as *mut u8, WINDOW_MAX as usize) }
}

/// A failed `GrantRead`/`GrantWrite` of a client's grant as the client's
/// error: a revoked grant, a bad id or a read-only grant for a `Read` is
/// `Grant(code)`, a grant shorter than the request `GrantTooSmall`. The
/// kernel checks all of it, so a client cannot make this program fault.
fn grant_error(grant: u32, e: Error) -> BlkError {
    match e {
        Error::Sys(ddk_abi::SyscallError::BadLength) => match userlib::grant_len(grant) {
            Ok(len) => BlkError::GrantTooSmall { mapped: len },
            Err(e) => grant_error(grant, e),
        },
        Error::Sys(s) => BlkError::Grant(s.code()),
        Error::Dead { .. } => BlkError::Grant(ddk_abi::SyscallError::Dead.code()),
        Error::Unknown(c) => BlkError::Grant(c),
    }
}

fn slot(offset: u64, len: u64) -> Result<core::ops::Range<usize>, BlkError> {
    match offset.checked_add(len) {
        Some(end) if end <= WINDOW_MAX => Ok(offset as usize..end as usize),
        _ => Err(BlkError::BadCount {
            max: MAX_REQUEST_BYTES / 512,
        }),
    }
}

impl Kernel {
    /// Sends a generation-scoped request (`RestartTask`, `KillTask`, named
    /// `what` in the log) about the backend: `Stale` means the generation
    /// was replaced meanwhile.
    fn ask_supervisor(&mut self, req: &supervisor::Request, what: &str) -> Restarted {
        let Some(sup) = self.supervisor() else {
            return Restarted::No;
        };
        match rpc::call::<Supervisor>(sup, req) {
            Ok(supervisor::Reply::Ok) => Restarted::Yes,
            Ok(supervisor::Reply::Err(supervisor::SupervisorError::Stale)) => {
                Restarted::AlreadyReplaced
            }
            other => {
                userlib::log!("blk: {what} {} refused: {other:?}", self.backend);
                Restarted::No
            }
        }
    }

    fn supervisor(&self) -> Option<TaskId> {
        userlib::lookup("supervisor").ok()
    }
}

impl Env for Kernel {
    fn now_ms(&self) -> u64 {
        userlib::uptime_us() / 1000
    }

    fn locate(&mut self) -> Located {
        match userlib::lookup(&self.backend) {
            Ok(t) => Located::Alive(t.0),
            Err(Error::Dead { .. }) => Located::Gone,
            Err(_) => Located::Missing,
        }
    }

    fn call(
        &mut self,
        to: Task,
        req: &blkdev::Request,
        timeout_ms: u64,
    ) -> Result<blkdev::Reply, CallError> {
        call_timeout(task(to), req, timeout_ms)
    }

    fn attach(&mut self, to: Task, len: u64, timeout_ms: u64) -> Result<blkdev::Reply, CallError> {
        if let Some(old) = self.window_grant.take() {
            // Gone already if the old backend died; then nothing to revoke.
            let _ = userlib::grant_revoke(old);
        }
        let grant = match userlib::grant_create(task(to), WINDOW_AT, len.min(WINDOW_MAX), true) {
            Ok(g) => g,
            Err(Error::Dead { .. }) => return Err(CallError::Dead),
            Err(e) => {
                userlib::log!("blk: cannot grant the data window: {e}");
                return Err(CallError::Failed);
            }
        };
        self.window_grant = Some(grant);
        call_timeout(task(to), &blkdev::Request::Attach { grant }, timeout_ms)
    }

    fn backend_state(&mut self) -> Option<ServiceState> {
        let sup = self.supervisor()?;
        match rpc::call::<Supervisor>(sup, &supervisor::Request::Status) {
            Ok(supervisor::Reply::Status(list)) => list
                .into_iter()
                .find(|s| s.name == self.backend)
                .map(|s| s.state),
            _ => None,
        }
    }

    fn restart_backend(&mut self, task: Task) -> Restarted {
        let req = supervisor::Request::RestartTask {
            name: self.backend.clone(),
            task: supervisor::TaskIdWire(task),
        };
        self.ask_supervisor(&req, "RestartTask")
    }

    fn kill_backend(&mut self, task: Task) -> Restarted {
        let req = supervisor::Request::KillTask {
            name: self.backend.clone(),
            task: supervisor::TaskIdWire(task),
        };
        self.ask_supervisor(&req, "KillTask")
    }

    fn copy_in(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError> {
        let range = slot(offset, len)?;
        let dst = window().get_mut(range).ok_or(BlkError::BadCount {
            max: MAX_REQUEST_BYTES / 512,
        })?;
        userlib::grant_read(grant, 0, dst)
            .map(|_| ())
            .map_err(|e| grant_error(grant, e))
    }

    fn window_fnv(&mut self, offset: u64, len: u64) -> Option<u64> {
        let data = window().get(slot(offset, len).ok()?)?;
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for &b in data {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Some(h)
    }

    fn copy_out(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError> {
        let range = slot(offset, len)?;
        let src = window().get(range).ok_or(BlkError::BadCount {
            max: MAX_REQUEST_BYTES / 512,
        })?;
        userlib::grant_write(grant, 0, src)
            .map(|_| ())
            .map_err(|e| grant_error(grant, e))
    }

    fn reply(&mut self, client: Task, reply: blk::Reply) {
        // A client that died meanwhile cannot be answered; nothing to do.
        let _ = rpc::reply(task(client), &reply);
    }

    fn log(&mut self, line: core::fmt::Arguments<'_>) {
        userlib::log!("blk: {line}");
    }
}

fn main(args: &str) -> i64 {
    let cfg = match Config::parse(args) {
        Ok(c) => c,
        Err(e) => {
            userlib::log!("blk: bad arguments: {e}");
            return 2;
        }
    };
    if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW_MAX, true) {
        userlib::log!("blk: cannot map the data window: {e}");
        return 3;
    }
    let mut env = Kernel {
        backend: cfg.backend.clone(),
        window_grant: None,
    };
    userlib::log!(
        "blk: starting over backend {} (queue {}, watchdog {} ms, unavailable after {} ms)",
        cfg.backend,
        cfg.queue,
        cfg.watchdog_ms,
        cfg.unavailable_ms
    );
    let mut svc = Service::new(cfg, env.now_ms());
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    // Whether the queue filled up while the backend was away (logged once
    // per time).
    let mut pushing_back = false;
    loop {
        svc.step(&mut env);
        let wait = svc.wait_ms(env.now_ms());
        if !svc.accepting() {
            if !pushing_back && !matches!(svc.link(), Link::Up(_)) {
                pushing_back = true;
                userlib::log!(
                    "blk: queue full (queue={}) while {} is away: callers wait in the kernel",
                    svc.config().queue,
                    svc.config().backend
                );
            }
            // Push-back: callers wait in the kernel until the queue drains.
            userlib::sleep_ms(wait.unwrap_or(1).max(1));
            continue;
        }
        if matches!(svc.link(), Link::Up(_)) {
            pushing_back = false;
        }
        match rpc::next::<Blk>(&mut buf, wait) {
            Ok(Event::Request { from, request }) => {
                svc.accept(&mut env, from.0, request);
                // Everything already waiting joins the same batch.
                while svc.accepting() {
                    match rpc::next::<Blk>(&mut buf, Some(0)) {
                        Ok(Event::Request { from, request }) => {
                            svc.accept(&mut env, from.0, request)
                        }
                        _ => break,
                    }
                }
            }
            Ok(Event::Notification(_)) | Err(Error::Sys(ddk_abi::SyscallError::Timeout)) => {}
            Err(e) => {
                userlib::log!("blk: recv failed: {e}");
                userlib::sleep_ms(10);
            }
        }
    }
}
