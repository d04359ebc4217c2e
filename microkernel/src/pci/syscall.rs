//! The PCI syscalls of a function's owner.

use ddk_abi::SyscallError;

/// `PciInfo`: the caller's `n`-th PCI function: (bdf, vendor | device << 16,
/// class << 24 | subclass << 16 | prog-if << 8 | revision).
pub fn info(_index: usize, _n: u64) -> Result<[u64; 3], SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `PciBar`: (phys, len, `pci_bar` flags) of BAR `bar` of an owned function.
pub fn bar(_index: usize, _bdf: u64, _bar: u64) -> Result<[u64; 3], SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `PciConfigRead`.
pub fn config_read(
    _index: usize,
    _bdf: u64,
    _offset: u64,
    _width: u64,
) -> Result<u64, SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `PciConfigWrite`, filtered.
pub fn config_write(
    _index: usize,
    _bdf: u64,
    _offset: u64,
    _width: u64,
    _value: u64,
) -> Result<(), SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `PciIrqBind`: returns the source used (`pci_irq`).
pub fn irq_bind(
    _index: usize,
    _bdf: u64,
    _source: u64,
    _entry: u64,
    _bit: u64,
) -> Result<u64, SyscallError> {
    Err(SyscallError::UnknownSyscall)
}

/// `PciIrqAck`.
pub fn irq_ack(_index: usize, _bdf: u64) -> Result<(), SyscallError> {
    Err(SyscallError::UnknownSyscall)
}
