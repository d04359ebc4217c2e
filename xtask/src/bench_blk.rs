//! `cargo xtask bench blk`: 4 KiB random-read IOPS and 64 KiB sequential
//! read/write throughput at queue depth 1 and 32 of the native virtio-blk
//! driver and of the C# driver in the driver host, side by side from one
//! boot (two disks, measured alternately phase by phase inside the guest by
//! `blkbench`, `services/demo`), with the ratio managed/native, and the
//! cost per 4 KiB request under `-icount shift=0`.
//!
//! Two boots with the same disk: one plain (TCG, the figures a user sees),
//! one under `-icount shift=0`, where one guest instruction is one virtual
//! nanosecond. Under icount a request's virtual time is every guest
//! instruction it costs — client, kernel and driver together — plus the
//! time the vCPU sits idle while QEMU's block backend works, which icount
//! lets advance with the host clock. At queue depth 32 the idle share is
//! small (the device always has work queued), so that figure approaches the
//! guest's instructions per request; no per-ring counter exists to split
//! the kernel's share out (see `docs/devices.md`).

use crate::build::{Profile, build_images};
use crate::util::{Error, Result};
use cordon_tests::QemuConfig;
use std::path::PathBuf;

/// Disk size: 64 MiB.
const BLOCKS: u64 = 131_072;

/// (path, description) of a fresh zeroed image, on tmpfs when there is one
/// so the host's disk does not set the pace.
fn make_image(fallback_dir: &std::path::Path) -> Result<(PathBuf, &'static str)> {
    let shm = std::path::Path::new("/dev/shm");
    let (dir, what) = if shm.is_dir() {
        (shm.to_path_buf(), "tmpfs (/dev/shm)")
    } else {
        (
            fallback_dir.to_path_buf(),
            "the build directory's file system",
        )
    };
    let path = dir.join(format!("cordon-blkbench-{}.img", std::process::id()));
    let f = std::fs::File::create(&path).map_err(|error| Error::Io {
        path: path.clone(),
        error,
    })?;
    f.set_len(BLOCKS * 512).map_err(|error| Error::Io {
        path: path.clone(),
        error,
    })?;
    Ok((path, what))
}

fn figures(log: &str, driver: &str) -> Option<Vec<(String, u64)>> {
    let tag = format!("blkbench: driver={driver} ");
    let line = log.lines().find(|l| l.contains(&tag))?;
    let tail = line.split("blkbench: ").nth(1)?;
    Some(
        tail.split_whitespace()
            .filter_map(|w| {
                let (k, v) = w.split_once('=')?;
                Some((k.to_string(), v.parse().ok()?))
            })
            .collect(),
    )
}

fn get(f: &[(String, u64)], key: &str) -> u64 {
    f.iter().find(|(k, _)| k == key).map_or(0, |(_, v)| *v)
}

/// The backends' service names (`etc/blkbench.manifest`).
const NATIVE: &str = "virtio-blk";
const MANAGED: &str = "driverhost";

/// (native, managed) figures of one boot.
type Figures = (Vec<(String, u64)>, Vec<(String, u64)>);

fn boot(config: &QemuConfig, what: &str) -> Result<Figures> {
    let log = crate::bench_ipc::boot_output(config)?;
    let one = |driver: &str| -> Result<Vec<(String, u64)>> {
        let f = figures(&log, driver).ok_or_else(|| {
            Error::Missing(format!("no blkbench line for {driver} {what}:\n{log}"))
        })?;
        if get(&f, "failures") > 0 {
            return Err(Error::Missing(format!(
                "{} benchmark requests to {driver} failed {what}:\n{log}",
                get(&f, "failures")
            )));
        }
        Ok(f)
    };
    Ok((one(NATIVE)?, one(MANAGED)?))
}

fn ratio(managed: u64, native: u64) -> String {
    if native == 0 {
        "-".into()
    } else {
        format!("{:.2}", managed as f64 / native as f64)
    }
}

