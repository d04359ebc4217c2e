//! The rules behind `Protect` and `DmaAlloc`, on plain numbers so the host
//! can test them: which protection modes exist (never writable and
//! executable at once), what a page's new PTE bits are, which pages a task
//! may re-protect, and which DMA requests are well formed.

use ddk_abi::SyscallError;
use ddk_abi::syscall::{DMA_MAX, USER_MAX, USER_MIN, dma_cache, protect};

const PAGE: u64 = 4096;
/// PTE bit 1: writable.
pub const PTE_WRITABLE: u64 = 1 << 1;
/// PTE bit 63: no execute (with EFER.NXE, which the kernel sets at boot).
pub const PTE_NO_EXECUTE: u64 = 1 << 63;

/// A `Protect` mode. There is deliberately no variant that is both
/// writable and executable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protection {
    ReadWrite,
    ReadExec,
    ReadOnly,
}

impl Protection {
    /// Decodes a `protect::*` value; anything else (a W+X request, flag
    /// soup) is `InvalidArgument`.
    pub fn from_mode(mode: u64) -> Result<Self, SyscallError> {
        match mode {
            protect::READ_WRITE => Ok(Protection::ReadWrite),
            protect::READ_EXEC => Ok(Protection::ReadExec),
            protect::READ_ONLY => Ok(Protection::ReadOnly),
            _ => Err(SyscallError::InvalidArgument),
        }
    }

    /// The PTE bits `old` gets under this protection: only W and NX change.
    pub fn apply(self, old: u64) -> u64 {
        let base = old & !(PTE_WRITABLE | PTE_NO_EXECUTE);
        match self {
            Protection::ReadWrite => base | PTE_WRITABLE | PTE_NO_EXECUTE,
            Protection::ReadExec => base,
            Protection::ReadOnly => base | PTE_NO_EXECUTE,
        }
    }
}

/// What a present user page is, as far as `Protect` cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageKind {
    /// `MapAnon` memory: owned and charged to the quota.
    Anonymous,
    /// ELF segments and the stack: owned, set up by the loader.
    Program,
    /// Another task's frames, mapped through a grant.
    Borrowed,
    /// Device registers (`MapDevice`).
    Device,
    /// `DmaAlloc` memory: a device may be writing it.
    Dma,
}

/// Whether `Protect` may change a page of this kind to `to`.
/// `under_writable_grant`: the caller has granted this page writable to
/// another task, whose own PTE stays writable whatever the caller's says —
/// so the page must not become executable while that grant exists.
pub fn may_protect(
    kind: PageKind,
    to: Protection,
    under_writable_grant: bool,
) -> Result<(), SyscallError> {
    match kind {
        PageKind::Anonymous if to == Protection::ReadExec && under_writable_grant => {
            Err(SyscallError::PermissionDenied)
        }
        PageKind::Anonymous => Ok(()),
        PageKind::Program | PageKind::Borrowed | PageKind::Device | PageKind::Dma => {
            Err(SyscallError::PermissionDenied)
        }
    }
}

/// A well-formed `DmaAlloc` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DmaRequest {
    pub addr: u64,
    pub frames: u64,
    pub uncached: bool,
}

