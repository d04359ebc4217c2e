//! Interrupt controllers: the legacy PIC (remapped and masked), the local
//! APIC with its timer (the kernel tick), and the IOAPIC(s) that route device
//! lines — COM1's receive interrupt, PCI INTx lines by GSI — to vectors.

use crate::acpi::Platform;
use crate::arch::trap::{TrapFrame, set_irq_handler};
use crate::mem::paging::map_mmio;
use acpi::platform::interrupt::{Polarity, TriggerMode};
use core::sync::atomic::{AtomicU64, Ordering};
use crossbeam_queue::ArrayQueue;
use log::info;
use spin::Once;
use x86_64::instructions::port::Port;

pub const TIMER_VECTOR: u8 = 0x20;
/// ISA IRQ n arrives at vector `ISA_VECTOR_BASE + n`.
pub const ISA_VECTOR_BASE: u8 = 0x30;
pub const SPURIOUS_VECTOR: u8 = 0xff;
/// The timer tick (`logic::tick`: 1 kHz, 10 ms slices).
pub use crate::logic::tick::TICK_HZ;

const LAPIC_ID: usize = 0x20;
const LAPIC_EOI: usize = 0xb0;
const LAPIC_SVR: usize = 0xf0;
const LAPIC_LVT_TIMER: usize = 0x320;
const LAPIC_TIMER_INIT: usize = 0x380;
const LAPIC_TIMER_CURRENT: usize = 0x390;
const LAPIC_TIMER_DIVIDE: usize = 0x3e0;

static LAPIC_BASE: AtomicU64 = AtomicU64::new(0);
/// The physical address `LAPIC_BASE` maps (0: not mapped yet).
static LAPIC_PHYS: AtomicU64 = AtomicU64::new(0);
/// The TSC when [`begin_timer_calibration`] started the LAPIC timer
/// counting down from `u32::MAX` (0: it did not).
static CALIBRATION_TSC: AtomicU64 = AtomicU64::new(0);
static TICKS: AtomicU64 = AtomicU64::new(0);

/// The shortest window the LAPIC timer is measured over against the TSC
/// when it was started early (the counts are read once at each end, so
/// even 2 ms leaves the error at the level of one MMIO read's latency,
/// far below what TCG's clocks drift under a loaded host).
const CALIBRATION_MIN_US: u64 = 2_000;
/// The window of a calibration that could not start early.
const CALIBRATION_SPIN_US: u64 = 10_000;

fn lapic_write(reg: usize, value: u32) {
    let base = LAPIC_BASE.load(Ordering::Relaxed);
    if base != 0 {
        // SAFETY: base is the uncached mapping of this CPU's local APIC page;
        // reg is one of the register offsets above, inside that page.
        unsafe { ((base as usize + reg) as *mut u32).write_volatile(value) }
    }
}

fn lapic_read(reg: usize) -> u32 {
    let base = LAPIC_BASE.load(Ordering::Relaxed);
    if base == 0 {
        return 0;
    }
    // SAFETY: as in `lapic_write`.
    unsafe { ((base as usize + reg) as *const u32).read_volatile() }
}

/// Signals end of interrupt to the local APIC.
pub fn eoi() {
    lapic_write(LAPIC_EOI, 0);
}

/// The boot CPU's local APIC id (where MSI and MSI-X messages are sent).
pub fn local_apic_id() -> u8 {
    (lapic_read(LAPIC_ID) >> 24) as u8
}

/// Timer ticks since the timer started.
pub fn ticks() -> u64 {
    TICKS.load(Ordering::Relaxed)
}

fn on_tick(_frame: &mut TrapFrame) {
    let n = TICKS.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    crate::task::sched::tick(n);
}

fn on_spurious(_frame: &mut TrapFrame) {}

