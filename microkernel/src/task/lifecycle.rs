//! Birth and death of tasks: loading a static ELF from the initrd into a new
//! address space, and everything a death must undo — waking the dead task's
//! callers with `Dead`, revoking its grants, quiescing its PCI functions
//! before freeing its DMA memory, recording why it died, and telling the
//! supervisor.

use super::{State, TABLE, Table, Task, TaskStack, UserBuf, fpu::FxArea, name_array, sched};
use crate::arch::gdt::{USER_CS, USER_DS};
use crate::arch::trap::TrapFrame;
use crate::logic::generation::AfterDeath;
use crate::mem::frame;
use crate::mem::phys::phys_to_virt;
use crate::mem::space::AddressSpace;
use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use ddk_abi::syscall::{USER_MAX, USER_MIN, USER_STACK_SIZE, USER_STACK_TOP, notify};
use ddk_abi::task::NAME_MAX;
use ddk_abi::{DeathCause, DeathRecord, FaultReport, SyscallError, TaskId};
use elf::ElfBytes;
use elf::abi::{EM_X86_64, ET_EXEC, PF_W, PF_X, PT_LOAD};
use elf::endian::LittleEndian;
use elf::segment::ProgramHeader;
use spin::Mutex;
use x86_64::PhysAddr;

const PAGE: u64 = 4096;
/// Largest argument string handed to a new task.
pub const ARGS_MAX: usize = 1024;
/// Deaths kept for the supervisor; older ones are dropped (and logged).
const DEATHS_MAX: usize = 64;

static DEATHS: Mutex<VecDeque<DeathRecord>> = Mutex::new(VecDeque::new());

/// The pages of programs' read-only segments, filled once and then mapped
/// into every task started from the same image, by (image address, image
/// length, virtual address). The images are initrd files, which never
/// move or change, so the key names the same bytes for as long as the
/// kernel runs; the frames are never freed. Sharing them saves the copy
/// a spawn made of every text page — and under TCG, more: QEMU keeps its
/// translations of code by physical page, so a restarted driver host runs
/// its already-translated text instead of translating a fresh copy.
static SHARED_TEXT: Mutex<BTreeMap<(usize, usize, u64), PhysAddr>> = Mutex::new(BTreeMap::new());

/// Maps page `va` of read-only segment `ph` of `image` from the shared
/// pages, filling the page on first use; whether it was there already.
fn map_shared_page(
    space: &mut AddressSpace,
    image: &[u8],
    ph: &ProgramHeader,
    va: u64,
) -> Result<bool, SyscallError> {
    let key = (image.as_ptr() as usize, image.len(), va);
    let mut shared = SHARED_TEXT.lock();
    let (frame, reused) = match shared.get(&key) {
        Some(&f) => (f, true),
        None => {
            let f = frame::alloc_user().ok_or(SyscallError::OutOfMemory)?;
            // SAFETY: a fresh frame, reachable through the physical window,
            // not yet mapped anywhere.
            let page = unsafe {
                core::slice::from_raw_parts_mut(phys_to_virt(f).as_mut_ptr::<u8>(), PAGE as usize)
            };
            page.fill(0);
            // The segment's file bytes that fall in this page (the rest,
            // up to `p_memsz`, stays zero).
            let file_end = ph.p_vaddr.saturating_add(ph.p_filesz);
            let lo = va.max(ph.p_vaddr);
            let hi = (va + PAGE).min(file_end);
            if lo < hi {
                let from = ph
                    .p_offset
                    .checked_add(lo - ph.p_vaddr)
                    .ok_or(SyscallError::BadProgram)?;
                let src = image
                    .get(from as usize..(from + (hi - lo)) as usize)
                    .ok_or(SyscallError::BadProgram)?;
                page.get_mut((lo - va) as usize..(hi - va) as usize)
                    .ok_or(SyscallError::BadProgram)?
                    .copy_from_slice(src);
            }
            shared.insert(key, f);
            (f, false)
        }
    };
    drop(shared);
    space.map_shared_text(va, frame, ph.p_flags & PF_X != 0)?;
    Ok(reused)
}