/// Checks `DmaAlloc`'s arguments (before any permission or memory check,
/// so a task learns what is wrong with a request whatever it holds):
/// `len` whole pages, 1..=`DMA_MAX` bytes (`BadLength`); `addr` a
/// page-aligned user range (`BadAddress`); `cache` a `dma_cache` value
/// (`InvalidArgument`).
pub fn check_dma_request(len: u64, addr: u64, cache: u64) -> Result<DmaRequest, SyscallError> {
    if len == 0 || len > DMA_MAX || !len.is_multiple_of(PAGE) {
        return Err(SyscallError::BadLength);
    }
    let end = addr.checked_add(len).ok_or(SyscallError::BadAddress)?;
    if !addr.is_multiple_of(PAGE) || addr < USER_MIN || end > USER_MAX {
        return Err(SyscallError::BadAddress);
    }
    let uncached = match cache {
        dma_cache::WRITE_BACK => false,
        dma_cache::UNCACHED => true,
        _ => return Err(SyscallError::InvalidArgument),
    };
    Ok(DmaRequest {
        addr,
        frames: len / PAGE,
        uncached,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_mode_is_writable_and_executable() {
        for mode in 0..64 {
            let Ok(p) = Protection::from_mode(mode) else {
                continue;
            };
            for old in [
                0,
                u64::MAX,
                PTE_WRITABLE,
                PTE_NO_EXECUTE,
                0x8000_0000_0000_0e67,
            ] {
                let new = p.apply(old);
                assert!(
                    new & PTE_WRITABLE == 0 || new & PTE_NO_EXECUTE != 0,
                    "mode {mode} on {old:#x} gave W+X {new:#x}"
                );
            }
        }
        assert_eq!(
            Protection::from_mode(protect::READ_WRITE | protect::READ_EXEC | 2),
            Err(SyscallError::InvalidArgument)
        );
        assert_eq!(
            Protection::from_mode(u64::MAX),
            Err(SyscallError::InvalidArgument)
        );
    }

    #[test]
    fn modes_change_only_w_and_nx() {
        let old = 0x0000_0000_1234_5000 | 0x7 | (1 << 9) | (1 << 10);
        assert_eq!(
            Protection::ReadWrite.apply(old),
            old | PTE_WRITABLE | PTE_NO_EXECUTE
        );
        assert_eq!(
            Protection::ReadExec.apply(old | PTE_NO_EXECUTE),
            old & !PTE_WRITABLE
        );
        assert_eq!(
            Protection::ReadOnly.apply(old),
            (old & !PTE_WRITABLE) | PTE_NO_EXECUTE
        );
    }

    #[test]
    fn only_anonymous_pages_change_and_not_to_rx_under_a_writable_grant() {
        use PageKind::*;
        use Protection::*;
        for to in [ReadWrite, ReadExec, ReadOnly] {
            assert_eq!(may_protect(Anonymous, to, false), Ok(()));
            for kind in [Program, Borrowed, Device, Dma] {
                assert_eq!(
                    may_protect(kind, to, false),
                    Err(SyscallError::PermissionDenied)
                );
            }
        }
        assert_eq!(
            may_protect(Anonymous, ReadExec, true),
            Err(SyscallError::PermissionDenied)
        );
        assert_eq!(may_protect(Anonymous, ReadWrite, true), Ok(()));
        assert_eq!(may_protect(Anonymous, ReadOnly, true), Ok(()));
    }

    #[test]
    fn dma_requests_are_checked_before_anything_else() {
        let ok = check_dma_request(8192, 0x4000_0000, dma_cache::UNCACHED);
        assert_eq!(
            ok,
            Ok(DmaRequest {
                addr: 0x4000_0000,
                frames: 2,
                uncached: true
            })
        );
        assert!(check_dma_request(DMA_MAX, 0x4000_0000, dma_cache::WRITE_BACK).is_ok());
        for len in [0, 1, 4095, 4097, DMA_MAX + 4096, u64::MAX] {
            assert_eq!(
                check_dma_request(len, 0x4000_0000, 0),
                Err(SyscallError::BadLength),
                "len {len:#x}"
            );
        }
        for addr in [
            0,
            0x4000_0001,
            USER_MAX - 4096,
            u64::MAX - 4095,
            0xffff_8000_0000_0000,
        ] {
            assert_eq!(
                check_dma_request(8192, addr, 0),
                Err(SyscallError::BadAddress),
                "addr {addr:#x}"
            );
        }
        assert_eq!(
            check_dma_request(4096, 0x4000_0000, 2),
            Err(SyscallError::InvalidArgument)
        );
    }
}
