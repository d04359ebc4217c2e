//! The client of the driver host's fault-injection tests
//! (`driverhost-inject-*`, docs/driverhost.md "Fault injections"): block
//! I/O straight to the driver host (`ipc::blkdev`, through
//! `demo::resubmit`) while the injected fault happens, with requests in
//! flight.
//!
//! `mode=io` (default): `rounds=R` batches of 32 operations of 4 KiB each:
//! 16 reads of the harness's old pattern at LBAs `0..`, checked, and 16
//! writes of the new pattern at [`WRITE_BASE`]`..`; then a flush and a read
//! back of everything written. When a batch's call answers `Dead` (the
//! driver host died with it in flight) the client waits for the next
//! generation, attaches its window again and resubmits the whole batch —
//! block I/O at an LBA is idempotent (the block service does this for real
//! clients; here the test client stands in for it). `expect-restarts=N`:
//! fail unless at least N deaths were seen mid-batch. With `watch=NAME`,
//! each finished batch is reported to the watcher task NAME (an echo
//! `Ping`).
//!
//! `mode=watch`: a stand-in for the block service's watchdog, for the
//! `hang` injection: serves the client's `Ping`s; when none arrives for
//! `stall-ms` after the first, asks the supervisor to restart the
//! driver host generation that served the last batch (`RestartTask`;
//! `allow=control:driverhost`) — once.
//!
//! `mode=bench`: reads until the driver host has died `restarts=N` times
//! (`cargo xtask bench restart`).
//!
//! `mode=restarts`: waits until the supervisor has restarted the driver
//! host `count=N` times (the `always-fault` crash loop), logs the
//! services' states and the fault records.
//!
//! `expect-id=ID bdf=HEX` (mode io): after connecting to each generation,
//! ask it for the disk's identity (`ipc::driverhost` `DeviceId`, the C#
//! driver's virtio-blk GET_ID) and require ID.
//!
//! Common args: `driver=NAME` (default `driverhost`), `shutdown=1`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use demo::disk::{SEED_NEW, SEED_OLD};
use demo::resubmit::Resubmitting;
use ipc::blkdev::Op;
use userlib::rpc;
use userlib::sys::Error;

userlib::entry!(main);

/// Where the writes go (the harness checks `WRITE_BASE..` for
/// `rounds * 16 * 8` sectors of the new pattern, the rest old).
const WRITE_BASE: u64 = 8192;
const OP_SECTORS: u64 = 8;
const HALF: u64 = 16;

const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
const WINDOW: u64 = 2 * HALF * OP_SECTORS * 512;

type R<T> = Result<T, String>;

fn window() -> &'static mut [u8] {
    // SAFETY: WINDOW bytes at WINDOW_AT are mapped by `main` and used by
    // this single-threaded program only through this slice.
    unsafe { core::slice::from_raw_parts_mut(WINDOW_AT as *mut u8, WINDOW as usize) }
}

fn op(read: bool, lba: u64, i: u64) -> Op {
    let (len, offset) = ((OP_SECTORS * 512) as u32, i * OP_SECTORS * 512);
    if read {
        Op::Read { lba, len, offset }
    } else {
        Op::Write { lba, len, offset }
    }
}

/// Checks `sectors` sectors at window offset `off` against `seed` from `lba`.
fn check(off: u64, lba: u64, sectors: u64, seed: u64) -> R<()> {
    let bytes = window()
        .get(off as usize..(off + sectors * 512) as usize)
        .ok_or_else(|| format!("sectors {lba}+{sectors} lie outside the window"))?;
    demo::disk::check(bytes, lba, seed)
}

