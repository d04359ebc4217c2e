//! `managed-vs-native`: the same seeded random sequence of block
//! operations on two `ipc::blkdev` backends — the native virtio-blk driver
//! and the C# driver in the driver host, one disk each — batch by batch.
//! Every status must be `Ok` on both, every read must return the same
//! bytes from both; the harness then checks that the two image files are
//! identical.
//!
//! Each batch has up to [`MAX_OPS`] operations on disjoint sector ranges
//! (one region of the disk per position in the batch) and disjoint window
//! ranges, so the concurrent operations of a batch have one possible
//! outcome; flushes are barriers anyway.
//!
//! `mode=nodev`: against a driver host with no driver for its function,
//! see [`nodev`].
//!
//! Args: `a=NAME b=NAME` (the backends' service names), `blocks=N`,
//! `ops=N` (at least this many operations), `seed=N`, `shutdown=1`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use demo::Rng;
use ipc::blkdev::{BlkDev, BlkDevError, DeviceInfo, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc;

userlib::entry!(main);

const MAX_OPS: u64 = 16;
/// Largest operation: 64 sectors.
const MAX_SECTORS: u64 = 64;
const SLOT: u64 = MAX_SECTORS * 512;
const WINDOW: u64 = MAX_OPS * SLOT;
const WINDOW_A: u64 = 0x0000_3000_0000_0000;
const WINDOW_B: u64 = 0x0000_3100_0000_0000;

type R<T> = Result<T, String>;

struct Backend {
    name: String,
    task: TaskId,
    window: u64,
    info: DeviceInfo,
    /// Time spent waiting for this backend's replies.
    us: u64,
}

fn window(at: u64) -> &'static mut [u8] {
    // SAFETY: WINDOW bytes at `at` were mapped by `connect` and are used
    // by this single-threaded program only through these slices.
    unsafe { core::slice::from_raw_parts_mut(at as *mut u8, WINDOW as usize) }
}

fn call(task: TaskId, req: &Request) -> R<Reply> {
    rpc::call::<BlkDev>(task, req).map_err(|e| format!("{e}"))
}

fn connect(name: &str, at: u64) -> R<Backend> {
    let task = loop {
        match userlib::lookup(name) {
            Ok(id) => break id,
            Err(_) => userlib::sleep_ms(10),
        }
    };
    let mut tries = 0;
    let info = loop {
        match call(task, &Request::Info)? {
            Reply::Info(i) => break i,
            Reply::Err(BlkDevError::NotReady) if tries < 3000 => {
                tries += 1;
                userlib::sleep_ms(20);
            }
            other => return Err(format!("{name}: Info: {other:?}")),
        }
    };
    userlib::map_anon(at, WINDOW, true).map_err(|e| format!("mapping a window: {e}"))?;
    let g =
        userlib::grant_create(task, at, WINDOW, true).map_err(|e| format!("GrantCreate: {e}"))?;
    match call(task, &Request::Attach { grant: g })? {
        Reply::Attached { len } if len >= WINDOW => {}
        other => return Err(format!("{name}: Attach: {other:?}")),
    }
    Ok(Backend {
        name: name.into(),
        task,
        window: at,
        info,
        us: 0,
    })
}

fn submit(b: &mut Backend, ops: &[Op]) -> R<Vec<Status>> {
    let t = userlib::uptime_us();
    let r = call(b.task, &Request::Submit(ops.to_vec()))?;
    b.us += userlib::uptime_us() - t;
    match r {
        Reply::Done(s) if s.len() == ops.len() => Ok(s),
        other => Err(format!("{}: Submit of {}: {other:?}", b.name, ops.len())),
    }
}

struct Counts {
    reads: u64,
    writes: u64,
    flushes: u64,
    batches: u64,
    read_bytes: u64,
}

