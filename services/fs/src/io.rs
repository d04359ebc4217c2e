//! fatfs's storage: a cursor over the shared [`SectorCache`].
//!
//! The cache is shared (`Rc<RefCell<…>>`) rather than owned by the
//! `FileSystem` because the volume unmounts and remounts fatfs on every
//! sync (see `volume.rs`), and the cache — with its dirty pages — must
//! outlive each mount.

use alloc::rc::Rc;
use core::cell::RefCell;

use crate::cache::{CacheError, SectorCache};
use crate::device::BlockDevice;

/// fatfs's storage error: the cache's, made a fatfs `IoError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IoFailure {
    Cache(CacheError),
    /// fatfs asked for more bytes than the disk has (`read_exact` at the end).
    UnexpectedEof,
    WriteZero,
    /// A seek before the start of the disk.
    BadSeek,
}

impl fatfs::IoError for IoFailure {
    fn is_interrupted(&self) -> bool {
        false
    }

    fn new_unexpected_eof_error() -> Self {
        IoFailure::UnexpectedEof
    }

    fn new_write_zero_error() -> Self {
        IoFailure::WriteZero
    }
}

pub type SharedCache<D> = Rc<RefCell<SectorCache<D>>>;

pub struct DiskIo<D: BlockDevice> {
    cache: SharedCache<D>,
    pos: u64,
}

impl<D: BlockDevice> DiskIo<D> {
    /// A cursor at offset 0 (fatfs requires it).
    pub fn new(cache: SharedCache<D>) -> Self {
        DiskIo { cache, pos: 0 }
    }

    /// The bytes from the position to the end of the disk, at most `want`.
    fn available(&self, want: usize) -> usize {
        let size = self.cache.borrow().size();
        (size.saturating_sub(self.pos)).min(want as u64) as usize
    }
}

impl<D: BlockDevice> fatfs::IoBase for DiskIo<D> {
    type Error = IoFailure;
}

impl<D: BlockDevice> fatfs::Read for DiskIo<D> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, IoFailure> {
        let n = self.available(buf.len());
        let dst = buf.get_mut(..n).ok_or(IoFailure::UnexpectedEof)?;
        self.cache
            .borrow_mut()
            .read_at(self.pos, dst)
            .map_err(IoFailure::Cache)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<D: BlockDevice> fatfs::Write for DiskIo<D> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, IoFailure> {
        let n = self.available(buf.len());
        if n < buf.len() {
            // A write past the end is never right: the image's structures
            // point outside the disk.
            return Err(IoFailure::Cache(CacheError::OutOfDevice));
        }
        self.cache
            .borrow_mut()
            .write_at(self.pos, buf)
            .map_err(IoFailure::Cache)?;
        self.pos += n as u64;
        Ok(n)
    }

    /// Deliberately nothing: fatfs flushes its storage whenever a `File` is
    /// dropped, i.e. after every request here. Durability is the volume's
    /// explicit `sync` (cache write-back plus a device flush).
    fn flush(&mut self) -> Result<(), IoFailure> {
        Ok(())
    }
}

impl<D: BlockDevice> fatfs::Seek for DiskIo<D> {
    fn seek(&mut self, pos: fatfs::SeekFrom) -> Result<u64, IoFailure> {
        let size = self.cache.borrow().size();
        let new = match pos {
            fatfs::SeekFrom::Start(p) => Some(p),
            fatfs::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
            fatfs::SeekFrom::End(d) => size.checked_add_signed(d),
        };
        self.pos = new.ok_or(IoFailure::BadSeek)?;
        Ok(self.pos)
    }
}
