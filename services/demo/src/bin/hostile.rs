//! A hostile process: thousands of syscalls with random numbers and
//! arguments — kernel addresses, unmapped and non-canonical pointers,
//! misaligned addresses, huge lengths, random task and grant ids. The kernel
//! must answer every one with a result or an error and keep serving others.
//!
//! Limits, so the program measures the kernel rather than killing itself:
//! it never calls `Exit`, never unmaps its own code, stack or heap (map and
//! unmap go to a scratch window or to hostile addresses), and keeps sleep
//! and receive timeouts to a few milliseconds.

#![no_std]
#![no_main]

use ddk_abi::Syscall;
use demo::Rng;

userlib::entry!(main);

const SCRATCH: u64 = 0x0000_5000_0000_0000;

fn main(args: &str) -> i64 {
    let count = demo::arg_u64(args, "count", 20_000);
    // `progress=K`: a log line every K calls (the long soak run shows it).
    let progress = demo::arg_u64(args, "progress", 0);
    let mut rng = Rng(demo::arg_u64(args, "seed", 0x5eed_1234_abcd_0001) | 1);
    let mut buf = [0u8; 256];
    let valid = buf.as_mut_ptr() as u64;
    let pointers = [
        0,
        1,
        0x300,
        0xfff,
        valid,
        valid + 1,
        valid + 255,
        SCRATCH,
        SCRATCH + 3,
        0x0000_4000_0000_0000,
        0x0000_7fff_ffff_f000,
        0x0000_8000_0000_0000,
        0xffff_8000_0000_0000,
        0xffff_ffff_8020_0000,
        0xffff_c000_0000_0000,
        u64::MAX - 7,
        u64::MAX,
    ];
    let lengths = [
        0,
        1,
        7,
        255,
        256,
        4095,
        4096,
        4097,
        65536,
        1 << 32,
        u64::MAX / 2,
        u64::MAX,
    ];
    let numbers: [u32; 47] = [
        1,
        2,
        3,
        4,
        5,
        6,
        9,
        10,
        11,
        12,
        13,
        19,
        20,
        21,
        22,
        23,
        24,
        25,
        26,
        30,
        31,
        32,
        33,
        34,
        35,
        36,
        37,
        40,
        50,
        51,
        52,
        53,
        54,
        55,
        56,
        57,
        58,
        59,
        61,
        62,
        63,
        64,
        65,
        66,
        99,
        0x100,
        0xffff_ffff,
    ];
    // A range of 2^44 bytes over almost nothing mapped: the kernel must skip
    // the empty tables rather than walk billions of pages.
    let t_unmap = userlib::uptime_us();
    let huge = userlib::unmap(SCRATCH, 0x7fff_fe00_0000 - SCRATCH);
    userlib::log!(
        "hostile: unmap of {} GiB returned {huge:?} in {} us",
        (0x7fff_fe00_0000 - SCRATCH) >> 30,
        userlib::uptime_us() - t_unmap
    );
    let mut counts = [0u64; 24];
    let mut ok = 0u64;
    let t0 = userlib::uptime_us();
    for i in 0..count {
        if progress != 0 && i != 0 && i % progress == 0 {
            userlib::log!(
                "hostile: progress {i}/{count} syscalls, {ok} succeeded, {} ms",
                (userlib::uptime_us() - t0) / 1000
            );
        }
        let n = rng.pick(&numbers).unwrap_or(2);
        let mut a = [0u64; 6];
        for x in a.iter_mut() {
            *x = match rng.next() % 4 {
                0 => rng.pick(&pointers).unwrap_or(0),
                1 => rng.pick(&lengths).unwrap_or(0),
                2 => rng.next(),
                _ => rng.next() % 70_000,
            };
        }
        match Syscall::try_from(n) {
            Ok(Syscall::Sleep) => a[0] %= 3,
            Ok(Syscall::Recv) => a[2] %= 3,
            // Grant ids are small: mostly ones that may exist (another
            // task's grants, never given to this one: `NoSuchGrant`).
            Ok(Syscall::GrantRead | Syscall::GrantWrite) => {
                if rng.next() % 2 == 0 {
                    a[0] %= 64;
                }
            }
            Ok(Syscall::ReplyRecv | Syscall::CallTimeout) => a[5] %= 3,
            // Protect could make the heap or stack unusable, and DmaAlloc
            // (once a task may) land on them: they stay in the scratch
            // window too; Protect's mode is mostly a valid one.
            Ok(Syscall::DmaAlloc) => {
                a[1] = SCRATCH + 0x10_0000 + (rng.next() % 16) * 4096;
                a[0] %= 1 << 23;
                a[2] %= 3;
            }
            Ok(Syscall::MapAnon | Syscall::Unmap | Syscall::Protect) => {
                if n == Syscall::Protect as u32 {
                    a[2] %= 4;
                }
                a[0] = if rng.next() % 2 == 0 {
                    SCRATCH + (rng.next() % 16) * 4096
                } else {
                    rng.pick(&pointers[8..]).unwrap_or(0)
                };
                // A quarter of MapAnon calls keep their drawn length, huge
                // ones included: the kernel's per-call bound must refuse
                // them (BadLength) before any work.
                if n != Syscall::MapAnon as u32 || rng.next() % 4 != 0 {
                    a[1] %= 1 << 20;
                }
            }
            _ => {}
        }
        let status = match Syscall::try_from(n) {
            Ok(s) => userlib::sys::raw(s, a).0,
            Err(_) => userlib::sys::raw_number(u64::from(n), a).0,
        };
        if status == 0 {
            ok += 1;
        } else if let Some(c) = counts.get_mut(status.min(23) as usize) {
            *c += 1;
        }
    }
    let _ = userlib::unmap(SCRATCH, 16 * 4096);
    userlib::log!(
        "hostile: {count} syscalls in {} ms: {ok} succeeded; errors by code {:?}; kernel still answering",
        (userlib::uptime_us() - t0) / 1000,
        counts
    );
    0
}
