//! What a dead task leaves behind: the fault report (for a CPU exception in
//! ring 3) inside a death record the supervisor collects with `TakeDeath`.

use crate::task::{NAME_MAX, TaskId};

/// Registers and fault details at the moment a ring-3 exception killed a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct FaultReport {
    pub vector: u32,
    pub _pad: u32,
    pub error_code: u64,
    pub rip: u64,
    /// The faulting address (page faults only; 0 otherwise).
    pub cr2: u64,
    pub rsp: u64,
    pub rflags: u64,
    /// RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8..R15.
    pub regs: [u64; 15],
}
const _: () = assert!(core::mem::size_of::<FaultReport>() == 168);

impl FaultReport {
    pub const REG_NAMES: [&'static str; 15] = [
        "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8", "R9", "R10", "R11", "R12", "R13",
        "R14", "R15",
    ];

    pub const fn empty() -> Self {
        FaultReport {
            vector: 0,
            _pad: 0,
            error_code: 0,
            rip: 0,
            cr2: 0,
            rsp: 0,
            rflags: 0,
            regs: [0; 15],
        }
    }
}

/// Why a task died.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum DeathCause {
    /// It called `Exit` (code in [`DeathRecord::exit_code`]).
    Exited = 0,
    /// A CPU exception in ring 3 (details in [`DeathRecord::fault`]).
    Faulted = 1,
    /// The supervisor ended it with `TaskKill`.
    Killed = 2,
}

impl TryFrom<u32> for DeathCause {
    type Error = u32;
    fn try_from(v: u32) -> Result<Self, u32> {
        match v {
            0 => Ok(DeathCause::Exited),
            1 => Ok(DeathCause::Faulted),
            2 => Ok(DeathCause::Killed),
            other => Err(other),
        }
    }
}

/// One death, as the kernel writes it into the supervisor's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct DeathRecord {
    pub task: TaskId,
    /// A [`DeathCause`] as u32.
    pub cause: u32,
    pub exit_code: i64,
    /// Microseconds since boot at the death.
    pub uptime_us: u64,
    pub name: [u8; NAME_MAX],
    pub fault: FaultReport,
}
const _: () = assert!(core::mem::size_of::<DeathRecord>() == 208);

impl DeathRecord {
    pub fn name(&self) -> &str {
        let len = self.name.iter().position(|&b| b == 0).unwrap_or(NAME_MAX);
        core::str::from_utf8(self.name.get(..len).unwrap_or(&[])).unwrap_or("?")
    }

    pub fn cause(&self) -> Result<DeathCause, u32> {
        DeathCause::try_from(self.cause)
    }
}
