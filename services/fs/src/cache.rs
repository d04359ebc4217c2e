//! The sector cache between fatfs and the block device.
//!
//! fatfs reads and writes a few bytes at a time (a FAT entry, a directory
//! entry); each of those must not become a block-service call. The cache
//! keeps the disk in 4 KiB pages (eight 512-byte sectors), fetches a miss
//! together with the following missing pages (read-ahead, one device read
//! of up to `max_transfer`), and keeps writes in memory until
//! [`SectorCache::flush`] writes every dirty page — contiguous runs
//! coalesced — and then flushes the device. That is the only durability
//! point: the service calls it on `Sync` and on `Close` of a handle that
//! wrote.
//!
//! When the cache is full a least-recently-used clean page is dropped; if
//! every page is dirty they are all written back first (without a device
//! flush: that promises nothing, it only frees memory).

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec;
use core::ops::Range;
use ipc::blk::BlkError;

use crate::device::BlockDevice;

/// Bytes per cache page.
pub const PAGE: usize = 4096;

/// Why a cache access failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheError {
    /// The block device refused or failed.
    Device(BlkError),
    /// An access past the end of the device: the file system's structures
    /// point outside the disk (a damaged or hostile image).
    OutOfDevice,
    /// The operation made more accesses than any operation on a sound
    /// volume of this size can (see [`SectorCache::start_operation`]): the
    /// image's structures loop.
    OverBudget,
}

struct Page {
    data: Box<[u8]>,
    dirty: bool,
    /// The tick of the last access, for LRU eviction.
    used: u64,
}

/// Counters for tests and the service's log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

pub struct SectorCache<D: BlockDevice> {
    dev: D,
    /// The device's size in bytes.
    size: u64,
    pages: BTreeMap<u64, Page>,
    capacity: usize,
    tick: u64,
    /// Accesses the current operation may still make.
    budget: u64,
    pub stats: CacheStats,
}

impl<D: BlockDevice> SectorCache<D> {
    /// A cache of at most `capacity` pages (at least 2) over `dev`, whose
    /// block size must divide [`PAGE`].
    pub fn new(dev: D, capacity: usize) -> Result<Self, CacheError> {
        let bs = dev.block_size();
        if bs == 0 || !bs.is_power_of_two() || bs as usize > PAGE {
            return Err(CacheError::Device(BlkError::Device(0)));
        }
        let size = dev
            .blocks()
            .checked_mul(u64::from(bs))
            .ok_or(CacheError::OutOfDevice)?;
        Ok(SectorCache {
            dev,
            size,
            pages: BTreeMap::new(),
            capacity: capacity.max(2),
            tick: 0,
            budget: u64::MAX,
            stats: CacheStats::default(),
        })
    }

    /// The device's size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The device back, dropping whatever was not flushed.
    pub fn into_device(self) -> D {
        self.dev
    }

    pub fn device(&self) -> &D {
        &self.dev
    }

    pub fn device_mut(&mut self) -> &mut D {
        &mut self.dev
    }

    /// Whether any page waits to be written.
    pub fn is_dirty(&self) -> bool {
        self.pages.values().any(|p| p.dirty)
    }

    /// Bytes of page `index` on the device (the last page may be short).
    fn page_len(&self, index: u64) -> usize {
        let start = index * PAGE as u64;
        (self.size - start).min(PAGE as u64) as usize
    }

    fn lba(&self, index: u64) -> u64 {
        index * PAGE as u64 / u64::from(self.dev.block_size())
    }

    /// Starts the budget of one file-system operation.
    ///
    /// fatfs walks cluster chains and directories as the image describes
    /// them; on a hostile image a chain can loop, and some of those walks
    /// (a directory of deleted entries, a chain being freed) would never
    /// end. Every storage access costs one unit; a sound volume never needs
    /// more than a few per block of the device for one operation (each
    /// chain and directory is walked a bounded number of times), so an
    /// operation that runs out is refused as `Corrupt` instead of hanging
    /// the service.
    pub fn start_operation(&mut self) {
        self.budget = (self.size / 512).saturating_mul(4).saturating_add(1 << 20);
    }

    fn spend(&mut self) -> Result<(), CacheError> {
        self.budget = self.budget.checked_sub(1).ok_or(CacheError::OverBudget)?;
        Ok(())
    }

    /// Copies `buf.len()` bytes at `offset` out of the cache.
    pub fn read_at(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), CacheError> {
        self.each_page(offset, buf.len(), false, |page, in_page, in_buf| {
            let (Some(dst), Some(src)) = (buf.get_mut(in_buf), page.data.get(in_page)) else {
                return Err(CacheError::OutOfDevice);
            };
            dst.copy_from_slice(src);
            Ok(())
        })
    }

    /// Copies `buf` into the cache at `offset`; the pages become dirty.
    pub fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<(), CacheError> {
        self.each_page(offset, buf.len(), true, |page, in_page, in_buf| {
            let (Some(dst), Some(src)) = (page.data.get_mut(in_page), buf.get(in_buf)) else {
                return Err(CacheError::OutOfDevice);
            };
            dst.copy_from_slice(src);
            page.dirty = true;
            Ok(())
        })
    }

