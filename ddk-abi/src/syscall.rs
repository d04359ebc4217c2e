//! Syscall numbers and the register convention.
//!
//! Entry is the `syscall` instruction. RAX holds the number, arguments are in
//! RDI, RSI, RDX, R10, R8, R9 (RCX and R11 are clobbered by the instruction).
//! On return RAX is the status — 0 for success, else a
//! [`crate::SyscallError`] code — and results are in RDI, RSI, RDX. Every
//! other register is preserved, SSE state included.
//!
//! | syscall | arguments | results |
//! |---|---|---|
//! | `Exit` | code | does not return |
//! | `Log` | ptr, len (≤ [`LOG_MAX`]) | — |
//! | `Yield` | — | — |
//! | `Sleep` | milliseconds | — |
//! | `Uptime` | — | microseconds since boot |
//! | `Call` | task, msg ptr, msg len, reply ptr, reply cap | reply len |
//! | `Recv` | buf ptr, buf cap, timeout ms ([`FOREVER`] = none) | kind ([`RECV_MESSAGE`]/[`RECV_NOTIFICATION`]), sender or bits, len |
//! | `Reply` | task, msg ptr, msg len | — |
//! | `MapAnon` | addr, len (≤ [`MAP_ANON_MAX`]), writable | — |
//! | `Unmap` | addr, len | pages unmapped, where it stopped (≤ [`UNMAP_PAGES_MAX`] pages a call) |
//! | `GrantCreate` | to task, addr, len, writable | grant id |
//! | `GrantMap` | grant id, addr | len, writable (1/0) |
//! | `GrantRevoke` | grant id | — |
//! | `GrantRead` | grant id, offset, dst ptr, len (≤ [`GRANT_COPY_MAX`]) | the grant's length (copies grant bytes `offset..offset+len` to the caller's buffer; all or nothing) |
//! | `GrantWrite` | grant id, offset, src ptr, len (≤ [`GRANT_COPY_MAX`]) | the grant's length (the other way; a read-only grant is `PermissionDenied`) |
//! | `MapDevice` | phys, len, addr | — (needs an MMIO device grant) |
//! | `IrqAck` | ISA line | — (unmasks a granted line after its notification) |
//! | `TaskSelf` | — | own id |
//! | `TaskLookup` | name ptr, name len | id |
//! | `TaskSpawn` | name ptr, len, program ptr, len, args ptr, len | id |
//! | `TaskKill` | task | — |
//! | `TakeDeath` | out ptr (a [`crate::DeathRecord`]) | 1 if a record was written, 0 if none |
//! | `InitrdRead` | path ptr, len, offset, buf ptr, cap | bytes read, file size |
//! | `TaskGrant` | task, kind ([`grant_kind`]), a, b | — |
//! | `TaskStart` | task | — |
//! | `Shutdown` | — | does not return on success |
//! | `PciInfo` | n, [`pci_info`] scope | bdf (and owner), ids, class of the n-th PCI function: the caller's, or the machine's |
//! | `PciBar` | bdf, bar | phys, len, [`pci_bar`] flags |
//! | `PciConfigRead` | bdf, offset, width (1, 2, 4) | value |
//! | `PciConfigWrite` | bdf, offset, width, value | — (filtered: see `docs/devices.md`) |
//! | `PciIrqBind` | bdf, source ([`pci_irq`]), entry, bit | source used |
//! | `PciIrqAck` | bdf | — (INTx: unmask the line once every sharer acked) |
//! | `DmaAlloc` | len (≤ [`DMA_MAX`]), addr, [`dma_cache`] | physical address |
//! | `DmaFree` | addr (start of a `DmaAlloc` region) | — |
//! | `Protect` | addr, len, [`protect`] | — (own anonymous pages: RW ↔ RX, never both) |
//! | `ReplyRecv` | task, msg ptr, msg len, buf ptr, buf cap, timeout ms | as `Recv`; on an error RSI is [`REPLY_FAILED`] if the reply failed (nothing received) |
//! | `CallTimeout` | task, msg ptr, msg len, reply ptr, reply cap, timeout ms ([`FOREVER`] = none) | reply len; `Timeout` when no reply came by the deadline (queued or delivered), `Busy` while the server still holds an abandoned call of the caller (see `docs/processes.md`) |
//! | `ConsoleRead` | buf ptr, len | bytes copied (0 if none: never blocks), input bytes dropped since the last read (only the [`grant_kind::CONSOLE`] holder) |
//! | `ConsoleWrite` | ptr, len (≤ [`CONSOLE_WRITE_MAX`]) | bytes queued (raw, to the serial port; only the console holder) |
//! | `KernelStats` | — | TSC cycles spent in the kernel's trap handling, TSC Hz, traps (counted only by the `selftest` kernel; `InvalidArgument` otherwise) |
//! | `InjectFault` | task, [`inject_kind`], delay µs, seed | 1 if an injection was pending ([`inject_kind::QUERY`]/[`inject_kind::CANCEL`]), else 0 — test only: refused (`PermissionDenied`) unless the kernel command line's `inject=NAME` names the target (`docs/faultinject.md`) |
//!
//! `TaskSpawn`, `TaskKill`, `TakeDeath`, `InitrdRead`, `TaskGrant`,
//! `TaskStart` and `Shutdown` are the supervisor's alone. A task made by
//! `TaskSpawn` does not run until `TaskStart`, so its device grants are in
//! place before its first instruction.

