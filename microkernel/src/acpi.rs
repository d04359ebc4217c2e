//! ACPI through the `acpi` crate: the static tables (MADT, MCFG, FADT) and
//! the AML interpreter, which the kernel needs for exactly one thing so far —
//! `\_S5`, the sleep type that powers the machine off, and the PCI root
//! bridges' `_PRT` (INTx routing, in [`prt`]).
//!
//! ACPI tables come from firmware, not from user processes; they are the one
//! kind of foreign bytes ring 0 reads, because interrupt routing needs them
//! before any process exists.

use crate::mem::phys::phys_to_virt;
use crate::time;
use acpi::aml::namespace::AmlName;
use acpi::aml::object::Object;
use acpi::aml::{AmlError, Interpreter};
use acpi::platform::{AcpiPlatform, InterruptModel};
use acpi::registers::Pm1ControlBit;
use acpi::sdt::SdtHeader;
use acpi::sdt::fadt::Fadt;
use acpi::sdt::mcfg::Mcfg;
use acpi::{AcpiTables, Handle, Handler, PciAddress, PhysicalMapping};
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::str::FromStr;
use core::sync::atomic::{AtomicU32, Ordering};
use log::{info, warn};
use spin::Once;
use x86_64::PhysAddr;
use x86_64::instructions::port::Port;

mod prt;

/// The kernel's side of the `acpi` crate: physical memory through the window,
/// port I/O, legacy PCI configuration (0xCF8/0xCFC), TSC time.
#[derive(Clone, Copy, Debug)]
pub struct KernelAcpi;

fn window<T>(addr: usize) -> *mut T {
    phys_to_virt(PhysAddr::new_truncate(addr as u64)).as_mut_ptr()
}

fn pci_config_address(a: PciAddress, offset: u16) -> u32 {
    0x8000_0000
        | (u32::from(a.bus()) << 16)
        | (u32::from(a.device()) << 11)
        | (u32::from(a.function()) << 8)
        | (u32::from(offset) & 0xfc)
}

fn pci_read32(a: PciAddress, offset: u16) -> u32 {
    // SAFETY: the legacy PCI configuration mechanism; only ACPI uses it in ring 0.
    unsafe {
        Port::<u32>::new(0xcf8).write(pci_config_address(a, offset));
        Port::<u32>::new(0xcfc).read()
    }
}

fn pci_write32(a: PciAddress, offset: u16, v: u32) {
    // SAFETY: as in `pci_read32`.
    unsafe {
        Port::<u32>::new(0xcf8).write(pci_config_address(a, offset));
        Port::<u32>::new(0xcfc).write(v);
    }
}

static NEXT_MUTEX: AtomicU32 = AtomicU32::new(1);

