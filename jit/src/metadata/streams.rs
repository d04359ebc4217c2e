//! The metadata root (ECMA-335 II.24.2.1) and its stream headers (II.24.2.2).

use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result, StreamKind};
use super::pe::to_usize;

/// `BSJB`, the metadata root signature.
const METADATA_SIGNATURE: u32 = 0x424A_5342;

/// The metadata root with its streams located (not yet parsed).
#[derive(Clone, Debug)]
pub struct MetadataRoot<'a> {
    /// Metadata format major version (1).
    pub major_version: u16,
    /// Metadata format minor version (1).
    pub minor_version: u16,
    /// Runtime version string, e.g. `v4.0.30319`.
    pub version: &'a str,
    /// The `#~` or `#-` stream.
    pub tables: &'a [u8],
    /// True when the tables stream is the uncompressed `#-` form, which may
    /// use the `*Ptr` indirection tables.
    pub uncompressed_tables: bool,
    /// The `#Strings` heap (empty if absent).
    pub strings: &'a [u8],
    /// The `#US` heap (empty if absent).
    pub user_strings: &'a [u8],
    /// The `#Blob` heap (empty if absent).
    pub blob: &'a [u8],
    /// The `#GUID` heap (empty if absent).
    pub guid: &'a [u8],
}

impl<'a> MetadataRoot<'a> {
    /// Parse the root at the start of `metadata` (the bytes the CLI header's
    /// metadata directory points at).
    pub fn parse(metadata: &'a [u8]) -> Result<Self> {
        let mut c = Cursor::new(metadata, Region::MetadataRoot);
        let sig = c.u32()?;
        if sig != METADATA_SIGNATURE {
            return Err(MetadataError::BadMagic {
                region: Region::MetadataRoot,
                found: sig,
            });
        }
        let major_version = c.u16()?;
        let minor_version = c.u16()?;
        let _reserved = c.u32()?;
        let version_len = c.u32()?;
        let version_bytes = c.bytes(to_usize(version_len))?;
        // The version string is nul-padded to a multiple of four.
        let version_end = version_bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(version_bytes.len());
        let version = version_bytes
            .get(..version_end)
            .and_then(|b| core::str::from_utf8(b).ok())
            .unwrap_or("");
        let _flags = c.u16()?;
        let stream_count = c.u16()?;

        let mut root = Self {
            major_version,
            minor_version,
            version,
            tables: &[],
            uncompressed_tables: false,
            strings: &[],
            user_strings: &[],
            blob: &[],
            guid: &[],
        };
        let mut have_tables = false;
        for _ in 0..stream_count {
            let offset = c.u32()?;
            let size = c.u32()?;
            // Name: nul-terminated ASCII, at most 32 bytes, padded to 4.
            let name_start = c.pos();
            let mut name = [0u8; 32];
            let mut len = 0usize;
            loop {
                let b = c.u8()?;
                if b == 0 {
                    break;
                }
                let slot = name.get_mut(len).ok_or(MetadataError::BadMagic {
                    region: Region::MetadataRoot,
                    found: u32::from(b),
                })?;
                *slot = b;
                len = len.checked_add(1).ok_or(MetadataError::Overflow)?;
            }
            let consumed = c.pos().saturating_sub(name_start);
            c.skip(consumed.wrapping_neg() & 3)?;
            let name = name.get(..len).unwrap_or(&[]);
            let kind = match name {
                b"#~" => StreamKind::Tables,
                b"#-" => {
                    root.uncompressed_tables = true;
                    StreamKind::Tables
                }
                b"#Strings" => StreamKind::Strings,
                b"#US" => StreamKind::UserStrings,
                b"#Blob" => StreamKind::Blob,
                b"#GUID" => StreamKind::Guid,
                // Unknown streams (e.g. `#JTD`, `#Pdb`) are ignored, as the
                // runtime does.
                _ => continue,
            };
            let end = offset
                .checked_add(size)
                .ok_or(MetadataError::StreamOutOfRange {
                    stream: kind,
                    offset,
                    size,
                })?;
            let bytes = metadata.get(to_usize(offset)..to_usize(end)).ok_or(
                MetadataError::StreamOutOfRange {
                    stream: kind,
                    offset,
                    size,
                },
            )?;
            // The first stream of a given name wins, like the CLR's loader.
            let slot = match kind {
                StreamKind::Tables => {
                    if have_tables {
                        continue;
                    }
                    have_tables = true;
                    &mut root.tables
                }
                StreamKind::Strings => &mut root.strings,
                StreamKind::UserStrings => &mut root.user_strings,
                StreamKind::Blob => &mut root.blob,
                StreamKind::Guid => &mut root.guid,
            };
            if slot.is_empty() {
                *slot = bytes;
            }
        }
        if !have_tables {
            return Err(MetadataError::MissingStream(StreamKind::Tables));
        }
        Ok(root)
    }
}
