//! Decoding ACPI PCI interrupt routing (`_PRT`) into interrupt-controller
//! inputs, without the AML interpreter: the kernel evaluates the objects and
//! hands the values here, so every rule below runs in host tests.
//!
//! A `_PRT` is a package of four-field packages (ACPI 6.5, 6.2.13):
//! `Address` (`device << 16 | function`, function 0xFFFF = all), `Pin`
//! (0 = INTA .. 3 = INTD), `Source` (0 = hard-wired, else the name of a link
//! device) and `Source Index` (the GSI when hard-wired, else which resource
//! descriptor of the link's `_CRS`). A link device's `_CRS` holds its current
//! interrupt as an IRQ or Extended Interrupt descriptor (6.4.2.1, 6.4.3.6).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

/// One field of a `_PRT` entry package as the interpreter returned it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Integer(u64),
    /// A name string (the link device, as the package spelt it).
    Name(String),
    /// Anything else: a reference, buffer, nested package…
    Other,
}

/// Where a `_PRT` entry's pin is wired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source<L> {
    /// Hard-wired to this GSI.
    Gsi(u32),
    /// Through link device `link`, its `_CRS` descriptor number `index`.
    Link { link: L, index: u32 },
}

/// One decoded `_PRT` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry<L> {
    pub device: u8,
    /// 0 = INTA .. 3 = INTD, as `_PRT` numbers them.
    pub pin: u8,
    pub source: Source<L>,
}

/// Why a `_PRT` entry package was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryError {
    /// Not four fields.
    WrongLength(usize),
    /// The address is not an integer, or its device number is above 31.
    BadAddress,
    /// The pin is not an integer from 0 to 3.
    BadPin,
    /// The source is neither the integer 0 nor a name.
    BadSource,
    /// The source index is not an integer, or a GSI above `u32::MAX`.
    BadIndex,
}

/// Decodes one `_PRT` entry package.
pub fn decode_entry(fields: &[Field]) -> Result<Entry<String>, EntryError> {
    let [address, pin, source, index] = fields else {
        return Err(EntryError::WrongLength(fields.len()));
    };
    let Field::Integer(address) = address else {
        return Err(EntryError::BadAddress);
    };
    let device = u8::try_from(address >> 16)
        .ok()
        .filter(|d| *d < 32 && *address <= u64::from(u32::MAX))
        .ok_or(EntryError::BadAddress)?;
    let pin = match pin {
        Field::Integer(p @ 0..=3) => *p as u8,
        _ => return Err(EntryError::BadPin),
    };
    let Field::Integer(index) = index else {
        return Err(EntryError::BadIndex);
    };
    let index = u32::try_from(*index).map_err(|_| EntryError::BadIndex)?;
    let source = match source {
        Field::Integer(0) => Source::Gsi(index),
        Field::Name(name) if !name.is_empty() => Source::Link {
            link: name.clone(),
            index,
        },
        _ => return Err(EntryError::BadSource),
    };
    Ok(Entry {
        device,
        pin,
        source,
    })
}

/// An interrupt as a resource descriptor describes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Irq {
    pub irq: u32,
    pub level: bool,
    pub active_low: bool,
}

/// Why a link device's interrupt could not be learnt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The kernel could not evaluate the link's `_CRS` (logged where it failed).
    Evaluation,
    /// The resource template ends inside a descriptor.
    Truncated,
    /// The template has no descriptor number `index`.
    NoDescriptor(u32),
    /// Descriptor `index` is not an IRQ or Extended Interrupt descriptor.
    NotInterrupt(u32),
    /// The descriptor names no interrupt: the link is disabled.
    Disabled,
    /// An IRQ descriptor in `_CRS` names several IRQs.
    Ambiguous(u16),
}

const SMALL_IRQ: u8 = 0x04;
const SMALL_END: u8 = 0x0f;
const LARGE_EXTENDED_INTERRUPT: u8 = 0x09;

/// One resource descriptor: its type and its body (after the header).
struct Descriptor<'a> {
    large: bool,
    kind: u8,
    body: &'a [u8],
}

