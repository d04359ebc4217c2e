//! `cargo xtask bench blk`: the native virtio-blk driver's 4 KiB random-read
//! IOPS and 64 KiB sequential read/write throughput at queue depth 1 and
//! 32, measured inside the guest by `blkbench` (`services/demo`), and the
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

fn figures(log: &str) -> Option<Vec<(String, u64)>> {
    let line = log.lines().find(|l| l.contains("blkbench: blocks="))?;
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

fn boot(config: &QemuConfig, what: &str) -> Result<Vec<(String, u64)>> {
    let log = crate::bench_ipc::boot_output(config)?;
    let f =
        figures(&log).ok_or_else(|| Error::Missing(format!("no blkbench line {what}:\n{log}")))?;
    if get(&f, "failures") > 0 {
        return Err(Error::Missing(format!(
            "{} benchmark requests failed {what}:\n{log}",
            get(&f, "failures")
        )));
    }
    Ok(f)
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
    let disk = vec![
        "-drive".to_string(),
        format!("file={},if=none,id=d0,format=raw", img.display()),
        "-device".into(),
        "virtio-blk-pci,drive=d0,disable-legacy=on".into(),
    ];
    config.extra = disk.clone();
    println!(
        "virtio-blk benchmark ({} build): native driver, TCG, {} smp, {} MiB disk image (raw, sparse) on {where_}, QEMU default cache (writeback), 1 s per phase",
        if profile.release { "release" } else { "debug" },
        config.smp,
        (BLOCKS * 512) >> 20
    );
    let result = (|| {
        let f = boot(&config, "in the plain boot")?;
        println!(
            "  4 KiB random read:      QD1 {:>7} IOPS   QD32 {:>7} IOPS",
            get(&f, "rand4k_qd1_iops"),
            get(&f, "rand4k_qd32_iops")
        );
        let mb = |k: u64| k as f64 / 1024.0;
        println!(
            "  64 KiB sequential read:  QD1 {:>7.1} MiB/s QD32 {:>7.1} MiB/s",
            mb(get(&f, "seq64k_read_qd1_kibs")),
            mb(get(&f, "seq64k_read_qd32_kibs"))
        );
        println!(
            "  64 KiB sequential write: QD1 {:>7.1} MiB/s QD32 {:>7.1} MiB/s",
            mb(get(&f, "seq64k_write_qd1_kibs")),
            mb(get(&f, "seq64k_write_qd32_kibs"))
        );
        // Under -icount one guest instruction is one virtual nanosecond. The
        // selftest kernel (the same kernel plus test-only counters) adds up
        // the time it spends handling traps, so the kernel's share of a
        // request can be told apart from the driver's, the client's and the
        // idle wait for QEMU's disk.
        let mut counted = config.clone();
        counted.kernel = images.kernel_selftest.clone();
        counted
            .extra
            .extend(["-icount".to_string(), "shift=0".into()]);
        let g = boot(&counted, "under -icount shift=0")?;
        println!(
            "  -icount shift=0, virtual ns (= guest instructions + idle) per 4 KiB random read: QD1 {}, QD32 {}",
            get(&g, "rand4k_qd1_ns"),
            get(&g, "rand4k_qd32_ns")
        );
        println!(
            "  kernel instructions per 4 KiB random read (trap handling, entry/exit stubs not counted): QD1 {}, QD32 {}",
            get(&g, "rand4k_qd1_kernel_ns"),
            get(&g, "rand4k_qd32_kernel_ns")
        );
        println!(
            "blk-bench: rand4k_qd1_iops={} rand4k_qd32_iops={} seq64k_read_qd1_kibs={} seq64k_read_qd32_kibs={} seq64k_write_qd1_kibs={} seq64k_write_qd32_kibs={} icount_rand4k_qd1_ns={} icount_rand4k_qd32_ns={} kernel_instr_rand4k_qd1={} kernel_instr_rand4k_qd32={}",
            get(&f, "rand4k_qd1_iops"),
            get(&f, "rand4k_qd32_iops"),
            get(&f, "seq64k_read_qd1_kibs"),
            get(&f, "seq64k_read_qd32_kibs"),
            get(&f, "seq64k_write_qd1_kibs"),
            get(&f, "seq64k_write_qd32_kibs"),
            get(&g, "rand4k_qd1_ns"),
            get(&g, "rand4k_qd32_ns"),
            get(&g, "rand4k_qd1_kernel_ns"),
            get(&g, "rand4k_qd32_kernel_ns")
        );
        Ok(())
    })();
    let _ = std::fs::remove_file(&img);
    result
}
