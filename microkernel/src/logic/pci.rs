//! PCI decisions that need no hardware: which configuration writes a
//! function's owner may make, how a BAR decodes from its sizing probe, which
//! pages of a BAR the owner may map (never the MSI-X table), and the short
//! names `lspci` prints. (INTx swizzling is `logic::prt::swizzle`.)

/// Configuration-space offsets (type 0 and type 1 headers).
pub mod reg {
    pub const VENDOR: u16 = 0x00;
    pub const COMMAND: u16 = 0x04;
    pub const STATUS: u16 = 0x06;
    pub const REVISION: u16 = 0x08;
    pub const HEADER_TYPE: u16 = 0x0e;
    pub const BAR0: u16 = 0x10;
    /// Type 1 (bridge): the secondary bus number.
    pub const SECONDARY_BUS: u16 = 0x19;
    pub const CAP_PTR: u16 = 0x34;
    /// Type 0: the expansion ROM BAR.
    pub const ROM0: u16 = 0x30;
    /// Type 1: the expansion ROM BAR.
    pub const ROM1: u16 = 0x38;
    pub const INTERRUPT_PIN: u16 = 0x3d;
    /// Where PCI Express extended capabilities start.
    pub const EXT_CAP: u16 = 0x100;
    /// Size of one function's configuration space through ECAM.
    pub const CONFIG_SIZE: u16 = 4096;
}

/// Command register bits.
pub mod command {
    pub const IO: u16 = 1 << 0;
    pub const MEMORY: u16 = 1 << 1;
    pub const BUS_MASTER: u16 = 1 << 2;
    pub const INTX_DISABLE: u16 = 1 << 10;
    /// The bits a function's owner may change.
    pub const OWNER_MAY_CHANGE: u16 = IO | MEMORY | BUS_MASTER;
}

/// Capability ids.
pub mod cap {
    pub const PM: u8 = 0x01;
    pub const AF: u8 = 0x13;
    pub const MSI: u8 = 0x05;
    pub const PCIE: u8 = 0x10;
    pub const MSIX: u8 = 0x11;
    /// Extended capability ids.
    pub const EXT_SRIOV: u16 = 0x10;
    pub const EXT_RESIZABLE_BAR: u16 = 0x15;
    pub const EXT_VF_RESIZABLE_BAR: u16 = 0x24;
}

/// MSI capability: message control bits.
pub mod msi {
    pub const ENABLE: u16 = 1 << 0;
    /// Multiple Message Enable (bits 4..7): 0 = one message.
    pub const MME_MASK: u16 = 0b111 << 4;
    pub const ADDR64: u16 = 1 << 7;
    pub const PER_VECTOR_MASK: u16 = 1 << 8;

    /// Bytes of an MSI capability with this message control value.
    pub const fn len(control: u16) -> u16 {
        match (control & ADDR64 != 0, control & PER_VECTOR_MASK != 0) {
            (false, false) => 0x0a,
            (true, false) => 0x0e,
            (false, true) => 0x14,
            (true, true) => 0x18,
        }
    }
}

/// MSI-X capability.
pub mod msix {
    pub const ENABLE: u16 = 1 << 15;
    pub const FUNCTION_MASK: u16 = 1 << 14;
    /// Bytes of the capability (header, control, table and PBA pointers).
    pub const LEN: u16 = 12;
    /// Bytes of one table entry.
    pub const ENTRY: u64 = 16;
    /// Vector control: the entry's mask bit.
    pub const ENTRY_MASKED: u32 = 1;
}

/// What the kernel knows of a function's layout that decides which writes
/// are refused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ConfigLayout {
    /// Header type without the multi-function bit (0 device, 1 PCI bridge,
    /// 2 CardBus bridge).
    pub header_type: u8,
    /// Offset and message control of the MSI capability.
    pub msi: Option<(u16, u16)>,
    /// Offset of the MSI-X capability.
    pub msix: Option<u16>,
    /// Extended capabilities that resize or add BARs (SR-IOV, Resizable BAR).
    pub bar_ext_caps: [Option<u16>; 3],
    /// Capabilities through which a function can be reset (which would
    /// clear its BARs): PCI Express (Device Control's Initiate FLR), Advanced
    /// Features (its Initiate FLR) and Power Management (a D3hot -> D0
    /// transition may reset the function).
    pub pcie: Option<u16>,
    pub af: Option<u16>,
    pub pm: Option<u16>,
}

/// Why a configuration access is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// Width not 1, 2 or 4, misaligned, or past the 4 KiB space.
    BadAccess,
    /// The write touches a BAR or the expansion ROM BAR.
    Bar,
    /// The write touches the MSI or MSI-X capability (the kernel programs them).
    MsiCapability,
    /// The write touches an extended capability that resizes or adds BARs.
    BarCapability,
    /// The write changes a command bit other than I/O, memory and bus master.
    CommandBit,
    /// The write would reset the function (FLR) or leave power state D0.
    Reset,
}

