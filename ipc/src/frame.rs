//! Framing: the header every message starts with, the traits that tie a
//! message type to its protocol, and the generic encode/decode functions.

use alloc::vec::Vec;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::MESSAGE_MAX;
use crate::control::{self, Rejection};
use crate::error::IpcError;

/// Which way a message travels. Part of the header so that a reply can never
/// be mistaken for a request of the same protocol (their enums would often
/// decode each other's bytes into nonsense without complaint).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Request,
    Reply,
}

/// The first thing in every message. Its own encoding never changes: that is
/// what lets a peer of any version recognise a message it cannot read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    /// A protocol id from [`crate::ids`].
    pub protocol: u16,
    /// The protocol's version (its module's `VERSION`).
    pub version: u16,
    pub kind: Kind,
}

/// A protocol: an id, a version and the pair of message types.
pub trait Protocol {
    /// The protocol's id from [`crate::ids`].
    const ID: u16;
    /// Bumped on every change to the wire form of either message type.
    const VERSION: u16;
    /// For logs.
    const NAME: &'static str;
    type Request: Message<Protocol = Self>;
    type Reply: Message<Protocol = Self>;
}

/// A type that travels as a message: one direction of one protocol.
pub trait Message: Serialize + DeserializeOwned {
    type Protocol: Protocol;
    const KIND: Kind;

    /// The header this message type is sent with.
    fn header() -> Header {
        Header {
            protocol: <Self::Protocol as Protocol>::ID,
            version: <Self::Protocol as Protocol>::VERSION,
            kind: Self::KIND,
        }
    }
}

/// Encodes `msg` (header, then body) into `buf` without allocating and
/// returns the written prefix of `buf`.
pub fn encode<'b, M: Message>(msg: &M, buf: &'b mut [u8]) -> Result<&'b [u8], IpcError> {
    encode_framed(&M::header(), msg, buf)
}

/// Encodes `msg` into a new vector of exactly its encoded length.
pub fn encode_vec<M: Message>(msg: &M) -> Result<Vec<u8>, IpcError> {
    let framed = (M::header(), msg);
    let size = sized(&framed)?;
    let mut out = alloc::vec![0u8; size];
    postcard::to_slice(&framed, &mut out).map_err(|_| IpcError::Unencodable)?;
    Ok(out)
}

/// Decodes one message of type `M`, which must fill `bytes` exactly.
///
/// A [`control::Rejection`] from the peer comes back as
/// [`IpcError::Rejected`], whatever `M` is.
pub fn decode<M: Message>(bytes: &[u8]) -> Result<M, IpcError> {
    let (header, body) = split_header(bytes)?;
    if header.protocol == control::ID && <M::Protocol as Protocol>::ID != control::ID {
        return Err(IpcError::Rejected(decode_body::<Rejection>(body)?));
    }
    let expected = M::header();
    if header.protocol != expected.protocol {
        return Err(IpcError::WrongProtocol {
            expected: expected.protocol,
            found: header.protocol,
        });
    }
    if header.version != expected.version {
        return Err(IpcError::WrongVersion {
            protocol: header.protocol,
            expected: expected.version,
            found: header.version,
        });
    }
    if header.kind != expected.kind {
        return Err(IpcError::WrongKind {
            expected: expected.kind,
            found: header.kind,
        });
    }
    decode_body(body)
}

/// Reads only the header: lets a server that speaks several protocols on
/// one endpoint choose the decoder, and lets anyone log what arrived.
pub fn peek_header(bytes: &[u8]) -> Result<Header, IpcError> {
    split_header(bytes).map(|(h, _)| h)
}

pub(crate) fn encode_framed<'b, T: Serialize + ?Sized>(
    header: &Header,
    body: &T,
    buf: &'b mut [u8],
) -> Result<&'b [u8], IpcError> {
    let framed = (header, body);
    let needed = sized(&framed)?;
    if needed > buf.len() {
        return Err(IpcError::BufferTooSmall {
            needed,
            capacity: buf.len(),
        });
    }
    match postcard::to_slice(&framed, buf) {
        Ok(written) => Ok(written),
        Err(_) => Err(IpcError::Unencodable),
    }
}

/// The encoded size of `value`, checked against [`MESSAGE_MAX`]. Measuring
/// first (postcard's size flavor writes nothing) is what makes the
/// too-small-buffer error exact.
fn sized<T: Serialize + ?Sized>(value: &T) -> Result<usize, IpcError> {
    let size = postcard::serialize_with_flavor::<T, _, usize>(
        value,
        postcard::ser_flavors::Size::default(),
    )
    .map_err(|_| IpcError::Unencodable)?;
    if size > MESSAGE_MAX {
        return Err(IpcError::MessageTooLarge { size });
    }
    Ok(size)
}

fn split_header(bytes: &[u8]) -> Result<(Header, &[u8]), IpcError> {
    if bytes.len() > MESSAGE_MAX {
        return Err(IpcError::MessageTooLarge { size: bytes.len() });
    }
    postcard::take_from_bytes::<Header>(bytes).map_err(IpcError::from_decode)
}

fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, IpcError> {
    let (value, rest) = postcard::take_from_bytes::<T>(body).map_err(IpcError::from_decode)?;
    if !rest.is_empty() {
        return Err(IpcError::TrailingBytes { extra: rest.len() });
    }
    Ok(value)
}
