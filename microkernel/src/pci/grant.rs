//! PCI function grants: one owner per function; the owner gets the
//! function's memory BARs as MMIO grants — less the pages holding the MSI-X
//! table, which only the kernel programs — and its I/O BARs as port grants.
//!
//! A memory BAR smaller than a page is granted as its whole page only when
//! no other BAR of any function decodes in that page (the firmware placed it
//! alone); otherwise the owner cannot map it, since the page would hand it
//! another device's registers. Its address and size are still reported by
//! `PciBar`. Class 06 functions (host, ISA/LPC and PCI-to-PCI bridges) decode
//! the kernel's own resources — the ECAM window, ACPI's ports, bus numbers —
//! and are never granted.

use super::{Bdf, Function, Owner, REGISTRY};
use crate::task::device::DeviceGrant;
use alloc::string::String;
use alloc::vec::Vec;
use ddk_abi::syscall::grant_kind;
use ddk_abi::{SyscallError, TaskId};
use log::warn;
use microkernel::logic::pci::{self as logic, Bar};

const PAGE: u64 = 4096;

/// Makes `owner` the owner of the function `kind`/`a`/`b` select and
/// returns the MMIO and port grants that come with it (the caller records
/// them and opens the ports).
pub fn claim(
    owner: TaskId,
    name: &str,
    kind: u64,
    a: u64,
    b: u64,
) -> Result<Vec<DeviceGrant>, SyscallError> {
    let mut reg = REGISTRY.lock();
    let index = select(&reg, kind, a, b)?;
    let f = reg.get(index).ok_or(SyscallError::NotFound)?;
    if !logic::grantable_class(f.class) || f.layout.header_type != 0 {
        return Err(SyscallError::InvalidArgument);
    }
    if f.owner.is_some() {
        return Err(SyscallError::AlreadyMapped);
    }
    let grants = resources(&reg, f);
    if let Some(f) = reg.get_mut(index) {
        let o = Owner {
            id: owner,
            name: String::from(name),
        };
        log::info!("pci {}: granted to {o}", Bdf(f.bdf));
        f.owner = Some(o);
    }
    Ok(grants)
}

/// The registry index of the function a grant names.
fn select(reg: &[Function], kind: u64, a: u64, b: u64) -> Result<usize, SyscallError> {
    match kind {
        grant_kind::PCI_ADDRESS => {
            let bdf = u16::try_from(a).map_err(|_| SyscallError::InvalidArgument)?;
            reg.iter()
                .position(|f| f.bdf == bdf)
                .ok_or(SyscallError::NotFound)
        }
        grant_kind::PCI_ID => {
            let ids = u32::try_from(a).map_err(|_| SyscallError::InvalidArgument)?;
            let n = usize::try_from(b).map_err(|_| SyscallError::NotFound)?;
            reg.iter()
                .enumerate()
                .filter(|(_, f)| (u32::from(f.vendor) << 16 | u32::from(f.device)) == ids)
                .nth(n)
                .map(|(i, _)| i)
                .ok_or(SyscallError::NotFound)
        }
        _ => Err(SyscallError::InvalidArgument),
    }
}

/// True when no memory BAR other than `this` (of any function) has a byte
/// in the page holding `this`.
fn alone_in_page(reg: &[Function], this: &Bar) -> bool {
    let page = this.phys & !(PAGE - 1);
    let others = reg.iter().flat_map(|f| f.bars.iter());
    others
        .filter(|b| !b.is_io() && b.len > 0 && b.phys != 0 && *b != this)
        .all(|b| b.phys.saturating_add(b.len) <= page || b.phys >= page.saturating_add(PAGE))
}

/// The MMIO and port grants of a function's BARs.
fn resources(reg: &[Function], f: &Function) -> Vec<DeviceGrant> {
    let mut out = Vec::new();
    for (i, bar) in f.bars.iter().enumerate() {
        if bar.len == 0 || bar.phys == 0 {
            continue;
        }
        if bar.is_io() {
            let last = bar.phys + bar.len - 1;
            match (u16::try_from(bar.phys), u16::try_from(last)) {
                (Ok(first), Ok(last)) => out.push(DeviceGrant::IoPorts { first, last }),
                _ => warn!(
                    "pci {}: BAR{i} ports {:#x} out of range",
                    Bdf(f.bdf),
                    bar.phys
                ),
            }
            continue;
        }
        let table = f
            .msix
            .filter(|t| usize::from(t.bar) == i)
            .map(|t| (t.offset, t.bytes()));
        let sole = bar.len >= PAGE || alone_in_page(reg, bar);
        if !sole {
            warn!(
                "pci {}: BAR{i} ({:#x} bytes) shares its page; not mappable",
                Bdf(f.bdf),
                bar.len
            );
        }
        for (phys, len) in logic::mappable_pieces(bar, table, sole)
            .into_iter()
            .flatten()
        {
            if crate::mem::grantable_mmio(phys, len) {
                out.push(DeviceGrant::Mmio { phys, len });
            } else {
                warn!(
                    "pci {}: BAR{i} piece {phys:#x}+{len:#x} is not device memory",
                    Bdf(f.bdf)
                );
            }
        }
    }
    out
}
