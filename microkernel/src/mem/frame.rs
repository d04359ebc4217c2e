//! The physical frame allocator: a bitmap over RAM, one bit per 4 KiB frame.
//!
//! Built from the e820 map; the kernel image, the initrd, the boot structures,
//! the ACPI tables and the first MiB are reserved before the first allocation.
//! A bitmap (rather than a free list) keeps contiguous runs findable, which
//! DMA buffers for the driver host will need.

use crate::boot::pvh::{BootInfo, RegionKind};
use crate::mem::phys::phys_to_virt;
use spin::Mutex;
use x86_64::PhysAddr;
use x86_64::structures::paging::{FrameAllocator, PhysFrame, Size4KiB};

pub const FRAME_SIZE: u64 = 4096;

/// Frames below this stay reserved (real-mode IVT, BIOS data, EBDA, option
/// ROMs, and room for an AP start-up trampoline later).
const LOW_RESERVED: u64 = 0x10_0000;

pub struct FrameBitmap {
    /// Physical address of the bitmap (one bit per frame, 1 = in use).
    bits_phys: u64,
    frames: u64,
    free: u64,
    /// Where the next search for a single frame starts.
    hint: u64,
}

impl FrameBitmap {
    fn words(&self) -> *mut u64 {
        phys_to_virt(PhysAddr::new_truncate(self.bits_phys)).as_mut_ptr()
    }

    fn word_count(&self) -> u64 {
        self.frames.div_ceil(64)
    }

    #[cfg_attr(
        not(feature = "selftest"),
        allow(
            dead_code,
            reason = "DMA grants will use it; the frames self-test does now"
        )
    )]
    fn get(&self, frame: u64) -> bool {
        if frame >= self.frames {
            return true;
        }
        // SAFETY: frame < frames, so word frame/64 lies inside the bitmap, which is
        // reserved RAM mapped by the physical window.
        let w = unsafe { self.words().add((frame / 64) as usize).read() };
        w & (1 << (frame % 64)) != 0
    }

    fn set(&mut self, frame: u64, used: bool) {
        if frame >= self.frames {
            return;
        }
        // SAFETY: as in `get`; we hold the allocator lock (&mut self).
        unsafe {
            let p = self.words().add((frame / 64) as usize);
            let w = p.read();
            let nw = if used {
                w | (1 << (frame % 64))
            } else {
                w & !(1 << (frame % 64))
            };
            if nw != w {
                if used {
                    self.free -= 1;
                } else {
                    self.free += 1;
                }
            }
            p.write(nw);
        }
    }

    /// Marks `[start, end)` (byte addresses, widened to whole frames) used.
    pub fn reserve(&mut self, start: u64, end: u64) {
        let first = start / FRAME_SIZE;
        let last = end.div_ceil(FRAME_SIZE).min(self.frames);
        for f in first..last {
            self.set(f, true);
        }
    }

    fn release_range(&mut self, start: u64, end: u64) {
        // Only whole frames inside a usable region become free.
        let first = start.div_ceil(FRAME_SIZE);
        let last = (end / FRAME_SIZE).min(self.frames);
        for f in first..last {
            self.set(f, false);
        }
    }

    pub fn alloc(&mut self) -> Option<PhysAddr> {
        let words = self.word_count();
        for i in 0..words {
            let wi = (self.hint / 64 + i) % words;
            // SAFETY: wi < word_count, inside the bitmap.
            let w = unsafe { self.words().add(wi as usize).read() };
            if w != u64::MAX {
                let f = wi * 64 + u64::from((!w).trailing_zeros());
                if f < self.frames {
                    self.set(f, true);
                    self.hint = f;
                    return Some(PhysAddr::new_truncate(f * FRAME_SIZE));
                }
            }
        }
        None
    }

    /// `count` physically contiguous frames, the first aligned to `align_frames`.
    #[cfg_attr(
        not(feature = "selftest"),
        allow(
            dead_code,
            reason = "DMA grants will use it; the frames self-test does now"
        )
    )]
    pub fn alloc_contiguous(&mut self, count: u64, align_frames: u64) -> Option<PhysAddr> {
        let align = align_frames.max(1);
        let mut start = LOW_RESERVED / FRAME_SIZE;
        start = start.div_ceil(align) * align;
        while start.checked_add(count)? <= self.frames {
            match (start..start + count).find(|&f| self.get(f)) {
                None => {
                    for f in start..start + count {
                        self.set(f, true);
                    }
                    return Some(PhysAddr::new_truncate(start * FRAME_SIZE));
                }
                Some(used) => start = (used + 1).div_ceil(align) * align,
            }
        }
        None
    }

    pub fn free(&mut self, addr: PhysAddr) {
        self.set(addr.as_u64() / FRAME_SIZE, false);
    }

    pub fn free_count(&self) -> u64 {
        self.free
    }
}

pub static FRAMES: Mutex<Option<FrameBitmap>> = Mutex::new(None);

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
    let mut bm = FrameBitmap {
        bits_phys,
        frames,
        free: 0,
        hint: 0,
    };
    // Everything starts used; usable regions are released; reservations re-taken.
    // SAFETY: [bits_phys, +bitmap_bytes) is usable RAM below 4 GiB, clear of
    // everything reserved, and mapped by the boot window.
    unsafe { core::ptr::write_bytes(bm.words().cast::<u8>(), 0xff, bitmap_bytes as usize) };
    for r in usable() {
        bm.release_range(r.start, r.end());
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
    FRAMES.lock().as_mut()?.alloc()
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
    bm.alloc()
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
        .alloc_contiguous(count, align_frames)
}

pub fn free(addr: PhysAddr) {
    if let Some(bm) = FRAMES.lock().as_mut() {
        bm.free(addr);
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

/// Adapter for mappers of user address spaces: respects the kernel reserve.
pub struct UserFrames;

// SAFETY: frames come from the bitmap, which never hands out a frame twice.
unsafe impl FrameAllocator<Size4KiB> for UserFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        alloc_user().map(PhysFrame::containing_address)
    }
}

// SAFETY: frames come from the bitmap, which never hands out a frame twice.
unsafe impl FrameAllocator<Size4KiB> for GlobalFrames {
    fn allocate_frame(&mut self) -> Option<PhysFrame<Size4KiB>> {
        alloc().map(PhysFrame::containing_address)
    }
}
