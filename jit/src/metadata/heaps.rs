//! The four metadata heaps (ECMA-335 II.24.2.3 - II.24.2.5) and the typed
//! indices that point into them.
//!
//! Heap indices are newtypes so a `#Strings` offset can never be used to read
//! a blob; the heaps check every index against their length on access.

use alloc::string::String;

use super::cursor::Cursor;
use super::error::{Heap, MetadataError, Region, Result};
use super::pe::to_usize;

/// Offset into `#Strings`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StringIndex(pub u32);

/// Offset into `#Blob`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobIndex(pub u32);

/// 1-based index into `#GUID` (0 means "no GUID").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GuidIndex(pub u32);

/// Offset into `#US` (the low 24 bits of an `ldstr` token).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UserStringIndex(pub u32);

/// `#Strings`: nul-terminated UTF-8 identifiers.
#[derive(Clone, Copy, Debug, Default)]
pub struct StringsHeap<'a>(&'a [u8]);

impl<'a> StringsHeap<'a> {
    /// Wrap the raw heap bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// The string at `index`. Index 0 is the empty string by definition.
    pub fn get(&self, index: StringIndex) -> Result<&'a str> {
        if index.0 == 0 {
            return Ok("");
        }
        let tail = self
            .0
            .get(to_usize(index.0)..)
            .filter(|t| !t.is_empty())
            .ok_or(MetadataError::HeapIndexOutOfRange {
                heap: Heap::Strings,
                index: index.0,
            })?;
        let len = tail
            .iter()
            .position(|&b| b == 0)
            .ok_or(MetadataError::BadString { index: index.0 })?;
        let bytes = tail
            .get(..len)
            .ok_or(MetadataError::BadString { index: index.0 })?;
        core::str::from_utf8(bytes).map_err(|_| MetadataError::BadString { index: index.0 })
    }

    /// Heap size in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the heap is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `#Blob`: byte strings with a compressed length prefix.
#[derive(Clone, Copy, Debug, Default)]
pub struct BlobHeap<'a>(&'a [u8]);

impl<'a> BlobHeap<'a> {
    /// Wrap the raw heap bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// The blob at `index` (without its length prefix). Index 0 is the empty
    /// blob even when the heap is absent.
    pub fn get(&self, index: BlobIndex) -> Result<&'a [u8]> {
        read_prefixed(self.0, index.0, Heap::Blob, Region::BlobHeap)
    }

    /// Heap size in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the heap is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn read_prefixed(data: &[u8], index: u32, heap: Heap, region: Region) -> Result<&[u8]> {
    if index == 0 && data.is_empty() {
        return Ok(&[]);
    }
    let out_of_range = MetadataError::HeapIndexOutOfRange { heap, index };
    let pos = to_usize(index);
    if pos >= data.len() {
        return Err(out_of_range);
    }
    let mut c = Cursor::at(data, pos, region);
    let len = c.compressed_u32()?;
    c.bytes(to_usize(len)).map_err(|_| out_of_range)
}

/// `#GUID`: an array of 16-byte GUIDs, indexed from 1.
#[derive(Clone, Copy, Debug, Default)]
pub struct GuidHeap<'a>(&'a [u8]);

impl<'a> GuidHeap<'a> {
    /// Wrap the raw heap bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// The GUID at `index`, or `None` for index 0.
    pub fn get(&self, index: GuidIndex) -> Result<Option<[u8; 16]>> {
        let Some(zero_based) = index.0.checked_sub(1) else {
            return Ok(None);
        };
        let out_of_range = MetadataError::HeapIndexOutOfRange {
            heap: Heap::Guid,
            index: index.0,
        };
        let start = to_usize(zero_based)
            .checked_mul(16)
            .ok_or(out_of_range.clone())?;
        let mut c = Cursor::at(self.0, start, Region::GuidHeap);
        c.array::<16>().map(Some).map_err(|_| out_of_range)
    }

    /// Number of GUIDs in the heap.
    pub fn count(&self) -> usize {
        self.0.len() / 16
    }
}

/// `#US`: string literals for `ldstr`, as length-prefixed UTF-16LE plus one
/// trailing flag byte.
#[derive(Clone, Copy, Debug, Default)]
pub struct UserStringsHeap<'a>(&'a [u8]);

impl<'a> UserStringsHeap<'a> {
    /// Wrap the raw heap bytes.
    pub fn new(data: &'a [u8]) -> Self {
        Self(data)
    }

