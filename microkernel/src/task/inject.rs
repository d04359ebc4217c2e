//! Register fault injection (`InjectFault`): a test-only facility for the
//! fault-injection campaign (`docs/faultinject.md`).
//!
//! Off unless the kernel command line says `inject=NAME`; then any task may
//! ask for one injection at a time into a live task named NAME, and nothing
//! else. The injection waits in the target's [`super::Task`] (so it dies with
//! it) until the first external interrupt — the timer tick, mostly — that
//! finds the target running in ring 3 at least `delay_us` after the request:
//! a random instruction of its code. There one bit of one saved register,
//! picked from the seed (`logic::inject`), is flipped in the frame the
//! target resumes from, and one line is logged saying where.

use super::TABLE;
use crate::arch::trap::TrapFrame;
use crate::logic::inject::{self, Kind, Reg};
use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use ddk_abi::syscall::inject_kind;
use ddk_abi::{SyscallError, TaskId};
use spin::Once;

/// The `inject=` name, once the command line set it.
static TARGET: Once<String> = Once::new();
/// Whether [`TARGET`] is set: the interrupt path's only cost when it is not.
static ENABLED: AtomicBool = AtomicBool::new(false);

/// An injection waiting for its target's next interruption in ring 3.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    kind: Kind,
    seed: u64,
    /// Uptime (µs) before which it does not fire.
    not_before: u64,
}

/// Reads `inject=NAME` from the kernel command line (boot, before tasks).
pub fn init(cmdline: &str) {
    let Some(name) = crate::cmdline::value(cmdline, "inject") else {
        return;
    };
    if name.is_empty() {
        return;
    }
    TARGET.call_once(|| String::from(name));
    ENABLED.store(true, Ordering::Relaxed);
    log::warn!("register fault injection is ON for tasks named {name:?} (test only)");
}

/// `InjectFault(target, kind, delay_us, seed)` from the task in slot
/// `caller`. Returns RDI: for `QUERY`/`CANCEL` whether one was pending,
/// else 0. Errors carry the RDI value (`Dead`: the slot's current id).
pub fn request(
    caller: usize,
    target: u64,
    kind: u64,
    delay_us: u64,
    seed: u64,
) -> Result<u64, (SyscallError, u64)> {
    let Some(configured) = TARGET.get() else {
        return Err((SyscallError::PermissionDenied, 0));
    };
    let target = TaskId(u32::try_from(target).map_err(|_| (SyscallError::NoSuchTask, 0))?);
    let mut t = TABLE.lock();
    if t.get(caller).is_none() {
        return Err((SyscallError::NoSuchTask, 0));
    }
    let ti = t.resolve(target)?;
    let task = t.get_mut(ti).ok_or((SyscallError::NoSuchTask, 0))?;
    if !inject::is_target(Some(configured), task.name()) {
        return Err((SyscallError::PermissionDenied, 0));
    }
    match kind {
        inject_kind::QUERY => Ok(u64::from(task.inject.is_some())),
        inject_kind::CANCEL => Ok(u64::from(task.inject.take().is_some())),
        k => {
            let kind = Kind::from_abi(k).ok_or((SyscallError::InvalidArgument, 0))?;
            if task.inject.is_some() {
                return Err((SyscallError::Busy, 0));
            }
            task.inject = Some(Pending {
                kind,
                seed,
                not_before: crate::time::uptime_us().saturating_add(delay_us),
            });
            Ok(0)
        }
    }
}

/// Called for every external interrupt, with the interrupted context's
/// frame already saved as the current task's: fires the current task's
/// pending injection if it was interrupted in ring 3 and its delay is over.
pub fn at_interrupt(f: &mut TrapFrame) {
    if !ENABLED.load(Ordering::Relaxed) || !f.is_user_mode() {
        return;
    }
    let mut t = TABLE.lock();
    let Some(i) = t.current else {
        return;
    };
    let Some(task) = t.get_mut(i) else {
        return;
    };
    let Some(p) = task.inject else {
        return;
    };
    if crate::time::uptime_us() < p.not_before {
        return;
    }
    task.inject = None;
    let flip = inject::choose(p.kind, p.seed);
    let rip = f.rip;
    let slot = register(f, flip.reg);
    let before = *slot;
    *slot = flip.apply(before);
    let after = *slot;
    log::warn!(
        target: "inject",
        "{}[{}.{}] {} bit {} at rip={rip:#x} ({before:#x} -> {after:#x}) seed {}",
        task.name(),
        task.id.index(),
        task.id.generation(),
        flip.reg.name(),
        flip.bit,
        p.seed
    );
}

/// The saved register `reg` names in `f`.
fn register(f: &mut TrapFrame, reg: Reg) -> &mut u64 {
    match reg {
        Reg::Rax => &mut f.rax,
        Reg::Rbx => &mut f.rbx,
        Reg::Rcx => &mut f.rcx,
        Reg::Rdx => &mut f.rdx,
        Reg::Rsi => &mut f.rsi,
        Reg::Rdi => &mut f.rdi,
        Reg::Rbp => &mut f.rbp,
        Reg::R8 => &mut f.r8,
        Reg::R9 => &mut f.r9,
        Reg::R10 => &mut f.r10,
        Reg::R11 => &mut f.r11,
        Reg::R12 => &mut f.r12,
        Reg::R13 => &mut f.r13,
        Reg::R14 => &mut f.r14,
        Reg::R15 => &mut f.r15,
        Reg::Rsp => &mut f.rsp,
        Reg::Rip => &mut f.rip,
    }
}
