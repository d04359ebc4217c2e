//! Memory: physical frames, the kernel's page tables and its heap.

pub mod frame;
pub mod heap;
pub mod paging;
pub mod phys;
pub mod space;

use crate::boot::info::{BootInfo, RegionKind};
use crate::boot::trampoline::{BOOT_STACK, BOOT_STACK_SIZE};
use log::info;

unsafe extern "C" {
    static __kernel_phys_start: u8;
    static __kernel_phys_end: u8;
}

fn guard_page() -> u64 {
    (&raw const BOOT_STACK) as u64
}

/// True when `[addr, addr + len)` lies on the boot stack (above its guard),
/// on an IST stack, or on the running task's kernel stack: what a backtrace
/// may safely read.
pub fn is_kernel_stack(addr: u64, len: u64) -> bool {
    let Some(end) = addr.checked_add(len) else {
        return false;
    };
    let boot = (
        guard_page() + 4096,
        guard_page() + 4096 + BOOT_STACK_SIZE as u64,
    );
    let ists = [1, 2, 3].map(crate::arch::gdt::ist_range);
    let task_top = crate::arch::percpu::kernel_rsp();
    let task = (
        task_top.saturating_sub(crate::task::KERNEL_STACK_SIZE as u64),
        task_top,
    );
    core::iter::once(boot)
        .chain(ists)
        .chain(core::iter::once(task))
        .any(|(lo, hi)| lo < hi && addr >= lo && end <= hi)
}

/// How far above a guard page a faulting `rsp` still counts as an
/// overflow: the CPU reports the `rsp` from before the write that hit the
/// guard, and an interrupt arriving there pushes its whole frame (up to six
/// words) at once, so the last good `rsp` can sit a little above the page.
const GUARD_SLACK: u64 = 256;

/// Which stack's guard page a faulting `rsp` ran into, if any: inside the
/// page, or at most [`GUARD_SLACK`] bytes above it (`kernel-stack-overflow`
/// saw both, depending on whether its timer interrupt came in between).
pub fn stack_guard_of(rsp: u64) -> Option<StackGuard> {
    if (guard_page()..=guard_page() + 4096 + GUARD_SLACK).contains(&rsp) {
        return Some(StackGuard::Boot);
    }
    let rel = rsp.checked_sub(paging::KSTACK_BASE)?;
    let slot = rel / paging::KSTACK_WINDOW;
    (slot < crate::task::MAX_TASKS as u64
        && rel % paging::KSTACK_WINDOW <= paging::KSTACK_GUARD + GUARD_SLACK)
        .then_some(StackGuard::Task(slot as usize))
}

/// A stack whose guard page was hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StackGuard {
    Boot,
    Task(usize),
}

/// Physical ranges that are not device memory — RAM, ACPI tables, the
/// kernel's own interrupt controllers — which no MMIO grant may cover.
static NOT_DEVICE: spin::Mutex<NotDevice> = spin::Mutex::new(NotDevice {
    ranges: [(0, 0); 128],
    n: 0,
    overflow: false,
});

struct NotDevice {
    ranges: [(u64, u64); 128],
    n: usize,
    /// More ranges than slots: then nothing is grantable (fail closed).
    overflow: bool,
}

/// Marks `[phys, phys + len)` as not grantable device memory.
pub fn reserve_device(phys: u64, len: u64) {
    let mut g = NOT_DEVICE.lock();
    let n = g.n;
    match g.ranges.get_mut(n) {
        Some(slot) => {
            *slot = (phys, phys.saturating_add(len));
            g.n += 1;
        }
        None => g.overflow = true,
    }
}

/// True when `[phys, phys + len)` may be granted as MMIO: non-empty, page
/// aligned, and clear of RAM, ACPI memory and the kernel's controllers.
pub fn grantable_mmio(phys: u64, len: u64) -> bool {
    let Some(end) = phys.checked_add(len) else {
        return false;
    };
    if len == 0 || !phys.is_multiple_of(4096) || !len.is_multiple_of(4096) || end > (1 << 52) {
        return false;
    }
    let g = NOT_DEVICE.lock();
    !g.overflow
        && g.ranges
            .get(..g.n)
            .unwrap_or(&[])
            .iter()
            .all(|&(s, e)| end <= s || phys >= e)
}

/// Frames, then page tables, then the heap. Any failure here is fatal.
pub fn init(boot: &BootInfo, acpi_ranges: &[(u64, u64)]) {
    let kernel = (
        (&raw const __kernel_phys_start) as u64,
        (&raw const __kernel_phys_end) as u64,
    );
    let mut reserved = [(0u64, 0u64); 24];
    let mut n = 0;
    let mut push = |r: (u64, u64)| {
        if let Some(slot) = reserved.get_mut(n) {
            *slot = r;
            n += 1;
        }
    };
    push(kernel);
    if let Some(m) = boot.initrd {
        push((m.start, m.start + m.len));
    }
    for &(s, len) in &boot.start_info_pages {
        if len > 0 {
            push((s, s + len));
        }
    }
    for &r in acpi_ranges {
        push(r);
        // ACPI tables may sit in "reserved" e820 memory: never grantable.
        reserve_device(r.0, r.1.saturating_sub(r.0));
    }
    let reserved = reserved.get(..n).unwrap_or(&[]);
    for r in boot.regions() {
        if matches!(
            r.kind,
            RegionKind::Usable
                | RegionKind::AcpiReclaimable
                | RegionKind::AcpiNvs
                | RegionKind::Bad
        ) {
            reserve_device(r.start, r.len);
        }
    }

    let (total, bitmap) = match frame::init(boot, reserved) {
        Ok(t) => t,
        Err(e) => crate::panic::halt_with(format_args!("frame allocator: {e:?}")),
    };
    let phys_top = boot.regions().iter().map(|r| r.end()).max().unwrap_or(0);
    if let Err(e) = paging::init(phys_top, guard_page()) {
        crate::panic::halt_with(format_args!("page tables: {e:?}"));
    }
    if let Err(e) = heap::init() {
        crate::panic::halt_with(format_args!("heap: {e:?}"));
    }

    info!("memory map ({} regions):", boot.regions().len());
    for r in boot.regions() {
        let kind = match r.kind {
            RegionKind::Usable => "usable",
            RegionKind::Reserved => "reserved",
            RegionKind::AcpiReclaimable => "ACPI reclaimable",
            RegionKind::AcpiNvs => "ACPI NVS",
            RegionKind::Bad => "bad",
            RegionKind::Other(_) => "other",
        };
        info!("  {:#012x}-{:#012x} {kind}", r.start, r.end());
    }
    info!(
        "memory: {} MiB usable, {} MiB free, kernel {:#x}-{:#x}, frame bitmap {} KiB",
        total >> 20,
        frame::free_bytes() >> 20,
        kernel.0,
        kernel.1,
        bitmap.div_ceil(1024)
    );
    if let Some(m) = boot.initrd {
        info!("initrd: {:#x}, {} bytes", m.start, m.len);
    }
}
