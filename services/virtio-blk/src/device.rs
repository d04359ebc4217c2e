//! Bringing the device up: find the granted function, reset whatever a
//! predecessor left running, build `VirtIOBlk` over the modern PCI
//! transport, and bind its interrupt.

use ddk_abi::syscall::{notify, pci_irq};
use devlib::config::{COMMAND_BUS_MASTER, COMMAND_MEMORY, RawConfig};
use devlib::hal::CordonHal;
use devlib::pci::{Function, SysConfig};
use virtio_drivers::device::blk::VirtIOBlk;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::PciRoot;
use virtio_drivers::transport::{DeviceStatus, Transport};

pub type Blk = VirtIOBlk<CordonHal, PciTransport>;

/// The notification bit the device's interrupt is bound to.
pub const IRQ_BIT: u8 = notify::PCI_FIRST;

/// Virtio's "no MSI-X vector" (virtio 1.2, 4.1.5.1.2).
const NO_VECTOR: u16 = 0xffff;

/// Why the device could not be brought up.
pub enum InitError {
    NoFunction(userlib::sys::Error),
    Transport(virtio_drivers::transport::pci::VirtioPciError),
    Device(virtio_drivers::Error),
    Irq(userlib::sys::Error),
    /// The device refused the MSI-X vector we wrote (read back `NO_VECTOR`).
    MsixVector,
    NoCommonConfig,
}

impl core::fmt::Display for InitError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InitError::NoFunction(e) => write!(f, "no granted 1af4:1042 function ({e})"),
            InitError::Transport(e) => write!(f, "PCI transport: {e}"),
            InitError::Device(e) => write!(f, "VirtIOBlk: {e}"),
            InitError::Irq(e) => write!(f, "binding the interrupt: {e}"),
            InitError::MsixVector => write!(f, "the device refused MSI-X vector 0 for queue 0"),
            InitError::NoCommonConfig => write!(f, "no virtio common configuration capability"),
        }
    }
}

pub struct Device {
    pub blk: Blk,
    pub bdf: u16,
    /// `pci_irq` source in use (MSI-X, MSI or INTx).
    pub irq: u64,
    /// Device status found at start: non-zero means a predecessor left the
    /// device running (and we reset it).
    pub found_status: u8,
}

impl Device {
    /// After an interrupt: INTx must be acknowledged at the device (reading
    /// the ISR deasserts the line) and then at the kernel (unmasks it).
    /// Message interrupts need neither.
    pub fn ack(&mut self) {
        if self.irq == pci_irq::INTX {
            let _ = self.blk.ack_interrupt();
            let _ = userlib::sys::pci_irq_ack(self.bdf);
        }
    }
}

pub fn irq_name(source: u64) -> &'static str {
    match source {
        pci_irq::MSIX => "MSI-X",
        pci_irq::MSI => "MSI",
        pci_irq::INTX => "INTx",
        _ => "?",
    }
}

/// Virtio PCI capability ids and the common configuration registers we
/// write ourselves (virtio 1.2, 4.1.4.3).
const CAP_VENDOR: u32 = 0x09;
const CFG_COMMON: u32 = 1;
const COMMON_QUEUE_SELECT: u64 = 0x16;
const COMMON_QUEUE_MSIX_VECTOR: u64 = 0x1a;

/// The virtual address of the common configuration structure, which the
/// transport has mapped through the HAL at `MMIO_BASE + phys`.
fn common_cfg_va(f: &Function, raw: &SysConfig) -> Option<u64> {
    let mut cap = raw.read32(0x34) & 0xfc;
    let mut hops = 0;
    while cap != 0 && hops < 48 {
        let head = raw.read32(cap as u8);
        if head & 0xff == CAP_VENDOR && (head >> 24) & 0xff == CFG_COMMON {
            let bar = raw.read32(cap as u8 + 4) & 0xff;
            let offset = raw.read32(cap as u8 + 8);
            let b = f.bars.get(bar as usize)?;
            return Some(devlib::MMIO_BASE + b.phys + u64::from(offset));
        }
        cap = (head >> 8) & 0xfc;
        hops += 1;
    }
    None
}

/// Routes queue 0's interrupts to MSI-X table entry 0. `virtio-drivers`
/// never writes the MSI-X vector registers; after a reset they read
/// `NO_VECTOR`, and with MSI-X enabled the device then raises nothing.
fn route_queue_vector(common: u64) -> Result<(), InitError> {
    let select = (common + COMMON_QUEUE_SELECT) as *mut u16;
    let vector = (common + COMMON_QUEUE_MSIX_VECTOR) as *mut u16;
    // SAFETY: `common` is the device's common configuration structure,
    // mapped uncached by the transport; these are its queue_select and
    // queue_msix_vector registers (16-bit, naturally aligned).
    let back = unsafe {
        select.write_volatile(0);
        vector.write_volatile(0);
        vector.read_volatile()
    };
    if back == NO_VECTOR {
        return Err(InitError::MsixVector);
    }
    Ok(())
}

pub fn bring_up() -> Result<Device, InitError> {
    let f = devlib::pci::find(0x1af4, 0x1042).map_err(InitError::NoFunction)?;
    let mut config = f.config();
    // Registers decode; bus mastering stays off until the device is reset,
    // so a device a dead predecessor left running cannot DMA into memory
    // that is no longer ours.
    let _ = config.set_command_bits(COMMAND_MEMORY);
    let raw = SysConfig { bdf: f.bdf };
    let mut root = PciRoot::new(config);
    let mut transport =
        PciTransport::new::<CordonHal, _>(&mut root, f.function).map_err(InitError::Transport)?;
    let found_status = transport.get_status().bits() as u8;
    transport.set_status(DeviceStatus::empty());
    let mut spins = 0u32;
    while !transport.get_status().is_empty() && spins < 1_000_000 {
        spins += 1;
        core::hint::spin_loop();
    }
    let mut cfg = f.config();
    let _ = cfg.set_command_bits(COMMAND_MEMORY | COMMAND_BUS_MASTER);
    let blk = VirtIOBlk::<CordonHal, _>::new(transport).map_err(InitError::Device)?;
    let irq =
        userlib::sys::pci_irq_bind(f.bdf, pci_irq::AUTO, 0, IRQ_BIT).map_err(InitError::Irq)?;
    if irq == pci_irq::MSIX {
        let common = common_cfg_va(&f, &raw).ok_or(InitError::NoCommonConfig)?;
        route_queue_vector(common)?;
    }
    let mut dev = Device {
        blk,
        bdf: f.bdf,
        irq,
        found_status,
    };
    dev.blk.enable_interrupts();
    // An INTx line raised before the bind would stay masked: clear it.
    dev.ack();
    Ok(dev)
}
