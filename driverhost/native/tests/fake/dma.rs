//! DMA memory of the fake machine: zeroed, page-aligned host memory whose
//! "physical" address is its host address, so the device model can follow
//! the driver's descriptors. The model reaches it only through
//! [`Dma::read`] / [`Dma::write`], which act as an IOMMU: an access outside
//! every allocated buffer is refused (and the model reports it).

use std::alloc::{Layout, alloc_zeroed};

/// One allocation: the bytes the driver asked for at `addr`.
#[derive(Clone, Copy, Debug)]
struct Buffer {
    addr: usize,
    len: usize,
}

#[derive(Default)]
pub struct Dma {
    buffers: Vec<Buffer>,
}

impl Dma {
    /// A zeroed buffer of `len` bytes (page-rounded in memory; only `len`
    /// are accessible). Leaked: compiled code may keep its address.
    pub fn allocate(&mut self, len: usize, bytes: usize) -> Option<usize> {
        let layout = Layout::from_size_align(bytes, 4096).ok()?;
        // SAFETY: `bytes` > 0 (the caller checked with `check::dma_bytes`).
        let p = unsafe { alloc_zeroed(layout) };
        if p.is_null() {
            return None;
        }
        self.buffers.push(Buffer {
            addr: p as usize,
            len,
        });
        Some(p as usize)
    }

    /// Whether `[addr, addr + len)` is inside one buffer.
    pub fn contains(&self, addr: usize, len: usize) -> bool {
        self.buffers
            .iter()
            .any(|b| addr >= b.addr && addr.checked_add(len).is_some_and(|e| e <= b.addr + b.len))
    }

    /// Copies device memory at `phys` into `out`; false if outside.
    pub fn read(&self, phys: u64, out: &mut [u8]) -> bool {
        let a = phys as usize;
        if !self.contains(a, out.len()) {
            return false;
        }
        // SAFETY: inside a live (leaked) allocation, checked above.
        unsafe { std::ptr::copy_nonoverlapping(a as *const u8, out.as_mut_ptr(), out.len()) };
        true
    }

    /// Copies `data` to device memory at `phys`; false if outside.
    pub fn write(&self, phys: u64, data: &[u8]) -> bool {
        let a = phys as usize;
        if !self.contains(a, data.len()) {
            return false;
        }
        // SAFETY: as for `read`.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), a as *mut u8, data.len()) };
        true
    }

    pub fn read_u16(&self, phys: u64) -> Option<u16> {
        let mut b = [0; 2];
        self.read(phys, &mut b).then(|| u16::from_le_bytes(b))
    }

    pub fn read_u32(&self, phys: u64) -> Option<u32> {
        let mut b = [0; 4];
        self.read(phys, &mut b).then(|| u32::from_le_bytes(b))
    }

    pub fn read_u64(&self, phys: u64) -> Option<u64> {
        let mut b = [0; 8];
        self.read(phys, &mut b).then(|| u64::from_le_bytes(b))
    }
}
