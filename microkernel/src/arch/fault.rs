//! CPU exceptions and the one-screen fault report.
//!
//! A fault in ring 0 is a kernel bug: the report goes to serial and the
//! machine stops (and tells QEMU's `isa-debug-exit`, so tests end at once).
//! Faults in ring 3 end only the faulting process (the process issue).

use super::trap::TrapFrame;
use crate::logic::exceptions::{DecodedError, exception_name};
use core::fmt::{self, Write};
use x86_64::registers::control::Cr2;

/// Writes the report: vector and name, decoded error, RIP, CR2 for page faults,
/// all registers, and (for kernel faults) a frame-pointer backtrace.
pub fn write_report(
    out: &mut dyn Write,
    who: &str,
    frame: &TrapFrame,
    cr2: Option<u64>,
) -> fmt::Result {
    let (short, long) = exception_name(frame.vector);
    writeln!(out, "!!! {who}: {short} {long} (vector {})", frame.vector)?;
    writeln!(
        out,
        "    error 0x{:x}: {}",
        frame.error_code,
        DecodedError {
            vector: frame.vector,
            code: frame.error_code
        }
    )?;
    writeln!(
        out,
        "    RIP=0x{:016x} CS=0x{:x} RFLAGS=0x{:x}",
        frame.rip, frame.cs, frame.rflags
    )?;
    if let Some(cr2) = cr2 {
        writeln!(out, "    CR2=0x{cr2:x}")?;
    }
    writeln!(out, "    RSP=0x{:016x} SS=0x{:x}", frame.rsp, frame.ss)?;
    writeln!(
        out,
        "    RAX={:016x} RBX={:016x} RCX={:016x}",
        frame.rax, frame.rbx, frame.rcx
    )?;
    writeln!(
        out,
        "    RDX={:016x} RSI={:016x} RDI={:016x}",
        frame.rdx, frame.rsi, frame.rdi
    )?;
    writeln!(
        out,
        "    RBP={:016x} R8 ={:016x} R9 ={:016x}",
        frame.rbp, frame.r8, frame.r9
    )?;
    writeln!(
        out,
        "    R10={:016x} R11={:016x} R12={:016x}",
        frame.r10, frame.r11, frame.r12
    )?;
    writeln!(
        out,
        "    R13={:016x} R14={:016x} R15={:016x}",
        frame.r13, frame.r14, frame.r15
    )?;
    Ok(())
}

/// Return addresses along the RBP chain, reading only inside known kernel
/// stacks so a corrupt chain cannot fault the fault handler.
pub fn write_backtrace(out: &mut dyn Write, rip: u64, mut rbp: u64) -> fmt::Result {
    write!(out, "    backtrace: {rip:#x}")?;
    for _ in 0..16 {
        if rbp == 0 || rbp % 8 != 0 || !crate::mem::is_kernel_stack(rbp, 16) {
            break;
        }
        // SAFETY: rbp and rbp+8 lie inside a mapped kernel stack (checked above).
        let (next, ret) = unsafe { ((rbp as *const u64).read(), ((rbp + 8) as *const u64).read()) };
        if ret < crate::mem::phys::KERNEL_OFFSET {
            break; // the trampoline's call: the end of kernel frames
        }
        write!(out, " <- {ret:#x}")?;
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    writeln!(out)
}

pub const NMI_VECTOR: u64 = 2;
pub const MACHINE_CHECK_VECTOR: u64 = 18;

static NMI_COUNT: core::sync::atomic::AtomicU64 = core::sync::atomic::AtomicU64::new(0);

/// NMIs handled since boot.
#[cfg_attr(
    not(feature = "selftest"),
    allow(dead_code, reason = "read by the nmi self-test")
)]
pub fn nmi_count() -> u64 {
    NMI_COUNT.load(core::sync::atomic::Ordering::Relaxed)
}

/// An NMI is logged and otherwise ignored — it is not the interrupted
/// task's fault, so it never ends a task; a machine check stops the
/// machine. Neither takes a lock (the serial line is written unlocked).
pub fn nmi_or_machine_check(vector: u64, frame: &TrapFrame) {
    let mut out = crate::panic::FatalWriter;
    if vector == NMI_VECTOR {
        NMI_COUNT.fetch_add(1, core::sync::atomic::Ordering::Relaxed);
        let _ = writeln!(
            out,
            "NMI at RIP={:#x} ({}); ignored",
            frame.rip,
            if frame.is_user_mode() {
                "ring 3"
            } else {
                "ring 0"
            }
        );
        return;
    }
    let _ = write_report(&mut out, "MACHINE CHECK", frame, None);
    crate::panic::stop()
}

pub fn exception(frame: &mut TrapFrame) {
    let cr2 = (frame.vector == 14).then(Cr2::read_raw);
    if frame.is_user_mode() {
        return user_fault(frame, cr2);
    }
    if frame.vector == 3 {
        log::warn!("breakpoint at {:#x}", frame.rip);
        return;
    }
    kernel_fault(frame, cr2)
}

/// A fault in ring 3 ends that task only: report, record, notify.
fn user_fault(frame: &TrapFrame, cr2: Option<u64>) {
    let mut t = crate::task::TABLE.lock();
    let Some(index) = t.current else { return };
    let (name, id) = match t.get(index) {
        Some(task) => (task.name, task.id),
        None => return,
    };
    let who = crate::task::Task::display_name(&name, id);
    {
        crate::serial::with(|out| {
            let _ = write_report(out, &who, frame, cr2);
        });
    }
    let report = ddk_abi::FaultReport {
        vector: frame.vector as u32,
        _pad: 0,
        error_code: frame.error_code,
        rip: frame.rip,
        cr2: cr2.unwrap_or(0),
        rsp: frame.rsp,
        rflags: frame.rflags,
        regs: [
            frame.rax, frame.rbx, frame.rcx, frame.rdx, frame.rsi, frame.rdi, frame.rbp, frame.r8,
            frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15,
        ],
    };
    crate::task::lifecycle::die_locked(
        &mut t,
        index,
        ddk_abi::DeathCause::Faulted,
        0,
        Some(report),
    );
}

/// A fault in ring 0: report and stop.
fn kernel_fault(frame: &TrapFrame, cr2: Option<u64>) -> ! {
    let mut out = crate::panic::FatalWriter;
    let _ = write_report(&mut out, "KERNEL FAULT", frame, cr2);
    if frame.vector == 8 {
        let _ = match crate::mem::stack_guard_of(frame.rsp) {
            Some(crate::mem::StackGuard::Boot) => {
                writeln!(
                    out,
                    "    cause: kernel stack overflow (RSP in the guard page below the boot stack)"
                )
            }
            Some(crate::mem::StackGuard::Task(slot)) => writeln!(
                out,
                "    cause: kernel stack overflow (RSP in the guard page below task slot {slot}'s kernel stack)"
            ),
            None => Ok(()),
        };
    }
    let _ = write_backtrace(&mut out, frame.rip, frame.rbp);
    crate::panic::stop()
}
