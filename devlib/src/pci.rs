//! The configuration syscalls behind [`crate::config`], and finding the
//! function a driver was granted.

use crate::config::{Bar, EmulatedConfig, RawConfig, Refused};
use userlib::sys::{self, Error};
use virtio_drivers::transport::pci::bus::DeviceFunction;

/// Configuration access to one owned function through `PciConfigRead` /
/// `PciConfigWrite`.
#[derive(Clone, Copy, Debug)]
pub struct SysConfig {
    pub bdf: u16,
}

impl RawConfig for SysConfig {
    fn read32(&self, offset: u8) -> u32 {
        sys::pci_config_read(self.bdf, u16::from(offset), 4).unwrap_or(u32::MAX)
    }
    fn write32(&mut self, offset: u8, value: u32) -> Result<(), Refused> {
        sys::pci_config_write(self.bdf, u16::from(offset), 4, value).map_err(|_| Refused)
    }
    fn write16(&mut self, offset: u8, value: u16) -> Result<(), Refused> {
        sys::pci_config_write(self.bdf, u16::from(offset), 2, u32::from(value)).map_err(|_| Refused)
    }
}

/// One granted function.
pub struct Function {
    pub bdf: u16,
    pub function: DeviceFunction,
    pub vendor: u16,
    pub device: u16,
    pub bars: [Bar; 6],
}

impl Function {
    /// Configuration access with emulated BARs, for `PciRoot::new`.
    pub fn config(&self) -> EmulatedConfig<SysConfig> {
        EmulatedConfig::new(SysConfig { bdf: self.bdf }, self.function, self.bars)
    }
}

/// The first function granted to this task with ids `vendor:device`.
pub fn find(vendor: u16, device: u16) -> Result<Function, Error> {
    let mut n = 0;
    loop {
        let (bdf, ids, _class) = sys::pci_info(n)?;
        if ids as u16 == vendor && (ids >> 16) as u16 == device {
            let mut bars = [Bar::default(); 6];
            for (i, b) in bars.iter_mut().enumerate() {
                // A BAR that is not implemented (or the high half of a
                // 64-bit one) may be refused rather than reported empty.
                if let Ok((phys, len, flags)) = sys::pci_bar(bdf, i as u8) {
                    *b = Bar { phys, len, flags };
                }
            }
            return Ok(Function {
                bdf,
                function: DeviceFunction {
                    bus: (bdf >> 8) as u8,
                    device: ((bdf >> 3) & 31) as u8,
                    function: (bdf & 7) as u8,
                },
                vendor,
                device,
                bars,
            });
        }
        n += 1;
    }
}
