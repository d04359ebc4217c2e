//! The console grant: the serial console handed to one ring-3 task (the
//! user shell) once services are up.
//!
//! At most one task holds it (`TaskGrant` kind `CONSOLE`; a second grant
//! while the owner lives is `AlreadyMapped`). While it does, every byte COM1
//! receives goes into a bounded ring here instead of the boot console's
//! queue, and the owner gets notification bit `notify::CONSOLE`; it takes
//! the bytes with `ConsoleRead` (never blocks) and writes raw bytes with
//! `ConsoleWrite`. The boot console then sees no input at all, so it
//! neither echoes nor interprets what is typed for the owner. When the owner
//! dies the grant is released and the boot console has the input again;
//! the owner's next generation gets it back through the supervisor.

use super::{TABLE, ipc};
use crate::logic::droplog::DropLog;
use crate::logic::rxring::RxRing;
use core::sync::atomic::{AtomicU64, Ordering};
use ddk_abi::syscall::{CONSOLE_WRITE_MAX, notify};
use ddk_abi::{SyscallError, TaskId};
use spin::Mutex;

/// Input bytes kept for the owner until it reads them; more are dropped
/// (and counted): the interrupt never waits for the owner.
const RING: usize = 1024;

struct Grant {
    owner: Option<TaskId>,
    ring: RxRing<RING>,
    /// The owner's dropped input, logged at most once a second.
    drops: DropLog,
}

/// Taken by the COM1 interrupt and by syscalls, both with interrupts off;
/// never held while the task table is being locked by the interrupt path.
static CONSOLE: Mutex<Grant> = Mutex::new(Grant {
    owner: None,
    ring: RxRing::new(),
    drops: DropLog::new(),
});

/// Counts grants, so the boot console can tell that a line it was reading
/// was cut by an owner's tenure and drop it (`console::run`).
static TENURES: AtomicU64 = AtomicU64::new(0);

pub fn tenures() -> u64 {
    TENURES.load(Ordering::Relaxed)
}

/// Whether a task holds the console now.
pub fn held() -> bool {
    CONSOLE.lock().owner.is_some()
}

/// `TaskGrant(target, CONSOLE)`.
pub fn grant(target: TaskId) -> Result<(), SyscallError> {
    let mut t = TABLE.lock();
    let i = t.resolve(target).map_err(|(e, _)| e)?;
    let name = t
        .get(i)
        .map(|task| alloc::string::String::from(task.name()));
    let mut c = CONSOLE.lock();
    // A dead owner released the grant in `forget_task`; one still named
    // here is alive.
    if c.owner.is_some() {
        return Err(SyscallError::AlreadyMapped);
    }
    c.owner = Some(target);
    c.ring.clear();
    c.drops = DropLog::new();
    // Type-ahead the boot console has not read yet belongs to the new owner.
    if let Some(q) = crate::apic::SERIAL_RX.get() {
        while let Some(b) = q.pop() {
            c.ring.push(b);
        }
    }
    TENURES.fetch_add(1, Ordering::Relaxed);
    let waiting = !c.ring.is_empty();
    drop(c);
    // Type-ahead raises the notification as typing would: a holder that
    // waits for it before reading must not sleep on bytes already there.
    if waiting {
        ipc::notify_locked(&mut t, i, notify::CONSOLE);
    }
    drop(t);
    log::info!(
        "console: input goes to {}[{}.{}]",
        name.as_deref().unwrap_or("?"),
        target.index(),
        target.generation()
    );
    Ok(())
}

/// Bytes COM1 received (the interrupt's part): to the owner, with its
/// notification, or to the boot console's queue when nobody holds the grant.
pub fn input(bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    let owner = {
        let mut c = CONSOLE.lock();
        let owner = c.owner;
        if owner.is_some() {
            for &b in bytes {
                c.ring.push(b);
            }
        }
        owner
    };
    match owner {
        Some(owner) => {
            let mut t = TABLE.lock();
            if let Ok(i) = t.resolve(owner) {
                ipc::notify_locked(&mut t, i, notify::CONSOLE);
            }
        }
        None => {
            if let Some(q) = crate::apic::SERIAL_RX.get() {
                for &b in bytes {
                    q.force_push(b);
                }
            }
        }
    }
}

