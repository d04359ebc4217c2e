//! `cargo xtask bench restart`: from a driver-host fault to the first
//! client I/O served again, over 50 restarts in one boot
//! (`etc/benchrestart.manifest`: the `wild-store` injection in every
//! generation, backoff 1 ms, `dhinject mode=bench` riding out the deaths,
//! `allow=code-image`: from the second generation on each installs the
//! first one's code image instead of compiling, docs/driverhost.md),
//! split into phases by the kernel-log timestamps of these lines:
//!
//! | phase | from | to |
//! |---|---|---|
//! | death noticed | the kernel's `!!! TASK FAULT in driverhost[2.g]` | the supervisor's `driverhost[2.g] faulted` (it has read the code map) |
//! | process started | that | `restarted driverhost as 2.g+1` |
//! | image installed | that | the new driver host's `code image` line (files mapped, assemblies loaded, the kept code image fetched and imported — or refused, or none kept) |
//! | driver compiled | that | its `starting the driver (` (the up-front compile of what the image lacked — everything without one — and the hand-over of its own image) |
//! | device reset | that | its `serving ... as blkdev` (the driver's `Start`: reset, features, queue, GET_ID) |
//! | replay done | that | dhinject's `... done by 2.g+1` (the batch it died with, resubmitted and answered) |
//!
//! Also `bench boot`'s second figure (`boot_to_serving`): boot → the driver
//! host serving and a first client batch answered (`etc/benchboot.manifest`;
//! there is no shell yet to wait for).

use crate::util::{Error, Result};
use cordon_tests::{Images, QemuConfig};
use std::io::Read;
use std::time::{Duration, Instant};

/// The goal for fault → first I/O served again, under TCG.
const GOAL_MS: f64 = 20.0;
const RESTARTS: usize = 50;

/// The kernel log's timestamp of a line (`[   12.345678] ...`), seconds.
fn stamp(line: &str) -> Option<f64> {
    cordon_tests::demos::stamp(line)
}

/// The timestamp of the first line at or after byte `from` containing
/// `what`, and where that line ends. Lines of a multi-line report (the
/// kernel's fault report) after the first carry no timestamp: those take
/// the next stamped line's.
fn find(log: &str, from: usize, what: &str) -> Option<(f64, usize)> {
    let rest = log.get(from..)?;
    let at = rest.find(what)?;
    let start = rest[..at].rfind('\n').map_or(0, |i| i + 1);
    let end = rest[at..].find('\n').map_or(rest.len(), |i| at + i);
    let t = rest[start..].lines().find_map(stamp)?;
    Some((t, from + end))
}

const PHASES: [&str; N] = [
    "death noticed",
    "process started",
    "image installed",
    "driver compiled",
    "device reset",
    "replay done",
];

const N: usize = 6;

/// One restart: its phase durations in ms, and whether the new generation
/// imported the kept code image (its `code image imported:` line) rather
/// than compiling.
#[derive(Clone, Copy, Debug)]
struct Restart {
    ms: [f64; N],
    imported: bool,
}

