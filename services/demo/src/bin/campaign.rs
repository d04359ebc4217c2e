//! The fault-injection campaign's controller and file workload
//! (`cargo xtask campaign`, the `campaign-short` QEMU test;
//! docs/campaign.md).
//!
//! It writes through the FAT service — fs → blk → the driver host, which
//! takes one injection per generation (`driverhost/src/campaign.rs`) —
//! while the driver host dies and restarts underneath. Write number `n`
//! appends record `n / files` to file `n % files` (`demo::campaign_record`:
//! contents from the seed, the file and the index), at the offset where
//! the file's acknowledged records end, and closes the file. The write is
//! **acknowledged** when the write and the `Close` both succeed: `Close` of
//! a handle that wrote is the FAT service's durable point (docs/ipc.md).
//! A refused write is retried at the same offset with the same bytes, so a
//! retry is idempotent. The files only grow, so every acknowledged record
//! stays on the disk and the host checks all of them on the image.
//!
//! The log carries acknowledgements compactly: `campaign: acked #A-#B
//! gen=G` for a run of writes acknowledged while the driver host's
//! generation was G (a line when the generation changes, every 2 s, and at
//! the end). Writes are acknowledged in order, so the highest B is all the
//! host needs to know what must be on the image.
//!
//! During the run, before appending to a file, it reads the file's
//! previous record back through the FAT service (`campaign: CORRUPT ...`
//! if it differs). It ends once the driver host has reached generation
//! `faults` (every injection handed out) and that clean generation has
//! served a write: then every file is read back whole and every record
//! checked, and the machine powered off.
//!
//! A later boot of the same campaign (after a hang) finds the files there
//! and goes on from the first record missing from them; the last record
//! whole by size is read back first, since the stop may have cut its write
//! short (`demo::campaign_record::resume`).
//!
//! Args: `faults=N` (the driver host's `count`), `seed=S`, `files=N`
//! (default 64), `shutdown=1`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use demo::campaign_record as record;
use ipc::fs::{FsError, OpenMode, SeekFrom};
use userlib::fs::{FsClient, FsClientError};

userlib::entry!(main);

/// A progress line (and an acknowledgement line) at least this often.
const PROGRESS_US: u64 = 2_000_000;

/// Write, create if missing, keep what is there.
const UPDATE: OpenMode = OpenMode {
    read: false,
    write: true,
    create: true,
    truncate: false,
    append: false,
    exclusive: false,
};

