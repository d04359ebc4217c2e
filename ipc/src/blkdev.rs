//! `blkdev`: the protocol every block-device **backend** serves — the native
//! virtio-blk driver (`services/virtio-blk`) today, the C# driver host next —
//! to its one real client, the block service (and to tests and benches).
//! [`crate::blk`] stays the client-facing protocol of that service.
//!
//! # Data window
//!
//! Block data never travels in a message. A client creates one grant over a
//! buffer of its own (writable, since reads store into it), sends
//! [`Request::Attach`] once, and from then on names byte offsets in that
//! *data window*. The backend keeps the grant's id until
//! [`Request::Detach`] or the client's death and copies between it and its
//! DMA buffers with `GrantRead` / `GrantWrite` (never mapping it, so a
//! client that dies mid-request fails that request, not the backend); a
//! per-request grant would cost a `GrantCreate` and a revoke on every 4 KiB
//! read.
//!
//! # Several requests in flight
//!
//! [`Request::Submit`] carries a batch of up to [`MAX_BATCH`] operations;
//! the backend starts them all on the device at once (up to its
//! [`DeviceInfo::queue_depth`], queueing the rest) and replies once every
//! operation has finished, with one [`Status`] per operation in order. That
//! is how one client reaches queue depth 32 through a synchronous `call`. A
//! backend also serves several clients at once: it receives the next message
//! before replying to earlier ones, and replies as the device completes.
//!
//! Operations of one batch run concurrently and complete in any order,
//! except that a [`Op::Flush`] is a barrier: it starts once every earlier
//! operation of the batch has completed, and later ones start after it.
//!
//! | request | reply |
//! |---|---|
//! | `Info` | `Info(DeviceInfo)` |
//! | `Attach { grant }` | `Attached { len }`, or `Err(Grant / TooMany)` |
//! | `Detach` | `Ok` (also when nothing was attached) |
//! | `Submit(ops)` | `Done(statuses)`, one per op (refused ops carry their error: [`validate`]), or `Err(TooMany)` for a batch over [`MAX_BATCH`] |

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::frame::{Kind, Message, Protocol};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 1;

/// Most operations one [`Request::Submit`] may carry.
pub const MAX_BATCH: usize = 32;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct BlkDev;

impl Protocol for BlkDev {
    const ID: u16 = crate::ids::BLKDEV;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "blkdev";
    type Request = Request;
    type Reply = Reply;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// The device's geometry and limits.
    Info,
    /// Use the caller's grant `grant` as its data window from now on
    /// (replacing an earlier one).
    Attach { grant: u32 },
    /// Forget the caller's data window.
    Detach,
    /// Run a batch of at most [`MAX_BATCH`] operations.
    Submit(Vec<Op>),
}

