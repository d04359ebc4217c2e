//! Revoking a grant while its grantee copies it: the QEMU test
//! `grant-revoke-race` (judged in `tests/src/grantcopy.rs`).
//!
//! `mode=server`: each request `[op, grant id (4 bytes LE)]` makes it copy
//! the whole grant `passes=N` times in `GRANT_COPY_MAX` pieces — `GrantRead`
//! (op 1, every byte checked against [`FILL`]) or `GrantWrite` of [`FILL`]
//! (op 2) — and answer with the status code (0 or the `SyscallError`). A
//! revoked grant shows as `NoSuchGrant`, counted as "mid-copy" when
//! earlier pieces of that request were copied. Op 3 answers the counts;
//! op 4 reads two bytes across the grant's end and answers the status;
//! op 5 passes `GrantRead` hostile buffers, offsets and lengths on the
//! grant ([`edges`]) and answers 0 when every one was refused as it should
//! be (else the number of the first that was not).
//! `map=1` maps the grant and copies through the mapping instead (how
//! servers worked before `GrantRead`): that one faults when the owner
//! revokes mid-copy, which shows the test reaches the race.
//!
//! `mode=owner`: `rounds=N` times grants its 1 MiB region to `server=NAME`,
//! calls with a deadline of 1–3 ticks (the server is still copying when it
//! passes) and revokes the grant at once; then asks for the counts and
//! logs `grantrace: PASS` when the server answered all of it (first a
//! write to a read-only grant, `PermissionDenied`, a read past its
//! end, `BadLength`, and the hostile arguments of op 5), saw grants
//! revoked mid-copy, and never a wrong byte or another error. Every fourth
//! round revokes the grant before calling, and the answer must be
//! `NoSuchGrant`.

#![no_std]
#![no_main]

use ddk_abi::SyscallError;
use ddk_abi::syscall::GRANT_COPY_MAX;
use userlib::sys::{Error, Received};

userlib::entry!(main);

/// The owner's region, and the byte both sides keep in it.
const REGION_AT: u64 = 0x0000_2200_0000_0000;
const REGION_LEN: u64 = 1 << 20;
const FILL: u8 = 0x5a;
/// Where `map=1` maps the grant.
const MAP_AT: u64 = 0x0000_2300_0000_0000;

const OP_READ: u8 = 1;
const OP_WRITE: u8 = 2;
const OP_STATS: u8 = 3;
/// Two bytes across the grant's end: must be refused (`BadLength`).
const OP_PAST_END: u8 = 4;
/// `GrantRead` with hostile arguments on a 4 KiB read-only grant.
const OP_EDGES: u8 = 5;
/// A page of the server's, followed by one it never maps.
const EDGE_AT: u64 = 0x0000_2400_0000_0000;

fn main(args: &str) -> i64 {
    match demo::arg(args, "mode") {
        Some("server") => server(demo::arg_u64(args, "passes", 8), args.contains("map=1")),
        Some("owner") => owner(args),
        _ => {
            userlib::log!("grantrace: mode=server or mode=owner");
            2
        }
    }
}

/// The server's counts: requests copied in full, grants gone before the
/// first piece, grants revoked mid-copy, wrong bytes, other typed
/// refusals, anything else.
#[derive(Default)]
struct Counts {
    whole: u64,
    before: u64,
    mid: u64,
    wrong: u64,
    refused: u64,
    other: u64,
}

