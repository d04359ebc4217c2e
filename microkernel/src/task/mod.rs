//! Tasks: ring-3 processes, each with an address space, a kernel stack, saved
//! registers and SSE state, and an IPC state.
//!
//! The table has a fixed number of slots; a slot keeps its generation across
//! deaths so that stale [`TaskId`]s are recognised (see `ddk_abi::task`). All
//! of this runs on one CPU with interrupts off, under [`TABLE`]'s lock, and
//! nothing in the kernel blocks: a task that must wait is marked and the
//! scheduler switches away on the way out of the trap.

pub mod console;
pub mod device;
pub mod dma;
pub mod fastpath;
pub mod fpu;
pub mod grant;
pub mod inject;
pub mod ipc;
pub mod lifecycle;
pub mod protect;
pub mod quota;
pub mod sched;

use crate::arch::trap::TrapFrame;
use crate::mem::space::AddressSpace;
use alloc::boxed::Box;
use ddk_abi::TaskId;
use ddk_abi::task::NAME_MAX;
use spin::Mutex;

pub const MAX_TASKS: usize = 64;
pub const KERNEL_STACK_SIZE: usize = 16 * 1024;

/// What a task is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Spawned by the supervisor; runs after `TaskStart`.
    Created,
    Runnable,
    /// In `call`, waiting for `to` to `recv` the message (FIFO by `seq`);
    /// a `CallTimeout` leaves the queue at its deadline (µs).
    SendBlocked {
        to: TaskId,
        seq: u64,
        deadline: Option<u64>,
    },
    /// In `call`, message delivered, waiting for `from` to `reply`; a
    /// `CallTimeout` gives up at its deadline and records `from` as
    /// abandoned (`logic::abandon`).
    ReplyBlocked {
        from: TaskId,
        deadline: Option<u64>,
    },
    /// In `recv`, until a message or notification (or the deadline, in µs).
    RecvBlocked {
        deadline: Option<u64>,
    },
    Sleeping {
        until: u64,
    },
}

/// A user buffer named by a syscall: (address, length or capacity).
#[derive(Clone, Copy, Debug, Default)]
pub struct UserBuf {
    pub addr: u64,
    pub len: u64,
}

#[repr(C, align(16))]
pub struct KernelStack(pub [u8; KERNEL_STACK_SIZE]);

/// A task's kernel stack: mapped fresh in the slot's window of the kernel
/// stack area, with the page below it left unmapped, so an overflow faults
/// (and is reported) instead of corrupting the heap. Unmapped on drop.
pub struct TaskStack {
    slot: usize,
}

impl TaskStack {
    pub fn base(slot: usize) -> u64 {
        crate::mem::paging::KSTACK_BASE + slot as u64 * crate::mem::paging::KSTACK_WINDOW
    }

    pub fn map(slot: usize) -> Result<Self, ddk_abi::SyscallError> {
        use x86_64::structures::paging::PageTableFlags as F;
        let bottom = Self::base(slot) + crate::mem::paging::KSTACK_GUARD;
        // On failure part-way, the pages already mapped are unmapped and
        // freed, or the slot's window would stay half-mapped and every later
        // spawn into the slot would fail with `AlreadyMapped`.
        crate::mem::paging::map_fresh(
            bottom,
            KERNEL_STACK_SIZE as u64,
            F::PRESENT | F::WRITABLE | F::NO_EXECUTE | F::GLOBAL,
        )
        .map_err(|_| {
            crate::mem::paging::unmap_and_free(bottom, KERNEL_STACK_SIZE as u64);
            ddk_abi::SyscallError::OutOfMemory
        })?;
        Ok(TaskStack { slot })
    }

    /// One past the highest byte.
    pub fn top(&self) -> u64 {
        Self::base(self.slot) + crate::mem::paging::KSTACK_GUARD + KERNEL_STACK_SIZE as u64
    }
}

impl Drop for TaskStack {
    fn drop(&mut self) {
        let bottom = Self::base(self.slot) + crate::mem::paging::KSTACK_GUARD;
        crate::mem::paging::unmap_and_free(bottom, KERNEL_STACK_SIZE as u64);
    }
}

pub struct Task {
    pub id: TaskId,
    pub name: [u8; NAME_MAX],
    pub state: State,
    pub space: AddressSpace,
    pub kstack: TaskStack,
    /// The saved context while the task is not running.
    pub frame: *mut TrapFrame,
    pub fpu: Box<fpu::FxArea>,
    /// The message a `call` is sending, and where its reply goes.
    pub call_msg: UserBuf,
    pub reply_buf: UserBuf,
    /// Where a blocked `recv` wants its message.
    pub recv_buf: UserBuf,
    /// Set whenever a caller queues for this task (`SendBlocked` on it),
    /// cleared only by a scan that found none: while clear, no caller
    /// waits, so the IPC fast path may skip its FIFO scan.
    pub maybe_senders: bool,
    /// Servers holding a call this task abandoned (`CallTimeout` ran out
    /// after delivery): their late replies are discarded, and calls to
    /// them refused with `Busy` until then.
    pub abandoned: crate::logic::abandon::Abandoned,
    /// Pending notification bits.
    pub notify: u64,
    /// A register fault injection waiting for this task's next interrupt
    /// in ring 3, and whether one ever single-stepped it (test only;
    /// `inject`).
    pub inject: inject::State,
    pub supervisor: bool,
    pub started_us: u64,
    /// Bytes of anonymous memory mapped by `MapAnon` and `DmaAlloc`.
    pub anon_bytes: u64,
    /// What `anon_bytes` may reach (`DEFAULT_MEMORY_QUOTA` unless the
    /// supervisor granted another).
    pub quota: u64,
    /// Everything reserved for this task in [`quota`]'s book: image, stack,
    /// page tables and `quota`; released at death.
    pub reserved: u64,
    /// Device resources from the supervisor (`TaskGrant`).
    pub devices: alloc::vec::Vec<device::DeviceGrant>,
    /// `DmaAlloc` regions: freed by `DmaFree` or, at death, after bus
    /// mastering is off (never with the address space).
    pub dma: alloc::vec::Vec<dma::DmaRegion>,
    /// The I/O permission bitmap, once any port is granted.
    pub io_bitmap: Option<Box<[u8; crate::arch::gdt::IOMAP_BYTES]>>,
}

