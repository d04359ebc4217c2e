//! PCI interrupts: MSI-X, MSI and INTx, each delivered as a notification
//! bit (32..64) to the function's owner.
//!
//! Vectors come from `0x40..0xf0` (the timer has 0x20, ISA lines 0x30..0x40).
//! MSI and MSI-X messages go to the boot CPU's local APIC, fixed delivery,
//! edge triggered, one vector per message; only the kernel writes the
//! capability and the MSI-X table (the owner cannot map the table's pages,
//! and config writes to the capabilities are refused), so a driver cannot
//! aim a message at another vector or at memory.
//!
//! INTx is level triggered and may be shared: one vector per GSI; when it
//! fires the kernel masks the GSI, notifies the owner of every function
//! bound to it, and unmasks only when every notified owner has acked.

use super::{Bdf, Function, Owner, REGISTRY, config};
use crate::apic;
use crate::arch::trap::{TrapFrame, set_irq_handler};
use crate::task::TABLE;
use alloc::vec::Vec;
use ddk_abi::syscall::{notify, pci_irq};
use ddk_abi::{SyscallError, TaskId};
use log::{info, warn};
use microkernel::logic::pci::{self as logic, command, msi, msix, reg};
use spin::Mutex;

/// Where a binding's interrupt comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    Msix { entry: u16 },
    Msi,
    Intx { gsi: u32 },
}

/// One bound interrupt of a function.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub source: Source,
    pub vector: u8,
    /// The owner's notification bit (32..64).
    pub bit: u8,
    /// INTx: delivered, and the owner has not yet acked.
    pub awaiting_ack: bool,
}

const FIRST_VECTOR: u8 = 0x40;
const END_VECTOR: u8 = 0xf0;

/// What a vector of the PCI range is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum VectorUse {
    /// An MSI or MSI-X message of this function.
    Message { bdf: u16 },
    /// A (possibly shared) INTx line.
    Gsi(u32),
}

static VECTORS: Mutex<[Option<VectorUse>; 256]> = Mutex::new([None; 256]);

fn alloc_vector(u: VectorUse) -> Result<u8, SyscallError> {
    let mut v = VECTORS.lock();
    for n in FIRST_VECTOR..END_VECTOR {
        if let Some(slot) = v.get_mut(usize::from(n))
            && slot.is_none()
        {
            *slot = Some(u);
            set_irq_handler(n, on_pci_irq);
            return Ok(n);
        }
    }
    Err(SyscallError::OutOfMemory)
}

fn free_vector(n: u8) {
    if let Some(slot) = VECTORS.lock().get_mut(usize::from(n)) {
        *slot = None;
    }
}

fn gsi_vector(gsi: u32) -> Option<u8> {
    let v = VECTORS.lock();
    (FIRST_VECTOR..END_VECTOR).find(|n| v.get(usize::from(*n)) == Some(&Some(VectorUse::Gsi(gsi))))
}

/// The MSI address of the boot CPU: fixed destination, physical mode.
fn msi_address() -> u32 {
    0xfee0_0000 | (u32::from(apic::local_apic_id()) << 12)
}

/// Most owners one delivery notifies (sharers of an INTx line).
const MAX_SHARERS: usize = 16;

fn on_pci_irq(frame: &mut TrapFrame) {
    let vector = frame.vector as u8;
    let Some(u) = VECTORS.lock().get(usize::from(vector)).copied().flatten() else {
        return;
    };
    let mut hits: [Option<(TaskId, u8)>; MAX_SHARERS] = [None; MAX_SHARERS];
    let mut n = 0;
    {
        let mut reg = REGISTRY.lock();
        if let VectorUse::Gsi(gsi) = u {
            apic::set_gsi_masked(gsi, true);
        }
        for f in reg.iter_mut() {
            let Some(owner) = f.owner.as_ref().map(|o| o.id) else {
                continue;
            };
            for b in f.irqs.iter_mut() {
                let mine = match (u, b.source) {
                    (VectorUse::Message { bdf }, Source::Msi | Source::Msix { .. }) => {
                        bdf == f.bdf && b.vector == vector
                    }
                    (VectorUse::Gsi(g), Source::Intx { gsi }) => g == gsi,
                    _ => false,
                };
                if mine && let Some(slot) = hits.get_mut(n) {
                    *slot = Some((owner, b.bit));
                    n += 1;
                    b.awaiting_ack = matches!(b.source, Source::Intx { .. });
                }
            }
        }
    }
    let mut t = TABLE.lock();
    for (id, bit) in hits.iter().flatten() {
        if let Ok(i) = t.resolve(*id) {
            crate::task::ipc::notify_locked(&mut t, i, notify::pci(*bit));
        }
    }
}

