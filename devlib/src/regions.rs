//! Bookkeeping behind the HAL, free of syscalls so it is host-tested: which
//! virtual ranges are DMA memory (and at which physical address), and a pool
//! of small DMA slots for bouncing buffers that are not.
//!
//! `Hal::share` must give the device a physical address for any buffer
//! `virtio-drivers` hands it. A buffer inside one of our DMA regions (the
//! driver's data slots, the virtqueues) is translated: zero copies. Anything
//! else — `VirtQueue`'s heap-allocated indirect descriptor lists, request
//! headers kept on the heap — is copied into a bounce slot, and copied back
//! by `unshare` when the device may have written it.

use alloc::vec::Vec;

/// A DMA region: `len` bytes at virtual `va`, physical `pa`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    pub va: u64,
    pub pa: u64,
    pub len: u64,
}

/// Every live DMA region of the process.
#[derive(Default)]
pub struct Regions {
    list: Vec<Region>,
}

impl Regions {
    pub const fn new() -> Self {
        Regions { list: Vec::new() }
    }

    pub fn add(&mut self, r: Region) {
        self.list.push(r);
    }

    /// Forgets the region starting at `va`.
    pub fn remove(&mut self, va: u64) -> Option<Region> {
        let i = self.list.iter().position(|r| r.va == va)?;
        Some(self.list.swap_remove(i))
    }

    /// The physical address of `[va, va + len)` if it lies wholly in one
    /// region (regions are physically contiguous, so then it is contiguous).
    pub fn translate(&self, va: u64, len: u64) -> Option<u64> {
        let end = va.checked_add(len)?;
        self.list
            .iter()
            .find(|r| va >= r.va && end <= r.va + r.len)
            .map(|r| r.pa + (va - r.va))
    }
}

/// Fixed-size bounce slots carved from one DMA region.
pub struct SlotPool {
    region: Region,
    slot: u64,
    used: [u64; 4],
}

impl SlotPool {
    /// At most 256 slots of `slot` bytes; the region's length decides how
    /// many of them exist.
    pub fn new(region: Region, slot: u64) -> Self {
        SlotPool {
            region,
            slot: slot.max(1),
            used: [0; 4],
        }
    }

    pub fn slot_size(&self) -> u64 {
        self.slot
    }

    fn count(&self) -> u64 {
        (self.region.len / self.slot).min(256)
    }

    /// A free slot: (va, pa).
    pub fn alloc(&mut self) -> Option<(u64, u64)> {
        for i in 0..self.count() {
            let (w, b) = ((i / 64) as usize, i % 64);
            let word = self.used.get_mut(w)?;
            if *word & (1 << b) == 0 {
                *word |= 1 << b;
                let off = i * self.slot;
                return Some((self.region.va + off, self.region.pa + off));
            }
        }
        None
    }

    /// Frees the slot at physical `pa`; false if `pa` is not one of ours.
    pub fn free(&mut self, pa: u64) -> bool {
        if pa < self.region.pa || !(pa - self.region.pa).is_multiple_of(self.slot) {
            return false;
        }
        let i = (pa - self.region.pa) / self.slot;
        if i >= self.count() {
            return false;
        }
        let (w, b) = ((i / 64) as usize, i % 64);
        match self.used.get_mut(w) {
            Some(word) if *word & (1 << b) != 0 => {
                *word &= !(1 << b);
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_needs_the_whole_range_in_one_region() {
        let mut r = Regions::new();
        r.add(Region {
            va: 0x6000_0000,
            pa: 0x20_0000,
            len: 0x2000,
        });
        r.add(Region {
            va: 0x6000_2000,
            pa: 0x90_0000,
            len: 0x1000,
        });
        assert_eq!(r.translate(0x6000_0010, 16), Some(0x20_0010));
        assert_eq!(r.translate(0x6000_2000, 0x1000), Some(0x90_0000));
        // Straddles two regions that are not physically adjacent.
        assert_eq!(r.translate(0x6000_1ff0, 0x20), None);
        assert_eq!(r.translate(0x1000, 8), None);
        assert_eq!(r.translate(u64::MAX, 2), None);
        assert_eq!(r.remove(0x6000_0000).map(|x| x.pa), Some(0x20_0000));
        assert_eq!(r.translate(0x6000_0010, 16), None);
        assert_eq!(r.remove(0x6000_0000), None);
    }

    #[test]
    fn slots_are_handed_out_once_and_come_back() {
        let region = Region {
            va: 0x7000,
            pa: 0x10_0000,
            len: 4 * 256,
        };
        let mut p = SlotPool::new(region, 256);
        let a: Vec<_> = (0..4).map(|_| p.alloc().unwrap()).collect();
        assert_eq!(a[1], (0x7100, 0x10_0100));
        assert_eq!(p.alloc(), None);
        assert!(p.free(0x10_0100));
        assert!(!p.free(0x10_0100), "double free refused");
        assert!(!p.free(0x10_0101));
        assert!(!p.free(0x10_0400));
        assert_eq!(p.alloc(), Some((0x7100, 0x10_0100)));
    }
}