/// Remaps the 8259 pair to vectors 0x20..0x30 (away from the exceptions, in
/// case one fires before masking takes) and masks every line.
fn disable_pic() {
    // SAFETY: the legacy PIC ports; the kernel owns them and leaves them masked.
    unsafe {
        let mut m_cmd = Port::<u8>::new(0x20);
        let mut m_data = Port::<u8>::new(0x21);
        let mut s_cmd = Port::<u8>::new(0xa0);
        let mut s_data = Port::<u8>::new(0xa1);
        m_cmd.write(0x11);
        s_cmd.write(0x11);
        m_data.write(0x20);
        s_data.write(0x28);
        m_data.write(4);
        s_data.write(2);
        m_data.write(1);
        s_data.write(1);
        m_data.write(0xff);
        s_data.write(0xff);
    }
}

/// One IOAPIC: its mapped registers and the GSIs it serves.
struct IoApic {
    base: u64,
    gsi_base: u32,
    entries: u32,
}

impl IoApic {
    fn read(&self, reg: u32) -> u32 {
        // SAFETY: IOREGSEL/IOWIN of an uncached IOAPIC mapping.
        unsafe {
            (self.base as *mut u32).write_volatile(reg);
            ((self.base + 0x10) as *const u32).read_volatile()
        }
    }

    fn write(&self, reg: u32, value: u32) {
        // SAFETY: as in `read`.
        unsafe {
            (self.base as *mut u32).write_volatile(reg);
            ((self.base + 0x10) as *mut u32).write_volatile(value);
        }
    }

    fn set_entry(&self, pin: u32, low: u32, high: u32) {
        self.write(0x10 + 2 * pin, 1 << 16); // mask while changing
        self.write(0x11 + 2 * pin, high);
        self.write(0x10 + 2 * pin, low);
    }
}

static IOAPICS: Once<alloc::vec::Vec<IoApic>> = Once::new();

/// Why a line could not be routed.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum RouteError {
    NoIoApicForGsi(u32),
    /// Vectors below 32 are the CPU's exceptions.
    BadVector(u8),
    /// The GSI carries a routed ISA line (COM1, the RTC…).
    IsaLine(u32),
}

/// The MADT's interrupt source overrides, kept for routing lines later.
static OVERRIDES: Once<alloc::vec::Vec<acpi::platform::interrupt::InterruptSourceOverride>> =
    Once::new();

/// Where each routed ISA line went: (IOAPIC index, pin, low redirection word).
static ROUTES: spin::Mutex<[Option<(usize, u32, u32)>; 16]> = spin::Mutex::new([None; 16]);

/// GSIs routed with [`route_gsi`]: (GSI, low redirection word unmasked).
static GSI_ROUTES: spin::Mutex<alloc::vec::Vec<(u32, u32)>> =
    spin::Mutex::new(alloc::vec::Vec::new());

/// The IOAPIC serving `gsi`, its index and the pin the GSI arrives on.
fn ioapic_for(gsi: u32) -> Result<(usize, &'static IoApic, u32), RouteError> {
    IOAPICS
        .get()
        .and_then(|v| {
            v.iter()
                .enumerate()
                .find(|(_, a)| gsi >= a.gsi_base && gsi - a.gsi_base < a.entries)
        })
        .map(|(i, a)| (i, a, gsi - a.gsi_base))
        .ok_or(RouteError::NoIoApicForGsi(gsi))
}

/// The low redirection word: fixed delivery, physical destination.
fn redirection_low(vector: u8, level: bool, active_low: bool) -> u32 {
    u32::from(vector) | (u32::from(active_low) << 13) | (u32::from(level) << 15)
}

/// The high redirection word: the boot CPU's APIC id as destination.
fn boot_cpu_destination() -> u32 {
    (lapic_read(LAPIC_ID) >> 24) << 24
}

