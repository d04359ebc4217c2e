//! Typed wrappers over the syscalls of `ddk_abi::syscall`.

use ddk_abi::syscall::{FOREVER, RECV_MESSAGE, REPLY_FAILED};
use ddk_abi::{DeathRecord, Syscall, SyscallError, TaskId};

/// Raw syscall: returns (RAX status, RDI, RSI, RDX).
#[inline(always)]
pub fn raw(n: Syscall, a: [u64; 6]) -> (u64, u64, u64, u64) {
    raw_number(n as u64, a)
}

/// A syscall by number, including numbers the ABI does not define (for
/// tests of the kernel's refusal).
#[inline(always)]
pub fn raw_number(n: u64, a: [u64; 6]) -> (u64, u64, u64, u64) {
    let (status, r0, r1, r2);
    // SAFETY: the syscall instruction with the documented convention; the
    // kernel preserves every register but RAX, RDI, RSI, RDX (results) and
    // RCX, R11 (clobbered by the instruction itself).
    unsafe {
        core::arch::asm!(
            "syscall",
            inlateout("rax") n => status,
            inlateout("rdi") a[0] => r0,
            inlateout("rsi") a[1] => r1,
            inlateout("rdx") a[2] => r2,
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    (status, r0, r1, r2)
}

/// A syscall that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The task died; `now` is its slot's current identity.
    Dead {
        now: TaskId,
    },
    Sys(SyscallError),
    /// A status the ABI does not define (a kernel newer than this runtime).
    Unknown(u32),
}

impl From<SyscallError> for Error {
    fn from(e: SyscallError) -> Self {
        Error::Sys(e)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Dead { now } => write!(f, "dead, now generation {}", now.generation()),
            Error::Sys(e) => write!(f, "{e:?}"),
            Error::Unknown(c) => write!(f, "unknown error {c}"),
        }
    }
}

#[inline]
fn check(n: Syscall, a: [u64; 6]) -> Result<[u64; 3], Error> {
    let (status, r0, r1, r2) = raw(n, a);
    if status == 0 {
        return Ok([r0, r1, r2]);
    }
    match SyscallError::try_from(status as u32) {
        Ok(SyscallError::Dead) => Err(Error::Dead {
            now: TaskId(r0 as u32),
        }),
        Ok(e) => Err(Error::Sys(e)),
        Err(c) => Err(Error::Unknown(c)),
    }
}

pub fn exit(code: i64) -> ! {
    raw(Syscall::Exit, [code as u64, 0, 0, 0, 0, 0]);
    // Exit does not return; should it ever, fault rather than run on.
    // SAFETY: ud2 raises #UD, which ends this task.
    unsafe { core::arch::asm!("ud2", options(noreturn)) }
}

pub fn log(s: &str) {
    let n = s.len().min(ddk_abi::syscall::LOG_MAX);
    let _ = check(Syscall::Log, [s.as_ptr() as u64, n as u64, 0, 0, 0, 0]);
}

pub fn yield_now() {
    let _ = check(Syscall::Yield, [0; 6]);
}

pub fn sleep_ms(ms: u64) {
    let _ = check(Syscall::Sleep, [ms, 0, 0, 0, 0, 0]);
}

pub fn uptime_us() -> u64 {
    check(Syscall::Uptime, [0; 6]).map_or(0, |r| r[0])
}

pub fn task_self() -> TaskId {
    TaskId(check(Syscall::TaskSelf, [0; 6]).map_or(0, |r| r[0] as u32))
}

pub fn lookup(name: &str) -> Result<TaskId, Error> {
    check(
        Syscall::TaskLookup,
        [name.as_ptr() as u64, name.len() as u64, 0, 0, 0, 0],
    )
    .map(|r| TaskId(r[0] as u32))
}