pub fn run(profile: Profile) -> Result<()> {
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    let dir = images
        .initrd
        .parent()
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    let (img, where_) = make_image(&dir)?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd.clone());
    config.append = "manifest=blkbench log=warn,user=info".into();
    let img2 = img.with_extension("managed.img");
    std::fs::copy(&img, &img2).map_err(|error| Error::Io {
        path: img2.clone(),
        error,
    })?;
    let mut disk = Vec::new();
    for (id, path, addr) in [("d0", &img, "0x4"), ("d1", &img2, "0x5")] {
        disk.extend([
            "-drive".to_string(),
            format!("file={},if=none,id={id},format=raw", path.display()),
            "-device".into(),
            format!("virtio-blk-pci,drive={id},addr={addr},disable-legacy=on"),
        ]);
    }
    config.extra = disk.clone();
    println!(
        "virtio-blk benchmark ({} build): native driver vs the C# driver in the driver host, one boot, alternating phase by phase; TCG, {} smp, two {} MiB disk images (raw, sparse) on {where_}, QEMU default cache (writeback), 1 s per phase",
        if profile.release { "release" } else { "debug" },
        config.smp,
        (BLOCKS * 512) >> 20
    );
    let result = (|| {
        let (n, m) = boot(&config, "in the plain boot")?;
        println!(
            "  {:<26} {:>12} {:>12} {:>16}",
            "", "native", "managed", "managed/native"
        );
        let row = |what: &str, key: &str, scale: f64, unit: &str| {
            let (a, b) = (get(&n, key), get(&m, key));
            println!(
                "  {what:<26} {:>8.1} {unit:<3} {:>8.1} {unit:<3} {:>16}",
                a as f64 / scale,
                b as f64 / scale,
                ratio(b, a)
            );
        };
        row("4 KiB random read QD1", "rand4k_qd1_iops", 1.0, "IOPS");
        row("4 KiB random read QD32", "rand4k_qd32_iops", 1.0, "IOPS");
        row(
            "64 KiB seq read QD1",
            "seq64k_read_qd1_kibs",
            1024.0,
            "MiB/s",
        );
        row(
            "64 KiB seq read QD32",
            "seq64k_read_qd32_kibs",
            1024.0,
            "MiB/s",
        );
        row(
            "64 KiB seq write QD1",
            "seq64k_write_qd1_kibs",
            1024.0,
            "MiB/s",
        );
        row(
            "64 KiB seq write QD32",
            "seq64k_write_qd32_kibs",
            1024.0,
            "MiB/s",
        );
        println!(
            "  (queue depth on the device: native {}, managed {}; ratios are throughput, > 1 means the C# driver is faster)",
            get(&n, "depth"),
            get(&m, "depth")
        );
        // Under -icount one guest instruction is one virtual nanosecond. The
        // selftest kernel (the same kernel plus test-only counters) adds up
        // the time it spends handling traps, so the kernel's share of a
        // request can be told apart from the drivers', the client's and the
        // idle wait for QEMU's disk.
        let mut counted = config.clone();
        counted.kernel = images.kernel_selftest.clone();
        counted
            .extra
            .extend(["-icount".to_string(), "shift=0".into()]);
        let (gn, gm) = boot(&counted, "under -icount shift=0")?;
        println!(
            "  -icount shift=0, virtual ns (= guest instructions + idle) per 4 KiB random read: native QD1 {} QD32 {}, managed QD1 {} QD32 {}",
            get(&gn, "rand4k_qd1_ns"),
            get(&gn, "rand4k_qd32_ns"),
            get(&gm, "rand4k_qd1_ns"),
            get(&gm, "rand4k_qd32_ns")
        );
        println!(
            "  kernel instructions per 4 KiB random read (trap handling; entry/exit stubs not counted): native QD1 {} QD32 {}, managed QD1 {} QD32 {}",
            get(&gn, "rand4k_qd1_kernel_ns"),
            get(&gn, "rand4k_qd32_kernel_ns"),
            get(&gm, "rand4k_qd1_kernel_ns"),
            get(&gm, "rand4k_qd32_kernel_ns")
        );
        for (who, f, g) in [("native", &n, &gn), ("managed", &m, &gm)] {
            println!(
                "blk-bench: driver={who} rand4k_qd1_iops={} rand4k_qd32_iops={} seq64k_read_qd1_kibs={} seq64k_read_qd32_kibs={} seq64k_write_qd1_kibs={} seq64k_write_qd32_kibs={} icount_rand4k_qd1_ns={} icount_rand4k_qd32_ns={} kernel_instr_rand4k_qd1={} kernel_instr_rand4k_qd32={}",
                get(f, "rand4k_qd1_iops"),
                get(f, "rand4k_qd32_iops"),
                get(f, "seq64k_read_qd1_kibs"),
                get(f, "seq64k_read_qd32_kibs"),
                get(f, "seq64k_write_qd1_kibs"),
                get(f, "seq64k_write_qd32_kibs"),
                get(g, "rand4k_qd1_ns"),
                get(g, "rand4k_qd32_ns"),
                get(g, "rand4k_qd1_kernel_ns"),
                get(g, "rand4k_qd32_kernel_ns")
            );
        }
        Ok(())
    })();
    let _ = std::fs::remove_file(&img2);
    let _ = std::fs::remove_file(&img);
    result
}