/// Per restart, the phase durations.
fn phases(log: &str) -> Vec<Restart> {
    let mut out = Vec::new();
    let mut pos = 0;
    for g in 0u32.. {
        let (next, dead) = (g + 1, format!("driverhost[2.{g}]"));
        let Some((fault, p)) = find(log, pos, &format!("!!! TASK FAULT in {dead}")) else {
            break;
        };
        let image = format!("driverhost[2.{next}]: driverhost: code image");
        let steps = [
            format!("{dead} faulted"),
            format!("restarted driverhost as 2.{next}"),
            image.clone(),
            format!("driverhost[2.{next}]: driverhost: starting the driver ("),
            format!("driverhost[2.{next}]: driverhost: serving "),
            format!(" done by 2.{next}, "),
        ];
        let mut t = [fault; N + 1];
        let mut at = p;
        let mut complete = true;
        let imported = log
            .get(p..)
            .and_then(|r| r.lines().find(|l| l.contains(&image)))
            .is_some_and(|l| l.contains("code image imported:"));
        for (i, s) in steps.iter().enumerate() {
            match find(log, at, s) {
                Some((ts, end)) => {
                    t[i + 1] = ts;
                    at = end;
                }
                None => {
                    complete = false;
                    break;
                }
            }
        }
        if !complete {
            break;
        }
        let mut d = [0.0; N];
        for i in 0..N {
            d[i] = (t[i + 1] - t[i]) * 1e3;
        }
        out.push(Restart { ms: d, imported });
        pos = p;
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Boots `config` and returns the serial log once `until` is printed (or
/// QEMU exits, or `limit` passes).
fn boot_log(config: &QemuConfig, until: &str, limit: Duration) -> Result<String> {
    boot_log_all(config, &[until], limit)
}

/// [`boot_log`] until every one of `until` is printed.
fn boot_log_all(config: &QemuConfig, until: &[&str], limit: Duration) -> Result<String> {
    let (mut child, mut out) = crate::bench::spawn_with_serial(config)?;
    let start = Instant::now();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => seen.extend_from_slice(buf.get(..n).unwrap_or(&[])),
        }
        let text = String::from_utf8_lossy(&seen);
        if until.iter().all(|u| text.contains(u)) || start.elapsed() > limit {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(String::from_utf8_lossy(&seen).replace('\r', ""))
}

fn disk(images: &Images, name: &str) -> Result<(std::path::PathBuf, Vec<String>)> {
    let dir = cordon_tests::QemuTest::disk_dir(images);
    std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
        path: dir.clone(),
        error,
    })?;
    let path = dir.join(format!("{name}.img"));
    cordon_tests::disk::make_pattern_image(&path, 16384, cordon_tests::blkdisk::SEED_OLD)
        .map_err(Error::Missing)?;
    let d = cordon_tests::Disk {
        id: "d0",
        device: "addr=0x4,disable-legacy=on",
        make: |_| Ok(()),
        check: None,
    };
    let args = d.qemu_args(&path);
    Ok((path, args))
}

/// `icount`: run under `-icount shift=0`, where the kernel's clock counts
/// one virtual nanosecond per guest instruction (plus idle time): the
/// phases then measure the guest's work, whatever else loads the host —
/// how two builds are compared on the shared machine.
pub fn run(images: &Images, release: bool, icount: bool) -> Result<()> {
    let (img, args) = disk(images, "bench-restart")?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd.clone());
    config.append = "manifest=benchrestart".into();
    config.extra = args;
    if icount {
        config
            .extra
            .extend(["-icount".to_string(), "shift=0".into()]);
    }
    println!(
        "driver-host restart benchmark: {RESTARTS} restarts in one boot (TCG{}, {} build), each a wild-store fault after 64 requests with a batch in flight; phases from the kernel log's timestamps{}",
        if icount { " -icount shift=0" } else { "" },
        if release {
            "release"
        } else {
            "ring-3 `ring3` profile"
        },
        if icount {
            " (virtual ms: guest instructions plus idle)"
        } else {
            ""
        }
    );
    let log = boot_log(&config, "dhinject: PASS (", Duration::from_secs(900))?;
    let _ = std::fs::remove_file(&img);
    let kept = img.with_extension("log");
    if std::fs::write(&kept, &log).is_ok() {
        println!("  (the serial log: {})", kept.display());
    }
    if !log.contains("dhinject: PASS (") {
        let tail: String = log.lines().rev().take(40).collect::<Vec<_>>().join("\n");
        return Err(Error::Missing(format!(
            "the benchmark client did not finish; the log ends (newest first):\n{tail}"
        )));
    }
    let p = phases(&log);
    if p.len() < RESTARTS {
        return Err(Error::Missing(format!(
            "only {} complete restarts found in the log",
            p.len()
        )));
    }
    let totals: Vec<f64> = p.iter().map(|r| r.ms.iter().sum()).collect();
    let imported = p.iter().filter(|r| r.imported).count();
    println!(
        "  {imported} of {} restarts installed the kept code image, {} compiled",
        p.len(),
        p.len() - imported
    );
    let (med, worst) = (
        median(totals.clone()),
        totals.iter().copied().fold(0.0, f64::max),
    );
    println!("  {:<18} {:>10} {:>10}", "phase", "median", "worst");
    for (i, name) in PHASES.iter().enumerate() {
        let v: Vec<f64> = p.iter().map(|r| r.ms[i]).collect();
        let w = v.iter().copied().fold(0.0, f64::max);
        println!("  {name:<18} {:>7.1} ms {:>7.1} ms", median(v), w);
    }
    println!(
        "  {:<18} {med:>7.1} ms {worst:>7.1} ms   ({} restarts)",
        "fault -> I/O again",
        p.len()
    );
    println!(
        "  goal {GOAL_MS} ms: median {:.1}x, worst {:.1}x the goal",
        med / GOAL_MS,
        worst / GOAL_MS
    );
    println!(
        "bench-restart: icount={} restarts={} imported={imported} median_ms={med:.1} worst_ms={worst:.1} {}",
        u8::from(icount),
        p.len(),
        PHASES
            .iter()
            .enumerate()
            .map(|(i, n)| format!(
                "{}_median_ms={:.1}",
                n.replace(' ', "_"),
                median(p.iter().map(|r| r.ms[i]).collect())
            ))
            .collect::<Vec<_>>()
            .join(" ")
    );
    Ok(())
}

