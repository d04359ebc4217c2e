//! The scheduler: round robin over runnable tasks, one timer tick (10 ms) a
//! quantum, and an idle context (the boot console) when nothing is runnable.
//!
//! Switching happens only on the way out of a trap: [`resume_frame`] decides
//! which saved frame the trap stub restores. The kernel never blocks inside a
//! syscall, so every task that is off the CPU has exactly one saved frame.

use super::{State, TABLE, Table};
use crate::arch::trap::{self, TrapFrame};
use crate::arch::{gdt, percpu};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use spin::Mutex;
use x86_64::registers::control::Cr3;

static STARTED: AtomicBool = AtomicBool::new(false);
static PREEMPT: AtomicBool = AtomicBool::new(false);
/// The idle context's saved frame while a task runs.
static IDLE_FRAME: AtomicU64 = AtomicU64::new(0);
/// Tasks that died while their kernel stack or address space was in use;
/// dropped at the next trap, which runs on another stack and CR3.
static REAPER: Mutex<Vec<super::Task>> = Mutex::new(Vec::new());

/// Records where the interrupted context's registers are.
pub fn save_frame(frame: *mut TrapFrame) {
    if !STARTED.load(Ordering::Relaxed) {
        return;
    }
    let dead = core::mem::take(&mut *REAPER.lock());
    drop(dead);
    let mut t = TABLE.lock();
    match t.current {
        Some(i) => {
            if let Some(task) = t.get_mut(i) {
                task.frame = frame;
            }
        }
        None => IDLE_FRAME.store(frame as u64, Ordering::Relaxed),
    }
}

/// Queues a dead task for dropping once the CPU has left its stack.
pub fn reap(task: super::Task) {
    REAPER.lock().push(task);
}

/// Asks for a switch at the end of this trap (the quantum is over).
pub fn preempt() {
    PREEMPT.store(true, Ordering::Relaxed);
}

fn pick_next(t: &Table, after: Option<usize>) -> Option<usize> {
    let n = t.high.max(1);
    let start = after.map_or(0, |i| i + 1);
    (0..n)
        .map(|k| (start + k) % n)
        .find(|&i| t.get(i).is_some_and(|task| task.state == State::Runnable))
}

/// The frame the trap stub should restore.
pub fn resume_frame(frame: *mut TrapFrame) -> *mut TrapFrame {
    if !STARTED.load(Ordering::Relaxed) {
        return frame;
    }
    let mut t = TABLE.lock();
    let cur = t.current;
    let cur_runnable = cur
        .and_then(|i| t.get(i))
        .is_some_and(|task| task.state == State::Runnable);
    let preempt = PREEMPT.swap(false, Ordering::Relaxed);
    if cur_runnable && !preempt {
        return frame;
    }
    let next = pick_next(&t, cur);
    if next.is_none() && cur.is_none() {
        return frame; // idle stays idle
    }
    if next == cur && cur_runnable {
        return frame;
    }
    switch(&mut t, next)
}

/// Whether the TSS holds some task's port permissions right now.
static IOMAP_OPEN: AtomicBool = AtomicBool::new(false);

/// Loads the next task's port permissions; closes all ports for a task with
/// none (only when the previous task had some, to skip the 8 KiB fill).
fn load_io_bitmap(map: Option<&[u8; crate::arch::gdt::IOMAP_BYTES]>) {
    match map {
        Some(m) => {
            gdt::set_io_bitmap(Some(m));
            IOMAP_OPEN.store(true, Ordering::Relaxed);
        }
        None => {
            if IOMAP_OPEN.swap(false, Ordering::Relaxed) {
                gdt::set_io_bitmap(None);
            }
        }
    }
}

/// Moves the CPU from the current task (or idle) to `to` and returns `to`'s
/// saved frame. SSE state moves lazily (`fpu`): only CR0.TS may change here.
/// The IPC fast path calls this directly, without a scheduler pass.
pub(super) fn switch(t: &mut Table, to: Option<usize>) -> *mut TrapFrame {
    t.current = to;
    match to.and_then(|i| t.get_mut(i)) {
        Some(task) => {
            super::fpu::switch_to(task.id);
            load_io_bitmap(task.io_bitmap.as_deref());
            let top = task.kstack_top();
            gdt::set_rsp0(top);
            percpu::set_kernel_rsp(top);
            let pml4 = task.space.pml4();
            let (active, flags) = Cr3::read();
            if active != pml4 {
                // SAFETY: the task's PML4 maps the kernel half like every other.
                unsafe { Cr3::write(pml4, flags) };
            }
            task.frame
        }
        None => {
            t.current = None;
            load_io_bitmap(None);
            if let Some(k) = crate::mem::paging::kernel_pml4() {
                let (active, flags) = Cr3::read();
                if active != k {
                    // SAFETY: the kernel's own tables map everything idle needs.
                    unsafe { Cr3::write(k, flags) };
                }
            }
            IDLE_FRAME.load(Ordering::Relaxed) as *mut TrapFrame
        }
    }
}