fn run(args: &str) -> R<String> {
    let blocks = demo::arg_u64(args, "blocks", 16384);
    let want = demo::arg_u64(args, "ops", 1000);
    let mut rng = Rng(demo::arg_u64(args, "seed", 0x5eed_c0de) | 1);
    let mut a = connect(demo::arg(args, "a").unwrap_or("virtio-blk"), WINDOW_A)?;
    let mut b = connect(demo::arg(args, "b").unwrap_or("driverhost"), WINDOW_B)?;
    if a.info.blocks != blocks
        || b.info.blocks != blocks
        || a.info.block_size != 512
        || b.info.block_size != 512
    {
        return Err(format!("geometries differ: {:?} / {:?}", a.info, b.info));
    }
    let region = blocks / MAX_OPS;
    let mut n = Counts {
        reads: 0,
        writes: 0,
        flushes: 0,
        batches: 0,
        read_bytes: 0,
    };
    let mut done = 0;
    while done < want {
        let k = 1 + rng.below(MAX_OPS);
        let mut ops = Vec::new();
        for i in 0..k {
            let kind = rng.below(10);
            if kind == 0 {
                ops.push(Op::Flush);
                continue;
            }
            let sectors = 1 + rng.below(MAX_SECTORS);
            let lba = i * region + rng.below(region - sectors);
            let len = (sectors * 512) as u32;
            let offset = i * SLOT;
            if kind <= 4 {
                // The same random data into both windows.
                for j in 0..u64::from(len) / 8 {
                    let v = rng.next().to_le_bytes();
                    let at = (offset + j * 8) as usize;
                    window(a.window)[at..at + 8].copy_from_slice(&v);
                    window(b.window)[at..at + 8].copy_from_slice(&v);
                }
                ops.push(Op::Write { lba, len, offset });
            } else {
                ops.push(Op::Read { lba, len, offset });
            }
        }
        let sa = submit(&mut a, &ops)?;
        let sb = submit(&mut b, &ops)?;
        for (i, op) in ops.iter().enumerate() {
            if sa[i] != Status::Ok || sb[i] != Status::Ok {
                return Err(format!(
                    "batch {}: op {i} {op:?}: {} {:?}, {} {:?}",
                    n.batches, a.name, sa[i], b.name, sb[i]
                ));
            }
            match *op {
                Op::Read { len, offset, lba } => {
                    let r = offset as usize..(offset + u64::from(len)) as usize;
                    if window(a.window)[r.clone()] != window(b.window)[r] {
                        return Err(format!(
                            "batch {}: the read of {} sectors at {lba} returned different data",
                            n.batches,
                            len / 512
                        ));
                    }
                    n.reads += 1;
                    n.read_bytes += u64::from(len);
                }
                Op::Write { .. } => n.writes += 1,
                Op::Flush => n.flushes += 1,
            }
        }
        done += k;
        n.batches += 1;
    }
    // Make everything durable on both before the harness compares images.
    submit(&mut a, &[Op::Flush])?;
    submit(&mut b, &[Op::Flush])?;
    Ok(format!(
        "{done} ops in {} batches: {} reads ({} KiB, identical on both), {} writes, {} flushes; {} {} ms, {} {} ms, ratio {}/{} = {}.{:02}",
        n.batches,
        n.reads,
        n.read_bytes / 1024,
        n.writes,
        n.flushes,
        a.name,
        a.us / 1000,
        b.name,
        b.us / 1000,
        b.name,
        a.name,
        b.us / a.us.max(1),
        (b.us * 100 / a.us.max(1)) % 100
    ))
}