/// The (root bus, device, pin) an INTx pin arrives at after the swizzle
/// of every bridge between the function and the root bus.
fn root_pin(reg: &[Function], f: &Function) -> Option<(u8, u8, u8)> {
    let mut pin = f.pin;
    if !(1..=4).contains(&pin) {
        return None;
    }
    let (mut bus, mut dev, _) = logic::bdf_parts(f.bdf);
    let mut parent = f.parent;
    for _ in 0..32 {
        let Some(p) = parent else {
            return Some((bus, dev, pin));
        };
        pin = microkernel::logic::prt::swizzle(dev, pin)?;
        (bus, dev, _) = logic::bdf_parts(p);
        parent = reg.iter().find(|x| x.bdf == p)?.parent;
    }
    None
}

/// `PciIrqBind` on function `index` of the registry, which `owner` owns.
pub fn bind(
    reg: &mut [Function],
    index: usize,
    owner: &Owner,
    source: u64,
    entry: u64,
    bit: u64,
) -> Result<u64, SyscallError> {
    let bit = u8::try_from(bit)
        .ok()
        .filter(|b| (notify::PCI_FIRST..64).contains(b))
        .ok_or(SyscallError::InvalidArgument)?;
    let entry = u16::try_from(entry).map_err(|_| SyscallError::InvalidArgument)?;
    let f = reg.get(index).ok_or(SyscallError::NotFound)?;
    let source = match source {
        pci_irq::AUTO if f.msix.is_some() => pci_irq::MSIX,
        pci_irq::AUTO if f.layout.msi.is_some() => pci_irq::MSI,
        pci_irq::AUTO => pci_irq::INTX,
        s => s,
    };
    let root = root_pin(reg, f);
    let f = reg.get_mut(index).ok_or(SyscallError::NotFound)?;
    let kind_clash = |f: &Function, same: fn(&Source) -> bool| {
        if f.irqs.iter().any(|b| !same(&b.source)) {
            Err(SyscallError::InvalidArgument)
        } else {
            Ok(())
        }
    };
    match source {
        pci_irq::MSIX => {
            kind_clash(f, |s| matches!(s, Source::Msix { .. }))?;
            bind_msix(f, owner, entry, bit)?;
        }
        pci_irq::MSI => {
            kind_clash(f, |s| *s == Source::Msi)?;
            if entry != 0 {
                return Err(SyscallError::InvalidArgument);
            }
            bind_msi(f, owner, bit)?;
        }
        pci_irq::INTX => {
            kind_clash(f, |s| matches!(s, Source::Intx { .. }))?;
            let gsi = bind_intx(f, owner, root, bit)?;
            settle_lines(reg, &[gsi]);
        }
        _ => return Err(SyscallError::InvalidArgument),
    }
    Ok(source)
}

fn set_command(f: &Function, set: u16, clear: u16) {
    let cmd = config::read16(f.bdf, reg::COMMAND);
    config::write16(f.bdf, reg::COMMAND, (cmd | set) & !clear);
}

/// Most MSI-X entries one function may have bound: as many as there are
/// notification bits for them, so one driver cannot take every vector.
const MAX_BOUND_ENTRIES: usize = 32;