/// A syscall number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Syscall {
    Exit = 0,
    Log = 1,
    Yield = 2,
    Sleep = 3,
    Uptime = 4,
    Call = 10,
    Recv = 11,
    Reply = 12,
    MapAnon = 20,
    Unmap = 21,
    GrantCreate = 22,
    GrantMap = 23,
    GrantRevoke = 24,
    MapDevice = 25,
    IrqAck = 26,
    TaskSelf = 30,
    TaskLookup = 31,
    TaskSpawn = 32,
    TaskKill = 33,
    TakeDeath = 34,
    InitrdRead = 35,
    TaskGrant = 36,
    TaskStart = 37,
    Shutdown = 40,
    PciInfo = 50,
    PciBar = 51,
    PciConfigRead = 52,
    PciConfigWrite = 53,
    PciIrqBind = 54,
    PciIrqAck = 55,
    DmaAlloc = 56,
    DmaFree = 57,
    Protect = 58,
    ReplyRecv = 59,
    KernelStats = 60,
    CallTimeout = 61,
    ConsoleRead = 62,
    ConsoleWrite = 63,
    InjectFault = 64,
    GrantRead = 65,
    GrantWrite = 66,
}

impl Syscall {
    pub const ALL: [Syscall; 41] = [
        Syscall::Exit,
        Syscall::Log,
        Syscall::Yield,
        Syscall::Sleep,
        Syscall::Uptime,
        Syscall::Call,
        Syscall::Recv,
        Syscall::Reply,
        Syscall::MapAnon,
        Syscall::Unmap,
        Syscall::GrantCreate,
        Syscall::GrantMap,
        Syscall::GrantRevoke,
        Syscall::MapDevice,
        Syscall::IrqAck,
        Syscall::TaskSelf,
        Syscall::TaskLookup,
        Syscall::TaskSpawn,
        Syscall::TaskKill,
        Syscall::TakeDeath,
        Syscall::InitrdRead,
        Syscall::TaskGrant,
        Syscall::TaskStart,
        Syscall::Shutdown,
        Syscall::PciInfo,
        Syscall::PciBar,
        Syscall::PciConfigRead,
        Syscall::PciConfigWrite,
        Syscall::PciIrqBind,
        Syscall::PciIrqAck,
        Syscall::DmaAlloc,
        Syscall::DmaFree,
        Syscall::Protect,
        Syscall::ReplyRecv,
        Syscall::KernelStats,
        Syscall::CallTimeout,
        Syscall::ConsoleRead,
        Syscall::ConsoleWrite,
        Syscall::InjectFault,
        Syscall::GrantRead,
        Syscall::GrantWrite,
    ];
}

impl TryFrom<u32> for Syscall {
    type Error = crate::SyscallError;

    fn try_from(n: u32) -> Result<Self, Self::Error> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i] as u32 == n {
                return Ok(Self::ALL[i]);
            }
            i += 1;
        }
        Err(crate::SyscallError::UnknownSyscall)
    }
}

/// Largest single `MapAnon` (it zeroes every page with interrupts off;
/// `userlib::map_anon` splits larger requests).
pub const MAP_ANON_MAX: u64 = 1 << 20;
/// Most mapped pages one `Unmap` call takes down; it returns where it
/// stopped (RSI) and the caller continues from there (`userlib::unmap`).
pub const UNMAP_PAGES_MAX: u64 = 256;

/// Most bytes one `GrantRead` or `GrantWrite` copies: the kernel copies
/// with interrupts off, so each call is bounded (`userlib::grant_read` and
/// `grant_write` split longer copies).
pub const GRANT_COPY_MAX: u64 = 64 << 10;

