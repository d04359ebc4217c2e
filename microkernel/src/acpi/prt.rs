//! PCI INTx routing from the root bridges' `_PRT`, evaluated by the AML
//! interpreter once at boot: every entry is resolved (links' `_CRS` read,
//! MADT overrides applied) and kept, so [`super::intx_route`] later runs no
//! AML. The decoding rules live in `logic::prt` and are host-tested there.
//!
//! Link devices are read, never programmed: Cordon calls no `_SRS`, so a
//! link's current interrupt (`_CRS`) cannot change after boot.

use super::KernelAcpi;
use acpi::aml::AmlError;
use acpi::aml::Interpreter;
use acpi::aml::namespace::{AmlName, NamespaceLevelKind};
use acpi::aml::object::{Object, WrappedObject};
use acpi::platform::interrupt::{InterruptSourceOverride, Polarity, TriggerMode};
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::str::FromStr;
use log::{debug, info, warn};
use microkernel::logic::prt::{
    self, Entry, Field, Irq, IsaOverride, LinkError, Route, RouteError, Source,
};

/// One `_PRT` pin and where it goes.
pub(super) struct PinRoute {
    pub device: u8,
    /// 0 = INTA .. 3 = INTD, as `_PRT` numbers them.
    pub pin: u8,
    pub route: Result<Route, RouteError>,
}

/// One PCI root bridge and its resolved routing.
pub(super) struct RootBridge {
    pub bus: u8,
    /// `Err` when the bridge's `_PRT` could not be evaluated.
    pub routes: Result<Vec<PinRoute>, AmlError>,
}

fn child(path: &AmlName, seg: &str) -> Result<AmlName, AmlError> {
    AmlName::from_str(seg)?.resolve(path)
}

/// Tells the firmware the OS routes interrupts through the APIC (`\_PIC(1)`,
/// ACPI 5.8.1). Many DSDTs (q35's included) return PIC-mode routing from
/// `_PRT` until this is called.
pub(super) fn announce_apic_mode(aml: &Interpreter<KernelAcpi>) {
    let pic = match AmlName::from_str("\\_PIC") {
        Ok(n) => n,
        Err(e) => {
            warn!("AML: \\_PIC name: {e:?}");
            return;
        }
    };
    match aml.evaluate_if_present(pic, vec![Object::Integer(1).wrap()]) {
        Ok(Some(_)) => info!("AML: \\_PIC(1): firmware told the APIC routes interrupts"),
        Ok(None) => info!("AML: no \\_PIC method; _PRT is read as the firmware gives it"),
        Err(e) => warn!("AML: \\_PIC(1) failed: {e:?}"),
    }
}

/// The ids in a `_HID` or `_CID` value: EISA integers, strings, or (for
/// `_CID`) a package of those.
fn ids(object: &Object, out: &mut Vec<String>) {
    match object {
        Object::Integer(v) => {
            if let Some(id) = prt::eisa_id(*v) {
                out.push(String::from_utf8_lossy(&id).into_owned());
            }
        }
        Object::String(s) => out.push(s.clone()),
        Object::Package(items) => items.iter().for_each(|i| ids(i, out)),
        _ => {}
    }
}

fn is_root_bridge(aml: &Interpreter<KernelAcpi>, device: &AmlName) -> bool {
    let mut found = Vec::new();
    for seg in ["_HID", "_CID"] {
        if let Ok(Some(v)) = child(device, seg).and_then(|n| aml.evaluate_if_present(n, vec![])) {
            ids(&v, &mut found);
        }
    }
    found.iter().any(|id| prt::is_pci_root_id(id.as_bytes()))
}

/// Every device in the namespace (collected first: evaluating AML while
/// walking would take the namespace lock twice).
fn devices(aml: &Interpreter<KernelAcpi>) -> Vec<AmlName> {
    let mut out = Vec::new();
    let walked = aml.namespace.lock().traverse(|name, level| {
        if level.kind == NamespaceLevelKind::Device {
            out.push(name.clone());
        }
        Ok(true)
    });
    if let Err(e) = walked {
        warn!("AML: namespace walk stopped: {e:?}");
    }
    out
}

fn field(object: &Object) -> Field {
    match object {
        Object::Integer(v) => Field::Integer(*v),
        Object::String(s) => Field::Name(s.clone()),
        _ => Field::Other,
    }
}

/// The decoded entries of a `_PRT` object; malformed entries are counted
/// and skipped.
fn entries(prt: &WrappedObject, bridge: &AmlName) -> Result<Vec<Entry<String>>, AmlError> {
    let Object::Package(items) = &**prt else {
        return Err(AmlError::InvalidOperationOnObject {
            op: acpi::aml::Operation::DecodePrt,
            typ: prt.typ(),
        });
    };
    let mut out = Vec::new();
    let mut bad = 0usize;
    for item in items {
        let decoded = match &**item {
            Object::Package(fields) => {
                let fields: Vec<Field> = fields.iter().map(|f| field(f)).collect();
                prt::decode_entry(&fields).map_err(|e| debug!("{bridge}._PRT: {e:?} in {fields:?}"))
            }
            _ => Err(()),
        };
        match decoded {
            Ok(e) => out.push(e),
            Err(()) => bad += 1,
        }
    }
    if bad > 0 {
        warn!("{bridge}._PRT: {bad} malformed entries skipped");
    }
    Ok(out)
}

/// The absolute name of the link device a `_PRT` entry names, searched
/// from the bridge's scope (ACPI 5.3 search rules for single names).
fn link_path(
    aml: &Interpreter<KernelAcpi>,
    name: &str,
    bridge: &AmlName,
) -> Result<AmlName, AmlError> {
    let name = AmlName::from_str(name)?;
    if name.search_rules_apply() {
        aml.namespace.lock().search_for_level(&name, bridge)
    } else {
        name.resolve(bridge)?.normalize()
    }
}

