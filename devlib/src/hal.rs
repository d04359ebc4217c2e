//! `virtio_drivers::Hal` over Cordon's syscalls.
//!
//! - `dma_alloc`/`dma_dealloc`: `DmaAlloc` (write-back: x86 DMA snoops the
//!   caches) at the next free address of the [`crate::DMA_BASE`] range, and
//!   `DmaFree`. Each region is recorded for `share`.
//! - `mmio_phys_to_virt`: `MapDevice` of the pages not mapped yet, at
//!   `MMIO_BASE + phys`. The kernel only maps pages of BARs we were granted.
//! - `share`/`unshare`: translation for buffers inside a DMA region; other
//!   buffers are bounced (see [`crate::regions`]): up to [`SLOT`] bytes
//!   through a pool of slots, larger ones through a `DmaAlloc` of their own,
//!   freed again by `unshare`.
//!
//! Failure to get DMA memory is reported to `virtio-drivers` as it expects
//! (physical address 0 from `dma_alloc`); a `share` that cannot bounce has
//! nothing to return, so the driver process stops with a log line.

use crate::regions::{Region, Regions, SlotPool};
use crate::{DMA_BASE, MMIO_BASE, PAGE};
use alloc::vec::Vec;
use core::ptr::NonNull;
use ddk_abi::syscall::dma_cache;
use spin::Mutex;
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// Bounce slot size: VirtIOBlk's indirect lists (3 descriptors, 48 bytes),
/// request headers (16) and status bytes all fit.
pub const SLOT: u64 = 256;
const POOL_BYTES: u64 = 16 * PAGE;

struct Bounce {
    pa: u64,
    va: u64,
    len: u64,
    /// From the slot pool (else its own DMA region at `va`).
    pooled: bool,
}

struct State {
    regions: Regions,
    next_va: u64,
    pool: Option<SlotPool>,
    bounces: Vec<Bounce>,
    /// MMIO pages already mapped (physical page addresses).
    mapped: Vec<u64>,
}

static STATE: Mutex<State> = Mutex::new(State {
    regions: Regions::new(),
    next_va: DMA_BASE,
    pool: None,
    bounces: Vec::new(),
    mapped: Vec::new(),
});

/// Allocates `bytes` (rounded up to pages) of zeroed DMA memory:
/// (virtual, physical). Usable by drivers for their own data buffers, which
/// `share` then translates without copying.
pub fn alloc_region(bytes: u64) -> Result<(u64, u64), userlib::sys::Error> {
    let mut s = STATE.lock();
    alloc_locked(&mut s, bytes)
}

fn alloc_locked(s: &mut State, bytes: u64) -> Result<(u64, u64), userlib::sys::Error> {
    let len = bytes.div_ceil(PAGE).max(1) * PAGE;
    let va = s.next_va;
    let pa = userlib::sys::dma_alloc(len, va, dma_cache::WRITE_BACK)?;
    // A guard page between regions keeps an overrun from reaching the next.
    s.next_va = va + len + PAGE;
    s.regions.add(Region { va, pa, len });
    Ok((va, pa))
}

fn free_locked(s: &mut State, va: u64) {
    if s.regions.remove(va).is_some() {
        let _ = userlib::sys::dma_free(va);
    }
}

/// Frees a region from [`alloc_region`].
pub fn free_region(va: u64) {
    free_locked(&mut STATE.lock(), va);
}

/// The physical address of `[va, va + len)` if it is DMA memory.
pub fn translate(va: u64, len: u64) -> Option<u64> {
    STATE.lock().regions.translate(va, len)
}

/// Bounce buffers in use (diagnostics).
pub fn bounces_live() -> usize {
    STATE.lock().bounces.len()
}

/// The `virtio_drivers::Hal` of a Cordon driver process.
pub struct CordonHal;

