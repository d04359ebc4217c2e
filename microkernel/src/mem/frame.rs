//! The physical frame allocator: a bitmap over RAM, one bit per 4 KiB frame.
//!
//! Built from the e820 map; the kernel image, the initrd, the boot structures,
//! the ACPI tables and the first MiB are reserved before the first allocation.
//! A bitmap (rather than a free list) keeps contiguous runs findable, which
//! DMA buffers for the driver host will need.

use crate::boot::info::{BootInfo, RegionKind};
use crate::logic::bitmap::FrameBitmap;
use crate::mem::phys::phys_to_virt;
use spin::Mutex;
use x86_64::PhysAddr;
use x86_64::structures::paging::{FrameAllocator, PhysFrame, Size4KiB};

pub use crate::logic::bitmap::FRAME_SIZE;

/// Frames below this stay reserved (real-mode IVT, BIOS data, EBDA, option
/// ROMs, and room for an AP start-up trampoline later).
const LOW_RESERVED: u64 = 0x10_0000;

/// The allocator: the bitmap logic over words living in physical memory.
pub static FRAMES: Mutex<Option<FrameBitmap<'static>>> = Mutex::new(None);

/// Why the frame allocator could not be built.
#[derive(Debug)]
pub enum FrameInitError {
    NoUsableMemory,
    NoRoomForBitmap,
}

/// Builds the bitmap; `reserved` lists extra byte ranges to keep (kernel,
/// initrd, boot info, ACPI tables). Returns (total usable bytes, bitmap bytes).
pub fn init(boot: &BootInfo, reserved: &[(u64, u64)]) -> Result<(u64, u64), FrameInitError> {
    let usable = || {
        boot.regions()
            .iter()
            .filter(|r| r.kind == RegionKind::Usable)
    };
    let top = usable()
        .map(|r| r.end())
        .max()
        .ok_or(FrameInitError::NoUsableMemory)?;
    let frames = top / FRAME_SIZE;
    let bitmap_bytes = frames.div_ceil(64) * 8;
    let overlaps = |s: u64, e: u64| reserved.iter().any(|&(rs, re)| s < re && rs < e);

    // First usable place above 1 MiB, below 4 GiB (the boot window), clear of
    // every reserved range.
    let mut bitmap_at = None;
    'regions: for r in usable() {
        let mut s = r.start.max(LOW_RESERVED).div_ceil(FRAME_SIZE) * FRAME_SIZE;
        while s + bitmap_bytes <= r.end().min(1 << 32) {
            if !overlaps(s, s + bitmap_bytes) {
                bitmap_at = Some(s);
                break 'regions;
            }
            s += FRAME_SIZE;
        }
    }
    let bits_phys = bitmap_at.ok_or(FrameInitError::NoRoomForBitmap)?;
    let words_ptr = phys_to_virt(PhysAddr::new_truncate(bits_phys)).as_mut_ptr::<u64>();
    // SAFETY: [bits_phys, +bitmap_bytes) is usable RAM below 4 GiB, clear of
    // everything reserved (and reserved itself just below), mapped by the
    // physical window, and handed to the allocator alone for good.
    let words = unsafe { core::slice::from_raw_parts_mut(words_ptr, (bitmap_bytes / 8) as usize) };
    // Everything starts used; usable regions are released; reservations re-taken.
    let mut bm = FrameBitmap::new_all_used(words, frames);
    for r in usable() {
        bm.release(r.start, r.end());
    }
    bm.reserve(0, LOW_RESERVED);
    bm.reserve(bits_phys, bits_phys + bitmap_bytes);
    for &(s, e) in reserved {
        bm.reserve(s, e);
    }
    let total: u64 = usable().map(|r| r.len).sum();
    *FRAMES.lock() = Some(bm);
    Ok((total, bitmap_bytes))
}

/// One free frame, or `None` when memory is exhausted.
pub fn alloc() -> Option<PhysAddr> {
    FRAMES.lock().as_mut()?.alloc().map(PhysAddr::new_truncate)
}

/// Frames kept back from user address spaces so the kernel (its heap, task
/// stacks) can always grow: processes that eat all memory get
/// `OutOfMemory`, the kernel does not run dry.
pub const KERNEL_RESERVE_BYTES: u64 = 8 << 20;

/// A frame for a user address space (its pages or page tables), refused
/// once only the kernel's reserve is left.
pub fn alloc_user() -> Option<PhysAddr> {
    let mut g = FRAMES.lock();
    let bm = g.as_mut()?;
    if bm.free_count() * FRAME_SIZE <= KERNEL_RESERVE_BYTES {
        return None;
    }
    bm.alloc().map(PhysAddr::new_truncate)
}

/// `count` contiguous frames (for DMA and the heap).
#[cfg_attr(
    not(feature = "selftest"),
    allow(
        dead_code,
        reason = "DMA grants will use it; the frames self-test does now"
    )
)]
pub fn alloc_contiguous(count: u64, align_frames: u64) -> Option<PhysAddr> {
    FRAMES
        .lock()
        .as_mut()?
        .alloc_contiguous(count, align_frames, LOW_RESERVED)
        .map(PhysAddr::new_truncate)
}

/// DMA memory stays below 4 GiB: not every device addresses more.
const DMA_BELOW: u64 = 1 << 32;

/// `count` contiguous frames for a user task's DMA memory, refused (like
/// [`alloc_user`]) if the run would eat into the kernel's reserve. Taken
/// from the top of memory below [`DMA_BELOW`] (`alloc_contiguous_top`): a
/// device given a length past its buffer's end overruns into other DMA
/// memory or off the end of RAM, not into the kernel's frames, which come
/// from the bottom (see `docs/devices.md`, no IOMMU).
pub fn alloc_contiguous_user(count: u64) -> Option<PhysAddr> {
    let mut g = FRAMES.lock();
    let bm = g.as_mut()?;
    let left = bm.free_count().checked_sub(count)?;
    if left * FRAME_SIZE <= KERNEL_RESERVE_BYTES {
        return None;
    }
    bm.alloc_contiguous_top(count, LOW_RESERVED, DMA_BELOW)
        .map(PhysAddr::new_truncate)
}

pub fn free(addr: PhysAddr) {
    if let Some(bm) = FRAMES.lock().as_mut() {
        bm.free(addr.as_u64());
    }
}

pub fn free_bytes() -> u64 {
    FRAMES
        .lock()
        .as_ref()
        .map_or(0, |bm| bm.free_count() * FRAME_SIZE)
}

/// Adapter for the `x86_64` crate's mappers (kernel tables).
pub struct GlobalFrames;

// SAFETY: frames come from the bitmap, which never hands out a frame twice.
unsafe impl FrameAllocator<Size4KiB> for GlobalFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        alloc().map(PhysFrame::containing_address)
    }
}
