//! The demos' client (`cargo xtask demo NAME`, docs/demos.md): copies a
//! file of 1.5 MiB while the driver host's injected fault happens, and
//! checks its checksum.
//!
//! The "file" is a header sector (magic `CORDONF1`, length in bytes,
//! FNV-1a 64 checksum of the data) followed by its data sectors, made by
//! the harness at LBA `src=` (default 2048). The copy goes to `dst=`
//! (default 8192): the data in batches of `batch=` (default 4) 64 KiB
//! reads, then the same as writes, then a flush, then the header (the
//! copy's commit) and a flush; then the copy is read back and its checksum
//! compared. The harness checks the image after QEMU exits.
//!
//! Backend: `via=blk` (`blk=NAME`, default `blk`): the block service,
//! `ipc::blk`, one request at a time; it replays what a dead driver host
//! had in flight, restarts a hung one (its watchdog) and answers
//! `Unavailable` when the supervisor holds it. Otherwise the driver host
//! over `ipc::blkdev` through `demo::resubmit` (`driver=NAME`, default
//! `driverhost`), which resubmits a batch the driver host died with itself. `watch=NAME`: tell that watcher
//! of every finished batch (the hang demo's stand-in watchdog).
//! `expect-restarts=N`: fail unless N deaths were ridden out.
//! `crash-loop=1`: the crash-loop demo — see [`crash_loop`].

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use demo::resubmit::{ClientError, Resubmitting};
use ipc::blk::{Blk, BlkError, Reply as BlkReply, Request as BlkRequest};
use ipc::blkdev::Op;
use userlib::TaskId;

userlib::entry!(main);

const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
const OP_BYTES: u64 = 64 * 1024;
const MAX_BATCH: u64 = 8;
const WINDOW: u64 = OP_BYTES * MAX_BATCH;
const SECTOR: u64 = 512;
const MAGIC: &[u8; 8] = b"CORDONF1";

type R<T> = Result<T, ClientError>;

/// The block service's bounce buffer, mapped right after the window.
const BOUNCE_AT: u64 = WINDOW_AT + WINDOW + 0x10_0000;

fn bounce() -> &'static mut [u8] {
    // SAFETY: OP_BYTES at BOUNCE_AT are mapped by `main` (via=blk) and used
    // only through this slice, never at the same time as another borrow.
    unsafe { core::slice::from_raw_parts_mut(BOUNCE_AT as *mut u8, OP_BYTES as usize) }
}

fn window() -> &'static mut [u8] {
    // SAFETY: WINDOW bytes at WINDOW_AT are mapped by `main` and used by
    // this single-threaded program only through this slice.
    unsafe { core::slice::from_raw_parts_mut(WINDOW_AT as *mut u8, WINDOW as usize) }
}