// SAFETY: `dma_alloc` returns page-aligned, zeroed memory the kernel mapped
// for us alone (DmaAlloc zeroes it), at addresses never handed out twice;
// `mmio_phys_to_virt` returns a mapping of the device's own registers; and
// `share` returns a physical address that holds the buffer's bytes for as
// long as the device may use them (until `unshare`).
unsafe impl Hal for CordonHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let mut s = STATE.lock();
        match alloc_locked(&mut s, pages as u64 * PAGE) {
            Ok((va, pa)) => match NonNull::new(va as *mut u8) {
                Some(p) => (pa, p),
                None => (0, NonNull::dangling()),
            },
            Err(_) => (0, NonNull::dangling()),
        }
    }

    unsafe fn dma_dealloc(_paddr: PhysAddr, vaddr: NonNull<u8>, _pages: usize) -> i32 {
        free_locked(&mut STATE.lock(), vaddr.as_ptr() as u64);
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let mut s = STATE.lock();
        let first = paddr & !(PAGE - 1);
        let end = (paddr + size as u64).div_ceil(PAGE) * PAGE;
        let mut page = first;
        while page < end {
            if !s.mapped.contains(&page) {
                if let Err(e) = userlib::sys::map_device(page, PAGE, MMIO_BASE + page) {
                    userlib::log!("devlib: cannot map device page {page:#x}: {e}");
                    userlib::exit(71);
                }
                s.mapped.push(page);
            }
            page += PAGE;
        }
        NonNull::new((MMIO_BASE + paddr) as *mut u8).unwrap_or(NonNull::dangling())
    }

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> PhysAddr {
        let va = buffer.as_ptr() as *mut u8 as u64;
        let len = buffer.len() as u64;
        let mut s = STATE.lock();
        if let Some(pa) = s.regions.translate(va, len) {
            return pa;
        }
        let (bva, bpa, pooled) = match bounce_target(&mut s, len) {
            Some(t) => t,
            None => {
                userlib::log!("devlib: no DMA memory to bounce {len} bytes");
                userlib::exit(72);
            }
        };
        if direction != BufferDirection::DeviceToDriver {
            // SAFETY: the caller gives a valid buffer of `len` bytes; the
            // target is our DMA memory of at least `len` bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(va as *const u8, bva as *mut u8, len as usize)
            };
        }
        s.bounces.push(Bounce {
            pa: bpa,
            va: bva,
            len,
            pooled,
        });
        bpa
    }

    unsafe fn unshare(paddr: PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let mut s = STATE.lock();
        let Some(i) = s.bounces.iter().position(|b| b.pa == paddr) else {
            return; // translated, not bounced
        };
        let b = s.bounces.swap_remove(i);
        if direction != BufferDirection::DriverToDevice {
            let n = b.len.min(buffer.len() as u64) as usize;
            // SAFETY: the caller gives the buffer it shared; the bounce copy
            // is ours and at least `n` bytes.
            unsafe {
                core::ptr::copy_nonoverlapping(b.va as *const u8, buffer.as_ptr() as *mut u8, n)
            };
        }
        if b.pooled {
            if let Some(p) = s.pool.as_mut() {
                p.free(b.pa);
            }
        } else {
            free_locked(&mut s, b.va);
        }
    }
}

/// A DMA place for a bounced buffer of `len` bytes: (va, pa, pooled).
fn bounce_target(s: &mut State, len: u64) -> Option<(u64, u64, bool)> {
    if len <= SLOT {
        if s.pool.is_none() {
            let (va, pa) = alloc_locked(s, POOL_BYTES).ok()?;
            s.pool = Some(SlotPool::new(
                Region {
                    va,
                    pa,
                    len: POOL_BYTES,
                },
                SLOT,
            ));
        }
        if let Some((va, pa)) = s.pool.as_mut().and_then(SlotPool::alloc) {
            return Some((va, pa, true));
        }
    }
    let (va, pa) = alloc_locked(s, len).ok()?;
    Some((va, pa, false))
}
