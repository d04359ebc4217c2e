//! The PVH boot ABI's `hvm_start_info` (Xen public header `arch-x86/hvm/start_info.h`).
//!
//! QEMU's PVH option ROM fills it in: the e820 memory map, the module list
//! (our initrd), the command line and the RSDP address. Everything here is
//! copied out into owned, validated values before the boot identity map goes.

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

/// The e820 region types we distinguish.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    Usable,
    Reserved,
    AcpiReclaimable,
    AcpiNvs,
    Bad,
    Other(u32),
}

impl RegionKind {
    fn from_e820(kind: u32) -> Self {
        match kind {
            1 => RegionKind::Usable,
            2 => RegionKind::Reserved,
            3 => RegionKind::AcpiReclaimable,
            4 => RegionKind::AcpiNvs,
            5 => RegionKind::Bad,
            other => RegionKind::Other(other),
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub start: u64,
    pub len: u64,
    pub kind: RegionKind,
}

impl Region {
    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.len)
    }
}

/// A boot module (the initrd): physical range.
#[derive(Clone, Copy, Debug)]
pub struct Module {
    pub start: u64,
    pub len: u64,
}

pub const MAX_REGIONS: usize = 64;
pub const MAX_CMDLINE: usize = 512;

/// What the kernel keeps of the boot information.
pub struct BootInfo {
    regions: [Region; MAX_REGIONS],
    region_count: usize,
    pub initrd: Option<Module>,
    pub rsdp: Option<u64>,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    /// Physical pages occupied by the start-info structures themselves.
    pub start_info_pages: [(u64, u64); 4],
}

/// Why the boot information could not be read.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum BootInfoError {
    BadMagic(u32),
    NoMemoryMap,
}

impl BootInfo {
    pub fn regions(&self) -> &[Region] {
        self.regions.get(..self.region_count).unwrap_or(&[])
    }

    pub fn cmdline(&self) -> &str {
        let bytes = self.cmdline.get(..self.cmdline_len).unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("")
    }

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
        let mut info = BootInfo {
            regions: [Region {
                start: 0,
                len: 0,
                kind: RegionKind::Reserved,
            }; MAX_REGIONS],
            region_count: 0,
            initrd: None,
            rsdp: (si.rsdp_paddr != 0).then_some(si.rsdp_paddr),
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
            start_info_pages: [
                (paddr, size_of::<StartInfo>() as u64),
                (0, 0),
                (0, 0),
                (0, 0),
            ],
        };
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
            if let Some(slot) = info.regions.get_mut(info.region_count) {
                *slot = Region {
                    start: e.addr,
                    len: e.size,
                    kind: RegionKind::from_e820(e.kind),
                };
                info.region_count += 1;
            }
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
            let base = phys_to_virt(PhysAddr::new_truncate(si.cmdline_paddr)).as_ptr::<u8>();
            let mut len = 0;
            while len < MAX_CMDLINE {
                // SAFETY: a NUL-terminated string in the first 4 GiB; we stop at
                // NUL or at our buffer size.
                let b = unsafe { base.add(len).read() };
                if b == 0 {
                    break;
                }
                if let Some(slot) = info.cmdline.get_mut(len) {
                    *slot = b;
                }
                len += 1;
            }
            info.cmdline_len = len;
            info.start_info_pages[3] = (si.cmdline_paddr, len as u64 + 1);
        }
        Ok(info)
    }
}
