//! An `echo` client that keeps calling and notices nothing it should not.
//!
//! Args: `target=NAME` (the echo service), `count=N` calls, `payload=BYTES`,
//! `pause-ms=M` between calls, `report=K` (log progress every K calls),
//! `shutdown=1` (ask the supervisor to power off when done), `after=NAME`
//! (start only once task NAME — or each of NAME,NAME,... — has exited),
//! `shutdown-after=NAMES` (before powering off, wait for those to exit).
//! A `Dead` error means the server died: the client looks the service up
//! again until its restarted incarnation answers, then repeats the request
//! (pings are idempotent). Every reply is checked against the request.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use demo::find;
use ipc::echo::{Echo, Reply, Request};
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;

userlib::entry!(main);

fn main(args: &str) -> i64 {
    let target = demo::arg(args, "target").unwrap_or("echo");
    let count = demo::arg_u64(args, "count", 100);
    let size = demo::arg_u64(args, "payload", 16) as usize;
    let pause = demo::arg_u64(args, "pause-ms", 0);
    let report = demo::arg_u64(args, "report", 0);
    let me = userlib::task_self();
    if let Some(others) = demo::arg(args, "after") {
        // Start only once they have come and gone.
        demo::wait_exited(others);
        userlib::log!("{others} has exited; starting");
    }
    let mut server = find(target);
    let (mut ok, mut reconnects, mut bad) = (0u64, 0u64, 0u64);
    let mut worst_us = 0u64;
    for seq in 0..count {
        let payload: Vec<u8> = (0..size)
            .map(|i| (seq as usize).wrapping_add(i) as u8)
            .collect();
        loop {
            let t0 = userlib::uptime_us();
            let result = rpc::call::<Echo>(
                server,
                &Request::Ping {
                    seq,
                    payload: payload.clone(),
                },
            );
            worst_us = worst_us.max(userlib::uptime_us() - t0);
            match result {
                Ok(Reply::Pong { seq: s, payload: p }) if s == seq && p == payload => ok += 1,
                Ok(other) => {
                    bad += 1;
                    userlib::log!("call {seq}: wrong reply {other:?}");
                }
                Err(RpcError::Sys(Error::Dead { now })) => {
                    reconnects += 1;
                    userlib::log!(
                        "call {seq}: {target} died (now generation {}); reconnecting",
                        now.generation()
                    );
                    server = find(target);
                    userlib::log!(
                        "reconnected to {target} as {}.{}",
                        server.index(),
                        server.generation()
                    );
                    continue;
                }
                Err(e) => {
                    bad += 1;
                    userlib::log!("call {seq}: {e}");
                }
            }
            break;
        }
        if report > 0 && (seq + 1) % report == 0 {
            userlib::log!("{} calls to {target} ok so far", seq + 1);
        }
        if pause > 0 {
            userlib::sleep_ms(pause);
        }
    }
    userlib::log!(
        "client {}.{} done: {ok}/{count} calls to {target} verified, {reconnects} reconnects, {bad} errors, slowest call {worst_us} us",
        me.index(),
        me.generation()
    );
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        if let Some(others) = demo::arg(args, "shutdown-after") {
            demo::wait_exited(others);
        }
        demo::shutdown();
    }
    if bad == 0 && ok == count { 0 } else { 1 }
}
