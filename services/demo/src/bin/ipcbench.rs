//! The IPC benchmark. As `role=server` it answers every message at once with
//! one `ipc::echo` reply encoded before the loop; as the client it times
//! `iters=N` null syscalls (`TaskSelf`) and `call`/`reply` round trips with
//! one `ipc::echo` request, also encoded once. The payloads are protocol
//! messages like all IPC; encoding and decoding stay out of the timed loop
//! so that the kernel path alone is measured. Prints medians in TSC cycles
//! and the mean in virtual nanoseconds (instructions, under QEMU
//! `-icount shift=0`).

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
    let mut out = [0u8; 64];
    let Ok(reply) = ipc::encode(&ipc::echo::Reply::Sum(3), &mut out) else {
        return 1;
    };
    loop {
        if let Ok(userlib::sys::Received::Message { from, .. }) = userlib::recv(&mut buf, None) {
            let _ = userlib::reply(from, reply);
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
    let mut out = [0u8; 64];
    let Ok(request) = ipc::encode(&ipc::echo::Request::Add { a: 1, b: 2 }, &mut out) else {
        return 1;
    };
    // Warm up both paths (page tables, caches, the server's first recv).
    for _ in 0..100 {
        let _ = userlib::task_self();
        let _ = userlib::call(server, request, &mut back);
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
        if userlib::call(server, request, &mut back).is_err() {
            failures += 1;
        }
        rt.push(rdtsc() - t);
    }
    let v2 = userlib::uptime_us();
    // The reply the server sent is the protocol's, not just any bytes.
    let last = userlib::call(server, request, &mut back)
        .ok()
        .and_then(|n| ipc::decode::<ipc::echo::Reply>(back.get(..n)?).ok());
    if last != Some(ipc::echo::Reply::Sum(3)) {
        failures += 1;
    }
    let (n, r) = (median(null), median(rt));
    let ns_null = (v1 - v0) * 1000 / iters as u64;
    let ns_rt = (v2 - v1) * 1000 / iters as u64;
    userlib::log!(
        "ipcbench: iters={iters} null_syscall_cycles={n} round_trip_cycles={r} null_syscall_vns={ns_null} round_trip_vns={ns_rt} failures={failures}"
    );
    demo::shutdown();
    0
}
