//! PCI configuration access with emulated BAR registers.
//!
//! `virtio_drivers::transport::pci::PciTransport::new` finds the virtio
//! structures through `PciRoot::bar_info`, which clears the decode bits of
//! the command register, writes all-ones to each BAR to size it, reads the
//! size mask back, and restores the BAR. Cordon's kernel refuses every BAR
//! write (a driver must not move its device over someone else's memory), so
//! [`EmulatedConfig`] answers BAR reads and writes itself from what
//! `PciBar` reported (address, length, type): reads give the address and
//! type bits, an all-ones write makes the next read give the size mask, any
//! other write ends sizing. Nothing reaches the device.
//!
//! Command register writes are narrowed to the bits the kernel lets an owner
//! change (memory space, I/O space, bus master) and skipped when they change
//! nothing; other registers pass through. Functions other than the owned one
//! read as absent (all-ones), as on a real bus.

use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction};

/// Offset of BAR 0; BAR `i` is at `BAR0 + 4 * i`.
pub const BAR0: u8 = 0x10;
/// Offset of the command register (status is the upper half of the dword).
pub const COMMAND: u8 = 0x04;
/// Command bits an owner may change.
pub const COMMAND_OWNER_BITS: u16 = 0b111; // I/O space, memory space, bus master
pub const COMMAND_MEMORY: u16 = 1 << 1;
pub const COMMAND_BUS_MASTER: u16 = 1 << 2;

/// One BAR as `PciBar` describes it (`ddk_abi::syscall::pci_bar` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bar {
    pub phys: u64,
    pub len: u64,
    pub flags: u64,
}

/// The kernel refused a configuration write (`PermissionDenied` for a
/// filtered register, or the function is no longer ours); nothing was
/// written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refused;

/// The real configuration space of one function, dword-wise. `Clone`
/// because `PciRoot::enumerate_bus` clones its access for reading.
pub trait RawConfig: Clone {
    fn read32(&self, offset: u8) -> u32;
    fn read16(&self, offset: u8) -> u16 {
        (self.read32(offset & !3) >> (8 * u32::from(offset & 2))) as u16
    }
    /// A write the kernel may refuse; refusals are counted by the caller.
    fn write32(&mut self, offset: u8, value: u32) -> Result<(), Refused>;
    fn write16(&mut self, offset: u8, value: u16) -> Result<(), Refused>;
}

/// What one BAR register reads as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reg {
    /// Not implemented: reads 0, sizes to 0.
    Absent,
    /// The low (or only) dword of a BAR.
    Low(Bar),
    /// The high dword of a 64-bit memory BAR.
    High(Bar),
}

fn regs(bars: &[Bar; 6]) -> [Reg; 6] {
    let mut out = [Reg::Absent; 6];
    let mut i = 0;
    while i < 6 {
        let b = bars[i];
        if b.len != 0 {
            out[i] = Reg::Low(b);
            if b.flags & ddk_abi::syscall::pci_bar::MEM64 != 0 && i + 1 < 6 {
                out[i + 1] = Reg::High(b);
                i += 1;
            }
        }
        i += 1;
    }
    out
}

fn type_bits(b: &Bar) -> u32 {
    use ddk_abi::syscall::pci_bar;
    if b.flags & pci_bar::IO != 0 {
        return 1;
    }
    let mut t = 0;
    if b.flags & pci_bar::MEM64 != 0 {
        t |= 0b100;
    }
    if b.flags & pci_bar::PREFETCHABLE != 0 {
        t |= 0b1000;
    }
    t
}

impl Reg {
    fn value(&self, sizing: bool) -> u32 {
        match self {
            Reg::Absent => 0,
            Reg::Low(b) => {
                let io = b.flags & ddk_abi::syscall::pci_bar::IO != 0;
                let addr_mask: u32 = if io { !0b11 } else { !0b1111 };
                let addr = if sizing {
                    // Lengths are powers of two: the mask has the size bits clear.
                    !(b.len.wrapping_sub(1)) as u32
                } else {
                    b.phys as u32
                };
                (addr & addr_mask) | type_bits(b)
            }
            Reg::High(b) => {
                if sizing {
                    (!(b.len.wrapping_sub(1)) >> 32) as u32
                } else {
                    (b.phys >> 32) as u32
                }
            }
        }
    }
}

