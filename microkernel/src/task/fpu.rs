//! SSE/x87 state per task. The kernel itself never touches SSE (it is built
//! soft-float), so a task's state only needs saving when another task is
//! about to run.

/// An FXSAVE image: 512 bytes, 16-byte aligned.
#[repr(C, align(16))]
pub struct FxArea(pub [u8; 512]);

impl FxArea {
    /// The state of a fresh task: x87 control word 0x037f (all exceptions
    /// masked, 64-bit precision) and MXCSR 0x1f80 (all SIMD exceptions masked).
    pub fn initial() -> Self {
        let mut a = [0u8; 512];
        if let Some(fcw) = a.get_mut(0..2) {
            fcw.copy_from_slice(&0x037fu16.to_le_bytes());
        }
        if let Some(mxcsr) = a.get_mut(24..28) {
            mxcsr.copy_from_slice(&0x1f80u32.to_le_bytes());
        }
        FxArea(a)
    }

    pub fn save(&mut self) {
        // SAFETY: the area is 512 bytes and 16-byte aligned, as FXSAVE requires;
        // CR4.OSFXSR is set by the boot trampoline.
        unsafe { core::arch::asm!("fxsave64 [{}]", in(reg) self.0.as_mut_ptr(), options(nostack)) };
    }

    pub fn restore(&self) {
        // SAFETY: as in `save`; the image came from FXSAVE or `initial`, whose
        // reserved bits are zero, so FXRSTOR does not fault.
        unsafe { core::arch::asm!("fxrstor64 [{}]", in(reg) self.0.as_ptr(), options(nostack)) };
    }
}

// Lazy switching. The registers hold the state of one task, the owner; every
// other task's state is in its `FxArea`. A switch only sets CR0.TS when the
// next task is not the owner, and the next task's first SSE/x87
// instruction then raises #NM, which moves the state ([`device_not_available`]).
// Tasks that never touch SSE between switches — an IPC client and server
// ping-ponging — cost no FXSAVE/FXRSTOR at all. The owner is named by its
// id, not its slot: a task reusing a dead owner's slot has another
// generation, so it never inherits the dead task's registers.

use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use ddk_abi::TaskId;

/// The owner's id (0: none; slot 0 never holds a task).
static OWNER: AtomicU32 = AtomicU32::new(0);
/// Whether CR0.TS is set now (kept here to skip reading CR0 on each switch).
static TS_SET: AtomicBool = AtomicBool::new(false);

const CR0_TS: u64 = 1 << 3;

fn set_ts() {
    // SAFETY: sets only CR0.TS, which makes SSE/x87 instructions raise #NM;
    // the kernel is soft-float and never executes them itself.
    unsafe {
        core::arch::asm!(
            "mov {t}, cr0",
            "or {t}, {ts}",
            "mov cr0, {t}",
            t = out(reg) _,
            ts = const CR0_TS,
            options(nostack, preserves_flags)
        );
    }
    TS_SET.store(true, Ordering::Relaxed);
}

fn clear_ts() {
    // SAFETY: `clts` clears CR0.TS only.
    unsafe { core::arch::asm!("clts", options(nostack, preserves_flags)) };
    TS_SET.store(false, Ordering::Relaxed);
}

/// Called when task `next` is about to run.
#[inline(always)]
pub fn switch_to(next: TaskId) {
    let owns = OWNER.load(Ordering::Relaxed) == next.0;
    match (owns, TS_SET.load(Ordering::Relaxed)) {
        (true, true) => clear_ts(),
        (false, false) => set_ts(),
        _ => {}
    }
}

/// #NM from ring 3: the current task touched SSE/x87 while another task's
/// state was in the registers. Saves that state to its owner (if the owner
/// still lives), loads the current task's, and makes it the owner.
pub fn device_not_available() {
    let mut t = super::TABLE.lock();
    let Some(cur) = t.current else { return };
    clear_ts();
    let owner = TaskId(OWNER.load(Ordering::Relaxed));
    let Some(me) = t.get(cur).map(|task| task.id) else {
        return;
    };
    if owner == me {
        return; // TS was stale; the registers are already ours
    }
    if let Ok(oi) = t.resolve(owner)
        && let Some(o) = t.get_mut(oi)
    {
        o.fpu.save();
    }
    if let Some(task) = t.get(cur) {
        task.fpu.restore();
    }
    OWNER.store(me.0, Ordering::Relaxed);
}
