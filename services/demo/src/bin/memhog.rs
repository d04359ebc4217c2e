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

/// `mode=tables`: maps and unmaps one page in ever new 2 MiB slots, so each
/// needs a fresh page table; the kernel's per-space table quota must stop it
/// with `OutOfMemory` long before memory runs out.
fn tables() -> i64 {
    let base = 0x0000_4800_0000_0000u64;
    for i in 0..100_000u64 {
        let at = base + i * (2 << 20);
        match userlib::map_anon(at, 4096, true) {
            Ok(()) => {
                let _ = userlib::unmap(at, 4096);
            }
            Err(Error::Sys(SyscallError::OutOfMemory)) => {
                userlib::log!("memhog tables: stopped by OutOfMemory after {i} slots");
                return 0;
            }
            Err(e) => {
                userlib::log!("memhog tables: FAIL (unexpected {e} after {i} slots)");
                return 1;
            }
        }
    }
    userlib::log!("memhog tables: FAIL (100000 slots mapped without a limit)");
    1
}

/// `mode=big`: one `MapAnon` of `big-mb` MiB and one `Unmap` of it — the
/// longest single calls a task can make, for the interrupt-off figures.
fn big(args: &str) -> i64 {
    let mb = demo::arg_u64(args, "big-mb", 16);
    let t0 = userlib::uptime_us();
    let mapped = userlib::map_anon(BASE, mb * MB, true);
    let t1 = userlib::uptime_us();
    let unmapped = userlib::unmap(BASE, mb * MB);
    let t2 = userlib::uptime_us();
    userlib::log!(
        "memhog big: MapAnon of {mb} MiB: {mapped:?} in {} us; Unmap: {unmapped:?} in {} us",
        t1 - t0,
        t2 - t1
    );
    0
}

fn main(args: &str) -> i64 {
    if demo::arg(args, "mode") == Some("tables") {
        return tables();
    }
    if demo::arg(args, "mode") == Some("big") {
        return big(args);
    }
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
