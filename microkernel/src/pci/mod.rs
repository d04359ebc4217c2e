//! PCI: enumeration through ECAM (the ACPI MCFG window), the registry of
//! functions, and the PCI function grants that give one task a device.
//!
//! At boot every function reachable from bus 0 is found — following
//! PCI-to-PCI bridges to the secondary buses the firmware numbered — and
//! recorded once: ids, class, BARs (sized with decoding off, then restored),
//! MSI/MSI-X capabilities, interrupt pin. From then on the registry is the
//! kernel's truth about the bus: grants, the config-write filter and
//! interrupt binding all consult it, never a user's word.

pub mod config;
pub mod grant;
pub mod irq;
pub mod syscall;

use alloc::string::String;
use alloc::vec::Vec;
use ddk_abi::TaskId;
use log::{info, warn};
use microkernel::logic::pci::{self as logic, Bar, ConfigLayout, cap, command, reg};
use spin::Mutex;

/// Where a function's MSI-X table lives.
#[derive(Clone, Copy, Debug)]
pub struct MsixTable {
    /// Which BAR holds it, and at what byte offset.
    pub bar: u8,
    pub offset: u64,
    pub entries: u16,
}

impl MsixTable {
    pub fn bytes(&self) -> u64 {
        u64::from(self.entries) * logic::msix::ENTRY
    }
}

/// The task a function is granted to (its name kept for log lines written
/// after it died).
#[derive(Clone, Debug)]
pub struct Owner {
    pub id: TaskId,
    pub name: String,
}

impl core::fmt::Display for Owner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "{}[{}.{}]",
            self.name,
            self.id.index(),
            self.id.generation()
        )
    }
}

/// One PCI function as found at boot.
pub struct Function {
    pub bdf: u16,
    pub vendor: u16,
    pub device: u16,
    pub class: u8,
    pub subclass: u8,
    pub prog_if: u8,
    pub revision: u8,
    pub bars: [Bar; 6],
    /// Header type, MSI and MSI-X offsets: what the write filter needs.
    pub layout: ConfigLayout,
    pub msix: Option<MsixTable>,
    /// INTx pin, 1 = INTA .. 4 = INTD; 0: none.
    pub pin: u8,
    /// The bridge whose secondary bus this function is on (`None` on the
    /// root bus).
    pub parent: Option<u16>,
    pub owner: Option<Owner>,
    /// The kernel mapping of the MSI-X table, made on first bind.
    pub msix_va: Option<u64>,
    pub irqs: Vec<irq::Binding>,
}

impl Function {
    pub fn name(&self) -> &'static str {
        logic::short_name(self.vendor, self.device, self.class, self.subclass)
    }
    pub fn owned_by(&self, id: TaskId) -> bool {
        self.owner.as_ref().is_some_and(|o| o.id == id)
    }
}

/// `BB:DD.F`.
pub struct Bdf(pub u16);

impl core::fmt::Display for Bdf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (b, d, func) = logic::bdf_parts(self.0);
        write!(f, "{b:02x}:{d:02x}.{func}")
    }
}

/// `pci 00:03.0 1af4:1042 class 01.00 virtio-blk`.
impl core::fmt::Display for Function {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "pci {} {:04x}:{:04x} class {:02x}.{:02x} {}",
            Bdf(self.bdf),
            self.vendor,
            self.device,
            self.class,
            self.subclass,
            self.name()
        )
    }
}

/// Every function, in bus order.
pub static REGISTRY: Mutex<Vec<Function>> = Mutex::new(Vec::new());

/// Bridges nest at most this deep (a loop in firmware's bus numbers must
/// not recurse forever; the `seen` set stops it anyway).
const MAX_DEPTH: usize = 16;

/// Finds the ECAM window and enumerates the buses. A machine without an
/// MCFG has no PCI devices to grant (the kernel carries on without them).
pub fn init(platform: &crate::acpi::Platform) {
    let (first, last) = match config::init(&platform.ecam) {
        Ok(r) => r,
        Err(e) => {
            warn!("pci: no configuration window ({e:?}); no PCI devices");
            return;
        }
    };
    let mut found = Vec::new();
    let mut seen = [false; 256];
    scan_bus(first, last, None, 0, &mut seen, &mut found);
    for f in &found {
        info!("{f}");
        reserve_msix_table(f);
    }
    info!("{} functions", found.len());
    *REGISTRY.lock() = found;
}

