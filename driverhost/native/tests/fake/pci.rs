//! A fake PCI function: a 4 KiB configuration space with a capability
//! list (built, or deliberately broken, by the test), six BAR slots, and
//! the write filter the kernel applies to an owner's configuration writes
//! (docs/devices.md: BARs and the MSI-X capability are the kernel's; of
//! the command register only I/O, memory and bus-master may change).

pub const COMMAND: usize = 0x04;
pub const COMMAND_IO: u16 = 1 << 0;
pub const COMMAND_MEMORY: u16 = 1 << 1;
pub const COMMAND_BUS_MASTER: u16 = 1 << 2;
const STATUS: usize = 0x06;
const STATUS_CAPABILITIES: u16 = 1 << 4;
pub const CAPABILITIES_POINTER: usize = 0x34;
pub const CAP_MSIX: u8 = 0x11;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bar {
    None,
    /// A memory BAR of this many bytes.
    Memory(u64),
    /// An I/O BAR: its first port and length.
    Io(u16, u16),
}

pub struct Function {
    pub bdf: u16,
    pub config: Vec<u8>,
    pub bars: [Bar; 6],
    /// Where the last capability added sits (for chaining).
    last_cap: usize,
    /// Ranges the owner may not write (the kernel's filter).
    protected: Vec<(usize, usize)>,
    pub refused_writes: usize,
}

impl Function {
    pub fn new(bdf: u16, vendor: u16, device: u16, bars: [Bar; 6]) -> Function {
        let mut config = vec![0u8; 4096];
        config[0..2].copy_from_slice(&vendor.to_le_bytes());
        config[2..4].copy_from_slice(&device.to_le_bytes());
        config[0x0b] = 0x01; // class: mass storage
        config[0x2c..0x2e].copy_from_slice(&0x1af4u16.to_le_bytes());
        Function {
            bdf,
            config,
            bars,
            last_cap: 0,
            protected: vec![(0x10, 0x28), (0x30, 0x34)],
            refused_writes: 0,
        }
    }

    /// Appends capability `bytes` (id first; its next pointer is filled in)
    /// at `at` to the list.
    pub fn add_capability(&mut self, at: usize, bytes: &[u8]) {
        self.config[at..at + bytes.len()].copy_from_slice(bytes);
        self.config[at + 1] = 0;
        if self.last_cap == 0 {
            self.config[CAPABILITIES_POINTER] = at as u8;
            let st = self.read(STATUS, 2) as u16 | STATUS_CAPABILITIES;
            self.config[STATUS..STATUS + 2].copy_from_slice(&st.to_le_bytes());
        } else {
            self.config[self.last_cap + 1] = at as u8;
        }
        if bytes.first() == Some(&CAP_MSIX) {
            self.protected.push((at, at + 12));
        }
        self.last_cap = at;
    }

    /// Points the capability at `at` somewhere else (a lying list).
    pub fn set_next(&mut self, at: usize, next: u8) {
        self.config[at + 1] = next;
    }

    pub fn has_capability(&self, id: u8) -> bool {
        let mut at = self.config[CAPABILITIES_POINTER] as usize & 0xfc;
        for _ in 0..48 {
            if at < 0x40 {
                return false;
            }
            if self.config[at] == id {
                return true;
            }
            at = self.config[at + 1] as usize & 0xfc;
        }
        false
    }

    /// A read the native already checked (`check::config`).
    pub fn read(&self, offset: usize, width: usize) -> u32 {
        let mut b = [0u8; 4];
        b[..width].copy_from_slice(&self.config[offset..offset + width]);
        u32::from_le_bytes(b)
    }

    /// A checked write through the kernel's filter: false if refused.
    pub fn write(&mut self, offset: usize, width: usize, value: u32) -> bool {
        let end = offset + width;
        if self.protected.iter().any(|&(a, b)| offset < b && a < end) {
            self.refused_writes += 1;
            return false;
        }
        let bytes = value.to_le_bytes();
        let mut merged = self.config.clone();
        merged[offset..end].copy_from_slice(&bytes[..width]);
        let old = u16::from_le_bytes([self.config[COMMAND], self.config[COMMAND + 1]]);
        let new = u16::from_le_bytes([merged[COMMAND], merged[COMMAND + 1]]);
        let owner = COMMAND_IO | COMMAND_MEMORY | COMMAND_BUS_MASTER;
        if (old ^ new) & !owner != 0 {
            self.refused_writes += 1;
            return false;
        }
        self.config[offset..end].copy_from_slice(&bytes[..width]);
        true
    }

    pub fn command(&self) -> u16 {
        self.read(COMMAND, 2) as u16
    }
}

/// An MSI-X capability with `entries` vectors, its table in `bar`.
pub fn msix_capability(entries: u16, bar: u8, table_offset: u32) -> Vec<u8> {
    let mut c = vec![CAP_MSIX, 0];
    c.extend_from_slice(&(entries - 1).to_le_bytes());
    c.extend_from_slice(&(table_offset | u32::from(bar)).to_le_bytes());
    c.extend_from_slice(&((table_offset + 0x800) | u32::from(bar)).to_le_bytes());
    c
}
