//! The PCI syscalls of a function's owner. Every call names a function by
//! its bdf; a task that does not own it gets `PermissionDenied` whatever it
//! asks (whether the function exists or not).

use super::{Function, Owner, REGISTRY, config, irq};
use crate::task::TABLE;
use alloc::string::String;
use ddk_abi::syscall::pci_info;
use ddk_abi::{SyscallError, TaskId};
use log::info;
use microkernel::logic::pci::{self as logic, ConfigError, reg};

/// The calling task's id and name.
fn caller(index: usize) -> Result<Owner, SyscallError> {
    let t = TABLE.lock();
    let task = t.get(index).ok_or(SyscallError::NoSuchTask)?;
    Ok(Owner {
        id: task.id,
        name: String::from(task.name()),
    })
}

/// The registry index of function `bdf` if `me` owns it.
fn owned(reg: &[Function], me: TaskId, bdf: u64) -> Result<usize, SyscallError> {
    let bdf = u16::try_from(bdf).map_err(|_| SyscallError::PermissionDenied)?;
    reg.iter()
        .position(|f| f.bdf == bdf && f.owned_by(me))
        .ok_or(SyscallError::PermissionDenied)
}

/// `PciInfo`: the `n`-th PCI function in `scope` ([`pci_info`]) — the
/// caller's own, or any of the machine's: (bdf, vendor | device << 16,
/// class << 24 | subclass << 16 | prog-if << 8 | revision). For `ANY` the
/// first word also carries the owner (`OWNED`, task id in bits 32..64):
/// identity is not a secret, the functions themselves stay the owner's.
pub fn info(index: usize, n: u64, scope: u64) -> Result<[u64; 3], SyscallError> {
    let me = caller(index)?.id;
    let n = usize::try_from(n).map_err(|_| SyscallError::NotFound)?;
    let reg = REGISTRY.lock();
    let f = match scope {
        pci_info::OWN => reg.iter().filter(|f| f.owned_by(me)).nth(n),
        pci_info::ANY => reg.get(n),
        _ => return Err(SyscallError::InvalidArgument),
    }
    .ok_or(SyscallError::NotFound)?;
    let owner = match (&f.owner, scope) {
        (Some(o), pci_info::ANY) => pci_info::OWNED | u64::from(o.id.0) << 32,
        _ => 0,
    };
    Ok([
        u64::from(f.bdf) | owner,
        u64::from(f.vendor) | u64::from(f.device) << 16,
        u64::from(f.class) << 24
            | u64::from(f.subclass) << 16
            | u64::from(f.prog_if) << 8
            | u64::from(f.revision),
    ])
}

/// `PciBar`: (phys, len, `pci_bar` flags) of BAR `bar` of an owned function.
/// The upper register of a 64-bit BAR, and an unimplemented BAR, have
/// length 0.
pub fn bar(index: usize, bdf: u64, bar: u64) -> Result<[u64; 3], SyscallError> {
    let me = caller(index)?.id;
    let reg = REGISTRY.lock();
    let f = reg
        .get(owned(&reg, me, bdf)?)
        .ok_or(SyscallError::NotFound)?;
    let b = usize::try_from(bar)
        .ok()
        .and_then(|i| f.bars.get(i))
        .ok_or(SyscallError::InvalidArgument)?;
    Ok([b.phys, b.len, b.flags])
}

/// `PciConfigRead`: any naturally aligned 1, 2 or 4 bytes below 4096.
pub fn config_read(index: usize, bdf: u64, offset: u64, width: u64) -> Result<u64, SyscallError> {
    let me = caller(index)?.id;
    let reg = REGISTRY.lock();
    let f = reg
        .get(owned(&reg, me, bdf)?)
        .ok_or(SyscallError::NotFound)?;
    let (offset, width) =
        logic::check_access(offset, width).map_err(|_| SyscallError::InvalidArgument)?;
    Ok(u64::from(config::read(f.bdf, offset, width)))
}

/// `PciConfigWrite`, filtered (`logic::pci::check_write`): BARs, the
/// expansion ROM BAR, the MSI and MSI-X capabilities, BAR-resizing
/// extended capabilities and command bits other than I/O, memory and bus
/// master are refused with `PermissionDenied`, and nothing is written.
pub fn config_write(
    index: usize,
    bdf: u64,
    offset: u64,
    width: u64,
    value: u64,
) -> Result<(), SyscallError> {
    let me = caller(index)?;
    let reg = REGISTRY.lock();
    let f = reg
        .get(owned(&reg, me.id, bdf)?)
        .ok_or(SyscallError::NotFound)?;
    let value = u32::try_from(value).map_err(|_| SyscallError::InvalidArgument)?;
    let command_now = config::read16(f.bdf, reg::COMMAND);
    match logic::check_write(&f.layout, offset, width, value, command_now) {
        Ok(()) => {
            config::write(f.bdf, offset as u16, width as u8, value);
            Ok(())
        }
        Err(ConfigError::BadAccess) => Err(SyscallError::InvalidArgument),
        Err(why) => {
            info!(
                "pci {}: config write {offset:#x}/{width} by {me} refused ({why:?})",
                super::Bdf(f.bdf)
            );
            Err(SyscallError::PermissionDenied)
        }
    }
}

/// `PciIrqBind`: returns the source used (`pci_irq`).
pub fn irq_bind(
    index: usize,
    bdf: u64,
    source: u64,
    entry: u64,
    bit: u64,
) -> Result<u64, SyscallError> {
    let me = caller(index)?;
    let mut reg = REGISTRY.lock();
    let i = owned(&reg, me.id, bdf)?;
    irq::bind(&mut reg, i, &me, source, entry, bit)
}

/// `PciIrqAck`: the owner serviced its INTx; the line is unmasked once every
/// owner notified on it has acked. Harmless on an MSI or MSI-X binding.
pub fn irq_ack(index: usize, bdf: u64) -> Result<(), SyscallError> {
    let me = caller(index)?.id;
    let mut reg = REGISTRY.lock();
    let i = owned(&reg, me, bdf)?;
    irq::ack(&mut reg, i)
}