/// `bench boot`'s second figure: boot → the driver host serving and the
/// first client batch answered, from the kernel log (median of 3 boots).
pub fn boot_to_serving(images: &Images) -> Result<()> {
    let (img, args) = disk(images, "bench-boot")?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd.clone());
    config.append = "manifest=benchboot".into();
    config.extra = args;
    let (mut serving, mut served) = (Vec::new(), Vec::new());
    for i in 0..3 {
        let log = boot_log(&config, "dhinject: PASS (", Duration::from_secs(120))?;
        let at = |what: &str| -> Result<f64> {
            log.lines()
                .find(|l| l.contains(what))
                .and_then(stamp)
                .ok_or_else(|| {
                    let tail: Vec<&str> = log.lines().rev().take(15).collect();
                    Error::Missing(format!(
                        "no {what:?} line in boot {}; the log ends (newest first):\n{}",
                        i + 1,
                        tail.join("\n")
                    ))
                })
        };
        let (a, b) = (
            at("driverhost: serving ")?,
            at("driverhost: first I/O served ")?,
        );
        println!(
            "boot {} (manifest benchboot): driver host serving at {:.0} ms, first client I/O served at {:.0} ms",
            i + 1,
            a * 1e3,
            b * 1e3
        );
        serving.push(a * 1e3);
        served.push(b * 1e3);
    }
    let _ = std::fs::remove_file(&img);
    let (a, b) = (median(serving), median(served));
    println!(
        "boot to the driver host serving (manifest benchboot: the driver host ready and a first client batch answered), median of 3: serving {a:.0} ms, first I/O {b:.0} ms; goal 500 ms: {:.1}x",
        b / 500.0
    );
    Ok(())
}

/// What [`boot_to_shell`] reads from a boot of the default manifest: the
/// shell's prompt, the driver host serving, fs's mount (the first I/O
/// through blk and the driver host); all in ms of the kernel log.
const SHELL_READY: &str = "shell: serving the serial console";
const DH_SERVING: &str = "driverhost: serving ";
const FS_SERVING: &str = "fs: serving ";

/// (shell ready, driver host serving, fs mounted, all ready) in ms from
/// one boot's log; `None` if a line is missing.
fn shell_times(log: &str) -> Option<[f64; 4]> {
    let at = |what: &str| log.lines().find(|l| l.contains(what)).and_then(stamp);
    let (shell, dh, fs) = (at(SHELL_READY)?, at(DH_SERVING)?, at(FS_SERVING)?);
    Some([shell, dh, fs, shell.max(fs)].map(|t| t * 1e3))
}

