//! A client of the block service (`ipc::blk`), for its QEMU tests. The
//! harness made the disk with `sector_pattern(SEED_OLD, …)` in every sector
//! and checks the image after QEMU exits (`tests/src/blkservice.rs`).
//!
//! Modes (`mode=`):
//! - `rw`: geometry, 32 spread reads checked, a 64 KiB read, the writes of
//!   `blktest` ([`WRITES`]) and a flush, read-back with neighbours, then bad
//!   requests (past the end, count 0, count too large, a bogus grant, a
//!   grant too small), each with its typed error, and reads afterwards;
//! - `reader`: checked 4 KiB reads in sectors 6000..16000, which no
//!   writer touches: 200, and on until task `until=NAME` has exited;
//! - `writer`: the replay test's verifying writer: round `r` writes 16
//!   sectors of `SEED_ROUND + r` at [`run_lba`]`(r)` and reads them back;
//!   a flush every 8 rounds; at least `rounds=N` rounds and on until task
//!   `until=NAME` has exited; then a flush, a header sector (`REGION - 1`:
//!   `BLKRPLAY`, the round count) and a flush, and the whole region read
//!   back against the plan. Any error is a failure: a backend restart must
//!   cost only time;
//! - `restarter`: asks the supervisor `count=N` times to `Restart`
//!   `target=NAME`, each time once a checked read through `blk=NAME` was
//!   served (the backend is up again) and `gap=MS` later;
//! - `unavailable`: against `blk=` whose backend `fakedisk` dies on its
//!   first batch and is held: the write in flight and the next request
//!   get `Unavailable` within `bound-ms=`; after a `Restart` of
//!   `target=` the service serves again; then, against `blk2=` whose
//!   backend crash-loops, a request gets `Unavailable` after that
//!   service's `unavailable-ms` (`slow-ms=`) and not much later.
//!
//! - `revoker`: `rounds=N` requests of 128 sectors in the reader's region
//!   (reads, and writes of the contents it already has), each with a
//!   fresh grant, given up after 1–3 ticks and the grant revoked at once —
//!   perhaps while the service copies it (it must answer, not fault); it
//!   starts before the service has its backend, so the first rounds are
//!   all given up; every eighth round and at the end a checked read must
//!   be served.
//!
//! Common args: `blk=NAME` (default `blk`), `blocks=N`, `shutdown=1`,
//! `wait=NAMES` (before powering off).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use demo::disk::{SEED_NEW, SEED_OLD, WRITES};
use demo::find;
use ipc::blk::{Blk, BlkError, Reply, Request};
use ipc::supervisor::{self, ServiceState, Supervisor};
use userlib::rpc;
use userlib::sys::Error;
use userlib::{SyscallError, TaskId};

userlib::entry!(main);

/// The writer's region, runs and seeds (`tests/src/blkservice.rs` has the
/// same plan).
const REGION: u64 = 2048;
const RUN: u64 = 16;
const RUNS: u64 = 64;
const SEED_ROUND: u64 = 0x5eed_1000;

/// Where round `r` writes.
fn run_lba(r: u64) -> u64 {
    REGION + (r * 7 % RUNS) * RUN
}

const BUF_AT: u64 = 0x0000_3000_0000_0000;
const BUF: u64 = 64 * 1024;
const SMALL_AT: u64 = 0x0000_3100_0000_0000;

type R<T> = Result<T, String>;

struct Client {
    blk: TaskId,
    grant: u32,
    blocks: u64,
}

fn buf() -> &'static mut [u8] {
    // SAFETY: BUF bytes at BUF_AT were mapped by `main` and are used by
    // this single-threaded program only through this slice.
    unsafe { core::slice::from_raw_parts_mut(BUF_AT as *mut u8, BUF as usize) }
}

impl Client {
    fn connect(name: &str) -> R<Client> {
        let blk = find(name);
        let grant = userlib::grant_create(blk, BUF_AT, BUF, true)
            .map_err(|e| format!("GrantCreate: {e}"))?;
        let blocks = match rpc::call::<Blk>(blk, &Request::Info).map_err(|e| format!("{e}"))? {
            Reply::Info {
                block_size: 512,
                blocks,
            } => blocks,
            other => return Err(format!("Info: {other:?}")),
        };
        Ok(Client { blk, grant, blocks })
    }

