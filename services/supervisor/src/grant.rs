//! Device grants: the resources a service (the driver host) may be given
//! by the kernel, on the supervisor's word. Parsed and checked here so a
//! typo in the manifest is a boot-time error, not a wrong device mapping.

use crate::manifest::ManifestErrorKind;
use crate::number::parse_u64;

/// MMIO grants are mapped in whole pages.
pub const PAGE_SIZE: u64 = 4096;
/// x86-64's architectural limit on physical addresses (52 bits).
pub const PHYS_LIMIT: u64 = 1 << 52;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Grant {
    /// `grant=ioports:FIRST-LAST`: I/O ports `first..=last` (via the TSS I/O
    /// permission bitmap). `first <= last`.
    IoPorts { first: u16, last: u16 },
    /// `grant=mmio:PHYS+LEN`: physical `phys..phys + len`, mapped uncached.
    /// `phys` is page-aligned, `len > 0`, and the range ends below 2^52; the
    /// kernel rounds `len` up to whole pages.
    Mmio { phys: u64, len: u64 },
    /// `grant=irq:N`: interrupt line N (IOAPIC input) as a notification.
    Irq(u8),
}

/// Parses the value of a `grant=` item.
pub fn parse_grant(value: &str) -> Result<Grant, ManifestErrorKind> {
    let bad = ManifestErrorKind::BadGrant;
    let (kind, range) = value.split_once(':').ok_or(bad)?;
    match kind {
        "ioports" => {
            let (first, last) = range.split_once('-').ok_or(bad)?;
            let first = parse_u64(first).and_then(|n| u16::try_from(n).ok());
            let last = parse_u64(last).and_then(|n| u16::try_from(n).ok());
            match (first, last) {
                (Some(first), Some(last)) if first <= last => Ok(Grant::IoPorts { first, last }),
                _ => Err(bad),
            }
        }
        "mmio" => {
            let (phys, len) = range.split_once('+').ok_or(bad)?;
            let phys = parse_u64(phys).ok_or(bad)?;
            let len = parse_u64(len).ok_or(bad)?;
            let end = phys.checked_add(len).ok_or(bad)?;
            if phys % PAGE_SIZE != 0 || len == 0 || end > PHYS_LIMIT {
                return Err(bad);
            }
            Ok(Grant::Mmio { phys, len })
        }
        "irq" => parse_u64(range)
            .and_then(|n| u8::try_from(n).ok())
            .map(Grant::Irq)
            .ok_or(bad),
        _ => Err(bad),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_forms() {
        assert_eq!(
            parse_grant("ioports:0x3f8-0x3ff"),
            Ok(Grant::IoPorts {
                first: 0x3f8,
                last: 0x3ff
            })
        );
        assert_eq!(
            parse_grant("ioports:0x60-0x60"),
            Ok(Grant::IoPorts {
                first: 0x60,
                last: 0x60
            })
        );
        assert_eq!(
            parse_grant("mmio:0xfebd0000+0x1000"),
            Ok(Grant::Mmio {
                phys: 0xfebd_0000,
                len: 0x1000
            })
        );
        assert_eq!(
            parse_grant("mmio:0xfebd1000+0x100"),
            Ok(Grant::Mmio {
                phys: 0xfebd_1000,
                len: 0x100
            })
        );
        assert_eq!(parse_grant("irq:11"), Ok(Grant::Irq(11)));
        assert_eq!(parse_grant("irq:0xff"), Ok(Grant::Irq(255)));
    }

    #[test]
    fn bad_grants() {
        for s in [
            "",
            "ioports",
            "ioports:",
            "ioports:0x3ff-0x3f8",
            "ioports:0x3f8",
            "ioports:0-0x10000",
            "ioports:a-b",
            "mmio:0xfebd0000",
            "mmio:0xfebd0001+0x1000",
            "mmio:0x1000+0",
            "mmio:0xfffffffffffff000+0x1000",
            "mmio:0xffffffffffffffff+0x1",
            "mmio:0xffffffffff000+0x2000",
            "irq:256",
            "irq:-1",
            "irq:",
            "dma:0x1000",
            ":11",
        ] {
            assert_eq!(parse_grant(s), Err(ManifestErrorKind::BadGrant), "{s:?}");
        }
    }
}
