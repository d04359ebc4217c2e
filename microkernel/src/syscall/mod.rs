//! Syscalls: the entry stub, argument decoding and the handlers' dispatch.
//!
//! Every argument is an allegation: numbers are range-checked, task ids
//! resolved against the table, and user pointers validated page by page in
//! the caller's own tables before any byte moves. Errors go back in RAX;
//! nothing a process passes can panic the kernel.

pub mod entry;
pub mod timing;

use crate::arch::trap::TrapFrame;
use crate::task::{self, State, TABLE, UserBuf, lifecycle};
use alloc::vec;
use ddk_abi::syscall::{FOREVER, LOG_MAX, MAP_ANON_MAX, UNMAP_PAGES_MAX, USER_CANONICAL_END};
use ddk_abi::task::NAME_MAX;
use ddk_abi::{DeathCause, Syscall, SyscallError, TaskId};

fn ok(v: [u64; 3]) -> Result<[u64; 3], Fail> {
    Ok(v)
}

/// Reads a short string argument (names, paths) from the current task.
fn read_str(
    index: usize,
    addr: u64,
    len: u64,
    max: usize,
) -> Result<alloc::string::String, SyscallError> {
    if len == 0 || len > max as u64 {
        return Err(SyscallError::BadLength);
    }
    let mut buf = vec![0u8; len as usize];
    let t = TABLE.lock();
    t.get(index)
        .ok_or(SyscallError::NoSuchTask)?
        .space
        .read(addr, &mut buf)?;
    alloc::string::String::from_utf8(buf).map_err(|_| SyscallError::InvalidArgument)
}

fn is_supervisor(index: usize) -> bool {
    TABLE.lock().get(index).is_some_and(|t| t.supervisor)
}

/// Handles the syscall in `frame` for the current task. Results are written
/// into the task's saved frame (which is `frame`), or later, by whoever
/// wakes it, if the call blocks.
pub fn dispatch(frame: &mut TrapFrame) {
    let Some(index) = TABLE.lock().current else {
        // Only ring 3 can execute `syscall`, and ring 3 is always a task.
        return;
    };
    if frame.rip >= USER_CANONICAL_END {
        // Returning here would `iretq` to a non-canonical RIP: #GP in ring 0.
        // The top user page is never mappable, so no `syscall` can sit at
        // its end; should one ever, the task ends as if it had faulted.
        frame.vector = 13;
        frame.error_code = 0;
        crate::arch::fault::exception(frame);
        return;
    }
    let args = [
        frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9,
    ];
    let number = u32::try_from(frame.rax)
        .map_err(|_| SyscallError::UnknownSyscall)
        .and_then(Syscall::try_from);
    let started = crate::time::rdtsc();
    let result = match number {
        Ok(s) => {
            let r = handle(index, s, args);
            timing::record(s, crate::time::rdtsc().saturating_sub(started));
            r
        }
        Err(e) => Err(Fail(e, 0)),
    };
    // A blocking call returns Ok(None): its results arrive when it is woken.
    let mut t = TABLE.lock();
    if let Some(task) = t.get_mut(index) {
        match result {
            Ok(Some(v)) => task.set_result(0, v),
            Ok(None) => {}
            Err(Fail(e, v)) => task.set_error(e, v),
        }
    }
}

/// A failed syscall: the error and the value for RDI (the current id of a
/// dead task's slot, for `Dead`).
struct Fail(SyscallError, u64);

impl From<SyscallError> for Fail {
    fn from(e: SyscallError) -> Self {
        Fail(e, 0)
    }
}