fn scan_bus(
    bus: u8,
    last: u8,
    parent: Option<u16>,
    depth: usize,
    seen: &mut [bool; 256],
    out: &mut Vec<Function>,
) {
    match seen.get_mut(usize::from(bus)) {
        Some(s) if !*s => *s = true,
        _ => return,
    }
    for dev in 0..32u8 {
        let bdf0 = ddk_abi::syscall::pci_bdf(bus, dev, 0);
        if config::read16(bdf0, reg::VENDOR) == 0xffff {
            continue;
        }
        let multi = config::read8(bdf0, reg::HEADER_TYPE) & 0x80 != 0;
        for func in 0..if multi { 8 } else { 1 } {
            let bdf = ddk_abi::syscall::pci_bdf(bus, dev, func);
            if config::read16(bdf, reg::VENDOR) == 0xffff {
                continue;
            }
            let f = probe(bdf, parent);
            let bridge = f.layout.header_type == 1;
            out.push(f);
            if bridge {
                let secondary = config::read8(bdf, reg::SECONDARY_BUS);
                if secondary > bus && secondary <= last && depth < MAX_DEPTH {
                    scan_bus(secondary, last, Some(bdf), depth + 1, seen, out);
                }
            }
        }
    }
}

/// The pages of an MSI-X table are never device memory a task may be
/// granted — not through the function's grant (which cuts them out) and not
/// through a raw `grant=mmio:` either: only the kernel aims messages.
fn reserve_msix_table(f: &Function) {
    let Some(t) = f.msix else { return };
    let Some(bar) = f.bars.get(usize::from(t.bar)) else {
        return;
    };
    if bar.len == 0 || bar.phys == 0 || bar.is_io() {
        return;
    }
    let start = (bar.phys + t.offset) & !0xfff;
    let end = (bar.phys + t.offset + t.bytes()).div_ceil(4096) * 4096;
    crate::mem::reserve_device(start, end - start);
}

/// Reads one function's identity, sizes its BARs and finds its capabilities.
fn probe(bdf: u16, parent: Option<u16>) -> Function {
    let id = config::read32(bdf, reg::VENDOR);
    let class = config::read32(bdf, reg::REVISION);
    let header_type = config::read8(bdf, reg::HEADER_TYPE) & 0x7f;
    let mut f = Function {
        bdf,
        vendor: id as u16,
        device: (id >> 16) as u16,
        class: (class >> 24) as u8,
        subclass: (class >> 16) as u8,
        prog_if: (class >> 8) as u8,
        revision: class as u8,
        bars: [Bar::default(); 6],
        layout: ConfigLayout {
            header_type,
            ..ConfigLayout::default()
        },
        msix: None,
        pin: config::read8(bdf, reg::INTERRUPT_PIN),
        parent,
        owner: None,
        msix_va: None,
        irqs: Vec::new(),
    };
    size_bars(&mut f);
    find_capabilities(&mut f);
    f
}

/// Sizes the BARs by writing all ones and reading back, with I/O and
/// memory decoding off so the half-written BAR never claims an address;
/// every register and the command word are restored.
fn size_bars(f: &mut Function) {
    let count = match f.layout.header_type {
        0 => 6,
        1 => 2,
        _ => 0,
    };
    let bdf = f.bdf;
    let cmd = config::read16(bdf, reg::COMMAND);
    config::write16(bdf, reg::COMMAND, cmd & !(command::IO | command::MEMORY));
    let probe_reg = |off: u16| {
        let orig = config::read32(bdf, off);
        config::write32(bdf, off, u32::MAX);
        let probe = config::read32(bdf, off);
        config::write32(bdf, off, orig);
        (orig, probe)
    };
    let mut i = 0usize;
    while i < count {
        let off = reg::BAR0 + 4 * i as u16;
        let (orig, probe) = probe_reg(off);
        let is64 = orig & 1 == 0 && (orig >> 1) & 3 == 2 && i + 1 < count;
        let hi = is64.then(|| probe_reg(off + 4));
        if let Some(slot) = f.bars.get_mut(i) {
            *slot = logic::decode_bar(orig, probe, hi);
        }
        i += if is64 { 2 } else { 1 };
    }
    config::write16(bdf, reg::COMMAND, cmd);
}

