//! The demos' client (`cargo xtask demo NAME`, the shell's `demo NAME`;
//! docs/demos.md): copies a FAT file of 1.5 MiB through the whole storage
//! path — `ipc::fs` → fs → `ipc::blk` → blk → `ipc::blkdev` → the driver
//! host's C# virtio-blk driver — while the driver host fails, and checks
//! the copy's checksum.
//!
//! The copy: `src=` (default `/BIG.BIN`, the data disk's, put there by the
//! harness) to `dst=` (default `/COPY.BIN`, created or emptied), 64 KiB a
//! `ReadGrant` and a `WriteGrant` through one grant; the destination's
//! close and a `Sync` make it durable; then it is opened again, read back
//! and its checksum (FNV-1a 64) compared with the source's. The harness
//! reads the copy from the image with mtools and runs `fsck.fat -n` after
//! QEMU exits.
//!
//! `fault=ARGS` (commas for spaces, e.g. `fault=inject=wild-store,inject-after=20`):
//! before copying, ask the supervisor to restart `driver=` (default
//! `driverhost`) with ARGS added to its arguments for that one start
//! (`RestartWith`; needs `allow=control:driverhost`) — how the shell's
//! `demo NAME` turns a fault on for the driver host the system is running
//! on. Its counting of requests starts with that generation.
//!
//! `crash-loop=1`: the crash-loop demo — see [`crash_loop`].
//! `loop=ARGS` (commas for spaces, e.g. `loop=inject=always-fault`): the
//! crash-loop demo on a running system (the shell's `demo crash-loop`) —
//! see [`live_crash_loop`]; `loop-min-run=MS` (15000), `loop-backoff=B..M`
//! (50..400) and `loop-give-up=N` (4) are the loop's policy.
//! `shutdown=1`: power off at the end.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use ipc::blk::BlkError;
use ipc::fs::{FsError, OpenMode};
use ipc::supervisor::{self, Supervisor};
use userlib::fs::{FsClient, FsClientError};

userlib::entry!(main);

/// The grant's buffer: one request's data.
const BUF_AT: u64 = 0x0000_3800_0000_0000;
const CHUNK: u64 = 64 * 1024;

fn buf() -> &'static [u8] {
    // SAFETY: CHUNK bytes at BUF_AT are mapped by `main`; the service
    // writes them only while this single-threaded program waits in a call.
    unsafe { core::slice::from_raw_parts(BUF_AT as *const u8, CHUNK as usize) }
}