fn io(c: &mut Resubmitting, rounds: u64) -> R<String> {
    c.connect(None).map_err(|e| format!("{e}"))?;
    let mut ops_done = 0u64;
    for r in 0..rounds {
        // Writes in the first half of the window, reads in the second.
        let mut ops = Vec::new();
        for i in 0..HALF {
            let lba = WRITE_BASE + (r * HALF + i) * OP_SECTORS;
            let at = (i * OP_SECTORS * 512) as usize;
            demo::disk::fill(
                &mut window()[at..at + (OP_SECTORS * 512) as usize],
                lba,
                SEED_NEW,
            );
            ops.push(op(false, lba, i));
        }
        for i in 0..HALF {
            ops.push(op(true, (r * HALF + i) * OP_SECTORS, HALF + i));
        }
        c.run(&format!("batch {r}"), &ops)
            .map_err(|e| format!("{e}"))?;
        for i in 0..HALF {
            check(
                (HALF + i) * OP_SECTORS * 512,
                (r * HALF + i) * OP_SECTORS,
                OP_SECTORS,
                SEED_OLD,
            )?;
        }
        ops_done += ops.len() as u64;
    }
    c.run("the flush", &[Op::Flush])
        .map_err(|e| format!("{e}"))?;
    // Read back what was written, a window's worth at a time.
    for r in 0..rounds {
        let ops: Vec<Op> = (0..HALF)
            .map(|i| op(true, WRITE_BASE + (r * HALF + i) * OP_SECTORS, i))
            .collect();
        c.run(&format!("read-back {r}"), &ops)
            .map_err(|e| format!("{e}"))?;
        for i in 0..HALF {
            let lba = WRITE_BASE + (r * HALF + i) * OP_SECTORS;
            check(i * OP_SECTORS * 512, lba, OP_SECTORS, SEED_NEW)?;
        }
        ops_done += ops.len() as u64;
    }
    Ok(format!(
        "{rounds} batches of 32 and their read-back, {} operations, every read checked; {} deaths of {} ridden out, NotReady {} times",
        ops_done + 1,
        c.restarts,
        c.name,
        c.not_ready
    ))
}

/// `mode=bench`: checked 4 KiB reads in batches of 16 until the driver
/// host has died `restarts=N` times (it has an injection in every
/// generation) — `cargo xtask bench restart` reads the timestamps.
fn bench(c: &mut Resubmitting, restarts: u32) -> R<String> {
    c.connect(None).map_err(|e| format!("{e}"))?;
    let mut batches = 0u64;
    let t0 = userlib::uptime_us();
    while c.restarts < restarts {
        let r = batches % 64;
        let ops: Vec<Op> = (0..HALF)
            .map(|i| op(true, (r * HALF + i) * OP_SECTORS, i))
            .collect();
        c.run(&format!("bench batch {batches}"), &ops)
            .map_err(|e| format!("{e}"))?;
        for i in 0..HALF {
            check(
                i * OP_SECTORS * 512,
                (r * HALF + i) * OP_SECTORS,
                OP_SECTORS,
                SEED_OLD,
            )?;
        }
        batches += 1;
    }
    Ok(format!(
        "bench: {batches} batches over {} restarts of {} in {} ms, every read checked",
        c.restarts,
        c.name,
        (userlib::uptime_us() - t0) / 1000
    ))
}

/// `mode=watch`: see the module comment.
fn watch(driver: &str, stall_ms: u64) -> R<String> {
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    let mut seen = 0u64;
    // The driver host generation that served the last finished batch: the
    // one a stall is blamed on (RestartTask leaves a successor alone).
    let mut serving = None;
    loop {
        let timeout = if seen == 0 { None } else { Some(stall_ms) };
        match userlib::sys::recv(&mut buf, timeout) {
            Ok(userlib::sys::Received::Message { from, len }) => {
                let reply = match ipc::decode::<ipc::echo::Request>(buf.get(..len).unwrap_or(&[])) {
                    Ok(ipc::echo::Request::Ping { seq, payload }) => {
                        seen += 1;
                        serving = userlib::lookup(driver).ok();
                        ipc::echo::Reply::Pong { seq, payload }
                    }
                    _ => ipc::echo::Reply::Sum(0),
                };
                let _ = rpc::reply(from, &reply);
            }
            Ok(userlib::sys::Received::Notification(_)) => {}
            Err(Error::Sys(ddk_abi::SyscallError::Timeout)) => {
                userlib::log!(
                    "dhwatch: no progress for {stall_ms} ms after {seen} batches: asking the supervisor to restart {driver}"
                );
                let sup = userlib::lookup("supervisor").map_err(|e| format!("{e}"))?;
                let task = serving.ok_or_else(|| format!("{driver} was never found"))?;
                let req = ipc::supervisor::Request::RestartTask {
                    name: String::from(driver),
                    task: ipc::TaskIdWire(task.0),
                };
                return match rpc::call::<ipc::supervisor::Supervisor>(sup, &req) {
                    Ok(ipc::supervisor::Reply::Ok) => Ok(format!("restarted {driver} once")),
                    Ok(ipc::supervisor::Reply::Err(ipc::supervisor::SupervisorError::Stale)) => {
                        Ok(format!("{driver} was already replaced"))
                    }
                    other => Err(format!("RestartTask: {other:?}")),
                };
            }
            Err(e) => return Err(format!("recv: {e}")),
        }
    }
}

