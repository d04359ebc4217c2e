//! A bounds-checked little-endian byte cursor.
//!
//! All reads of input bytes in the reader go through [`Cursor`] (or through
//! `slice::get`), so a short or lying input becomes
//! [`MetadataError::Truncated`] instead of an out-of-bounds access.

use super::error::{MetadataError, Region, Result};

/// A read position over a byte slice that knows which [`Region`] it reads.
#[derive(Clone, Debug)]
pub struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
    region: Region,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `data`.
    pub fn new(data: &'a [u8], region: Region) -> Self {
        Self {
            data,
            pos: 0,
            region,
        }
    }

    /// A cursor at `pos` within `data` (no read happens yet, so `pos` may be
    /// past the end; the first read will report it).
    pub fn at(data: &'a [u8], pos: usize, region: Region) -> Self {
        Self { data, pos, region }
    }

    /// The whole underlying data (not just what is left).
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// Current offset from the start of the data.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Bytes left (zero when the position is past the end).
    pub fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    /// Whether every byte was consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The error for a read of `needed` bytes at the current position.
    pub fn truncated(&self, needed: usize) -> MetadataError {
        MetadataError::Truncated {
            region: self.region,
            offset: self.pos,
            needed,
        }
    }

    /// Read `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).ok_or(self.truncated(n))?;
        let out = self.data.get(self.pos..end).ok_or(self.truncated(n))?;
        self.pos = end;
        Ok(out)
    }

    /// Read a fixed-size array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let b = self.bytes(N)?;
        <[u8; N]>::try_from(b).map_err(|_| self.truncated(N))
    }

    /// Skip `n` bytes (checked like a read).
    pub fn skip(&mut self, n: usize) -> Result<()> {
        self.bytes(n).map(|_| ())
    }

    /// Read one byte.
    pub fn u8(&mut self) -> Result<u8> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    /// Peek at the next byte without consuming it.
    pub fn peek_u8(&self) -> Result<u8> {
        self.data.get(self.pos).copied().ok_or(self.truncated(1))
    }

    /// Read a little-endian `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    /// Read a little-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    /// Read a little-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// Read an index that is 2 or 4 bytes wide (table and heap indices).
    pub fn index(&mut self, wide: bool) -> Result<u32> {
        if wide {
            self.u32()
        } else {
            self.u16().map(u32::from)
        }
    }

    /// Advance to the next multiple of 4 of `base + pos`, where `base` is the
    /// absolute address of the data start (alignment is defined on RVAs).
    pub fn align4(&mut self, base: usize) -> Result<()> {
        let abs = base.checked_add(self.pos).ok_or(MetadataError::Overflow)?;
        let pad = abs.wrapping_neg() & 3;
        self.skip(pad)
    }

    /// Read an ECMA-335 II.23.2 compressed unsigned integer.
    pub fn compressed_u32(&mut self) -> Result<u32> {
        Ok(self.compressed_u32_with_width()?.0)
    }

    /// Like [`Self::compressed_u32`], also returning the encoded width in bits
    /// (7, 14 or 29), which signed decoding needs.
    pub fn compressed_u32_with_width(&mut self) -> Result<(u32, u32)> {
        let start = self.pos;
        let b0 = self.u8()?;
        if b0 & 0x80 == 0 {
            Ok((u32::from(b0), 7))
        } else if b0 & 0xC0 == 0x80 {
            let b1 = self.u8()?;
            Ok((u32::from(u16::from_be_bytes([b0 & 0x3F, b1])), 14))
        } else if b0 & 0xE0 == 0xC0 {
            let [b1, b2, b3] = self.array::<3>()?;
            Ok((u32::from_be_bytes([b0 & 0x1F, b1, b2, b3]), 29))
        } else {
            Err(MetadataError::BadCompressedInt {
                region: self.region,
                offset: start,
            })
        }
    }

    /// Read an ECMA-335 II.23.2 compressed signed integer.
    ///
    /// The encoding rotates the sign bit into bit 0 of the unsigned value, so
    /// a set bit 0 means "negative: sign-extend the remaining bits".
    pub fn compressed_i32(&mut self) -> Result<i32> {
        let (raw, width) = self.compressed_u32_with_width()?;
        let magnitude = raw >> 1;
        let value = if raw & 1 == 0 {
            magnitude
        } else {
            // The payload is `width - 1` bits wide; sign-extend from there.
            let sign_fill = match width {
                7 => 0xFFFF_FFC0,
                14 => 0xFFFF_E000,
                _ => 0xF000_0000,
            };
            magnitude | sign_fill
        };
        Ok(i32::from_ne_bytes(value.to_ne_bytes()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic on failure")]
mod tests {
    use super::*;

    fn cu(bytes: &[u8]) -> Result<u32> {
        Cursor::new(bytes, Region::Signature).compressed_u32()
    }
    fn ci(bytes: &[u8]) -> Result<i32> {
        Cursor::new(bytes, Region::Signature).compressed_i32()
    }

    #[test]
    fn compressed_unsigned_spec_examples() {
        // The examples table of ECMA-335 II.23.2.
        assert_eq!(cu(&[0x03]).unwrap(), 0x03);
        assert_eq!(cu(&[0x7F]).unwrap(), 0x7F);
        assert_eq!(cu(&[0x80, 0x80]).unwrap(), 0x80);
        assert_eq!(cu(&[0xAE, 0x57]).unwrap(), 0x2E57);
        assert_eq!(cu(&[0xBF, 0xFF]).unwrap(), 0x3FFF);
        assert_eq!(cu(&[0xC0, 0x00, 0x40, 0x00]).unwrap(), 0x4000);
        assert_eq!(cu(&[0xDF, 0xFF, 0xFF, 0xFF]).unwrap(), 0x1FFF_FFFF);
    }

    #[test]
    fn compressed_unsigned_errors() {
        assert!(matches!(
            cu(&[0xE0]),
            Err(MetadataError::BadCompressedInt { offset: 0, .. })
        ));
        assert!(matches!(
            cu(&[0x80]),
            Err(MetadataError::Truncated { offset: 1, .. })
        ));
        assert!(matches!(
            cu(&[0xC0, 0, 0]),
            Err(MetadataError::Truncated { .. })
        ));
        assert!(matches!(cu(&[]), Err(MetadataError::Truncated { .. })));
    }

    #[test]
    fn compressed_signed_spec_examples() {
        assert_eq!(ci(&[0x06]).unwrap(), 3);
        assert_eq!(ci(&[0x7B]).unwrap(), -3);
        assert_eq!(ci(&[0x80, 0x80]).unwrap(), 64);
        assert_eq!(ci(&[0x01]).unwrap(), -64);
        assert_eq!(ci(&[0xC0, 0x00, 0x40, 0x00]).unwrap(), 8192);
        assert_eq!(ci(&[0x80, 0x01]).unwrap(), -8192);
        assert_eq!(ci(&[0xDF, 0xFF, 0xFF, 0xFE]).unwrap(), 268_435_455);
        assert_eq!(ci(&[0xC0, 0x00, 0x00, 0x01]).unwrap(), -268_435_456);
    }

    #[test]
    fn fixed_reads_and_alignment() {
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        let mut c = Cursor::new(&data, Region::File);
        assert_eq!(c.u8().unwrap(), 1);
        assert_eq!(c.u16().unwrap(), 0x0302);
        c.align4(0).unwrap();
        assert_eq!(c.pos(), 4);
        assert_eq!(c.u32().unwrap(), 0x0807_0605);
        assert!(matches!(
            c.u32(),
            Err(MetadataError::Truncated {
                offset: 8,
                needed: 4,
                ..
            })
        ));
        // A failed read does not move the cursor.
        assert_eq!(c.u8().unwrap(), 9);
        let mut far = Cursor::at(&data, usize::MAX, Region::File);
        assert!(far.bytes(2).is_err());
    }
}
