//! `cargo xtask bench blk`: the native virtio-blk driver's throughput,
//! measured in the guest with `Uptime` (µs; virtual time under `-icount`).
//!
//! Six phases, each run for `ms=` milliseconds (default 1000): 4 KiB random
//! reads at queue depth 1 and 32, 64 KiB sequential reads and writes at
//! queue depth 1 and 32. Depth 32 is one `Submit` of 32 operations at a
//! time (the driver keeps 16 on the device and queues the rest). Prints one
//! `blkbench:` line of `key=value` figures, then powers off.

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

fn main(args: &str) -> i64 {
    let ms = demo::arg_u64(args, "ms", 1000);
    if let Err(e) = userlib::map_anon(WINDOW_AT, WINDOW, true) {
        userlib::log!("blkbench: FAIL (window: {e})");
        return 1;
    }
    let driver = find("virtio-blk");
    let info = match rpc::call::<BlkDev>(driver, &Request::Info) {
        Ok(Reply::Info(i)) => i,
        other => {
            userlib::log!("blkbench: FAIL (Info: {other:?})");
            return 1;
        }
    };
    let attached = userlib::grant_create(driver, WINDOW_AT, WINDOW, true)
        .ok()
        .and_then(|g| rpc::call::<BlkDev>(driver, &Request::Attach { grant: g }).ok());
    if !matches!(attached, Some(Reply::Attached { .. })) {
        userlib::log!("blkbench: FAIL (attach: {attached:?})");
        return 1;
    }
    let mut b = Bench {
        driver,
        info,
        rng: 0x2545_f491_4f6c_dd1d,
        failures: 0,
    };
    // Warm the path (first touches of the window, the driver's slots).
    b.phase(32, 4096, true, false, 50);
    let per_s = |(n, us): (u64, u64)| n * 1_000_000 / us.max(1);
    let kib_s = |(n, us): (u64, u64)| n * 64 * 1_000_000 / us.max(1);
    let ns_op = |(n, us): (u64, u64)| us * 1000 / n.max(1);
    // The kernel's share of a 4 KiB read, where the kernel counts it (the
    // selftest kernel, booted by the benchmark under -icount): its trap
    // handling time per request, in nanoseconds (= instructions there).
    let kernel_ns = |before: Option<(u64, u64, u64)>, n: u64| -> u64 {
        match (before, userlib::sys::kernel_stats().ok()) {
            (Some((c0, hz, _)), Some((c1, _, _))) => {
                (c1 - c0).saturating_mul(1_000_000_000) / hz.max(1) / n.max(1)
            }
            _ => 0,
        }
    };
    let k = userlib::sys::kernel_stats().ok();
    let r1 = b.phase(1, 4096, true, false, ms);
    let kernel1 = kernel_ns(k, r1.0);
    let k = userlib::sys::kernel_stats().ok();
    let r32 = b.phase(32, 4096, true, false, ms);
    let kernel32 = kernel_ns(k, r32.0);
    let sr1 = b.phase(1, 65536, false, false, ms);
    let sr32 = b.phase(32, 65536, false, false, ms);
    let sw1 = b.phase(1, 65536, false, true, ms);
    let sw32 = b.phase(32, 65536, false, true, ms);
    userlib::log!(
        "blkbench: blocks={} rand4k_qd1_iops={} rand4k_qd32_iops={} rand4k_qd1_ns={} rand4k_qd32_ns={} rand4k_qd1_kernel_ns={} rand4k_qd32_kernel_ns={} seq64k_read_qd1_kibs={} seq64k_read_qd32_kibs={} seq64k_write_qd1_kibs={} seq64k_write_qd32_kibs={} rand4k_qd1_ops={} failures={}",
        info.blocks,
        per_s(r1),
        per_s(r32),
        ns_op(r1),
        ns_op(r32),
        kernel1,
        kernel32,
        kib_s(sr1),
        kib_s(sr32),
        kib_s(sw1),
        kib_s(sw32),
        r1.0,
        b.failures
    );
    demo::shutdown();
    0
}
