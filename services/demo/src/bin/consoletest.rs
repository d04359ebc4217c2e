//! The console grant's test program (`console-grant` QEMU test).
//!
//! With `grant=console` it owns the serial console: it announces itself,
//! then reads what the operator types (`ConsoleRead`, woken by notification
//! `CONSOLE`), line by line, and answers each line `echo: LINE` with
//! `ConsoleWrite`. The line `quit` makes it exit (the kernel console takes
//! the input back); `off` asks the supervisor to power off; `pause` stops
//! reading for 2 s, then reads everything that was kept and says how much
//! (what was typed meanwhile is thrown away, whole lines or not).
//!
//! With `probe=1` it holds no grant and checks that both calls are refused
//! with `PermissionDenied`.
//!
//! Before it says it is ready, the holder passes both calls hostile
//! arguments ([`edges`]): buffers straddling an unmapped page, null,
//! non-canonical, kernel and wrapping addresses, oversized lengths. Each
//! must come back as a typed error (or a harmless success), and the
//! holder keeps running.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ddk_abi::Syscall;
use ddk_abi::syscall::{CONSOLE_WRITE_MAX, notify};
use userlib::sys::{Error, Received};
use userlib::{SyscallError, TaskId};

userlib::entry!(main);

fn probe() -> i64 {
    let mut buf = [0u8; 16];
    let read = userlib::console_read(&mut buf);
    let write = userlib::console_write(b"should not appear\r\n");
    let denied = Err(Error::Sys(SyscallError::PermissionDenied));
    if read == denied && write.err() == denied.err() {
        userlib::log!("consoletest: ungranted read and write refused: PermissionDenied");
        0
    } else {
        userlib::log!("consoletest: FAIL ungranted read gave {read:?}, write gave {write:?}");
        1
    }
}

/// A page of the holder's, followed by one it never maps.
const EDGE_AT: u64 = 0x0000_2400_0000_0000;

/// The holder's bad arguments: every one a typed refusal (or, for a
/// length the kernel clamps, a read of nothing), never a fault. `None`
/// when all answered as expected, else what went wrong.
fn edges() -> Option<alloc::string::String> {
    if let Err(e) = userlib::map_anon(EDGE_AT, 4096, true) {
        return Some(alloc::format!("map_anon: {e}"));
    }
    let straddle = EDGE_AT + 4096 - 8;
    let non_canonical = 0x0000_8000_0000_0000 - 8;
    let kernel = 0xffff_8000_0000_0000;
    let bad = SyscallError::BadPointer.code() as u64;
    let long = SyscallError::BadLength.code() as u64;
    let cases: [(Syscall, u64, u64, u64); 13] = [
        (Syscall::ConsoleRead, straddle, 64, bad),
        (Syscall::ConsoleRead, 0, 16, bad),
        (Syscall::ConsoleRead, 0, 0, 0),
        (Syscall::ConsoleRead, non_canonical, 16, bad),
        (Syscall::ConsoleRead, kernel, 16, bad),
        (Syscall::ConsoleRead, u64::MAX - 3, 8, bad),
        // Clamped to the ring's size, which fits in the page.
        (Syscall::ConsoleRead, EDGE_AT, u64::MAX, 0),
        (
            Syscall::ConsoleWrite,
            EDGE_AT,
            CONSOLE_WRITE_MAX as u64 + 1,
            long,
        ),
        (Syscall::ConsoleWrite, EDGE_AT, u64::MAX, long),
        (Syscall::ConsoleWrite, straddle, 16, bad),
        (Syscall::ConsoleWrite, non_canonical, 16, bad),
        (Syscall::ConsoleWrite, kernel, 16, bad),
        (Syscall::ConsoleWrite, u64::MAX - 3, 8, bad),
    ];
    for (n, addr, len, want) in cases {
        let (status, got, ..) = userlib::sys::raw(n, [addr, len, 0, 0, 0, 0]);
        // A success here moved nothing: nothing was typed, nothing valid
        // was offered to write.
        if status != want || (status == 0 && got != 0) {
            return Some(alloc::format!(
                "{n:?}({addr:#x}, {len:#x}) gave status {status} ({got}), expected {want}"
            ));
        }
    }
    let _ = userlib::unmap(EDGE_AT, 4096);
    None
}

/// How long `pause` stops reading.
const PAUSE_MS: u64 = 2000;

/// Answers one typed line; `false` once the line asked to stop.
fn answer(line: &[u8]) -> Result<bool, Error> {
    let text = core::str::from_utf8(line).unwrap_or("?").trim();
    match text {
        "quit" => {
            userlib::console_write(b"bye\r\n")?;
            Ok(false)
        }
        "pause" => {
            // Stops reading while the operator floods the console: the
            // kernel keeps 1 KiB of it and drops (and counts) the rest.
            userlib::console_write(b"pausing\r\n")?;
            userlib::sleep_ms(PAUSE_MS);
            let mut total = 0;
            let mut buf = [0u8; 256];
            loop {
                match userlib::console_read(&mut buf)? {
                    0 => break,
                    n => total += n,
                }
            }
            let report = alloc::format!("read {total} bytes after the pause\r\n");
            userlib::console_write(report.as_bytes())?;
            Ok(true)
        }
        "off" => {
            userlib::console_write(b"powering off\r\n")?;
            demo::shutdown();
            Ok(false)
        }
        _ => {
            let mut out = Vec::with_capacity(text.len() + 10);
            out.extend_from_slice(b"echo: ");
            out.extend_from_slice(text.as_bytes());
            out.extend_from_slice(b"\r\n");
            userlib::console_write(&out)?;
            Ok(true)
        }
    }
}

fn main(args: &str) -> i64 {
    if demo::arg_u64(args, "probe", 0) == 1 {
        return probe();
    }
    let me: TaskId = userlib::task_self();
    if let Some(e) = edges() {
        userlib::log!("consoletest: FAIL hostile arguments: {e}");
        return 1;
    }
    userlib::log!("consoletest: hostile arguments refused with typed errors");
    // Nothing typed yet: a read returns at once with nothing.
    let mut buf = [0u8; 64];
    match userlib::console_read(&mut buf) {
        Ok(0) => {}
        other => {
            userlib::log!("consoletest: FAIL first read gave {other:?}, not Ok(0)");
            return 1;
        }
    }
    userlib::log!(
        "consoletest: ready (generation {}); type a line",
        me.generation()
    );
    let mut line: Vec<u8> = Vec::new();
    let mut msg = [0u8; 64];
    loop {
        match userlib::recv(&mut msg, None) {
            Ok(Received::Notification(bits)) if bits & notify::CONSOLE != 0 => {}
            Ok(other) => {
                userlib::log!("consoletest: ignoring {other:?}");
                continue;
            }
            Err(e) => {
                userlib::log!("consoletest: recv failed: {e}");
                continue;
            }
        }
        loop {
            let n = match userlib::console_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) => {
                    userlib::log!("consoletest: FAIL read: {e}");
                    return 1;
                }
            };
            for &b in buf.get(..n).unwrap_or(&[]) {
                if b != b'\r' && b != b'\n' {
                    line.push(b);
                    continue;
                }
                if line.is_empty() {
                    continue;
                }
                match answer(&line) {
                    Ok(true) => line.clear(),
                    Ok(false) => return 0,
                    Err(e) => {
                        userlib::log!("consoletest: FAIL write: {e}");
                        return 1;
                    }
                }
            }
        }
    }
}
