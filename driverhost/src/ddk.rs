//! The Rust bodies of the managed DDK's InternalCalls (`Cordon.Ddk.Native`
//! in `driverhost/managed/ddk/Native.cs`), registered with the runtime by
//! name. They are the only place the DDK meets the syscall ABI: PCI
//! configuration and BARs, MMIO and DMA accesses, port I/O in I/O BARs,
//! DMA allocation, interrupts, the clock and the log. The block host's
//! calls are in [`crate::blkhost`]. The table of names and signatures and
//! the argument checks are `ddk_native`'s, shared with the host tests'
//! fake machine (`driverhost/native/tests/`).
//!
//! Every body takes what the JIT passes for the C# signature (System V:
//! `int` as `i32`, `long` as `i64`, `out T` as a pointer, a `string` as its
//! object address) and never unwinds; a refusal is a return value the C#
//! side turns into a `DeviceException`.

use core::sync::atomic::{Ordering, fence};
use ddk_abi::syscall::{dma_cache, pci_bar, pci_irq};
use ddk_native::check::{self, PortWindows};
use ddk_native::{Bodies, irq_kind};
use jit::runtime::Runtime;
use spin::Mutex;

/// Where BARs are mapped: `MMIO_BASE + phys` (one fixed address per page).
const MMIO_BASE: u64 = 0x0000_5000_0000_0000;
/// Where DMA memory goes (a bump range with guard pages).
const DMA_BASE: u64 = 0x0000_6000_0000_0000;
const PAGE: u64 = check::PAGE;

/// The notification bit the bound function's interrupt arrives on.
pub const IRQ_BIT: u8 = ddk_abi::syscall::notify::PCI_FIRST;

struct Memory {
    next_dma: u64,
    /// BARs mapped so far: (bdf, bar, va, len).
    bars: alloc::vec::Vec<(u16, u8, u64, u64)>,
    /// I/O BARs opened for port access.
    ports: PortWindows,
}

static MEMORY: Mutex<Memory> = Mutex::new(Memory {
    next_dma: DMA_BASE,
    bars: alloc::vec::Vec::new(),
    ports: PortWindows::new(),
});

/// The syscall-backed bodies (the host test suite registers a fake
/// machine's through the same table: `driverhost/native/tests/`).
const BODIES: Bodies = Bodies {
    config_read,
    config_write,
    map_bar,
    io_bar,
    port_in,
    port_out,
    read8,
    read16,
    read32,
    read64,
    write8,
    write16,
    write32,
    write64,
    fence: mem_fence,
    dma_alloc,
    irq_bind,
    irq_ack,
    uptime_micros: uptime_us,
    sleep_millis: sleep_ms,
    log,
};

/// Registers every body with `rt` (before anything DDK is compiled);
/// `intrinsics` makes the I/O-path accesses inline (`intrinsics=off` in
/// the driver host's arguments turns that off, for comparison).
pub fn register(rt: &mut Runtime, intrinsics: bool) {
    if !intrinsics {
        userlib::log!("driverhost: DDK intrinsics are calls (intrinsics=off)");
    }
    ddk_native::register(&mut rt.externals, &BODIES, intrinsics);
    crate::blkhost::register(rt);
}

/// The name the DDK's calls are registered under (for the block host).
pub fn register_native(rt: &mut Runtime, name: &str, addr: usize) {
    rt.externals
        .register(ddk_native::NAMESPACE, ddk_native::TYPE, name, addr);
}

extern "C" fn config_read(bdf: i32, offset: i32, width: i32) -> i64 {
    let (Some(bdf), Some((offset, width))) = (check::bdf(bdf), check::config(offset, width)) else {
        return -1;
    };
    match userlib::sys::pci_config_read(bdf, offset, width) {
        Ok(v) => i64::from(v),
        Err(_) => -1,
    }
}

