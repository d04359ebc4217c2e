//! IPC checks against the `echo` server, one per `tests=` word:
//! `pingpong`, `big` (4 KiB messages, 4097 refused, short reply buffer),
//! `dead` (calling a task that exited), `blocked` (a caller blocked on a
//! server that faults is woken), `grant` (64 KiB of shared memory),
//! `malformed` (garbage is rejected and the server keeps serving).
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

fn main(args: &str) -> i64 {
    let tests = demo::arg(args, "tests").unwrap_or("all");
    let all: [Check; 6] = [
        ("pingpong", pingpong),
        ("big", big),
        ("dead", dead),
        ("blocked", blocked),
        ("grant", grant),
        ("malformed", malformed),
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
