//! Plain mirrors of kernel ABI types that travel inside messages. `ipc`
//! depends on no in-tree crate (not even `ddk-abi`), so these are the wire
//! forms; converting from the ABI types is the sender's one-liner.

use serde::{Deserialize, Serialize};

/// A task identity as the kernel hands it out: `index | generation << 16`
/// (the same packing as `ddk_abi::TaskId`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaskIdWire(pub u32);

impl TaskIdWire {
    pub const fn index(self) -> u16 {
        self.0 as u16
    }

    pub const fn generation(self) -> u16 {
        (self.0 >> 16) as u16
    }
}

/// The registers and fault details of a ring-3 exception (the content of
/// `ddk_abi::FaultReport`, minus its padding).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSummary {
    pub vector: u32,
    pub error_code: u64,
    pub rip: u64,
    /// The faulting address (page faults only; 0 otherwise).
    pub cr2: u64,
    pub rsp: u64,
    pub rflags: u64,
    /// RAX, RBX, RCX, RDX, RSI, RDI, RBP, R8..R15.
    pub regs: [u64; 15],
}

/// Why a task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExitCause {
    /// It called `Exit` with this code.
    Exited(i64),
    /// A CPU exception in ring 3 ended it.
    Faulted(FaultSummary),
    /// The supervisor ended it.
    Killed,
}