fn server(passes: u64, map: bool) -> i64 {
    let mut buf = [0u8; GRANT_COPY_MAX as usize];
    let mut msg = [0u8; 16];
    let mut c = Counts::default();
    userlib::log!("grantrace: server ready (passes {passes}, map {map})");
    loop {
        let from = match userlib::recv(&mut msg, None) {
            Ok(Received::Message { from, .. }) => from,
            _ => continue,
        };
        let [op, a, b, cc, d, ..] = msg;
        let id = u32::from_le_bytes([a, b, cc, d]);
        if op == OP_STATS {
            let mut out = [0u8; 48];
            for (i, v) in [c.whole, c.before, c.mid, c.wrong, c.refused, c.other]
                .into_iter()
                .enumerate()
            {
                if let Some(s) = out.get_mut(i * 8..i * 8 + 8) {
                    s.copy_from_slice(&v.to_le_bytes());
                }
            }
            let _ = userlib::reply(from, &out);
            continue;
        }
        if op == OP_EDGES {
            let _ = userlib::reply(from, &edges(id).to_le_bytes());
            continue;
        }
        if op == OP_PAST_END {
            let code = match userlib::grant_len(id) {
                Ok(len) => match userlib::grant_read(id, len - 1, &mut [0u8; 2]) {
                    Ok(_) => 0,
                    Err(Error::Sys(e)) => e.code(),
                    Err(_) => u32::MAX,
                },
                Err(Error::Sys(e)) => e.code(),
                Err(_) => u32::MAX,
            };
            let _ = userlib::reply(from, &code.to_le_bytes());
            continue;
        }
        let mut pieces = 0u64;
        let result = if map {
            copy_mapped(id, op, passes, &mut pieces)
        } else {
            copy(id, op, passes, &mut buf, &mut pieces)
        };
        let code = match result {
            Ok(wrong) => {
                c.whole += 1;
                c.wrong += wrong;
                0
            }
            Err(Error::Sys(SyscallError::NoSuchGrant)) => {
                if pieces > 0 {
                    c.mid += 1;
                } else {
                    c.before += 1;
                }
                SyscallError::NoSuchGrant.code()
            }
            Err(Error::Sys(e)) => {
                c.refused += 1;
                e.code()
            }
            Err(e) => {
                userlib::log!("grantrace: server: unexpected {e}");
                c.other += 1;
                u32::MAX
            }
        };
        // The owner gave up on most calls: the kernel discards the answer.
        let _ = userlib::reply(from, &code.to_le_bytes());
    }
}

/// `GrantRead` of the 4 KiB read-only grant `id` (full of [`FILL`]) with
/// bad buffers, offsets and lengths: each must be a typed refusal that
/// wrote nothing, never a fault. Returns 0, or the failing case's number.
fn edges(id: u32) -> u32 {
    if userlib::map_anon(EDGE_AT, 4096, true).is_err() {
        return 100;
    }
    // SAFETY: the page at EDGE_AT was just mapped, writable, and is ours.
    let page = unsafe { core::slice::from_raw_parts_mut(EDGE_AT as *mut u8, 4096) };
    page.fill(0xee);
    let straddle = EDGE_AT + 4096 - 8;
    let bad = SyscallError::BadPointer.code() as u64;
    let long = SyscallError::BadLength.code() as u64;
    let none = SyscallError::NoSuchGrant.code() as u64;
    let g = u64::from(id);
    // (grant, offset, buffer, length, expected status)
    let cases: [(u64, u64, u64, u64, u64); 12] = [
        (g, 0, straddle, 16, bad),
        (g, 0, 0, 16, bad),
        (g, 0, 0x0000_8000_0000_0000 - 8, 16, bad),
        (g, 0, 0xffff_8000_0000_0000, 16, bad),
        (g, 0, u64::MAX - 3, 8, bad),
        (g, u64::MAX, EDGE_AT, 1, long),
        (g, 1, EDGE_AT, u64::MAX, long),
        (g, 4097, EDGE_AT, 0, long),
        (g, 0, EDGE_AT, GRANT_COPY_MAX + 1, long),
        (g + 1000, 0, EDGE_AT, 16, none),
        // The end of the grant, nothing copied: its length.
        (g, 4096, EDGE_AT, 0, 0),
        // A good copy into the last bytes before the unmapped page.
        (g, 4088, straddle, 8, 0),
    ];
    let mut result = 0;
    for (i, (grant, offset, buf, len, want)) in cases.into_iter().enumerate() {
        let (status, ..) =
            userlib::sys::raw(ddk_abi::Syscall::GrantRead, [grant, offset, buf, len, 0, 0]);
        if status != want {
            userlib::log!(
                "grantrace: edge {i}: GrantRead({grant}, {offset:#x}, {buf:#x}, {len:#x}) gave {status}, expected {want}"
            );
            result = i as u32 + 1;
            break;
        }
        // A refusal wrote nothing; the last case wrote the grant's bytes.
        let tail = page.get(4088..).unwrap_or_default();
        let expect = if i == cases.len() - 1 { FILL } else { 0xee };
        if tail.iter().any(|&b| b != expect) {
            userlib::log!("grantrace: edge {i}: the buffer's mapped part was written: {tail:x?}");
            result = i as u32 + 1;
            break;
        }
    }
    // Its own read-only mapping of the grant is no destination.
    if result == 0 {
        result = match userlib::grant_map(id, MAP_AT) {
            Ok(_) => {
                let (status, ..) =
                    userlib::sys::raw(ddk_abi::Syscall::GrantRead, [g, 0, MAP_AT, 16, 0, 0]);
                let _ = userlib::unmap(MAP_AT, 4096);
                if status == bad { 0 } else { 50 }
            }
            Err(_) => 51,
        };
    }
    let _ = userlib::unmap(EDGE_AT, 4096);
    result
}