/// Routes ISA IRQ `irq` (honouring the MADT's overrides) to
/// `ISA_VECTOR_BASE + irq` on the boot CPU, unmasked.
pub fn route_isa_irq(irq: u8) -> Result<u8, RouteError> {
    let (mut gsi, mut active_low, mut level) = (u32::from(irq), false, false);
    if let Some(o) = OVERRIDES
        .get()
        .and_then(|v| v.iter().find(|o| o.isa_source == irq))
    {
        gsi = o.global_system_interrupt;
        active_low = matches!(o.polarity, Polarity::ActiveLow);
        level = matches!(o.trigger_mode, TriggerMode::Level);
    }
    let vector = ISA_VECTOR_BASE + (irq & 15);
    let (index, io, pin) = ioapic_for(gsi)?;
    let low = redirection_low(vector, level, active_low);
    io.set_entry(pin, low, boot_cpu_destination());
    if let Some(r) = ROUTES.lock().get_mut(usize::from(irq)) {
        *r = Some((index, pin, low));
    }
    Ok(vector)
}

/// Routes global system interrupt `gsi` to `vector` on the boot CPU with
/// the given trigger mode and polarity, left masked (PCI INTx lines).
/// Routing a GSI again replaces its vector, trigger and polarity (and masks
/// it); a GSI that carries a routed ISA line is refused.
pub fn route_gsi(gsi: u32, vector: u8, level: bool, active_low: bool) -> Result<(), RouteError> {
    if vector < 32 {
        return Err(RouteError::BadVector(vector));
    }
    let (index, io, pin) = ioapic_for(gsi)?;
    if ROUTES
        .lock()
        .iter()
        .flatten()
        .any(|(i, p, _)| *i == index && *p == pin)
    {
        return Err(RouteError::IsaLine(gsi));
    }
    let low = redirection_low(vector, level, active_low);
    io.set_entry(pin, low | MASKED, boot_cpu_destination());
    let mut routes = GSI_ROUTES.lock();
    match routes.iter_mut().find(|(g, _)| *g == gsi) {
        Some(r) => r.1 = low,
        None => routes.push((gsi, low)),
    }
    Ok(())
}

/// Masks or unmasks a GSI routed with [`route_gsi`] (no effect on a GSI
/// never routed that way: its entry has no vector to deliver).
pub fn set_gsi_masked(gsi: u32, masked: bool) {
    let Some(low) = GSI_ROUTES
        .lock()
        .iter()
        .find(|(g, _)| *g == gsi)
        .map(|(_, low)| *low)
    else {
        return;
    };
    if let Ok((_, io, pin)) = ioapic_for(gsi) {
        io.write(0x10 + 2 * pin, if masked { low | MASKED } else { low });
    }
}

/// Whether a GSI's redirection entry is masked right now, read back from
/// the IOAPIC (`None` for a GSI no IOAPIC serves).
#[cfg_attr(
    not(feature = "selftest"),
    allow(dead_code, reason = "only the prt self-test reads entries back")
)]
pub fn gsi_entry(gsi: u32) -> Option<u32> {
    let (_, io, pin) = ioapic_for(gsi).ok()?;
    Some(io.read(0x10 + 2 * pin))
}

/// The redirection entry's mask bit.
pub const MASKED: u32 = 1 << 16;

/// Masks or unmasks a routed ISA line (no effect on a line never routed).
pub fn set_isa_masked(irq: u8, masked: bool) {
    let Some(Some((index, pin, low))) = ROUTES.lock().get(usize::from(irq)).copied() else {
        return;
    };
    if let Some(io) = IOAPICS.get().and_then(|v| v.get(index)) {
        let low = if masked {
            low | (1 << 16)
        } else {
            low & !(1 << 16)
        };
        io.write(0x10 + 2 * pin, low);
    }
}

/// Bytes received on COM1 for the boot console, pushed by its interrupt
/// handler while no task holds the console grant (bounded; the oldest are
/// dropped if nobody reads).
pub static SERIAL_RX: Once<ArrayQueue<u8>> = Once::new();