/// The current interrupt of a link device: its `_CRS`, descriptor `index`.
fn link_irq(
    aml: &Interpreter<KernelAcpi>,
    name: &str,
    index: u32,
    bridge: &AmlName,
) -> Result<(String, Irq), LinkError> {
    let evaluated = link_path(aml, name, bridge).and_then(|path| {
        let crs = aml.evaluate(child(&path, "_CRS")?, vec![])?;
        let bytes = crs.as_buffer()?.to_vec();
        Ok((path, bytes))
    });
    let (path, crs) = evaluated.map_err(|e| {
        warn!("{bridge}._PRT: link {name}: _CRS not readable: {e:?}");
        LinkError::Evaluation
    })?;
    let irq =
        prt::link_irq(&crs, index).inspect_err(|e| warn!("{bridge}._PRT: link {path}: {e:?}"))?;
    Ok((path.as_string(), irq))
}

fn isa_overrides(madt: &[InterruptSourceOverride]) -> Vec<IsaOverride> {
    madt.iter()
        .map(|o| IsaOverride {
            irq: o.isa_source,
            gsi: o.global_system_interrupt,
            level: match o.trigger_mode {
                TriggerMode::SameAsBus => None,
                TriggerMode::Level => Some(true),
                TriggerMode::Edge => Some(false),
            },
            active_low: match o.polarity {
                Polarity::SameAsBus => None,
                Polarity::ActiveLow => Some(true),
                Polarity::ActiveHigh => Some(false),
            },
        })
        .collect()
}

/// Resolves every entry of one bridge's `_PRT`, each link evaluated once.
fn resolve(
    aml: &Interpreter<KernelAcpi>,
    bridge: &AmlName,
    table: &[Entry<String>],
    overrides: &[IsaOverride],
) -> Vec<PinRoute> {
    let mut links: BTreeMap<(String, u32), Result<Irq, LinkError>> = BTreeMap::new();
    let mut out: Vec<PinRoute> = Vec::new();
    for e in table {
        if out.iter().any(|r| r.device == e.device && r.pin == e.pin) {
            continue; // the first entry for a pin wins
        }
        let r = prt::route(table, e.device, e.pin + 1, overrides, |name, index| {
            let key = (name.clone(), index);
            let irq = links.entry(key).or_insert_with(|| {
                link_irq(aml, name, index, bridge).map(|(path, irq)| {
                    debug!(
                        "{bridge}._PRT: link {path} -> IRQ {} level={} active_low={}",
                        irq.irq, irq.level, irq.active_low
                    );
                    irq
                })
            });
            *irq
        });
        match (&e.source, &r) {
            (Source::Gsi(g), _) => debug!(
                "{bridge}._PRT: {:02x}.{} -> GSI {g} (hard-wired)",
                e.device,
                pin_name(e.pin)
            ),
            (Source::Link { link, .. }, Ok(r)) => debug!(
                "{bridge}._PRT: {:02x}.{} -> {link} -> GSI {} level={} active_low={}",
                e.device,
                pin_name(e.pin),
                r.gsi,
                r.level,
                r.active_low
            ),
            (Source::Link { link, .. }, Err(err)) => debug!(
                "{bridge}._PRT: {:02x}.{} -> {link}: {err:?}",
                e.device,
                pin_name(e.pin)
            ),
        }
        out.push(PinRoute {
            device: e.device,
            pin: e.pin,
            route: r,
        });
    }
    let links_used: Vec<&str> = links.keys().map(|(n, _)| n.as_str()).collect();
    let failed = out.iter().filter(|r| r.route.is_err()).count();
    info!(
        "{bridge}._PRT: {} entries, {} pins routed{}, links {}",
        table.len(),
        out.len() - failed,
        if failed > 0 {
            alloc::format!(", {failed} NOT routed")
        } else {
            String::new()
        },
        if links_used.is_empty() {
            String::from("none")
        } else {
            links_used.join(",")
        },
    );
    let routed: Vec<(u8, u8, Route)> = out
        .iter()
        .filter_map(|r| r.route.ok().map(|route| (r.device, r.pin, route)))
        .collect();
    for line in prt::summary(&prt::slot_routes(&routed)) {
        info!("{bridge}._PRT: {line}");
    }
    out
}

fn pin_name(pin: u8) -> char {
    char::from(b'A'.saturating_add(pin))
}

/// Finds the PCI root bridges and resolves their `_PRT`s.
pub(super) fn load(
    aml: &Interpreter<KernelAcpi>,
    madt_overrides: &[InterruptSourceOverride],
) -> Vec<RootBridge> {
    announce_apic_mode(aml);
    let overrides = isa_overrides(madt_overrides);
    let mut bridges = Vec::new();
    for device in devices(aml) {
        if !is_root_bridge(aml, &device) {
            continue;
        }
        let bus = child(&device, "_BBN")
            .and_then(|n| aml.evaluate_if_present(n, vec![]))
            .ok()
            .flatten()
            .and_then(|b| b.as_integer().ok())
            .map_or(0, |b| (b & 0xff) as u8);
        let routes = child(&device, "_PRT")
            .and_then(|n| aml.evaluate(n, vec![]))
            .and_then(|p| entries(&p, &device))
            .map(|table| resolve(aml, &device, &table, &overrides));
        if let Err(e) = &routes {
            warn!("PCI root bridge {device} (bus {bus}): no usable _PRT: {e:?}");
        }
        bridges.push(RootBridge { bus, routes });
    }
    if bridges.is_empty() {
        warn!("AML: no PCI root bridge (PNP0A03/PNP0A08) in the namespace; INTx unroutable");
    }
    bridges
}