/// Checks width and alignment of a configuration access.
pub fn check_access(offset: u64, width: u64) -> Result<(u16, u8), ConfigError> {
    let ok_width = matches!(width, 1 | 2 | 4);
    if !ok_width
        || !offset.is_multiple_of(width)
        || offset.saturating_add(width) > u64::from(reg::CONFIG_SIZE)
    {
        return Err(ConfigError::BadAccess);
    }
    Ok((offset as u16, width as u8))
}

fn overlaps(offset: u16, width: u8, start: u16, end: u16) -> bool {
    offset < end && start < offset + u16::from(width)
}

/// The byte ranges `[start, end)` no owner may write.
fn refused_ranges(l: &ConfigLayout) -> [(u16, u16, ConfigError); 7] {
    let none = (0, 0, ConfigError::Bar);
    let bars = match l.header_type {
        0 => (reg::BAR0, reg::BAR0 + 24, ConfigError::Bar),
        // A bridge's BARs, bus numbers, windows and ROM BAR alike.
        _ => (reg::BAR0, reg::ROM1 + 4, ConfigError::Bar),
    };
    let rom = match l.header_type {
        0 => (reg::ROM0, reg::ROM0 + 4, ConfigError::Bar),
        _ => none,
    };
    let msi = l.msi.map_or(none, |(o, c)| {
        (o, o.saturating_add(msi::len(c)), ConfigError::MsiCapability)
    });
    let msix = l.msix.map_or(none, |o| {
        (o, o.saturating_add(msix::LEN), ConfigError::MsiCapability)
    });
    // SR-IOV (0x40 bytes) and Resizable BAR (at most 0x34) structures.
    let ext = |i: usize| {
        l.bar_ext_caps.get(i).copied().flatten().map_or(none, |o| {
            (o, o.saturating_add(0x40), ConfigError::BarCapability)
        })
    };
    [bars, rom, msi, msix, ext(0), ext(1), ext(2)]
}

/// Decides a `PciConfigWrite` of `width` bytes of `value` at `offset`,
/// given the layout and the command register's present value. `Ok` means
/// the write may go to the device as it is.
pub fn check_write(
    l: &ConfigLayout,
    offset: u64,
    width: u64,
    value: u32,
    command_now: u16,
) -> Result<(), ConfigError> {
    let (offset, width) = check_access(offset, width)?;
    for (start, end, why) in refused_ranges(l) {
        if start < end && overlaps(offset, width, start, end) {
            return Err(why);
        }
    }
    let byte_at = |at: u16| {
        (offset <= at && at < offset + u16::from(width))
            .then(|| (value >> (8 * (at - offset))) as u8)
    };
    // PCIe Device Control bit 15 (byte +9, bit 7); AF Control bit 0 (+4);
    // PMCSR PowerState bits 0..1 (+4): only D0 may be written.
    let resets = [
        l.pcie.map(|c| (c + 9, 0x80u8)),
        l.af.map(|c| (c + 4, 0x01)),
        l.pm.map(|c| (c + 4, 0x03)),
    ];
    for (at, bits) in resets.into_iter().flatten() {
        if byte_at(at).is_some_and(|b| b & bits != 0) {
            return Err(ConfigError::Reset);
        }
    }
    if overlaps(offset, width, reg::COMMAND, reg::COMMAND + 2) {
        // Merge the written bytes into the command register as it is now.
        let mut new = command_now;
        for k in 0..u16::from(width) {
            let at = offset + k;
            if at == reg::COMMAND || at == reg::COMMAND + 1 {
                let byte = (value >> (8 * k)) as u8;
                let shift = 8 * (at - reg::COMMAND);
                new = (new & !(0xff << shift)) | (u16::from(byte) << shift);
            }
        }
        if (new ^ command_now) & !command::OWNER_MAY_CHANGE != 0 {
            return Err(ConfigError::CommandBit);
        }
    }
    Ok(())
}

/// `PciBar` flags (the same bits as `ddk_abi::syscall::pci_bar`).
pub mod bar_flags {
    pub const IO: u64 = 1 << 0;
    pub const MEM64: u64 = 1 << 1;
    pub const PREFETCHABLE: u64 = 1 << 2;
}

/// One decoded BAR.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Bar {
    pub phys: u64,
    /// 0: not implemented (or the upper half of a 64-bit BAR).
    pub len: u64,
    pub flags: u64,
}

impl Bar {
    pub fn is_io(&self) -> bool {
        self.flags & bar_flags::IO != 0
    }
    pub fn is_mem64(&self) -> bool {
        self.flags & bar_flags::MEM64 != 0
    }
}