/// FNV-1a, 64 bits (the harness computes the same, `tests/src/fatdisk.rs`).
fn fnv1a(mut h: u64, data: &[u8]) -> u64 {
    for b in data {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Why a copy failed: the typed "device unavailable" (the crash-loop
/// demo's expected first outcome) or anything else.
enum Failure {
    Unavailable { waited_ms: u64 },
    Other(String),
}

impl From<String> for Failure {
    fn from(s: String) -> Self {
        Failure::Other(s)
    }
}

type R<T> = Result<T, Failure>;

struct Copy<'a> {
    fs: FsClient,
    src: &'a str,
    dst: &'a str,
    driver: &'a str,
    grant: u32,
}

impl Copy<'_> {
    /// A request's error; `t0` is when the request was made (the wait for
    /// `Unavailable` is measured from it).
    fn err(&self, what: &str, t0: u64) -> impl Fn(FsClientError) -> Failure + '_ {
        let what = String::from(what);
        move |e| match e {
            FsClientError::Fs(FsError::Io(BlkError::Unavailable)) => Failure::Unavailable {
                waited_ms: (userlib::uptime_us() - t0) / 1000,
            },
            e => Failure::Other(format!("{what}: {e}")),
        }
    }

    /// Reads `h` to its end through the grant, writing each piece to `to`
    /// when given; returns (bytes, checksum).
    fn pass(
        &self,
        h: ipc::fs::Handle,
        to: Option<ipc::fs::Handle>,
        size: u64,
        what: &str,
    ) -> R<(u64, u64)> {
        let (mut done, mut sum) = (0u64, FNV_START);
        let mut next_report = 512 * 1024;
        loop {
            let t0 = userlib::uptime_us();
            let n = self
                .fs
                .read_grant(h, self.grant, CHUNK as u32)
                .map_err(self.err(&format!("{what}: read at {} KiB", done / 1024), t0))?;
            if n == 0 {
                break;
            }
            sum = fnv1a(sum, buf().get(..n as usize).unwrap_or(&[]));
            if let Some(d) = to {
                let t0 = userlib::uptime_us();
                let w = self
                    .fs
                    .write_grant(d, self.grant, n)
                    .map_err(self.err(&format!("{what}: write at {} KiB", done / 1024), t0))?;
                if w != n {
                    return Err(format!("{what}: wrote {w} of {n} bytes").into());
                }
            }
            done += u64::from(n);
            if done >= next_report || done == size {
                next_report += 512 * 1024;
                userlib::log!(
                    "democopy: {what}: {} KiB of {} KiB",
                    done / 1024,
                    size / 1024
                );
            }
        }
        Ok((done, sum))
    }

    fn run(&self) -> R<String> {
        let t0 = userlib::uptime_us();
        let (src, size) = self
            .fs
            .open(self.src, OpenMode::READ)
            .map_err(self.err(&format!("open {}", self.src), t0))?;
        userlib::log!(
            "democopy: copying a {} KiB file {} to {} (fs -> blk -> {})",
            size / 1024,
            self.src,
            self.dst,
            self.driver
        );
        let t0 = userlib::uptime_us();
        let (dst, _) = self
            .fs
            .open(self.dst, OpenMode::CREATE)
            .map_err(self.err(&format!("create {}", self.dst), t0))?;
        let (copied, want) = self.pass(src, Some(dst), size, "copy")?;
        if copied != size {
            return Err(format!("copied {copied} bytes of {size}").into());
        }
        let t1 = userlib::uptime_us();
        self.fs
            .close(src)
            .map_err(self.err("close the source", t1))?;
        // The close of a handle that wrote is a durable point; the sync
        // says so once more for everything.
        self.fs.close(dst).map_err(self.err("close the copy", t1))?;
        self.fs.sync().map_err(self.err("sync", t1))?;
        let copied_ms = (userlib::uptime_us() - t0) / 1000;
        let t2 = userlib::uptime_us();
        let (back, len) = self
            .fs
            .open(self.dst, OpenMode::READ)
            .map_err(self.err("open the copy", t2))?;
        let (n, again) = self.pass(back, None, len, "verify")?;
        self.fs
            .close(back)
            .map_err(self.err("close the copy", t2))?;
        if n != size || again != want {
            return Err(format!(
                "the copy reads back {n} bytes with checksum {again:#018x}; the source {size} with {want:#018x}"
            )
            .into());
        }
        Ok(format!(
            "copied {} KiB in {copied_ms} ms; {} reads back with checksum {again:#018x} = {}'s; through fs, blk and {}",
            size / 1024,
            self.dst,
            self.src,
            self.driver
        ))
    }
}

fn supervisor_call(req: &supervisor::Request) -> Result<(), String> {
    let sup = userlib::lookup("supervisor").map_err(|e| format!("no supervisor: {e}"))?;
    match userlib::rpc::call::<Supervisor>(sup, req) {
        Ok(supervisor::Reply::Ok) => Ok(()),
        other => Err(format!("{req:?}: {other:?}")),
    }
}

