//! The end of the line: the panic handler and the fatal stop.
//!
//! Both write straight to the UART without its lock (the code that failed may
//! hold it), tell QEMU's `isa-debug-exit` that the kernel died, and halt.

use core::fmt::Write;

/// Writes to COM1 without locking.
pub struct FatalWriter;

impl Write for FatalWriter {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        crate::serial::write_unlocked(s);
        Ok(())
    }
}

/// Halts the machine for good (after telling QEMU, when the device is there).
pub fn stop() -> ! {
    x86_64::instructions::interrupts::disable();
    crate::qemu::exit(ddk_abi::debug_exit::KERNEL_DIED);
    loop {
        x86_64::instructions::hlt();
    }
}

/// Prints `msg` and stops: for failures before the logger exists.
pub fn halt_with(msg: core::fmt::Arguments<'_>) -> ! {
    let _ = writeln!(FatalWriter, "!!! KERNEL HALT: {msg}");
    stop()
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    let _ = writeln!(FatalWriter, "!!! KERNEL PANIC: {}", info.message());
    if let Some(loc) = info.location() {
        let _ = writeln!(
            FatalWriter,
            "    at {}:{}:{}",
            loc.file(),
            loc.line(),
            loc.column()
        );
    }
    stop()
}