/// `passes` copies of the whole grant with `GrantRead`/`GrantWrite`;
/// returns the wrong bytes seen.
fn copy(id: u32, op: u8, passes: u64, buf: &mut [u8], pieces: &mut u64) -> Result<u64, Error> {
    let len = userlib::grant_len(id)?;
    let mut wrong = 0u64;
    for _ in 0..passes {
        let mut off = 0;
        while off < len {
            let n = (len - off).min(buf.len() as u64) as usize;
            let piece = buf.get_mut(..n).unwrap_or_default();
            if op == OP_WRITE {
                piece.fill(FILL);
                userlib::grant_write(id, off, piece)?;
            } else {
                userlib::grant_read(id, off, piece)?;
                wrong += piece.iter().filter(|&&x| x != FILL).count() as u64;
            }
            *pieces += 1;
            off += n as u64;
        }
    }
    Ok(wrong)
}

/// The same through a mapping of the grant: faults if it is revoked
/// meanwhile (kept to show the test reaches that race).
fn copy_mapped(id: u32, op: u8, passes: u64, pieces: &mut u64) -> Result<u64, Error> {
    let len = userlib::grant_map(id, MAP_AT)?;
    let mut wrong = 0u64;
    for _ in 0..passes {
        let mut off = 0;
        while off < len {
            let p = (MAP_AT + off) as *mut u8;
            // SAFETY: deliberately unsound if the owner revokes the grant
            // meanwhile — the hazard `GrantRead` removes; `map=1` exists
            // only to show that this test provokes it.
            unsafe {
                if op == OP_WRITE {
                    p.write_volatile(FILL);
                } else if p.read_volatile() != FILL {
                    wrong += 1;
                }
            }
            off += 64;
            if off % GRANT_COPY_MAX == 0 {
                *pieces += 1;
            }
        }
    }
    let _ = userlib::unmap(MAP_AT, len);
    Ok(wrong)
}

/// A call answered within 5 s, waiting while the server still holds an
/// abandoned call of ours (`Busy`).
fn call_waiting(server: userlib::TaskId, msg: &[u8], reply: &mut [u8]) -> Result<(), Error> {
    loop {
        match userlib::call_timeout(server, msg, reply, 5000) {
            Err(Error::Sys(SyscallError::Busy)) => userlib::sleep_ms(1),
            r => return r.map(|_| ()),
        }
    }
}

