//! Maps memory a megabyte at a time until the kernel says `OutOfMemory`
//! (or `limit-mb=N` is reached), touches every page, holds it for
//! `hold-ms=M`, then frees it and exits. The kernel must refuse cleanly and
//! keep serving everyone else.

#![no_std]
#![no_main]

use userlib::SyscallError;
use userlib::sys::Error;

userlib::entry!(main);

const BASE: u64 = 0x0000_4000_0000_0000;
const MB: u64 = 1 << 20;

fn main(args: &str) -> i64 {
    let limit = demo::arg_u64(args, "limit-mb", 1 << 20);
    let hold = demo::arg_u64(args, "hold-ms", 500);
    let mut mapped = 0u64;
    let outcome = loop {
        if mapped >= limit {
            break "its limit";
        }
        match userlib::map_anon(BASE + mapped * MB, MB, true) {
            Ok(()) => {
                // Touch every page so the memory is really in use.
                for page in 0..MB / 4096 {
                    // SAFETY: inside the megabyte just mapped, writable.
                    unsafe {
                        ((BASE + mapped * MB + page * 4096) as *mut u64).write_volatile(page)
                    };
                }
                mapped += 1;
            }
            Err(Error::Sys(SyscallError::OutOfMemory)) => break "OutOfMemory",
            Err(e) => {
                userlib::log!("memhog: FAIL (unexpected {e} after {mapped} MiB)");
                return 1;
            }
        }
    };
    userlib::log!("memhog: mapped {mapped} MiB, stopped by {outcome}; holding {hold} ms");
    userlib::sleep_ms(hold);
    let _ = userlib::unmap(BASE, mapped * MB);
    userlib::log!("memhog: released {mapped} MiB");
    0
}
