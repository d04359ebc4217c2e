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

/// A payload that makes an `ipc::echo` ping (or pong) exactly the largest
/// message, or as close below as the encoding allows.
fn big_ping(out: &mut [u8]) -> Option<usize> {
    (3900..=ipc::MESSAGE_MAX).rev().find_map(|n| {
        let req = ipc::echo::Request::Ping {
            seq: 7,
            payload: alloc::vec![0xa5; n],
        };
        ipc::encode(&req, out).ok().map(<[u8]>::len)
    })
}

/// A receive buffer on a page of its own: a 4 KiB buffer that straddles a
/// page boundary costs the kernel a second page check on every receive.
#[repr(C, align(4096))]
struct PageBuf([u8; ipc::MESSAGE_MAX]);

/// Answers each message with a reply encoded before the loop (a `Sum` for a
/// short request, a same-sized `Pong` for a big one), the reply folded into
/// the next receive (`ReplyRecv`) as every server does.
fn serve() -> i64 {
    let mut buf = PageBuf([0; ipc::MESSAGE_MAX]);
    let mut short = [0u8; 64];
    let mut big = [0u8; ipc::MESSAGE_MAX];
    let Ok(short) = ipc::encode(&ipc::echo::Reply::Sum(3), &mut short) else {
        return 1;
    };
    let big_len = (3900..=ipc::MESSAGE_MAX).rev().find_map(|n| {
        let reply = ipc::echo::Reply::Pong {
            seq: 7,
            payload: alloc::vec![0xa5; n],
        };
        ipc::encode(&reply, &mut big).ok().map(<[u8]>::len)
    });
    let big = big.get(..big_len.unwrap_or(0)).unwrap_or(&[]);
    let mut got = userlib::recv(&mut buf.0, None).ok();
    loop {
        got = match got {
            Some(userlib::sys::Received::Message { from, len }) => {
                let reply = if len > 64 { big } else { short };
                userlib::reply_recv(from, reply, &mut buf.0, None).ok()
            }
            _ => userlib::recv(&mut buf.0, None).ok(),
        };
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
    // The instruction counts come from plain loops: the same calls without
    // the timed loops' RDTSC pairs and pushes (about 25 instructions per
    // iteration, which the figures before ReplyRecv included).
    let p0 = userlib::uptime_us();
    for _ in 0..iters {
        let _ = userlib::task_self();
    }
    let p1 = userlib::uptime_us();
    for _ in 0..iters {
        if userlib::call(server, request, &mut back).is_err() {
            failures += 1;
        }
    }
    let p2 = userlib::uptime_us();
    // The reply the server sent is the protocol's, not just any bytes.
    let last = userlib::call(server, request, &mut back)
        .ok()
        .and_then(|n| ipc::decode::<ipc::echo::Reply>(back.get(..n)?).ok());
    if last != Some(ipc::echo::Reply::Sum(3)) {
        failures += 1;
    }
    // The same with the largest message both ways.
    let mut big_out = alloc::vec![0u8; ipc::MESSAGE_MAX];
    let mut big_back = alloc::vec![0u8; ipc::MESSAGE_MAX];
    let big_len = big_ping(&mut big_out).unwrap_or(0);
    let big_req = big_out.get(..big_len).unwrap_or(&[]);
    let big_iters = iters / 4;
    for _ in 0..10 {
        let _ = userlib::call(server, big_req, &mut big_back);
    }
    let mut brt = Vec::with_capacity(big_iters);
    for _ in 0..big_iters {
        let t = rdtsc();
        if userlib::call(server, big_req, &mut big_back).is_err() {
            failures += 1;
        }
        brt.push(rdtsc() - t);
    }
    let v4 = userlib::uptime_us();
    for _ in 0..big_iters {
        if userlib::call(server, big_req, &mut big_back).is_err() {
            failures += 1;
        }
    }
    let v5 = userlib::uptime_us();
    let big_reply = userlib::call(server, big_req, &mut big_back)
        .ok()
        .and_then(|n| ipc::decode::<ipc::echo::Reply>(big_back.get(..n)?).ok());
    if !matches!(big_reply, Some(ipc::echo::Reply::Pong { seq: 7, ref payload }) if payload.iter().all(|&b| b == 0xa5) && payload.len() + 64 > big_len)
    {
        failures += 1;
    }
    let (n, r, b) = (median(null), median(rt), median(brt));
    let per = |a: u64, b: u64, n: usize| (b - a) * 1000 / n.max(1) as u64;
    let (ns_null_timed, ns_rt_timed) = (per(v0, v1, iters), per(v1, v2, iters));
    let (ns_null, ns_rt) = (per(p0, p1, iters), per(p1, p2, iters));
    let ns_big = per(v4, v5, big_iters);
    userlib::log!(
        "ipcbench: iters={iters} null_syscall_cycles={n} round_trip_cycles={r} big_round_trip_cycles={b} null_syscall_vns={ns_null} round_trip_vns={ns_rt} big_round_trip_vns={ns_big} null_syscall_timed_vns={ns_null_timed} round_trip_timed_vns={ns_rt_timed} big_len={big_len} short_len={} failures={failures}",
        request.len()
    );
    demo::shutdown();
    0
}
