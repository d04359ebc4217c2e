//! What the kernel keeps of the boot loader's hand-over, whichever protocol
//! delivered it (PVH from QEMU `-kernel`, multiboot2 from GRUB): the memory
//! map, the initrd, the command line, the RSDP, and where the hand-over
//! structures themselves lie (so the frame allocator keeps them).

use crate::mem::phys::phys_to_virt;
use x86_64::PhysAddr;

/// The e820 region types we distinguish (multiboot2 uses the same numbers).
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
    pub fn from_e820(kind: u32) -> Self {
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

/// Which boot protocol handed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Pvh,
    Multiboot2,
}

pub struct BootInfo {
    pub protocol: Protocol,
    regions: [Region; MAX_REGIONS],
    region_count: usize,
    pub initrd: Option<Module>,
    pub rsdp: Option<u64>,
    cmdline: [u8; MAX_CMDLINE],
    cmdline_len: usize,
    /// Physical ranges (start, length) of the hand-over structures.
    pub start_info_pages: [(u64, u64); 4],
}

/// Why the boot information could not be read.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum BootInfoError {
    BadMagic(u32),
    NoMemoryMap,
    Malformed,
}

impl BootInfo {
    pub fn empty(protocol: Protocol) -> Self {
        BootInfo {
            protocol,
            regions: [Region {
                start: 0,
                len: 0,
                kind: RegionKind::Reserved,
            }; MAX_REGIONS],
            region_count: 0,
            initrd: None,
            rsdp: None,
            cmdline: [0; MAX_CMDLINE],
            cmdline_len: 0,
            start_info_pages: [(0, 0); 4],
        }
    }

    pub fn regions(&self) -> &[Region] {
        self.regions.get(..self.region_count).unwrap_or(&[])
    }

    /// Adds a memory-map region (beyond MAX_REGIONS they are dropped).
    pub fn push_region(&mut self, r: Region) {
        if let Some(slot) = self.regions.get_mut(self.region_count) {
            *slot = r;
            self.region_count += 1;
        }
    }

    pub fn cmdline(&self) -> &str {
        let bytes = self.cmdline.get(..self.cmdline_len).unwrap_or(&[]);
        core::str::from_utf8(bytes).unwrap_or("")
    }

    /// Copies the NUL-terminated command line at physical `paddr` (at most
    /// MAX_CMDLINE bytes); returns its length.
    ///
    /// # Safety
    /// `paddr` must be a string the boot loader left in the first 4 GiB,
    /// with the boot window still mapped.
    pub unsafe fn copy_cmdline(&mut self, paddr: u64) -> usize {
        let base = phys_to_virt(PhysAddr::new_truncate(paddr)).as_ptr::<u8>();
        let mut len = 0;
        while len < MAX_CMDLINE {
            // SAFETY: per the caller's contract; we stop at NUL or the buffer size.
            let b = unsafe { base.add(len).read() };
            if b == 0 {
                break;
            }
            if let Some(slot) = self.cmdline.get_mut(len) {
                *slot = b;
            }
            len += 1;
        }
        self.cmdline_len = len;
        len
    }
}

/// The boot loader's register hand-over: EAX holds the multiboot2 magic when
/// GRUB started us; PVH leaves it alone.
pub const MULTIBOOT2_MAGIC: u32 = 0x36d7_6289;

/// Reads the hand-over at `paddr` (EBX), choosing the protocol by `magic` (EAX).
///
/// # Safety
/// `paddr` must be the address the boot loader passed in EBX, with the boot
/// page tables (the first 4 GiB at `PHYS_OFFSET`) still active.
pub unsafe fn read(paddr: u64, magic: u32) -> Result<BootInfo, BootInfoError> {
    if magic == MULTIBOOT2_MAGIC {
        // SAFETY: forwarded contract.
        unsafe { super::multiboot2::read(paddr) }
    } else {
        // SAFETY: forwarded contract.
        unsafe { super::pvh::read(paddr) }
    }
}