/// Largest message `Call`/`Reply` copy (bulk data goes through grants).
pub const MESSAGE_MAX: usize = 4096;
/// Largest `ConsoleWrite`.
pub const CONSOLE_WRITE_MAX: usize = 4096;
/// Largest `Log` line.
pub const LOG_MAX: usize = 512;
/// `Recv` timeout meaning "wait until something arrives".
pub const FOREVER: u64 = u64::MAX;
/// Servers a task may have abandoned calls with at once (`CallTimeout`
/// ran out after delivery, and the server has neither replied nor died);
/// a `CallTimeout` that could not record one more is refused with `Busy`.
pub const ABANDONED_MAX: usize = 4;
/// `Recv` result kinds (RDI).
pub const RECV_MESSAGE: u64 = 0;
pub const RECV_NOTIFICATION: u64 = 1;
/// `ReplyRecv`'s RSI on an error when the reply half failed (nothing was
/// received); any other value means the reply went out and the receive
/// failed.
pub const REPLY_FAILED: u64 = 1;

/// Notification bits the kernel raises.
pub mod notify {
    /// A task died; the supervisor fetches the record with `TakeDeath`.
    pub const DEATH: u64 = 1 << 0;
    /// Serial input arrived for the console's holder
    /// ([`super::grant_kind::CONSOLE`]); it takes it with `ConsoleRead`.
    pub const CONSOLE: u64 = 1 << 1;
    /// The granted ISA interrupt line `line` (0..16) fired; the kernel masked
    /// it until the task's `IrqAck`.
    pub const fn irq(line: u8) -> u64 {
        1 << (16 + (line as u64 & 15))
    }
    /// All IRQ bits.
    pub const IRQ_MASK: u64 = 0xffff << 16;
    /// The first notification bit a PCI interrupt may be bound to
    /// (`PciIrqBind`); bits `PCI_FIRST..64` are the task's to assign.
    pub const PCI_FIRST: u8 = 32;
    /// A PCI interrupt bound to notification bit `bit` (32..64).
    pub const fn pci(bit: u8) -> u64 {
        1 << (bit as u64 & 63)
    }
    /// All bits PCI interrupts may use.
    pub const PCI_MASK: u64 = 0xffff_ffff << 32;
}

/// `TaskGrant` kinds: what device resource the supervisor hands a task.
pub mod grant_kind {
    /// I/O ports `a..=b` (through the TSS I/O permission bitmap).
    pub const IO_PORTS: u64 = 0;
    /// Physical MMIO `[a, a + b)`, mappable with `MapDevice`; never RAM.
    pub const MMIO: u64 = 1;
    /// ISA interrupt line `a`, delivered as notification `notify::irq(a)`.
    pub const IRQ: u64 = 2;
    /// The PCI function at address `a` ([`super::pci_bdf`]); one owner per
    /// function. Its memory BARs become MMIO grants (minus the MSI-X table
    /// pages) and its I/O BARs port grants.
    pub const PCI_ADDRESS: u64 = 3;
    /// The `b`-th (from 0) PCI function whose ids are `a` =
    /// `vendor << 16 | device`; otherwise as [`PCI_ADDRESS`].
    pub const PCI_ID: u64 = 4;
    /// A memory quota of `a` bytes (page multiple, at most
    /// [`super::MEMORY_QUOTA_MAX`]) for `MapAnon` and `DmaAlloc` together,
    /// reserved for the task; refused with `OutOfMemory` if it cannot be.
    pub const MEMORY: u64 = 5;
    /// The serial console (`a`, `b` unused): its input goes to the task
    /// (notification [`super::notify::CONSOLE`], `ConsoleRead`) instead of
    /// the kernel's boot console, and it may write raw bytes
    /// (`ConsoleWrite`). One holder at a time (`AlreadyMapped` otherwise);
    /// released when the holder dies.
    pub const CONSOLE: u64 = 6;
}

/// A PCI function's address on segment 0 as the PCI syscalls take it:
/// `bus << 8 | device << 3 | function`.
pub const fn pci_bdf(bus: u8, device: u8, function: u8) -> u16 {
    ((bus as u16) << 8) | (((device & 31) as u16) << 3) | ((function & 7) as u16)
}

/// `PciBar` flags (RDX).
pub mod pci_bar {
    /// An I/O-space BAR (ports `phys..phys + len`); otherwise memory.
    pub const IO: u64 = 1 << 0;
    /// A 64-bit memory BAR (it takes this BAR register and the next).
    pub const MEM64: u64 = 1 << 1;
    pub const PREFETCHABLE: u64 = 1 << 2;
}

