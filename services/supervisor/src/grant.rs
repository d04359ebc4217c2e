//! Device grants: the resources a service (the driver host, the shell's
//! console) may be given by the kernel, on the supervisor's word. Parsed and checked here so a
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
    /// `grant=pci:BB:DD.F` (hex): the PCI function at that address, as
    /// `bus << 8 | device << 3 | function`.
    PciAddress { bdf: u16 },
    /// `grant=pci:VVVV:DDDD` or `grant=pci:VVVV:DDDD#N` (hex ids, decimal
    /// N): the `n`-th (from 0) function with these vendor and device ids.
    PciId { vendor: u16, device: u16, n: u32 },
    /// `grant=console`: the serial console's input and raw output (the user
    /// shell). The kernel gives it to one task at a time; a second grant
    /// while its holder lives is refused (`AlreadyMapped`).
    Console,
}

/// Hex digits only (the `lspci` notation: no `0x`, no sign), at most `max`.
fn hex(s: &str, max: usize) -> Option<u32> {
    if s.is_empty() || s.len() > max || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

/// `BB:DD.F` or `VVVV:DDDD[#N]`.
fn parse_pci(s: &str) -> Option<Grant> {
    let (left, right) = s.split_once(':')?;
    if let Some((dev, func)) = right.split_once('.') {
        let bus = hex(left, 2)?;
        let dev = hex(dev, 2).filter(|d| *d < 32)?;
        let func = hex(func, 1).filter(|f| *f < 8)?;
        let bdf = (bus << 8) | (dev << 3) | func;
        return Some(Grant::PciAddress { bdf: bdf as u16 });
    }
    let (device, n) = match right.split_once('#') {
        Some((d, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            (d, n.parse().ok()?)
        }
        Some(_) => return None,
        None => (right, 0),
    };
    if left.len() != 4 || device.len() != 4 {
        return None;
    }
    Some(Grant::PciId {
        vendor: hex(left, 4)? as u16,
        device: hex(device, 4)? as u16,
        n,
    })
}

/// Parses the value of a `grant=` item.
pub fn parse_grant(value: &str) -> Result<Grant, ManifestErrorKind> {
    let bad = ManifestErrorKind::BadGrant;
    if value == "console" {
        return Ok(Grant::Console);
    }
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
        "pci" => parse_pci(range).ok_or(bad),
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
        assert_eq!(parse_grant("console"), Ok(Grant::Console));
        assert_eq!(parse_grant("irq:0xff"), Ok(Grant::Irq(255)));
    }

    #[test]
    fn pci_forms() {
        assert_eq!(
            parse_grant("pci:00:05.0"),
            Ok(Grant::PciAddress { bdf: 0x28 })
        );
        assert_eq!(
            parse_grant("pci:01:1f.7"),
            Ok(Grant::PciAddress { bdf: 0x1ff })
        );
        assert_eq!(
            parse_grant("pci:ff:00.0"),
            Ok(Grant::PciAddress { bdf: 0xff00 })
        );
        assert_eq!(
            parse_grant("pci:1af4:1042"),
            Ok(Grant::PciId {
                vendor: 0x1af4,
                device: 0x1042,
                n: 0
            })
        );
        assert_eq!(
            parse_grant("pci:8086:100E#2"),
            Ok(Grant::PciId {
                vendor: 0x8086,
                device: 0x100e,
                n: 2
            })
        );
    }

    #[test]
    fn bad_pci_grants() {
        for s in [
            "pci:",
            "pci:00",
            "pci:00:05",
            "pci:00:20.0",
            "pci:00:05.8",
            "pci:100:00.0",
            "pci:00:05.0.1",
            "pci:0x00:05.0",
            "pci:00:-5.0",
            "pci:1af4",
            "pci:1af4:104",
            "pci:1af4:10420",
            "pci:1af:1042",
            "pci:1af4:1042#",
            "pci:1af4:1042#-1",
            "pci:1af4:1042#x",
            "pci:1af4:1042#99999999999",
            "pci:+af4:1042",
            "pci:1af4:10g2",
        ] {
            assert_eq!(parse_grant(s), Err(ManifestErrorKind::BadGrant), "{s:?}");
        }
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
            "console:",
            "console:1",
            "Console",
            "consoles",
        ] {
            assert_eq!(parse_grant(s), Err(ManifestErrorKind::BadGrant), "{s:?}");
        }
    }
}
