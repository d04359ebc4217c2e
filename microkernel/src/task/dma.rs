//! DMA memory: physically contiguous, zeroed frames mapped into a task that
//! holds a PCI function, freed only after bus mastering is off.
//!
//! A region's frames are not owned by the address space (their PTEs carry
//! the `DMA` bit, not `OWNED`): they belong to the task's list here, so
//! neither `Unmap` nor the teardown of the space can free them while a
//! device might still write them. They are freed by `DmaFree` (the driver
//! vouches its device is done: without an IOMMU nothing could stop it
//! anyway) or, at death, by [`free_after_quiesce`], which `die_locked` calls
//! only after `pci::release_task` has turned bus mastering off.

use super::{TABLE, Task};
use crate::logic::pageprot::check_dma_request;
use crate::mem::frame;
use crate::mem::phys::phys_to_virt;
use ddk_abi::SyscallError;
use x86_64::PhysAddr;

const PAGE: u64 = 4096;
/// Regions one task may hold at once: bounds the kernel heap behind the list.
const REGIONS_MAX: usize = 64;
/// Bytes per cache line on every x86-64 processor (CPUID.1:EBX[15:8] × 8).
const CACHE_LINE: u64 = 64;

/// One `DmaAlloc` region of a task.
#[derive(Clone, Copy, Debug)]
pub struct DmaRegion {
    /// Where it is mapped in the task (the key `DmaFree` takes).
    pub addr: u64,
    /// The first of its contiguous frames.
    pub phys: PhysAddr,
    pub frames: u64,
}

impl DmaRegion {
    pub fn len(&self) -> u64 {
        self.frames * PAGE
    }

    /// Whether `[addr, addr+len)` touches this region.
    pub fn overlaps(&self, addr: u64, len: u64) -> bool {
        len != 0 && addr < self.addr + self.len() && self.addr < addr.saturating_add(len)
    }

    fn free_frames(&self) {
        for i in 0..self.frames {
            frame::free(self.phys + i * PAGE);
        }
    }
}

/// Writes back and drops the cache lines of `[virt, virt+len)`: zeroes
/// written through the kernel's write-back window must reach RAM before
/// the task and the device see the frames uncached.
fn flush_cache_lines(virt: u64, len: u64) {
    let mut line = virt;
    while line < virt + len {
        // SAFETY: `line` lies in the physical window over frames this call
        // just allocated; CLFLUSH only writes back and invalidates a line.
        unsafe {
            core::arch::asm!("clflush [{}]", in(reg) line, options(nostack, preserves_flags))
        };
        line += CACHE_LINE;
    }
    // SAFETY: MFENCE only orders this CPU's memory accesses (CLFLUSH is
    // ordered by it).
    unsafe { core::arch::asm!("mfence", options(nostack, preserves_flags)) };
}

/// `DmaAlloc`: returns the physical address.
pub fn alloc(index: usize, len: u64, addr: u64, cache: u64) -> Result<u64, SyscallError> {
    let req = check_dma_request(len, addr, cache)?;
    let id = TABLE.lock().get(index).ok_or(SyscallError::NoSuchTask)?.id;
    if !crate::pci::holds_any(id) {
        return Err(SyscallError::PermissionDenied);
    }
    let mut t = TABLE.lock();
    let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
    if task.dma.len() >= REGIONS_MAX {
        return Err(SyscallError::OutOfMemory);
    }
    let total = task
        .anon_bytes
        .checked_add(len)
        .ok_or(SyscallError::BadLength)?;
    if total > task.quota {
        return Err(SyscallError::OutOfMemory);
    }
    let phys = frame::alloc_contiguous_user(req.frames).ok_or(SyscallError::OutOfMemory)?;
    let region = DmaRegion {
        addr: req.addr,
        phys,
        frames: req.frames,
    };
    let virt = phys_to_virt(phys);
    // SAFETY: `len` bytes of fresh contiguous frames, reachable through the
    // physical window, which maps RAM linearly.
    unsafe { core::ptr::write_bytes(virt.as_mut_ptr::<u8>(), 0, len as usize) };
    if req.uncached {
        flush_cache_lines(virt.as_u64(), len);
    }
    if let Err(e) = task.space.map_dma(req.addr, phys, req.frames, req.uncached) {
        region.free_frames();
        return Err(e);
    }
    task.anon_bytes = total;
    task.dma.push(region);
    Ok(phys.as_u64())
}

/// `DmaFree`: `addr` must be where a region of the caller starts
/// (`NotMapped` otherwise). Grants the caller made over the region are
/// revoked first, so no other task keeps a mapping of the freed frames.
pub fn free(index: usize, addr: u64) -> Result<(), SyscallError> {
    let mut t = TABLE.lock();
    let task = t.get_mut(index).ok_or(SyscallError::NoSuchTask)?;
    let me = task.id;
    let pos = task
        .dma
        .iter()
        .position(|r| r.addr == addr)
        .ok_or(SyscallError::NotMapped)?;
    let region = task.dma.swap_remove(pos);
    super::grant::revoke_overlapping(&mut t, me, region.addr, region.len());
    if let Some(task) = t.get_mut(index) {
        let _ = task.space.unmap(region.addr, region.len());
        task.anon_bytes = task.anon_bytes.saturating_sub(region.len());
    }
    region.free_frames();
    Ok(())
}

/// A dead task's regions, once bus mastering is off on every PCI function
/// it held (and its grants are revoked): unmapped and freed, with one log
/// line a test can order against the bus-master one.
pub fn free_after_quiesce(task: &mut Task) {
    let regions = core::mem::take(&mut task.dma);
    if regions.is_empty() {
        return;
    }
    let mut bytes = 0;
    for r in &regions {
        let _ = task.space.unmap(r.addr, r.len());
        r.free_frames();
        bytes += r.len();
    }
    task.anon_bytes = task.anon_bytes.saturating_sub(bytes);
    log::info!(
        target: "dma",
        "freed {} regions ({} KiB) of {}[{}.{}] after bus mastering off",
        regions.len(),
        bytes / 1024,
        task.name(),
        task.id.index(),
        task.id.generation()
    );
}
