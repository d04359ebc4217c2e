//! Device grants: the I/O ports, MMIO ranges and interrupt lines the
//! supervisor hands a task (the driver host, in the end).
//!
//! Ports go through the TSS I/O permission bitmap, which the scheduler loads
//! for the running task; MMIO ranges are mapped uncached by the task itself
//! with `MapDevice`, only inside what it was granted and never over RAM;
//! an ISA interrupt line becomes a notification bit — the kernel masks the
//! line when it fires and the task unmasks it with `IrqAck` once it has
//! serviced the device. What the kernel itself drives (its serial port, the
//! PIC and PIT, PCI configuration ports, ACPI fixed hardware, the local and
//! I/O APICs) can never be granted.

use super::{TABLE, Table};
use crate::apic;
use crate::arch::gdt::IOMAP_BYTES;
use crate::arch::trap::{TrapFrame, set_irq_handler};
use alloc::boxed::Box;
use ddk_abi::syscall::{grant_kind, notify};
use ddk_abi::{SyscallError, TaskId};
use spin::{Mutex, Once};
use x86_64::structures::paging::PageTableFlags as F;

/// One device resource a task holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceGrant {
    IoPorts { first: u16, last: u16 },
    Mmio { phys: u64, len: u64 },
    Irq(u8),
}

/// Ports the kernel drives itself.
const KERNEL_PORTS: [(u16, u16); 9] = [
    (0x20, 0x21),   // master PIC
    (0xa0, 0xa1),   // slave PIC
    (0x40, 0x43),   // PIT
    (0x61, 0x61),   // PIT gate / speaker
    (0x64, 0x64),   // keyboard controller command: pulse reset (0xfe)
    (0x92, 0x92),   // system control port A: fast reset and A20
    (0x3f8, 0x3ff), // COM1: the kernel log and console
    (0xcf8, 0xcff), // legacy PCI configuration (ACPI's AML uses it; 0xcf9 resets)
    (0xf4, 0xf4),   // QEMU isa-debug-exit
];

/// Largest single `MapDevice` (a large BAR is mapped in pieces): 4,096
/// page-table entries with interrupts off.
const MAP_DEVICE_MAX: u64 = 16 << 20;

/// Largest MMIO grant the kernel accepts.
const MMIO_GRANT_MAX: u64 = 4 << 30;

/// ISA lines the kernel keeps: the PIT (0), the cascade (2), COM1 (4).
const KERNEL_IRQS: [u8; 3] = [0, 2, 4];

/// ACPI's ports and SCI line, recorded at boot.
static ACPI: Once<(alloc::vec::Vec<(u16, u16)>, u8)> = Once::new();

/// Which task owns each ISA interrupt line.
static IRQ_OWNER: Mutex<[Option<TaskId>; 16]> = Mutex::new([None; 16]);

pub fn init(platform: &crate::acpi::Platform) {
    ACPI.call_once(|| (platform.acpi_ports.clone(), platform.sci));
}

fn kernel_port(first: u16, last: u16) -> bool {
    let overlaps = |&(s, e): &(u16, u16)| first <= e && s <= last;
    KERNEL_PORTS.iter().any(overlaps) || ACPI.get().is_some_and(|(p, _)| p.iter().any(overlaps))
}

fn kernel_irq(line: u8) -> bool {
    KERNEL_IRQS.contains(&line) || ACPI.get().is_some_and(|(_, sci)| *sci == line)
}

/// A device-line interrupt: mask the line, tell its owner.
fn on_user_irq(frame: &mut TrapFrame) {
    let line = (frame.vector as u8).wrapping_sub(apic::ISA_VECTOR_BASE) & 15;
    apic::set_isa_masked(line, true);
    let owner = IRQ_OWNER.lock().get(usize::from(line)).copied().flatten();
    if let Some(owner) = owner {
        let mut t = TABLE.lock();
        if let Ok(i) = t.resolve(owner) {
            super::ipc::notify_locked(&mut t, i, notify::irq(line));
        }
    }
}