/// Decodes a BAR from its original value(s) and what it read back after
/// all ones were written (`hi`: the next register, for a 64-bit BAR).
pub fn decode_bar(orig: u32, probe: u32, hi: Option<(u32, u32)>) -> Bar {
    if orig & 1 != 0 {
        let mask = probe & 0xffff_fffc & 0xffff;
        if mask == 0 {
            return Bar::default();
        }
        let len = u64::from((!mask & 0xffff) + 1);
        return Bar {
            phys: u64::from(orig & 0xffff_fffc),
            len,
            flags: bar_flags::IO,
        };
    }
    let prefetch = if orig & 0x8 != 0 {
        bar_flags::PREFETCHABLE
    } else {
        0
    };
    let is64 = (orig >> 1) & 3 == 2;
    let (mask, phys, flags) = match (is64, hi) {
        (true, Some((orig_hi, probe_hi))) => (
            (u64::from(probe_hi) << 32) | u64::from(probe & 0xffff_fff0),
            (u64::from(orig_hi) << 32) | u64::from(orig & 0xffff_fff0),
            bar_flags::MEM64 | prefetch,
        ),
        _ => (
            0xffff_ffff_0000_0000 | u64::from(probe & 0xffff_fff0),
            u64::from(orig & 0xffff_fff0),
            prefetch,
        ),
    };
    let implemented = if flags & bar_flags::MEM64 != 0 {
        mask != 0
    } else {
        mask & 0xffff_ffff != 0
    };
    if !implemented {
        return Bar::default();
    }
    Bar {
        phys,
        len: (!mask).wrapping_add(1),
        flags,
    }
}

const PAGE: u64 = 4096;

/// The page-aligned pieces of a memory BAR its owner may map: the BAR less
/// the pages holding the MSI-X table (`table`: byte offset in the BAR and
/// byte length). A BAR smaller than a page is its whole page if `sole` —
/// nothing else decodes in that page — and nothing otherwise.
pub fn mappable_pieces(
    bar: &Bar,
    table: Option<(u64, u64)>,
    sole: bool,
) -> [Option<(u64, u64)>; 2] {
    let (phys, len) = if bar.len < PAGE {
        if !sole || bar.len == 0 {
            return [None, None];
        }
        (bar.phys & !(PAGE - 1), PAGE)
    } else {
        (bar.phys, bar.len)
    };
    let end = phys.saturating_add(len);
    let Some((off, size)) = table else {
        return [Some((phys, len)), None];
    };
    let t_start = phys.saturating_add(off) & !(PAGE - 1);
    let t_end = phys
        .saturating_add(off)
        .saturating_add(size)
        .div_ceil(PAGE)
        .saturating_mul(PAGE)
        .min(end);
    let before = (t_start > phys).then(|| (phys, t_start.min(end) - phys));
    let after = (t_end < end && t_end >= phys).then(|| (t_end, end - t_end));
    [before, after]
}

/// `BB:DD.F` of a bus/device/function address.
pub fn bdf_parts(bdf: u16) -> (u8, u8, u8) {
    ((bdf >> 8) as u8, ((bdf >> 3) & 31) as u8, (bdf & 7) as u8)
}

/// A short name for a function: well-known ids first, then the class.
pub fn short_name(vendor: u16, device: u16, class: u8, subclass: u8) -> &'static str {
    match (vendor, device) {
        (0x1af4, 0x1001 | 0x1042) => return "virtio-blk",
        (0x1af4, 0x1000 | 0x1041) => return "virtio-net",
        (0x1af4, 0x1003 | 0x1043) => return "virtio-console",
        (0x1af4, 0x1005 | 0x1044) => return "virtio-rng",
        (0x1af4, 0x1004 | 0x1048) => return "virtio-scsi",
        (0x1af4, 0x1050) => return "virtio-gpu",
        (0x1af4, 0x1052) => return "virtio-input",
        (0x8086, 0x100e) => return "e1000",
        (0x8086, 0x10d3) => return "e1000e",
        (0x1b36, 0x000c) => return "PCIe root port",
        (0x1234, 0x11e8) => return "edu",
        _ => {}
    }
    match (class, subclass) {
        (0x01, 0x01) => "IDE",
        (0x01, 0x06) => "SATA",
        (0x01, 0x08) => "NVMe",
        (0x01, _) => "storage",
        (0x02, _) => "network",
        (0x03, 0x00) => "VGA",
        (0x03, _) => "display",
        (0x04, _) => "multimedia",
        (0x06, 0x00) => "host bridge",
        (0x06, 0x01) => "ISA bridge",
        (0x06, 0x04) => "PCI bridge",
        (0x06, _) => "bridge",
        (0x0c, 0x03) => "USB",
        (0x0c, 0x05) => "SMBus",
        _ => "device",
    }
}

/// Class 06 functions (host, ISA/LPC, PCI-to-PCI bridges) are the
/// platform's: they decode the kernel's own resources, so no task gets them.
pub fn grantable_class(class: u8) -> bool {
    class != 0x06
}

#[cfg(test)]
mod tests;
