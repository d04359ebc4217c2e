//! The PVH boot ABI's `hvm_start_info` (Xen public header `arch-x86/hvm/start_info.h`).
//!
//! QEMU's PVH option ROM fills it in: the e820 memory map, the module list
//! (our initrd), the command line and the RSDP address. Everything here is
//! copied out into owned, validated values before the boot identity map goes.

use super::info::{BootInfo, BootInfoError, MAX_REGIONS, Module, Protocol, Region, RegionKind};
use crate::mem::phys::phys_to_virt;
use core::mem::size_of;
use x86_64::PhysAddr;

const START_INFO_MAGIC: u32 = 0x336e_c578;

#[repr(C)]
#[derive(Clone, Copy)]
struct StartInfo {
    magic: u32,
    version: u32,
    flags: u32,
    nr_modules: u32,
    modlist_paddr: u64,
    cmdline_paddr: u64,
    rsdp_paddr: u64,
    memmap_paddr: u64,
    memmap_entries: u32,
    reserved: u32,
}
const _: () = assert!(size_of::<StartInfo>() == 56);

#[repr(C)]
#[derive(Clone, Copy)]
struct ModListEntry {
    paddr: u64,
    size: u64,
    cmdline_paddr: u64,
    reserved: u64,
}
const _: () = assert!(size_of::<ModListEntry>() == 32);

#[repr(C)]
#[derive(Clone, Copy)]
struct MemMapEntry {
    addr: u64,
    size: u64,
    kind: u32,
    reserved: u32,
}
const _: () = assert!(size_of::<MemMapEntry>() == 24);

/// Reads `hvm_start_info` at `paddr` through the boot-time physical window.
///
/// # Safety
/// `paddr` must be the address QEMU passed in EBX, and the boot page tables
/// (which map the first 4 GiB at `PHYS_OFFSET`) must still be active.
pub unsafe fn read(paddr: u64) -> Result<BootInfo, BootInfoError> {
    // SAFETY: the caller guarantees paddr is the firmware-provided start info
    // and it lies in the mapped first 4 GiB.
    let si = unsafe {
        phys_to_virt(PhysAddr::new_truncate(paddr))
            .as_ptr::<StartInfo>()
            .read_unaligned()
    };
    if si.magic != START_INFO_MAGIC {
        return Err(BootInfoError::BadMagic(si.magic));
    }
    let mut info = BootInfo::empty(Protocol::Pvh);
    info.rsdp = (si.rsdp_paddr != 0).then_some(si.rsdp_paddr);
    info.start_info_pages[0] = (paddr, size_of::<StartInfo>() as u64);
    if si.version < 1 || si.memmap_paddr == 0 || si.memmap_entries == 0 {
        return Err(BootInfoError::NoMemoryMap);
    }
    let entries = (si.memmap_entries as usize).min(MAX_REGIONS);
    for i in 0..entries {
        let at = si.memmap_paddr + (i * size_of::<MemMapEntry>()) as u64;
        // SAFETY: the memory map lies in the first 4 GiB, mapped at PHYS_OFFSET.
        let e = unsafe {
            phys_to_virt(PhysAddr::new_truncate(at))
                .as_ptr::<MemMapEntry>()
                .read_unaligned()
        };
        info.push_region(Region {
            start: e.addr,
            len: e.size,
            kind: RegionKind::from_e820(e.kind),
        });
    }
    info.start_info_pages[1] = (si.memmap_paddr, (entries * size_of::<MemMapEntry>()) as u64);
    if si.nr_modules > 0 && si.modlist_paddr != 0 {
        // SAFETY: the module list lies in the first 4 GiB, mapped at PHYS_OFFSET.
        let m = unsafe {
            phys_to_virt(PhysAddr::new_truncate(si.modlist_paddr))
                .as_ptr::<ModListEntry>()
                .read_unaligned()
        };
        info.initrd = Some(Module {
            start: m.paddr,
            len: m.size,
        });
        info.start_info_pages[2] = (si.modlist_paddr, size_of::<ModListEntry>() as u64);
    }
    if si.cmdline_paddr != 0 {
        // SAFETY: the command line the PVH ROM left in the first 4 GiB.
        let len = unsafe { info.copy_cmdline(si.cmdline_paddr) };
        info.start_info_pages[3] = (si.cmdline_paddr, len as u64 + 1);
    }
    Ok(info)
}