impl Handler for KernelAcpi {
    unsafe fn map_physical_region<T>(
        &self,
        physical_address: usize,
        size: usize,
    ) -> PhysicalMapping<Self, T> {
        let ptr = window::<T>(physical_address);
        PhysicalMapping {
            physical_start: physical_address,
            // SAFETY: window addresses are in the kernel half, never null.
            virtual_start: unsafe { NonNull::new_unchecked(ptr) },
            region_length: size,
            mapped_length: size,
            handler: *self,
        }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {
        // The physical window is permanent; nothing to undo.
    }

    fn read_u8(&self, address: usize) -> u8 {
        // SAFETY: an AML SystemMemory access to physical memory in the window.
        unsafe { window::<u8>(address).read_volatile() }
    }
    fn read_u16(&self, address: usize) -> u16 {
        // SAFETY: as in read_u8.
        unsafe { window::<u16>(address).read_volatile() }
    }
    fn read_u32(&self, address: usize) -> u32 {
        // SAFETY: as in read_u8.
        unsafe { window::<u32>(address).read_volatile() }
    }
    fn read_u64(&self, address: usize) -> u64 {
        // SAFETY: as in read_u8.
        unsafe { window::<u64>(address).read_volatile() }
    }
    fn write_u8(&self, address: usize, value: u8) {
        // SAFETY: as in read_u8.
        unsafe { window::<u8>(address).write_volatile(value) }
    }
    fn write_u16(&self, address: usize, value: u16) {
        // SAFETY: as in read_u8.
        unsafe { window::<u16>(address).write_volatile(value) }
    }
    fn write_u32(&self, address: usize, value: u32) {
        // SAFETY: as in read_u8.
        unsafe { window::<u32>(address).write_volatile(value) }
    }
    fn write_u64(&self, address: usize, value: u64) {
        // SAFETY: as in read_u8.
        unsafe { window::<u64>(address).write_volatile(value) }
    }

    fn read_io_u8(&self, port: u16) -> u8 {
        // SAFETY: AML-directed port I/O; the firmware's tables name the ports.
        unsafe { Port::new(port).read() }
    }
    fn read_io_u16(&self, port: u16) -> u16 {
        // SAFETY: as in read_io_u8.
        unsafe { Port::new(port).read() }
    }
    fn read_io_u32(&self, port: u16) -> u32 {
        // SAFETY: as in read_io_u8.
        unsafe { Port::new(port).read() }
    }
    fn write_io_u8(&self, port: u16, value: u8) {
        // SAFETY: as in read_io_u8.
        unsafe { Port::new(port).write(value) }
    }
    fn write_io_u16(&self, port: u16, value: u16) {
        // SAFETY: as in read_io_u8.
        unsafe { Port::new(port).write(value) }
    }
    fn write_io_u32(&self, port: u16, value: u32) {
        // SAFETY: as in read_io_u8.
        unsafe { Port::new(port).write(value) }
    }

    fn read_pci_u8(&self, a: PciAddress, offset: u16) -> u8 {
        (pci_read32(a, offset) >> ((offset & 3) * 8)) as u8
    }
    fn read_pci_u16(&self, a: PciAddress, offset: u16) -> u16 {
        (pci_read32(a, offset) >> ((offset & 2) * 8)) as u16
    }
    fn read_pci_u32(&self, a: PciAddress, offset: u16) -> u32 {
        pci_read32(a, offset)
    }
    fn write_pci_u8(&self, a: PciAddress, offset: u16, value: u8) {
        let shift = (offset & 3) * 8;
        let old = pci_read32(a, offset) & !(0xff << shift);
        pci_write32(a, offset, old | (u32::from(value) << shift));
    }
    fn write_pci_u16(&self, a: PciAddress, offset: u16, value: u16) {
        let shift = (offset & 2) * 8;
        let old = pci_read32(a, offset) & !(0xffff << shift);
        pci_write32(a, offset, old | (u32::from(value) << shift));
    }
    fn write_pci_u32(&self, a: PciAddress, offset: u16, value: u32) {
        pci_write32(a, offset, value);
    }

    fn nanos_since_boot(&self) -> u64 {
        time::uptime_us().saturating_mul(1000)
    }
    fn stall(&self, microseconds: u64) {
        time::spin_us(microseconds);
    }
    fn sleep(&self, milliseconds: u64) {
        time::spin_us(milliseconds.saturating_mul(1000));
    }

    // AML runs only on the boot CPU, at boot and at shutdown, never
    // concurrently: its mutexes need no waiting, only distinct handles.
    fn create_mutex(&self) -> Handle {
        Handle(NEXT_MUTEX.fetch_add(1, Ordering::Relaxed))
    }
    fn acquire(&self, _mutex: Handle, _timeout: u16) -> Result<(), AmlError> {
        Ok(())
    }
    fn release(&self, _mutex: Handle) {}

    fn handle_fatal_error(&self, fatal_type: u8, fatal_code: u32, fatal_arg: u64) {
        log::error!("AML Fatal: type {fatal_type:#x} code {fatal_code:#x} arg {fatal_arg:#x}");
    }
}

/// Physical byte ranges of every ACPI table (and the DSDT and FACS), so the
/// frame allocator keeps them. Needs no heap; runs before memory is set up.
///
/// PVH's e820 map comes from QEMU, while SeaBIOS places the tables in memory
/// that map may call usable: without this, the first allocations could
/// overwrite them.
pub fn table_ranges(rsdp: Option<u64>) -> ([(u64, u64); 16], usize) {
    let mut out = [(0, 0); 16];
    let mut n = 0;
    let Some(rsdp) = rsdp else { return (out, 0) };
    let mut add = |start: usize, len: usize| {
        if let Some(slot) = out.get_mut(n) {
            *slot = (start as u64, (start + len) as u64);
            n += 1;
        }
    };
    // SAFETY: the RSDP address came from the PVH start info.
    let Ok(tables) = (unsafe { AcpiTables::from_rsdp(KernelAcpi, rsdp as usize) }) else {
        return (out, 0);
    };
    add(rsdp as usize, 36);
    // The RSDT/XSDT itself, whose address only the RSDP knows.
    // SAFETY: the crate just validated the RSDP at this address.
    let root = unsafe {
        let r = &*window::<acpi::rsdp::Rsdp>(rsdp as usize);
        if r.revision() == 0 {
            r.rsdt_address() as usize
        } else {
            r.xsdt_address() as usize
        }
    };
    // SAFETY: the root table's header, through the window.
    let root_len = unsafe { window::<SdtHeader>(root).read_unaligned() }.length;
    add(root, root_len as usize);
    for (phys, header) in tables.table_headers() {
        add(phys, header.length as usize);
    }
    if let Some(fadt) = tables.find_table::<Fadt>() {
        if let Ok(dsdt) = fadt.dsdt_address() {
            // SAFETY: the DSDT address from a validated FADT; header read via the window.
            let h = unsafe { window::<SdtHeader>(dsdt).read_unaligned() };
            add(dsdt, h.length as usize);
        }
        if let Ok(facs) = fadt.facs_address() {
            add(facs, 64);
        }
    }
    (out, n)
}

/// What the rest of the kernel learns from ACPI.
pub struct Platform {
    /// I/O port ranges of the ACPI fixed hardware (PM1 event/control, PM
    /// timer, GPE0): the kernel's, never granted to a task.
    pub acpi_ports: Vec<(u16, u16)>,
    /// The SCI's interrupt line.
    pub sci: u8,
    pub cpu_count: usize,
    pub local_apic: u64,
    pub io_apics: Vec<acpi::platform::interrupt::IoApic>,
    pub overrides: Vec<acpi::platform::interrupt::InterruptSourceOverride>,
    /// PCI Express configuration windows from the MCFG.
    pub ecam: Vec<EcamWindow>,
}

/// One MCFG entry: configuration space of buses `first_bus..=last_bus` of
/// `segment`, 1 MiB per bus from `base`.
#[derive(Clone, Copy, Debug)]
pub struct EcamWindow {
    pub base: u64,
    pub segment: u16,
    pub first_bus: u8,
    pub last_bus: u8,
}

struct AcpiState {
    platform: AcpiPlatform<KernelAcpi>,
    /// The MADT's interrupt source overrides (for `_PRT` resolution).
    overrides: Vec<acpi::platform::interrupt::InterruptSourceOverride>,
}

static STATE: Once<AcpiState> = Once::new();

/// The AML namespace and what was resolved from it, loaded on first use.
struct AmlState {
    interpreter: Option<Interpreter<KernelAcpi>>,
    /// The PCI root bridges' INTx routing, resolved with the namespace.
    root_bridges: Vec<prt::RootBridge>,
}

/// Loading the DSDT and running `_PIC` and `_PRT` was the largest part of
/// the kernel's boot under TCG (~25 M instructions, docs/demos.md "Boot
/// time"), and only INTx routing and power-off need it: a boot whose
/// devices use MSI-X never does. So it happens at the first of those,
/// once, on the boot CPU (AML runs nowhere else).
static AML: Once<AmlState> = Once::new();

/// The AML state, loading it now if this is the first use; `None` before
/// [`init`].
fn aml() -> Option<&'static AmlState> {
    let state = STATE.get()?;
    // With interrupts off: syscalls run so anyway, but the boot console's
    // `shutdown` runs in the idle context, where a tick could switch to a
    // task whose syscall would then spin on this `Once` forever.
    Some(x86_64::instructions::interrupts::without_interrupts(|| {
        AML.call_once(|| {
            let interpreter = match Interpreter::new_from_platform(&state.platform) {
                Ok(i) => Some(i),
                Err(e) => {
                    warn!("AML: could not load the DSDT/SSDTs: {e:?}; ACPI power-off unavailable");
                    None
                }
            };
            let root_bridges = interpreter
                .as_ref()
                .map(|aml| prt::load(aml, &state.overrides))
                .unwrap_or_default();
            AmlState {
                interpreter,
                root_bridges,
            }
        })
    }))
}

