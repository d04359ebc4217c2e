//! A slow `ipc::echo` server for the `CallTimeout` test (`ipctest
//! tests=timeout`): it answers `Ping` late and out of order, or goes away
//! after answering, or dies without answering, as each request asks.
//!
//! A `Ping`'s payload is an instruction: `[op, ms_lo, ms_hi]` (missing
//! bytes are 0), with `ms` a little-endian `u16` of milliseconds:
//!
//! | op | what the server does |
//! |---|---|
//! | 0 | answers at once |
//! | 1 | holds the answer, as servers that answer out of order do: it goes out just before the server handles its next message, or after `ms` if none comes |
//! | 2 | answers at once, then sleeps `ms` before its next receive |
//! | 3 | sleeps `ms`, then exits without answering |
//!
//! The answer is `Pong { seq, payload }` with the request's `seq` and, as
//! payload, the low byte of the `seq` of every `Ping` this incarnation has
//! received, in order — so the client sees which of its messages were
//! delivered, and whether a reply belongs to the call it made. Anything
//! else is answered `Err(Unsupported)`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ipc::echo::{Echo, EchoError, Reply, Request};
use userlib::rpc::{self, Event};
use userlib::sys::Error;
use userlib::{SyscallError, TaskId};

userlib::entry!(main);

/// Sends the answer to `seq`; a reply to a caller that gave up is
/// discarded by the kernel and still succeeds here, so any failure is
/// worth a line.
fn answer(to: TaskId, seq: u64, received: &[u8]) {
    let reply = Reply::Pong {
        seq,
        payload: received.to_vec(),
    };
    if let Err(e) = rpc::reply(to, &reply) {
        userlib::log!("laggard: reply to seq {seq} failed: {e}");
    }
}

fn main(_args: &str) -> i64 {
    let mut received: Vec<u8> = Vec::new();
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    // An answer held back (op 1): (caller, seq, ms).
    let mut held: Option<(TaskId, u64, u64)> = None;
    userlib::log!("laggard: serving");
    loop {
        let next = rpc::next::<Echo>(&mut buf, held.map(|(_, _, ms)| ms));
        // Whatever happens next, a held answer goes out first.
        if let Some((to, seq, _)) = held.take() {
            answer(to, seq, &received);
        }
        let (from, request) = match next {
            Ok(Event::Request { from, request }) => (from, request),
            Ok(Event::Notification(_)) | Err(Error::Sys(SyscallError::Timeout)) => continue,
            Err(e) => {
                userlib::log!("laggard: recv failed: {e}");
                continue;
            }
        };
        let Request::Ping { seq, payload } = request else {
            let _ = rpc::reply(from, &Reply::Err(EchoError::Unsupported));
            continue;
        };
        received.push(seq as u8);
        let byte = |i: usize| payload.get(i).copied().unwrap_or(0);
        let ms = u64::from(u16::from_le_bytes([byte(1), byte(2)]));
        match byte(0) {
            1 => held = Some((from, seq, ms)),
            3 => {
                userlib::sleep_ms(ms);
                userlib::log!("laggard: exiting without answering seq {seq}");
                userlib::exit(0);
            }
            op => {
                answer(from, seq, &received);
                if op == 2 {
                    userlib::sleep_ms(ms);
                }
            }
        }
    }
}
