//! A client of the native virtio-blk driver (`ipc::blkdev`), for the disk
//! tests. The harness made the disk with `demo::sector_pattern(SEED_OLD, …)`
//! in every sector.
//!
//! `mode=rw`: checks the geometry, reads and checks sectors in one batch of
//! 32, writes `SEED_NEW` patterns to [`WRITES`] and flushes, reads them (and
//! their neighbours) back, then sends bad requests — LBA past the end, a
//! length that is not a multiple of 512 or is 0, a range outside the window,
//! a too-small window, too large a batch, no window, a bogus grant — each
//! must get its typed error, and the driver must still serve afterwards.
//! The harness then checks the image file itself.
//!
//! `mode=reader`: a second client at the same time as `rw`: 20 batches of
//! 32 checked 4 KiB reads in sectors `rw` never writes (6000..16000), so
//! the driver serves two callers with batches in flight together.
//!
//! `mode=quiesce`: submits a batch of reads to a driver started with
//! `crash-after=1`, which dies with them in flight; waits for the restarted
//! driver and checks reads through it.
//!
//! Args: `blocks=N` (the disk size the harness made), `driver=NAME` (the
//! backend's service name; default `virtio-blk`), `shutdown=1`,
//! `wait=NAME` (before powering off, wait until task NAME has exited),
//! `after=NAME` (start only once task NAME has exited: a driver host that
//! dies on purpose in its first generation, `jit-fault-ldfld-driver`).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec;
use alloc::vec::Vec;
use demo::disk::{SEED_NEW, SEED_OLD, WRITES};
use demo::find;
use ipc::blkdev::{BlkDev, BlkDevError, DeviceInfo, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;

userlib::entry!(main);

const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
const WINDOW: u64 = 512 * 1024;
const SMALL_AT: u64 = 0x0000_3100_0000_0000;

type R<T> = Result<T, alloc::string::String>;

struct Client {
    driver: TaskId,
    info: DeviceInfo,
}

fn window() -> &'static mut [u8] {
    // SAFETY: WINDOW bytes at WINDOW_AT were mapped by `main` and are
    // used by this single-threaded program only through this slice.
    unsafe { core::slice::from_raw_parts_mut(WINDOW_AT as *mut u8, WINDOW as usize) }
}

fn fmt_err(e: RpcError) -> alloc::string::String {
    alloc::format!("{e}")
}

impl Client {
    fn call(&self, req: &Request) -> Result<Reply, RpcError> {
        rpc::call::<BlkDev>(self.driver, req)
    }

    fn attach(&self, at: u64, len: u64) -> R<u64> {
        let g = userlib::grant_create(self.driver, at, len, true)
            .map_err(|e| alloc::format!("GrantCreate: {e}"))?;
        match self.call(&Request::Attach { grant: g }).map_err(fmt_err)? {
            Reply::Attached { len } => Ok(len),
            other => Err(alloc::format!("Attach: {other:?}")),
        }
    }

    fn submit(&self, ops: Vec<Op>) -> R<Vec<Status>> {
        let n = ops.len();
        match self.call(&Request::Submit(ops)).map_err(fmt_err)? {
            Reply::Done(s) if s.len() == n => Ok(s),
            other => Err(alloc::format!("Submit of {n}: {other:?}")),
        }
    }

    fn all_ok(&self, ops: Vec<Op>, what: &str) -> R<()> {
        let s = self.submit(ops)?;
        match s.iter().position(|x| *x != Status::Ok) {
            None => Ok(()),
            Some(i) => Err(alloc::format!("{what}: op {i}: {:?}", s[i])),
        }
    }
}

fn last(info: &DeviceInfo, lba: u64) -> u64 {
    demo::disk::resolve(info.blocks, lba)
}

/// Checks `sectors` sectors at window offset `off` against `seed` from `lba`.
fn check(off: u64, lba: u64, sectors: u64, seed: u64) -> R<()> {
    demo::disk::check(
        &window()[off as usize..(off + sectors * 512) as usize],
        lba,
        seed,
    )
}

fn read(lba: u64, sectors: u64, offset: u64) -> Op {
    Op::Read {
        lba,
        len: (sectors * 512) as u32,
        offset,
    }
}

fn main(args: &str) -> i64 {
    let mode = demo::arg(args, "mode").unwrap_or("rw");
    let blocks = demo::arg_u64(args, "blocks", 16384);
    if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
        userlib::log!("blktest: FAIL (mapping the window: {e})");
        return 1;
    }
    if let Some(other) = demo::arg(args, "after") {
        demo::wait_exited(other);
        userlib::log!("blktest: {other} has exited; starting");
    }
    let driver = find(demo::arg(args, "driver").unwrap_or("virtio-blk"));
    let result = match mode {
        "rw" => rw(driver, blocks),
        "quiesce" => quiesce(driver, blocks),
        "reader" => reader(driver, blocks),
        _ => Err(alloc::format!("unknown mode {mode}")),
    };
    demo::finish("blktest", args, result)
}