/// Configuration access to the one function a driver owns.
pub struct EmulatedConfig<R: RawConfig> {
    raw: R,
    function: DeviceFunction,
    regs: [Reg; 6],
    sizing: [bool; 6],
    /// Writes the kernel refused (kept for the driver's diagnostics).
    pub refused: u32,
}

impl<R: RawConfig> EmulatedConfig<R> {
    pub fn new(raw: R, function: DeviceFunction, bars: [Bar; 6]) -> Self {
        EmulatedConfig {
            raw,
            function,
            regs: regs(&bars),
            sizing: [false; 6],
            refused: 0,
        }
    }

    pub fn raw(&mut self) -> &mut R {
        &mut self.raw
    }

    /// Sets the owner bits of the command register to `bits` (others kept).
    pub fn set_command_bits(&mut self, bits: u16) -> Result<(), Refused> {
        let now = self.raw.read16(COMMAND);
        let want = (now & !COMMAND_OWNER_BITS) | (bits & COMMAND_OWNER_BITS);
        if want == now {
            return Ok(());
        }
        self.raw.write16(COMMAND, want)
    }

    fn bar_index(offset: u8) -> Option<usize> {
        if (BAR0..BAR0 + 24).contains(&offset) {
            Some(usize::from((offset - BAR0) / 4))
        } else {
            None
        }
    }
}

impl<R: RawConfig> ConfigurationAccess for EmulatedConfig<R> {
    fn read_word(&self, function: DeviceFunction, offset: u8) -> u32 {
        if function != self.function {
            return u32::MAX;
        }
        let offset = offset & !3;
        match Self::bar_index(offset) {
            Some(i) => match (self.regs.get(i), self.sizing.get(i)) {
                (Some(r), Some(&s)) => r.value(s),
                _ => 0,
            },
            None => self.raw.read32(offset),
        }
    }

    fn write_word(&mut self, function: DeviceFunction, offset: u8, data: u32) {
        if function != self.function {
            return;
        }
        let offset = offset & !3;
        if let Some(i) = Self::bar_index(offset) {
            if let Some(s) = self.sizing.get_mut(i) {
                *s = data == u32::MAX;
            }
            return;
        }
        let result = if offset == COMMAND {
            // The status half is write-one-to-clear; `PciRoot` writes zeros
            // there, which change nothing, so only the command half goes out.
            self.set_command_bits(data as u16)
        } else {
            self.raw.write32(offset, data)
        };
        if result.is_err() {
            self.refused += 1;
        }
    }

