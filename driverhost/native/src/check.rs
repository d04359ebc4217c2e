//! The argument checks of the InternalCall bodies: what the C# side
//! passed is validated again before a syscall or a device access, so a
//! bug in the DDK's own checks is a refusal (a `DeviceException`), not a
//! stray access. Pure functions, shared by the driver host and the fake.

use alloc::vec::Vec;

/// Configuration-space size of a PCI Express function.
pub const CONFIG_SPACE: i32 = 4096;
pub const PAGE: u64 = 4096;

/// A configuration access: width 1, 2 or 4, naturally aligned, inside the
/// 4 KiB space. Returns `(offset, width)` in the syscall's types.
pub fn config(offset: i32, width: i32) -> Option<(u16, u8)> {
    let ok = matches!(width, 1 | 2 | 4)
        && offset >= 0
        && offset <= CONFIG_SPACE - width
        && offset % width == 0;
    ok.then_some((offset as u16, width as u8))
}

/// The whole pages a DMA buffer of `len` bytes takes; `None` for a
/// non-positive length.
pub fn dma_bytes(len: i32) -> Option<u64> {
    (len > 0).then(|| (len as u64).div_ceil(PAGE) * PAGE)
}

/// The page-aligned span `(base, bytes)` that covers `len` bytes at `phys`.
pub fn page_span(phys: u64, len: u64) -> Option<(u64, u64)> {
    let end = phys.checked_add(len)?.checked_next_multiple_of(PAGE)?;
    let base = phys & !(PAGE - 1);
    Some((base, end - base))
}

/// A BAR number (0..=5).
pub fn bar(bar: i32) -> Option<u8> {
    (0..=5).contains(&bar).then_some(bar as u8)
}

/// A bdf as the C# side holds it (`bus << 8 | slot << 3 | function`).
pub fn bdf(bdf: i32) -> Option<u16> {
    u16::try_from(bdf).ok()
}

/// One opened I/O BAR: ports `first .. first + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortWindow {
    pub bdf: u16,
    pub bar: u8,
    pub first: u16,
    pub len: u16,
}

/// The I/O BARs this process opened (`IoBar`): port accesses are allowed
/// inside them only, whatever else the process may hold.
#[derive(Clone, Debug, Default)]
pub struct PortWindows {
    list: Vec<PortWindow>,
}

/// Why an I/O BAR cannot become a port window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PortError {
    /// Length 0, or the range leaves the 64 Ki port space.
    BadRange,
}

impl PortWindows {
    pub const fn new() -> PortWindows {
        PortWindows { list: Vec::new() }
    }

    /// The window already opened for `bdf`'s BAR `bar`.
    pub fn find(&self, bdf: u16, bar: u8) -> Option<PortWindow> {
        self.list
            .iter()
            .copied()
            .find(|w| w.bdf == bdf && w.bar == bar)
    }

    /// Records BAR `bar` of `bdf` at ports `first .. first + len`.
    pub fn open(
        &mut self,
        bdf: u16,
        bar: u8,
        first: u64,
        len: u64,
    ) -> Result<PortWindow, PortError> {
        if let Some(w) = self.find(bdf, bar) {
            return Ok(w);
        }
        let end = first.checked_add(len).ok_or(PortError::BadRange)?;
        if len == 0 || end > 0x1_0000 {
            return Err(PortError::BadRange);
        }
        let w = PortWindow {
            bdf,
            bar,
            first: first as u16,
            len: len as u16,
        };
        self.list.push(w);
        Ok(w)
    }

    /// An access of `width` (1, 2 or 4) bytes at `port`, naturally aligned
    /// and wholly inside one opened window: the port as a `u16`.
    pub fn check(&self, port: i32, width: i32) -> Option<u16> {
        if !matches!(width, 1 | 2 | 4) || port < 0 || port % width != 0 {
            return None;
        }
        let inside = self.list.iter().any(|w| {
            let first = i32::from(w.first);
            port >= first && port + width <= first + i32::from(w.len)
        });
        inside.then_some(port as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_accesses_are_aligned_and_inside_the_space() {
        assert_eq!(config(0x34, 1), Some((0x34, 1)));
        assert_eq!(config(0xffc, 4), Some((0xffc, 4)));
        assert_eq!(config(0xffe, 4), None);
        assert_eq!(config(0x1000, 1), None);
        assert_eq!(config(-1, 1), None);
        assert_eq!(config(0x35, 2), None);
        assert_eq!(config(0x34, 3), None);
        assert_eq!(config(0x34, 8), None);
    }

    #[test]
    fn dma_lengths_round_to_pages() {
        assert_eq!(dma_bytes(1), Some(4096));
        assert_eq!(dma_bytes(4096), Some(4096));
        assert_eq!(dma_bytes(4097), Some(8192));
        assert_eq!(dma_bytes(0), None);
        assert_eq!(dma_bytes(-5), None);
    }

    #[test]
    fn page_spans_cover_the_range() {
        assert_eq!(page_span(0xfebd_1000, 0x1000), Some((0xfebd_1000, 0x1000)));
        assert_eq!(page_span(0xfebd_1800, 0x100), Some((0xfebd_1000, 0x1000)));
        assert_eq!(page_span(0xfff, 2), Some((0, 0x2000)));
        assert_eq!(page_span(u64::MAX - 1, 8), None);
    }

    #[test]
    fn port_accesses_stay_inside_an_opened_window() {
        let mut w = PortWindows::new();
        assert_eq!(w.check(0xc000, 1), None, "nothing opened");
        assert!(w.open(8, 0, 0xc000, 0x40).is_ok());
        assert_eq!(
            w.open(8, 0, 0xd000, 0x40).map(|w| w.first),
            Ok(0xc000),
            "once per BAR"
        );
        assert_eq!(w.check(0xc000, 4), Some(0xc000));
        assert_eq!(w.check(0xc03c, 4), Some(0xc03c));
        assert_eq!(w.check(0xc03e, 4), None, "crosses the end");
        assert_eq!(w.check(0xc040, 1), None);
        assert_eq!(w.check(0xbfff, 1), None);
        assert_eq!(w.check(0xc001, 2), None, "unaligned");
        assert_eq!(w.check(0xc000, 8), None);
        assert_eq!(w.open(8, 1, 0xfff0, 0x20), Err(PortError::BadRange));
        assert_eq!(w.open(8, 2, 0x100, 0), Err(PortError::BadRange));
    }
}