    fn ask(&self, req: &Request) -> R<Reply> {
        rpc::call::<Blk>(self.blk, req).map_err(|e| format!("{req:?}: {e}"))
    }

    fn ok(&self, req: &Request) -> R<()> {
        match self.ask(req)? {
            Reply::Ok => Ok(()),
            other => Err(format!("{req:?} answered {other:?}")),
        }
    }

    fn read(&self, lba: u64, count: u64) -> R<()> {
        self.ok(&Request::Read {
            lba,
            count: count as u32,
            grant: self.grant,
        })
    }

    fn write(&self, lba: u64, count: u64) -> R<()> {
        self.ok(&Request::Write {
            lba,
            count: count as u32,
            grant: self.grant,
        })
    }

    fn flush(&self) -> R<()> {
        self.ok(&Request::Flush)
    }

    fn last(&self, lba: u64) -> u64 {
        demo::disk::resolve(self.blocks, lba)
    }
}

/// The buffer's first `count` sectors hold `seed`'s pattern from `lba`.
fn check(lba: u64, count: u64, seed: u64) -> R<()> {
    demo::disk::check(&buf()[..(count * 512) as usize], lba, seed)
}

/// The buffer's first `count` sectors get `seed`'s pattern from `lba`.
fn fill(lba: u64, count: u64, seed: u64) {
    demo::disk::fill(&mut buf()[..(count * 512) as usize], lba, seed);
}

fn main(args: &str) -> i64 {
    let mode = demo::arg(args, "mode").unwrap_or("rw");
    if let Err(e) = userlib::map_anon(BUF_AT, BUF, true) {
        userlib::log!("blkclient: FAIL (mapping the buffer: {e})");
        return 1;
    }
    let blk = demo::arg(args, "blk").unwrap_or("blk");
    let result = match mode {
        "rw" => rw(blk, args),
        "reader" => reader(blk, args),
        "writer" => writer(blk, args),
        "restarter" => restarter(blk, args),
        "unavailable" => unavailable(blk, args),
        "revoker" => revoker(blk, args),
        _ => Err(format!("unknown mode {mode}")),
    };
    demo::finish("blkclient", args, result)
}

/// A call answered within 5 s, waiting while the service still holds an
/// abandoned call of ours (`Busy`).
fn call_waiting(c: &Client, req: &Request) -> R<Reply> {
    loop {
        match rpc::call_timeout::<Blk>(c.blk, req, 5000) {
            Err(rpc::RpcError::Sys(Error::Sys(SyscallError::Busy))) => userlib::sleep_ms(1),
            r => return r.map_err(|e| format!("{req:?}: {e}")),
        }
    }
}

fn revoker(name: &str, args: &str) -> R<String> {
    // No `Info` first: the first rounds queue while the service is still
    // attaching its backend, so they are given up and their grants revoked
    // before the service copies them.
    let blk = find(name);
    let grant =
        userlib::grant_create(blk, BUF_AT, BUF, true).map_err(|e| format!("GrantCreate: {e}"))?;
    let c = Client {
        blk,
        grant,
        blocks: 0,
    };
    let rounds = demo::arg_u64(args, "rounds", 64);
    let (mut gave_up, mut answered) = (0u64, 0u64);
    let checked_read = |lba: u64| -> R<()> {
        buf().fill(0);
        let req = Request::Read {
            lba,
            count: 128,
            grant: c.grant,
        };
        match call_waiting(&c, &req)? {
            Reply::Ok => check(lba, 128, SEED_OLD),
            other => Err(format!("{req:?} answered {other:?}")),
        }
    };
    for r in 0..rounds {
        let lba = 6000 + (r % 64) * 128;
        let g = userlib::grant_create(c.blk, BUF_AT, BUF, true)
            .map_err(|e| format!("GrantCreate: {e}"))?;
        let req = if r % 2 == 0 {
            Request::Read {
                lba,
                count: 128,
                grant: g,
            }
        } else {
            // What the disk holds already: the reader's checks stay true
            // whether or not this write happens.
            fill(lba, 128, SEED_OLD);
            Request::Write {
                lba,
                count: 128,
                grant: g,
            }
        };
        loop {
            match rpc::call_timeout::<Blk>(c.blk, &req, 1 + r % 3 * 10) {
                Err(rpc::RpcError::Sys(Error::Sys(SyscallError::Busy))) => userlib::sleep_ms(1),
                Err(rpc::RpcError::Sys(Error::Sys(SyscallError::Timeout))) => {
                    gave_up += 1;
                    break;
                }
                Ok(Reply::Ok) => {
                    answered += 1;
                    break;
                }
                other => return Err(format!("round {r}: {req:?} answered {other:?}")),
            }
        }
        userlib::grant_revoke(g).map_err(|e| format!("GrantRevoke: {e}"))?;
        if r % 8 == 7 {
            checked_read(lba)?;
        }
    }
    // A revoked grant named outright: the typed refusal.
    let g =
        userlib::grant_create(c.blk, BUF_AT, BUF, true).map_err(|e| format!("GrantCreate: {e}"))?;
    userlib::grant_revoke(g).map_err(|e| format!("GrantRevoke: {e}"))?;
    let stale = Request::Read {
        lba: 6000,
        count: 1,
        grant: g,
    };
    let want = Reply::Err(BlkError::Grant(SyscallError::NoSuchGrant.code()));
    match call_waiting(&c, &stale)? {
        r if r == want => {}
        other => return Err(format!("a revoked grant was answered {other:?}")),
    }
    checked_read(6000)?;
    Ok(format!(
        "revoker: {rounds} rounds, {answered} answered in time, {gave_up} given up and revoked; a revoked grant answered Grant(NoSuchGrant); still serving"
    ))
}