/// Splits a resource template into descriptors, stopping at the End Tag.
fn descriptors(mut bytes: &[u8]) -> Result<Vec<Descriptor<'_>>, LinkError> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = bytes.split_first() {
        let (large, kind, len, rest) = if tag & 0x80 != 0 {
            let [lo, hi, rest @ ..] = rest else {
                return Err(LinkError::Truncated);
            };
            let len = usize::from(u16::from_le_bytes([*lo, *hi]));
            (true, tag & 0x7f, len, rest)
        } else {
            (false, (tag >> 3) & 0x0f, usize::from(tag & 7), rest)
        };
        if !large && kind == SMALL_END {
            break;
        }
        let body = rest.get(..len).ok_or(LinkError::Truncated)?;
        bytes = rest.get(len..).ok_or(LinkError::Truncated)?;
        out.push(Descriptor { large, kind, body });
    }
    Ok(out)
}

/// The interrupt in descriptor `index` of a link device's `_CRS` buffer.
pub fn link_irq(crs: &[u8], index: u32) -> Result<Irq, LinkError> {
    let all = descriptors(crs)?;
    let d = all
        .get(index as usize)
        .ok_or(LinkError::NoDescriptor(index))?;
    match (d.large, d.kind, d.body) {
        // IRQ descriptor: a 16-bit mask, then optionally the flags byte
        // (bit 0 _HE: 1 = edge; bit 3 _LL: 1 = active-low). Without the
        // flags byte the interrupt is edge-triggered, active-high.
        (false, SMALL_IRQ, [lo, hi, flags @ ..]) if flags.len() <= 1 => {
            let mask = u16::from_le_bytes([*lo, *hi]);
            let flags = flags.first().copied().unwrap_or(1);
            match mask.count_ones() {
                0 => Err(LinkError::Disabled),
                1 => Ok(Irq {
                    irq: mask.trailing_zeros(),
                    level: flags & 1 == 0,
                    active_low: flags & 8 != 0,
                }),
                _ => Err(LinkError::Ambiguous(mask)),
            }
        }
        // Extended Interrupt descriptor: flags (bit 1 _HE, bit 2 _LL), a
        // count, then that many 32-bit interrupt numbers; `_CRS` has one.
        (true, LARGE_EXTENDED_INTERRUPT, [flags, count, rest @ ..]) => {
            let first = rest.get(..4).filter(|_| *count > 0);
            let Some([a, b, c, e]) = first else {
                return Err(LinkError::Disabled);
            };
            Ok(Irq {
                irq: u32::from_le_bytes([*a, *b, *c, *e]),
                level: flags & 2 == 0,
                active_low: flags & 4 != 0,
            })
        }
        _ => Err(LinkError::NotInterrupt(index)),
    }
}

/// A MADT interrupt source override: ISA IRQ `irq` arrives at `gsi`.
/// `None` is "conforms to the bus".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IsaOverride {
    pub irq: u8,
    pub gsi: u32,
    pub level: Option<bool>,
    pub active_low: Option<bool>,
}

/// Where an INTx pin arrives at the interrupt controllers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    pub gsi: u32,
    pub level: bool,
    pub active_low: bool,
}

/// Why an INTx pin has no route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteError {
    /// Not 1 (INTA) .. 4 (INTD); 0 means the function uses no INTx pin.
    BadPin(u8),
    /// The `_PRT` has no entry for this device and pin.
    NoEntry,
    /// The entry's link device gave no usable interrupt.
    Link(LinkError),
}

/// The route of a link's interrupt: an ISA IRQ number (below 16) goes
/// through the MADT's override for it if there is one, whose explicit
/// trigger and polarity win (they describe the wiring to the IOAPIC); a
/// "conforms" field keeps what the link said. Larger numbers are GSIs.
pub fn apply_overrides(irq: Irq, overrides: &[IsaOverride]) -> Route {
    let found = overrides
        .iter()
        .find(|o| irq.irq < 16 && u32::from(o.irq) == irq.irq);
    match found {
        Some(o) => Route {
            gsi: o.gsi,
            level: o.level.unwrap_or(irq.level),
            active_low: o.active_low.unwrap_or(irq.active_low),
        },
        None => Route {
            gsi: irq.irq,
            level: irq.level,
            active_low: irq.active_low,
        },
    }
}