fn connect(driver: TaskId, blocks: u64) -> R<Client> {
    let c = Client {
        driver,
        info: DeviceInfo {
            block_size: 0,
            blocks: 0,
            read_only: true,
            max_transfer: 0,
            queue_depth: 0,
        },
    };
    // A backend that is still starting answers `NotReady` (the driver
    // host, while its C# driver starts): ask again for up to 60 s.
    let mut not_ready = 0u32;
    let info = loop {
        match c.call(&Request::Info).map_err(fmt_err)? {
            Reply::Info(i) => break i,
            Reply::Err(BlkDevError::NotReady) if not_ready < 3000 => {
                not_ready += 1;
                userlib::sleep_ms(20);
            }
            other => return Err(alloc::format!("Info: {other:?}")),
        }
    };
    if not_ready > 0 {
        userlib::log!("blktest: the backend answered NotReady {not_ready} times before Info");
    }
    if info.block_size != 512 || info.blocks != blocks || info.read_only {
        return Err(alloc::format!("unexpected geometry {info:?}"));
    }
    let c = Client { driver, info };
    let len = c.attach(WINDOW_AT, WINDOW)?;
    if len < WINDOW {
        return Err(alloc::format!("window mapped as {len} bytes"));
    }
    Ok(c)
}

/// 32 reads of 4 KiB spread over the disk, in one batch, checked.
fn spread_reads(c: &Client, seed_of: impl Fn(u64) -> u64) -> R<()> {
    let lbas: Vec<u64> = (0..32u64)
        .map(|i| (i * 509 + 3) % (c.info.blocks - 8))
        .collect();
    c.all_ok(
        lbas.iter()
            .enumerate()
            .map(|(i, &l)| read(l, 8, i as u64 * 4096))
            .collect(),
        "spread reads",
    )?;
    for (i, &l) in lbas.iter().enumerate() {
        for s in 0..8 {
            check(i as u64 * 4096 + s * 512, l + s, 1, seed_of(l + s))?;
        }
    }
    Ok(())
}

