//! `test=prt`: INTx routes from the `_PRT` resolved at boot, the errors for
//! pins the table does not know, IOAPIC routing and masking of a GSI read
//! back from the IOAPIC — and, when QEMU has an `edu` device (`-device
//! edu`), its real INTx interrupt delivered through the route, which is what
//! proves the table matches the machine's wiring.
//!
//! Configuration space is read through the legacy 0xCF8/0xCFC ports: this
//! test needs nothing from the PCI enumeration.

use super::{fail, pass};
use crate::acpi::{IntxRoute, PrtError, intx_route};
use crate::apic::{self, MASKED, RouteError};
use crate::arch::trap::{TrapFrame, set_irq_handler};
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use log::info;
use x86_64::instructions::port::Port;

const NAME: &str = "prt";
/// A vector no other part of the kernel uses (ISA lines sit at 0x30..0x40).
const TEST_VECTOR: u8 = 0x70;
const EDU_ID: u32 = 0x11e8_1234;
/// edu registers (QEMU docs/specs/edu): status, raise, acknowledge.
const EDU_IRQ_STATUS: u64 = 0x24;
const EDU_IRQ_RAISE: u64 = 0x60;
const EDU_IRQ_ACK: u64 = 0x64;

/// The (device, pin) pairs printed for the QEMU test to judge.
const LOOKUPS: [(u8, u8); 8] = [
    (0x00, 1),
    (0x01, 1),
    (0x05, 1),
    (0x05, 2),
    (0x05, 4),
    (0x1c, 1),
    (0x1e, 2),
    (0x1f, 4),
];

fn pin_name(pin: u8) -> char {
    char::from(b'A' + (pin.wrapping_sub(1) & 3))
}

fn describe(r: &IntxRoute) -> (&'static str, &'static str) {
    (
        if r.level_triggered { "level" } else { "edge" },
        if r.active_low {
            "active-low"
        } else {
            "active-high"
        },
    )
}

fn config_address(device: u8, offset: u8) -> u32 {
    0x8000_0000 | (u32::from(device & 31) << 11) | u32::from(offset & 0xfc)
}

fn config_read(device: u8, offset: u8) -> u32 {
    // SAFETY: legacy configuration mechanism on bus 0; the kernel runs this
    // test alone, nothing else uses the ports meanwhile.
    unsafe {
        Port::<u32>::new(0xcf8).write(config_address(device, offset));
        Port::<u32>::new(0xcfc).read()
    }
}

fn config_write(device: u8, offset: u8, value: u32) {
    // SAFETY: as in `config_read`.
    unsafe {
        Port::<u32>::new(0xcf8).write(config_address(device, offset));
        Port::<u32>::new(0xcfc).write(value);
    }
}

/// The edu's registers (0 until mapped) and the interrupts its handler saw.
static EDU_MMIO: AtomicU64 = AtomicU64::new(0);
static EDU_IRQS: AtomicU32 = AtomicU32::new(0);

fn edu_read(reg: u64) -> u32 {
    let base = EDU_MMIO.load(Ordering::Relaxed);
    // SAFETY: base maps the edu's BAR0 uncached; reg is a 4-byte register.
    unsafe { ((base + reg) as *const u32).read_volatile() }
}

fn edu_write(reg: u64, value: u32) {
    let base = EDU_MMIO.load(Ordering::Relaxed);
    // SAFETY: as in `edu_read`.
    unsafe { ((base + reg) as *mut u32).write_volatile(value) }
}

/// Acknowledges what the edu raised (lowering its level-triggered line
/// before the EOI) and counts the interrupt.
fn on_edu(_frame: &mut TrapFrame) {
    let status = edu_read(EDU_IRQ_STATUS);
    edu_write(EDU_IRQ_ACK, status);
    EDU_IRQS.fetch_add(1, Ordering::Relaxed);
}

/// Waits with interrupts on until the handler count reaches `n` or `ms` pass.
fn wait_for(n: u32, ms: u64) -> u32 {
    let start = crate::time::uptime_us();
    while EDU_IRQS.load(Ordering::Relaxed) < n && crate::time::uptime_us() - start < ms * 1000 {
        x86_64::instructions::interrupts::enable_and_hlt();
    }
    EDU_IRQS.load(Ordering::Relaxed)
}

fn lookups() {
    for (device, pin) in LOOKUPS {
        match intx_route(0, device, pin) {
            Ok(r) => {
                let (t, p) = describe(&r);
                info!(
                    "prt: 00:{device:02x} INT{} -> GSI {} {t} {p}",
                    pin_name(pin),
                    r.gsi
                );
            }
            Err(e) => fail(
                NAME,
                format_args!("00:{device:02x} pin {pin} not routed: {e:?}"),
            ),
        }
    }
    let expect_err = |bus: u8, device: u8, pin: u8, ok: fn(&PrtError) -> bool| match intx_route(
        bus, device, pin,
    ) {
        Err(e) if ok(&e) => info!("prt: {bus:02x}:{device:02x} pin {pin} -> {e:?}"),
        other => fail(
            NAME,
            format_args!("{bus:02x}:{device:02x} pin {pin} gave {other:?}"),
        ),
    };
    expect_err(0, 32, 1, |e| {
        matches!(e, PrtError::NoEntry { device: 32, pin: 1 })
    });
    expect_err(0, 3, 0, |e| matches!(e, PrtError::BadPin(0)));
    expect_err(0, 3, 5, |e| matches!(e, PrtError::BadPin(5)));
    expect_err(7, 3, 1, |e| matches!(e, PrtError::NotRootBus(7)));
}