fn rw(name: &str, args: &str) -> R<String> {
    let c = Client::connect(name)?;
    let blocks = demo::arg_u64(args, "blocks", 16384);
    if c.blocks != blocks {
        return Err(format!("{} blocks, expected {blocks}", c.blocks));
    }
    for i in 0..32u64 {
        let lba = (i * 509 + 3) % (c.blocks - 8);
        c.read(lba, 8)?;
        check(lba, 8, SEED_OLD)?;
    }
    c.read(0, 128)?;
    check(0, 128, SEED_OLD)?;
    for &(first, n) in WRITES {
        let first = c.last(first);
        fill(first, n, SEED_NEW);
        c.write(first, n)?;
    }
    c.flush()?;
    for &(first, n) in WRITES {
        let first = c.last(first);
        let lo = first.saturating_sub(1);
        let hi = (first + n + 1).min(c.blocks);
        // At most 128 sectors a request: read the run, then its neighbours.
        for (lba, k) in [(first, n), (lo, 1), (hi - 1, 1)] {
            buf().fill(0);
            c.read(lba, k)?;
            for i in 0..k {
                let seed = demo::disk::seed_after_writes(c.blocks, lba + i);
                let at = (i * 512) as usize;
                demo::disk::check(&buf()[at..at + 512], lba + i, seed)
                    .map_err(|e| format!("read-back: {e}"))?;
            }
        }
    }
    // Bad requests, each with its typed error.
    let b = c.blocks;
    let g = c.grant;
    let bad = [
        (
            Request::Read {
                lba: b,
                count: 1,
                grant: g,
            },
            "past the end",
        ),
        (
            Request::Read {
                lba: b - 1,
                count: 2,
                grant: g,
            },
            "across the end",
        ),
        (
            Request::Read {
                lba: 0,
                count: 0,
                grant: g,
            },
            "count 0",
        ),
        (
            Request::Read {
                lba: 0,
                count: 129,
                grant: g,
            },
            "count 129",
        ),
        (
            Request::Read {
                lba: 0,
                count: 1,
                grant: 0xdead,
            },
            "a bogus grant",
        ),
    ];
    for (req, what) in bad {
        let got = c.ask(&req)?;
        let fine = matches!(
            (what, got),
            ("past the end" | "across the end", Reply::Err(BlkError::OutOfRange { blocks })) if blocks == b
        ) || matches!(
            (what, got),
            (
                "count 0" | "count 129",
                Reply::Err(BlkError::BadCount { max: 128 })
            ) | ("a bogus grant", Reply::Err(BlkError::Grant(_)))
        );
        if !fine {
            return Err(format!("{what}: answered {got:?}"));
        }
    }
    // A grant too small for the request (4 KiB, an 8 KiB read).
    userlib::map_anon(SMALL_AT, 4096, true).map_err(|e| format!("{e}"))?;
    let small = userlib::grant_create(c.blk, SMALL_AT, 4096, true).map_err(|e| format!("{e}"))?;
    match c.ask(&Request::Read {
        lba: 0,
        count: 16,
        grant: small,
    })? {
        Reply::Err(BlkError::GrantTooSmall { mapped: 4096 }) => {}
        other => return Err(format!("a read past a 4 KiB grant answered {other:?}")),
    }
    match c.ask(&Request::Write {
        lba: 0,
        count: 16,
        grant: small,
    })? {
        Reply::Err(BlkError::GrantTooSmall { mapped: 4096 }) => {}
        other => return Err(format!("a write from a 4 KiB grant answered {other:?}")),
    }
    // Still serving.
    c.read(1000, 1)?;
    check(1000, 1, SEED_NEW)?;
    Ok(format!(
        "{} blocks; 32 spread reads, 64 KiB read, writes + flush, read-back, 7 bad requests refused with typed errors, still serving",
        c.blocks
    ))
}

