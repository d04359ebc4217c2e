//! Parsing the multiboot2 boot information structure (GRUB's hand-over).
//!
//! Layout (Multiboot2 specification): `total_size: u32`, `reserved: u32`,
//! then tags, each 8-byte aligned: `type: u32`, `size: u32` (header
//! included), payload. Every length is checked against the buffer; a
//! malformed structure is an error, never an out-of-bounds read.

/// What the kernel takes from the structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// The command line, without its NUL.
    Cmdline(&'a [u8]),
    /// A module (the first is the initrd): physical `[start, end)`.
    Module { start: u64, end: u64 },
    /// A memory-map entry with its e820-style type.
    Region { base: u64, len: u64, kind: u32 },
    /// Offset of an RSDP copy inside the structure; `new` for ACPI 2.0+.
    Rsdp { offset: usize, new: bool },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// The buffer is shorter than its `total_size`, or that is < 16.
    BadTotalSize,
    /// A tag's size is below 8 or runs past the end.
    BadTag { offset: usize },
    /// A memory-map tag's entry size is below 24.
    BadMapEntry { offset: usize },
    /// No end tag before the end of the structure.
    NoEndTag,
}

const TAG_END: u32 = 0;
const TAG_CMDLINE: u32 = 1;
const TAG_MODULE: u32 = 3;
const TAG_MMAP: u32 = 6;
const TAG_ACPI_OLD: u32 = 14;
const TAG_ACPI_NEW: u32 = 15;

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(at..at.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(
        b.get(at..at.checked_add(8)?)?.try_into().ok()?,
    ))
}

/// Total size announced by the structure's first word.
pub fn total_size(head: &[u8]) -> Option<usize> {
    u32_at(head, 0).map(|n| n as usize)
}

