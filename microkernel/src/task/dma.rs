//! DMA memory: physically contiguous, zeroed frames mapped into a task that
//! holds a PCI function, freed only after bus mastering is off.
//!
//! Skeleton: filled in by the devices work.

use ddk_abi::SyscallError;

/// `DmaAlloc`: returns the physical address.
pub fn alloc(_index: usize, _len: u64, _addr: u64, _cache: u64) -> Result<u64, SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `DmaFree`.
pub fn free(_index: usize, _addr: u64) -> Result<(), SyscallError> {
    Err(SyscallError::UnknownSyscall)
}