/// `crash-loop=1`: the first attempt must end with the typed
/// `Unavailable` (the driver host faults on every start until the
/// supervisor holds it; the block service then answers `Unavailable`, and
/// fs passes it on as `Io(Unavailable)` — the judge checks it came within
/// its bound of the hold); then, as the operator, ask the supervisor to
/// `Restart` it — which starts it without its `fault-args`, the fault
/// cleared — and copy again.
fn crash_loop(c: &Copy, first: R<String>) -> R<String> {
    match first {
        Err(Failure::Unavailable { waited_ms }) => {
            userlib::log!(
                "democopy: the copy failed with the typed error: device unavailable (the supervisor holds {}; waited {waited_ms} ms for a working one)",
                c.driver
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
        "democopy: clearing the fault: asking the supervisor to restart {} (its fault-args no longer apply)",
        c.driver
    );
    supervisor_call(&supervisor::Request::Restart {
        name: String::from(c.driver),
    })?;
    // The block service looks for the new generation when a request comes
    // while it is unavailable; should it still answer Unavailable (the
    // new task not yet registered), try again for up to 5 s.
    for _ in 0..50 {
        match c.run() {
            Err(Failure::Unavailable { .. }) => userlib::sleep_ms(100),
            other => return other,
        }
    }
    c.run()
}

/// The loop's policy from `loop-min-run=`, `loop-backoff=` and
/// `loop-give-up=`.
fn loop_policy(args: &str) -> Result<supervisor::LoopPolicy, String> {
    let backoff = demo::arg(args, "loop-backoff").unwrap_or("50..400");
    let (base, max) = backoff
        .split_once("..")
        .and_then(|(b, m)| Some((b.parse().ok()?, m.parse().ok()?)))
        .ok_or_else(|| format!("loop-backoff={backoff}: not BASE..MAX"))?;
    let number = |key: &str, default: u64| {
        u32::try_from(demo::arg_u64(args, key, default)).map_err(|_| format!("{key}: too large"))
    };
    Ok(supervisor::LoopPolicy {
        min_run_ms: number("loop-min-run", 15_000)?,
        backoff_base_ms: base,
        backoff_max_ms: max,
        give_up: u16::try_from(number("loop-give-up", 4)?)
            .map_err(|_| String::from("loop-give-up: too large"))?,
    })
}

/// `loop=ARGS`: the crash-loop demo on the system the shell runs on, whose
/// driver host the supervisor started healthy under the manifest's own
/// policy (a long backoff, never held). A `CrashLoop` request has the
/// supervisor restart it with ARGS on every start under the demo's
/// policy; then a client read of block 0 through the block service (made
/// at once: it waits while there is no working driver host) must end with
/// the typed `Unavailable` — not a hang — and the supervisor must report
/// the driver host `Held`. Clearing the fault is the operator's: the
/// shell's `restart driverhost` (a `Restart` request ends the loop, the
/// manifest's arguments and policy apply again).
///
/// The read goes to the block service directly rather than through fs:
/// fs, mounted and caching, might answer a file read from memory, and this
/// demo is about what a client of the device gets.
fn live_crash_loop(driver: &str, fault: &str, args: &str) -> R<String> {
    let policy = loop_policy(args)?;
    let extra = fault.replace(',', " ");
    userlib::log!(
        "democopy: asking the supervisor to put {driver} into a crash loop: \"{extra}\" on every start, restarts after {}..{} ms, held after {} deaths within {} ms of their start",
        policy.backoff_base_ms,
        policy.backoff_max_ms,
        policy.give_up,
        policy.min_run_ms
    );
    supervisor_call(&supervisor::Request::CrashLoop {
        name: String::from(driver),
        args: extra,
        policy,
    })?;
    let blk = demo::find("blk");
    let grant = userlib::grant_create(blk, BUF_AT, 4096, true)
        .map_err(|e| format!("GrantCreate to blk: {e}"))?;
    userlib::log!(
        "democopy: reading block 0 through blk while {driver} crash-loops (the read waits for a working driver host)"
    );
    // The read waits while the block service has no driver host, and
    // ends with `Unavailable` when the supervisor holds it. On a machine
    // so loaded that the loop outlasts the block service's
    // `unavailable-ms`, the service gives up before the hold: then read
    // again (it waits again, or is refused at once while no driver host
    // runs) until the supervisor holds the driver host.
    let sup = userlib::lookup("supervisor").map_err(|e| format!("no supervisor: {e}"))?;
    let started = userlib::uptime_us();
    let (waited_ms, restarts) = loop {
        let t0 = userlib::uptime_us();
        let got = userlib::rpc::call::<ipc::blk::Blk>(
            blk,
            &ipc::blk::Request::Read {
                lba: 0,
                count: 1,
                grant,
            },
        );
        let waited_ms = (userlib::uptime_us() - t0) / 1000;
        if got != Ok(ipc::blk::Reply::Err(BlkError::Unavailable)) {
            return Err(format!(
                "the read through a driver host that always faults answered {got:?} after {waited_ms} ms"
            )
            .into());
        }
        let status = match userlib::rpc::call::<Supervisor>(sup, &supervisor::Request::Status) {
            Ok(supervisor::Reply::Status(s)) => s,
            other => return Err(format!("Status: {other:?}").into()),
        };
        let me = status
            .iter()
            .find(|s| s.name == driver)
            .ok_or_else(|| format!("no {driver} in the supervisor's Status"))?;
        if me.state == supervisor::ServiceState::Held {
            break (waited_ms, me.restarts);
        }
        if (userlib::uptime_us() - started) / 1000 > 300_000 {
            return Err(format!(
                "{driver} is {:?}, still not held 300 s into the loop",
                me.state
            )
            .into());
        }
        userlib::log!(
            "democopy: the read got Unavailable after {waited_ms} ms while {driver} is {:?}, not yet held (the block service's unavailable-ms ran out first): reading again",
            me.state
        );
        userlib::sleep_ms(100);
    };
    userlib::log!(
        "democopy: the read failed with the typed error: device unavailable (BlkError::Unavailable), after waiting {waited_ms} ms"
    );
    userlib::log!(
        "democopy: the supervisor holds {driver} ({restarts} restarts): `ps` shows it held; `restart {driver}` clears the fault"
    );
    Ok(format!(
        "{driver} crash-looped until held; a client's read got the typed Unavailable after {waited_ms} ms"
    ))
}

fn main(args: &str) -> i64 {
    let driver = demo::arg(args, "driver").unwrap_or("driverhost");
    let result = (|| -> R<String> {
        userlib::map_anon(BUF_AT, CHUNK, true).map_err(|e| format!("mapping the buffer: {e}"))?;
        if let Some(fault) = demo::arg(args, "loop") {
            return live_crash_loop(driver, fault, args);
        }
        if let Some(fault) = demo::arg(args, "fault") {
            let extra = fault.replace(',', " ");
            userlib::log!(
                "democopy: asking the supervisor to restart {driver} with \"{extra}\" for one start"
            );
            supervisor_call(&supervisor::Request::RestartWith {
                name: String::from(driver),
                args: extra,
            })?;
        }
        let fs = FsClient::new(demo::find("fs"));
        let grant = userlib::grant_create(fs.server, BUF_AT, CHUNK, true)
            .map_err(|e| format!("GrantCreate: {e}"))?;
        let c = Copy {
            fs,
            src: demo::arg(args, "src").unwrap_or("/BIG.BIN"),
            dst: demo::arg(args, "dst").unwrap_or("/COPY.BIN"),
            driver,
            grant,
        };
        let first = c.run();
        if demo::arg(args, "crash-loop") == Some("1") {
            crash_loop(&c, first)
        } else {
            first
        }
    })();
    let code = match result {
        Ok(s) => {
            userlib::log!("democopy: PASS ({s})");
            0
        }
        Err(Failure::Unavailable { waited_ms }) => {
            userlib::log!("democopy: FAIL (device unavailable after {waited_ms} ms)");
            1
        }
        Err(Failure::Other(e)) => {
            userlib::log!("democopy: FAIL ({e})");
            1
        }
    };
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    code
}