/// `InjectFault` kinds: what the kernel corrupts in the target's saved user
/// registers at its first interruption in ring 3 after the delay.
pub mod inject_kind {
    /// One random bit of one random general register other than RSP
    /// (RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8–R15).
    pub const GPR_BIT: u64 = 0;
    /// One random bit (0–46, so the address stays canonical) of RSP.
    pub const RSP_BIT: u64 = 1;
    /// One random bit (0–46) of RIP.
    pub const RIP_BIT: u64 = 2;
    /// No injection: RDI is 1 if one is pending on the target, else 0.
    pub const QUERY: u64 = 0xfe;
    /// Withdraws the target's pending injection; RDI is 1 if there was one.
    pub const CANCEL: u64 = 0xff;
}

/// `PciInfo` scopes (its second argument) and what `ANY` adds to the bdf.
pub mod pci_info {
    /// The caller's own (granted) functions.
    pub const OWN: u64 = 0;
    /// Every function of the machine, owned by anyone or no one: identity
    /// only (the shell's `lspci`); config space and BARs stay the owner's.
    pub const ANY: u64 = 1;
    /// With `ANY`: set in the first result when the function has an owner,
    /// whose raw `TaskId` is then in bits 32..64.
    pub const OWNED: u64 = 1 << 16;
}

/// `PciIrqBind` sources.
pub mod pci_irq {
    /// MSI-X table entry `entry`.
    pub const MSIX: u64 = 0;
    /// MSI (a single message; `entry` must be 0).
    pub const MSI: u64 = 1;
    /// The legacy pin, routed through the root bridge's `_PRT`; level
    /// triggered and masked after each delivery until `PciIrqAck`.
    pub const INTX: u64 = 2;
    /// MSI-X if the function has the capability, else MSI, else INTx.
    pub const AUTO: u64 = 3;
}

/// `DmaAlloc` caching modes.
pub mod dma_cache {
    /// Write-back: for buffers a coherent device reads and writes (x86 DMA
    /// snoops the caches).
    pub const WRITE_BACK: u64 = 0;
    /// Uncached.
    pub const UNCACHED: u64 = 1;
}

/// Largest single `DmaAlloc`.
pub const DMA_MAX: u64 = 4 << 20;

/// Anonymous memory a task may hold — `MapAnon` pages and `DmaAlloc`
/// regions together — unless the supervisor grants another quota
/// ([`grant_kind::MEMORY`]). Quotas are reservations: the kernel refuses a
/// task (or a quota) it could not honour alongside everyone else's.
pub const DEFAULT_MEMORY_QUOTA: u64 = 8 << 20;
/// The largest quota the supervisor may grant one task.
pub const MEMORY_QUOTA_MAX: u64 = 1 << 30;

/// `Protect` modes for the caller's own anonymous pages.
pub mod protect {
    /// Read-write, never executable (what `MapAnon` maps).
    pub const READ_WRITE: u64 = 0;
    /// Read-execute, never writable.
    pub const READ_EXEC: u64 = 1;
    /// Read-only.
    pub const READ_ONLY: u64 = 2;
}

/// The mappable user range of every address space: `[USER_MIN, USER_MAX)`.
///
/// The canonical user half ends at `0x0000_8000_0000_0000`, but its top
/// page is never mappable (anonymous memory, grants, devices, DMA, ELF
/// segments alike): a 2-byte `syscall` in its last bytes would save a return
/// address of `0x0000_8000_0000_0000`, which is not canonical, and returning
/// there with `iretq` faults in ring 0 on real CPUs.
pub const USER_MIN: u64 = 0x1000;
pub const USER_MAX: u64 = 0x0000_7fff_ffff_f000;
/// One past the highest canonical user address: a saved RIP at or above it
/// can never be returned to.
pub const USER_CANONICAL_END: u64 = 0x0000_8000_0000_0000;

/// Where the kernel puts a new task's stack (top, exclusive) and how big it is.
pub const USER_STACK_TOP: u64 = 0x0000_7fff_ff00_0000;
pub const USER_STACK_SIZE: u64 = 256 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_trip_and_unknown_ones_are_refused() {
        for s in Syscall::ALL {
            assert_eq!(Syscall::try_from(s as u32), Ok(s));
        }
        assert_eq!(
            Syscall::try_from(5),
            Err(crate::SyscallError::UnknownSyscall)
        );
        assert_eq!(
            Syscall::try_from(u32::MAX),
            Err(crate::SyscallError::UnknownSyscall)
        );
    }

    #[test]
    fn numbers_are_unique() {
        for (i, a) in Syscall::ALL.iter().enumerate() {
            for b in Syscall::ALL.iter().skip(i + 1) {
                assert_ne!(*a as u32, *b as u32);
            }
        }
    }
}