/// `TaskGrant` (supervisor): gives task `target` a device resource.
pub fn grant(target: TaskId, kind: u64, a: u64, b: u64) -> Result<(), SyscallError> {
    let mut t = TABLE.lock();
    let i = t.resolve(target).map_err(|(e, _)| e)?;
    let task = t.get_mut(i).ok_or(SyscallError::NoSuchTask)?;
    let g = match kind {
        grant_kind::IO_PORTS => {
            let (first, last) = (u16::try_from(a), u16::try_from(b));
            let (Ok(first), Ok(last)) = (first, last) else {
                return Err(SyscallError::InvalidArgument);
            };
            if first > last || kernel_port(first, last) {
                return Err(SyscallError::InvalidArgument);
            }
            open_ports(task, first, last);
            DeviceGrant::IoPorts { first, last }
        }
        grant_kind::PCI_ADDRESS | grant_kind::PCI_ID => {
            let name = alloc::string::String::from(task.name());
            for g in crate::pci::grant::claim(task.id, &name, kind, a, b)? {
                if let DeviceGrant::IoPorts { first, last } = g {
                    if kernel_port(first, last) {
                        log::warn!("task {name}: PCI ports {first:#x}-{last:#x} are the kernel's");
                        continue;
                    }
                    open_ports(task, first, last);
                }
                log::info!(
                    "task {name}[{}.{}] granted {g:x?}",
                    task.id.index(),
                    task.id.generation()
                );
                task.devices.push(g);
            }
            return Ok(());
        }
        grant_kind::MMIO => {
            if b > MMIO_GRANT_MAX || !crate::mem::grantable_mmio(a, b) {
                return Err(SyscallError::InvalidArgument);
            }
            DeviceGrant::Mmio { phys: a, len: b }
        }
        grant_kind::IRQ => {
            let line = u8::try_from(a)
                .ok()
                .filter(|l| *l < 16)
                .ok_or(SyscallError::InvalidArgument)?;
            if kernel_irq(line) {
                return Err(SyscallError::InvalidArgument);
            }
            let mut owners = IRQ_OWNER.lock();
            let slot = owners
                .get_mut(usize::from(line))
                .ok_or(SyscallError::InvalidArgument)?;
            if slot.is_some() {
                return Err(SyscallError::AlreadyMapped);
            }
            // Route first: a line that cannot be routed is refused with no
            // owner recorded (interrupts are off, so it cannot fire before
            // the owner is set; if it fires ownerless later it is masked).
            set_irq_handler(apic::ISA_VECTOR_BASE + line, on_user_irq);
            apic::route_isa_irq(line).map_err(|_| SyscallError::InvalidArgument)?;
            *slot = Some(task.id);
            DeviceGrant::Irq(line)
        }
        _ => return Err(SyscallError::InvalidArgument),
    };
    log::info!(
        "task {}[{}.{}] granted {g:x?}",
        task.name(),
        task.id.index(),
        task.id.generation()
    );
    task.devices.push(g);
    Ok(())
}

/// Opens ports `first..=last` in the task's I/O permission bitmap.
fn open_ports(task: &mut super::Task, first: u16, last: u16) {
    let map = task
        .io_bitmap
        .get_or_insert_with(|| Box::new([0xff; IOMAP_BYTES]));
    for port in first..=last {
        if let Some(byte) = map.get_mut(usize::from(port / 8)) {
            *byte &= !(1 << (port % 8));
        }
    }
}

/// `MapDevice`: maps granted MMIO `[phys, phys + len)` uncached at `addr`.
pub fn map_device(index: usize, phys: u64, len: u64, addr: u64) -> Result<(), SyscallError> {
    let mut t = TABLE.lock();
    let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
    let end = phys.checked_add(len).ok_or(SyscallError::BadLength)?;
    let covered = task.devices.iter().any(|g| match *g {
        DeviceGrant::Mmio { phys: p, len: l } => phys >= p && end <= p + l,
        _ => false,
    });
    if !covered {
        return Err(SyscallError::PermissionDenied);
    }
    if !phys.is_multiple_of(4096) || !len.is_multiple_of(4096) || len == 0 {
        return Err(SyscallError::BadAddress);
    }
    if len > MAP_DEVICE_MAX {
        return Err(SyscallError::BadLength);
    }
    let frames: alloc::vec::Vec<_> = (0..len / 4096)
        .map(|k| x86_64::PhysAddr::new_truncate(phys + k * 4096))
        .collect();
    task.space.map_frames(
        addr,
        &frames,
        F::WRITABLE | F::NO_CACHE | F::WRITE_THROUGH,
        true,
    )
}

/// `IrqAck`: unmasks a line the caller owns.
pub fn irq_ack(index: usize, line: u64) -> Result<(), SyscallError> {
    let t = TABLE.lock();
    let me = t.get(index).ok_or(SyscallError::NoSuchTask)?.id;
    let line = u8::try_from(line)
        .ok()
        .filter(|l| *l < 16)
        .ok_or(SyscallError::InvalidArgument)?;
    if IRQ_OWNER.lock().get(usize::from(line)).copied().flatten() != Some(me) {
        return Err(SyscallError::PermissionDenied);
    }
    apic::set_isa_masked(line, false);
    Ok(())
}

/// A task died: its interrupt lines are masked and freed.
pub fn forget_task(_t: &mut Table, dead: TaskId) {
    let mut owners = IRQ_OWNER.lock();
    for (line, owner) in owners.iter_mut().enumerate() {
        if *owner == Some(dead) {
            *owner = None;
            apic::set_isa_masked(line as u8, true);
        }
    }
}