fn status(name: &str) -> Option<ipc::supervisor::ServiceStatus> {
    let sup = userlib::lookup("supervisor").ok()?;
    match rpc::call::<ipc::supervisor::Supervisor>(sup, &ipc::supervisor::Request::Status) {
        Ok(ipc::supervisor::Reply::Status(list)) => list.into_iter().find(|s| s.name == name),
        _ => None,
    }
}

/// `mode=restarts`: see the module comment.
fn restarts(driver: &str, count: u32) -> R<String> {
    let deadline = userlib::uptime_us() + 60_000_000;
    loop {
        if let Some(s) = status(driver)
            && s.restarts >= count
        {
            return Ok(format!(
                "{driver} restarted {} times, now {:?}, last exit {:?}",
                s.restarts, s.state, s.last_exit
            ));
        }
        if userlib::uptime_us() > deadline {
            return Err(format!("{driver} was not restarted {count} times in 60 s"));
        }
        userlib::sleep_ms(20);
    }
}

fn main(args: &str) -> i64 {
    let driver = demo::arg(args, "driver").unwrap_or("driverhost");
    let mode = demo::arg(args, "mode").unwrap_or("io");
    let (tag, result) = match mode {
        "io" => {
            let mut c = Resubmitting::new("dhinject", driver, WINDOW_AT, WINDOW);
            c.expect_id = demo::arg(args, "expect-id").map(|id| {
                let bdf = demo::arg(args, "bdf")
                    .and_then(|b| u16::from_str_radix(b.trim_start_matches("0x"), 16).ok())
                    .unwrap_or(0x20);
                (String::from(id), bdf)
            });
            if let Some(w) = demo::arg(args, "watch") {
                c.watch = Some(demo::find(w));
            }
            if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
                userlib::log!("dhinject: FAIL (mapping the window: {e})");
                return 1;
            }
            let want = demo::arg_u64(args, "expect-restarts", 0) as u32;
            let r = io(&mut c, demo::arg_u64(args, "rounds", 16)).and_then(|s| {
                if c.restarts < want {
                    Err(format!(
                        "{} deaths of {driver} seen mid-batch, want at least {want}",
                        c.restarts
                    ))
                } else {
                    Ok(s)
                }
            });
            ("dhinject", r)
        }
        "bench" => {
            if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
                userlib::log!("dhinject: FAIL (mapping the window: {e})");
                return 1;
            }
            let mut c = Resubmitting::new("dhinject", driver, WINDOW_AT, WINDOW);
            let n = demo::arg_u64(args, "restarts", 50) as u32;
            ("dhinject", bench(&mut c, n))
        }
        "watch" => (
            "dhwatch",
            watch(driver, demo::arg_u64(args, "stall-ms", 1500)),
        ),
        "restarts" => (
            "dhinject",
            restarts(driver, demo::arg_u64(args, "count", 3) as u32),
        ),
        other => ("dhinject", Err(format!("unknown mode {other}"))),
    };
    demo::finish(tag, args, result)
}
