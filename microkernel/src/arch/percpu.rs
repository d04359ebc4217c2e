//! Per-CPU data reached through GS while in ring 0 (after `swapgs`).
//!
//! The syscall entry stub needs two words before it has a stack: where the
//! current task's kernel stack ends, and a slot to park the user RSP. Their
//! offsets are part of the stub in `syscall/entry.rs`.

use x86_64::VirtAddr;
use x86_64::registers::model_specific::{GsBase, KernelGsBase};

#[repr(C)]
pub struct PerCpu {
    /// Offset 0: top of the running task's kernel stack.
    pub kernel_rsp: u64,
    /// Offset 8: the user RSP, saved by the syscall stub.
    pub user_rsp: u64,
}

pub static mut PER_CPU: PerCpu = PerCpu {
    kernel_rsp: 0,
    user_rsp: 0,
};

/// GS.base = the per-CPU block while in the kernel; KERNEL_GS_BASE holds the
/// user value (0) until the first `swapgs` on the way out.
pub fn init() {
    let p = VirtAddr::new_truncate((&raw const PER_CPU) as u64);
    GsBase::write(p);
    KernelGsBase::write(VirtAddr::zero());
}

/// Top of the running task's kernel stack (0 before the first task).
pub fn kernel_rsp() -> u64 {
    // SAFETY: one CPU; a plain read of a word only this CPU writes.
    unsafe { (&raw const PER_CPU.kernel_rsp).read() }
}

/// Sets the stack the next syscall from ring 3 will use.
pub fn set_kernel_rsp(top: u64) {
    // SAFETY: one CPU, interrupts off in the kernel: no concurrent access.
    unsafe { PER_CPU.kernel_rsp = top };
}