/// Routes INTx pin `pin` (1 = INTA .. 4 = INTD, as the Interrupt Pin
/// register says) of `device`: the first matching entry wins; a hard-wired
/// GSI is level-triggered active-low (the PCI default, ACPI 6.2.13); a link
/// is asked through `link` for its current interrupt.
pub fn route<L>(
    entries: &[Entry<L>],
    device: u8,
    pin: u8,
    overrides: &[IsaOverride],
    mut link: impl FnMut(&L, u32) -> Result<Irq, LinkError>,
) -> Result<Route, RouteError> {
    if !(1..=4).contains(&pin) {
        return Err(RouteError::BadPin(pin));
    }
    let entry = entries
        .iter()
        .find(|e| e.device == device && e.pin == pin - 1)
        .ok_or(RouteError::NoEntry)?;
    match &entry.source {
        Source::Gsi(gsi) => Ok(Route {
            gsi: *gsi,
            level: true,
            active_low: true,
        }),
        Source::Link { link: l, index } => link(l, *index)
            .map(|irq| apply_overrides(irq, overrides))
            .map_err(RouteError::Link),
    }
}

/// The INTx pin at which a device behind a PCI-to-PCI bridge appears on the
/// bridge's own side (PCI-to-PCI Bridge spec 9.1): pins rotate by the
/// device number. `pin` and the result are 1 = INTA .. 4 = INTD; `None` for
/// a pin outside that range.
pub fn swizzle(device: u8, pin: u8) -> Option<u8> {
    (1..=4)
        .contains(&pin)
        .then(|| ((pin - 1 + (device % 4)) % 4) + 1)
}

/// The `_HID`/`_CID` string of a compressed EISA id (the integer form):
/// three letters of five bits each and four hex digits, stored big-endian.
pub fn eisa_id(value: u64) -> Option<[u8; 7]> {
    let v = u32::try_from(value).ok()?.swap_bytes();
    let letter = |shift: u32| 0x40 + ((v >> shift) & 0x1f) as u8;
    let hex = |shift: u32| {
        b"0123456789ABCDEF"
            .get(((v >> shift) & 0xf) as usize)
            .copied()
    };
    Some([
        letter(26),
        letter(21),
        letter(16),
        hex(12)?,
        hex(8)?,
        hex(4)?,
        hex(0)?,
    ])
}

/// True for the ids of a PCI (PNP0A03) or PCI Express (PNP0A08) root bridge.
pub fn is_pci_root_id(id: &[u8]) -> bool {
    id == b"PNP0A03" || id == b"PNP0A08"
}

/// The four pins' routes of every device of a root bus, as the boot log
/// shows them: `device: [INTA, INTB, INTC, INTD]`.
pub type SlotRoutes = Vec<(u8, [Option<Route>; 4])>;

/// Groups routes by device, pins without a route as `None`.
pub fn slot_routes(routes: &[(u8, u8, Route)]) -> SlotRoutes {
    let mut slots: SlotRoutes = Vec::new();
    for &(device, pin, r) in routes {
        let i = match slots.iter().position(|(d, _)| *d == device) {
            Some(i) => i,
            None => {
                slots.push((device, [None; 4]));
                slots.len() - 1
            }
        };
        if let Some(p) = slots
            .get_mut(i)
            .and_then(|(_, pins)| pins.get_mut(usize::from(pin)))
            && p.is_none()
        {
            *p = Some(r);
        }
    }
    slots.sort_by_key(|(d, _)| *d);
    slots
}

