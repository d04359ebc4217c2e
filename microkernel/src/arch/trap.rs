//! Trap entry: one 16-byte stub per vector pushes a uniform [`TrapFrame`] and
//! calls [`trap_dispatch`]. Exceptions, device interrupts and (later) the
//! scheduler's preemption all come through here, so a fault report always has
//! every register.

use super::fault;
use core::arch::global_asm;

/// Registers as the entry stub leaves them on the stack (lowest address first).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct TrapFrame {
    pub r15: u64,
    pub r14: u64,
    pub r13: u64,
    pub r12: u64,
    pub r11: u64,
    pub r10: u64,
    pub r9: u64,
    pub r8: u64,
    pub rbp: u64,
    pub rdi: u64,
    pub rsi: u64,
    pub rdx: u64,
    pub rcx: u64,
    pub rbx: u64,
    pub rax: u64,
    pub vector: u64,
    pub error_code: u64,
    pub rip: u64,
    pub cs: u64,
    pub rflags: u64,
    pub rsp: u64,
    pub ss: u64,
}
const _: () = assert!(core::mem::size_of::<TrapFrame>() == 22 * 8);

impl TrapFrame {
    /// A frame that enters `rip` with stack `rsp` in the given segments and
    /// flags, every general register zero (a new context's first entry).
    pub const fn entry(rip: u64, rsp: u64, cs: u64, ss: u64, rflags: u64) -> Self {
        TrapFrame {
            r15: 0,
            r14: 0,
            r13: 0,
            r12: 0,
            r11: 0,
            r10: 0,
            r9: 0,
            r8: 0,
            rbp: 0,
            rdi: 0,
            rsi: 0,
            rdx: 0,
            rcx: 0,
            rbx: 0,
            rax: 0,
            vector: 0,
            error_code: 0,
            rip,
            cs,
            rflags,
            rsp,
            ss,
        }
    }

    pub fn is_user_mode(&self) -> bool {
        self.cs & 3 == 3
    }
}

// The stub table: 256 stubs, 16 bytes apart, so stub(n) = trap_stubs + 16 n.
// Stubs for vectors without a CPU error code push a zero so the frame is uniform.
global_asm!(
    r#"
    .section .text.trap, "ax"
    .balign 16
    .global trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .balign 16
    .if (vec == 8) | (vec == 10) | (vec == 11) | (vec == 12) | (vec == 13) | (vec == 14) | (vec == 17) | (vec == 21) | (vec == 29) | (vec == 30)
    .else
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    testb $3, 24(%rsp)          /* CS of the interrupted context */
    jz trap_save
    swapgs
    /* An interrupt keeps ring 3's RFLAGS.AC, which would switch SMAP off in
       the kernel for this trap; clear it (syscall entry has SFMASK do it). */
    pushfq
    andq $~(1 << 18), (%rsp)
    popfq
    .global trap_save
trap_save:                      /* the syscall stub joins here, GS already swapped */
    push %rax
    push %rbx
    push %rcx
    push %rdx
    push %rsi
    push %rdi
    push %rbp
    push %r8
    push %r9
    push %r10
    push %r11
    push %r12
    push %r13
    push %r14
    push %r15
    mov %rsp, %rdi
    cld
    call trap_dispatch
    mov %rax, %rsp              /* the frame to resume: ours, or another task's */
    .global trap_resume
trap_resume:
    /* A syscall frame (vector 0x100) returns with sysret when its RIP is a
       canonical user address (a non-canonical RCX would make sysret fault in
       ring 0); everything else, and every other frame, with iretq. */
    cmpq ${syscall_vector}, 120(%rsp)
    jne 3f
    movabs $0x00007fffffffffff, %rax
    cmp %rax, 136(%rsp)
    ja 3f
    pop %r15
    pop %r14
    pop %r13
    pop %r12
    add $8, %rsp                /* R11: sysret takes RFLAGS from it */
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    add $8, %rsp                /* RCX: sysret takes RIP from it */
    pop %rbx
    pop %rax
    mov 16(%rsp), %rcx          /* RIP */
    mov 32(%rsp), %r11          /* RFLAGS */
    mov 40(%rsp), %rsp          /* user RSP; the frame is not touched again */
    swapgs
    sysretq
3:  pop %r15
    pop %r14
    pop %r13
    pop %r12
    pop %r11
    pop %r10
    pop %r9
    pop %r8
    pop %rbp
    pop %rdi
    pop %rsi
    pop %rdx
    pop %rcx
    pop %rbx
    pop %rax
    testb $3, 24(%rsp)
    jz 2f
    swapgs
2:  add $16, %rsp               /* vector and error code */
    iretq
    "#,
    syscall_vector = const SYSCALL_VECTOR,
    options(att_syntax)
);

unsafe extern "C" {
    static trap_stubs: u8;
}

