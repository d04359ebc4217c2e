//! Memory reservations: a task's memory quota is a promise, not a ceiling.
//!
//! Every frame a task can make the kernel take from the user pool — its ELF
//! image and stack, its page tables (up to [`PT_FRAMES`]), its anonymous
//! memory and DMA regions (up to its quota) — is reserved when the task is
//! created (and when the supervisor changes its quota), against a pool
//! fixed when the first task starts: the free memory then, less the
//! kernel's own reserve. A reservation that does not fit is refused
//! (`OutOfMemory`: the spawn, or the quota grant, fails), so the sum of all
//! reservations never exceeds the pool and a task that stays within its
//! quota never finds memory gone because another task took it. The
//! supervisor, started first, has its reservation before anyone else.
//!
//! What this does not promise: a large *contiguous* DMA region may still be
//! refused when free memory is fragmented.

use ddk_abi::SyscallError;
use spin::Mutex;

/// Page-table frames one address space may use (1 MiB of tables: enough to
/// map 512 MiB densely). Reserved whole with every task.
pub const PT_FRAMES: u64 = 256;

/// The supervisor's quota: room for its heap (manifest, tables, fault log).
pub const SUPERVISOR_QUOTA: u64 = 16 << 20;

struct Book {
    /// Bytes reservations may add up to; `None` until the first task.
    pool: Option<u64>,
    committed: u64,
}

static BOOK: Mutex<Book> = Mutex::new(Book {
    pool: None,
    committed: 0,
});

/// The pool, fixed on first use (when the first task is created): free
/// memory then, less the kernel's reserve.
fn pool(b: &mut Book) -> u64 {
    if let Some(p) = b.pool {
        return p;
    }
    let free = crate::mem::frame::free_bytes();
    let pool = free.saturating_sub(crate::mem::frame::KERNEL_RESERVE_BYTES);
    b.pool = Some(pool);
    log::info!(
        "memory reservations: {} MiB for tasks ({} MiB free, {} MiB kept for the kernel)",
        pool >> 20,
        free >> 20,
        crate::mem::frame::KERNEL_RESERVE_BYTES >> 20
    );
    pool
}

/// Reserves `bytes`, or refuses with `OutOfMemory` leaving nothing reserved.
pub fn reserve(bytes: u64) -> Result<(), SyscallError> {
    let mut b = BOOK.lock();
    let pool = pool(&mut b);
    let total = b
        .committed
        .checked_add(bytes)
        .filter(|t| *t <= pool)
        .ok_or(SyscallError::OutOfMemory)?;
    b.committed = total;
    Ok(())
}

/// Gives back what [`reserve`] took.
pub fn release(bytes: u64) {
    let mut b = BOOK.lock();
    b.committed = b.committed.saturating_sub(bytes);
}

/// (reserved, pool) in bytes, for the console's `mem`.
pub fn usage() -> (u64, u64) {
    let mut b = BOOK.lock();
    let pool = pool(&mut b);
    (b.committed, pool)
}

/// `TaskGrant` of kind `MEMORY` (supervisor): sets task `target`'s quota of
/// anonymous and DMA memory to `bytes` — never below what it holds now, and
/// only if the difference can be reserved.
pub fn set_quota(target: ddk_abi::TaskId, bytes: u64) -> Result<(), SyscallError> {
    use ddk_abi::syscall::MEMORY_QUOTA_MAX;
    if !bytes.is_multiple_of(4096) || bytes == 0 || bytes > MEMORY_QUOTA_MAX {
        return Err(SyscallError::InvalidArgument);
    }
    let mut t = super::TABLE.lock();
    let i = t.resolve(target).map_err(|(e, _)| e)?;
    let task = t.get_mut(i).ok_or(SyscallError::NoSuchTask)?;
    if bytes < task.anon_bytes {
        return Err(SyscallError::InvalidArgument);
    }
    if bytes > task.quota {
        reserve(bytes - task.quota)?;
    } else {
        release(task.quota - bytes);
    }
    task.reserved = task.reserved - task.quota + bytes;
    task.quota = bytes;
    log::info!(
        "task {}[{}.{}] memory quota {} KiB",
        task.name(),
        task.id.index(),
        task.id.generation(),
        bytes >> 10
    );
    Ok(())
}
