//! Sets RFLAGS.TF on itself (`pushfq`/`or`/`popfq`): a task single-stepping
//! itself, which the kernel ends with a #DB fault report. Runs in the
//! `inject-register` and `inject-off` QEMU tests, so that a kernel with
//! `inject=` on (where the register fault injection single-steps its
//! target) is seen to treat every other task exactly as one without it.

#![no_std]
#![no_main]

userlib::entry!(main);

fn main(_args: &str) -> i64 {
    userlib::log!("tfsetter: setting RFLAGS.TF");
    // SAFETY: only RFLAGS.TF changes; the stack is restored by `popfq`.
    // The trap the flag raises after the next instruction is the point.
    unsafe {
        core::arch::asm!("pushfq", "or qword ptr [rsp], 0x100", "popfq", "nop", "nop",);
    }
    userlib::log!("tfsetter: FAIL still running after setting TF: the trap was swallowed");
    1
}