fn rw(driver: TaskId, blocks: u64) -> R<alloc::string::String> {
    let c = connect(driver, blocks)?;
    let info = c.info;
    spread_reads(&c, |_| SEED_OLD)?;
    // One 64 KiB read at 0.
    c.all_ok(vec![read(0, 128, 0)], "64 KiB read")?;
    check(0, 0, 128, SEED_OLD)?;

    // Write the new pattern, then flush, in one batch.
    let mut ops = Vec::new();
    let mut off = 0;
    for &(first, n) in WRITES {
        let first = last(&info, first);
        demo::disk::fill(
            &mut window()[off as usize..(off + n * 512) as usize],
            first,
            SEED_NEW,
        );
        ops.push(Op::Write {
            lba: first,
            len: (n * 512) as u32,
            offset: off,
        });
        off += n * 512;
    }
    ops.push(Op::Flush);
    c.all_ok(ops, "writes and flush")?;
    window().fill(0);

    // Read back what was written and each run's neighbours (one read each:
    // a 128-sector run is already the largest transfer).
    let mut ops = Vec::new();
    let mut expect = Vec::new();
    let mut off = 0;
    for &(first, n) in WRITES {
        let first = last(&info, first);
        let mut runs = vec![(first, n)];
        if first > 0 {
            runs.push((first - 1, 1));
        }
        if first + n < info.blocks {
            runs.push((first + n, 1));
        }
        for (lba, k) in runs {
            ops.push(read(lba, k, off));
            expect.push((off, lba, k));
            off += k * 512;
        }
    }
    c.all_ok(ops, "read back")?;
    for (off, lo, n) in expect {
        for i in 0..n {
            let lba = lo + i;
            check(
                off + i * 512,
                lba,
                1,
                demo::disk::seed_after_writes(info.blocks, lba),
            )?;
        }
    }

    // Bad requests, each with its typed error, beside a good one.
    let b = info.blocks;
    let bad = vec![
        read(b, 1, 0),
        read(b - 1, 2, 0),
        Op::Read {
            lba: 0,
            len: 100,
            offset: 0,
        },
        Op::Read {
            lba: 0,
            len: 0,
            offset: 0,
        },
        read(0, 8, WINDOW - 512),
        read(0, 256, 0),
        read(1000, 1, 0),
    ];
    let s = c.submit(bad)?;
    let want = [
        Status::Err(BlkDevError::OutOfRange { blocks: b }),
        Status::Err(BlkDevError::OutOfRange { blocks: b }),
        Status::Err(BlkDevError::BadLength { block_size: 512 }),
        Status::Err(BlkDevError::BadLength { block_size: 512 }),
        Status::Err(BlkDevError::OutsideWindow { window: WINDOW }),
        Status::Err(BlkDevError::TooLong {
            max: info.max_transfer,
        }),
        Status::Ok,
    ];
    if s != want {
        return Err(alloc::format!("bad requests answered {s:?}"));
    }
    check(0, 1000, 1, SEED_NEW)?;
    match c
        .call(&Request::Submit(vec![read(0, 1, 0); 33]))
        .map_err(fmt_err)?
    {
        Reply::Err(BlkDevError::TooMany { max: 32 }) => {}
        other => return Err(alloc::format!("a batch of 33 answered {other:?}")),
    }
    // A window too small for the request (a 4 KiB grant, an 8 KiB read).
    userlib::map_anon(SMALL_AT, 4096, true).map_err(|e| alloc::format!("{e}"))?;
    c.attach(SMALL_AT, 4096)?;
    let s = c.submit(vec![read(0, 16, 0)])?;
    if s != [Status::Err(BlkDevError::OutsideWindow { window: 4096 })] {
        return Err(alloc::format!("a read past a 4 KiB window answered {s:?}"));
    }
    // No window at all.
    c.call(&Request::Detach).map_err(fmt_err)?;
    let s = c.submit(vec![read(0, 1, 0)])?;
    if s != [Status::Err(BlkDevError::NoWindow)] {
        return Err(alloc::format!("a read without a window answered {s:?}"));
    }
    // A grant id that is not ours.
    match c
        .call(&Request::Attach { grant: 0xdead })
        .map_err(fmt_err)?
    {
        Reply::Err(BlkDevError::Grant(_)) => {}
        other => return Err(alloc::format!("a bogus grant answered {other:?}")),
    }
    // And the driver still serves.
    let len = c.attach(WINDOW_AT, WINDOW)?;
    if len < WINDOW {
        return Err(alloc::format!("re-attached window of {len} bytes"));
    }
    spread_reads(&c, |lba| demo::disk::seed_after_writes(info.blocks, lba))?;
    Ok(alloc::format!(
        "{} blocks; 32-read batch, writes + flush, read-back, 10 bad requests refused with typed errors, still serving",
        info.blocks
    ))
}

fn reader(driver: TaskId, blocks: u64) -> R<alloc::string::String> {
    let c = connect(driver, blocks)?;
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..20 {
        let lbas: Vec<u64> = (0..32)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                6000 + x % (10_000 - 8)
            })
            .collect();
        let ops = lbas
            .iter()
            .enumerate()
            .map(|(i, &l)| read(l, 8, i as u64 * 4096))
            .collect();
        c.all_ok(ops, "reader batch")?;
        for (i, &l) in lbas.iter().enumerate() {
            check(i as u64 * 4096, l, 8, SEED_OLD)
                .map_err(|e| alloc::format!("round {round}: {e}"))?;
        }
    }
    Ok("reader: 20 batches of 32 checked reads beside the writer".into())
}

fn quiesce(driver: TaskId, blocks: u64) -> R<alloc::string::String> {
    let c = connect(driver, blocks)?;
    let ops = (0..8u64).map(|i| read(i * 128, 128, i * 65536)).collect();
    match c.call(&Request::Submit(ops)) {
        Err(RpcError::Sys(Error::Dead { now })) => {
            userlib::log!(
                "blktest: the driver died with our batch in flight (now generation {})",
                now.generation()
            );
        }
        other => {
            return Err(alloc::format!(
                "the driver answered {other:?} instead of dying"
            ));
        }
    }
    // Wait for the restarted driver (a new generation) and use it.
    let again = loop {
        match userlib::lookup("virtio-blk") {
            Ok(id) if id != driver => break id,
            _ => userlib::sleep_ms(20),
        }
    };
    let c = connect(again, blocks)?;
    spread_reads(&c, |_| SEED_OLD)?;
    let ops = (0..8u64).map(|i| read(i * 128, 128, i * 65536)).collect();
    c.all_ok(ops, "512 KiB of reads")?;
    check(0, 0, 1024, SEED_OLD)?;
    Ok(alloc::format!(
        "the restarted driver {}.{} served 32 + 8 checked reads",
        again.index(),
        again.generation()
    ))
}