    /// One storage access (`read_at`, `write_at`) of `len` bytes at
    /// `offset`: `f` gets each page it covers in turn, with the range of
    /// that page and the range of the caller's buffer that go together.
    fn each_page(
        &mut self,
        offset: u64,
        len: usize,
        write: bool,
        mut f: impl FnMut(&mut Page, Range<usize>, Range<usize>) -> Result<(), CacheError>,
    ) -> Result<(), CacheError> {
        self.spend()?;
        self.check(offset, len)?;
        let mut done = 0;
        while done < len {
            let at = offset + done as u64;
            let index = at / PAGE as u64;
            let within = (at % PAGE as u64) as usize;
            // A page a write overwrites whole need not be read first.
            let whole = write && within == 0 && len - done >= self.page_len(index);
            let page = self.page(index, !whole)?;
            let n = (page.data.len() - within).min(len - done);
            f(page, within..within + n, done..done + n)?;
            done += n;
        }
        Ok(())
    }

    fn check(&self, offset: u64, len: usize) -> Result<(), CacheError> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.size => Ok(()),
            _ => Err(CacheError::OutOfDevice),
        }
    }

    /// The page at `index`, loaded (with read-ahead) if `load`, else
    /// zero-filled when missing (the caller overwrites it whole).
    fn page(&mut self, index: u64, load: bool) -> Result<&mut Page, CacheError> {
        self.tick += 1;
        if self.pages.contains_key(&index) {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
            self.make_room()?;
            if load {
                self.load(index)?;
            } else {
                let len = self.page_len(index);
                self.pages.insert(
                    index,
                    Page {
                        data: vec![0; len].into_boxed_slice(),
                        dirty: false,
                        used: self.tick,
                    },
                );
            }
        }
        let tick = self.tick;
        let page = self.pages.get_mut(&index).ok_or(CacheError::OutOfDevice)?;
        page.used = tick;
        Ok(page)
    }

    /// Reads page `index` and the missing pages after it, as far as one
    /// device transfer, the device's end and free cache room allow.
    fn load(&mut self, index: u64) -> Result<(), CacheError> {
        let last_page = self.size.div_ceil(PAGE as u64);
        let max_pages = (self.dev.max_transfer() / PAGE).max(1);
        let room = self.capacity.saturating_sub(self.pages.len()).max(1);
        let mut count = 1;
        while count < max_pages.min(room)
            && index + (count as u64) < last_page
            && !self.pages.contains_key(&(index + count as u64))
        {
            count += 1;
        }
        let bytes: usize = (0..count as u64).map(|i| self.page_len(index + i)).sum();
        let mut buf = vec![0u8; bytes];
        let lba = self.lba(index);
        self.dev.read(lba, &mut buf).map_err(CacheError::Device)?;
        let mut at = 0;
        for i in 0..count as u64 {
            let len = self.page_len(index + i);
            let data: Box<[u8]> = buf.get(at..at + len).unwrap_or(&[]).into();
            at += len;
            // The requested page counts as used now; read-ahead pages as a
            // little older, so they go first if nothing touches them.
            let used = if i == 0 {
                self.tick
            } else {
                self.tick.saturating_sub(1)
            };
            self.pages.insert(
                index + i,
                Page {
                    data,
                    dirty: false,
                    used,
                },
            );
        }
        Ok(())
    }

    fn make_room(&mut self) -> Result<(), CacheError> {
        while self.pages.len() >= self.capacity {
            let victim = self
                .pages
                .iter()
                .filter(|(_, p)| !p.dirty)
                .min_by_key(|(_, p)| p.used)
                .map(|(&i, _)| i);
            match victim {
                Some(i) => {
                    self.pages.remove(&i);
                    self.stats.evictions += 1;
                }
                None => self.write_back()?,
            }
        }
        Ok(())
    }

    /// Writes every dirty page, contiguous runs in one device write each.
    pub fn write_back(&mut self) -> Result<(), CacheError> {
        let max_pages = (self.dev.max_transfer() / PAGE).max(1);
        let dirty: alloc::vec::Vec<u64> = self
            .pages
            .iter()
            .filter(|(_, p)| p.dirty)
            .map(|(&i, _)| i)
            .collect();
        let mut run_start = 0;
        while let Some(&first) = dirty.get(run_start) {
            let mut run_len = 1;
            while run_len < max_pages
                && dirty.get(run_start + run_len) == Some(&(first + run_len as u64))
            {
                run_len += 1;
            }
            let mut buf = alloc::vec::Vec::new();
            for i in 0..run_len as u64 {
                if let Some(p) = self.pages.get(&(first + i)) {
                    buf.extend_from_slice(&p.data);
                }
            }
            let lba = self.lba(first);
            self.dev.write(lba, &buf).map_err(CacheError::Device)?;
            for i in 0..run_len as u64 {
                if let Some(p) = self.pages.get_mut(&(first + i)) {
                    p.dirty = false;
                }
            }
            run_start += run_len;
        }
        Ok(())
    }

    /// Writes every dirty page and flushes the device: afterwards every
    /// write made through the cache is durable.
    pub fn flush(&mut self) -> Result<(), CacheError> {
        self.write_back()?;
        self.dev.flush().map_err(CacheError::Device)
    }

    /// Forgets every clean page (the next reads go to the device).
    pub fn drop_clean(&mut self) {
        self.pages.retain(|_, p| p.dirty);
    }

    pub fn cached_pages(&self) -> usize {
        self.pages.len()
    }
}