fn owner(args: &str) -> i64 {
    let rounds = demo::arg_u64(args, "rounds", 100);
    let name = demo::arg(args, "server").unwrap_or("grantrace-server");
    let server = loop {
        match userlib::lookup(name) {
            Ok(t) => break t,
            Err(_) => userlib::sleep_ms(5),
        }
    };
    if let Err(e) = userlib::map_anon(REGION_AT, REGION_LEN, true) {
        userlib::log!("grantrace: FAIL: cannot map the region: {e}");
        return 1;
    }
    // SAFETY: REGION_LEN bytes at REGION_AT were just mapped, writable,
    // and are this task's own until it exits.
    let region =
        unsafe { core::slice::from_raw_parts_mut(REGION_AT as *mut u8, REGION_LEN as usize) };
    region.fill(FILL);
    let mut reply = [0u8; 48];
    // The kernel's other refusals, answered by the server as typed errors:
    // writing a read-only grant, reading across a grant's end.
    let ro = match userlib::grant_create(server, REGION_AT, 4096, false) {
        Ok(g) => g,
        Err(e) => {
            userlib::log!("grantrace: FAIL: GrantCreate: {e}");
            return 1;
        }
    };
    for (op, want) in [
        (OP_WRITE, SyscallError::PermissionDenied.code()),
        (OP_PAST_END, SyscallError::BadLength.code()),
        (OP_EDGES, 0),
    ] {
        let [a, b, c, d] = ro.to_le_bytes();
        match call_waiting(server, &[op, a, b, c, d], &mut reply) {
            Ok(()) if reply.get(..4) == Some(&want.to_le_bytes()) => {}
            other => {
                userlib::log!(
                    "grantrace: FAIL: op {op} on a read-only 4 KiB grant: {other:?} {:?}, expected {want:?}",
                    reply.get(..4)
                );
                return 1;
            }
        }
    }
    let _ = userlib::grant_revoke(ro);
    userlib::log!(
        "grantrace: a read-only grant's write refused PermissionDenied, a read past its end BadLength, hostile buffers and lengths typed errors"
    );
    let (mut answered, mut abandoned, mut stale) = (0u64, 0u64, 0u64);
    for round in 0..rounds {
        let g = match userlib::grant_create(server, REGION_AT, REGION_LEN, true) {
            Ok(g) => g,
            Err(e) => {
                userlib::log!("grantrace: FAIL: GrantCreate: {e}");
                return 1;
            }
        };
        let op = if round % 2 == 0 { OP_READ } else { OP_WRITE };
        let [a, b, c, d] = g.to_le_bytes();
        let msg = [op, a, b, c, d];
        if round % 4 == 3 {
            // A grant revoked before the request: the server must answer
            // `NoSuchGrant`, typed, and go on.
            let _ = userlib::grant_revoke(g);
            match call_waiting(server, &msg, &mut reply) {
                Ok(())
                    if reply.get(..4) == Some(&SyscallError::NoSuchGrant.code().to_le_bytes()) =>
                {
                    stale += 1;
                }
                other => {
                    userlib::log!(
                        "grantrace: FAIL: a revoked grant was answered {other:?} {:?}",
                        reply.get(..4)
                    );
                    return 1;
                }
            }
            continue;
        }
        // The server still holds an abandoned call of ours until it
        // answers it: `Busy` until then.
        loop {
            match userlib::call_timeout(server, &msg, &mut reply, 1 + round % 3 * 10) {
                Err(Error::Sys(SyscallError::Busy)) => userlib::yield_now(),
                Err(Error::Sys(SyscallError::Timeout)) => {
                    abandoned += 1;
                    break;
                }
                Ok(_) => {
                    answered += 1;
                    break;
                }
                Err(e) => {
                    userlib::log!("grantrace: FAIL: call: {e}");
                    return 1;
                }
            }
        }
        // Possibly while the server is between two pieces of its copy.
        if let Err(e) = userlib::grant_revoke(g) {
            userlib::log!("grantrace: FAIL: GrantRevoke: {e}");
            return 1;
        }
    }
    if let Err(e) = call_waiting(server, &[OP_STATS, 0, 0, 0, 0], &mut reply) {
        userlib::log!("grantrace: FAIL: the server did not answer: {e}");
        return 1;
    }
    let stats = reply;
    let v = |i: usize| {
        let mut w = [0u8; 8];
        if let Some(s) = stats.get(i * 8..i * 8 + 8) {
            w.copy_from_slice(s);
        }
        u64::from_le_bytes(w)
    };
    let (whole, before, mid, wrong, refused, other) = (v(0), v(1), v(2), v(3), v(4), v(5));
    userlib::log!(
        "grantrace: {rounds} rounds ({answered} answered in time, {abandoned} abandoned, {stale} revoked first and answered NoSuchGrant): server copied {whole} in full, {before} revoked before, {mid} revoked mid-copy, {wrong} wrong bytes, {refused} refused otherwise (1 expected: the read-only grant), {other} other errors"
    );
    if mid > 0 && stale > 0 && wrong == 0 && refused == 1 && other == 0 {
        userlib::log!("grantrace: PASS");
    } else {
        userlib::log!("grantrace: FAIL");
    }
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    0
}
