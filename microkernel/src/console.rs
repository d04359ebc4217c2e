//! The boot console: a few operator commands on COM1 for the time before any
//! ring-3 shell exists (and for when none is configured). While a task holds
//! the console grant (`task::console`) no input reaches it; it answers
//! again once the holder is gone. Input comes from
//! the operator's terminal, one bounded line at a time; a line longer than the
//! buffer is refused, never truncated into another command.

use crate::apic::SERIAL_RX;
use core::fmt::Write;
use x86_64::instructions::interrupts;

const LINE_MAX: usize = 128;

fn say(args: core::fmt::Arguments<'_>) {
    crate::serial::with(|u| {
        let _ = u.write_fmt(args);
    });
}

fn prompt() {
    say(format_args!("cordon> "));
}

fn execute(line: &str) {
    let mut words = line.split_ascii_whitespace();
    match words.next() {
        None => {}
        Some("help") => say(format_args!(
            "commands:\n  help      this list\n  uptime    time since boot and timer ticks\n  mem       free frames, heap use and memory reservations\n  lspci     PCI functions and their owners\n  syscalls  the longest interrupt-off window of each syscall\n  shutdown  power off through ACPI (\\_S5)\n"
        )),
        Some("uptime") => {
            let us = crate::time::uptime_us();
            say(format_args!(
                "up {}.{:03} s, {} ticks\n",
                us / 1_000_000,
                (us / 1000) % 1000,
                crate::apic::ticks()
            ));
        }
        Some("mem") => {
            let (used, size) = crate::mem::heap::stats();
            let (reserved, pool) = crate::task::quota::usage();
            say(format_args!(
                "free frames: {} MiB; heap: {} KiB used of {} KiB; tasks' reservations: {} of {} MiB\n",
                crate::mem::frame::free_bytes() >> 20,
                used / 1024,
                size / 1024,
                reserved >> 20,
                pool >> 20
            ));
        }
        Some("syscalls") => {
            say(format_args!(
                "longest interrupt-off window per syscall (since boot):\n"
            ));
            for (s, us) in crate::syscall::timing::worst_us() {
                say(format_args!("  {:<16} {us} us\n", alloc::format!("{s:?}")));
            }
        }
        Some("lspci") => crate::pci::lspci(say),
        Some("shutdown") => {
            let err = crate::acpi::shutdown();
            say(format_args!("shutdown failed: {err:?}\n"));
        }
        Some(other) => say(format_args!("unknown command `{other}` (try `help`)\n")),
    }
}

/// Serves the console forever, sleeping in `hlt` between keystrokes. It is
/// the idle context: interrupts are on only inside `hlt`, so a task switch
/// can never catch it holding the UART lock.
pub fn run() -> ! {
    say(format_args!("boot console: type `help`\n"));
    prompt();
    let mut buf = [0u8; LINE_MAX];
    let mut len = 0usize;
    let mut overflow = false;
    let mut tenures = crate::task::console::tenures();
    loop {
        interrupts::disable();
        let byte = SERIAL_RX.get().and_then(|q| q.pop());
        let Some(b) = byte else {
            interrupts::enable_and_hlt();
            continue;
        };
        // A task held the console since this line began: what was typed
        // before is stale, and the operator needs a fresh prompt.
        let now = crate::task::console::tenures();
        if now != tenures {
            tenures = now;
            len = 0;
            overflow = false;
            prompt();
        }
        match b {
            b'\r' | b'\n' => {
                say(format_args!("\n"));
                if overflow {
                    say(format_args!("line longer than {LINE_MAX} bytes refused\n"));
                } else {
                    let line = core::str::from_utf8(buf.get(..len).unwrap_or(&[])).unwrap_or("");
                    execute(line.trim());
                }
                len = 0;
                overflow = false;
                prompt();
            }
            0x08 | 0x7f => {
                if len > 0 {
                    len -= 1;
                    say(format_args!("\x08 \x08"));
                }
            }
            b if b.is_ascii_graphic() || b == b' ' => match buf.get_mut(len) {
                Some(slot) => {
                    *slot = b;
                    len += 1;
                    say(format_args!("{}", b as char));
                }
                None => overflow = true,
            },
            _ => {}
        }
    }
}