/// The entry address of vector `v`'s stub.
pub fn stub_address(v: u8) -> u64 {
    // Only the address is taken; the symbol is code, never read as data.
    (&raw const trap_stubs) as u64 + u64::from(v) * 16
}

unsafe extern "C" {
    /// Restores the frame at RSP and returns from the trap (`iretq`).
    fn trap_resume() -> !;
}

/// Leaves the kernel into the context `frame` describes (a fresh task's first
/// entry, or the idle loop at boot).
///
/// # Safety
/// `frame` must be a complete, valid frame on a stack that stays alive (a
/// task's kernel stack), with segment selectors matching its privilege level.
pub unsafe fn enter(frame: *mut TrapFrame) -> ! {
    // SAFETY: the caller vouches for the frame; trap_resume pops it and iretq's.
    unsafe {
        core::arch::asm!(
            "mov rsp, {f}",
            "jmp {resume}",
            f = in(reg) frame,
            resume = sym trap_resume,
            options(noreturn)
        )
    }
}

/// A device-interrupt handler: runs with interrupts off; EOI is sent after it.
pub type IrqHandler = fn(&mut TrapFrame);

static IRQ_HANDLERS: spin::RwLock<[Option<IrqHandler>; 256]> = spin::RwLock::new([None; 256]);

/// Installs `handler` for `vector` (32..=255).
pub fn set_irq_handler(vector: u8, handler: IrqHandler) {
    if vector >= 32
        && let Some(slot) = IRQ_HANDLERS.write().get_mut(usize::from(vector))
    {
        *slot = Some(handler);
    }
}

/// The pseudo-vector the syscall stub puts in the frame.
pub const SYSCALL_VECTOR: u64 = 0x100;

/// Every trap and syscall lands here. Returns the frame to resume: the same
/// one, or — when the scheduler switched — the next task's.
#[unsafe(no_mangle)]
extern "C" fn trap_dispatch(frame: *mut TrapFrame) -> *mut TrapFrame {
    #[cfg(feature = "selftest")]
    let started = crate::time::rdtsc();
    let next = dispatch(frame);
    #[cfg(feature = "selftest")]
    crate::syscall::timing::count_trap(crate::time::rdtsc().wrapping_sub(started));
    next
}

fn dispatch(frame: *mut TrapFrame) -> *mut TrapFrame {
    // NMI and machine check arrive on their own IST stacks at any moment —
    // inside a section holding the task table's lock, or halfway through a
    // switch. They take no lock and leave the saved frames alone: the
    // interrupted context resumes exactly where it was.
    if let Some(v @ (fault::NMI_VECTOR | fault::MACHINE_CHECK_VECTOR)) =
        // SAFETY: the stub built this frame; only its vector is read here.
        Some(unsafe { (*frame).vector })
    {
        // SAFETY: as above; nothing else refers to the frame during the call.
        fault::nmi_or_machine_check(v, unsafe { &*frame });
        return frame;
    }
    // SAFETY: as above; only the vector is read.
    if unsafe { (*frame).vector } == SYSCALL_VECTOR
        && let Some(next) = crate::task::fastpath::try_syscall(frame)
    {
        return next;
    }
    crate::task::sched::save_frame(frame);
    // SAFETY: the stub built this frame on the current stack; nothing else
    // refers to it while this call runs.
    let f = unsafe { &mut *frame };
    match f.vector {
        SYSCALL_VECTOR => crate::syscall::dispatch(f),
        // #NM from ring 3: lazy SSE switching (`task::fpu`).
        7 if f.is_user_mode() => crate::task::fpu::device_not_available(),
        // A device (or an MSI written by a bus-mastering driver) can send
        // vectors 16..31, where the CPU's exceptions live: the local APIC
        // has it in service then. Acknowledge and drop it rather than take
        // it for an exception of the interrupted context. (On 17, 21, 29
        // and 30 the CPU pushes an error code and an interrupt does not, so
        // there the frame is misread before this check; only interrupt
        // remapping closes that — see `docs/devices.md`.)
        v @ 16..32 if crate::apic::in_service(v as u8) => {
            log::warn!("external interrupt on exception vector {v}: dropped");
            crate::apic::eoi();
        }
        // #DB: the register fault injection's single-stepping (test only)
        // is taken here; any other is the task's fault.
        1 => {
            if !crate::task::inject::debug_trap(f) {
                fault::exception(f);
            }
        }
        v if v < 32 => fault::exception(f),
        v => {
            // Test only, off unless `inject=` is on the command line: a
            // register fault at a random instruction of a ring-3 target.
            crate::task::inject::at_interrupt(f);
            let vector = v as u8;
            let handler = IRQ_HANDLERS
                .read()
                .get(usize::from(vector))
                .copied()
                .flatten();
            match handler {
                Some(h) => h(f),
                None => log::warn!("unexpected interrupt vector {vector}"),
            }
            if vector != crate::apic::SPURIOUS_VECTOR {
                crate::apic::eoi();
            }
        }
    }
    crate::task::sched::resume_frame(frame)
}
