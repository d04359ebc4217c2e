//! The serial console this task owns (`grant=console`): raw bytes both
//! ways. Output turns `\n` into `\r\n`, since a terminal in raw mode (QEMU's
//! `-serial stdio`) does not return the carriage by itself.

use alloc::vec::Vec;

/// Most bytes handed to one `ConsoleWrite`.
const WRITE_CHUNK: usize = 512;

/// Writes `bytes`, `\n` as `\r\n`. A refused write is logged once per
/// call; there is nowhere else to say it.
pub fn write(bytes: &[u8]) {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 8 + 1);
    for &b in bytes {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    for chunk in out.chunks(WRITE_CHUNK) {
        if let Err(e) = userlib::sys::console_write(chunk) {
            userlib::log!("shell: console write refused: {e}");
            return;
        }
    }
}

/// Appends every byte the console holds now to `into` (never blocks).
pub fn read_all(into: &mut Vec<u8>) {
    let mut buf = [0u8; 256];
    loop {
        match userlib::sys::console_read(&mut buf) {
            Ok(0) => return,
            Ok(n) => into.extend_from_slice(buf.get(..n).unwrap_or(&[])),
            Err(e) => {
                userlib::log!("shell: console read refused: {e}");
                return;
            }
        }
    }
}