extern "C" fn config_write(bdf: i32, offset: i32, width: i32, value: i32) -> i32 {
    let (Some(bdf), Some((offset, width))) = (check::bdf(bdf), check::config(offset, width)) else {
        return -1;
    };
    match userlib::sys::pci_config_write(bdf, offset, width, value as u32) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Maps memory BAR `bar` of `bdf` uncached at `MMIO_BASE + phys` (once).
extern "C" fn map_bar(bdf: i32, bar: i32, length: *mut i64) -> i64 {
    let (Some(bdf), Some(bar)) = (check::bdf(bdf), check::bar(bar)) else {
        return 0;
    };
    let mut m = MEMORY.lock();
    if let Some(&(_, _, va, len)) = m.bars.iter().find(|b| b.0 == bdf && b.1 == bar) {
        // SAFETY: `length` is the caller's `out long` local.
        unsafe { *length = len as i64 };
        return va as i64;
    }
    let Ok((phys, len, flags)) = userlib::sys::pci_bar(bdf, bar) else {
        return 0;
    };
    if flags & pci_bar::IO != 0 || len == 0 {
        return 0;
    }
    let Some((base, span)) = check::page_span(phys, len) else {
        return 0;
    };
    if userlib::sys::map_device(base, span, MMIO_BASE + base).is_err() {
        return 0;
    }
    let va = MMIO_BASE + phys;
    m.bars.push((bdf, bar, va, len));
    // SAFETY: as above.
    unsafe { *length = len as i64 };
    va as i64
}

/// Opens I/O BAR `bar` of `bdf` for port access: its first port (its
/// length through `length`), or -1. The kernel granted its ports with the
/// function (docs/devices.md); accesses stay inside the BARs opened here.
extern "C" fn io_bar(bdf: i32, bar: i32, length: *mut i32) -> i32 {
    let (Some(bdf), Some(bar)) = (check::bdf(bdf), check::bar(bar)) else {
        return -1;
    };
    let mut m = MEMORY.lock();
    let window = match m.ports.find(bdf, bar) {
        Some(w) => w,
        None => {
            let Ok((first, len, flags)) = userlib::sys::pci_bar(bdf, bar) else {
                return -1;
            };
            if flags & pci_bar::IO == 0 {
                return -1;
            }
            match m.ports.open(bdf, bar, first, len) {
                Ok(w) => w,
                Err(_) => return -1,
            }
        }
    };
    // SAFETY: `length` is the caller's `out int` local.
    unsafe { *length = i32::from(window.len) };
    i32::from(window.first)
}

extern "C" fn port_in(port: i32, width: i32) -> i64 {
    let Some(port) = MEMORY.lock().ports.check(port, width) else {
        return -1;
    };
    // SAFETY: inside an I/O BAR of a function this process was granted
    // (the kernel granted its ports with it); `check` fixed the width.
    unsafe {
        match width {
            1 => i64::from(userlib::port::inb(port)),
            2 => i64::from(userlib::port::inw(port)),
            _ => i64::from(userlib::port::inl(port)),
        }
    }
}

extern "C" fn port_out(port: i32, width: i32, value: i32) -> i32 {
    let Some(port) = MEMORY.lock().ports.check(port, width) else {
        return -1;
    };
    // SAFETY: as for `port_in`.
    unsafe {
        match width {
            1 => userlib::port::outb(port, value as u8),
            2 => userlib::port::outw(port, value as u16),
            _ => userlib::port::outl(port, value as u32),
        }
    }
    0
}

// MMIO and DMA accesses. The C# side has bounds-checked the address against
// a region this process mapped; the accesses are volatile so each is exactly
// one load or store of its width, in program order.

extern "C" fn read8(a: i64) -> i32 {
    // SAFETY: a checked address inside a mapped MMIO or DMA region (above).
    i32::from(unsafe { (a as *const u8).read_volatile() })
}
extern "C" fn read16(a: i64) -> i32 {
    // SAFETY: as for read8; aligned by the C# check.
    i32::from(unsafe { (a as *const u16).read_volatile() })
}
extern "C" fn read32(a: i64) -> i32 {
    // SAFETY: as for read16.
    unsafe { (a as *const u32).read_volatile() as i32 }
}
extern "C" fn read64(a: i64) -> i64 {
    // SAFETY: as for read16. DMA offsets need not be 8-aligned: x86 allows it.
    unsafe { (a as *const u64).read_unaligned().to_le() as i64 }
}
extern "C" fn write8(a: i64, v: i32) {
    // SAFETY: as for read8.
    unsafe { (a as *mut u8).write_volatile(v as u8) }
}
extern "C" fn write16(a: i64, v: i32) {
    // SAFETY: as for read16.
    unsafe { (a as *mut u16).write_volatile(v as u16) }
}
extern "C" fn write32(a: i64, v: i32) {
    // SAFETY: as for read16.
    unsafe { (a as *mut u32).write_volatile(v as u32) }
}
extern "C" fn write64(a: i64, v: i64) {
    // SAFETY: as for read16.
    unsafe { (a as *mut u64).write_volatile(v as u64) }
}
extern "C" fn mem_fence() {
    fence(Ordering::SeqCst);
}

/// Zeroed, contiguous, write-back DMA memory of at least `len` bytes.
extern "C" fn dma_alloc(len: i32, phys: *mut i64) -> i64 {
    let Some(bytes) = check::dma_bytes(len) else {
        return 0;
    };
    let mut m = MEMORY.lock();
    let va = m.next_dma;
    match userlib::sys::dma_alloc(bytes, va, dma_cache::WRITE_BACK) {
        Ok(pa) => {
            // A guard page keeps an overrun from reaching the next buffer.
            m.next_dma = va + bytes + PAGE;
            // SAFETY: `phys` is the caller's `out long` local.
            unsafe { *phys = pa as i64 };
            va as i64
        }
        Err(e) => {
            userlib::log!("driverhost: DMA allocation of {bytes} bytes failed: {e}");
            0
        }
    }
}

/// Binds the function's interrupt to [`IRQ_BIT`]: 1 MSI-X (entry 0), 2
/// MSI, 3 INTx; -1 on failure.
extern "C" fn irq_bind(bdf: i32) -> i32 {
    match userlib::sys::pci_irq_bind(bdf as u16, pci_irq::AUTO, 0, IRQ_BIT) {
        Ok(pci_irq::MSIX) => irq_kind::MSIX,
        Ok(pci_irq::MSI) => irq_kind::MSI,
        Ok(pci_irq::INTX) => {
            crate::blkhost::set_intx(bdf as u16);
            irq_kind::INTX
        }
        Ok(_) => -1,
        Err(e) => {
            userlib::log!("driverhost: binding the interrupt failed: {e}");
            -1
        }
    }
}

extern "C" fn irq_ack(bdf: i32) {
    let _ = userlib::sys::pci_irq_ack(bdf as u16);
}

extern "C" fn uptime_us() -> i64 {
    userlib::uptime_us() as i64
}

extern "C" fn sleep_ms(ms: i32) {
    userlib::sleep_ms(ms.max(0) as u64);
}

/// A managed string (at most `ddk_native::string::MAX_CHARS` chars) as
/// a Rust string; `None` for null.
pub fn managed_string(s: usize) -> Option<alloc::string::String> {
    // SAFETY: `s` is 0 or a live string object (the JIT passes the reference).
    (s != 0).then(|| unsafe { ddk_native::string::text(s) })
}

/// A managed string as a log line.
extern "C" fn log(s: usize) {
    if let Some(line) = managed_string(s) {
        userlib::log!("{line}");
    }
}
