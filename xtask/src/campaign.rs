//! `cargo xtask campaign [--faults N] [--seed S] [--first F] [--kinds a,b] [--release]`:
//! the fault-injection campaign (docs/campaign.md).
//!
//! Boots `etc/campaign.manifest` with the campaign's parameters on the
//! kernel command line (the supervisor hands `NAME.KEY=VALUE` words to
//! service NAME): each driver-host generation carries one injection, the
//! controller writes acknowledged, checksummed files through fs → blk → the
//! driver host. Progress is printed every 10 s. No new injection for
//! [`SILENCE`] is a hang: QEMU is killed and the next boot goes on from the
//! next injection, on the same disk; so does a kernel death. Afterwards the
//! image is checked from the host (`fsck.fat -n`; every acknowledged write,
//! recomputed from the seed and compared byte for byte with the files read
//! with mtools) and the report is written to `target/campaign/`
//! (report.txt, report.html, the serial logs).

use crate::build::{build_images, parse_profile};
use crate::util::{Error, Result};
use cordon_tests::QemuConfig;
use cordon_tests::campaign::{self, AckRange, Injection, Outcome, Summary, Workload};
use cordon_tests::fatdisk::fsck_clean;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// No new injection for this long is a hang (a generation lives a few
/// seconds: its compile, up to 48 + 32 requests, the watchdog's 1 s; a
/// register injection waits at most 10 s to fire).
const SILENCE: Duration = Duration::from_secs(180);

/// The campaign's disk: its files only grow (every acknowledged write
/// stays on it), so it is larger than the other tests' data disk.
const DISK_BYTES: usize = 256 << 20;

/// The kernel command line of a boot carrying injections `first..faults`.
pub fn cmdline(seed: u64, faults: u64, first: u64, kinds: Option<&str>) -> String {
    let mut s = format!(
        "manifest=campaign log=warn,user=info inject=driverhost driverhost.campaign={seed} driverhost.count={faults} driverhost.first={first} campaign.faults={} campaign.seed={seed}",
        faults - first
    );
    if let Some(k) = kinds {
        s.push_str(&format!(" driverhost.kinds={k}"));
    }
    s
}

/// One boot's outcome, as the host saw it.
struct Boot {
    log: String,
    hung: bool,
    /// QEMU's exit status when it ended on its own (not killed for a hang).
    exit: Option<std::process::ExitStatus>,
    /// What QEMU wrote on stderr: why it stopped (see [`stop_cause`]).
    stderr: String,
}

/// Why a machine stopped by itself (no `done`, no kernel epitaph).
#[derive(Debug, PartialEq)]
enum Stop {
    /// A signal from the host: QEMU says `terminating on signal N from pid
    /// P` and exits with status 0 (it catches SIGTERM, SIGINT, SIGHUP), or
    /// it died of one it cannot catch.
    Outside(String),
    /// The CPU triple-faulted (`-d cpu_reset` logs it; `-no-reboot` makes
    /// the reset an exit with status 0).
    TripleFault,
    /// Neither: the guest ended QEMU itself (a reset through a port, a
    /// power-off nobody asked for).
    Exit,
}

/// Tells a kill from outside from a kernel death. The exit status alone
/// cannot: QEMU exits with 0 both on SIGTERM and after a triple fault.
fn stop_cause(stderr: &str, exit: Option<std::process::ExitStatus>) -> Stop {
    if let Some(line) = stderr.lines().find(|l| l.contains("terminating on signal")) {
        return Stop::Outside(line.trim().to_string());
    }
    if let Some(e) = exit.filter(|e| e.code().is_none()) {
        return Stop::Outside(format!("{e}"));
    }
    if stderr.lines().any(|l| l.trim() == "Triple fault") {
        return Stop::TripleFault;
    }
    Stop::Exit
}