/// Walks the capability list (and, for PCI Express functions, the
/// extended list) for MSI, MSI-X and the BAR-resizing capabilities.
fn find_capabilities(f: &mut Function) {
    let bdf = f.bdf;
    const STATUS_CAP_LIST: u16 = 1 << 4;
    if config::read16(bdf, reg::STATUS) & STATUS_CAP_LIST == 0 || f.layout.header_type > 1 {
        return;
    }
    let mut pcie = false;
    let mut at = u16::from(config::read8(bdf, reg::CAP_PTR) & 0xfc);
    for _ in 0..48 {
        if at < 0x40 {
            break;
        }
        let head = config::read16(bdf, at);
        match head as u8 {
            cap::MSI => f.layout.msi = Some((at, config::read16(bdf, at + 2))),
            cap::MSIX => {
                f.layout.msix = Some(at);
                let control = config::read16(bdf, at + 2);
                let table = config::read32(bdf, at + 4);
                f.msix = Some(MsixTable {
                    bar: (table & 7) as u8,
                    offset: u64::from(table & !7),
                    entries: (control & 0x7ff) + 1,
                });
            }
            cap::PCIE => {
                pcie = true;
                f.layout.pcie = Some(at);
            }
            cap::PM => f.layout.pm = Some(at),
            cap::AF => f.layout.af = Some(at),
            _ => {}
        }
        at = (head >> 8) & 0xfc;
    }
    if !pcie {
        return;
    }
    let mut at = reg::EXT_CAP;
    let mut n = 0;
    for _ in 0..64 {
        let head = config::read32(bdf, at);
        if head == 0 || head == u32::MAX {
            break;
        }
        let id = head as u16;
        if matches!(
            id,
            cap::EXT_SRIOV | cap::EXT_RESIZABLE_BAR | cap::EXT_VF_RESIZABLE_BAR
        ) && let Some(slot) = f.layout.bar_ext_caps.get_mut(n)
        {
            *slot = Some(at);
            n += 1;
        }
        let next = ((head >> 20) & 0xffc) as u16;
        if next < reg::EXT_CAP {
            break;
        }
        at = next;
    }
}

/// The boot console's `lspci`: the boot lines plus each owner.
pub fn lspci(mut out: impl FnMut(core::fmt::Arguments<'_>)) {
    let reg = REGISTRY.lock();
    out(format_args!("lspci: {} functions\n", reg.len()));
    for f in reg.iter() {
        match &f.owner {
            Some(o) => out(format_args!("{f} owner {o}\n")),
            None => out(format_args!("{f}\n")),
        }
    }
}

/// True when `task` holds at least one PCI function grant (what `DmaAlloc`
/// requires).
#[allow(
    dead_code,
    reason = "DmaAlloc (task::dma) calls it; merged from another branch"
)]
pub fn holds_any(task: TaskId) -> bool {
    REGISTRY.lock().iter().any(|f| f.owned_by(task))
}

/// A task died: bus mastering off on every function it held, its
/// interrupts unbound and masked, its functions free for a new owner.
/// Runs before the task's DMA frames are freed (the device must stop
/// writing into them first). Takes no task-table lock: the caller holds it.
pub fn release_task(dead: TaskId) {
    let mut reg = REGISTRY.lock();
    let mut gsis = Vec::new();
    for f in reg.iter_mut().filter(|f| f.owned_by(dead)) {
        let cmd = config::read16(f.bdf, reg::COMMAND);
        config::write16(f.bdf, reg::COMMAND, cmd & !command::BUS_MASTER);
        // The line is logged only when the device reports the bit clear.
        let now_off = config::read16(f.bdf, reg::COMMAND) & command::BUS_MASTER == 0;
        if let Some(o) = f.owner.take() {
            if now_off {
                info!("pci {}: bus mastering off (owner {o} died)", Bdf(f.bdf));
            } else {
                warn!(
                    "pci {}: bus mastering still on after owner {o} died",
                    Bdf(f.bdf)
                );
            }
        }
        gsis.extend(irq::release(f));
    }
    irq::settle_lines(&mut reg, &gsis);
}