/// Timer tick `n`: wakes expired sleepers, timed-out receivers and
/// callers, and ends the running task's quantum (`logic::tick`).
pub fn tick(n: u64) {
    if !STARTED.load(Ordering::Relaxed) {
        return;
    }
    let now = crate::time::uptime_us();
    let mut t = TABLE.lock();
    let high = t.high;
    let mut woke = false;
    for slot in t.slots.iter_mut().take(high) {
        let Some(task) = slot.task.as_deref_mut() else {
            continue;
        };
        match task.state {
            State::Sleeping { until } if until <= now => {
                task.state = State::Runnable;
                task.set_result(0, [0; 3]);
                woke = true;
            }
            State::RecvBlocked { deadline: Some(d) } if d <= now => {
                task.state = State::Runnable;
                task.set_error(ddk_abi::SyscallError::Timeout, 0);
                woke = true;
            }
            // A `CallTimeout` still queued simply leaves the FIFO.
            State::SendBlocked {
                deadline: Some(d), ..
            } if d <= now => {
                task.state = State::Runnable;
                task.set_error(ddk_abi::SyscallError::Timeout, 0);
                woke = true;
            }
            // Delivered: the server holds the message and may reply late,
            // so it is recorded as abandoned first. `ipc::call` admitted the
            // call only with a slot free, so recording cannot fail; were it
            // ever to, the caller keeps waiting rather than risk taking
            // that late reply for a later call's.
            State::ReplyBlocked {
                from,
                deadline: Some(d),
            } if d <= now => {
                if task.abandoned.record(from).is_ok() {
                    task.state = State::Runnable;
                    task.set_error(ddk_abi::SyscallError::Timeout, 0);
                    woke = true;
                }
            }
            _ => {}
        }
    }
    drop(t);
    // Every tick checks deadlines (1 ms resolution); the running task's
    // slice ends every 10th, or at once for a task just woken.
    if crate::logic::tick::ends_slice(n, woke) {
        preempt();
    }
}

/// Stack for the idle context.
static mut IDLE_STACK: super::KernelStack = super::KernelStack([0; super::KERNEL_STACK_SIZE]);

extern "C" fn idle_main() -> ! {
    crate::console::run()
}

/// Starts scheduling: builds the idle context and leaves the boot stack for
/// good, into the first runnable task (or idle).
pub fn start() -> ! {
    let top = (&raw const IDLE_STACK) as u64 + super::KERNEL_STACK_SIZE as u64;
    // A frame as if idle had been interrupted at its first instruction, with a
    // zero return address below it (rsp % 16 == 8 at entry, as after a call).
    let frame_at = top - 64 - core::mem::size_of::<TrapFrame>() as u64;
    let frame = frame_at as *mut TrapFrame;
    // Interrupts off; the console enables them around `hlt`.
    let initial = TrapFrame::entry(
        idle_main as *const () as u64,
        top - 8,
        u64::from(gdt::KERNEL_CS.0),
        u64::from(gdt::KERNEL_DS.0),
        0x2,
    );
    // SAFETY: the frame lies inside IDLE_STACK, below the area idle will use
    // as its stack top, and nothing else uses that stack yet.
    unsafe {
        frame.write(initial);
        ((top - 8) as *mut u64).write(0);
    }
    IDLE_FRAME.store(frame_at, Ordering::Relaxed);
    STARTED.store(true, Ordering::Relaxed);
    let resume = {
        let mut t = TABLE.lock();
        let next = pick_next(&t, None);
        switch(&mut t, next)
    };
    // SAFETY: `resume` is the idle frame just built or a spawned task's
    // initial frame on its kernel stack.
    unsafe { trap::enter(resume) }
}