/// Walks the structure in `mbi` (exactly `total_size` bytes), calling `f`
/// for each item in order.
pub fn parse<'a>(mbi: &'a [u8], mut f: impl FnMut(Item<'a>)) -> Result<(), Malformed> {
    let total = total_size(mbi).ok_or(Malformed::BadTotalSize)?;
    if total < 16 || total > mbi.len() {
        return Err(Malformed::BadTotalSize);
    }
    let mut at = 8;
    while at + 8 <= total {
        let (kind, size) = match (u32_at(mbi, at), u32_at(mbi, at + 4)) {
            (Some(k), Some(s)) => (k, s as usize),
            _ => return Err(Malformed::BadTag { offset: at }),
        };
        let end = at
            .checked_add(size)
            .ok_or(Malformed::BadTag { offset: at })?;
        if size < 8 || end > total {
            return Err(Malformed::BadTag { offset: at });
        }
        let payload = mbi
            .get(at + 8..end)
            .ok_or(Malformed::BadTag { offset: at })?;
        match kind {
            TAG_END => return Ok(()),
            TAG_CMDLINE => {
                let len = payload
                    .iter()
                    .position(|&b| b == 0)
                    .unwrap_or(payload.len());
                f(Item::Cmdline(payload.get(..len).unwrap_or(&[])));
            }
            TAG_MODULE => {
                if let (Some(s), Some(e)) = (u32_at(payload, 0), u32_at(payload, 4)) {
                    f(Item::Module {
                        start: u64::from(s),
                        end: u64::from(e),
                    });
                }
            }
            TAG_MMAP => {
                let entry = u32_at(payload, 0).map_or(0, |n| n as usize);
                if entry < 24 {
                    return Err(Malformed::BadMapEntry { offset: at });
                }
                let mut e = 8;
                while e + 24 <= payload.len() {
                    if let (Some(base), Some(len), Some(kind)) = (
                        u64_at(payload, e),
                        u64_at(payload, e + 8),
                        u32_at(payload, e + 16),
                    ) {
                        f(Item::Region { base, len, kind });
                    }
                    e += entry;
                }
            }
            TAG_ACPI_OLD | TAG_ACPI_NEW => f(Item::Rsdp {
                offset: at + 8,
                new: kind == TAG_ACPI_NEW,
            }),
            _ => {}
        }
        at += size.div_ceil(8) * 8;
    }
    Err(Malformed::NoEndTag)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a structure from (type, payload) tags, padding each to 8.
    fn mbi(tags: &[(u32, Vec<u8>)]) -> Vec<u8> {
        let mut b = vec![0u8; 8];
        for (t, p) in tags {
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&(8 + p.len() as u32).to_le_bytes());
            b.extend_from_slice(p);
            while b.len() % 8 != 0 {
                b.push(0);
            }
        }
        b.extend_from_slice(&[0, 0, 0, 0, 8, 0, 0, 0]);
        let n = b.len() as u32;
        b[..4].copy_from_slice(&n.to_le_bytes());
        b
    }

    fn items(b: &[u8]) -> Result<Vec<Item<'_>>, Malformed> {
        let mut v = Vec::new();
        parse(b, |i| v.push(i))?;
        Ok(v)
    }

    fn mmap(entries: &[(u64, u64, u32)]) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend_from_slice(&24u32.to_le_bytes());
        p.extend_from_slice(&0u32.to_le_bytes());
        for (base, len, kind) in entries {
            p.extend_from_slice(&base.to_le_bytes());
            p.extend_from_slice(&len.to_le_bytes());
            p.extend_from_slice(&kind.to_le_bytes());
            p.extend_from_slice(&0u32.to_le_bytes());
        }
        p
    }

    #[test]
    fn reads_what_grub_hands_over() {
        let mut module = Vec::new();
        module.extend_from_slice(&0x0010_0000u32.to_le_bytes());
        module.extend_from_slice(&0x0018_0000u32.to_le_bytes());
        module.extend_from_slice(b"initrd\0");
        let b = mbi(&[
            (1, b"manifest=x\0".to_vec()),
            (3, module),
            (
                6,
                mmap(&[
                    (0, 0x9fc00, 1),
                    (0x100000, 0x7ee0000, 1),
                    (0xfffc0000, 0x40000, 2),
                ]),
            ),
            (14, vec![0; 20]),
            (15, vec![0; 36]),
            (99, vec![1, 2, 3]),
        ]);
        let Ok(got) = items(&b) else {
            return assert_eq!(
                items(&b).map(|v| v.len()),
                Ok(7),
                "the structure must parse"
            );
        };
        assert_eq!(got[0], Item::Cmdline(b"manifest=x"));
        assert_eq!(
            got[1],
            Item::Module {
                start: 0x100000,
                end: 0x180000
            }
        );
        assert_eq!(
            got[2],
            Item::Region {
                base: 0,
                len: 0x9fc00,
                kind: 1
            }
        );
        assert_eq!(
            got[4],
            Item::Region {
                base: 0xfffc0000,
                len: 0x40000,
                kind: 2
            }
        );
        assert!(matches!(got[5], Item::Rsdp { new: false, .. }));
        assert!(matches!(got[6], Item::Rsdp { new: true, .. }));
        assert_eq!(got.len(), 7, "unknown tags are skipped");
    }

    #[test]
    fn malformed_structures_are_errors() {
        let good = mbi(&[(1, b"x\0".to_vec())]);
        assert!(items(&good).is_ok());
        // Claims more than there is.
        let mut long = good.clone();
        long[..4].copy_from_slice(&1000u32.to_le_bytes());
        assert_eq!(items(&long), Err(Malformed::BadTotalSize));
        // A tag whose size runs past the end, and one below 8.
        let mut past = good.clone();
        past[12..16].copy_from_slice(&500u32.to_le_bytes());
        assert_eq!(items(&past), Err(Malformed::BadTag { offset: 8 }));
        let mut tiny = good.clone();
        tiny[12..16].copy_from_slice(&4u32.to_le_bytes());
        assert_eq!(items(&tiny), Err(Malformed::BadTag { offset: 8 }));
        // No end tag.
        let mut open = good[..good.len() - 8].to_vec();
        let n = open.len() as u32;
        open[..4].copy_from_slice(&n.to_le_bytes());
        assert_eq!(items(&open), Err(Malformed::NoEndTag));
        // A memory map with an impossible entry size.
        let mut bad_map = mmap(&[(0, 1, 1)]);
        bad_map[..4].copy_from_slice(&8u32.to_le_bytes());
        assert_eq!(
            items(&mbi(&[(6, bad_map)])),
            Err(Malformed::BadMapEntry { offset: 8 })
        );
    }

    #[test]
    fn every_truncation_and_byte_flip_is_handled() {
        let b = mbi(&[
            (1, b"log=debug\0".to_vec()),
            (6, mmap(&[(0, 4096, 1), (8192, 4096, 2)])),
        ]);
        for cut in 0..b.len() {
            let _ = items(&b[..cut]);
        }
        for i in 0..b.len() {
            for bit in 0..8 {
                let mut m = b.clone();
                m[i] ^= 1 << bit;
                let _ = items(&m);
            }
        }
    }
}
