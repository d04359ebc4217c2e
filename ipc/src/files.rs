//! File bundles: initrd files the supervisor hands a service in one
//! read-only shared-memory grant (`files=` in the manifest, asked for with
//! `supervisor::Request::Files`). The driver host gets its assemblies this
//! way, so `InitrdRead` stays a supervisor-only syscall and not a file API.
//!
//! ```text
//! 0   magic "CDNFILES"
//! 8   u32 count             (little-endian, as every integer here)
//! 12  u32 total length      (of the bundle, header included)
//! 16  count × { u32 name offset, u32 name length, u32 data offset, u32 data length }
//!     names (UTF-8), then each file's bytes at an 8-aligned offset
//! ```
//!
//! Offsets are from the start of the bundle. The reader checks every
//! offset and length against the bundle, so a damaged bundle is an error,
//! never an out-of-bounds read.

use alloc::vec::Vec;

/// The first eight bytes of every bundle.
pub const MAGIC: &[u8; 8] = b"CDNFILES";

/// Size of the fixed header.
pub const HEADER: usize = 16;
/// Size of one directory entry.
pub const ENTRY: usize = 16;

/// Why bytes are not a bundle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BundleError {
    /// Shorter than its header or its directory, or than the length it claims.
    Truncated,
    /// The magic is wrong.
    BadMagic,
    /// An entry's name or data lies outside the bundle.
    BadEntry(u32),
    /// A name is not UTF-8.
    BadName(u32),
    /// More than `u32::MAX` bytes or files (writer only).
    TooLarge,
}

/// A parsed bundle borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct Bundle<'a> {
    bytes: &'a [u8],
    count: u32,
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    let b = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Bundle<'a> {
    /// Checks the header and every entry; `bytes` may be longer than the
    /// bundle (a grant is whole pages).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, BundleError> {
        if bytes.len() < HEADER {
            return Err(BundleError::Truncated);
        }
        if bytes.get(..8) != Some(&MAGIC[..]) {
            return Err(BundleError::BadMagic);
        }
        let count = u32_at(bytes, 8).ok_or(BundleError::Truncated)?;
        let total = u32_at(bytes, 12).ok_or(BundleError::Truncated)? as usize;
        let bytes = bytes.get(..total).ok_or(BundleError::Truncated)?;
        let dir_end = (count as usize)
            .checked_mul(ENTRY)
            .and_then(|d| d.checked_add(HEADER))
            .ok_or(BundleError::Truncated)?;
        if dir_end > bytes.len() {
            return Err(BundleError::Truncated);
        }
        let b = Bundle { bytes, count };
        for i in 0..count {
            b.entry(i)?;
        }
        Ok(b)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    /// Whether the bundle holds no file.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// File `i`: (name, bytes).
    pub fn entry(&self, i: u32) -> Result<(&'a str, &'a [u8]), BundleError> {
        let at = HEADER + i as usize * ENTRY;
        let field = |k: usize| u32_at(self.bytes, at + 4 * k).ok_or(BundleError::BadEntry(i));
        let range = |off: u32, len: u32| {
            let off = off as usize;
            self.bytes
                .get(off..off.checked_add(len as usize)?)
                .ok_or(())
                .ok()
        };
        let name = range(field(0)?, field(1)?).ok_or(BundleError::BadEntry(i))?;
        let data = range(field(2)?, field(3)?).ok_or(BundleError::BadEntry(i))?;
        let name = core::str::from_utf8(name).map_err(|_| BundleError::BadName(i))?;
        Ok((name, data))
    }

    /// Every file, in bundle order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a [u8])> + '_ {
        (0..self.count).filter_map(|i| self.entry(i).ok())
    }

    /// The file named `name`.
    pub fn get(&self, name: &str) -> Option<&'a [u8]> {
        self.iter().find(|(n, _)| *n == name).map(|(_, d)| d)
    }
}