/// Sends `msg` to `to` and waits for the reply in `reply`; returns its length.
#[inline]
pub fn call(to: TaskId, msg: &[u8], reply: &mut [u8]) -> Result<usize, Error> {
    check(
        Syscall::Call,
        [
            u64::from(to.0),
            msg.as_ptr() as u64,
            msg.len() as u64,
            reply.as_mut_ptr() as u64,
            reply.len() as u64,
            0,
        ],
    )
    .map(|r| r[0] as usize)
}

/// [`call`] with a deadline: the reply, or `Timeout` if none came within
/// `timeout_ms` — whether the message was still queued (it leaves the
/// queue unseen) or already delivered (the server's late reply is then
/// discarded by the kernel). While a server holds such an abandoned call,
/// calls to it fail at once with `Busy`, until it replies or restarts.
/// `timeout_ms` 0 sends only to a server waiting in `recv` (else `Timeout`
/// at once); [`ddk_abi::syscall::FOREVER`] is a plain `call`. Deadlines are
/// checked at the 10 ms timer tick.
#[inline]
pub fn call_timeout(
    to: TaskId,
    msg: &[u8],
    reply: &mut [u8],
    timeout_ms: u64,
) -> Result<usize, Error> {
    check(
        Syscall::CallTimeout,
        [
            u64::from(to.0),
            msg.as_ptr() as u64,
            msg.len() as u64,
            reply.as_mut_ptr() as u64,
            reply.len() as u64,
            timeout_ms,
        ],
    )
    .map(|r| r[0] as usize)
}

/// Console holder only (`grant=console`): moves typed bytes into `buf`;
/// returns how many (0 when nothing waits — it never blocks; wait for
/// notification [`ddk_abi::syscall::notify::CONSOLE`] with `recv`).
/// Others get `PermissionDenied`. Bytes the kernel had to drop because
/// they were not read in time (its ring holds 1 KiB) are logged by it.
pub fn console_read(buf: &mut [u8]) -> Result<usize, Error> {
    check(
        Syscall::ConsoleRead,
        [buf.as_mut_ptr() as u64, buf.len() as u64, 0, 0, 0, 0],
    )
    .map(|r| r[0] as usize)
}

/// Console holder only: writes `bytes` to the serial port as they are —
/// no log prefix, no newline translation (send `\r\n`). Waits (sleeping)
/// while the kernel's transmit ring is too full to take them all, so
/// nothing is lost; others get `PermissionDenied`.
pub fn console_write(bytes: &[u8]) -> Result<(), Error> {
    let mut rest = bytes;
    while !rest.is_empty() {
        let chunk = rest
            .get(..rest.len().min(ddk_abi::syscall::CONSOLE_WRITE_MAX))
            .unwrap_or(rest);
        let r = check(
            Syscall::ConsoleWrite,
            [chunk.as_ptr() as u64, chunk.len() as u64, 0, 0, 0, 0],
        )?;
        let queued = (r[0] as usize).min(chunk.len());
        rest = rest.get(queued..).unwrap_or(&[]);
        if queued == 0 {
            sleep_ms(10);
        }
    }
    Ok(())
}

/// Test only (`docs/faultinject.md`): asks the kernel to flip one bit of
/// one saved register of `target` ([`ddk_abi::syscall::inject_kind`]) at
/// its first interruption in ring 3 after `delay_us`; the seed picks the
/// register and bit. `PermissionDenied` unless the kernel command line's
/// `inject=` names the target; `Busy` while one is still pending. With
/// `QUERY`/`CANCEL` returns whether one was pending.
pub fn inject_fault(target: TaskId, kind: u64, delay_us: u64, seed: u64) -> Result<bool, Error> {
    check(
        Syscall::InjectFault,
        [u64::from(target.0), kind, delay_us, seed, 0, 0],
    )
    .map(|r| r[0] != 0)
}

/// What `recv` got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Received {
    /// A message of `len` bytes from `from` (who waits for `reply`).
    Message { from: TaskId, len: usize },
    /// Notification bits.
    Notification(u64),
}

