//! Why a message could not be encoded or decoded.

use crate::control::Rejection;
use crate::frame::Kind;

/// Every way [`crate::encode`] and [`crate::decode`] can fail.
///
/// Deliberately free of `postcard` types: the encoding library is an
/// implementation detail of this crate, not part of its API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpcError {
    /// The output buffer cannot hold the encoded message; nothing useful was
    /// written. `needed` is the encoded size.
    BufferTooSmall { needed: usize, capacity: usize },
    /// The message (encoding) or the input (decoding) is larger than
    /// [`crate::MESSAGE_MAX`], so the kernel could never carry it.
    MessageTooLarge { size: usize },
    /// The serializer refused the value (cannot happen for this crate's types;
    /// kept so that a future type that can fail does not need a panic).
    Unencodable,
    /// The input ended inside the header or the body.
    Truncated,
    /// The header names another protocol.
    WrongProtocol { expected: u16, found: u16 },
    /// The header names the right protocol but another version of it.
    WrongVersion {
        protocol: u16,
        expected: u16,
        found: u16,
    },
    /// A reply where a request was expected, or the other way round.
    WrongKind { expected: Kind, found: Kind },
    /// The bytes are not a valid encoding of the expected type (bad enum
    /// discriminant, bad varint, invalid UTF-8, bad bool/option tag, ...).
    Malformed,
    /// The body decoded, but `extra` bytes follow it.
    TrailingBytes { extra: usize },
    /// The peer could not decode what we sent and said why instead of
    /// replying (see [`crate::control`]).
    Rejected(Rejection),
}

impl IpcError {
    pub(crate) fn from_decode(e: postcard::Error) -> Self {
        match e {
            postcard::Error::DeserializeUnexpectedEnd => IpcError::Truncated,
            // Bad varints, enum tags, UTF-8, bools, options, and anything a
            // newer postcard adds: the input is not ours.
            _ => IpcError::Malformed,
        }
    }
}

impl core::fmt::Display for IpcError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            IpcError::BufferTooSmall { needed, capacity } => {
                write!(f, "buffer too small: need {needed} bytes, have {capacity}")
            }
            IpcError::MessageTooLarge { size } => write!(
                f,
                "message of {size} bytes exceeds the {} byte limit",
                crate::MESSAGE_MAX
            ),
            IpcError::Unencodable => f.write_str("value cannot be encoded"),
            IpcError::Truncated => f.write_str("message truncated"),
            IpcError::WrongProtocol { expected, found } => {
                write!(f, "wrong protocol: expected {expected}, found {found}")
            }
            IpcError::WrongVersion {
                protocol,
                expected,
                found,
            } => write!(
                f,
                "protocol {protocol}: expected version {expected}, found {found}"
            ),
            IpcError::WrongKind { expected, found } => {
                write!(f, "expected a {expected:?}, found a {found:?}")
            }
            IpcError::Malformed => f.write_str("malformed message"),
            IpcError::TrailingBytes { extra } => {
                write!(f, "{extra} trailing bytes after the message")
            }
            IpcError::Rejected(r) => write!(
                f,
                "peer rejected our message ({:?}); it speaks protocol {} version {}",
                r.reason, r.protocol, r.version
            ),
        }
    }
}