/// Maps and fills the PT_LOAD segments of `image`; returns the entry point,
/// the number of pages it mapped and how many of them an earlier task of
/// the same image had filled already. Pages of read-only segments that no
/// other segment shares come from [`SHARED_TEXT`].
fn load_elf(space: &mut AddressSpace, image: &[u8]) -> Result<(u64, u64, u64), SyscallError> {
    let mut pages = 0u64;
    let mut reused = 0u64;
    let elf =
        ElfBytes::<LittleEndian>::minimal_parse(image).map_err(|_| SyscallError::BadProgram)?;
    if elf.ehdr.e_type != ET_EXEC || elf.ehdr.e_machine != EM_X86_64 {
        return Err(SyscallError::BadProgram);
    }
    let segments = elf.segments().ok_or(SyscallError::BadProgram)?;
    // Every loadable segment's page range, to tell a page only one segment
    // touches (which may be shared) from an edge page two segments share.
    let ranges: alloc::vec::Vec<(u64, u64)> = segments
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .map(|p| {
            let end = p.p_vaddr.saturating_add(p.p_memsz);
            (
                p.p_vaddr & !(PAGE - 1),
                end.div_ceil(PAGE).saturating_mul(PAGE),
            )
        })
        .collect();
    let touching = |va: u64| ranges.iter().filter(|&&(a, b)| va >= a && va < b).count();
    let mut loaded = 0;
    for ph in segments.iter().filter(|p| p.p_type == PT_LOAD) {
        let end = ph
            .p_vaddr
            .checked_add(ph.p_memsz)
            .ok_or(SyscallError::BadProgram)?;
        let file_end = ph
            .p_offset
            .checked_add(ph.p_filesz)
            .ok_or(SyscallError::BadProgram)?;
        if ph.p_filesz > ph.p_memsz
            || file_end > image.len() as u64
            || ph.p_vaddr < USER_MIN
            || end > USER_MAX
        {
            return Err(SyscallError::BadProgram);
        }
        let first = ph.p_vaddr & !(PAGE - 1);
        let last = end.div_ceil(PAGE) * PAGE;
        if ph.p_flags & PF_W == 0
            && (first..last)
                .step_by(PAGE as usize)
                .all(|va| touching(va) == 1)
        {
            let mut va = first;
            while va < last {
                reused += u64::from(map_shared_page(space, image, &ph, va)?);
                pages += 1;
                va += PAGE;
            }
            loaded += 1;
            continue;
        }
        // Segments may share a page at their edges: map what is still free,
        // with the union of permissions being the first mapper's (lld does not
        // share pages between segments of different permissions).
        let mut va = first;
        while va < last {
            if space.translate(va).is_none() {
                space.map_anon(
                    va,
                    PAGE,
                    ph.p_flags & PF_W != 0,
                    ph.p_flags & PF_X != 0,
                    false,
                )?;
                pages += 1;
            }
            va += PAGE;
        }
        let data = image
            .get(ph.p_offset as usize..file_end as usize)
            .ok_or(SyscallError::BadProgram)?;
        space.load(ph.p_vaddr, data)?;
        loaded += 1;
    }
    let entry = elf.ehdr.e_entry;
    if loaded == 0 || space.translate(entry).is_none() {
        return Err(SyscallError::BadProgram);
    }
    Ok((entry, pages, reused))
}

/// Picks the slot for a new task named `name`: the slot its previous
/// incarnation had (so clients see the next generation), else a fresh one.
fn choose_slot(t: &Table, name: &[u8; NAME_MAX]) -> Result<usize, SyscallError> {
    if t.slots
        .iter()
        .any(|s| s.task.as_ref().is_some_and(|task| &task.name == name))
    {
        return Err(SyscallError::InvalidArgument);
    }
    if let Some(i) = t
        .slots
        .iter()
        .position(|s| s.ever_used && s.task.is_none() && &s.name == name)
    {
        return Ok(i);
    }
    // Slot 0 is never used, so a zero TaskId is never valid.
    (1..t.slots.len())
        .find(|&i| t.slots.get(i).is_some_and(|s| !s.ever_used))
        .ok_or(SyscallError::TooManyTasks)
}