/// Waits for a message or notification; `timeout_ms` of `None` waits forever.
pub fn recv(buf: &mut [u8], timeout_ms: Option<u64>) -> Result<Received, Error> {
    let t = timeout_ms.unwrap_or(FOREVER);
    let r = check(
        Syscall::Recv,
        [buf.as_mut_ptr() as u64, buf.len() as u64, t, 0, 0, 0],
    )?;
    Ok(if r[0] == RECV_MESSAGE {
        Received::Message {
            from: TaskId(r[1] as u32),
            len: r[2] as usize,
        }
    } else {
        Received::Notification(r[1])
    })
}

pub fn reply(to: TaskId, msg: &[u8]) -> Result<(), Error> {
    check(
        Syscall::Reply,
        [
            u64::from(to.0),
            msg.as_ptr() as u64,
            msg.len() as u64,
            0,
            0,
            0,
        ],
    )
    .map(|_| ())
}

/// Which half of [`reply_recv`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyRecvError {
    /// The reply was refused (the caller died, was not waiting, its buffer
    /// was too small…); nothing was received.
    Reply(Error),
    /// The reply went out; the receive failed (`Timeout`, a bad buffer).
    Recv(Error),
}

fn status_error(status: u64, r0: u64) -> Error {
    match SyscallError::try_from(status as u32) {
        Ok(SyscallError::Dead) => Error::Dead {
            now: TaskId(r0 as u32),
        },
        Ok(e) => Error::Sys(e),
        Err(c) => Error::Unknown(c),
    }
}

/// A server's reply to `to` and its next `recv`, in one kernel entry.
#[inline]
pub fn reply_recv(
    to: TaskId,
    msg: &[u8],
    buf: &mut [u8],
    timeout_ms: Option<u64>,
) -> Result<Received, ReplyRecvError> {
    let (status, r0, r1, r2) = raw(
        Syscall::ReplyRecv,
        [
            u64::from(to.0),
            msg.as_ptr() as u64,
            msg.len() as u64,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            timeout_ms.unwrap_or(FOREVER),
        ],
    );
    if status != 0 {
        let e = status_error(status, r0);
        return Err(if r1 == REPLY_FAILED {
            ReplyRecvError::Reply(e)
        } else {
            ReplyRecvError::Recv(e)
        });
    }
    Ok(if r0 == RECV_MESSAGE {
        Received::Message {
            from: TaskId(r1 as u32),
            len: r2 as usize,
        }
    } else {
        Received::Notification(r1)
    })
}

/// Maps `len` bytes of zeroed memory at `addr`, in calls of at most
/// `MAP_ANON_MAX` (the kernel's bound on work per call); all or nothing.
pub fn map_anon(addr: u64, len: u64, writable: bool) -> Result<(), Error> {
    use ddk_abi::syscall::MAP_ANON_MAX;
    if len <= MAP_ANON_MAX {
        return check(Syscall::MapAnon, [addr, len, u64::from(writable), 0, 0, 0]).map(|_| ());
    }
    let mut done = 0u64;
    while done < len {
        let n = (len - done).min(MAP_ANON_MAX);
        let at = addr.wrapping_add(done);
        if let Err(e) = check(Syscall::MapAnon, [at, n, u64::from(writable), 0, 0, 0]) {
            if done > 0 {
                let _ = unmap(addr, done);
            }
            return Err(e);
        }
        done += n;
    }
    Ok(())
}

/// One `MapAnon` call as it is, writable (for tests of the kernel's bound).
pub fn map_anon_raw(addr: u64, len: u64) -> Result<(), Error> {
    check(Syscall::MapAnon, [addr, len, 1, 0, 0, 0]).map(|_| ())
}