fn fnv1a64(data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn path(file: u32) -> String {
    let name = record::name(file);
    format!(
        "{}/{}",
        record::DIR,
        core::str::from_utf8(&name).unwrap_or("?")
    )
}

fn contents(seed: u64, file: u32, index: u64) -> Vec<u8> {
    let mut v = vec![0u8; record::len(seed, file, index)];
    record::fill(seed, file, index, &mut v);
    v
}

/// The driver host's current generation, if it is alive.
fn generation() -> Option<u32> {
    userlib::lookup("driverhost")
        .ok()
        .map(|t| u32::from(t.generation()))
}

struct Run {
    fs: FsClient,
    seed: u64,
    files: u32,
    /// Per file: the acknowledged records' total length (where the next
    /// record goes).
    size: Vec<u64>,
    /// The next write's number; every write before it is acknowledged.
    next: u64,
    /// The acknowledgements not yet logged: from this write number, under
    /// this driver-host generation.
    unlogged_from: u64,
    unlogged_gen: i64,
    /// Acknowledged in this boot, refused attempts, differing read-backs.
    writes: u64,
    refused: u64,
    corrupt: u64,
    /// The volume filled up: no more writes (said in the log).
    full: bool,
    last_progress: u64,
    t0: u64,
}

impl Run {
    /// `len` bytes of `path` at `at`, or why not.
    fn read_at(&self, path: &str, at: u64, len: usize) -> Result<Vec<u8>, FsClientError> {
        let (h, _) = self.fs.open(path, OpenMode::READ)?;
        let mut out = vec![0u8; len];
        let result = (|| {
            self.fs.seek(h, SeekFrom::Start(at))?;
            let mut got = 0;
            while got < len {
                let n = self.fs.read(h, out.get_mut(got..).unwrap_or(&mut []))?;
                if n == 0 {
                    break;
                }
                got += n;
            }
            out.truncate(got);
            Ok(())
        })();
        let closed = self.fs.close(h);
        result.and(closed).map(|()| out)
    }

    /// One attempt at writing `data` at `at` of `path`: acknowledged when
    /// the write and the close both succeed.
    fn write_at(&self, path: &str, at: u64, data: &[u8]) -> Result<(), FsClientError> {
        let (h, _) = self.fs.open(path, UPDATE)?;
        let written = self
            .fs
            .seek(h, SeekFrom::Start(at))
            .and_then(|_| self.fs.write_all(h, data));
        let closed = self.fs.close(h);
        written.and(closed)
    }

    /// Write number `self.next`, until acknowledged (or the volume is full).
    fn write(&mut self) {
        let n = self.next;
        let (file, index) = record::place(n, self.files);
        let p = path(file);
        let at = self.size.get(file as usize).copied().unwrap_or(0);
        if index > 0 {
            self.check(file, index - 1, "before appending");
        }
        let data = contents(self.seed, file, index);
        loop {
            match self.write_at(&p, at, &data) {
                Ok(()) => break,
                Err(FsClientError::Fs(FsError::NoSpace)) => {
                    userlib::log!(
                        "campaign: the volume is full at write #{n}: no more writes in this campaign"
                    );
                    self.full = true;
                    return;
                }
                Err(e) => {
                    self.refused += 1;
                    userlib::log!(
                        "campaign: write #{n} {p} refused ({e}); not acknowledged, retrying"
                    );
                    // Not a pacing delay: refusals are rare (a backend the
                    // block service gave up on); this keeps one from
                    // becoming a busy loop.
                    userlib::sleep_ms(10);
                    self.progress();
                }
            }
        }
        self.writes += 1;
        self.next += 1;
        if let Some(s) = self.size.get_mut(file as usize) {
            *s += data.len() as u64;
        }
        let g = generation().map_or(-1, i64::from);
        if g != self.unlogged_gen {
            // Acknowledged under a new generation: the earlier run is
            // complete.
            self.log_acks(n);
            self.unlogged_gen = g;
        }
    }

    /// Logs the acknowledgements before write `until` not yet logged.
    fn log_acks(&mut self, until: u64) {
        if until > self.unlogged_from {
            userlib::log!(
                "campaign: acked #{}-#{} gen={}",
                self.unlogged_from,
                until - 1,
                self.unlogged_gen
            );
        }
        self.unlogged_from = until;
    }

    /// Reads record `index` of `file` back and compares it.
    fn check(&mut self, file: u32, index: u64, when: &str) -> bool {
        let p = path(file);
        let want = contents(self.seed, file, index);
        let at = self.offset(file, index);
        let got = loop {
            match self.read_at(&p, at, want.len()) {
                Ok(d) => break d,
                Err(e) => {
                    userlib::log!("campaign: reading {p} back refused ({e}); retrying");
                    userlib::sleep_ms(10);
                    self.progress();
                }
            }
        };
        self.judge(file, index, &want, &got, when)
    }

    fn judge(&mut self, file: u32, index: u64, want: &[u8], got: &[u8], when: &str) -> bool {
        if got == want {
            return true;
        }
        self.corrupt += 1;
        userlib::log!(
            "campaign: CORRUPT {} record {index} (write #{}) {when}: {} bytes fnv={:#018x} acknowledged, read back {} bytes fnv={:#018x}",
            path(file),
            index * u64::from(self.files) + u64::from(file),
            want.len(),
            fnv1a64(want),
            got.len(),
            fnv1a64(got)
        );
        false
    }

    /// Where record `index` of `file` starts.
    fn offset(&self, file: u32, index: u64) -> u64 {
        (0..index)
            .map(|k| record::len(self.seed, file, k) as u64)
            .sum()
    }

    /// Every acknowledged record of every file, read back whole; the
    /// number that differ.
    fn check_all(&mut self) -> u64 {
        let mut bad = 0;
        for file in 0..self.files {
            let records = self.records(file);
            if records == 0 {
                continue;
            }
            let p = path(file);
            let whole = loop {
                match self.fs.read_file(&p) {
                    Ok(d) => break d,
                    Err(e) => {
                        userlib::log!("campaign: reading {p} refused ({e}); retrying");
                        userlib::sleep_ms(10);
                        self.progress();
                    }
                }
            };
            let mut at = 0usize;
            for index in 0..records {
                let want = contents(self.seed, file, index);
                let got = whole.get(at..at + want.len()).unwrap_or(&[]);
                if !self.judge(file, index, &want, got, "at the end") {
                    bad += 1;
                }
                at += want.len();
            }
        }
        bad
    }

    /// The acknowledged records of `file`.
    fn records(&self, file: u32) -> u64 {
        let files = u64::from(self.files);
        let f = u64::from(file);
        if self.next > f {
            (self.next - f).div_ceil(files)
        } else {
            0
        }
    }

    fn progress(&mut self) {
        let now = userlib::uptime_us();
        if now - self.last_progress < PROGRESS_US {
            return;
        }
        self.last_progress = now;
        self.log_acks(self.next);
        userlib::log!(
            "campaign: progress: {} writes acknowledged, {} refused, {} corrupt, driverhost generation {}, {} s",
            self.next,
            self.refused,
            self.corrupt,
            generation().map_or(-1, i64::from),
            (now - self.t0) / 1_000_000
        );
    }

    /// A later boot of the same campaign: the first write whose record is
    /// not on the disk (sizes from `Stat`; the last write whole by size is
    /// read back, since the stop may have cut its close short:
    /// [`record::resume`]).
    fn resume(&mut self) {
        let sizes: Vec<u64> = (0..self.files)
            .map(|file| self.fs.stat(&path(file)).map_or(0, |m| m.size))
            .collect();
        let mut ends = vec![0u64; self.files as usize];
        let mut torn = None;
        let n = record::resume(
            self.seed,
            self.files,
            &sizes,
            &mut ends,
            |file, index, at| {
                let want = contents(self.seed, file, index);
                let got = loop {
                    match self.read_at(&path(file), at, want.len()) {
                        Ok(d) => break d,
                        Err(e) => {
                            userlib::log!(
                                "campaign: reading {} back refused ({e}); retrying",
                                path(file)
                            );
                            userlib::sleep_ms(10);
                        }
                    }
                };
                let same = got == want;
                if !same {
                    torn = Some((file, index, fnv1a64(&got)));
                }
                same
            },
        );
        if let Some((file, index, fnv)) = torn {
            userlib::log!(
                "campaign: {} record {index} (write #{n}) is whole by size but not by content (fnv={fnv:#018x}): the stop cut its close short, so it was never acknowledged; writing it again",
                path(file)
            );
        }
        self.size = ends;
        self.next = n;
        self.unlogged_from = n;
        if n > 0 {
            userlib::log!("campaign: resuming at write #{n}: the files hold every write before it");
        }
    }
}

fn main(args: &str) -> i64 {
    let faults = demo::arg_u64(args, "faults", 10);
    let seed = demo::arg_u64(args, "seed", 1);
    let files = demo::arg_u64(args, "files", 64).clamp(1, 512) as u32;
    let fs = FsClient::new(demo::find("fs"));
    let t0 = userlib::uptime_us();
    userlib::log!(
        "campaign: controller: {faults} injections, seed {seed}, {files} files in {}",
        record::DIR
    );
    loop {
        match fs.mkdir(record::DIR) {
            Ok(()) => break,
            // A later boot of the same campaign: the files are there.
            Err(_) if fs.stat(record::DIR).is_ok() => break,
            Err(e) => {
                userlib::log!("campaign: mkdir {} refused ({e}); retrying", record::DIR);
                userlib::sleep_ms(20);
            }
        }
    }
    let mut run = Run {
        fs,
        seed,
        files,
        size: vec![0; files as usize],
        next: 0,
        unlogged_from: 0,
        unlogged_gen: generation().map_or(-1, i64::from),
        writes: 0,
        refused: 0,
        corrupt: 0,
        full: false,
        last_progress: 0,
        t0,
    };
    run.resume();
    // Until the clean generation (number `faults`) has served a write.
    loop {
        let before = generation();
        if run.full {
            // Keep the driver host busy so the injections go on: reads.
            let (file, index) = record::place(run.next.saturating_sub(1), files);
            run.check(file, index, "after the volume filled");
        } else {
            run.write();
        }
        run.progress();
        if matches!((before, generation()), (Some(a), Some(b)) if a == b && u64::from(a) >= faults)
        {
            break;
        }
    }
    run.log_acks(run.next);
    let bad = run.check_all();
    userlib::log!(
        "campaign: done: {} writes acknowledged ({} in this boot), {} refused, {} corrupt read-backs ({bad} at the end), {} files checked, {} s",
        run.next,
        run.writes,
        run.refused,
        run.corrupt,
        (0..files).filter(|&f| run.records(f) > 0).count(),
        (userlib::uptime_us() - t0) / 1_000_000
    );
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    i64::from(run.corrupt != 0)
}
