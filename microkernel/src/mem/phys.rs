//! Physical memory as the kernel sees it: one window at `PHYS_OFFSET`.
//!
//! The boot trampoline maps the first 4 GiB there; `paging::init` rebuilds
//! the window over all of RAM. Every physical access in ring 0 goes through
//! [`phys_to_virt`]; device registers get their own uncached mappings instead
//! (see `paging::map_mmio`).

use x86_64::{PhysAddr, VirtAddr};

/// Base of the direct physical-memory window (PML4 slot 256).
pub const PHYS_OFFSET: u64 = 0xffff_8000_0000_0000;

/// The kernel's link offset: virtual = physical + KERNEL_OFFSET for the image.
pub const KERNEL_OFFSET: u64 = 0xffff_ffff_8000_0000;

/// The window address of physical address `p`.
pub fn phys_to_virt(p: PhysAddr) -> VirtAddr {
    VirtAddr::new_truncate(PHYS_OFFSET.wrapping_add(p.as_u64()))
}