/// Unmaps `[addr, addr+len)`, continuing where each call stopped (the
/// kernel takes down at most `UNMAP_PAGES_MAX` pages a call); returns the
/// number of pages unmapped.
pub fn unmap(addr: u64, len: u64) -> Result<u64, Error> {
    let end = addr.wrapping_add(len);
    let (mut at, mut pages) = (addr, 0u64);
    loop {
        let r = check(Syscall::Unmap, [at, end.wrapping_sub(at), 0, 0, 0, 0])?;
        pages += r[0];
        if r[1] >= end || r[1] <= at || len == 0 {
            return Ok(pages);
        }
        at = r[1];
    }
}

pub fn grant_create(to: TaskId, addr: u64, len: u64, writable: bool) -> Result<u32, Error> {
    check(
        Syscall::GrantCreate,
        [u64::from(to.0), addr, len, u64::from(writable), 0, 0],
    )
    .map(|r| r[0] as u32)
}

pub fn grant_map(id: u32, addr: u64) -> Result<u64, Error> {
    grant_map_checked(id, addr).map(|(len, _)| len)
}

/// `GrantMap`, also telling whether the mapping is writable: a server that
/// writes into a client's grant checks it, since a store into a read-only
/// grant would fault and end the server.
pub fn grant_map_checked(id: u32, addr: u64) -> Result<(u64, bool), Error> {
    check(Syscall::GrantMap, [u64::from(id), addr, 0, 0, 0, 0]).map(|r| (r[0], r[1] != 0))
}

pub fn grant_revoke(id: u32) -> Result<(), Error> {
    check(Syscall::GrantRevoke, [u64::from(id), 0, 0, 0, 0, 0]).map(|_| ())
}

/// Copies grant `id`'s bytes `offset..offset + buf.len()` into `buf`
/// without mapping the grant (`GrantRead`, in calls of at most
/// `GRANT_COPY_MAX`): a revoked grant is `NoSuchGrant`, a short one
/// `BadLength`, never a fault. Returns the grant's length. A failure
/// part-way through a long copy leaves `buf` partly written.
pub fn grant_read(id: u32, offset: u64, buf: &mut [u8]) -> Result<u64, Error> {
    grant_copy(
        Syscall::GrantRead,
        id,
        offset,
        buf.as_mut_ptr() as u64,
        buf.len() as u64,
    )
}

/// Copies `buf` into grant `id` at `offset` (`GrantWrite`, in calls of at
/// most `GRANT_COPY_MAX`); the grant must be writable (`PermissionDenied`
/// otherwise). Returns the grant's length. A failure part-way through a
/// long copy leaves the grant partly written.
pub fn grant_write(id: u32, offset: u64, buf: &[u8]) -> Result<u64, Error> {
    grant_copy(
        Syscall::GrantWrite,
        id,
        offset,
        buf.as_ptr() as u64,
        buf.len() as u64,
    )
}

/// The length of grant `id` (given to the caller): a copy of nothing.
pub fn grant_len(id: u32) -> Result<u64, Error> {
    grant_copy(Syscall::GrantRead, id, 0, 0, 0)
}

fn grant_copy(n: Syscall, id: u32, offset: u64, ptr: u64, len: u64) -> Result<u64, Error> {
    use ddk_abi::syscall::GRANT_COPY_MAX;
    let copy = |done: u64, k: u64| check(n, [u64::from(id), offset + done, ptr + done, k, 0, 0]);
    if len <= GRANT_COPY_MAX {
        return copy(0, len).map(|r| r[0]);
    }
    // A long copy: the whole range is checked against the grant first, so
    // a short grant fails before any byte moves.
    let end = offset
        .checked_add(len)
        .ok_or(Error::Sys(SyscallError::BadLength))?;
    let g_len = copy(0, 0)?[0];
    if end > g_len {
        return Err(Error::Sys(SyscallError::BadLength));
    }
    let mut done = 0u64;
    while done < len {
        let k = (len - done).min(GRANT_COPY_MAX);
        copy(done, k)?;
        done += k;
    }
    Ok(g_len)
}

