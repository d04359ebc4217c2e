//! The longest time each syscall has kept interrupts off.
//!
//! Syscalls run with interrupts masked (SFMASK clears IF) from entry to
//! return, so a syscall's duration is an interrupt-off window: the timer,
//! device interrupts and every other task wait for it. The kernel keeps the
//! worst one per syscall, in TSC cycles, and the boot console's `syscalls`
//! command prints them — how the bounds on per-call work are checked.

use core::sync::atomic::{AtomicU64, Ordering};
use ddk_abi::Syscall;

const N: usize = Syscall::ALL.len();

static WORST: [AtomicU64; N] = [const { AtomicU64::new(0) }; N];

fn slot(s: Syscall) -> Option<&'static AtomicU64> {
    let i = Syscall::ALL.iter().position(|x| *x == s)?;
    WORST.get(i)
}

/// Records one call of `s` that took `cycles`.
pub fn record(s: Syscall, cycles: u64) {
    if let Some(w) = slot(s) {
        w.fetch_max(cycles, Ordering::Relaxed);
    }
}

/// The worst window of every syscall seen so far, longest first, in µs.
pub fn worst_us() -> alloc::vec::Vec<(Syscall, u64)> {
    let hz = crate::time::tsc_hz().max(1);
    let mut v: alloc::vec::Vec<(Syscall, u64)> = Syscall::ALL
        .iter()
        .zip(WORST.iter())
        .map(|(s, w)| (*s, w.load(Ordering::Relaxed).saturating_mul(1_000_000) / hz))
        .filter(|(_, us)| *us > 0)
        .collect();
    v.sort_by_key(|a| core::cmp::Reverse(a.1));
    v
}

/// Time spent handling traps (from `trap_dispatch` to its return: the entry
/// and exit stubs are not included) and the number of traps — counted only
/// in the `selftest` kernel, so the kernel users run pays nothing for it.
/// `cargo xtask bench blk` reads it (`KernelStats`) under `-icount`, where
/// one instruction is one virtual nanosecond, to give the kernel's
/// instructions per request.
#[cfg(feature = "selftest")]
static KERNEL_CYCLES: AtomicU64 = AtomicU64::new(0);
#[cfg(feature = "selftest")]
static TRAPS: AtomicU64 = AtomicU64::new(0);

/// Adds one trap's handling time.
#[cfg(feature = "selftest")]
pub fn count_trap(cycles: u64) {
    KERNEL_CYCLES.fetch_add(cycles, Ordering::Relaxed);
    TRAPS.fetch_add(1, Ordering::Relaxed);
}

/// `KernelStats`: (kernel cycles, TSC Hz, traps).
pub fn kernel_stats() -> Result<[u64; 3], ddk_abi::SyscallError> {
    #[cfg(feature = "selftest")]
    {
        Ok([
            KERNEL_CYCLES.load(Ordering::Relaxed),
            crate::time::tsc_hz(),
            TRAPS.load(Ordering::Relaxed),
        ])
    }
    #[cfg(not(feature = "selftest"))]
    {
        Err(ddk_abi::SyscallError::InvalidArgument)
    }
}
