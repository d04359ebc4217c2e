//! The IPC benchmark. As `role=server` it answers every message at once with
//! an empty reply (no decoding: the kernel path alone is measured). As the
//! client it times `iters=N` null syscalls (`TaskSelf`) and `call`/`reply`
//! round trips to the server, and prints medians in TSC cycles and the mean
//! in virtual nanoseconds (instructions, under QEMU `-icount shift=0`).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;

userlib::entry!(main);

fn rdtsc() -> u64 {
    // SAFETY: RDTSC is allowed in ring 3 (CR4.TSD clear) and has no effects.
    unsafe { core::arch::x86_64::_rdtsc() }
}

fn median(mut v: Vec<u64>) -> u64 {
    v.sort_unstable();
    v.get(v.len() / 2).copied().unwrap_or(0)
}

fn serve() -> i64 {
    let mut buf = [0u8; 64];
    loop {
        if let Ok(userlib::sys::Received::Message { from, .. }) = userlib::recv(&mut buf, None) {
            let _ = userlib::reply(from, &[]);
        }
    }
}

fn main(args: &str) -> i64 {
    if demo::arg(args, "role") == Some("server") {
        return serve();
    }
    let iters = demo::arg_u64(args, "iters", 2000) as usize;
    let server = loop {
        match userlib::lookup("benchsrv") {
            Ok(id) => break id,
            Err(_) => userlib::sleep_ms(5),
        }
    };
    let mut back = [0u8; 64];
    // Warm up both paths (page tables, caches, the server's first recv).
    for _ in 0..100 {
        let _ = userlib::task_self();
        let _ = userlib::call(server, b"x", &mut back);
    }
    let mut null = Vec::with_capacity(iters);
    let v0 = userlib::uptime_us();
    for _ in 0..iters {
        let t = rdtsc();
        let _ = userlib::task_self();
        null.push(rdtsc() - t);
    }
    let v1 = userlib::uptime_us();
    let mut rt = Vec::with_capacity(iters);
    let mut failures = 0;
    for _ in 0..iters {
        let t = rdtsc();
        if userlib::call(server, b"x", &mut back).is_err() {
            failures += 1;
        }
        rt.push(rdtsc() - t);
    }
    let v2 = userlib::uptime_us();
    let (n, r) = (median(null), median(rt));
    let ns_null = (v1 - v0) * 1000 / iters as u64;
    let ns_rt = (v2 - v1) * 1000 / iters as u64;
    userlib::log!(
        "ipcbench: iters={iters} null_syscall_cycles={n} round_trip_cycles={r} null_syscall_vns={ns_null} round_trip_vns={ns_rt} failures={failures}"
    );
    demo::shutdown();
    0
}