fn handle(index: usize, s: Syscall, a: [u64; 6]) -> Result<Option<[u64; 3]>, Fail> {
    let [a0, a1, a2, a3, a4, a5] = a;
    match s {
        Syscall::Exit => {
            lifecycle::die(index, DeathCause::Exited, a0 as i64, None);
            Ok(None)
        }
        Syscall::Log => {
            if a1 > LOG_MAX as u64 {
                return Err(SyscallError::BadLength.into());
            }
            let mut buf = vec![0u8; a1 as usize];
            let t = TABLE.lock();
            let task = t.get(index).ok_or(SyscallError::NoSuchTask)?;
            task.space.read(a0, &mut buf)?;
            // A process's bytes must not steer the operator's terminal:
            // control characters are shown as '.'.
            let text: alloc::string::String = alloc::string::String::from_utf8_lossy(&buf)
                .chars()
                .map(|c| if c.is_control() { '.' } else { c })
                .collect();
            log::info!(target: "user", "{}[{}.{}]: {}", task.name(), task.id.index(), task.id.generation(), text.trim_end());
            ok([0; 3]).map(Some)
        }
        Syscall::Yield => {
            task::sched::preempt();
            ok([0; 3]).map(Some)
        }
        Syscall::Sleep => {
            let until = crate::time::uptime_us().saturating_add(a0.saturating_mul(1000));
            let mut t = TABLE.lock();
            if let Some(task) = t.get_mut(index) {
                task.state = State::Sleeping { until };
            }
            Ok(None)
        }
        Syscall::Uptime => ok([crate::time::uptime_us(), 0, 0]).map(Some),
        Syscall::Call => {
            let to = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            task::ipc::call(
                index,
                to,
                UserBuf { addr: a1, len: a2 },
                UserBuf { addr: a3, len: a4 },
                task::ipc::Wait::Forever,
            );
            Ok(None)
        }
        Syscall::CallTimeout => {
            let to = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            let wait = if a5 == FOREVER {
                task::ipc::Wait::Forever
            } else {
                task::ipc::Wait::Until(
                    crate::time::uptime_us().saturating_add(a5.saturating_mul(1000)),
                )
            };
            task::ipc::call(
                index,
                to,
                UserBuf { addr: a1, len: a2 },
                UserBuf { addr: a3, len: a4 },
                wait,
            );
            Ok(None)
        }
        Syscall::Recv => {
            let timeout = if a2 == FOREVER {
                None
            } else {
                Some(a2.saturating_mul(1000))
            };
            task::ipc::recv(index, UserBuf { addr: a0, len: a1 }, timeout);
            Ok(None)
        }
        Syscall::Reply => {
            let to = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            task::ipc::reply(index, to, UserBuf { addr: a1, len: a2 });
            Ok(None)
        }
        Syscall::ReplyRecv => {
            let to = TaskId(u32::try_from(a0).map_err(|_| Fail(SyscallError::NoSuchTask, 0))?);
            let timeout = if a5 == FOREVER {
                None
            } else {
                Some(a5.saturating_mul(1000))
            };
            task::ipc::reply_recv(
                index,
                to,
                UserBuf { addr: a1, len: a2 },
                UserBuf { addr: a3, len: a4 },
                timeout,
            );
            Ok(None)
        }
        Syscall::MapAnon => {
            // Zeroing is the cost: bounded per call (interrupts are off).
            if a1 > MAP_ANON_MAX {
                return Err(SyscallError::BadLength.into());
            }
            let mut t = TABLE.lock();
            let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
            let total = task
                .anon_bytes
                .checked_add(a1)
                .ok_or(SyscallError::BadLength)?;
            if total > task.quota {
                return Err(SyscallError::OutOfMemory.into());
            }
            task.space.map_anon(a0, a1, a2 != 0, false, true)?;
            task.anon_bytes = total;
            ok([0; 3]).map(Some)
        }
        Syscall::Unmap => {
            let mut t = TABLE.lock();
            let me = t.get(index).ok_or(SyscallError::NoSuchTask)?;
            // Validate before revoking anything: a refused Unmap changes nothing.
            if a1 != 0 {
                crate::mem::space::check_user_range(a0, a1)?;
            }
            // DMA memory goes only through `DmaFree`, whole regions, with
            // its own quota and grant bookkeeping; refused before anything
            // of the range is touched.
            if me.dma.iter().any(|r| r.overlaps(a0, a1)) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let me = me.id;
            task::grant::before_unmap(&mut t, me, a0, a1);
            let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
            // Bounded work per call: the caller continues from `next`.
            let (done, next) = task.space.unmap_some(a0, a1, UNMAP_PAGES_MAX)?;
            // Only charged anonymous pages give quota back (not ELF, stack,
            // grant or device pages).
            task.anon_bytes = task.anon_bytes.saturating_sub(done.anon * 4096);
            ok([done.pages, next, 0]).map(Some)
        }
        Syscall::GrantCreate => {
            let to = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            let id = task::grant::create(index, to, a1, a2, a3 != 0)?;
            ok([u64::from(id), 0, 0]).map(Some)
        }
        Syscall::GrantMap => {
            let id = u32::try_from(a0).map_err(|_| SyscallError::NoSuchGrant)?;
            let (len, writable) = task::grant::map(index, id, a1)?;
            ok([len, u64::from(writable), 0]).map(Some)
        }
        Syscall::GrantRevoke => {
            let id = u32::try_from(a0).map_err(|_| SyscallError::NoSuchGrant)?;
            task::grant::revoke(index, id)?;
            ok([0; 3]).map(Some)
        }
        Syscall::GrantRead | Syscall::GrantWrite => {
            let id = u32::try_from(a0).map_err(|_| SyscallError::NoSuchGrant)?;
            let dir = if s == Syscall::GrantRead {
                task::grant::Direction::FromGrant
            } else {
                task::grant::Direction::IntoGrant
            };
            let len = task::grant::copy(index, id, a1, a2, a3, dir)?;
            ok([len, 0, 0]).map(Some)
        }
        Syscall::TaskSelf => {
            let t = TABLE.lock();
            ok([
                u64::from(t.get(index).ok_or(SyscallError::NoSuchTask)?.id.0),
                0,
                0,
            ])
            .map(Some)
        }
        Syscall::TaskLookup => {
            let name = read_str(index, a0, a1, NAME_MAX)?;
            let wanted = task::name_array(&name);
            let t = TABLE.lock();
            let (i, slot) = t
                .slots
                .iter()
                .enumerate()
                .find(|(_, s)| s.ever_used && s.name == wanted)
                .ok_or(SyscallError::NotFound)?;
            let id = TaskId::new(i as u16, slot.generation);
            if slot.task.is_some() {
                ok([u64::from(id.0), 0, 0]).map(Some)
            } else {
                Err(Fail(SyscallError::Dead, u64::from(id.0)))
            }
        }
        Syscall::TaskSpawn => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let name = read_str(index, a0, a1, NAME_MAX)?;
            let program = read_str(index, a2, a3, 100)?;
            if a5 > lifecycle::ARGS_MAX as u64 {
                return Err(SyscallError::BadLength.into());
            }
            let mut args = vec![0u8; a5 as usize];
            TABLE
                .lock()
                .get(index)
                .ok_or(SyscallError::NoSuchTask)?
                .space
                .read(a4, &mut args)?;
            let path = alloc::format!("bin/{program}");
            let image = crate::initrd::file(&path).ok_or(SyscallError::NotFound)?;
            let id = lifecycle::spawn(&name, image, &args, false, false)?;
            ok([u64::from(id.0), 0, 0]).map(Some)
        }
        Syscall::TaskKill => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let target = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            let mut t = TABLE.lock();
            let ti = t.resolve(target).map_err(|(e, v)| Fail(e, v))?;
            if ti == index {
                return Err(SyscallError::InvalidArgument.into());
            }
            lifecycle::die_locked(&mut t, ti, DeathCause::Killed, 0, None);
            ok([0; 3]).map(Some)
        }
        Syscall::TakeDeath => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            // Validate the destination before taking a record off the queue.
            let size = core::mem::size_of::<ddk_abi::DeathRecord>() as u64;
            TABLE
                .lock()
                .get(index)
                .ok_or(SyscallError::NoSuchTask)?
                .space
                .user_pages(a0, size, true, |_, _| {})?;
            let Some(record) = lifecycle::take_death() else {
                return ok([0; 3]).map(Some);
            };
            // SAFETY: DeathRecord is repr(C) plain data with no padding holes
            // (asserted in ddk-abi); viewing it as bytes is sound.
            let bytes = unsafe {
                core::slice::from_raw_parts((&raw const record).cast::<u8>(), size as usize)
            };
            TABLE
                .lock()
                .get(index)
                .ok_or(SyscallError::NoSuchTask)?
                .space
                .write(a0, bytes)?;
            ok([1, 0, 0]).map(Some)
        }
        Syscall::InitrdRead => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let path = read_str(index, a0, a1, 100)?;
            let file = crate::initrd::file(&path).ok_or(SyscallError::NotFound)?;
            let start = usize::try_from(a2)
                .map_err(|_| SyscallError::InvalidArgument)?
                .min(file.len());
            let n = (file.len() - start)
                .min(usize::try_from(a4).unwrap_or(usize::MAX))
                .min(1 << 20);
            let chunk = file
                .get(start..start + n)
                .ok_or(SyscallError::InvalidArgument)?;
            TABLE
                .lock()
                .get(index)
                .ok_or(SyscallError::NoSuchTask)?
                .space
                .write(a3, chunk)?;
            ok([n as u64, file.len() as u64, 0]).map(Some)
        }
        Syscall::MapDevice => {
            task::device::map_device(index, a0, a1, a2)?;
            ok([0; 3]).map(Some)
        }
        Syscall::IrqAck => {
            task::device::irq_ack(index, a0)?;
            ok([0; 3]).map(Some)
        }
        Syscall::TaskGrant => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let target = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            if a1 == ddk_abi::syscall::grant_kind::MEMORY {
                task::quota::set_quota(target, a2)?;
            } else if a1 == ddk_abi::syscall::grant_kind::CONSOLE {
                task::console::grant(target)?;
            } else {
                task::device::grant(target, a1, a2, a3)?;
            }
            ok([0; 3]).map(Some)
        }
        Syscall::TaskStart => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let target = TaskId(u32::try_from(a0).map_err(|_| SyscallError::NoSuchTask)?);
            let mut t = TABLE.lock();
            let ti = t.resolve(target).map_err(|(e, v)| Fail(e, v))?;
            let task = t.get_mut(ti).ok_or(SyscallError::NoSuchTask)?;
            if task.state != State::Created {
                return Err(SyscallError::InvalidArgument.into());
            }
            task.state = State::Runnable;
            ok([0; 3]).map(Some)
        }
        Syscall::KernelStats => ok(timing::kernel_stats()?).map(Some),
        Syscall::ConsoleRead => ok(task::console::read(index, a0, a1)?).map(Some),
        Syscall::ConsoleWrite => ok(task::console::write(index, a0, a1)?).map(Some),
        Syscall::InjectFault => {
            let v = task::inject::request(index, a0, a1, a2, a3).map_err(|(e, v)| Fail(e, v))?;
            ok([v, 0, 0]).map(Some)
        }
        Syscall::PciInfo => ok(crate::pci::syscall::info(index, a0, a1)?).map(Some),
        Syscall::PciBar => ok(crate::pci::syscall::bar(index, a0, a1)?).map(Some),
        Syscall::PciConfigRead => {
            let v = crate::pci::syscall::config_read(index, a0, a1, a2)?;
            ok([v, 0, 0]).map(Some)
        }
        Syscall::PciConfigWrite => {
            crate::pci::syscall::config_write(index, a0, a1, a2, a3)?;
            ok([0; 3]).map(Some)
        }
        Syscall::PciIrqBind => {
            let used = crate::pci::syscall::irq_bind(index, a0, a1, a2, a3)?;
            ok([used, 0, 0]).map(Some)
        }
        Syscall::PciIrqAck => {
            crate::pci::syscall::irq_ack(index, a0)?;
            ok([0; 3]).map(Some)
        }
        Syscall::DmaAlloc => {
            let phys = task::dma::alloc(index, a0, a1, a2)?;
            ok([phys, 0, 0]).map(Some)
        }
        Syscall::DmaFree => {
            task::dma::free(index, a0)?;
            ok([0; 3]).map(Some)
        }
        Syscall::Protect => {
            task::protect::protect(index, a0, a1, a2)?;
            ok([0; 3]).map(Some)
        }
        Syscall::Shutdown => {
            if !is_supervisor(index) {
                return Err(SyscallError::PermissionDenied.into());
            }
            let e = crate::acpi::shutdown();
            log::error!("shutdown failed: {e:?}");
            Err(SyscallError::InvalidArgument.into())
        }
    }
}