fn bind_msix(f: &mut Function, owner: &Owner, entry: u16, bit: u8) -> Result<(), SyscallError> {
    let table = f.msix.ok_or(SyscallError::InvalidArgument)?;
    let cap = f.layout.msix.ok_or(SyscallError::InvalidArgument)?;
    if entry >= table.entries {
        return Err(SyscallError::InvalidArgument);
    }
    if f.irqs.iter().any(|b| b.source == Source::Msix { entry }) {
        return Err(SyscallError::AlreadyMapped);
    }
    if f.irqs.len() >= MAX_BOUND_ENTRIES {
        return Err(SyscallError::OutOfMemory);
    }
    let va = match f.msix_va {
        Some(va) => va,
        None => {
            let bar = f
                .bars
                .get(usize::from(table.bar))
                .copied()
                .filter(|b| !b.is_io() && b.phys != 0)
                .filter(|b| table.offset.saturating_add(table.bytes()) <= b.len)
                .ok_or(SyscallError::InvalidArgument)?;
            let va = crate::mem::paging::map_mmio(bar.phys + table.offset, table.bytes())
                .map_err(|_| SyscallError::OutOfMemory)?
                .as_u64();
            f.msix_va = Some(va);
            va
        }
    };
    let vector = alloc_vector(VectorUse::Message { bdf: f.bdf })?;
    // The table decodes only with memory space on.
    set_command(f, command::MEMORY | command::INTX_DISABLE, 0);
    let e = (va + u64::from(entry) * msix::ENTRY) as *mut u32;
    // SAFETY: `e` is entry `entry` (< the table size) of the function's
    // MSI-X table, mapped uncached above; the four dwords are address low,
    // address high, data and vector control.
    let (addr, data, ctl) = unsafe {
        e.write_volatile(msi_address());
        e.add(1).write_volatile(0);
        e.add(2).write_volatile(u32::from(vector));
        e.add(3).write_volatile(0);
        (
            e.read_volatile(),
            e.add(2).read_volatile(),
            e.add(3).read_volatile(),
        )
    };
    let control = config::read16(f.bdf, cap + 2);
    config::write16(
        f.bdf,
        cap + 2,
        (control | msix::ENABLE) & !msix::FUNCTION_MASK,
    );
    f.irqs.push(Binding {
        source: Source::Msix { entry },
        vector,
        bit,
        awaiting_ack: false,
    });
    info!(
        "pci {}: MSI-X entry {entry} -> vector {vector:#x}, bit {bit} of {owner} (table: addr {addr:#x} data {data:#x} {})",
        Bdf(f.bdf),
        if ctl & msix::ENTRY_MASKED == 0 {
            "unmasked"
        } else {
            "MASKED"
        }
    );
    Ok(())
}

fn bind_msi(f: &mut Function, owner: &Owner, bit: u8) -> Result<(), SyscallError> {
    let (cap, _) = f.layout.msi.ok_or(SyscallError::InvalidArgument)?;
    if !f.irqs.is_empty() {
        return Err(SyscallError::AlreadyMapped);
    }
    let vector = alloc_vector(VectorUse::Message { bdf: f.bdf })?;
    let control = config::read16(f.bdf, cap + 2);
    let is64 = control & msi::ADDR64 != 0;
    config::write32(f.bdf, cap + 4, msi_address());
    let (data_at, mask_at) = if is64 {
        config::write32(f.bdf, cap + 8, 0);
        (cap + 0x0c, cap + 0x10)
    } else {
        (cap + 0x08, cap + 0x0c)
    };
    config::write16(f.bdf, data_at, u16::from(vector));
    if control & msi::PER_VECTOR_MASK != 0 {
        let m = config::read32(f.bdf, mask_at);
        config::write32(f.bdf, mask_at, m & !1);
    }
    config::write16(f.bdf, cap + 2, (control & !msi::MME_MASK) | msi::ENABLE);
    set_command(f, command::INTX_DISABLE, 0);
    f.irqs.push(Binding {
        source: Source::Msi,
        vector,
        bit,
        awaiting_ack: false,
    });
    info!(
        "pci {}: MSI -> vector {vector:#x}, bit {bit} of {owner}",
        Bdf(f.bdf)
    );
    Ok(())
}

