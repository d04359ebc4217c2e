//! `blk`: block-device access at LBA granularity, served by `services/blk`
//! to its clients (the FAT service, tests, benchmarks).
//!
//! Data never travels in the message: the client creates a grant over its
//! buffer (`GrantCreate`, writable for `Read`) of at least
//! `count * block_size` bytes and names it in the request. The service
//! copies the data with `GrantRead` / `GrantWrite` (it never maps the
//! grant), so the client may revoke the grant at any time: the request then
//! fails with `Grant`, and the service keeps serving.
//!
//! | request | reply |
//! |---|---|
//! | `Info` | `Info { block_size, blocks }` |
//! | `Read { lba, count, grant }` | `Ok` once the grant holds the blocks |
//! | `Write { lba, count, grant }` | `Ok` once the blocks are **on the device** |
//! | `Flush` | `Ok` once every earlier acknowledged write is durable |
//!
//! An `Ok` to a `Write` is a promise (design invariant 4): the data survives a
//! driver-host crash. Requests at an LBA are idempotent, which is what lets
//! the service replay in-flight requests to a restarted driver host; clients
//! never see such a restart, only a slower reply.

use serde::{Deserialize, Serialize};

use crate::frame::{Kind, Message, Protocol};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 1;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct Blk;

impl Protocol for Blk {
    const ID: u16 = crate::ids::BLK;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "blk";
    type Request = Request;
    type Reply = Reply;
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// The device's geometry.
    Info,
    /// Copy blocks `lba..lba + count` into the grant.
    Read { lba: u64, count: u32, grant: u32 },
    /// Copy `count` blocks from the grant to `lba..`.
    Write { lba: u64, count: u32, grant: u32 },
    /// Make every acknowledged write durable (a device cache flush).
    Flush,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Ok,
    Info { block_size: u32, blocks: u64 },
    Err(BlkError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BlkError {
    /// `lba + count` is past the end of a device of `blocks` blocks.
    OutOfRange { blocks: u64 },
    /// `count` is 0 or more than the service moves in one request.
    BadCount { max: u32 },
    /// The kernel refused to copy the client's grant (`GrantRead` /
    /// `GrantWrite`: revoked or unknown grant, read-only grant for a
    /// `Read`); the `ddk_abi::SyscallError` code.
    Grant(u32),
    /// The grant is shorter than `count * block_size` bytes (`mapped`:
    /// its length).
    GrantTooSmall { mapped: u64 },
    /// `Write` or `Flush` to a read-only device.
    ReadOnly,
    /// The device reported an I/O error; its status code.
    Device(u32),
    /// No backend can serve the request and none is expected back (the
    /// driver host is held after a crash loop).
    Unavailable,
}

impl Message for Request {
    type Protocol = Blk;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = Blk;
    const KIND: Kind = Kind::Reply;
}
