//! The block device under the file system: `ipc::blk` in the service
//! (`main.rs`), a RAM disk in tests and in the fuzz target.

use alloc::vec;
use alloc::vec::Vec;
use ipc::blk::BlkError;

/// Blocks at LBA granularity, as the block service serves them. Buffers are
/// whole blocks: `buf.len()` is a multiple of [`BlockDevice::block_size`].
pub trait BlockDevice {
    /// Bytes per block (a power of two, 512..=4096).
    fn block_size(&self) -> u32;
    /// Blocks on the device.
    fn blocks(&self) -> u64;
    /// The most bytes one `read`/`write` may move.
    fn max_transfer(&self) -> usize;
    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError>;
    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlkError>;
    /// Makes every completed write durable.
    fn flush(&mut self) -> Result<(), BlkError>;
}

/// A disk in memory, with counters and an optional failure switch, for
/// tests and fuzzing.
#[derive(Clone, Debug)]
pub struct RamDisk {
    pub data: Vec<u8>,
    pub block_size: u32,
    /// Device reads, writes and flushes served (one per call).
    pub reads: u64,
    pub writes: u64,
    pub flushes: u64,
    /// Blocks written since the last flush (what a power cut would lose).
    pub unflushed: u64,
    /// When set, every operation fails with this error.
    pub fail: Option<BlkError>,
    pub read_only: bool,
}

impl RamDisk {
    /// A zeroed disk of `bytes` (rounded down to whole 512-byte blocks).
    pub fn new(bytes: usize) -> Self {
        Self::from_image(vec![0; bytes - bytes % 512])
    }

    /// A disk holding `image` (its length must be whole 512-byte blocks).
    pub fn from_image(data: Vec<u8>) -> Self {
        RamDisk {
            data,
            block_size: 512,
            reads: 0,
            writes: 0,
            flushes: 0,
            unflushed: 0,
            fail: None,
            read_only: false,
        }
    }

    fn range(&self, lba: u64, len: usize) -> Result<core::ops::Range<usize>, BlkError> {
        let blocks = self.blocks();
        let bs = u64::from(self.block_size);
        if !(len as u64).is_multiple_of(bs) || len == 0 {
            return Err(BlkError::BadCount { max: 128 });
        }
        let end = lba.checked_add(len as u64 / bs).filter(|&e| e <= blocks);
        match end {
            Some(_) => {
                let start = (lba * bs) as usize;
                Ok(start..start + len)
            }
            None => Err(BlkError::OutOfRange { blocks }),
        }
    }
}

impl BlockDevice for RamDisk {
    fn block_size(&self) -> u32 {
        self.block_size
    }

    fn blocks(&self) -> u64 {
        self.data.len() as u64 / u64::from(self.block_size)
    }

    fn max_transfer(&self) -> usize {
        64 * 1024
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        if let Some(e) = self.fail {
            return Err(e);
        }
        let r = self.range(lba, buf.len())?;
        buf.copy_from_slice(self.data.get(r).ok_or(BlkError::Device(1))?);
        self.reads += 1;
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlkError> {
        if let Some(e) = self.fail {
            return Err(e);
        }
        if self.read_only {
            return Err(BlkError::ReadOnly);
        }
        let r = self.range(lba, buf.len())?;
        self.data
            .get_mut(r)
            .ok_or(BlkError::Device(1))?
            .copy_from_slice(buf);
        self.writes += 1;
        self.unflushed += buf.len() as u64 / u64::from(self.block_size);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlkError> {
        if let Some(e) = self.fail {
            return Err(e);
        }
        self.flushes += 1;
        self.unflushed = 0;
        Ok(())
    }
}