/// A compact summary: lines of up to eight devices, each `DD:a,b,c,d` with
/// the INTA..INTD GSIs (`-` where the pin has no route), then one line
/// naming the trigger modes and polarities in use.
pub fn summary(slots: &SlotRoutes) -> Vec<String> {
    let mut lines = Vec::new();
    for chunk in slots.chunks(8) {
        let mut line = String::new();
        for (device, pins) in chunk {
            if !line.is_empty() {
                line.push(' ');
            }
            let _ = write!(line, "{device:02x}:");
            for (i, p) in pins.iter().enumerate() {
                if i > 0 {
                    line.push(',');
                }
                match p {
                    Some(r) => {
                        let _ = write!(line, "{}", r.gsi);
                    }
                    None => line.push('-'),
                }
            }
        }
        lines.push(line);
    }
    let mut kinds: Vec<(bool, bool)> = slots
        .iter()
        .flat_map(|(_, pins)| pins.iter().flatten().map(|r| (r.level, r.active_low)))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    let names: Vec<String> = kinds
        .iter()
        .map(|(level, low)| {
            let t = if *level { "level" } else { "edge" };
            let p = if *low { "active-low" } else { "active-high" };
            alloc::format!("{t} {p}")
        })
        .collect();
    lines.push(alloc::format!("triggers: {}", names.join(", ")));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn int(v: u64) -> Field {
        Field::Integer(v)
    }

    fn name(s: &str) -> Field {
        Field::Name(s.to_string())
    }

    fn gsi_entry(device: u8, pin: u8, gsi: u32) -> Entry<String> {
        Entry {
            device,
            pin,
            source: Source::Gsi(gsi),
        }
    }

    fn link_entry(device: u8, pin: u8, link: &str) -> Entry<String> {
        Entry {
            device,
            pin,
            source: Source::Link {
                link: link.to_string(),
                index: 0,
            },
        }
    }

    /// `Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {n}` and
    /// the End Tag, as iasl encodes it.
    fn extended(flags: u8, irqs: &[u32]) -> Vec<u8> {
        let len = 2 + 4 * irqs.len() as u16;
        let mut v = vec![0x89, len as u8, (len >> 8) as u8, flags, irqs.len() as u8];
        for i in irqs {
            v.extend_from_slice(&i.to_le_bytes());
        }
        v.extend_from_slice(&[0x79, 0]);
        v
    }

    #[test]
    fn decodes_hard_wired_and_link_entries() {
        assert_eq!(
            decode_entry(&[int(0x0003_ffff), int(2), int(0), int(42)]),
            Ok(gsi_entry(3, 2, 42))
        );
        assert_eq!(
            decode_entry(&[int(0x001f_ffff), int(0), name("^LNKA"), int(0)]),
            Ok(link_entry(0x1f, 0, "^LNKA"))
        );
    }

    #[test]
    fn refuses_malformed_entries() {
        let ok = [int(0x0003_ffff), int(0), int(0), int(16)];
        assert!(decode_entry(&ok).is_ok());
        assert_eq!(
            decode_entry(&ok[..3]),
            Err(EntryError::WrongLength(3)),
            "three fields"
        );
        let with = |i: usize, f: Field| {
            let mut v = ok.to_vec();
            v[i] = f;
            decode_entry(&v)
        };
        assert_eq!(with(0, int(0x0020_ffff)), Err(EntryError::BadAddress));
        assert_eq!(with(0, int(0x1_0003_ffff)), Err(EntryError::BadAddress));
        assert_eq!(with(0, name("X")), Err(EntryError::BadAddress));
        assert_eq!(with(1, int(4)), Err(EntryError::BadPin));
        assert_eq!(with(1, Field::Other), Err(EntryError::BadPin));
        assert_eq!(with(2, int(1)), Err(EntryError::BadSource));
        assert_eq!(with(2, name("")), Err(EntryError::BadSource));
        assert_eq!(with(2, Field::Other), Err(EntryError::BadSource));
        assert_eq!(with(3, int(1 << 32)), Err(EntryError::BadIndex));
        assert_eq!(with(3, name("X")), Err(EntryError::BadIndex));
    }

    #[test]
    fn reads_extended_interrupt_descriptors() {
        // q35's GSIx links: Interrupt (ResourceConsumer, Level, ActiveHigh, Shared) {16}.
        let crs = extended(0x09, &[16]);
        assert_eq!(
            link_irq(&crs, 0),
            Ok(Irq {
                irq: 16,
                level: true,
                active_low: false
            })
        );
        // Edge (bit 1), active-low (bit 2).
        assert_eq!(
            link_irq(&extended(0x07, &[5]), 0),
            Ok(Irq {
                irq: 5,
                level: false,
                active_low: true
            })
        );
        assert_eq!(link_irq(&extended(0x09, &[]), 0), Err(LinkError::Disabled));
    }

    #[test]
    fn reads_small_irq_descriptors() {
        // IRQ (Level, ActiveLow, Shared) {11}: flags _HE=0, _LL=1, _SHR=1.
        let crs = [0x23, 0x00, 0x08, 0x18, 0x79, 0x00];
        assert_eq!(
            link_irq(&crs, 0),
            Ok(Irq {
                irq: 11,
                level: true,
                active_low: true
            })
        );
        // Without the flags byte: edge, active-high.
        let crs = [0x22, 0x20, 0x00, 0x79, 0x00];
        assert_eq!(
            link_irq(&crs, 0),
            Ok(Irq {
                irq: 5,
                level: false,
                active_low: false
            })
        );
        assert_eq!(
            link_irq(&[0x23, 0, 0, 0x18, 0x79, 0], 0),
            Err(LinkError::Disabled)
        );
        assert_eq!(
            link_irq(&[0x23, 0x20, 0x0c, 0x18, 0x79, 0], 0),
            Err(LinkError::Ambiguous(0x0c20))
        );
    }

    #[test]
    fn picks_the_indexed_descriptor_and_refuses_bad_templates() {
        // An I/O port descriptor (small type 8, 7 bytes) before the interrupt.
        let mut crs = vec![0x47, 1, 0x60, 0, 0x60, 0, 1, 1];
        crs.extend(extended(0x09, &[20]));
        assert_eq!(link_irq(&crs, 1).map(|i| i.irq), Ok(20));
        assert_eq!(link_irq(&crs, 0), Err(LinkError::NotInterrupt(0)));
        assert_eq!(link_irq(&crs, 2), Err(LinkError::NoDescriptor(2)));
        // Descriptors past the End Tag do not count.
        let mut tail = extended(0x09, &[16]);
        tail.extend(extended(0x09, &[17]));
        assert_eq!(link_irq(&tail, 1), Err(LinkError::NoDescriptor(1)));
        // Truncated: large header cut short, body cut short.
        assert_eq!(link_irq(&[0x89, 6], 0), Err(LinkError::Truncated));
        let cut = extended(0x09, &[16]);
        assert_eq!(link_irq(&cut[..6], 0), Err(LinkError::Truncated));
        assert_eq!(link_irq(&[0x23, 0x00], 0), Err(LinkError::Truncated));
        assert_eq!(link_irq(&[], 0), Err(LinkError::NoDescriptor(0)));
    }

    #[test]
    fn hard_wired_gsis_are_level_active_low() {
        let t = [gsi_entry(2, 0, 16), gsi_entry(2, 1, 17)];
        assert_eq!(
            route(&t, 2, 2, &[], |_, _| Err(LinkError::Evaluation)),
            Ok(Route {
                gsi: 17,
                level: true,
                active_low: true
            })
        );
    }

    #[test]
    fn link_entries_take_the_links_interrupt() {
        let t = [link_entry(1, 0, "GSIA"), link_entry(1, 1, "GSIB")];
        let mut asked = Vec::new();
        let r = route(&t, 1, 2, &[], |l: &String, i| {
            asked.push((l.clone(), i));
            Ok(Irq {
                irq: 17,
                level: true,
                active_low: false,
            })
        });
        assert_eq!(asked, vec![("GSIB".to_string(), 0)]);
        assert_eq!(
            r,
            Ok(Route {
                gsi: 17,
                level: true,
                active_low: false
            })
        );
        let failed = route(&t, 1, 1, &[], |_, _| Err(LinkError::Disabled));
        assert_eq!(failed, Err(RouteError::Link(LinkError::Disabled)));
    }

    #[test]
    fn missing_entries_and_bad_pins() {
        let t = [gsi_entry(1, 0, 16)];
        let no_link = |_: &String, _| Err(LinkError::Evaluation);
        assert_eq!(route(&t, 1, 2, &[], no_link), Err(RouteError::NoEntry));
        assert_eq!(route(&t, 2, 1, &[], no_link), Err(RouteError::NoEntry));
        assert_eq!(route(&t, 1, 0, &[], no_link), Err(RouteError::BadPin(0)));
        assert_eq!(route(&t, 1, 5, &[], no_link), Err(RouteError::BadPin(5)));
        assert_eq!(route(&[], 0, 1, &[], no_link), Err(RouteError::NoEntry));
    }

    #[test]
    fn first_matching_entry_wins() {
        let t = [gsi_entry(1, 0, 16), gsi_entry(1, 0, 20)];
        let r = route(&t, 1, 1, &[], |_: &String, _| Err(LinkError::Evaluation));
        assert_eq!(r.map(|r| r.gsi), Ok(16));
    }

    #[test]
    fn isa_overrides_apply_to_small_link_irqs_only() {
        let overrides = [
            IsaOverride {
                irq: 9,
                gsi: 9,
                level: Some(true),
                active_low: Some(false),
            },
            IsaOverride {
                irq: 10,
                gsi: 20,
                level: None,
                active_low: None,
            },
        ];
        let link = |irq| Irq {
            irq,
            level: true,
            active_low: true,
        };
        // Explicit override flags win over the link's.
        assert_eq!(
            apply_overrides(link(9), &overrides),
            Route {
                gsi: 9,
                level: true,
                active_low: false
            }
        );
        // "Conforms" keeps the link's trigger and polarity, moves the GSI.
        assert_eq!(
            apply_overrides(link(10), &overrides),
            Route {
                gsi: 20,
                level: true,
                active_low: true
            }
        );
        // No override: the IRQ is the GSI.
        assert_eq!(apply_overrides(link(11), &overrides).gsi, 11);
        // A GSI of 16 or more is never an ISA IRQ, even if an override says 16.
        let odd = [IsaOverride {
            irq: 16,
            gsi: 2,
            level: None,
            active_low: None,
        }];
        assert_eq!(apply_overrides(link(16), &odd).gsi, 16);
        // Through `route`.
        let t = [link_entry(3, 0, "LNKC")];
        let r = route(&t, 3, 1, &overrides, |_, _| Ok(link(10)));
        assert_eq!(r.map(|r| r.gsi), Ok(20));
    }

    #[test]
    fn swizzle_rotates_by_device() {
        assert_eq!(swizzle(0, 1), Some(1));
        assert_eq!(swizzle(1, 1), Some(2));
        assert_eq!(swizzle(3, 2), Some(1));
        assert_eq!(swizzle(6, 4), Some(2));
        assert_eq!(swizzle(1, 0), None);
        assert_eq!(swizzle(1, 5), None);
    }

    #[test]
    fn eisa_ids() {
        assert_eq!(eisa_id(0x080a_d041), Some(*b"PNP0A08"));
        assert_eq!(eisa_id(0x030a_d041), Some(*b"PNP0A03"));
        assert_eq!(eisa_id(0x0f0c_d041), Some(*b"PNP0C0F"));
        assert!(is_pci_root_id(b"PNP0A08"));
        assert!(!is_pci_root_id(b"PNP0C0F"));
        assert_eq!(eisa_id(1 << 32), None);
    }

    #[test]
    fn summary_is_compact() {
        let r = |gsi, level, active_low| Route {
            gsi,
            level,
            active_low,
        };
        let routes = [
            (1, 1, r(17, true, false)),
            (1, 0, r(16, true, false)),
            (0, 0, r(20, true, false)),
            (0x1f, 3, r(10, false, true)),
            (1, 0, r(99, true, false)), // a later duplicate is ignored
        ];
        let slots = slot_routes(&routes);
        assert_eq!(slots.len(), 3);
        let lines = summary(&slots);
        assert_eq!(
            lines,
            vec![
                "00:20,-,-,- 01:16,17,-,- 1f:-,-,-,10".to_string(),
                "triggers: edge active-low, level active-high".to_string(),
            ]
        );
        let many: Vec<(u8, u8, Route)> = (0..10).map(|d| (d, 0, r(16, true, false))).collect();
        assert_eq!(summary(&slot_routes(&many)).len(), 3);
    }
}