fn bind_intx(
    f: &mut Function,
    owner: &Owner,
    root: Option<(u8, u8, u8)>,
    bit: u8,
) -> Result<u32, SyscallError> {
    if !f.irqs.is_empty() {
        return Err(SyscallError::AlreadyMapped);
    }
    let (bus, dev, pin) = root.ok_or(SyscallError::InvalidArgument)?;
    let route = crate::acpi::intx_route(bus, dev, pin).map_err(|e| {
        warn!("pci {}: INTx not routable: {e:?}", Bdf(f.bdf));
        SyscallError::NotFound
    })?;
    let gsi = route.gsi;
    let vector = match gsi_vector(gsi) {
        Some(v) => v,
        None => {
            let v = alloc_vector(VectorUse::Gsi(gsi))?;
            if let Err(e) = apic::route_gsi(gsi, v, route.level_triggered, route.active_low) {
                warn!("pci {}: GSI {gsi} not routable: {e:?}", Bdf(f.bdf));
                free_vector(v);
                return Err(SyscallError::NotFound);
            }
            v
        }
    };
    set_command(f, 0, command::INTX_DISABLE);
    f.irqs.push(Binding {
        source: Source::Intx { gsi },
        vector,
        bit,
        awaiting_ack: false,
    });
    info!(
        "pci {}: INTx pin {} -> GSI {gsi} ({}, {}) vector {vector:#x}, bit {bit} of {owner}",
        Bdf(f.bdf),
        f.pin,
        if route.level_triggered {
            "level"
        } else {
            "edge"
        },
        if route.active_low { "low" } else { "high" },
    );
    Ok(gsi)
}

/// `PciIrqAck`: an INTx owner has serviced its device.
pub fn ack(reg: &mut [Function], index: usize) -> Result<(), SyscallError> {
    let f = reg.get_mut(index).ok_or(SyscallError::NotFound)?;
    if f.irqs.is_empty() {
        return Err(SyscallError::InvalidArgument);
    }
    let mut gsis = Vec::new();
    for b in f.irqs.iter_mut() {
        if let Source::Intx { gsi } = b.source {
            b.awaiting_ack = false;
            gsis.push(gsi);
        }
    }
    settle_lines(reg, &gsis);
    Ok(())
}

/// Unbinds every interrupt of a function whose owner is gone: MSI-X
/// entries masked and MSI-X off, MSI off, INTx disabled at the function,
/// vectors freed. Returns the INTx lines to settle.
pub fn release(f: &mut Function) -> Vec<u32> {
    let mut gsis = Vec::new();
    for b in core::mem::take(&mut f.irqs) {
        match b.source {
            Source::Msix { entry } => {
                if let Some(va) = f.msix_va {
                    let ctl = (va + u64::from(entry) * msix::ENTRY + 12) as *mut u32;
                    // SAFETY: the vector-control dword of an entry bound
                    // earlier, inside the table mapped at bind time.
                    unsafe { ctl.write_volatile(msix::ENTRY_MASKED) };
                }
                free_vector(b.vector);
            }
            Source::Msi => free_vector(b.vector),
            Source::Intx { gsi } => gsis.push(gsi),
        }
    }
    if let Some(cap) = f.layout.msix {
        let c = config::read16(f.bdf, cap + 2);
        config::write16(f.bdf, cap + 2, (c & !msix::ENABLE) | msix::FUNCTION_MASK);
    }
    if let Some((cap, _)) = f.layout.msi {
        let c = config::read16(f.bdf, cap + 2);
        config::write16(f.bdf, cap + 2, c & !msi::ENABLE);
    }
    set_command(f, command::INTX_DISABLE, 0);
    gsis
}

/// After a binding changed on INTx lines `gsis`: a line nobody is bound to
/// any more is masked and its vector freed; a line whose every notified
/// owner has acked is unmasked.
pub fn settle_lines(reg: &mut [Function], gsis: &[u32]) {
    for &gsi in gsis {
        let on_line = || {
            reg.iter()
                .filter(|f| f.owner.is_some())
                .flat_map(|f| f.irqs.iter())
                .filter(move |b| b.source == Source::Intx { gsi })
        };
        if on_line().next().is_none() {
            apic::set_gsi_masked(gsi, true);
            if let Some(v) = gsi_vector(gsi) {
                free_vector(v);
            }
        } else if !on_line().any(|b| b.awaiting_ack) {
            apic::set_gsi_masked(gsi, false);
        }
    }
}