    unsafe fn unsafe_clone(&self) -> Self {
        // The emulated registers are copied; the raw access is the syscall
        // layer, a function address and nothing a clone could corrupt.
        EmulatedConfig {
            raw: self.raw.clone(),
            function: self.function,
            regs: self.regs,
            sizing: self.sizing,
            refused: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ddk_abi::syscall::pci_bar;
    use virtio_drivers::transport::pci::bus::{BarInfo, MemoryBarType, PciRoot};

    use std::cell::RefCell;
    use std::rc::Rc;

    /// A fake function whose BAR registers must never be written.
    struct State {
        space: [u32; 64],
        bar_writes: u32,
        command_writes: u32,
    }

    #[derive(Clone)]
    struct Fake(Rc<RefCell<State>>);

    impl RawConfig for Fake {
        fn read32(&self, offset: u8) -> u32 {
            self.0.borrow().space[usize::from(offset / 4)]
        }
        fn write32(&mut self, offset: u8, value: u32) -> Result<(), Refused> {
            let mut s = self.0.borrow_mut();
            if (0x10..0x28).contains(&offset) {
                s.bar_writes += 1;
                return Err(Refused);
            }
            s.space[usize::from(offset / 4)] = value;
            Ok(())
        }
        fn write16(&mut self, offset: u8, value: u16) -> Result<(), Refused> {
            assert_eq!(offset, COMMAND);
            let mut s = self.0.borrow_mut();
            s.command_writes += 1;
            let w = &mut s.space[1];
            *w = (*w & 0xffff_0000) | u32::from(value);
            Ok(())
        }
    }

    const F: DeviceFunction = DeviceFunction {
        bus: 0,
        device: 3,
        function: 0,
    };

    fn virtio_like() -> [Bar; 6] {
        let mut bars = [Bar::default(); 6];
        bars[1] = Bar {
            phys: 0xfebd_1000,
            len: 0x1000,
            flags: 0,
        };
        bars[4] = Bar {
            phys: 0x0000_0080_0000_4000,
            len: 0x4000,
            flags: pci_bar::MEM64 | pci_bar::PREFETCHABLE,
        };
        bars[5] = Bar::default();
        bars
    }

    fn fake() -> Fake {
        let mut space = [0u32; 64];
        space[0] = 0x1042_1af4;
        space[1] = 0x0010_0003; // capabilities list; memory + I/O decode on
        Fake(Rc::new(RefCell::new(State {
            space,
            bar_writes: 0,
            command_writes: 0,
        })))
    }

    #[test]
    fn pci_root_sizes_emulated_bars_without_touching_the_device() {
        let dev = fake();
        let cfg = EmulatedConfig::new(dev.clone(), F, virtio_like());
        let mut root = PciRoot::new(cfg);
        assert_eq!(root.bar_info(F, 0).unwrap(), None);
        assert_eq!(
            root.bar_info(F, 1).unwrap(),
            Some(BarInfo::Memory {
                address_type: MemoryBarType::Width32,
                prefetchable: false,
                address: 0xfebd_1000,
                size: 0x1000,
            })
        );
        assert_eq!(
            root.bar_info(F, 4).unwrap(),
            Some(BarInfo::Memory {
                address_type: MemoryBarType::Width64,
                prefetchable: true,
                address: 0x0000_0080_0000_4000,
                size: 0x4000,
            })
        );
        let bars = root.bars(F).unwrap();
        assert!(bars[5].is_none(), "the high half of BAR 4 is not a BAR");
        // Reads after sizing give the address again.
        let again = root.bar_info(F, 4).unwrap().unwrap();
        assert_eq!(again.memory_address_size(), Some((0x80_0000_4000, 0x4000)));
        let s = dev.0.borrow();
        assert_eq!(s.bar_writes, 0);
        // Each bar_info turned decode off and on again: real command writes,
        // of the bits the kernel allows an owner to change.
        assert!(s.command_writes > 0);
        assert_eq!(s.space[1] & 0xffff, 0x0003, "decode restored");
    }

    #[test]
    fn io_bars_and_other_functions() {
        let mut bars = [Bar::default(); 6];
        bars[0] = Bar {
            phys: 0xc040,
            len: 0x40,
            flags: pci_bar::IO,
        };
        let dev = fake();
        let mut cfg = EmulatedConfig::new(dev.clone(), F, bars);
        assert_eq!(cfg.read_word(F, 0x10), 0xc041);
        cfg.write_word(F, 0x10, u32::MAX);
        assert_eq!(cfg.read_word(F, 0x10), 0xffff_ffc1);
        cfg.write_word(F, 0x10, 0xc041);
        assert_eq!(cfg.read_word(F, 0x10), 0xc041);
        let other = DeviceFunction {
            bus: 0,
            device: 4,
            function: 0,
        };
        assert_eq!(cfg.read_word(other, 0), u32::MAX);
        cfg.write_word(other, 4, 0);
        assert_eq!(dev.0.borrow().command_writes, 0);
    }

    #[test]
    fn command_writes_keep_bits_the_owner_may_not_change() {
        let dev = fake();
        let mut cfg = EmulatedConfig::new(dev.clone(), F, virtio_like());
        dev.0.borrow_mut().space[1] |= 1 << 10; // INTx disable, set by someone else
        cfg.write_word(F, COMMAND, u32::from(COMMAND_MEMORY | COMMAND_BUS_MASTER));
        assert_eq!(dev.0.borrow().space[1] & 0xffff, (1 << 10) | 0b110);
        // Setting the same bits again is not a write at all.
        cfg.write_word(F, COMMAND, u32::from(COMMAND_MEMORY | COMMAND_BUS_MASTER));
        assert_eq!(dev.0.borrow().command_writes, 1);
    }
}
