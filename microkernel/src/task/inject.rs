//! Register fault injection (`InjectFault`): a test-only facility for the
//! fault-injection campaign (`docs/faultinject.md`).
//!
//! Off unless the kernel command line says `inject=NAME`; then any task may
//! ask for one injection at a time into a live task named NAME, and nothing
//! else. The injection waits in the target's [`super::Task`] (so it dies with
//! it) until the first external interrupt — the timer tick, mostly — that
//! finds the target running in ring 3 at least `delay_us` after the request:
//! then it single-steps the target (RFLAGS.TF) a seed-chosen 0–255 more
//! instructions, so that the flip can land on any instruction, not only
//! where interrupts are taken (under QEMU's TCG: translation-block starts).
//! There one bit of one saved register, picked from the seed
//! (`logic::inject`), is flipped in the frame the target resumes from, and
//! one line is logged saying where.
//!
//! Single-stepping is safe around the kernel's entry paths: `syscall`
//! clears TF on entry (SFMASK), and a `sysretq` that restores it traps in
//! ring 3 after the next user instruction. A TF the target copied (with
//! `pushf`) and restores after the injection is over raises a stray
//! single-step trap, which is cleared and resumed, never charged to it.
//! Only a task this facility stepped is forgiven so: any other task that
//! sets TF itself faults exactly as without `inject=`.
//!
//! The injection lines are rate-limited (`logic::inject::LogBudget`): a
//! target re-armed as fast as it fires must not hold the UART (and the task
//! table) with kernel lines. Lines held back are counted, and the count is
//! logged with the next line or at the next interrupt the budget allows.

use super::TABLE;
use crate::arch::trap::TrapFrame;
use crate::logic::inject::{self, Kind, LogBudget, Reg, StepTrap};
use alloc::string::String;
use core::sync::atomic::{AtomicBool, Ordering};
use ddk_abi::syscall::inject_kind;
use ddk_abi::{SyscallError, TaskId};
use spin::{Mutex, Once};

/// The `inject=` name, once the command line set it.
static TARGET: Once<String> = Once::new();
/// Whether [`TARGET`] is set: the interrupt path's only cost when it is not.
static ENABLED: AtomicBool = AtomicBool::new(false);
/// The injection lines' rate limit. Taken in trap context only (interrupts
/// off), after the task table's lock or without it, never before it.
static LOG_BUDGET: Mutex<LogBudget> = Mutex::new(LogBudget::new());

/// A task's side of the facility: the pending injection, and whether this
/// facility ever set TF in it (its stray single-step traps are forgiven).
#[derive(Clone, Copy, Debug, Default)]
pub struct State {
    pending: Option<Pending>,
    stepped: bool,
}

impl State {
    pub const NEW: State = State {
        pending: None,
        stepped: false,
    };
}

/// An injection waiting for its target's next interruption in ring 3.
#[derive(Clone, Copy, Debug)]
pub struct Pending {
    kind: Kind,
    seed: u64,
    /// Uptime (µs) before which it does not fire.
    not_before: u64,
    /// Instructions still to single-step, once it was found due.
    steps: Option<u16>,
}

/// RFLAGS.TF: a single-step trap after each instruction.
const TRAP_FLAG: u64 = 1 << 8;

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
        inject_kind::QUERY => Ok(u64::from(task.inject.pending.is_some())),
        inject_kind::CANCEL => {
            let was = task.inject.pending.take();
            if was.is_some_and(|p| p.steps.is_some()) {
                // It was stepping: the target (off the CPU, or the caller
                // itself in this syscall) stops trapping.
                task.frame_mut().rflags &= !TRAP_FLAG;
            }
            Ok(u64::from(was.is_some()))
        }
        k => {
            let kind = Kind::from_abi(k).ok_or((SyscallError::InvalidArgument, 0))?;
            if task.inject.pending.is_some() {
                return Err((SyscallError::Busy, 0));
            }
            task.inject.pending = Some(Pending {
                kind,
                seed,
                not_before: crate::time::uptime_us().saturating_add(delay_us),
                steps: None,
            });
            Ok(0)
        }
    }
}

