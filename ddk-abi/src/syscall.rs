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
//! | `MapAnon` | addr, len, writable | — |
//! | `Unmap` | addr, len | — |
//! | `GrantCreate` | to task, addr, len, writable | grant id |
//! | `GrantMap` | grant id, addr | len |
//! | `GrantRevoke` | grant id | — |
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
}

impl Syscall {
    pub const ALL: [Syscall; 24] = [
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

/// Largest message `Call`/`Reply` copy (bulk data goes through grants).
pub const MESSAGE_MAX: usize = 4096;
/// Largest `Log` line.
pub const LOG_MAX: usize = 512;
/// `Recv` timeout meaning "wait until something arrives".
pub const FOREVER: u64 = u64::MAX;
/// `Recv` result kinds (RDI).
pub const RECV_MESSAGE: u64 = 0;
pub const RECV_NOTIFICATION: u64 = 1;

/// Notification bits the kernel raises.
pub mod notify {
    /// A task died; the supervisor fetches the record with `TakeDeath`.
    pub const DEATH: u64 = 1 << 0;
    /// The granted ISA interrupt line `line` (0..16) fired; the kernel masked
    /// it until the task's `IrqAck`.
    pub const fn irq(line: u8) -> u64 {
        1 << (16 + (line as u64 & 15))
    }
    /// All IRQ bits.
    pub const IRQ_MASK: u64 = 0xffff << 16;
}

/// `TaskGrant` kinds: what device resource the supervisor hands a task.
pub mod grant_kind {
    /// I/O ports `a..=b` (through the TSS I/O permission bitmap).
    pub const IO_PORTS: u64 = 0;
    /// Physical MMIO `[a, a + b)`, mappable with `MapDevice`; never RAM.
    pub const MMIO: u64 = 1;
    /// ISA interrupt line `a`, delivered as notification `notify::irq(a)`.
    pub const IRQ: u64 = 2;
}

/// The user half of every address space: `[USER_MIN, USER_MAX)`.
pub const USER_MIN: u64 = 0x1000;
pub const USER_MAX: u64 = 0x0000_8000_0000_0000;

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
