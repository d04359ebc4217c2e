//! W^X code memory for the JIT in ring 3: the `jit::codemem::CodeMemory`
//! implementation over `MapAnon` + `Protect`.
//!
//! Each installation takes fresh pages from a region reserved for code,
//! maps them read-write (what `MapAnon` gives: NX), copies the code, and
//! flips them to read-execute with `Protect`. A page is never writable and
//! executable at once, and code pages are never written again: lazy
//! compilation patches indirection cells (heap data), not code. Pages are
//! never freed; compiled code lives as long as the process.

use core::sync::atomic::{AtomicU64, Ordering};
use ddk_abi::syscall::protect;
use jit::codemem::{CodeMemory, CodeMemoryError};

const PAGE: u64 = 4096;
/// The code region: 1 TiB of address space, away from the heap
/// (`0x1000_0000_0000`) and the stack.
const CODE_BASE: u64 = 0x0000_2000_0000_0000;
const CODE_LIMIT: u64 = CODE_BASE + (1 << 40);

/// Next free code address, shared by every runtime of the process.
static NEXT: AtomicU64 = AtomicU64::new(CODE_BASE);
/// Code pages made executable so far.
static PAGES: AtomicU64 = AtomicU64::new(0);

/// The start of the code region: the first installation's page.
pub fn first_code() -> u64 {
    CODE_BASE
}

/// Code pages installed so far (all runtimes).
pub fn pages() -> u64 {
    PAGES.load(Ordering::Relaxed)
}

/// `MapAnon` → copy → `Protect(READ_EXEC)`.
#[derive(Default)]
pub struct ProtectCodeMemory;

impl CodeMemory for ProtectCodeMemory {
    fn install(&mut self, code: &[u8]) -> Result<*const u8, CodeMemoryError> {
        let len = (code.len().max(1) as u64).div_ceil(PAGE) * PAGE;
        let addr = NEXT.fetch_add(len, Ordering::Relaxed);
        if addr + len > CODE_LIMIT {
            return Err(CodeMemoryError::OutOfMemory);
        }
        userlib::map_anon(addr, len, true).map_err(|_| CodeMemoryError::OutOfMemory)?;
        // SAFETY: [addr, addr + len) was just mapped read-write for this
        // process and nothing else refers to it; len >= code.len().
        unsafe { core::ptr::copy_nonoverlapping(code.as_ptr(), addr as *mut u8, code.len()) };
        if userlib::protect(addr, len, protect::READ_EXEC).is_err() {
            let _ = userlib::unmap(addr, len);
            return Err(CodeMemoryError::Protect);
        }
        PAGES.fetch_add(len / PAGE, Ordering::Relaxed);
        Ok(addr as *const u8)
    }
}