fn reader(name: &str, args: &str) -> R<String> {
    let c = Client::connect(name)?;
    let until = demo::arg(args, "until");
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut i = 0u64;
    while i < 200 || until.is_some_and(|u| !exited(u)) {
        i += 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let lba = 6000 + x % (10_000 - 8);
        c.read(lba, 8).map_err(|e| format!("read {i}: {e}"))?;
        check(lba, 8, SEED_OLD).map_err(|e| format!("read {i}: {e}"))?;
    }
    Ok(format!("reader: {i} checked 4 KiB reads beside the writer"))
}

fn exited(name: &str) -> bool {
    matches!(userlib::lookup(name), Err(userlib::sys::Error::Dead { .. }))
}

fn writer(name: &str, args: &str) -> R<String> {
    let c = Client::connect(name)?;
    let min = demo::arg_u64(args, "rounds", 50);
    let until = demo::arg(args, "until");
    let start = userlib::uptime_us();
    let mut r = 0u64;
    let mut slowest = 0u64;
    while r < min || until.is_some_and(|u| !exited(u)) {
        if r >= 100_000 {
            return Err("no end after 100000 rounds".into());
        }
        let t = userlib::uptime_us();
        let lba = run_lba(r);
        fill(lba, RUN, SEED_ROUND + r);
        c.write(lba, RUN).map_err(|e| format!("round {r}: {e}"))?;
        buf().fill(0);
        c.read(lba, RUN).map_err(|e| format!("round {r}: {e}"))?;
        check(lba, RUN, SEED_ROUND + r).map_err(|e| format!("round {r} read-back: {e}"))?;
        if r % 8 == 7 {
            c.flush().map_err(|e| format!("round {r}: {e}"))?;
        }
        slowest = slowest.max(userlib::uptime_us() - t);
        r += 1;
    }
    c.flush()?;
    buf()[..512].fill(0);
    buf()[..8].copy_from_slice(b"BLKRPLAY");
    buf()[8..16].copy_from_slice(&r.to_le_bytes());
    c.write(REGION - 1, 1)?;
    c.flush()?;
    // The whole region, against the plan.
    for run in 0..RUNS {
        let lba = REGION + run * RUN;
        let last = (0..r).rev().find(|&k| run_lba(k) == lba);
        buf().fill(0);
        c.read(lba, RUN)?;
        check(lba, RUN, last.map_or(SEED_OLD, |k| SEED_ROUND + k))
            .map_err(|e| format!("final check: {e}"))?;
    }
    Ok(format!(
        "writer: {r} rounds of write + read-back checked, region checked, slowest round {} ms, {} ms in all",
        slowest / 1000,
        (userlib::uptime_us() - start) / 1000
    ))
}

fn supervisor() -> R<TaskId> {
    userlib::lookup("supervisor").map_err(|e| format!("no supervisor: {e}"))
}

fn state(name: &str) -> R<ServiceState> {
    match rpc::call::<Supervisor>(supervisor()?, &supervisor::Request::Status) {
        Ok(supervisor::Reply::Status(list)) => list
            .into_iter()
            .find(|s| s.name == name)
            .map(|s| s.state)
            .ok_or_else(|| format!("no service {name}")),
        other => Err(format!("Status: {other:?}")),
    }
}