/// Reads MADT, MCFG and FADT (the AML namespace waits for its first use,
/// [`aml`]). A machine without
/// usable ACPI stops here: Cordon needs the MADT to route interrupts.
pub fn init(rsdp: Option<u64>) -> Platform {
    let Some(rsdp) = rsdp else {
        crate::panic::halt_with(format_args!("no RSDP in the PVH start info"))
    };
    // SAFETY: the RSDP address came from the PVH start info.
    let tables = match unsafe { AcpiTables::from_rsdp(KernelAcpi, rsdp as usize) } {
        Ok(t) => t,
        Err(e) => crate::panic::halt_with(format_args!("ACPI tables: {e:?}")),
    };
    info!("ACPI revision {}, RSDP at {rsdp:#x}", tables.rsdp_revision);
    let mut ecam = Vec::new();
    if let Some(mcfg) = tables.find_table::<Mcfg>() {
        for e in mcfg.entries() {
            let (base, seg, first, last) = (
                e.base_address,
                e.pci_segment_group,
                e.bus_number_start,
                e.bus_number_end,
            );
            info!("MCFG: PCIe ECAM at {base:#x}, segment {seg}, buses {first}-{last}");
            if first <= last {
                ecam.push(EcamWindow {
                    base,
                    segment: seg,
                    first_bus: first,
                    last_bus: last,
                });
            }
        }
    } else {
        info!("MCFG: none (legacy PCI configuration only)");
    }
    let platform = match AcpiPlatform::new(tables, KernelAcpi) {
        Ok(p) => p,
        Err(e) => crate::panic::halt_with(format_args!("ACPI platform: {e:?}")),
    };
    let mut acpi_ports = Vec::new();
    let mut sci = 9;
    if let Some(fadt) = platform.tables.find_table::<Fadt>() {
        sci = fadt.sci_interrupt as u8;
        let io = |g: acpi::address::GenericAddress, len: u8| {
            (g.address_space == acpi::address::AddressSpace::SystemIo && g.address != 0 && len > 0)
                .then(|| {
                    (
                        g.address as u16,
                        (g.address as u16).saturating_add(u16::from(len) - 1),
                    )
                })
        };
        let (evt_len, cnt_len, gpe_len) = (
            fadt.pm1_event_length,
            fadt.pm1_control_length,
            fadt.gpe0_block_length,
        );
        acpi_ports.extend(fadt.pm1a_event_block().ok().and_then(|g| io(g, evt_len)));
        acpi_ports.extend(fadt.pm1a_control_block().ok().and_then(|g| io(g, cnt_len)));
        acpi_ports.extend(fadt.pm_timer_block().ok().flatten().and_then(|g| io(g, 4)));
        acpi_ports.extend(
            fadt.gpe0_block()
                .ok()
                .flatten()
                .and_then(|g| io(g, gpe_len)),
        );
        // The rest of the fixed hardware, present or not on a given machine:
        // the second PM1 blocks, PM2 control, GPE1, and the SMI command port
        // (a write there enters System Management Mode).
        let (pm2_len, gpe1_len) = (fadt.pm2_control_length, fadt.gpe1_block_length);
        acpi_ports.extend(
            fadt.pm1b_event_block()
                .ok()
                .flatten()
                .and_then(|g| io(g, evt_len)),
        );
        acpi_ports.extend(
            fadt.pm1b_control_block()
                .ok()
                .flatten()
                .and_then(|g| io(g, cnt_len)),
        );
        acpi_ports.extend(
            fadt.pm2_control_block()
                .ok()
                .flatten()
                .and_then(|g| io(g, pm2_len)),
        );
        acpi_ports.extend(
            fadt.gpe1_block()
                .ok()
                .flatten()
                .and_then(|g| io(g, gpe1_len)),
        );
        let smi = fadt.smi_cmd_port;
        if let Ok(port) = u16::try_from(smi)
            && port != 0
        {
            acpi_ports.push((port, port));
        }
        let pm1a = fadt.pm1a_control_block().map(|g| g.address).unwrap_or(0);
        let sci = fadt.sci_interrupt;
        info!(
            "FADT: SCI IRQ {sci}, PM1a control at {pm1a:#x}, profile {:?}",
            fadt.power_profile()
        );
    }
    // The HPET can raise message interrupts (FSB delivery: a write to any
    // physical address, with any vector) and drives the kernel's notion of
    // time on some machines: never grantable.
    if let Ok(hpet) = acpi::HpetInfo::new(&platform.tables) {
        crate::mem::reserve_device(hpet.base_address as u64 & !0xfff, 4096);
        info!("HPET at {:#x}: kept by the kernel", hpet.base_address);
    }
    let InterruptModel::Apic(apic) = &platform.interrupt_model else {
        crate::panic::halt_with(format_args!("MADT describes no APIC"))
    };
    let cpu_count = platform
        .processor_info
        .as_ref()
        .map_or(1, |p| 1 + p.application_processors.len());
    if let Some(p) = &platform.processor_info {
        info!(
            "MADT: {cpu_count} CPUs (BSP APIC id {}, APs {:?}), local APIC at {:#x}",
            p.boot_processor.local_apic_id,
            p.application_processors
                .iter()
                .map(|a| a.local_apic_id)
                .collect::<Vec<_>>(),
            apic.local_apic_address
        );
    }
    for io in apic.io_apics.iter() {
        info!(
            "MADT: IOAPIC id {} at {:#x}, GSI base {}",
            io.id, io.address, io.global_system_interrupt_base
        );
    }
    for o in apic.interrupt_source_overrides.iter() {
        info!(
            "MADT: ISA IRQ {} -> GSI {} ({:?}, {:?})",
            o.isa_source, o.global_system_interrupt, o.polarity, o.trigger_mode
        );
    }
    let info = Platform {
        acpi_ports,
        sci,
        cpu_count,
        local_apic: apic.local_apic_address,
        io_apics: apic.io_apics.to_vec(),
        overrides: apic.interrupt_source_overrides.to_vec(),
        ecam,
    };
    // The AML namespace is loaded at its first use (`aml`).
    STATE.call_once(|| AcpiState {
        platform,
        overrides: info.overrides.clone(),
    });
    info
}