/// Supervisor only: starts `bin/<program>` as task `name`.
pub fn spawn(name: &str, program: &str, args: &str) -> Result<TaskId, Error> {
    check(
        Syscall::TaskSpawn,
        [
            name.as_ptr() as u64,
            name.len() as u64,
            program.as_ptr() as u64,
            program.len() as u64,
            args.as_ptr() as u64,
            args.len() as u64,
        ],
    )
    .map(|r| TaskId(r[0] as u32))
}

/// Supervisor only.
pub fn kill(task: TaskId) -> Result<(), Error> {
    check(Syscall::TaskKill, [u64::from(task.0), 0, 0, 0, 0, 0]).map(|_| ())
}

/// Supervisor only: the oldest uncollected death, if any.
pub fn take_death() -> Result<Option<DeathRecord>, Error> {
    let mut rec = DeathRecord {
        task: TaskId(0),
        cause: 0,
        exit_code: 0,
        uptime_us: 0,
        name: [0; ddk_abi::task::NAME_MAX],
        fault: ddk_abi::FaultReport::empty(),
    };
    let r = check(Syscall::TakeDeath, [(&raw mut rec) as u64, 0, 0, 0, 0, 0])?;
    Ok((r[0] == 1).then_some(rec))
}

/// Supervisor only: reads part of an initrd file; returns (read, file size).
pub fn initrd_read(path: &str, offset: u64, buf: &mut [u8]) -> Result<(usize, usize), Error> {
    check(
        Syscall::InitrdRead,
        [
            path.as_ptr() as u64,
            path.len() as u64,
            offset,
            buf.as_mut_ptr() as u64,
            buf.len() as u64,
            0,
        ],
    )
    .map(|r| (r[0] as usize, r[1] as usize))
}

/// Supervisor only: powers off.
pub fn shutdown() -> Error {
    match check(Syscall::Shutdown, [0; 6]) {
        Ok(_) => Error::Sys(SyscallError::InvalidArgument),
        Err(e) => e,
    }
}

/// Supervisor only: gives `task` a device resource (`ddk_abi::syscall::grant_kind`).
pub fn task_grant(task: TaskId, kind: u64, a: u64, b: u64) -> Result<(), Error> {
    check(Syscall::TaskGrant, [u64::from(task.0), kind, a, b, 0, 0]).map(|_| ())
}

/// Supervisor only: lets a spawned task run.
pub fn task_start(task: TaskId) -> Result<(), Error> {
    check(Syscall::TaskStart, [u64::from(task.0), 0, 0, 0, 0, 0]).map(|_| ())
}

/// Maps granted device registers `[phys, phys + len)` uncached at `addr`.
pub fn map_device(phys: u64, len: u64, addr: u64) -> Result<(), Error> {
    check(Syscall::MapDevice, [phys, len, addr, 0, 0, 0]).map(|_| ())
}

/// Unmasks granted ISA line `line` after servicing its notification.
pub fn irq_ack(line: u8) -> Result<(), Error> {
    check(Syscall::IrqAck, [u64::from(line), 0, 0, 0, 0, 0]).map(|_| ())
}

/// The caller's `n`-th PCI function (from 0): (bdf, vendor | device << 16,
/// class << 24 | subclass << 16 | prog-if << 8 | revision). `NotFound` past
/// the last one.
pub fn pci_info(n: u64) -> Result<(u16, u32, u32), Error> {
    check(Syscall::PciInfo, [n, 0, 0, 0, 0, 0]).map(|r| (r[0] as u16, r[1] as u32, r[2] as u32))
}