// SAFETY: the raw frame pointer points into the task's own kernel stack and is
// only used on the single CPU with interrupts off.
unsafe impl Send for Task {}

impl Task {
    /// Whether the task waits for `server`'s reply.
    pub fn waits_for_reply_from(&self, server: TaskId) -> bool {
        matches!(self.state, State::ReplyBlocked { from, .. } if from == server)
    }

    pub fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
        core::str::from_utf8(self.name.get(..len).unwrap_or(&[])).unwrap_or("?")
    }

    /// `TASK FAULT in echo[3.1]`-style label for reports.
    pub fn display_name(name: &[u8; NAME_MAX], id: TaskId) -> alloc::string::String {
        let len = name.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
        let n = core::str::from_utf8(name.get(..len).unwrap_or(&[])).unwrap_or("?");
        alloc::format!("TASK FAULT in {n}[{}.{}]", id.index(), id.generation())
    }

    pub fn kstack_top(&self) -> u64 {
        self.kstack.top()
    }

    /// The saved frame (valid whenever the task is not on the CPU).
    pub fn frame_mut(&mut self) -> &mut TrapFrame {
        // SAFETY: `frame` points at a TrapFrame on this task's kernel stack,
        // written by the trap stub or by `lifecycle::spawn`; while the task
        // is off the CPU nothing else uses that memory.
        unsafe { &mut *self.frame }
    }

    /// Sets a syscall's results in the saved frame: status in RAX, values
    /// in RDI, RSI, RDX.
    pub fn set_result(&mut self, status: u64, v: [u64; 3]) {
        let f = self.frame_mut();
        f.rax = status;
        f.rdi = v[0];
        f.rsi = v[1];
        f.rdx = v[2];
    }

    pub fn set_error(&mut self, e: ddk_abi::SyscallError, v0: u64) {
        self.set_result(u64::from(e.code()), [v0, 0, 0]);
    }
}

/// One slot: its current generation and, if alive, its task.
pub struct Slot {
    pub generation: u16,
    /// The name of the slot's last occupant, kept after death so restarts
    /// of the same service reuse the slot (and so get the next generation).
    pub name: [u8; NAME_MAX],
    pub ever_used: bool,
    pub task: Option<Box<Task>>,
}

pub struct Table {
    pub slots: [Slot; MAX_TASKS],
    /// Index of the task on the CPU; `None` while idle.
    pub current: Option<usize>,
    pub send_seq: u64,
    /// One past the highest slot ever used: scans stop here, so their cost
    /// follows the number of tasks, not the table size.
    pub high: usize,
}

impl Table {
    const fn new() -> Self {
        Table {
            slots: [const {
                Slot {
                    generation: 0,
                    name: [0; NAME_MAX],
                    ever_used: false,
                    task: None,
                }
            }; MAX_TASKS],
            current: None,
            send_seq: 0,
            high: 0,
        }
    }

    /// The slots that have ever held a task.
    pub fn used_slots(&self) -> &[Slot] {
        self.slots.get(..self.high).unwrap_or(&self.slots)
    }

    pub fn get(&self, i: usize) -> Option<&Task> {
        self.slots.get(i)?.task.as_deref()
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut Task> {
        self.slots.get_mut(i)?.task.as_deref_mut()
    }

    /// The slot's current identity (its next or present occupant).
    pub fn current_id(&self, index: u16) -> TaskId {
        let g = self
            .slots
            .get(usize::from(index))
            .map_or(0, |s| s.generation);
        TaskId::new(index, g)
    }

    /// Resolves `id` to a live task's index, or the error a caller gets.
    pub fn resolve(&self, id: TaskId) -> Result<usize, (ddk_abi::SyscallError, u64)> {
        let i = usize::from(id.index());
        let slot = self
            .slots
            .get(i)
            .ok_or((ddk_abi::SyscallError::NoSuchTask, 0))?;
        if !slot.ever_used {
            return Err((ddk_abi::SyscallError::NoSuchTask, 0));
        }
        match &slot.task {
            Some(t) if t.id == id => Ok(i),
            _ => Err((
                ddk_abi::SyscallError::Dead,
                u64::from(self.current_id(id.index()).0),
            )),
        }
    }
}

pub static TABLE: Mutex<Table> = Mutex::new(Table::new());

/// Copies `name` into a fixed NUL-padded array (callers check the length).
pub fn name_array(name: &str) -> [u8; NAME_MAX] {
    let mut a = [0u8; NAME_MAX];
    for (d, s) in a.iter_mut().zip(name.bytes()) {
        *d = s;
    }
    a
}