/// Starts QEMU with the serial console and stderr on pipes, logging CPU
/// resets (a triple fault says so there).
fn spawn(
    config: &QemuConfig,
) -> Result<(
    std::process::Child,
    std::process::ChildStdout,
    std::process::ChildStderr,
)> {
    use std::process::Stdio;
    let mut cmd = config.command();
    cmd.args(["-serial", "stdio", "-monitor", "none", "-d", "cpu_reset"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|error| Error::Spawn {
        what: "qemu-system-x86_64".into(),
        error,
    })?;
    let out = child
        .stdout
        .take()
        .ok_or(Error::Missing("no QEMU stdout".into()))?;
    let err = child
        .stderr
        .take()
        .ok_or(Error::Missing("no QEMU stderr".into()))?;
    Ok((child, out, err))
}

fn boot(config: &QemuConfig, start: Instant, done_before: usize) -> Result<Boot> {
    let (mut child, out, err) = spawn(config)?;
    // Read to the end in its own thread: a full pipe would stall QEMU.
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut BufReader::new(err), &mut s);
        s
    });
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(out).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let mut last_campaign = Instant::now();
    let mut last_print = Instant::now();
    let mut hung = false;
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => {
                // A new injection, or its death: the campaign moves. Writes
                // alone do not count: a generation that neither dies nor
                // retires would hold the campaign while they flow.
                if line.contains("campaign: injection #") || line.contains("campaign: done") {
                    last_campaign = Instant::now();
                }
                if line.contains("!!! KERNEL") {
                    println!("  {line}");
                }
                log.push_str(line.trim_end_matches('\r'));
                log.push('\n');
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if last_campaign.elapsed() > SILENCE {
            hung = true;
            break;
        }
        if last_print.elapsed() > Duration::from_secs(10) {
            last_print = Instant::now();
            progress(&campaign::parse(&log), start, done_before);
        }
    }
    // Serial closed: QEMU ended by itself (a power-off, or a machine that
    // reset: `-no-reboot` turns a triple fault into an exit).
    let exit = if hung { None } else { child.wait().ok() };
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    let stderr = err_reader.join().unwrap_or_default();
    Ok(Boot {
        log,
        hung,
        exit,
        stderr,
    })
}

fn progress(b: &campaign::BootLog, start: Instant, done_before: usize) {
    let ended: Vec<&Injection> = b
        .injections
        .iter()
        .filter(|i| i.outcome.is_some())
        .collect();
    let done = done_before + ended.len();
    let secs = start.elapsed().as_secs_f64();
    let mut by: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &ended {
        let name = match i.outcome {
            Some(Outcome::NotRecovered) => "recovering",
            o => o.map_or("?", Outcome::name),
        };
        *by.entry(name).or_default() += 1;
    }
    let outcomes: Vec<String> = by.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "  [{secs:>6.0} s] {done} injections done ({:.1}/min), {} writes acknowledged; {}",
        done as f64 / secs * 60.0,
        b.acknowledged(),
        outcomes.join(", ")
    );
}

/// Every acknowledged write, checked on the image; the write numbers lost
/// or corrupted (with those the guest's read-backs found).
fn check_image(
    img: &Path,
    workload: Option<Workload>,
    acknowledged: u64,
    summary: &mut Summary,
) -> BTreeSet<u64> {
    match fsck_clean(img) {
        Ok(()) => summary.image_checks.push("fsck.fat -n: clean".to_string()),
        Err(e) => summary.image_checks.push(format!(
            "fsck.fat -n: NOT clean: {}",
            e.replace('\n', " | ")
        )),
    }
    let Some(w) = workload else {
        summary
            .image_checks
            .push("image: NOT checked: no `campaign: controller:` line in the log".into());
        return BTreeSet::new();
    };
    let c = campaign::check_image_records(img, w, acknowledged);
    summary
        .image_checks
        .extend(campaign::describe(&c, acknowledged));
    c.lost
}