/// Routing and masking read back from the IOAPIC; the refusals.
fn ioapic_entries(gsi: u32, level: bool, active_low: bool) {
    if let Err(e) = apic::route_gsi(gsi, TEST_VECTOR, level, active_low) {
        fail(NAME, format_args!("route_gsi({gsi}): {e:?}"));
    }
    let entry = apic::gsi_entry(gsi).unwrap_or(0);
    let want = u32::from(TEST_VECTOR) | (u32::from(active_low) << 13) | (u32::from(level) << 15);
    if entry & (MASKED | 0xa0ff) != want | MASKED {
        fail(
            NAME,
            format_args!("GSI {gsi} entry {entry:#x} after routing, want {want:#x} masked"),
        );
    }
    apic::set_gsi_masked(gsi, false);
    let unmasked = apic::gsi_entry(gsi).unwrap_or(MASKED);
    apic::set_gsi_masked(gsi, true);
    let masked = apic::gsi_entry(gsi).unwrap_or(0);
    if unmasked & MASKED != 0 || masked & MASKED == 0 {
        fail(
            NAME,
            format_args!("GSI {gsi}: unmask gave {unmasked:#x}, mask gave {masked:#x}"),
        );
    }
    info!("prt: GSI {gsi} routed to vector {TEST_VECTOR:#x} masked; unmask and mask read back");
    match apic::route_gsi(4, TEST_VECTOR, true, false) {
        Err(RouteError::IsaLine(4)) => {}
        other => fail(NAME, format_args!("GSI 4 (COM1) routing gave {other:?}")),
    }
    match apic::route_gsi(240, TEST_VECTOR, true, false) {
        Err(RouteError::NoIoApicForGsi(240)) => {}
        other => fail(NAME, format_args!("GSI 240 routing gave {other:?}")),
    }
    match apic::route_gsi(gsi, 14, true, false) {
        Err(RouteError::BadVector(14)) => {}
        other => fail(NAME, format_args!("vector 14 routing gave {other:?}")),
    }
}

/// The edu devices on bus 0 (function 0).
fn edus() -> impl Iterator<Item = u8> {
    (0..32u8).filter(|d| config_read(*d, 0) == EDU_ID)
}

/// An edu's INTx through its route: nothing while idle, one interrupt per
/// raise, held while masked and delivered on unmask. Returns the GSI.
fn edu_interrupts(device: u8) -> u32 {
    let bar0 = u64::from(config_read(device, 0x10) & !0xf);
    let pin = (config_read(device, 0x3c) >> 8) as u8;
    EDU_IRQS.store(0, Ordering::Relaxed);
    let route = match intx_route(0, device, pin) {
        Ok(r) => r,
        Err(e) => fail(NAME, format_args!("edu 00:{device:02x} not routed: {e:?}")),
    };
    let mmio = match crate::mem::paging::map_mmio(bar0, 0x1000) {
        Ok(v) => v,
        Err(e) => fail(NAME, format_args!("edu BAR0 {bar0:#x}: {e:?}")),
    };
    EDU_MMIO.store(mmio.as_u64(), Ordering::Relaxed);
    // Memory space on, INTx not disabled.
    let command = config_read(device, 4) & 0xffff;
    config_write(device, 4, (command | 2) & !(1 << 10));
    if edu_read(0) & 0xff != 0xed {
        fail(
            NAME,
            format_args!("edu id register reads {:#x}", edu_read(0)),
        );
    }
    set_irq_handler(TEST_VECTOR, on_edu);
    if let Err(e) = apic::route_gsi(
        route.gsi,
        TEST_VECTOR,
        route.level_triggered,
        route.active_low,
    ) {
        fail(NAME, format_args!("route_gsi({}): {e:?}", route.gsi));
    }
    apic::set_gsi_masked(route.gsi, false);
    let idle = wait_for(1, 50);
    if idle != 0 {
        fail(
            NAME,
            format_args!(
                "{idle} interrupts on GSI {} before the edu raised one",
                route.gsi
            ),
        );
    }
    edu_write(EDU_IRQ_RAISE, 1);
    let raised = wait_for(1, 1000);
    let settled = wait_for(2, 50);
    if raised != 1 || settled != 1 {
        fail(
            NAME,
            format_args!(
                "edu 00:{device:02x} INT{} on GSI {}: {raised} interrupts after a raise, {settled} after settling (want 1, 1)",
                pin_name(pin),
                route.gsi
            ),
        );
    }
    apic::set_gsi_masked(route.gsi, true);
    edu_write(EDU_IRQ_RAISE, 1);
    let while_masked = wait_for(2, 50);
    apic::set_gsi_masked(route.gsi, false);
    let unmasked = wait_for(2, 1000);
    apic::set_gsi_masked(route.gsi, true);
    if while_masked != 1 || unmasked != 2 {
        fail(
            NAME,
            format_args!(
                "masked raise: {while_masked} while masked, {unmasked} after unmask (want 1, 2)"
            ),
        );
    }
    info!(
        "prt: edu 00:{device:02x} INT{} -> GSI {}: no interrupt idle, 1 per raise, held while masked, delivered on unmask",
        pin_name(pin),
        route.gsi
    );
    route.gsi
}

pub fn run() -> ! {
    lookups();
    let Ok(route) = intx_route(0, 5, 1) else {
        fail(NAME, format_args!("00:05 INTA not routed"))
    };
    ioapic_entries(route.gsi, route.level_triggered, route.active_low);
    let mut delivered: Vec<String> = Vec::new();
    for device in edus() {
        let gsi = edu_interrupts(device);
        delivered.push(alloc::format!("00:{device:02x} on GSI {gsi}"));
    }
    if delivered.is_empty() {
        pass(
            NAME,
            format_args!("routes looked up; no edu device, delivery not tried"),
        )
    }
    pass(
        NAME,
        format_args!(
            "routes looked up; edu interrupts delivered: {}",
            delivered.join(", ")
        ),
    )
}
