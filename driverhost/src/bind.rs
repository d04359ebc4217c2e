//! Binding: which driver class drives which granted PCI function.
//!
//! A driver declares its devices in C# with `[Cordon.Ddk.PciDriver(vendor,
//! device)]` on its class. This reads the `CustomAttribute` table of every
//! driver assembly: rows whose parent is a TypeDef and whose constructor
//! is a MemberRef `.ctor` of a TypeRef named `Cordon.Ddk.PciDriverAttribute`;
//! the value blob is the ECMA-335 (II.23.3) form `01 00, int32 vendor,
//! int32 device, uint16 named-count`.

use alloc::string::String;
use alloc::vec::Vec;
use jit::metadata::Image;
use jit::metadata::coded_index::{CustomAttributeType, HasCustomAttribute, MemberRefParent};
use jit::metadata::tables::{CustomAttributeRow, MemberRefRow};

/// One declaration: driver class `namespace.name` drives `vendor:device`.
#[derive(Clone, Debug)]
pub struct Declaration {
    pub namespace: String,
    pub name: String,
    pub vendor: u16,
    pub device: u16,
    /// The initrd file the class came from.
    pub file: String,
}

const ATTRIBUTE_NS: &str = "Cordon.Ddk";
const ATTRIBUTE: &str = "PciDriverAttribute";

/// The (vendor, device) of a `PciDriverAttribute(int, int)` value blob.
pub fn parse_ids(blob: &[u8]) -> Option<(u16, u16)> {
    let prolog = blob.get(0..2)?;
    if prolog != [1, 0] {
        return None;
    }
    let vendor = i32::from_le_bytes(blob.get(2..6)?.try_into().ok()?);
    let device = i32::from_le_bytes(blob.get(6..10)?.try_into().ok()?);
    Some((u16::try_from(vendor).ok()?, u16::try_from(device).ok()?))
}

/// Every `[PciDriver]` declaration in `img`. Malformed rows are skipped
/// (and logged): one bad attribute does not hide the others.
pub fn declarations(img: &Image<'_>, file: &str) -> Vec<Declaration> {
    let mut out = Vec::new();
    let tables = img.tables();
    for item in tables.iter::<CustomAttributeRow>() {
        let Ok((_, row)) = item else { continue };
        let (HasCustomAttribute::TypeDef(td), CustomAttributeType::MemberRef(mr)) =
            (row.parent, row.constructor)
        else {
            continue;
        };
        let Ok(m) = tables.get::<MemberRefRow>(mr) else {
            continue;
        };
        let MemberRefParent::TypeRef(tr) = m.class else {
            continue;
        };
        if img.type_ref_name(tr).ok() != Some((ATTRIBUTE_NS, ATTRIBUTE)) {
            continue;
        }
        let Ok((ns, name)) = img.type_def_name(td) else {
            continue;
        };
        match img.blobs().get(row.value).ok().and_then(parse_ids) {
            Some((vendor, device)) => out.push(Declaration {
                namespace: ns.into(),
                name: name.into(),
                vendor,
                device,
                file: file.into(),
            }),
            None => userlib::log!("driverhost: {ns}.{name}: unreadable [PciDriver] value"),
        }
    }
    out
}

/// The granted PCI functions: (bdf, vendor | device << 16).
pub fn granted() -> Vec<(u16, u32)> {
    let mut out = Vec::new();
    let mut n = 0;
    while let Ok((bdf, ids, _class)) = userlib::sys::pci_info(n) {
        out.push((bdf, ids));
        n += 1;
    }
    out
}