pub fn cmd(args: &[String]) -> Result<()> {
    let (profile, rest) = parse_profile(args)?;
    let mut faults: u64 = 100;
    let mut seed: u64 = 1;
    let mut kinds: Option<String> = None;
    let mut first = 0u64;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let num = |v: Option<&String>| -> Result<u64> {
            v.and_then(|s| s.replace('_', "").parse().ok())
                .ok_or_else(|| Error::Usage(format!("campaign: {a} needs a number")))
        };
        match a.as_str() {
            "--faults" => faults = num(it.next())?.max(1),
            "--seed" => seed = num(it.next())?,
            // Replays a campaign from injection F (the same seed gives the
            // same plans): to reproduce a finding without the F before it.
            "--first" => first = num(it.next())?,
            "--kinds" => {
                kinds = Some(
                    it.next()
                        .ok_or_else(|| Error::Usage("campaign: --kinds needs a list".into()))?
                        .clone(),
                )
            }
            other => return Err(Error::Usage(format!("campaign: unexpected `{other}`"))),
        }
    }
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    let dir = crate::util::target_dir().join("campaign");
    std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
        path: dir.clone(),
        error,
    })?;
    // An earlier campaign's boot logs would read as this one's.
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("boot") && name.ends_with(".log") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let img: PathBuf = dir.join("disk.img");
    let _ = std::fs::remove_file(&img);
    image::datadisk::create_sized(&img, DISK_BYTES).map_err(|e| Error::Missing(e.to_string()))?;
    let disk = cordon_tests::Disk {
        id: "d0",
        device: "disable-legacy=on",
        make: |_| Ok(()),
        check: None,
    };
    println!(
        "campaign: injections #{first}..#{} of {faults}, seed {seed}, kinds {}; progress every 10 s; report in {}",
        faults - 1,
        kinds.as_deref().unwrap_or("all"),
        dir.display()
    );
    let start = Instant::now();
    let mut summary = Summary::default();
    let mut acks: Vec<AckRange> = Vec::new();
    let mut acknowledged = 0u64;
    let mut workload: Option<Workload> = None;
    // Write numbers the guest's read-backs found wrong, and read-backs
    // that named none.
    let mut corrupt: BTreeSet<u64> = BTreeSet::new();
    let mut corrupt_unnamed = 0usize;
    if first >= faults {
        return Err(Error::Usage(
            "campaign: --first must be below --faults".into(),
        ));
    }
    while first < faults {
        let mut config = QemuConfig::new(images.kernel.clone());
        config.initrd = Some(images.initrd.clone());
        config.append = cmdline(seed, faults, first, kinds.as_deref());
        config.extra = disk.qemu_args(&img);
        summary.boots += 1;
        let mut b = boot(&config, start, summary.injections.len())?;
        let log_path = dir.join(format!("boot{}.log", summary.boots));
        let _ = std::fs::write(&log_path, &b.log);
        let mut parsed = campaign::parse(&b.log);
        acknowledged = acknowledged.max(parsed.acknowledged());
        workload = workload.or(parsed.workload);
        acks.append(&mut parsed.acks);
        for (_, n, _) in &parsed.corrupt {
            match n {
                Some(n) => {
                    corrupt.insert(*n);
                }
                None => corrupt_unnamed += 1,
            }
        }
        if parsed.volume_full {
            summary.image_checks.push(format!(
                "boot {}: the volume filled up; the controller stopped writing",
                summary.boots
            ));
        }
        // The machine stopped without the controller's `done` and without
        // the kernel's epitaph: nothing but the kernel can stop it (the
        // supervisor powers off only when the controller asks), so this is
        // a kernel death that left no word (a triple fault, say).
        let stopped = !b.hung && !parsed.done && !parsed.kernel_died;
        if !b.stderr.is_empty() {
            let _ = std::fs::write(
                dir.join(format!("boot{}.qemu.log", summary.boots)),
                &b.stderr,
            );
        }
        let stop = stop_cause(&b.stderr, b.exit);
        if let (true, Stop::Outside(why)) = (stopped, &stop) {
            // Killed by a signal: from outside (the host), not Cordon's doing.
            b.hung = true;
            let line = format!(
                "boot {}: QEMU was killed from outside ({why}), not by Cordon: counted with the hangs, the next boot goes on",
                summary.boots
            );
            println!("  {line}");
            summary.image_checks.push(line);
        } else if stopped {
            parsed.kernel_died = true;
            let last = parsed
                .injections
                .iter_mut()
                .rev()
                .find(|i| matches!(i.outcome, None | Some(Outcome::NotRecovered)));
            let what = last.map_or("no injection".to_string(), |i| {
                i.outcome = Some(Outcome::KernelDeath);
                format!("injection #{} ({}: {})", i.index, i.kind, i.place)
            });
            let how = match stop {
                Stop::TripleFault => "a triple fault",
                _ => "no triple fault logged",
            };
            let line = format!(
                "boot {}: the machine stopped during {what} with no kernel epitaph ({how}, QEMU exit {:?}): counted as a kernel death",
                summary.boots, b.exit
            );
            println!("  {line}");
            summary.image_checks.push(line);
        }
        if parsed.kernel_died {
            summary.kernel_deaths += 1;
        }
        if b.hung {
            summary.hangs += 1;
            if let Some(last) = parsed
                .injections
                .iter_mut()
                .rev()
                .find(|i| i.outcome.is_none() || i.outcome == Some(Outcome::NotRecovered))
            {
                last.outcome = Some(Outcome::Hang);
            }
        }
        let next = parsed
            .injections
            .iter()
            .map(|i| i.index + 1)
            .max()
            .unwrap_or(first);
        summary.injections.extend(parsed.injections);
        if parsed.done {
            break;
        }
        if next <= first {
            println!("campaign: a boot ended without any injection; stopping");
            break;
        }
        first = next;
    }
    summary.wall_s = start.elapsed().as_secs_f64();
    let mut lost = check_image(&img, workload, acknowledged, &mut summary);
    lost.append(&mut corrupt);
    for n in &lost {
        if let Some(g) = campaign::generation_of(&acks, *n).and_then(|g| u32::try_from(g).ok()) {
            campaign::mark_data_loss(&mut summary.injections, g);
        }
    }
    summary.lost_writes = lost.len() + corrupt_unnamed;
    let text = summary.text();
    let _ = std::fs::write(dir.join("report.txt"), &text);
    let _ = std::fs::write(dir.join("report.html"), summary.html());
    print!("{text}");
    println!("campaign: report in {}", dir.join("report.html").display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{Stop, stop_cause};
    use std::os::unix::process::ExitStatusExt;
    use std::process::ExitStatus;

    /// QEMU 7.2 killed with SIGTERM from a shell, as captured: it exits
    /// with status 0, exactly like after a triple fault under `-no-reboot`.
    #[test]
    fn a_sigterm_is_from_outside_although_qemu_exits_with_0() {
        let err = "qemu-system-x86_64: terminating on signal 15 from pid 10386 (bash)\n";
        let exit = Some(ExitStatus::from_raw(0));
        assert_eq!(
            stop_cause(err, exit),
            Stop::Outside(
                "qemu-system-x86_64: terminating on signal 15 from pid 10386 (bash)".into()
            )
        );
    }

    #[test]
    fn an_uncatchable_signal_is_from_outside() {
        // SIGKILL: the wait status holds the signal, no exit code.
        let exit = Some(ExitStatus::from_raw(9));
        assert!(matches!(stop_cause("", exit), Stop::Outside(_)));
    }

    #[test]
    fn a_triple_fault_is_the_kernels() {
        let err = "CPU Reset (CPU 0)\nEAX=00000000 EBX=00000000\nTriple fault\n";
        assert_eq!(
            stop_cause(err, Some(ExitStatus::from_raw(0))),
            Stop::TripleFault
        );
    }

    #[test]
    fn a_quiet_exit_is_the_guests() {
        assert_eq!(
            stop_cause("CPU Reset (CPU 0)\n", Some(ExitStatus::from_raw(0))),
            Stop::Exit
        );
    }

    #[test]
    fn the_command_line_hands_the_parameters_to_both_services() {
        let c = super::cmdline(7, 100, 40, Some("hang,oom"));
        for w in [
            "manifest=campaign",
            "inject=driverhost",
            "driverhost.campaign=7",
            "driverhost.count=100",
            "driverhost.first=40",
            "campaign.faults=60",
            "driverhost.kinds=hang,oom",
        ] {
            assert!(c.split(' ').any(|x| x == w), "{w} in {c}");
        }
    }
}
