//! Executable memory behind a trait, so the JIT core stays `no_std`: the
//! host implementation is `mmap`/`mprotect` ([`crate::host`]), the driver
//! host's is `MapAnon` + `Protect` (`driverhost/src/codemem.rs`).
//!
//! The contract is W^X: the JIT hands over finished bytes; the implementation
//! writes them into writable memory and then makes that memory executable
//! and read-only. Emitted code is never written again (lazy compilation goes
//! through indirection cells, not code patching).

/// Why executable memory could not be provided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeMemoryError {
    /// The system refused to map more memory.
    OutOfMemory,
    /// The system refused to change protections.
    Protect,
}

/// A provider of executable memory.
pub trait CodeMemory {
    /// Copy `code` into fresh memory, make it executable (and no longer
    /// writable), and return its address.
    fn install(&mut self, code: &[u8]) -> Result<*const u8, CodeMemoryError>;
}