/// One block operation. `len` is in bytes, a non-zero multiple of the block
/// size, at most [`DeviceInfo::max_transfer`]; `offset` is where in the data
/// window the bytes come from (`Write`) or go to (`Read`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    Read {
        lba: u64,
        len: u32,
        offset: u64,
    },
    Write {
        lba: u64,
        len: u32,
        offset: u64,
    },
    /// Make every write completed before it durable.
    Flush,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Ok,
    Info(DeviceInfo),
    /// The window is attached; its length in bytes.
    Attached {
        len: u64,
    },
    /// One status per operation of the `Submit`, in order.
    Done(Vec<Status>),
    /// The whole request was refused.
    Err(BlkDevError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// Bytes per block (LBA unit).
    pub block_size: u32,
    /// Device size in blocks.
    pub blocks: u64,
    pub read_only: bool,
    /// Largest `len` of one operation, in bytes.
    pub max_transfer: u32,
    /// Operations the backend keeps on the device at once; more wait in
    /// the backend.
    pub queue_depth: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Ok,
    Err(BlkDevError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlkDevError {
    /// The operation reaches past the end of a device of `blocks` blocks.
    OutOfRange { blocks: u64 },
    /// `len` is zero or not a multiple of `block_size`.
    BadLength { block_size: u32 },
    /// `len` is more than `max` bytes.
    TooLong { max: u32 },
    /// No data window attached.
    NoWindow,
    /// `offset + len` lies outside the attached window of `window` bytes.
    OutsideWindow { window: u64 },
    /// The kernel refused the window (at `Attach`) or a copy to or from it
    /// (`GrantRead`/`GrantWrite`: revoked, e.g. the client died); the
    /// `SyscallError` code.
    Grant(u32),
    /// `Write` to a read-only device.
    ReadOnly,
    /// The device reported an error; its status code (virtio-blk: 1 I/O
    /// error, 2 unsupported).
    Device(u8),
    /// The device is not (yet, or any longer) usable.
    NotReady,
    /// More than `max` of something: operations in a batch, or clients.
    TooMany { max: u32 },
}

impl Message for Request {
    type Protocol = BlkDev;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = BlkDev;
    const KIND: Kind = Kind::Reply;
}

/// The checks every backend makes on an operation before it touches the
/// device, shared so all backends answer a bad request with the same error.
/// `window` is the attached window's length (`None`: no window).
pub fn validate(op: &Op, info: &DeviceInfo, window: Option<u64>) -> Result<(), BlkDevError> {
    let (lba, len, offset, write) = match *op {
        Op::Flush => return Ok(()),
        Op::Read { lba, len, offset } => (lba, len, offset, false),
        Op::Write { lba, len, offset } => (lba, len, offset, true),
    };
    if write && info.read_only {
        return Err(BlkDevError::ReadOnly);
    }
    let block_size = info.block_size.max(1);
    if len == 0 || len % block_size != 0 {
        return Err(BlkDevError::BadLength { block_size });
    }
    if len > info.max_transfer {
        return Err(BlkDevError::TooLong {
            max: info.max_transfer,
        });
    }
    let count = u64::from(len / block_size);
    match lba.checked_add(count) {
        Some(end) if end <= info.blocks => {}
        _ => {
            return Err(BlkDevError::OutOfRange {
                blocks: info.blocks,
            });
        }
    }
    let window = window.ok_or(BlkDevError::NoWindow)?;
    match offset.checked_add(u64::from(len)) {
        Some(end) if end <= window => Ok(()),
        _ => Err(BlkDevError::OutsideWindow { window }),
    }
}

/// The deterministic data of sector `lba` in the block tests under `seed`
/// (xorshift64*): the QEMU harness writes disk images with it and checks
/// them after a boot, and the guest's test clients check what they read and
/// write with it — one function, so the two sides cannot drift apart. Two
/// seeds (before and after a write) never agree by accident.
pub fn sector_pattern(seed: u64, lba: u64, out: &mut [u8]) {
    let mut x = seed ^ lba.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x2545_f491_4f6c_dd1d;
    for chunk in out.chunks_mut(8) {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        let v = x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes();
        let n = chunk.len();
        chunk.copy_from_slice(v.get(..n).unwrap_or(&[]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: DeviceInfo = DeviceInfo {
        block_size: 512,
        blocks: 100,
        read_only: false,
        max_transfer: 65536,
        queue_depth: 16,
    };

    fn read(lba: u64, len: u32, offset: u64) -> Op {
        Op::Read { lba, len, offset }
    }

    #[test]
    fn good_operations_pass() {
        assert_eq!(validate(&read(0, 512, 0), &INFO, Some(512)), Ok(()));
        assert_eq!(validate(&read(99, 512, 0), &INFO, Some(512)), Ok(()));
        assert_eq!(validate(&Op::Flush, &INFO, None), Ok(()));
    }

    #[test]
    fn each_bad_operation_gets_its_error() {
        let w = Some(8192);
        assert_eq!(
            validate(&read(100, 512, 0), &INFO, w),
            Err(BlkDevError::OutOfRange { blocks: 100 })
        );
        assert_eq!(
            validate(&read(99, 1024, 0), &INFO, w),
            Err(BlkDevError::OutOfRange { blocks: 100 })
        );
        assert_eq!(
            validate(&read(u64::MAX, 512, 0), &INFO, w),
            Err(BlkDevError::OutOfRange { blocks: 100 })
        );
        assert_eq!(
            validate(&read(0, 100, 0), &INFO, w),
            Err(BlkDevError::BadLength { block_size: 512 })
        );
        assert_eq!(
            validate(&read(0, 0, 0), &INFO, w),
            Err(BlkDevError::BadLength { block_size: 512 })
        );
        assert_eq!(
            validate(&read(0, 65536 + 512, 0), &INFO, w),
            Err(BlkDevError::TooLong { max: 65536 })
        );
        assert_eq!(
            validate(&read(0, 512, 0), &INFO, None),
            Err(BlkDevError::NoWindow)
        );
        assert_eq!(
            validate(&read(0, 512, 8190), &INFO, w),
            Err(BlkDevError::OutsideWindow { window: 8192 })
        );
        assert_eq!(
            validate(&read(0, 512, u64::MAX), &INFO, w),
            Err(BlkDevError::OutsideWindow { window: 8192 })
        );
        let ro = DeviceInfo {
            read_only: true,
            ..INFO
        };
        let write = Op::Write {
            lba: 0,
            len: 512,
            offset: 0,
        };
        assert_eq!(validate(&write, &ro, w), Err(BlkDevError::ReadOnly));
        assert_eq!(validate(&write, &INFO, w), Ok(()));
    }
}