/// `ConsoleRead(buf, len)` by task `index`: moves up to `len` received bytes
/// into `buf`; returns (bytes copied, bytes dropped since the last read).
pub fn read(index: usize, addr: u64, len: u64) -> Result<[u64; 3], SyscallError> {
    let t = TABLE.lock();
    let me = t.get(index).ok_or(SyscallError::NoSuchTask)?;
    if CONSOLE.lock().owner != Some(me.id) {
        return Err(SyscallError::PermissionDenied);
    }
    let n = usize::try_from(len).unwrap_or(usize::MAX).min(RING);
    // Checked before any byte leaves the ring, so a bad buffer loses none.
    me.space.user_pages(addr, n as u64, true, |_, _| {})?;
    let mut tmp = [0u8; RING];
    let now = crate::time::uptime_us();
    let (got, dropped, to_log) = {
        let mut c = CONSOLE.lock();
        let got = c.ring.read(tmp.get_mut(..n).unwrap_or(&mut []));
        let dropped = c.ring.take_dropped();
        // At most one line a second (`logic::droplog`); a count held back
        // goes out with a later read, drops or not.
        (got, dropped, c.drops.note(dropped, now))
    };
    me.space.write(addr, tmp.get(..got).unwrap_or(&[]))?;
    if let Some(total) = to_log {
        log::warn!(
            "console: {total} input bytes dropped: {}[{}.{}] did not read them in time",
            me.name(),
            me.id.index(),
            me.id.generation()
        );
    }
    Ok([got as u64, dropped, 0])
}

/// How much of a `ConsoleWrite` is copied per step: a stack buffer, so the
/// call allocates nothing a task's argument sizes.
const WRITE_CHUNK: usize = 512;

/// `ConsoleWrite(ptr, len)` by task `index`: raw bytes to the UART's
/// transmit ring, as many as fit below the tasks' share of it (bytes
/// queued is the result; `userlib::console_write` retries the rest).
pub fn write(index: usize, addr: u64, len: u64) -> Result<[u64; 3], SyscallError> {
    if len > CONSOLE_WRITE_MAX as u64 {
        return Err(SyscallError::BadLength);
    }
    {
        // The owner and the whole range first, so that a refusal has
        // written nothing (a partial write would be repeated by the retry).
        let t = TABLE.lock();
        let me = t.get(index).ok_or(SyscallError::NoSuchTask)?;
        if CONSOLE.lock().owner != Some(me.id) {
            return Err(SyscallError::PermissionDenied);
        }
        me.space.user_pages(addr, len, false, |_, _| {})?;
    }
    let mut buf = [0u8; WRITE_CHUNK];
    let mut queued: u64 = 0;
    while queued < len {
        let n = (len - queued).min(WRITE_CHUNK as u64);
        let chunk = buf.get_mut(..n as usize).unwrap_or(&mut []);
        {
            let t = TABLE.lock();
            let Some(me) = t.get(index) else { break };
            // Checked above, and nothing can unmap it since: one CPU runs
            // tasks (the others stay parked) and this syscall runs with
            // interrupts off. Should a page ever be gone (several CPUs),
            // the write ends with what was queued.
            if me.space.read(addr.saturating_add(queued), chunk).is_err() {
                break;
            }
        }
        let took = crate::serial::with(|u| u.write_task_raw(chunk));
        queued += took as u64;
        if took < chunk.len() {
            break;
        }
    }
    Ok([queued, 0, 0])
}

/// Task `dead` died: if it held the console, the boot console takes the
/// input back.
pub fn forget_task(dead: TaskId) {
    let released = {
        let mut c = CONSOLE.lock();
        if c.owner == Some(dead) {
            c.owner = None;
            // Drops it never read back, and counts held back by the
            // interval, are logged now: nobody else will.
            let unread = c.ring.take_dropped();
            let dropped = c.drops.finish(unread);
            c.ring.clear();
            Some(dropped)
        } else {
            None
        }
    };
    if let Some(dropped) = released {
        if let Some(total) = dropped {
            log::warn!(
                "console: owner {}.{} ended with {total} dropped input bytes not logged yet",
                dead.index(),
                dead.generation()
            );
        }
        log::info!(
            "console: owner {}.{} ended; the kernel console has the input again",
            dead.index(),
            dead.generation()
        );
    }
}
