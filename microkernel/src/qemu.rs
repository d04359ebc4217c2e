//! QEMU's `isa-debug-exit` device (iobase 0xf4): how tests end a boot.
//!
//! Writing `v` makes QEMU exit with status `(v << 1) | 1`. Without the device
//! the write goes nowhere, so this is safe to call on any machine.

use x86_64::instructions::port::Port;

pub fn exit(code: u8) {
    // QEMU stops at the write: everything queued for the serial line first.
    crate::serial::flush();
    // SAFETY: port 0xf4 is the debug-exit device or unclaimed; a write has no
    // other effect.
    unsafe { Port::<u8>::new(ddk_abi::debug_exit::PORT).write(code) }
}