/// FNV-1a, 64 bits (the harness computes the same, `tests/src/demos.rs`).
fn fnv1a(mut h: u64, data: &[u8]) -> u64 {
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

fn le64(b: &[u8], at: usize) -> u64 {
    let mut x = [0u8; 8];
    x.copy_from_slice(&b[at..at + 8]);
    u64::from_le_bytes(x)
}

/// The block service (`services/blk`, `ipc::blk`): a request's data is at
/// the start of its grant, so every request goes through one 64 KiB bounce
/// buffer (after the window) under one grant, copied to or from its place
/// in the window.
struct Service {
    blk: TaskId,
    grant: u32,
    /// `watch=`: told of every finished request (the hang demo's watcher).
    watch: Option<TaskId>,
    done: u64,
}

struct Copy {
    io: Resubmitting,
    /// `via=blk`: through the block service, which replays and runs the
    /// watchdog itself; `None`: straight to the driver host, resubmitting.
    service: Option<Service>,
    src: u64,
    dst: u64,
    batch: u64,
}

impl Copy {
    /// Does `ops` (window offsets are multiples of 64 KiB, or 0).
    fn ops(&mut self, what: &str, ops: &[Op]) -> R<()> {
        let Some(svc) = &self.service else {
            return self.io.run(what, ops);
        };
        for op in ops {
            let grant = svc.grant;
            let req = match *op {
                Op::Read { lba, len, .. } => BlkRequest::Read {
                    lba,
                    count: len / SECTOR as u32,
                    grant,
                },
                Op::Write { lba, len, offset } => {
                    let (o, n) = (offset as usize, len as usize);
                    bounce()[..n].copy_from_slice(&window()[o..o + n]);
                    BlkRequest::Write {
                        lba,
                        count: len / SECTOR as u32,
                        grant,
                    }
                }
                Op::Flush => BlkRequest::Flush,
            };
            let t0 = userlib::uptime_us();
            match userlib::rpc::call::<Blk>(svc.blk, &req) {
                Ok(BlkReply::Ok) => {
                    if let Op::Read { len, offset, .. } = *op {
                        let (o, n) = (offset as usize, len as usize);
                        window()[o..o + n].copy_from_slice(&bounce()[..n]);
                    }
                }
                Ok(BlkReply::Err(BlkError::Unavailable)) => {
                    return Err(ClientError::Unavailable {
                        waited_ms: (userlib::uptime_us() - t0) / 1000,
                    });
                }
                other => return Err(format!("{what}: {req:?}: {other:?}").into()),
            }
        }
        if let Some(svc) = &mut self.service {
            svc.done += 1;
            if let Some(w) = svc.watch {
                let ping = ipc::echo::Request::Ping {
                    seq: svc.done,
                    payload: Vec::new(),
                };
                let _ = userlib::rpc::call::<ipc::echo::Echo>(w, &ping);
            }
        }
        Ok(())
    }

    fn generation(&self) -> String {
        match self.service {
            Some(_) => String::from("via blk"),
            None => format!(
                "driver host {}.{}",
                self.io.driver.index(),
                self.io.driver.generation()
            ),
        }
    }

    fn header(&mut self) -> R<(u64, u64)> {
        let op = Op::Read {
            lba: self.src,
            len: SECTOR as u32,
            offset: 0,
        };
        self.ops("the source header", &[op])?;
        let w = window();
        if &w[..8] != MAGIC {
            return Err(format!("no file at LBA {} (magic {:02x?})", self.src, &w[..8]).into());
        }
        Ok((le64(w, 8), le64(w, 16)))
    }

    /// Moves `len` bytes from `from` to `to` (sector numbers), returning
    /// the data's checksum; `write` false only reads (the verification).
    fn pass(&mut self, from: u64, to: Option<u64>, len: u64, what: &str) -> R<u64> {
        let mut sum = FNV_START;
        let mut done = 0u64;
        let mut next_report = 512 * 1024;
        while done < len {
            let n = (len - done).min(OP_BYTES * self.batch);
            let ops = |write: bool| -> Vec<Op> {
                (0..n.div_ceil(OP_BYTES))
                    .map(|i| {
                        let bytes = (n - i * OP_BYTES).min(OP_BYTES).div_ceil(SECTOR) * SECTOR;
                        let first = (done + i * OP_BYTES) / SECTOR;
                        let (lba, len, offset) = (first, bytes as u32, i * OP_BYTES);
                        match (write, to) {
                            (true, Some(t)) => Op::Write {
                                lba: t + lba,
                                len,
                                offset,
                            },
                            _ => Op::Read {
                                lba: from + lba,
                                len,
                                offset,
                            },
                        }
                    })
                    .collect()
            };
            let kib = done / 1024;
            self.ops(&format!("{what} read at {kib} KiB"), &ops(false))?;
            sum = fnv1a(sum, &window()[..n as usize]);
            if to.is_some() {
                self.ops(&format!("{what} write at {kib} KiB"), &ops(true))?;
            }
            done += n;
            if done >= next_report || done == len {
                next_report += 512 * 1024;
                userlib::log!(
                    "democopy: {what}: {} KiB of {} KiB ({})",
                    done / 1024,
                    len / 1024,
                    self.generation()
                );
            }
        }
        Ok(sum)
    }

    fn run(&mut self) -> R<String> {
        if self.service.is_none() {
            self.io.connect(None)?;
        }
        let (len, want) = self.header()?;
        userlib::log!(
            "democopy: copying a {} KiB file from LBA {} to LBA {} (checksum {want:#018x})",
            len / 1024,
            self.src,
            self.dst
        );
        let t0 = userlib::uptime_us();
        let sum = self.pass(self.src + 1, Some(self.dst + 1), len, "copy")?;
        if sum != want {
            return Err(format!(
                "the source reads with checksum {sum:#018x}, its header says {want:#018x}"
            )
            .into());
        }
        self.ops("the data's flush", &[Op::Flush])?;
        // The header last: a copy without it is no file.
        let w = window();
        w[..SECTOR as usize].fill(0);
        w[..8].copy_from_slice(MAGIC);
        w[8..16].copy_from_slice(&len.to_le_bytes());
        w[16..24].copy_from_slice(&sum.to_le_bytes());
        let op = Op::Write {
            lba: self.dst,
            len: SECTOR as u32,
            offset: 0,
        };
        self.ops("the copy's header", &[op])?;
        self.ops("the header's flush", &[Op::Flush])?;
        let copied_ms = (userlib::uptime_us() - t0) / 1000;
        let again = self.pass(self.dst + 1, None, len, "verify")?;
        if again != want {
            return Err(format!(
                "the copy reads back with checksum {again:#018x}, want {want:#018x}"
            )
            .into());
        }
        let how = match self.service {
            Some(_) => String::from("through the block service"),
            None => format!(
                "{} deaths of {} ridden out by resubmitting",
                self.io.restarts, self.io.name
            ),
        };
        Ok(format!(
            "copied {} KiB in {copied_ms} ms; the copy reads back with checksum {again:#018x} = the source's; {how}",
            len / 1024
        ))
    }
}

/// `crash-loop=1`: the first attempt must end with the typed
/// `Unavailable` (the driver host faults on every start until the
/// supervisor holds it; a waiting client asks the supervisor every 50 ms,
/// so it learns within about that of the hold — the judge checks the
/// timestamps); then, as the operator,
/// ask the supervisor to `Restart` it — which starts it without its
/// `fault-args`, the fault cleared — and copy again.
fn crash_loop(c: &mut Copy, first: R<String>, driver: &str) -> R<String> {
    match first {
        Err(ClientError::Unavailable { waited_ms }) => {
            userlib::log!(
                "democopy: the copy failed with the typed error: device unavailable (the supervisor holds {driver}; waited {waited_ms} ms for a working one)"
            );
        }
        Err(e) => return Err(e),
        Ok(s) => {
            return Err(format!(
                "the copy succeeded through a driver host that always faults: {s}"
            )
            .into());
        }
    }
    userlib::log!(
        "democopy: clearing the fault: asking the supervisor to restart {driver} (its fault-args no longer apply)"
    );
    let sup = userlib::lookup("supervisor").map_err(|e| ClientError::Failed(format!("{e}")))?;
    let req = ipc::supervisor::Request::Restart {
        name: String::from(driver),
    };
    match userlib::rpc::call::<ipc::supervisor::Supervisor>(sup, &req) {
        Ok(ipc::supervisor::Reply::Ok) => {}
        other => return Err(format!("Restart: {other:?}").into()),
    }
    c.run()
}

fn main(args: &str) -> i64 {
    let driver = demo::arg(args, "driver").unwrap_or("driverhost");
    if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
        userlib::log!("democopy: FAIL (mapping the window: {e})");
        return 1;
    }
    let service = match demo::arg(args, "via") {
        Some("blk") => {
            let blk = demo::find(demo::arg(args, "blk").unwrap_or("blk"));
            let grant = userlib::map_anon(BOUNCE_AT, OP_BYTES, true)
                .map_err(|e| alloc::format!("MapAnon: {e}"))
                .and_then(|()| {
                    userlib::grant_create(blk, BOUNCE_AT, OP_BYTES, true)
                        .map_err(|e| alloc::format!("GrantCreate: {e}"))
                });
            let grant = match grant {
                Ok(g) => g,
                Err(e) => {
                    userlib::log!("democopy: FAIL (the bounce buffer: {e})");
                    return 1;
                }
            };
            Some(Service {
                blk,
                grant,
                watch: None,
                done: 0,
            })
        }
        _ => None,
    };
    let mut c = Copy {
        service,
        io: Resubmitting::new("democopy", driver, WINDOW_AT, WINDOW),
        src: demo::arg_u64(args, "src", 2048),
        dst: demo::arg_u64(args, "dst", 8192),
        batch: demo::arg_u64(args, "batch", 4).clamp(1, MAX_BATCH),
    };
    if let Some(w) = demo::arg(args, "watch") {
        let w = demo::find(w);
        c.io.watch = Some(w);
        if let Some(svc) = &mut c.service {
            svc.watch = Some(w);
        }
    }
    let want = demo::arg_u64(args, "expect-restarts", 0) as u32;
    let mut result = c.run();
    if demo::arg(args, "crash-loop") == Some("1") {
        result = crash_loop(&mut c, result, driver);
    }
    let result = result.map_err(|e| format!("{e}")).and_then(|s| {
        if c.io.restarts < want {
            Err(format!(
                "{} deaths of {driver} ridden out, the demo wants {want}",
                c.io.restarts
            ))
        } else {
            Ok(s)
        }
    });
    let code = match result {
        Ok(s) => {
            userlib::log!("democopy: PASS ({s})");
            0
        }
        Err(e) => {
            userlib::log!("democopy: FAIL ({e})");
            1
        }
    };
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    code
}
