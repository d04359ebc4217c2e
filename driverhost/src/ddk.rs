//! The Rust bodies of the managed DDK's InternalCalls (`Cordon.Ddk.Native`
//! in `driverhost/managed/ddk/Native.cs`), registered with the runtime by
//! name. They are the only place the DDK meets the syscall ABI: PCI
//! configuration and BARs, MMIO and DMA accesses, DMA allocation,
//! interrupts, the clock and the log. The block host's calls are in
//! [`crate::blkhost`].
//!
//! Every body takes what the JIT passes for the C# signature (System V:
//! `int` as `i32`, `long` as `i64`, `out T` as a pointer, a `string` as its
//! object address) and never unwinds; a refusal is a return value the C#
//! side turns into a `DeviceException`.

use core::sync::atomic::{Ordering, fence};
use ddk_abi::syscall::{dma_cache, pci_bar, pci_irq};
use jit::runtime::Runtime;
use jit::runtime::externals::Intrinsic;
use spin::Mutex;

/// Where BARs are mapped: `MMIO_BASE + phys` (one fixed address per page).
const MMIO_BASE: u64 = 0x0000_5000_0000_0000;
/// Where DMA memory goes (a bump range with guard pages).
const DMA_BASE: u64 = 0x0000_6000_0000_0000;
const PAGE: u64 = 4096;

/// The notification bit the bound function's interrupt arrives on.
pub const IRQ_BIT: u8 = ddk_abi::syscall::notify::PCI_FIRST;

struct Memory {
    next_dma: u64,
    /// BARs mapped so far: (bdf, bar, va, len).
    bars: alloc::vec::Vec<(u16, u8, u64, u64)>,
}

static MEMORY: Mutex<Memory> = Mutex::new(Memory {
    next_dma: DMA_BASE,
    bars: alloc::vec::Vec::new(),
});

const NS: &str = "Cordon.Ddk";
const NATIVE: &str = "Native";

/// Registers every body with `rt` (before anything DDK is compiled);
/// `intrinsics` makes the I/O-path accesses inline (`intrinsics=off` in
/// the driver host's arguments turns that off, for comparison).
pub fn register(rt: &mut Runtime, intrinsics: bool) {
    let calls: &[(&str, usize)] = &[
        ("ConfigRead", config_read as *const () as usize),
        ("ConfigWrite", config_write as *const () as usize),
        ("MapBar", map_bar as *const () as usize),
        ("Read8", read8 as *const () as usize),
        ("Read16", read16 as *const () as usize),
        ("Read32", read32 as *const () as usize),
        ("Read64", read64 as *const () as usize),
        ("Write8", write8 as *const () as usize),
        ("Write16", write16 as *const () as usize),
        ("Write32", write32 as *const () as usize),
        ("Write64", write64 as *const () as usize),
        ("Fence", mem_fence as *const () as usize),
        ("DmaAlloc", dma_alloc as *const () as usize),
        ("IrqBind", irq_bind as *const () as usize),
        ("IrqAck", irq_ack as *const () as usize),
        ("UptimeMicros", uptime_us as *const () as usize),
        ("SleepMillis", sleep_ms as *const () as usize),
        ("Log", log as *const () as usize),
    ];
    for (name, addr) in calls {
        rt.externals.register(NS, NATIVE, name, *addr);
    }
    // The I/O path: device and DMA accesses and the fence are expanded
    // inline by the JIT (one load/store/mfence); the bodies above remain
    // for anything that calls them indirectly.
    let inline: &[(&str, Intrinsic)] = &[
        ("Read8", Intrinsic::Load(8)),
        ("Read16", Intrinsic::Load(16)),
        ("Read32", Intrinsic::Load(32)),
        ("Read64", Intrinsic::Load(64)),
        ("Write8", Intrinsic::Store(8)),
        ("Write16", Intrinsic::Store(16)),
        ("Write32", Intrinsic::Store(32)),
        ("Write64", Intrinsic::Store(64)),
        ("Fence", Intrinsic::Fence),
    ];
    if !intrinsics {
        userlib::log!("driverhost: DDK intrinsics are calls (intrinsics=off)");
    } else {
        for (name, k) in inline {
            rt.externals.register_intrinsic(NS, NATIVE, name, *k);
        }
    }
    crate::blkhost::register(rt);
}

/// The name the DDK's calls are registered under (for the block host).
pub fn register_native(rt: &mut Runtime, name: &str, addr: usize) {
    rt.externals.register(NS, NATIVE, name, addr);
}

extern "C" fn config_read(bdf: i32, offset: i32, width: i32) -> i64 {
    match userlib::sys::pci_config_read(bdf as u16, offset as u16, width as u8) {
        Ok(v) => i64::from(v),
        Err(_) => -1,
    }
}

extern "C" fn config_write(bdf: i32, offset: i32, width: i32, value: i32) -> i32 {
    match userlib::sys::pci_config_write(bdf as u16, offset as u16, width as u8, value as u32) {
        Ok(()) => 0,
        Err(_) => -1,
    }
}

/// Maps memory BAR `bar` of `bdf` uncached at `MMIO_BASE + phys` (once).
extern "C" fn map_bar(bdf: i32, bar: i32, length: *mut i64) -> i64 {
    let (bdf, bar) = (bdf as u16, bar as u8);
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
    let base = phys & !(PAGE - 1);
    let span = (phys + len).div_ceil(PAGE) * PAGE - base;
    if userlib::sys::map_device(base, span, MMIO_BASE + base).is_err() {
        return 0;
    }
    let va = MMIO_BASE + phys;
    m.bars.push((bdf, bar, va, len));
    // SAFETY: as above.
    unsafe { *length = len as i64 };
    va as i64
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
    if len <= 0 {
        return 0;
    }
    let bytes = (len as u64).div_ceil(PAGE) * PAGE;
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
        Ok(pci_irq::MSIX) => 1,
        Ok(pci_irq::MSI) => 2,
        Ok(pci_irq::INTX) => {
            crate::blkhost::set_intx(bdf as u16);
            3
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

/// A managed string (`[mt][int32 length][UTF-16 chars]`, at most 4096
/// chars taken) as a Rust string; `None` for null.
pub fn managed_string(s: usize) -> Option<alloc::string::String> {
    if s == 0 {
        return None;
    }
    // SAFETY: `s` is a live string object (the JIT passes the reference).
    let len = unsafe { *((s + 8) as *const i32) }.clamp(0, 4096) as usize;
    let mut line = alloc::string::String::with_capacity(len);
    for i in 0..len {
        // SAFETY: `i < len` chars follow the length field.
        let c = unsafe { *((s + 12 + 2 * i) as *const u16) };
        line.push(char::from_u32(u32::from(c)).unwrap_or('?'));
    }
    Some(line)
}

/// A managed string as a log line.
extern "C" fn log(s: usize) {
    if let Some(line) = managed_string(s) {
        userlib::log!("{line}");
    }
}
