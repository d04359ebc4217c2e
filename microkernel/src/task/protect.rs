//! `Protect`: the caller's own anonymous pages between read-write and
//! read-execute, never both (JIT code pages).
//!
//! Skeleton: filled in by the devices work.

use ddk_abi::SyscallError;

/// `Protect`.
pub fn protect(_index: usize, _addr: u64, _len: u64, _mode: u64) -> Result<(), SyscallError> {
    Err(SyscallError::UnknownSyscall)
}