/// Bytes reserved in `quota`'s book for a task being created, given back
/// if creation fails before the task holds them.
struct Reservation(u64);

impl Reservation {
    fn take(bytes: u64) -> Result<Self, SyscallError> {
        super::quota::reserve(bytes)?;
        Ok(Reservation(bytes))
    }

    /// The task now holds the reservation (released at its death).
    fn keep(self) -> u64 {
        let bytes = self.0;
        core::mem::forget(self);
        bytes
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        super::quota::release(self.0);
    }
}

/// Creates a task running `image` with `args`; runnable at once if `start`,
/// else after `TaskStart`.
pub fn spawn(
    name: &str,
    image: &[u8],
    args: &[u8],
    supervisor: bool,
    start: bool,
) -> Result<TaskId, SyscallError> {
    if name.is_empty() || name.len() > NAME_MAX {
        return Err(SyscallError::InvalidArgument);
    }
    if args.len() > ARGS_MAX {
        return Err(SyscallError::BadLength);
    }
    let name_a = name_array(name);
    let index = choose_slot(&TABLE.lock(), &name_a)?;

    let mut space = AddressSpace::new()?;
    let (entry, image_pages, reused) = load_elf(&mut space, image)?;
    log::debug!(
        "{name}: {reused} of its {image_pages} program pages mapped from an earlier task's"
    );
    space.map_anon(
        USER_STACK_TOP - USER_STACK_SIZE,
        USER_STACK_SIZE,
        true,
        false,
        false,
    )?;
    // Arguments at the top of the stack; the stack proper starts below them.
    let args_at = (USER_STACK_TOP - args.len() as u64) & !15;
    space.load(args_at, args)?;
    let rsp = args_at - 16;

    // The task's whole claim on the user pool, reserved before it can run:
    // image and stack (mapped just now), its page tables' bound, its quota.
    let quota = if supervisor {
        super::quota::SUPERVISOR_QUOTA
    } else {
        ddk_abi::syscall::DEFAULT_MEMORY_QUOTA
    };
    let reserved = Reservation::take(
        (image_pages + 1) * PAGE // + the PML4
            + USER_STACK_SIZE
            + super::quota::PT_FRAMES * PAGE
            + quota,
    )?;

    let kstack = TaskStack::map(index)?;
    let top = kstack.top();
    let frame = (top - core::mem::size_of::<TrapFrame>() as u64) as *mut TrapFrame;
    // IF set; the argument string in RDI/RSI.
    let mut initial = TrapFrame::entry(
        entry,
        rsp,
        u64::from(USER_CS.0),
        u64::from(USER_DS.0),
        0x202,
    );
    initial.rdi = args_at;
    initial.rsi = args.len() as u64;
    // SAFETY: the frame is the top of this task's fresh kernel stack.
    unsafe { frame.write(initial) };

    let mut t = TABLE.lock();
    t.high = t.high.max(index + 1);
    let slot = t.slots.get_mut(index).ok_or(SyscallError::TooManyTasks)?;
    let id = TaskId::new(index as u16, slot.generation);
    slot.ever_used = true;
    slot.name = name_a;
    slot.task = Some(Box::new(Task {
        id,
        name: name_a,
        state: if start {
            State::Runnable
        } else {
            State::Created
        },
        space,
        kstack,
        frame,
        fpu: Box::new(FxArea::initial()),
        call_msg: UserBuf::default(),
        reply_buf: UserBuf::default(),
        recv_buf: UserBuf::default(),
        maybe_senders: false,
        abandoned: crate::logic::abandon::Abandoned::new(),
        notify: 0,
        inject: super::inject::State::NEW,
        supervisor,
        started_us: crate::time::uptime_us(),
        anon_bytes: 0,
        quota,
        reserved: reserved.keep(),
        devices: alloc::vec::Vec::new(),
        dma: alloc::vec::Vec::new(),
        io_bitmap: None,
    }));
    log::info!(
        "task {name} started as {}.{} (entry {entry:#x})",
        id.index(),
        id.generation()
    );
    Ok(id)
}