    /// The literal at `index`.
    pub fn get(&self, index: UserStringIndex) -> Result<UserString<'a>> {
        let blob = read_prefixed(self.0, index.0, Heap::UserStrings, Region::UserStringsHeap)?;
        // An odd length carries the trailing byte (1 when some char needs more
        // than a byte-wise comparison); an even length has none (some
        // compilers omit it for the empty string).
        let (units, trailing) = if blob.len() % 2 == 1 {
            let (body, last) = blob.split_at(blob.len().saturating_sub(1));
            (body, last.first().copied().unwrap_or(0))
        } else {
            (blob, 0)
        };
        Ok(UserString { units, trailing })
    }

    /// Heap size in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the heap is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Walk every entry of the heap: yields `(index, string)` pairs in heap
    /// order, stopping at the first malformed entry with its error.
    pub fn iter(&self) -> impl Iterator<Item = Result<(UserStringIndex, UserString<'a>)>> + '_ {
        // Entry 0 is the mandatory empty first byte.
        let mut pos: usize = 1;
        let mut failed = false;
        core::iter::from_fn(move || {
            if failed || pos >= self.0.len() {
                return None;
            }
            let index = UserStringIndex(u32::try_from(pos).ok()?);
            let mut c = Cursor::at(self.0, pos, Region::UserStringsHeap);
            let step = c
                .compressed_u32()
                .and_then(|len| c.skip(to_usize(len)).map(|()| c.pos()));
            match step.and_then(|next| self.get(index).map(|s| (next, s))) {
                Ok((next, s)) => {
                    pos = next;
                    Some(Ok((index, s)))
                }
                Err(e) => {
                    failed = true;
                    Some(Err(e))
                }
            }
        })
    }
}

/// A `#US` literal: UTF-16LE code units, which may contain unpaired
/// surrogates (C# allows them), so conversion to `str` is lossy or fallible.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserString<'a> {
    units: &'a [u8],
    trailing: u8,
}

impl UserString<'_> {
    /// Number of UTF-16 code units (the managed `String.Length`).
    pub fn len(&self) -> usize {
        self.units.len() / 2
    }

    /// Whether the literal is empty.
    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    /// The UTF-16 code units.
    pub fn units(&self) -> impl Iterator<Item = u16> + '_ {
        self.units
            .as_chunks::<2>()
            .0
            .iter()
            .map(|p| u16::from_le_bytes(*p))
    }

    /// The raw UTF-16LE bytes, ready to copy into a managed string object.
    pub fn utf16le_bytes(&self) -> &[u8] {
        self.units
    }

    /// The trailing byte: 1 if any character is outside the simple ASCII set
    /// (ECMA-335 II.24.2.4).
    pub fn trailing_byte(&self) -> u8 {
        self.trailing
    }

    /// Decode to a Rust string, replacing unpaired surrogates with U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        char::decode_utf16(self.units())
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests may panic on failure")]
mod tests {
    use super::*;

    #[test]
    fn strings_heap() {
        let h = StringsHeap::new(b"\0Foo\0Bar\0\xff\0unterminated");
        assert_eq!(h.get(StringIndex(0)).unwrap(), "");
        assert_eq!(h.get(StringIndex(1)).unwrap(), "Foo");
        assert_eq!(h.get(StringIndex(2)).unwrap(), "oo");
        assert_eq!(h.get(StringIndex(5)).unwrap(), "Bar");
        assert!(matches!(
            h.get(StringIndex(9)),
            Err(MetadataError::BadString { index: 9 })
        ));
        assert!(matches!(
            h.get(StringIndex(11)),
            Err(MetadataError::BadString { .. })
        ));
        assert!(matches!(
            h.get(StringIndex(1000)),
            Err(MetadataError::HeapIndexOutOfRange {
                heap: Heap::Strings,
                index: 1000
            })
        ));
    }

    #[test]
    fn blob_heap() {
        let h = BlobHeap::new(&[0, 3, 1, 2, 3, 5, 9]);
        assert_eq!(h.get(BlobIndex(0)).unwrap(), &[] as &[u8]);
        assert_eq!(h.get(BlobIndex(1)).unwrap(), &[1, 2, 3]);
        // Length 5 but only one byte left.
        assert!(h.get(BlobIndex(5)).is_err());
        assert!(h.get(BlobIndex(7)).is_err());
        assert_eq!(BlobHeap::new(&[]).get(BlobIndex(0)).unwrap(), &[] as &[u8]);
    }

    #[test]
    fn user_strings() {
        // "" then "Hi" with its trailing byte.
        let h = UserStringsHeap::new(&[0, 5, b'H', 0, b'i', 0, 0]);
        let s = h.get(UserStringIndex(1)).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s.to_string_lossy(), "Hi");
        assert_eq!(s.trailing_byte(), 0);
        let all: Vec<_> = h.iter().map(|r| r.unwrap().0).collect();
        assert_eq!(all, [UserStringIndex(1)]);
    }

    #[test]
    fn guid_heap() {
        let mut bytes = [0u8; 32];
        bytes[16] = 7;
        let h = GuidHeap::new(&bytes);
        assert_eq!(h.get(GuidIndex(0)).unwrap(), None);
        assert_eq!(h.get(GuidIndex(2)).unwrap().unwrap()[0], 7);
        assert!(h.get(GuidIndex(3)).is_err());
        assert!(h.get(GuidIndex(u32::MAX)).is_err());
    }
}
