//! IPC checks against the `echo` server, one per `tests=` word:
//! `pingpong`, `big` (4 KiB messages, 4097 refused, short reply buffer),
//! `dead` (calling a task that exited), `blocked` (a caller blocked on a
//! server that faults is woken), `grant` (64 KiB of shared memory),
//! `malformed` (garbage is rejected and the server keeps serving),
//! `timeout` (`CallTimeout` against the `laggard` server).
//! Each prints `ipctest NAME: PASS (...)` or `FAIL (...)`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;
use ipc::IpcError;
use ipc::echo::{Echo, EchoError, Reply, Request};
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;
use userlib::{SyscallError, TaskId};

userlib::entry!(main);

type Outcome = Result<String, String>;
type Check = (&'static str, fn() -> Outcome);

fn find(name: &str) -> Result<TaskId, String> {
    for _ in 0..200 {
        if let Ok(id) = userlib::lookup(name) {
            return Ok(id);
        }
        userlib::sleep_ms(10);
    }
    Err(alloc::format!("service {name} never came up"))
}

fn pingpong() -> Outcome {
    let echo = find("echo")?;
    let t0 = userlib::uptime_us();
    for seq in 0..200u64 {
        // Payloads of 0..80 bytes: messages on both sides of the kernel's
        // 64-byte short copy, each size several times.
        let payload: Vec<u8> = (0..(seq % 80) as u8).map(|b| b ^ seq as u8).collect();
        match rpc::call::<Echo>(
            echo,
            &Request::Ping {
                seq,
                payload: payload.clone(),
            },
        ) {
            Ok(Reply::Pong { seq: s, payload: p }) if s == seq && p == payload => {}
            other => return Err(alloc::format!("call {seq}: {other:?}")),
        }
    }
    match rpc::call::<Echo>(echo, &Request::Add { a: 40, b: 2 }) {
        Ok(Reply::Sum(42)) => {}
        other => return Err(alloc::format!("Add: {other:?}")),
    }
    Ok(alloc::format!(
        "200 round trips verified in {} us",
        userlib::uptime_us() - t0
    ))
}

/// A Ping whose encoding is exactly `size` bytes (the payload length's
/// varint makes the overhead depend on the payload, so search upwards).
fn ping_of_size(size: usize) -> Result<(Request, Vec<u8>), String> {
    for n in (size.saturating_sub(32)..size).rev() {
        let req = Request::Ping {
            seq: 7,
            payload: alloc::vec![0xa5; n],
        };
        if let Ok(bytes) = ipc::encode_vec(&req)
            && bytes.len() == size
        {
            return Ok((req, bytes));
        }
    }
    Err(alloc::format!("cannot make a {size}-byte ping"))
}

fn big() -> Outcome {
    let echo = find("echo")?;
    let (req, bytes) = ping_of_size(ddk_abi::syscall::MESSAGE_MAX)?;
    let sent_len = match &req {
        Request::Ping { payload, .. } => payload.len(),
        _ => 0,
    };
    let mut back = alloc::vec![0u8; ddk_abi::syscall::MESSAGE_MAX];
    let n = userlib::call(echo, &bytes, &mut back)
        .map_err(|e| alloc::format!("4096-byte call: {e}"))?;
    match ipc::decode::<Reply>(back.get(..n).unwrap_or(&[])) {
        Ok(Reply::Pong { seq: 7, payload })
            if payload.len() == sent_len && payload.iter().all(|&b| b == 0xa5) => {}
        other => return Err(alloc::format!("4096-byte reply: {other:?}")),
    }
    let mut too_big = bytes.clone();
    too_big.push(0);
    match userlib::call(echo, &too_big, &mut back) {
        Err(Error::Sys(SyscallError::MessageTooLarge)) => {}
        other => {
            return Err(alloc::format!(
                "4097-byte call gave {other:?}, not MessageTooLarge"
            ));
        }
    }
    let mut small = [0u8; 100];
    match userlib::call(echo, &bytes, &mut small) {
        Err(Error::Sys(SyscallError::ReplyTooLarge)) => {}
        other => {
            return Err(alloc::format!(
                "4096-byte reply into 100 bytes gave {other:?}, not ReplyTooLarge"
            ));
        }
    }
    // The server is still fine after refusing.
    match rpc::call::<Echo>(echo, &Request::Add { a: 1, b: 1 }) {
        Ok(Reply::Sum(2)) => Ok(String::from(
            "4096-byte message and reply copied; 4097 refused; short reply buffer refused",
        )),
        other => Err(alloc::format!("after refusals: {other:?}")),
    }
}

fn dead() -> Outcome {
    let sleeper = find("sleeper")?;
    userlib::sleep_ms(500);
    let mut back = [0u8; 64];
    let ping = ipc::encode_vec(&Request::Ping {
        seq: 1,
        payload: Vec::new(),
    })
    .map_err(|e| alloc::format!("encode: {e}"))?;
    match userlib::call(sleeper, &ping, &mut back) {
        Err(Error::Dead { now })
            if now.index() == sleeper.index()
                && now.generation() == sleeper.generation().wrapping_add(1) =>
        {
            Ok(alloc::format!(
                "call to {}.{} returned Dead, now generation {}",
                sleeper.index(),
                sleeper.generation(),
                now.generation()
            ))
        }
        other => Err(alloc::format!("call to exited task gave {other:?}")),
    }
}

fn blocked() -> Outcome {
    let victim = find("echo-crash")?;
    let t0 = userlib::uptime_us();
    match rpc::call::<Echo>(victim, &Request::Crash) {
        Err(RpcError::Sys(Error::Dead { now }))
            if now.generation() == victim.generation().wrapping_add(1) =>
        {
            Ok(alloc::format!(
                "caller blocked on {}.{} woken with Dead (now generation {}) after {} us",
                victim.index(),
                victim.generation(),
                now.generation(),
                userlib::uptime_us() - t0
            ))
        }
        other => Err(alloc::format!(
            "call to a server that faults gave {other:?}"
        )),
    }
}

const BUF_AT: u64 = 0x0000_3000_0000_0000;
const GRANT_LEN: u64 = 64 * 1024;

fn grant() -> Outcome {
    let echo = find("echo")?;
    userlib::map_anon(BUF_AT, GRANT_LEN, true).map_err(|e| alloc::format!("map: {e}"))?;
    // SAFETY: the 64 KiB just mapped, writable, owned by this program alone.
    let buf = unsafe { core::slice::from_raw_parts_mut(BUF_AT as *mut u8, GRANT_LEN as usize) };
    for (i, b) in buf.iter_mut().enumerate() {
        *b = (i * 7 + i / 256) as u8;
    }
    let expected: u64 = buf.iter().map(|&b| u64::from(b)).sum();
    let id = userlib::grant_create(echo, BUF_AT, GRANT_LEN, true)
        .map_err(|e| alloc::format!("grant: {e}"))?;
    match rpc::call::<Echo>(
        echo,
        &Request::SumGrant {
            grant: id,
            len: GRANT_LEN as u32,
        },
    ) {
        Ok(Reply::Sum(s)) if s == expected => {}
        other => {
            return Err(alloc::format!(
                "SumGrant: {other:?}, expected Sum({expected})"
            ));
        }
    }
    if let Some(i) = buf
        .iter()
        .enumerate()
        .position(|(i, &b)| b != !((i * 7 + i / 256) as u8))
    {
        return Err(alloc::format!("server's write not visible at byte {i}"));
    }
    userlib::grant_revoke(id).map_err(|e| alloc::format!("revoke: {e}"))?;
    match rpc::call::<Echo>(
        echo,
        &Request::SumGrant {
            grant: id,
            len: GRANT_LEN as u32,
        },
    ) {
        Ok(Reply::Err(EchoError::Grant(code))) if code == SyscallError::NoSuchGrant.code() => {}
        other => return Err(alloc::format!("revoked grant still usable: {other:?}")),
    }
    let _ = userlib::unmap(BUF_AT, GRANT_LEN);
    Ok(alloc::format!(
        "server summed {expected} over 64 KiB and its writes came back; revoked grant refused"
    ))
}

fn malformed() -> Outcome {
    let echo = find("echo")?;
    let mut back = [0u8; 256];
    let garbage = [0x02u8, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let n = userlib::call(echo, &garbage, &mut back)
        .map_err(|e| alloc::format!("garbage call: {e}"))?;
    match ipc::decode::<Reply>(back.get(..n).unwrap_or(&[])) {
        Err(IpcError::Rejected(_)) => {}
        other => return Err(alloc::format!("garbage got {other:?}, not a rejection")),
    }
    match rpc::call::<Echo>(echo, &Request::Add { a: 2, b: 3 }) {
        Ok(Reply::Sum(5)) => Ok(String::from(
            "garbage request rejected with a typed error; server kept serving",
        )),
        other => Err(alloc::format!("after garbage: {other:?}")),
    }
}

/// A `laggard` instruction (see that program): `op` and milliseconds.
fn order(seq: u64, op: u8, ms: u16) -> Request {
    let [lo, hi] = ms.to_le_bytes();
    Request::Ping {
        seq,
        payload: alloc::vec![op, lo, hi],
    }
}

const AT_ONCE: u8 = 0;
const HOLD: u8 = 1;
const AWAY: u8 = 2;
const LATE_EXIT: u8 = 3;

/// A timed call that must be answered: its reply must carry `seq` and the
/// laggard's list of received seqs must be `seen`.
fn answered(laggard: TaskId, seq: u64, timed: bool, seen: &[u8]) -> Result<(), String> {
    let req = order(seq, AT_ONCE, 0);
    let got = if timed {
        rpc::call_timeout::<Echo>(laggard, &req, 2000)
    } else {
        rpc::call::<Echo>(laggard, &req)
    };
    match got {
        Ok(Reply::Pong { seq: s, payload }) if s == seq && payload == seen => Ok(()),
        other => Err(alloc::format!(
            "call seq {seq} (timed: {timed}) gave {other:?}, expected Pong seq {seq} after {seen:?}"
        )),
    }
}

fn is_sys(r: &Result<Reply, RpcError>, e: SyscallError) -> bool {
    matches!(r, Err(RpcError::Sys(Error::Sys(x))) if *x == e)
}

/// `CallTimeout` against `laggard`: a timed call answered in time; one
/// timed out while queued (never delivered); a 0 ms one refused at once;
/// one timed out after delivery, whose late reply the kernel discards
/// while calls to that server are refused with `Busy`; the next call gets
/// its own reply; a server that dies holding an abandoned call is
/// replaced and its new generation answers; plain `call` works throughout.
fn timeout() -> Outcome {
    let lag = find("laggard")?;
    answered(lag, 1, false, &[1])?;
    answered(lag, 2, true, &[1, 2])?;

    // Queued: the laggard sleeps 1.5 s before its next receive. (The
    // bounds below only need to tell a deadline from the server's return:
    // a loaded host delays the 10 ms tick that notices a deadline.)
    match rpc::call_timeout::<Echo>(lag, &order(3, AWAY, 1500), 2000) {
        Ok(Reply::Pong { seq: 3, .. }) => {}
        other => return Err(alloc::format!("AWAY order: {other:?}")),
    }
    let t0 = userlib::uptime_us();
    let r = rpc::call_timeout::<Echo>(lag, &order(4, AT_ONCE, 0), 0);
    let zero_us = userlib::uptime_us() - t0;
    if !is_sys(&r, SyscallError::Timeout) || zero_us > 500_000 {
        return Err(alloc::format!(
            "0 ms call to a server not in recv gave {r:?} after {zero_us} us"
        ));
    }
    let t0 = userlib::uptime_us();
    let r = rpc::call_timeout::<Echo>(lag, &order(4, AT_ONCE, 0), 100);
    let queued_us = userlib::uptime_us() - t0;
    if !is_sys(&r, SyscallError::Timeout) || !(100_000..1_400_000).contains(&queued_us) {
        return Err(alloc::format!(
            "100 ms call to a sleeping server gave {r:?} after {queued_us} us"
        ));
    }
    // Seq 4 (twice) left the queue unseen: the laggard never got it.
    userlib::sleep_ms(1600);
    answered(lag, 5, true, &[1, 2, 3, 5])?;

    // Delivered, then abandoned: the laggard holds the answer to seq 6 and
    // sends it just before handling its next message (or after 1.5 s) —
    // were a call of ours that message, it would get seq 6's answer.
    let t0 = userlib::uptime_us();
    let r = rpc::call_timeout::<Echo>(lag, &order(6, HOLD, 1500), 100);
    let late_us = userlib::uptime_us() - t0;
    if !is_sys(&r, SyscallError::Timeout) || !(100_000..1_400_000).contains(&late_us) {
        return Err(alloc::format!(
            "100 ms call to a late server gave {r:?} after {late_us} us"
        ));
    }
    // While it holds seq 6, every call to it is refused at once.
    for (timed, r) in [
        (
            true,
            rpc::call_timeout::<Echo>(lag, &order(7, AT_ONCE, 0), 2000),
        ),
        (false, rpc::call::<Echo>(lag, &order(7, AT_ONCE, 0))),
    ] {
        if !is_sys(&r, SyscallError::Busy) {
            return Err(alloc::format!(
                "call (timed: {timed}) to a server holding an abandoned call gave {r:?}, not Busy"
            ));
        }
    }
    // Once its late reply went (and was dropped), seq 8 gets its own reply.
    let mut busy = 0;
    loop {
        match rpc::call_timeout::<Echo>(lag, &order(8, AT_ONCE, 0), 2000) {
            Err(RpcError::Sys(Error::Sys(SyscallError::Busy))) if busy < 300 => {
                busy += 1;
                userlib::sleep_ms(10);
            }
            Ok(Reply::Pong { seq: 8, payload }) if payload == [1, 2, 3, 5, 6, 8] => break,
            other => {
                return Err(alloc::format!(
                    "after the late reply, seq 8 gave {other:?} (stale reply delivered?)"
                ));
            }
        }
    }

    // Abandoned with a server that then dies: its next generation answers.
    let r = rpc::call_timeout::<Echo>(lag, &order(9, LATE_EXIT, 1000), 100);
    if !is_sys(&r, SyscallError::Timeout) {
        return Err(alloc::format!("seq 9 to a dying server gave {r:?}"));
    }
    let mut waits = 0;
    let next = loop {
        match rpc::call_timeout::<Echo>(lag, &order(10, AT_ONCE, 0), 2000) {
            Err(RpcError::Sys(Error::Sys(SyscallError::Busy))) if waits < 300 => {
                waits += 1;
                userlib::sleep_ms(10);
            }
            Err(RpcError::Sys(Error::Dead { now })) => break now,
            other => return Err(alloc::format!("seq 10 to a dying server gave {other:?}")),
        }
    };
    let restarted = find_generation("laggard", next)?;
    answered(restarted, 10, true, &[10])?;
    answered(restarted, 11, false, &[10, 11])?;
    Ok(alloc::format!(
        "queued call timed out after {queued_us} us unseen, 0 ms refused in {zero_us} us; \
         delivered call timed out after {late_us} us, {busy} calls refused Busy until the late reply was dropped; \
         generation {} answers after its predecessor died holding one",
        restarted.generation()
    ))
}

/// Waits until the service `name` runs as `id` (restarted by the supervisor).
fn find_generation(name: &str, id: TaskId) -> Result<TaskId, String> {
    for _ in 0..300 {
        if let Ok(now) = userlib::lookup(name)
            && now == id
        {
            return Ok(now);
        }
        userlib::sleep_ms(10);
    }
    Err(alloc::format!(
        "{name} never came back as {}.{}",
        id.index(),
        id.generation()
    ))
}

fn main(args: &str) -> i64 {
    let tests = demo::arg(args, "tests").unwrap_or("all");
    let all: [Check; 7] = [
        ("pingpong", pingpong),
        ("big", big),
        ("dead", dead),
        ("blocked", blocked),
        ("grant", grant),
        ("malformed", malformed),
        ("timeout", timeout),
    ];
    let (mut passed, mut failed) = (0, 0);
    for (name, f) in all {
        if tests != "all" && !tests.split(',').any(|t| t == name) {
            continue;
        }
        let mut line = String::new();
        match f() {
            Ok(detail) => {
                passed += 1;
                let _ = write!(line, "ipctest {name}: PASS ({detail})");
            }
            Err(why) => {
                failed += 1;
                let _ = write!(line, "ipctest {name}: FAIL ({why})");
            }
        }
        userlib::log!("{line}");
    }
    userlib::log!("ipctest: {passed} passed, {failed} failed");
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    if failed == 0 { 0 } else { 1 }
}