/// Lays out `files` (name, bytes) as a bundle.
pub fn build(files: &[(&str, &[u8])]) -> Result<Vec<u8>, BundleError> {
    let count = u32::try_from(files.len()).map_err(|_| BundleError::TooLarge)?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // total, patched below
    let dir = out.len();
    out.resize(dir + files.len() * ENTRY, 0);
    let mut name_at = Vec::with_capacity(files.len());
    for (name, _) in files {
        name_at.push(out.len());
        out.extend_from_slice(name.as_bytes());
    }
    let mut data_at = Vec::with_capacity(files.len());
    for (_, data) in files {
        out.resize(out.len().div_ceil(8) * 8, 0);
        data_at.push(out.len());
        out.extend_from_slice(data);
    }
    let fit = |x: usize| u32::try_from(x).map_err(|_| BundleError::TooLarge);
    let total = fit(out.len())?;
    out[12..16].copy_from_slice(&total.to_le_bytes());
    for (i, ((name, data), (n_at, d_at))) in files
        .iter()
        .zip(name_at.iter().zip(data_at.iter()))
        .enumerate()
    {
        let e = dir + i * ENTRY;
        for (k, v) in [*n_at, name.len(), *d_at, data.len()]
            .into_iter()
            .enumerate()
        {
            out[e + 4 * k..e + 4 * k + 4].copy_from_slice(&fit(v)?.to_le_bytes());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let files: [(&str, &[u8]); 3] = [
            ("managed/corlib.dll", b"MZcorlib"),
            ("managed/tests/a.dll", b""),
            ("x", b"123456789"),
        ];
        let bytes = build(&files).unwrap();
        let mut padded = bytes.clone();
        padded.resize(4096, 0xee);
        let b = Bundle::parse(&padded).unwrap();
        assert_eq!(b.len(), 3);
        let got: Vec<_> = b.iter().collect();
        assert_eq!(got, files.to_vec());
        assert_eq!(b.get("x"), Some(&b"123456789"[..]));
        assert_eq!(b.get("y"), None);
        // Data is 8-aligned within the bundle.
        let off = u32_at(&bytes, HEADER + 2 * ENTRY + 8).unwrap();
        assert_eq!(off % 8, 0);
    }

    #[test]
    fn empty_bundle() {
        let bytes = build(&[]).unwrap();
        assert_eq!(bytes.len(), HEADER);
        assert!(Bundle::parse(&bytes).unwrap().is_empty());
    }

    #[test]
    fn damage_is_an_error() {
        let bytes = build(&[("a", b"hello")]).unwrap();
        assert_eq!(
            Bundle::parse(&bytes[..10]).err(),
            Some(BundleError::Truncated)
        );
        assert_eq!(
            Bundle::parse(&bytes[..bytes.len() - 1]).err(),
            Some(BundleError::Truncated)
        );
        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert_eq!(Bundle::parse(&bad).err(), Some(BundleError::BadMagic));
        // Data length past the end.
        let mut bad = bytes.clone();
        bad[HEADER + 12] = 200;
        assert_eq!(Bundle::parse(&bad).err(), Some(BundleError::BadEntry(0)));
        // A count whose directory cannot fit.
        let mut bad = bytes.clone();
        bad[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(Bundle::parse(&bad).err(), Some(BundleError::Truncated));
        // Invalid UTF-8 name.
        let mut bad = bytes;
        let name_off = u32_at(&bad, HEADER).unwrap() as usize;
        bad[name_off] = 0xff;
        assert_eq!(Bundle::parse(&bad).err(), Some(BundleError::BadName(0)));
    }

    #[test]
    fn every_truncation_and_byte_flip_is_handled() {
        let bytes = build(&[("a.dll", b"0123456789"), ("b", b"xy")]).unwrap();
        for n in 0..bytes.len() {
            let _ = Bundle::parse(&bytes[..n]);
        }
        for i in 0..bytes.len() {
            for bit in 0..8 {
                let mut b = bytes.clone();
                b[i] ^= 1 << bit;
                if let Ok(p) = Bundle::parse(&b) {
                    let _ = p.iter().count();
                }
            }
        }
    }
}