/// Boot → the user shell ready with the disk served: the default manifest
/// (what `cargo xtask run` boots) with the data disk, three boots; the
/// figure is the later of the shell's prompt and fs's mount, which needs
/// the driver host serving (a command typed then is answered at once).
///
/// `icount`: under `-icount shift=0` (virtual ms: guest instructions plus
/// idle), immune to the host's load — how two builds are compared.
/// Either way the boot is also broken down into phases
/// (`crate::bench_boot_phases`).
pub fn boot_to_shell(images: &Images, icount: bool) -> Result<()> {
    let dir = cordon_tests::QemuTest::disk_dir(images);
    std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
        path: dir.clone(),
        error,
    })?;
    let img = dir.join("bench-boot-shell.img");
    let mut all: [Vec<f64>; 4] = Default::default();
    let mut phases = Vec::new();
    for i in 0..3 {
        // A fresh data disk each boot: a run leaves nothing behind, but
        // every boot then starts from the same bytes.
        let _ = std::fs::remove_file(&img);
        image::datadisk::create(&img).map_err(|e| Error::Missing(format!("data disk: {e}")))?;
        let d = cordon_tests::Disk {
            id: "d0",
            device: "disable-legacy=on",
            make: |_| Ok(()),
            check: None,
        };
        let mut config = QemuConfig::new(images.kernel.clone());
        config.initrd = Some(images.initrd.clone());
        config.extra = d.qemu_args(&img);
        if icount {
            config
                .extra
                .extend(["-icount".to_string(), "shift=0".into()]);
        }
        let log = boot_log_all(
            &config,
            &[SHELL_READY, DH_SERVING, FS_SERVING],
            Duration::from_secs(120),
        )?;
        let t = shell_times(&log).ok_or_else(|| {
            Error::Missing(format!(
                "boot {} of the default manifest lacks the shell's, the driver host's or fs's ready line",
                i + 1
            ))
        })?;
        println!(
            "boot {} (default manifest, data disk): shell prompt at {:.0} ms, driver host serving at {:.0} ms, fs mounted at {:.0} ms: shell ready with the disk served at {:.0} ms",
            i + 1,
            t[0],
            t[1],
            t[2],
            t[3]
        );
        for (v, x) in all.iter_mut().zip(t) {
            v.push(x);
        }
        match crate::bench_boot_phases::durations(&log) {
            Some(d) => phases.push(d),
            None => println!(
                "  (boot {} lacks a phase's line: not in the breakdown)",
                i + 1
            ),
        }
    }
    crate::bench_boot_phases::print(
        &phases,
        if icount {
            "virtual ms, -icount shift=0"
        } else {
            "ms, TCG"
        },
    );
    let _ = std::fs::remove_file(&img);
    let [shell, dh, fs, ready] = all.map(median);
    println!(
        "boot to the shell ready with the driver host serving (default manifest), median of 3: {ready:.0} ms (shell prompt {shell:.0} ms, driver host serving {dh:.0} ms, fs mounted {fs:.0} ms); goal 500 ms: {:.1}x",
        ready / 500.0
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_ready_is_the_later_of_the_prompt_and_the_mount() {
        let log = "\
[    0.300000] INFO  user: shell[5.0]: shell: serving the serial console\n\
[    2.900000] INFO  user: driverhost[2.0]: driverhost: serving 00:03.0 as blkdev\n\
[    2.950000] INFO  user: fs[4.0]: fs: serving Fat32 'CORDON DATA': 63 MiB\n";
        let t = shell_times(log).unwrap();
        for (got, want) in t.iter().zip([300.0, 2900.0, 2950.0, 2950.0]) {
            assert!((got - want).abs() < 1e-6, "{t:?}");
        }
        assert!(shell_times(&log.replace("fs: serving", "fs: mount refused")).is_none());
    }

    #[test]
    fn phases_are_read_in_order_per_generation() {
        let log = "\
[    1.000000] ERROR !!! TASK FAULT in driverhost[2.0]: #PF\n\
[    1.002000] INFO  user: supervisor[1.0]: driverhost[2.0] faulted (vector 14)\n\
[    1.010000] INFO  user: supervisor[1.0]: restarted driverhost as 2.1\n\
[    1.030000] INFO  user: driverhost[2.1]: driverhost: code image imported: 130 methods, 30000 bytes of code, 1 relocations, from 40000 bytes in 900 us\n\
[    1.500000] INFO  user: driverhost[2.1]: driverhost: starting the driver (400 ms after start)\n\
[    1.600000] INFO  user: driverhost[2.1]: driverhost: serving 00:04.0 as blkdev\n\
[    1.605000] INFO  user: dhinject[3.0]: dhinject: bench batch 4 done by 2.1, 600 ms after the death\n\
[    2.000000] ERROR !!! TASK FAULT in driverhost[2.1]: #PF\n";
        let p = phases(log);
        assert_eq!(p.len(), 1, "the second fault has no restart after it");
        assert!(p[0].imported);
        let want = [2.0, 8.0, 20.0, 470.0, 100.0, 5.0];
        for (got, want) in p[0].ms.iter().zip(want) {
            assert!((got - want).abs() < 1e-6, "{:?}", p[0]);
        }
        // Without an image: compiled.
        let p = phases(&log.replace(
            "code image imported: 130 methods, 30000 bytes of code, 1 relocations, from 40000 bytes in 900 us",
            "code image: none kept yet: compiling",
        ));
        assert!(!p[0].imported);
    }
}
