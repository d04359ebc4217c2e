//! The multiboot2 hand-over (GRUB): the boot information structure is
//! viewed through the boot window and walked by the host-tested parser in
//! `logic::multiboot2`; here its items become a [`BootInfo`].

use super::info::{BootInfo, BootInfoError, Module, Protocol, Region, RegionKind};
use crate::logic::multiboot2::{self, Item};
use crate::mem::phys::phys_to_virt;
use x86_64::PhysAddr;

/// Largest structure we accept (GRUB's are a few KiB).
const MAX_SIZE: usize = 1 << 20;

/// Reads the boot information structure at `paddr`.
///
/// # Safety
/// `paddr` must be the structure GRUB passed in EBX, with the boot window
/// (the first 4 GiB) still mapped.
pub unsafe fn read(paddr: u64) -> Result<BootInfo, BootInfoError> {
    let base = phys_to_virt(PhysAddr::new_truncate(paddr)).as_ptr::<u8>();
    // SAFETY: the structure starts with its 4-byte total size.
    let head = unsafe { core::slice::from_raw_parts(base, 8) };
    let total = multiboot2::total_size(head).ok_or(BootInfoError::Malformed)?;
    if !(16..=MAX_SIZE).contains(&total) {
        return Err(BootInfoError::Malformed);
    }
    // SAFETY: GRUB's structure is `total` bytes long, below 4 GiB, in the
    // boot window; nothing writes it while we read.
    let mbi = unsafe { core::slice::from_raw_parts(base, total) };
    let mut info = BootInfo::empty(Protocol::Multiboot2);
    info.start_info_pages[0] = (paddr, total as u64);
    let mut have_map = false;
    let mut cmdline_at = None;
    multiboot2::parse(mbi, |item| match item {
        Item::Cmdline(bytes) => cmdline_at = Some(bytes.as_ptr() as u64 - base as u64),
        Item::Module { start, end } if info.initrd.is_none() && end >= start => {
            info.initrd = Some(Module {
                start,
                len: end - start,
            });
        }
        Item::Module { .. } => {}
        Item::Region { base, len, kind } => {
            have_map = true;
            info.push_region(Region {
                start: base,
                len,
                kind: RegionKind::from_e820(kind),
            });
        }
        // The tag holds a copy of the RSDP: its address is a valid RSDP.
        Item::Rsdp { offset, new } => {
            if new || info.rsdp.is_none() {
                info.rsdp = Some(paddr + offset as u64);
            }
        }
    })
    .map_err(|_| BootInfoError::Malformed)?;
    if let Some(off) = cmdline_at {
        // SAFETY: a NUL-terminated string inside the structure.
        unsafe { info.copy_cmdline(paddr + off) };
    }
    if !have_map {
        return Err(BootInfoError::NoMemoryMap);
    }
    Ok(info)
}
