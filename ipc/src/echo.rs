//! `echo`: a test and demo protocol, for IPC round-trip tests, the IPC
//! benchmark, the grant test and the fault-isolation demo.
//!
//! | request | reply |
//! |---|---|
//! | `Ping { seq, payload }` | `Pong` with the same `seq` and `payload` |
//! | `Add { a, b }` | `Sum(a + b)`, or `Err(Overflow)` |
//! | `Crash` | none: the server faults on purpose (demo only) and dies |
//! | `SumGrant { grant, len }` | `Sum(s)`, see below |
//!
//! `SumGrant` moves bulk data through shared memory, as block payloads do.
//! The client creates a **writable** grant of at least `len` bytes to the
//! server (`GrantCreate`) and sends its id. The server:
//! 1. maps the grant (`GrantMap`); a failure is `Err(Grant(code))` with the
//!    syscall error code, a mapping shorter than `len` is
//!    `Err(GrantTooSmall { mapped })`;
//! 2. computes `s`, the sum of the first `len` bytes, each as a `u64` (no
//!    overflow is possible: `len` < 2^32);
//! 3. replaces each of those bytes `b` by `!b` (bitwise complement);
//! 4. unmaps the grant and replies `Sum(s)`.
//!
//! So the client checks both directions: the reply proves the server read
//! the bytes the client wrote, and the complemented buffer proves the
//! server's stores reached the client's pages. [`sum_and_invert`] is steps
//! 2–3, shared by the server and tests so the two cannot drift apart.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::frame::{Kind, Message, Protocol};

/// Bumped on every change to the wire form of [`Request`] or [`Reply`].
pub const VERSION: u16 = 1;

/// The protocol marker for [`crate::encode`]/[`crate::decode`] generics.
#[derive(Clone, Copy, Debug)]
pub struct Echo;

impl Protocol for Echo {
    const ID: u16 = crate::ids::ECHO;
    const VERSION: u16 = VERSION;
    const NAME: &'static str = "echo";
    type Request = Request;
    type Reply = Reply;
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    Ping { seq: u64, payload: Vec<u8> },
    Add { a: u64, b: u64 },
    Crash,
    SumGrant { grant: u32, len: u32 },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply {
    Pong { seq: u64, payload: Vec<u8> },
    Sum(u64),
    Err(EchoError),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EchoError {
    /// `Add` overflowed a `u64`.
    Overflow,
    /// `GrantMap` failed; the `ddk_abi::SyscallError` code.
    Grant(u32),
    /// The grant maps fewer than `len` bytes.
    GrantTooSmall { mapped: u64 },
    /// The server does not serve this request (e.g. `Crash` on a server built
    /// without the demo).
    Unsupported,
}

/// Steps 2–3 of `SumGrant`: the byte sum of `bytes`, after which every byte
/// is complemented.
pub fn sum_and_invert(bytes: &mut [u8]) -> u64 {
    let mut sum = 0u64;
    for b in bytes.iter_mut() {
        sum = sum.wrapping_add(u64::from(*b));
        *b = !*b;
    }
    sum
}

impl Message for Request {
    type Protocol = Echo;
    const KIND: Kind = Kind::Request;
}

impl Message for Reply {
    type Protocol = Echo;
    const KIND: Kind = Kind::Reply;
}
