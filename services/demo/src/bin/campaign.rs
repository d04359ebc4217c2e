//! The fault-injection campaign's controller and file workload
//! (`cargo xtask campaign`, the `campaign-short` QEMU test;
//! docs/campaign.md).
//!
//! It writes files through the FAT service — fs → blk → the driver host,
//! which takes one injection per generation (`driverhost/src/campaign.rs`)
//! — while the driver host dies and restarts underneath. Each write is a
//! whole file with contents drawn from the seed and the write's number,
//! followed by `Sync`; only when both succeed is it **acknowledged**, with
//! a line the host reads (`campaign: ack ...`): the host later checks that
//! the last acknowledged contents of every file are on the disk image.
//! Before a file is overwritten it is read back through the FAT service
//! and compared with what was acknowledged (`campaign: CORRUPT ...` if
//! not). A refused write is not acknowledged; it is retried.
//!
//! It ends once the driver host has reached generation `faults` (every
//! injection handed out) and that clean generation has served a write:
//! then every file is read back and checked, and the machine powered off.
//!
//! Args: `faults=N` (the driver host's `count`), `seed=S`, `files=N`
//! (slots, default 64), `shutdown=1`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use userlib::fs::FsClient;

userlib::entry!(main);

const DIR: &str = "/campaign";
/// A progress line at least this often (the host's hang detector).
const PROGRESS_US: u64 = 2_000_000;

fn fnv1a64(data: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The contents of write `n`: 512 B – 24 KiB from a splitmix64 stream.
fn contents(seed: u64, n: u64) -> Vec<u8> {
    let mut s = seed ^ n.wrapping_mul(0xd134_2543_de82_ef95);
    let mut next = || {
        s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let len = 512 + (next() % (24 * 1024 - 512)) as usize;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        out.extend_from_slice(&next().to_le_bytes());
    }
    out.truncate(len);
    out
}

fn path(slot: u64) -> String {
    format!("{DIR}/f{slot:03}.bin")
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
    slots: u64,
    /// Per slot: the write number last acknowledged.
    acked: Vec<Option<u64>>,
    writes: u64,
    refused: u64,
    corrupt: u64,
    last_progress: u64,
    t0: u64,
}

impl Run {
    /// Write number `n` to its slot until acknowledged.
    fn write(&mut self, n: u64) {
        let slot = n % self.slots;
        let p = path(slot);
        if let Some(prev) = self.acked.get(slot as usize).copied().flatten() {
            self.check(slot, prev, "before overwriting");
        }
        let data = contents(self.seed, n);
        loop {
            let result = self.fs.write_file(&p, &data).and_then(|()| self.fs.sync());
            match result {
                Ok(()) => break,
                Err(e) => {
                    self.refused += 1;
                    userlib::log!(
                        "campaign: write #{n} {p} refused ({e}); not acknowledged, retrying"
                    );
                    userlib::sleep_ms(50);
                    self.progress();
                }
            }
        }
        self.writes += 1;
        if let Some(a) = self.acked.get_mut(slot as usize) {
            *a = Some(n);
        }
        userlib::log!(
            "campaign: ack #{n} {p} {} bytes fnv={:#018x} gen={}",
            data.len(),
            fnv1a64(&data),
            generation().map_or(-1, i64::from)
        );
    }

    /// Reads slot `slot` back and compares it with write `n`.
    fn check(&mut self, slot: u64, n: u64, when: &str) -> bool {
        let p = path(slot);
        let want = contents(self.seed, n);
        let got = loop {
            match self.fs.read_file(&p) {
                Ok(d) => break d,
                Err(e) => {
                    userlib::log!("campaign: reading {p} back refused ({e}); retrying");
                    userlib::sleep_ms(50);
                    self.progress();
                }
            }
        };
        if got == want {
            return true;
        }
        self.corrupt += 1;
        userlib::log!(
            "campaign: CORRUPT {p} {when}: acknowledged write #{n} was {} bytes fnv={:#018x}, read back {} bytes fnv={:#018x}",
            want.len(),
            fnv1a64(&want),
            got.len(),
            fnv1a64(&got)
        );
        false
    }

    fn progress(&mut self) {
        let now = userlib::uptime_us();
        if now - self.last_progress < PROGRESS_US {
            return;
        }
        self.last_progress = now;
        userlib::log!(
            "campaign: progress: {} writes acknowledged, {} refused, {} corrupt, driverhost generation {}, {} s",
            self.writes,
            self.refused,
            self.corrupt,
            generation().map_or(-1, i64::from),
            (now - self.t0) / 1_000_000
        );
    }
}

fn main(args: &str) -> i64 {
    let faults = demo::arg_u64(args, "faults", 10);
    let seed = demo::arg_u64(args, "seed", 1);
    let slots = demo::arg_u64(args, "files", 64).clamp(1, 512);
    let fs = FsClient::new(demo::find("fs"));
    let t0 = userlib::uptime_us();
    userlib::log!("campaign: controller: {faults} injections, seed {seed}, {slots} files in {DIR}");
    loop {
        match fs.mkdir(DIR) {
            Ok(()) => break,
            // A later boot of the same campaign: the files are there.
            Err(_) if fs.stat(DIR).is_ok() => break,
            Err(e) => {
                userlib::log!("campaign: mkdir {DIR} refused ({e}); retrying");
                userlib::sleep_ms(100);
            }
        }
    }
    let mut run = Run {
        fs,
        seed,
        slots,
        acked: alloc::vec![None; slots as usize],
        writes: 0,
        refused: 0,
        corrupt: 0,
        last_progress: 0,
        t0,
    };
    let mut n = 0u64;
    // Until the clean generation (number `faults`) has served a write.
    loop {
        let before = generation();
        run.write(n);
        n += 1;
        run.progress();
        if matches!((before, generation()), (Some(a), Some(b)) if a == b && u64::from(a) >= faults)
        {
            break;
        }
    }
    // Every file, once more.
    let mut bad = 0;
    for slot in 0..slots {
        if let Some(w) = run.acked.get(slot as usize).copied().flatten()
            && !run.check(slot, w, "at the end")
        {
            bad += 1;
        }
    }
    userlib::log!(
        "campaign: done: {} writes acknowledged, {} refused, {} corrupt read-backs ({bad} at the end), {} files checked, {} s",
        run.writes,
        run.refused,
        run.corrupt,
        run.acked.iter().flatten().count(),
        (userlib::uptime_us() - t0) / 1_000_000
    );
    if demo::arg(args, "shutdown") == Some("1") {
        demo::shutdown();
    }
    i64::from(run.corrupt != 0)
}
