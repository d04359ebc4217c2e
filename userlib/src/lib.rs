//! The runtime every Cordon user program links: `_start`, a heap, the
//! syscall wrappers, and a panic handler that logs and exits.
//!
//! A program is a `#![no_std] #![no_main]` binary that names its entry with
//! [`entry!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//! userlib::entry!(main);
//! fn main(args: &str) -> i64 { userlib::log!("hello {args}"); 0 }
//! ```

#![no_std]

extern crate alloc;

pub mod fs;
mod heap;
pub mod port;
pub mod rpc;
pub mod sys;

pub use ddk_abi::{SyscallError, TaskId};
pub use sys::*;

use core::fmt::Write;

// `ipc` cannot see `ddk-abi`; this is where both are visible.
const _: () = assert!(ipc::MESSAGE_MAX == ddk_abi::syscall::MESSAGE_MAX);

/// Defines the program's entry: `fn(&str) -> i64`, called with the argument
/// string the spawner gave; its return value is the exit code.
#[macro_export]
macro_rules! entry {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn cordon_main(args: &str) -> i64 {
            $main(args)
        }
    };
}

unsafe extern "Rust" {
    fn cordon_main(args: &str) -> i64;
}

core::arch::global_asm!(
    r#"
    .section .text._start, "ax"
    .global _start
_start:
    /* RDI/RSI: the argument string (set by the kernel). Align the stack as
       the ABI expects at a call, with a zero return address to end traces. */
    and $-16, %rsp
    xor %ebp, %ebp
    call userlib_start
    ud2
    "#,
    options(att_syntax)
);

#[unsafe(no_mangle)]
extern "C" fn userlib_start(args_ptr: *const u8, args_len: usize) -> ! {
    // SAFETY: the kernel placed `args_len` bytes at `args_ptr` on our stack.
    let bytes = unsafe { core::slice::from_raw_parts(args_ptr, args_len) };
    let args = core::str::from_utf8(bytes).unwrap_or("");
    // SAFETY: `cordon_main` is defined by the program through `entry!`.
    let code = unsafe { cordon_main(args) };
    exit(code)
}

/// A fixed buffer for formatting log lines without the heap.
pub struct LineBuf {
    buf: [u8; ddk_abi::syscall::LOG_MAX],
    len: usize,
}

impl LineBuf {
    pub const fn new() -> Self {
        LineBuf {
            buf: [0; ddk_abi::syscall::LOG_MAX],
            len: 0,
        }
    }

    pub fn as_str(&self) -> &str {
        let b = self.buf.get(..self.len).unwrap_or(&[]);
        match core::str::from_utf8(b) {
            Ok(s) => s,
            // A cut in the middle of a UTF-8 sequence: keep the valid prefix.
            Err(e) => core::str::from_utf8(b.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or(""),
        }
    }
}

impl Default for LineBuf {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for LineBuf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            match self.buf.get_mut(self.len) {
                Some(slot) => {
                    *slot = b;
                    self.len += 1;
                }
                None => return Err(core::fmt::Error),
            }
        }
        Ok(())
    }
}

/// Formats and sends one line to the kernel log (cut at 512 bytes).
#[macro_export]
macro_rules! log {
    ($($arg:tt)*) => {{
        let mut line = $crate::LineBuf::new();
        let _ = core::fmt::Write::write_fmt(&mut line, format_args!($($arg)*));
        $crate::sys::log(line.as_str());
    }};
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let mut line = LineBuf::new();
    let _ = write!(line, "panic: {}", info.message());
    if let Some(l) = info.location() {
        let _ = write!(line, " at {}:{}", l.file(), l.line());
    }
    sys::log(line.as_str());
    exit(101)
}