fn restart(name: &str) -> R<()> {
    let req = supervisor::Request::Restart { name: name.into() };
    match rpc::call::<Supervisor>(supervisor()?, &req) {
        Ok(supervisor::Reply::Ok) => Ok(()),
        other => Err(format!("Restart {name}: {other:?}")),
    }
}

fn restarter(name: &str, args: &str) -> R<String> {
    let target = demo::arg(args, "target").unwrap_or("driverhost");
    let count = demo::arg_u64(args, "count", 3);
    let gap = demo::arg_u64(args, "gap", 300);
    let c = Client::connect(name)?;
    for i in 0..count {
        // A read through the block service: it is served (again), so the
        // backend is up and the replay of the last restart done.
        c.read(REGION + RUNS * RUN, 1)?;
        check(REGION + RUNS * RUN, 1, SEED_OLD)?;
        userlib::sleep_ms(gap);
        restart(target)?;
        userlib::log!("blkclient: restarted {target} ({} of {count})", i + 1);
    }
    c.read(REGION + RUNS * RUN, 1)?;
    userlib::sleep_ms(gap);
    Ok(format!("restarter: {count} restarts of {target}"))
}

/// Sends `req` and says how long the answer took (ms) and what it was.
fn timed(c: &Client, req: &Request) -> R<(u64, Reply)> {
    let t = userlib::uptime_us();
    let r = c.ask(req)?;
    Ok(((userlib::uptime_us() - t) / 1000, r))
}

fn unavailable(name: &str, args: &str) -> R<String> {
    let target = demo::arg(args, "target").unwrap_or("fakedisk");
    let bound = demo::arg_u64(args, "bound-ms", 1000);
    let c = Client::connect(name)?;
    // The backend dies with this write in flight and is held.
    fill(100, 1, SEED_NEW);
    let (ms, r) = timed(
        &c,
        &Request::Write {
            lba: 100,
            count: 1,
            grant: c.grant,
        },
    )?;
    if r != Reply::Err(BlkError::Unavailable) || ms > bound {
        return Err(format!("the write in flight got {r:?} after {ms} ms"));
    }
    let (ms2, r) = timed(
        &c,
        &Request::Read {
            lba: 100,
            count: 1,
            grant: c.grant,
        },
    )?;
    if r != Reply::Err(BlkError::Unavailable) || ms2 > bound {
        return Err(format!("a read while held got {r:?} after {ms2} ms"));
    }
    if state(target)? != ServiceState::Held {
        return Err(format!("{target} is not held"));
    }
    // Someone restarts it: the service serves again.
    restart(target)?;
    let t = userlib::uptime_us();
    loop {
        fill(101, 1, SEED_NEW);
        match c.ask(&Request::Write {
            lba: 101,
            count: 1,
            grant: c.grant,
        })? {
            Reply::Ok => break,
            Reply::Err(BlkError::Unavailable) if userlib::uptime_us() - t < 10_000_000 => {
                userlib::sleep_ms(20)
            }
            other => return Err(format!("after the restart a write got {other:?}")),
        }
    }
    c.flush()?;
    buf().fill(0);
    c.read(101, 1)?;
    check(101, 1, SEED_NEW)?;
    let back = (userlib::uptime_us() - t) / 1000;
    // A crash-looping backend (never held): Unavailable once the service's
    // unavailable-ms has passed, not a hang.
    let mut summary = format!(
        "the write in flight got Unavailable after {ms} ms, the next request after {ms2} ms; after Restart {target} served again in {back} ms"
    );
    if let Some(second) = demo::arg(args, "blk2") {
        let slow = demo::arg_u64(args, "slow-ms", 2000);
        let c2 = find(second);
        let g = userlib::grant_create(c2, BUF_AT, BUF, true).map_err(|e| format!("{e}"))?;
        let t = userlib::uptime_us();
        let r = rpc::call::<Blk>(
            c2,
            &Request::Read {
                lba: 0,
                count: 1,
                grant: g,
            },
        )
        .map_err(|e| format!("{e}"))?;
        let ms = (userlib::uptime_us() - t) / 1000;
        if r != Reply::Err(BlkError::Unavailable) || ms > slow + bound {
            return Err(format!("{second}: a read got {r:?} after {ms} ms"));
        }
        summary =
            format!("{summary}; {second} over a crash loop answered Unavailable after {ms} ms");
    }
    Ok(summary)
}