/// Called for every external interrupt, with the interrupted context's
/// frame already saved as the current task's: once the current task's
/// pending injection is due and it was interrupted in ring 3, starts the
/// single-stepping (or fires at once if the seed drew no steps).
pub fn at_interrupt(f: &mut TrapFrame) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    report_skipped();
    if !f.is_user_mode() {
        return;
    }
    let mut t = TABLE.lock();
    let Some(i) = t.current else {
        return;
    };
    let Some(task) = t.get_mut(i) else {
        return;
    };
    let Some(mut p) = task.inject.pending else {
        return;
    };
    if crate::time::uptime_us() < p.not_before {
        return;
    }
    // Already stepping: the target cleared TF itself (`popf`); set again.
    let steps = p.steps.unwrap_or_else(|| inject::steps(p.seed));
    if steps == 0 {
        fire(task, f, p);
    } else {
        p.steps = Some(steps);
        task.inject.pending = Some(p);
        task.inject.stepped = true;
        f.rflags |= TRAP_FLAG;
    }
}

/// A debug exception (#DB) from ring 3. Returns whether it was a
/// single-step trap of this facility's (counted down, or stray and cleared
/// in a task it stepped); otherwise — any other task's, a target's before
/// its first injection — it is an ordinary fault of the task.
pub fn debug_trap(f: &mut TrapFrame) -> bool {
    if !ENABLED.load(Ordering::Relaxed) || !f.is_user_mode() {
        return false;
    }
    let dr6: u64;
    // SAFETY: reading DR6 in ring 0 has no side effect.
    unsafe { core::arch::asm!("mov {}, dr6", out(reg) dr6, options(nomem, nostack)) };
    const DR6_SINGLE_STEP: u64 = 1 << 14;
    if dr6 & DR6_SINGLE_STEP == 0 {
        return false;
    }
    // The CPU never clears DR6: reset it (its architectural idle value) so
    // the next #DB is read afresh.
    // SAFETY: writing DR6 only changes the status the next #DB reports; no
    // breakpoint is enabled (DR7 stays 0).
    unsafe {
        core::arch::asm!("mov dr6, {}", in(reg) 0xffff_0ff0u64, options(nomem, nostack));
    }
    let mut t = TABLE.lock();
    let Some(task) = t.current.and_then(|i| t.get_mut(i)) else {
        // No task to charge (the fault path would find none either and
        // resume into the same trap): clear it.
        f.rflags &= !TRAP_FLAG;
        return true;
    };
    let stepping = task.inject.pending.filter(|p| p.steps.is_some());
    match (
        inject::step_trap(stepping.is_some(), task.inject.stepped),
        stepping,
    ) {
        (StepTrap::Step, Some(mut p)) => {
            let left = p.steps.unwrap_or(0).saturating_sub(1);
            if left == 0 {
                fire(task, f, p);
            } else {
                p.steps = Some(left);
                task.inject.pending = Some(p);
            }
            true
        }
        (StepTrap::Stray, _) => {
            f.rflags &= !TRAP_FLAG;
            true
        }
        // The task's own TF (the table's lock drops before the fault path
        // takes it again).
        _ => false,
    }
}

/// Logs how many injections the rate limit held back, once it allows a
/// line (from every interrupt while the facility is on).
fn report_skipped() {
    let mut budget = LOG_BUDGET.lock();
    if !budget.has_skipped() {
        return;
    }
    if let Some(k) = budget.flush(crate::time::uptime_us()) {
        log::warn!(target: "inject", "({k} more injections not logged)");
    }
}

/// Flips the pending injection's bit in `f` (the task's saved frame),
/// stops the stepping and logs where.
fn fire(task: &mut super::Task, f: &mut TrapFrame, p: Pending) {
    task.inject.pending = None;
    f.rflags &= !TRAP_FLAG;
    let flip = inject::choose(p.kind, p.seed);
    let rip = f.rip;
    let slot = register(f, flip.reg);
    let before = *slot;
    *slot = flip.apply(before);
    let after = *slot;
    let Some(skipped) = LOG_BUDGET.lock().fire(crate::time::uptime_us()) else {
        return;
    };
    if skipped > 0 {
        log::warn!(target: "inject", "({skipped} more injections not logged)");
    }
    log::warn!(
        target: "inject",
        "{}[{}.{}] {} bit {} at rip={rip:#x} ({before:#x} -> {after:#x}) seed {}, {} instructions after the interrupt",
        task.name(),
        task.id.index(),
        task.id.generation(),
        flip.reg.name(),
        flip.bit,
        p.seed,
        inject::steps(p.seed)
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
