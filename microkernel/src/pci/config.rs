//! Configuration space through ECAM (the MCFG's memory-mapped window).
//!
//! Each bus's 1 MiB is mapped uncached through the kernel's MMIO window the
//! first time it is touched — never through the cached physical window:
//! configuration registers have side effects and must not be cached or
//! combined. Only segment 0 is used; the PCI syscalls name functions by
//! `bus << 8 | device << 3 | function`. The window is reserved as not device
//! memory, so no task can be granted it as MMIO.

use crate::acpi::EcamWindow;
use crate::mem::paging::map_mmio;
use spin::Mutex;

/// Bytes of configuration space per bus.
const BUS_BYTES: u64 = 1 << 20;

struct Ecam {
    window: EcamWindow,
    /// The kernel virtual address of each bus's mapping, once made.
    buses: [Option<u64>; 256],
}

static ECAM: Mutex<Option<Ecam>> = Mutex::new(None);

/// Why configuration space is unavailable.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum EcamError {
    /// The MCFG names no window for segment 0.
    NoWindow,
}

/// Takes the segment-0 window of the MCFG and reserves it.
pub fn init(windows: &[EcamWindow]) -> Result<(u8, u8), EcamError> {
    let w = windows
        .iter()
        .find(|w| w.segment == 0)
        .copied()
        .ok_or(EcamError::NoWindow)?;
    let first = u64::from(w.first_bus);
    let buses = u64::from(w.last_bus) - first + 1;
    crate::mem::reserve_device(w.base + (first << 20), buses * BUS_BYTES);
    *ECAM.lock() = Some(Ecam {
        window: w,
        buses: [None; 256],
    });
    Ok((w.first_bus, w.last_bus))
}

/// The kernel address of byte `offset` (< 4096) of function `bdf`'s
/// configuration space, mapping its bus on first use; `None` for a bus
/// outside the window or a mapping failure.
fn address(bdf: u16, offset: u16) -> Option<u64> {
    let mut g = ECAM.lock();
    let e = g.as_mut()?;
    let bus = (bdf >> 8) as u8;
    if bus < e.window.first_bus || bus > e.window.last_bus || offset >= 4096 {
        return None;
    }
    let slot = e.buses.get_mut(usize::from(bus))?;
    let base = match *slot {
        Some(v) => v,
        None => {
            let phys = e.window.base + (u64::from(bus - e.window.first_bus) << 20);
            let v = map_mmio(phys, BUS_BYTES).ok()?.as_u64();
            *slot = Some(v);
            v
        }
    };
    Some(base + (u64::from(bdf & 0xff) << 12) + u64::from(offset))
}

/// Reads `width` (1, 2, 4) naturally aligned bytes; all ones where
/// nothing answers (as the bus itself does).
pub fn read(bdf: u16, offset: u16, width: u8) -> u32 {
    let Some(a) = address(bdf, offset) else {
        return u32::MAX;
    };
    // SAFETY: `a` lies in this bus's uncached ECAM mapping, inside the
    // function's 4 KiB; callers pass naturally aligned offsets, so the access
    // is aligned for its width.
    unsafe {
        match width {
            1 => u32::from((a as *const u8).read_volatile()),
            2 => u32::from((a as *const u16).read_volatile()),
            _ => (a as *const u32).read_volatile(),
        }
    }
}

/// Writes `width` (1, 2, 4) naturally aligned bytes.
pub fn write(bdf: u16, offset: u16, width: u8, value: u32) {
    let Some(a) = address(bdf, offset) else {
        return;
    };
    // SAFETY: as in `read`.
    unsafe {
        match width {
            1 => (a as *mut u8).write_volatile(value as u8),
            2 => (a as *mut u16).write_volatile(value as u16),
            _ => (a as *mut u32).write_volatile(value),
        }
    }
}

pub fn read8(bdf: u16, offset: u16) -> u8 {
    read(bdf, offset, 1) as u8
}
pub fn read16(bdf: u16, offset: u16) -> u16 {
    read(bdf, offset & !1, 2) as u16
}
pub fn read32(bdf: u16, offset: u16) -> u32 {
    read(bdf, offset & !3, 4)
}
pub fn write16(bdf: u16, offset: u16, value: u16) {
    write(bdf, offset & !1, 2, u32::from(value));
}
pub fn write32(bdf: u16, offset: u16, value: u32) {
    write(bdf, offset & !3, 4, value);
}
