//! Cordon's IPC protocols: every payload one Cordon process sends another is
//! an encoding of a type from this crate (design invariant 3).
//!
//! # Framing
//!
//! A message is one kernel IPC payload (`Call`, `Recv`, `Reply`) of at most
//! [`MESSAGE_MAX`] bytes: a postcard-encoded [`Header`] followed directly by
//! the postcard-encoded body, and nothing else — a decoder rejects trailing
//! bytes. The kernel delimits messages, so there is no length prefix and no
//! COBS framing.
//!
//! ```text
//! header: protocol (varint u16) | version (varint u16) | kind (0 request, 1 reply)
//! body:   the protocol's Request or Reply enum, postcard-encoded
//! ```
//!
//! # Versioning
//!
//! Each protocol module has a `VERSION`, bumped on any change to the wire
//! form of its `Request` or `Reply` (adding a variant included: an old peer
//! cannot read it). Decoding checks protocol id, version and kind before it
//! reads the body, so a peer on another version gets
//! [`IpcError::WrongVersion`], never a misread message. A server that cannot
//! decode a request answers with a [`control::Rejection`] (protocol 0, frozen
//! format); the client's `decode` turns that into [`IpcError::Rejected`].
//! Golden-byte tests in `tests/golden.rs` pin the wire form, so a change
//! that forgets the bump fails them.
//!
//! # Use
//!
//! ```
//! use ipc::echo;
//! let mut buf = [0u8; ipc::MESSAGE_MAX];
//! let bytes = ipc::encode(&echo::Request::Add { a: 2, b: 3 }, &mut buf)?;
//! match ipc::decode::<echo::Request>(bytes)? {
//!     echo::Request::Add { a, b } => assert_eq!(a + b, 5),
//!     _ => unreachable!(),
//! }
//! # Ok::<(), ipc::IpcError>(())
//! ```
//!
//! Encoding into a slice never allocates; decoding allocates only for the
//! `Vec`s and `String`s in the message (bounded by the input length). No
//! input makes either panic.
//!
//! `docs/ipc.md` describes every protocol's messages.

#![cfg_attr(not(test), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod blk;
pub mod blkdev;
pub mod codemap;
pub mod control;
pub mod driverhost;
pub mod echo;
mod error;
pub mod files;
mod frame;
pub mod fs;
pub mod image;
pub mod supervisor;
mod wire;

pub use error::IpcError;
pub use frame::{Header, Kind, Message, Protocol, decode, encode, encode_vec, peek_header};
pub use wire::{ExitCause, FaultSummary, TaskIdWire};

/// The largest message the kernel copies (`ddk_abi::syscall::MESSAGE_MAX`,
/// repeated because `ipc` depends on no in-tree crate; the user runtime,
/// which sees both, should `const`-assert they are equal). Bulk data goes
/// through grants.
pub const MESSAGE_MAX: usize = 4096;

/// Protocol ids: the `protocol` field of every [`Header`]. Never reuse one.
pub mod ids {
    /// [`crate::control`]: rejections.
    pub const CONTROL: u16 = 0;
    /// [`crate::supervisor`].
    pub const SUPERVISOR: u16 = 1;
    /// [`crate::echo`].
    pub const ECHO: u16 = 2;
    /// [`crate::blk`].
    pub const BLK: u16 = 3;
    /// [`crate::fs`]: the FAT service.
    pub const FS: u16 = 4;
    /// [`crate::driverhost`]: the driver host's control protocol.
    pub const DRIVERHOST: u16 = 5;
    /// [`crate::blkdev`]: block-device backends (drivers) to the block service.
    pub const BLKDEV: u16 = 6;
}
