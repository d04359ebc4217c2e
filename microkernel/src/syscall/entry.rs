//! The `syscall` instruction's entry stub and the MSRs that point at it.
//!
//! `syscall` switches CS/SS and RIP but not the stack, so the stub swaps GS
//! to reach the per-CPU block, parks the user RSP, loads the task's kernel
//! stack, and pushes a frame shaped exactly like an interrupt's (vector
//! `SYSCALL_VECTOR`). From there the common trap path takes over; the way
//! back is `sysretq` for syscall frames with a canonical user RIP (see
//! `arch::trap`), `iretq` for everything else.

use crate::arch::gdt::{KERNEL_CS, USER_CS, USER_DS};
use core::arch::global_asm;
use x86_64::VirtAddr;
use x86_64::registers::model_specific::{Efer, EferFlags, LStar, SFMask, Star};
use x86_64::registers::rflags::RFlags;

global_asm!(
    r#"
    .section .text.syscall, "ax"
    .global syscall_entry
syscall_entry:
    swapgs
    mov %rsp, %gs:8             /* PerCpu.user_rsp */
    mov %gs:0, %rsp             /* PerCpu.kernel_rsp */
    pushq ${user_ds}            /* SS */
    pushq %gs:8                 /* RSP */
    push %r11                   /* RFLAGS, saved by syscall */
    pushq ${user_cs}            /* CS */
    push %rcx                   /* RIP, saved by syscall */
    pushq $0                    /* error code */
    pushq ${vector}             /* vector: a syscall */
    jmp trap_save
    "#,
    user_ds = const USER_DS.0 as u64,
    user_cs = const USER_CS.0 as u64,
    vector = const crate::arch::trap::SYSCALL_VECTOR,
    options(att_syntax)
);

unsafe extern "C" {
    fn syscall_entry();
}

/// Enables `syscall` and points it at the stub.
pub fn init() {
    LStar::write(VirtAddr::new_truncate(syscall_entry as *const () as u64));
    // Interrupts, traps, direction and alignment-check flags are cleared on
    // entry: the kernel runs with interrupts off.
    SFMask::write(
        RFlags::INTERRUPT_FLAG
            | RFlags::TRAP_FLAG
            | RFlags::DIRECTION_FLAG
            | RFlags::ALIGNMENT_CHECK
            | RFlags::NESTED_TASK,
    );
    // SYSRET selectors are derived from USER_DS - 8; we return with iretq, but
    // keep STAR consistent with the GDT anyway.
    if let Err(e) = Star::write(USER_CS, USER_DS, KERNEL_CS, crate::arch::gdt::KERNEL_DS) {
        log::error!("STAR: {e}");
    }
    // EFER is written whole, not OR-ed: a bit firmware left set must not
    // survive. AMD's FFXSR, for one, makes `fxsave64`/`fxrstor64` in ring 0
    // skip the XMM registers, so one task's SSE state would leak to the next.
    let before = Efer::read_raw();
    let want = EferFlags::SYSTEM_CALL_EXTENSIONS
        | EferFlags::LONG_MODE_ENABLE
        | EferFlags::LONG_MODE_ACTIVE
        | EferFlags::NO_EXECUTE_ENABLE;
    // SAFETY: long mode and NX are already on (the trampoline set them; LMA
    // mirrors them and ignores writes); SCE enables the syscall instruction,
    // whose target is set above; every other bit is cleared on purpose.
    unsafe { Efer::write(want) };
    if before & !want.bits() != 0 {
        log::info!(
            "EFER: cleared bits {:#x} left by firmware",
            before & !want.bits()
        );
    }
}