/// The driver host's control protocol (`ipc::driverhost`): it is ready,
/// lists the C# driver, names the bound device, and refuses an unknown one
/// with a typed error.
fn control(name: &str) -> R<String> {
    use ipc::driverhost::{DriverHost, DriverHostError, HostState, Reply as C, Request as Q};
    let task = userlib::lookup(name).map_err(|e| format!("lookup {name}: {e}"))?;
    let ask = |q: &Q| rpc::call::<DriverHost>(task, q).map_err(|e| format!("{q:?}: {e}"));
    let status = match ask(&Q::Status)? {
        C::Status(s) if s.state == HostState::Ready && s.drivers >= 1 && s.devices == 1 => s,
        other => return Err(format!("Status: {other:?}")),
    };
    let drivers = match ask(&Q::Drivers)? {
        C::Drivers(d) => d,
        other => return Err(format!("Drivers: {other:?}")),
    };
    let driver = drivers
        .iter()
        .find(|d| d.vendor == 0x1af4 && d.device == 0x1042)
        .ok_or_else(|| format!("no 1af4:1042 driver in {drivers:?}"))?;
    // 00:05.0: where the harness put the managed disk.
    let bdf = 5 << 3;
    match ask(&Q::Device { bdf })? {
        C::Device(d) if d.driver == driver.class && d.state == HostState::Ready => {}
        other => return Err(format!("Device {bdf:#x}: {other:?}")),
    }
    match ask(&Q::Device { bdf: 0x1234 })? {
        C::Err(DriverHostError::UnknownDevice { bdf: 0x1234 }) => {}
        other => return Err(format!("Device 0x1234: {other:?}")),
    }
    Ok(format!(
        "ready, {} driver(s), {} ({}) bound to 00:05.0, an unknown device refused; {} methods, {} IL bytes compiled",
        drivers.len(),
        driver.class,
        driver.assembly,
        status.methods,
        status.il_bytes
    ))
}

/// `mode=nodev`: a driver host with no driver for its granted function
/// refuses I/O with typed errors instead of leaving the caller waiting,
/// and says why on its control protocol.
fn nodev(name: &str) -> R<String> {
    use ipc::driverhost::{DriverHost, DriverHostError, HostState, Reply as C, Request as Q};
    let task = loop {
        match userlib::lookup(name) {
            Ok(id) => break id,
            Err(_) => userlib::sleep_ms(10),
        }
    };
    match call(task, &Request::Info)? {
        Reply::Err(BlkDevError::NotReady) => {}
        other => return Err(format!("Info: {other:?}")),
    }
    userlib::map_anon(WINDOW_A, WINDOW, true).map_err(|e| format!("window: {e}"))?;
    let g = userlib::grant_create(task, WINDOW_A, WINDOW, true).map_err(|e| format!("{e}"))?;
    match call(task, &Request::Attach { grant: g })? {
        Reply::Attached { .. } => {}
        other => return Err(format!("Attach: {other:?}")),
    }
    let read = Op::Read {
        lba: 0,
        len: 512,
        offset: 0,
    };
    match call(task, &Request::Submit(alloc::vec![read, Op::Flush]))? {
        Reply::Err(BlkDevError::NotReady) => {}
        other => return Err(format!("Submit: {other:?}")),
    }
    let ask = |q: &Q| rpc::call::<DriverHost>(task, q).map_err(|e| format!("{q:?}: {e}"));
    match ask(&Q::Status)? {
        C::Status(s) if s.state == HostState::NoDriver && s.devices == 0 && s.drivers >= 1 => {}
        other => return Err(format!("Status: {other:?}")),
    }
    // 00:02.0: the e1000e the manifest granted, which no driver drives.
    match ask(&Q::Device { bdf: 2 << 3 })? {
        C::Err(DriverHostError::UnknownDevice { bdf: 0x10 }) => {}
        other => return Err(format!("Device 00:02.0: {other:?}")),
    }
    Ok("no driver for the granted function: Info and Submit refused with NotReady, state NoDriver, the function an UnknownDevice".into())
}

fn main(args: &str) -> i64 {
    if demo::arg(args, "mode") == Some("nodev") {
        let result = nodev(demo::arg(args, "b").unwrap_or("driverhost"));
        return demo::finish("blkcompare", args, result);
    }
    let result = run(args).and_then(|s| {
        let c = control(demo::arg(args, "b").unwrap_or("driverhost"))?;
        userlib::log!("blkcompare: driverhost control: {c}");
        Ok(s)
    });
    demo::finish("blkcompare", args, result)
}