/// The machine's `n`-th PCI function (from 0), whoever owns it: (bdf,
/// vendor | device << 16, class word, owner). `NotFound` past the last one.
pub fn pci_info_any(n: u64) -> Result<(u16, u32, u32, Option<TaskId>), Error> {
    check(
        Syscall::PciInfo,
        [n, ddk_abi::syscall::pci_info::ANY, 0, 0, 0, 0],
    )
    .map(|r| {
        let owner =
            (r[0] & ddk_abi::syscall::pci_info::OWNED != 0).then(|| TaskId((r[0] >> 32) as u32));
        (r[0] as u16, r[1] as u32, r[2] as u32, owner)
    })
}

/// BAR `bar` of an owned function: (phys, len, `ddk_abi::syscall::pci_bar` flags).
/// A BAR that is not implemented has length 0.
pub fn pci_bar(bdf: u16, bar: u8) -> Result<(u64, u64, u64), Error> {
    check(
        Syscall::PciBar,
        [u64::from(bdf), u64::from(bar), 0, 0, 0, 0],
    )
    .map(|r| (r[0], r[1], r[2]))
}

/// Reads `width` (1, 2 or 4) bytes of an owned function's configuration space.
pub fn pci_config_read(bdf: u16, offset: u16, width: u8) -> Result<u32, Error> {
    check(
        Syscall::PciConfigRead,
        [u64::from(bdf), u64::from(offset), u64::from(width), 0, 0, 0],
    )
    .map(|r| r[0] as u32)
}

/// Writes `width` (1, 2 or 4) bytes of an owned function's configuration
/// space; BARs, MSI/MSI-X addresses and most command bits are refused with
/// `PermissionDenied` and nothing is written.
pub fn pci_config_write(bdf: u16, offset: u16, width: u8, value: u32) -> Result<(), Error> {
    check(
        Syscall::PciConfigWrite,
        [
            u64::from(bdf),
            u64::from(offset),
            u64::from(width),
            u64::from(value),
            0,
            0,
        ],
    )
    .map(|_| ())
}

/// Binds an interrupt of an owned function (`ddk_abi::syscall::pci_irq`
/// source, MSI-X table `entry`) to notification bit `bit` (32..64);
/// returns the source the kernel used.
pub fn pci_irq_bind(bdf: u16, source: u64, entry: u16, bit: u8) -> Result<u64, Error> {
    check(
        Syscall::PciIrqBind,
        [
            u64::from(bdf),
            source,
            u64::from(entry),
            u64::from(bit),
            0,
            0,
        ],
    )
    .map(|r| r[0])
}

/// After servicing a level-triggered (INTx) interrupt: unmask the line.
pub fn pci_irq_ack(bdf: u16) -> Result<(), Error> {
    check(Syscall::PciIrqAck, [u64::from(bdf), 0, 0, 0, 0, 0]).map(|_| ())
}

/// Allocates `len` bytes (whole pages, at most `ddk_abi::syscall::DMA_MAX`)
/// of physically contiguous, zeroed memory at `addr`; returns its physical
/// address. Only for tasks holding a PCI function.
pub fn dma_alloc(len: u64, addr: u64, cache: u64) -> Result<u64, Error> {
    check(Syscall::DmaAlloc, [len, addr, cache, 0, 0, 0]).map(|r| r[0])
}

/// Frees a `dma_alloc` region by its start address.
pub fn dma_free(addr: u64) -> Result<(), Error> {
    check(Syscall::DmaFree, [addr, 0, 0, 0, 0, 0]).map(|_| ())
}

/// Changes the protection of the caller's own anonymous pages
/// (`ddk_abi::syscall::protect`).
pub fn protect(addr: u64, len: u64, mode: u64) -> Result<(), Error> {
    check(Syscall::Protect, [addr, len, mode, 0, 0, 0]).map(|_| ())
}

/// (TSC cycles the kernel spent handling traps, TSC Hz, traps) — counted
/// only by the `selftest` kernel (benchmarks); `InvalidArgument` otherwise.
pub fn kernel_stats() -> Result<(u64, u64, u64), Error> {
    check(Syscall::KernelStats, [0; 6]).map(|r| (r[0], r[1], r[2]))
}