fn on_com1(_frame: &mut TrapFrame) {
    // Bytes are taken under the UART's lock and handed on after it: to the
    // console grant's holder (whose notification takes the task table's
    // lock) or to the boot console's queue (`task::console::input`).
    loop {
        let mut chunk = [0u8; 16];
        let n = crate::serial::with(|uart| {
            let mut n = 0;
            for slot in chunk.iter_mut() {
                let Some(b) = uart.try_read() else { break };
                *slot = b;
                n += 1;
            }
            uart.service_tx();
            n
        });
        crate::task::console::input(chunk.get(..n).unwrap_or(&[]));
        if n < chunk.len() {
            break;
        }
    }
}

/// Maps the local APIC at the address IA32_APIC_BASE names and starts its
/// timer counting down (masked, one-shot), so that [`init`] can measure it
/// against the TSC across the ACPI and interrupt set-up in between instead
/// of spinning 10 ms for it (boot time, docs/demos.md). Called once paging
/// is up; if it cannot map the page, [`init`] measures the old way.
pub fn begin_timer_calibration() {
    // SAFETY: reading IA32_APIC_BASE (MSR 0x1b), which every x86_64 CPU
    // has, has no side effects.
    let msr = unsafe { x86_64::registers::model_specific::Msr::new(0x1b).read() };
    let phys = msr & 0x000f_ffff_ffff_f000;
    let Ok(lapic) = map_mmio(phys, 4096) else {
        return;
    };
    LAPIC_BASE.store(lapic.as_u64(), Ordering::Relaxed);
    LAPIC_PHYS.store(phys, Ordering::Relaxed);
    lapic_write(LAPIC_TIMER_DIVIDE, 0x3); // divide by 16
    lapic_write(LAPIC_LVT_TIMER, 1 << 16); // masked one-shot
    lapic_write(LAPIC_TIMER_INIT, u32::MAX);
    CALIBRATION_TSC.store(crate::time::rdtsc(), Ordering::Relaxed);
}

pub fn init(platform: &Platform) {
    disable_pic();
    crate::mem::reserve_device(platform.local_apic, 4096);
    // The MADT's address is the one to use; the early mapping (and its
    // running calibration) only if it is the same page.
    if LAPIC_PHYS.load(Ordering::Relaxed) != platform.local_apic & !0xfff {
        CALIBRATION_TSC.store(0, Ordering::Relaxed);
        let lapic = match map_mmio(platform.local_apic, 4096) {
            Ok(v) => v,
            Err(e) => crate::panic::halt_with(format_args!("cannot map the local APIC: {e:?}")),
        };
        LAPIC_BASE.store(lapic.as_u64(), Ordering::Relaxed);
        LAPIC_PHYS.store(platform.local_apic & !0xfff, Ordering::Relaxed);
    }
    set_irq_handler(SPURIOUS_VECTOR, on_spurious);
    lapic_write(LAPIC_SVR, 0x100 | u32::from(SPURIOUS_VECTOR));

    let mut ioapics = alloc::vec::Vec::new();
    for io in &platform.io_apics {
        crate::mem::reserve_device(u64::from(io.address), 4096);
        let Ok(base) = map_mmio(u64::from(io.address), 0x20) else {
            log::warn!("cannot map IOAPIC {} at {:#x}", io.id, io.address);
            continue;
        };
        let mut a = IoApic {
            base: base.as_u64(),
            gsi_base: io.global_system_interrupt_base,
            entries: 0,
        };
        a.entries = ((a.read(1) >> 16) & 0xff) + 1;
        for pin in 0..a.entries {
            a.set_entry(pin, 1 << 16, 0);
        }
        info!(
            "IOAPIC {}: {} inputs from GSI {}, all masked",
            io.id, a.entries, a.gsi_base
        );
        ioapics.push(a);
    }
    IOAPICS.call_once(|| ioapics);

    OVERRIDES.call_once(|| platform.overrides.clone());
    SERIAL_RX.call_once(|| ArrayQueue::new(1024));
    set_irq_handler(ISA_VECTOR_BASE + 4, on_com1);
    match route_isa_irq(4) {
        Ok(v) => {
            crate::serial::with(crate::serial::Uart::enable_irqs);
            info!("IOAPIC: COM1 (ISA IRQ 4) -> vector {v:#x}");
        }
        Err(e) => log::warn!("COM1 interrupt not routed: {e:?}"),
    }
    start_timer();
}

