//! `cargo xtask bench blk`: block backends' throughput — the native
//! virtio-blk driver and the C# driver in the driver host, one after the
//! other phase by phase in one boot (`drivers=virtio-blk,driverhost`, at
//! most 4) — measured in the
//! guest with `Uptime` (µs; virtual time under `-icount`).
//!
//! Six phases, each run for `ms=` milliseconds (default 1000): 4 KiB random
//! reads at queue depth 1 and 32, 64 KiB sequential reads and writes at
//! queue depth 1 and 32. Depth 32 is one `Submit` of 32 operations at a
//! time (the driver keeps its queue depth on the device and queues the
//! rest). Prints one `blkbench: driver=NAME` line of `key=value` figures
//! per backend, then powers off.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::vec::Vec;
use ipc::blkdev::{BlkDev, DeviceInfo, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc;

userlib::entry!(main);

const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
/// 32 operations of 64 KiB.
const WINDOW: u64 = 32 * 64 * 1024;

fn find(name: &str) -> TaskId {
    loop {
        match userlib::lookup(name) {
            Ok(id) => return id,
            Err(_) => userlib::sleep_ms(10),
        }
    }
}

struct Bench {
    driver: TaskId,
    info: DeviceInfo,
    rng: u64,
    failures: u64,
}

impl Bench {
    fn submit(&mut self, ops: Vec<Op>) {
        let n = ops.len();
        match rpc::call::<BlkDev>(self.driver, &Request::Submit(ops)) {
            Ok(Reply::Done(s)) if s.len() == n => {
                self.failures += s.iter().filter(|x| **x != Status::Ok).count() as u64;
            }
            _ => self.failures += n as u64,
        }
    }

    fn random_lba(&mut self, sectors: u64) -> u64 {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        (self.rng % (self.info.blocks / sectors)) * sectors
    }

    /// Runs batches of `depth` operations of `len` bytes for `ms`; returns
    /// (operations, microseconds).
    fn phase(&mut self, depth: u64, len: u32, random: bool, write: bool, ms: u64) -> (u64, u64) {
        let sectors = u64::from(len) / 512;
        let mut seq = 0u64;
        let (mut ops_done, t0) = (0u64, userlib::uptime_us());
        loop {
            let ops = (0..depth)
                .map(|i| {
                    let lba = if random {
                        self.random_lba(sectors)
                    } else {
                        let l = seq;
                        seq = (seq + sectors) % (self.info.blocks - self.info.blocks % sectors);
                        l
                    };
                    let offset = i * u64::from(len);
                    if write {
                        Op::Write { lba, len, offset }
                    } else {
                        Op::Read { lba, len, offset }
                    }
                })
                .collect();
            self.submit(ops);
            ops_done += depth;
            let dt = userlib::uptime_us() - t0;
            if dt >= ms * 1000 {
                return (ops_done, dt);
            }
        }
    }
}

/// Backend `name` and its geometry, once it serves.
fn connect(name: &str) -> Result<(TaskId, DeviceInfo), alloc::string::String> {
    let driver = find(name);
    // The driver host answers NotReady while its C# driver starts.
    let mut tries = 0;
    let info = loop {
        match rpc::call::<BlkDev>(driver, &Request::Info) {
            Ok(Reply::Info(i)) => break i,
            Ok(Reply::Err(ipc::blkdev::BlkDevError::NotReady)) if tries < 3000 => {
                tries += 1;
                userlib::sleep_ms(20);
            }
            other => return Err(alloc::format!("Info: {other:?}")),
        }
    };
    Ok((driver, info))
}

/// A connected backend with its window attached.
fn attach(name: &str) -> Result<Bench, alloc::string::String> {
    let (driver, info) = connect(name)?;
    let attached = userlib::grant_create(driver, WINDOW_AT, WINDOW, true)
        .ok()
        .and_then(|g| rpc::call::<BlkDev>(driver, &Request::Attach { grant: g }).ok());
    if !matches!(attached, Some(Reply::Attached { .. })) {
        return Err(alloc::format!("attach: {attached:?}"));
    }
    Ok(Bench {
        driver,
        info,
        rng: 0x2545_f491_4f6c_dd1d,
        failures: 0,
    })
}

/// (depth, length, random, write) of the six measured phases.
const PHASES: [(u64, u32, bool, bool); 6] = [
    (1, 4096, true, false),
    (32, 4096, true, false),
    (1, 65536, false, false),
    (32, 65536, false, false),
    (1, 65536, false, true),
    (32, 65536, false, true),
];

fn main(args: &str) -> i64 {
    let ms = demo::arg_u64(args, "ms", 1000);
    if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
        userlib::log!("blkbench: FAIL (window: {e})");
        return 1;
    }
    let names: Vec<&str> = demo::arg(args, "drivers")
        .unwrap_or("virtio-blk")
        .split(',')
        .collect();
    // Every backend serving and attached before the first measurement (the
    // driver host compiles its driver at start and would steal the vCPU).
    let mut benches = Vec::new();
    for name in &names {
        match attach(name) {
            Ok(b) => benches.push(b),
            Err(e) => {
                userlib::log!("blkbench: FAIL ({name}: {e})");
                demo::shutdown();
                return 1;
            }
        }
    }
    // Warm every path (first touches of the window, the driver's slots,
    // the JIT's first compiles of the I/O path).
    for b in &mut benches {
        b.phase(32, 4096, true, false, 50);
        b.phase(32, 65536, false, true, 50);
    }
    // Phase by phase, each backend in turn: whatever drifts during the
    // boot (TCG's translation cache, the host) drifts for all of them.
    // Beside each phase, the kernel's share per operation where the kernel
    // counts it (the selftest kernel the benchmark boots under -icount):
    // its trap-handling time, in nanoseconds — instructions there.
    let mut results = [[(0u64, 0u64); 6]; 4];
    let mut kernel = [[0u64; 6]; 4];
    for (p, &(depth, len, random, write)) in PHASES.iter().enumerate() {
        for (i, b) in benches.iter_mut().enumerate() {
            let before = userlib::sys::kernel_stats().ok();
            let r = b.phase(depth, len, random, write, ms);
            let after = userlib::sys::kernel_stats().ok();
            if let Some(slot) = results.get_mut(i).and_then(|r| r.get_mut(p)) {
                *slot = r;
            }
            if let (Some((c0, hz, _)), Some((c1, _, _)), Some(slot)) =
                (before, after, kernel.get_mut(i).and_then(|k| k.get_mut(p)))
            {
                *slot = (c1 - c0).saturating_mul(1_000_000_000) / hz.max(1) / r.0.max(1);
            }
        }
    }
    let per_s = |(n, us): (u64, u64)| n * 1_000_000 / us.max(1);
    let kib_s = |(n, us): (u64, u64)| n * 64 * 1_000_000 / us.max(1);
    let ns_op = |(n, us): (u64, u64)| us * 1000 / n.max(1);
    let mut code = 0;
    for (((name, b), r), k) in names.iter().zip(&benches).zip(&results).zip(&kernel) {
        let _ = rpc::call::<BlkDev>(b.driver, &Request::Detach);
        userlib::log!(
            "blkbench: driver={name} blocks={} depth={} rand4k_qd1_iops={} rand4k_qd32_iops={} rand4k_qd1_ns={} rand4k_qd32_ns={} rand4k_qd1_kernel_ns={} rand4k_qd32_kernel_ns={} seq64k_read_qd1_kibs={} seq64k_read_qd32_kibs={} seq64k_write_qd1_kibs={} seq64k_write_qd32_kibs={} rand4k_qd1_ops={} failures={}",
            b.info.blocks,
            b.info.queue_depth,
            per_s(r[0]),
            per_s(r[1]),
            ns_op(r[0]),
            ns_op(r[1]),
            k[0],
            k[1],
            kib_s(r[2]),
            kib_s(r[3]),
            kib_s(r[4]),
            kib_s(r[5]),
            r[0].0,
            b.failures
        );
        if b.failures > 0 {
            code = 1;
        }
    }
    demo::shutdown();
    code
}
