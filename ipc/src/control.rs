//! The control protocol (id 0): what a server sends back instead of a reply
//! when it cannot decode a request — so a client on another version gets
//! [`IpcError::Rejected`] with the server's protocol and version rather than
//! a reply it would misread, or silence.
//!
//! This module's wire form is frozen (no `VERSION` bump will ever change it):
//! it is the one message every peer of every version must be able to read.

use serde::{Deserialize, Serialize};

use crate::error::IpcError;
use crate::frame::{Header, Kind, Protocol, encode_framed};

/// The control protocol's id.
pub const ID: u16 = crate::ids::CONTROL;
/// Frozen at 1; see the module docs.
pub const VERSION: u16 = 1;

/// A server's refusal of a request it could not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rejection {
    /// The protocol the server expected on this endpoint.
    pub protocol: u16,
    /// The version of it the server speaks.
    pub version: u16,
    pub reason: RejectReason,
}

/// Why the request was refused (a wire-stable summary of [`IpcError`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectReason {
    WrongProtocol,
    WrongVersion,
    WrongKind,
    Truncated,
    Malformed,
    TrailingBytes,
    TooLarge,
}

impl RejectReason {
    /// The reason to give for a decode error.
    pub fn from_error(e: &IpcError) -> Self {
        match e {
            IpcError::WrongProtocol { .. } | IpcError::Rejected(_) => RejectReason::WrongProtocol,
            IpcError::WrongVersion { .. } => RejectReason::WrongVersion,
            IpcError::WrongKind { .. } => RejectReason::WrongKind,
            IpcError::Truncated => RejectReason::Truncated,
            IpcError::TrailingBytes { .. } => RejectReason::TrailingBytes,
            IpcError::MessageTooLarge { .. } => RejectReason::TooLarge,
            IpcError::Malformed | IpcError::BufferTooSmall { .. } | IpcError::Unencodable => {
                RejectReason::Malformed
            }
        }
    }
}

/// The header a rejection is sent with.
pub const HEADER: Header = Header {
    protocol: ID,
    version: VERSION,
    kind: Kind::Reply,
};

/// Encodes the rejection a server of protocol `P` sends for a request that
/// failed to decode with `error`. It is at most 9 bytes long.
pub fn reject<'b, P: Protocol>(error: &IpcError, buf: &'b mut [u8]) -> Result<&'b [u8], IpcError> {
    let rejection = Rejection {
        protocol: P::ID,
        version: P::VERSION,
        reason: RejectReason::from_error(error),
    };
    encode_framed(&HEADER, &rejection, buf)
}