/// Ends the task in slot `index`, with the table already locked.
pub fn die_locked(
    t: &mut Table,
    index: usize,
    cause: DeathCause,
    exit_code: i64,
    fault: Option<FaultReport>,
) {
    let Some(slot) = t.slots.get_mut(index) else {
        return;
    };
    let Some(mut task) = slot.task.take() else {
        return;
    };
    match crate::logic::generation::after_death(slot.generation) {
        AfterDeath::Reuse(g) => slot.generation = g,
        AfterDeath::Retire => {
            // Its last id answers `Dead` forever; with the name cleared no
            // restart or lookup finds the slot again.
            slot.generation = crate::logic::generation::RETIRED;
            slot.name = [0; NAME_MAX];
            log::warn!(
                "task slot {index} retired: its 16-bit generations are spent; {} moves to a fresh slot when restarted",
                task.name()
            );
        }
    }
    let now_id = TaskId::new(index as u16, slot.generation);
    let dead_id = task.id;

    // Everyone waiting on the dead task learns it, with the slot's new id;
    // a call abandoned with it will never be answered.
    for other in t.slots.iter_mut().filter_map(|s| s.task.as_deref_mut()) {
        other.abandoned.forget(dead_id);
        let waiting = match other.state {
            State::SendBlocked { to, .. } => to == dead_id,
            State::ReplyBlocked { from, .. } => from == dead_id,
            _ => false,
        };
        if waiting {
            other.state = State::Runnable;
            other.set_error(SyscallError::Dead, u64::from(now_id.0));
        }
    }
    // Grants first: no other task may keep a mapping of frames freed below.
    super::grant::forget_task(t, dead_id);
    super::device::forget_task(t, dead_id);
    super::console::forget_task(dead_id);

    let record = DeathRecord {
        task: dead_id,
        cause: cause as u32,
        exit_code,
        uptime_us: crate::time::uptime_us(),
        name: task.name,
        fault: fault.unwrap_or(FaultReport::empty()),
    };
    let was_supervisor = task.supervisor;
    log::info!(
        "task {}[{}.{}] ended: {cause:?} (code {exit_code}), ran {} ms",
        task.name(),
        dead_id.index(),
        dead_id.generation(),
        (record.uptime_us - task.started_us) / 1000
    );
    // Bus mastering off on every PCI function the task held, and only then
    // its DMA frames freed: a device still running the dead driver's
    // requests must not write into frames already given to someone else.
    super::quota::release(task.reserved);
    crate::pci::release_task(dead_id);
    super::dma::free_after_quiesce(&mut task);
    sched::reap(*task);
    if was_supervisor {
        crate::panic::halt_with(format_args!(
            "the supervisor died; nothing can restart services"
        ));
    }
    {
        let mut deaths = DEATHS.lock();
        if deaths.len() >= DEATHS_MAX {
            deaths.pop_front();
            log::warn!("death record queue full: oldest record dropped");
        }
        deaths.push_back(record);
    }
    if let Some(sup) = t
        .slots
        .iter()
        .position(|s| s.task.as_ref().is_some_and(|task| task.supervisor))
    {
        super::ipc::notify_locked(t, sup, notify::DEATH);
    }
}

pub fn die(index: usize, cause: DeathCause, exit_code: i64, fault: Option<FaultReport>) {
    let mut t = TABLE.lock();
    die_locked(&mut t, index, cause, exit_code, fault);
}

/// The oldest death record not yet collected.
pub fn take_death() -> Option<DeathRecord> {
    DEATHS.lock().pop_front()
}

/// Starts the first process — `bin/supervisor`, or `bin/NAME` with
/// `init=NAME` on the command line — with the kernel command line as its
/// arguments. Without it, Cordon stays at the boot console.
pub fn spawn_supervisor(cmdline: &str) {
    let program = crate::cmdline::value(cmdline, "init").unwrap_or("supervisor");
    let path = alloc::format!("bin/{program}");
    let Some(image) = crate::initrd::file(&path) else {
        log::warn!("no {path} in the initrd: staying at the boot console");
        return;
    };
    let name = program.get(..NAME_MAX.min(program.len())).unwrap_or("init");
    if let Err(e) = spawn(name, image, cmdline.as_bytes(), true, true) {
        log::error!("cannot start {path}: {e:?}");
    }
}