/// Why `\_S5` power-off did not happen.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum ShutdownError {
    NotInitialised,
    NoInterpreter,
    Aml(AmlError),
    BadS5Object,
    Registers(acpi::AcpiError),
}

/// The S5 sleep type value from `\_S5` (the package's first integer).
pub fn s5_sleep_type() -> Result<u8, ShutdownError> {
    let aml = aml()
        .ok_or(ShutdownError::NotInitialised)?
        .interpreter
        .as_ref()
        .ok_or(ShutdownError::NoInterpreter)?;
    let name = AmlName::from_str("\\_S5").map_err(ShutdownError::Aml)?;
    let s5 = aml.evaluate(name, Vec::new()).map_err(ShutdownError::Aml)?;
    let Object::Package(items) = &*s5 else {
        return Err(ShutdownError::BadS5Object);
    };
    let first = items.first().ok_or(ShutdownError::BadS5Object)?;
    let typ = first.as_integer().map_err(ShutdownError::Aml)?;
    u8::try_from(typ).map_err(|_| ShutdownError::BadS5Object)
}

/// Powers the machine off through ACPI S5. Returns only on failure.
pub fn shutdown() -> ShutdownError {
    let typ = match s5_sleep_type() {
        Ok(t) => t,
        Err(e) => return e,
    };
    let Some(state) = STATE.get() else {
        return ShutdownError::NotInitialised;
    };
    info!("ACPI: entering S5 (SLP_TYP {typ})");
    crate::serial::flush();
    x86_64::instructions::interrupts::disable();
    let regs = &state.platform.registers.pm1_control_registers;
    if let Err(e) = regs
        .set_sleep_typ(typ)
        .and_then(|()| regs.set_bit(Pm1ControlBit::SleepEnable, true))
    {
        return ShutdownError::Registers(e);
    }
    // The write takes effect asynchronously in some chipsets; give it a moment.
    time::spin_us(100_000);
    ShutdownError::Registers(acpi::AcpiError::Timeout)
}