/// The LAPIC timer's counts (at divide 16) per second, measured against
/// the TSC: across the window since [`begin_timer_calibration`] (at least
/// [`CALIBRATION_MIN_US`]), or — without it, or if the timer did not count
/// — over a fresh spin of [`CALIBRATION_SPIN_US`].
fn timer_hz() -> u64 {
    let tsc_hz = u128::from(crate::time::tsc_hz().max(1));
    let start = CALIBRATION_TSC.load(Ordering::Relaxed);
    if start != 0 {
        let min = (tsc_hz * u128::from(CALIBRATION_MIN_US) / 1_000_000) as u64;
        while crate::time::rdtsc().saturating_sub(start) < min {
            core::hint::spin_loop();
        }
        let current = lapic_read(LAPIC_TIMER_CURRENT);
        let tsc = crate::time::rdtsc().saturating_sub(start);
        // 0: the one-shot ran out (or never ran); measure again below.
        if current != 0 && current != u32::MAX && tsc > 0 {
            let counts = u128::from(u32::MAX - current);
            return (counts * tsc_hz / u128::from(tsc)) as u64;
        }
    }
    lapic_write(LAPIC_TIMER_DIVIDE, 0x3); // divide by 16
    lapic_write(LAPIC_LVT_TIMER, 1 << 16); // masked one-shot
    lapic_write(LAPIC_TIMER_INIT, u32::MAX);
    crate::time::spin_us(CALIBRATION_SPIN_US);
    let elapsed = u64::from(u32::MAX - lapic_read(LAPIC_TIMER_CURRENT));
    elapsed * (1_000_000 / CALIBRATION_SPIN_US)
}

/// Calibrates the LAPIC timer against the TSC and starts it periodic at TICK_HZ.
fn start_timer() {
    set_irq_handler(TIMER_VECTOR, on_tick);
    let per_tick = (timer_hz() / TICK_HZ).clamp(1, u64::from(u32::MAX)) as u32;
    lapic_write(LAPIC_LVT_TIMER, u32::from(TIMER_VECTOR) | (1 << 17)); // periodic
    lapic_write(LAPIC_TIMER_INIT, per_tick);
    info!("LAPIC timer: {TICK_HZ} Hz ({per_tick} counts/tick at divide 16)");
}

/// Sends this CPU a non-maskable interrupt through its local APIC (the
/// `nmi` self-test's way of making one arrive at a chosen moment).
#[cfg_attr(
    not(feature = "selftest"),
    allow(dead_code, reason = "used by the nmi self-test")
)]
pub fn send_self_nmi() {
    // Delivery mode NMI (0b100), destination shorthand "self" (0b01).
    lapic_write(LAPIC_ICR_LOW, (0b100 << 8) | (0b01 << 18));
}

const LAPIC_ICR_LOW: usize = 0x300;

/// Sends this CPU a fixed interrupt on `vector` (the `exception-vector`
/// self-test's stand-in for a device sending a vector below 32).
#[cfg_attr(
    not(feature = "selftest"),
    allow(dead_code, reason = "used by the exception-vector self-test")
)]
pub fn send_self_ipi(vector: u8) {
    // Delivery mode fixed (0b000), destination shorthand "self" (0b01).
    lapic_write(LAPIC_ICR_LOW, u32::from(vector) | (0b01 << 18));
}

/// Whether `vector` is in service at this CPU's local APIC (an external
/// interrupt being handled), as opposed to a CPU exception on that vector.
pub fn in_service(vector: u8) -> bool {
    const LAPIC_ISR: usize = 0x100;
    let reg = LAPIC_ISR + 0x10 * usize::from(vector / 32);
    lapic_read(reg) & (1 << (vector % 32)) != 0
}