/// Where a PCI function's INTx pin arrives at the interrupt controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IntxRoute {
    pub gsi: u32,
    pub level_triggered: bool,
    pub active_low: bool,
}

/// Why an INTx pin could not be routed.
#[derive(Debug)]
#[allow(dead_code, reason = "fields are read through Debug in log lines")]
pub enum PrtError {
    NotInitialised,
    NoInterpreter,
    /// The root bridge's `_PRT` has no entry for this device and pin.
    NoEntry {
        device: u8,
        pin: u8,
    },
    /// The root bridge's `_PRT` could not be evaluated at boot.
    Aml(AmlError),
    /// `bus` is not a root bus with a `_PRT` (a function behind a bridge
    /// is routed by its swizzled pin at the root, `logic::prt::swizzle`).
    NotRootBus(u8),
    /// The pin is not 1 (INTA) .. 4 (INTD); 0 means the function has none.
    BadPin(u8),
    /// The entry's link device gave no usable interrupt.
    Link(microkernel::logic::prt::LinkError),
}

/// The GSI, trigger mode and polarity of INTx pin `pin` (1 = INTA .. 4 =
/// INTD, as the Interrupt Pin register says) of `device` on root bus `bus`,
/// from the PCI root bridge's `_PRT` as resolved when the AML namespace was
/// loaded (at the first call: `aml`).
pub fn intx_route(bus: u8, device: u8, pin: u8) -> Result<IntxRoute, PrtError> {
    use microkernel::logic::prt::RouteError;
    let state = aml().ok_or(PrtError::NotInitialised)?;
    if state.interpreter.is_none() {
        return Err(PrtError::NoInterpreter);
    }
    if !(1..=4).contains(&pin) {
        return Err(PrtError::BadPin(pin));
    }
    let bridge = state
        .root_bridges
        .iter()
        .find(|b| b.bus == bus)
        .ok_or(PrtError::NotRootBus(bus))?;
    let routes = bridge
        .routes
        .as_ref()
        .map_err(|e| PrtError::Aml(e.clone()))?;
    let found = routes
        .iter()
        .find(|r| r.device == device && r.pin == pin - 1)
        .ok_or(PrtError::NoEntry { device, pin })?;
    match &found.route {
        Ok(r) => Ok(IntxRoute {
            gsi: r.gsi,
            level_triggered: r.level,
            active_low: r.active_low,
        }),
        Err(RouteError::Link(e)) => Err(PrtError::Link(*e)),
        Err(RouteError::BadPin(p)) => Err(PrtError::BadPin(*p)),
        Err(RouteError::NoEntry) => Err(PrtError::NoEntry { device, pin }),
    }
}
