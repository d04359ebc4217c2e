//! `cargo xtask bench ipc`: call/reply round trips between two processes,
//! against a null syscall measured in the same boot.
//!
//! Two boots of the `ipcbench` manifest: one plain (figures in TSC cycles,
//! as TCG emulates them), one under `-icount shift=0`, where one guest
//! instruction is one virtual nanosecond, so the virtual time per operation
//! is its instruction count — a machine-independent figure to set beside
//! L4Re's 613 instructions for a one-way cross-address-space IPC and seL4's
//! ~1,300 cycles for a round trip on real hardware.

use crate::build::{Profile, build_images};
use crate::util::{Error, Result};
use cordon_tests::QemuConfig;
use std::io::Read;
use std::time::{Duration, Instant};

/// Boots `config` until QEMU exits (the benchmark powers off) or 120 s pass.
pub(crate) fn boot_output(config: &QemuConfig) -> Result<String> {
    let (mut child, mut out) = crate::bench::spawn_with_serial(config)?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let bytes = reader.join().unwrap_or_default();
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The `key=value` numbers of the `ipcbench:` line.
fn figures(log: &str) -> Option<Vec<(String, u64)>> {
    let line = log.lines().find(|l| l.contains("ipcbench: iters="))?;
    let tail = line.split("ipcbench: ").nth(1)?;
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

pub fn run(profile: Profile) -> Result<()> {
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd.clone());
    config.append = "manifest=ipcbench log=warn,user=info".into();
    println!(
        "IPC benchmark ({} build): call/reply round trip between two processes, null syscall = TaskSelf",
        if profile.release { "release" } else { "debug" }
    );

    let plain = boot_output(&config)?;
    let f = figures(&plain)
        .ok_or_else(|| Error::Missing(format!("no ipcbench line in the boot log:\n{plain}")))?;
    let (null, rt) = (get(&f, "null_syscall_cycles"), get(&f, "round_trip_cycles"));
    println!(
        "  TCG, TSC cycles (median of {}): round trip {rt}, null syscall {null}, ratio {:.1}; 4 KiB round trip {}",
        get(&f, "iters"),
        rt as f64 / null.max(1) as f64,
        get(&f, "big_round_trip_cycles")
    );

    config.extra = vec!["-icount".into(), "shift=0".into()];
    let counted = boot_output(&config)?;
    let f = figures(&counted)
        .ok_or_else(|| Error::Missing(format!("no ipcbench line under -icount:\n{counted}")))?;
    let (null_i, rt_i) = (get(&f, "null_syscall_vns"), get(&f, "round_trip_vns"));
    println!(
        "  -icount shift=0, instructions (mean): round trip {rt_i} ({}-byte message each way), null syscall {null_i}, ratio {:.1}",
        get(&f, "short_len"),
        rt_i as f64 / null_i.max(1) as f64
    );
    println!(
        "  -icount shift=0, instructions (mean): round trip with a {}-byte message each way {}",
        get(&f, "big_len"),
        get(&f, "big_round_trip_vns")
    );
    println!(
        "  -icount shift=0, the same inside the RDTSC-timed loops (the method of the figures before ReplyRecv): round trip {}, null syscall {}",
        get(&f, "round_trip_timed_vns"),
        get(&f, "null_syscall_timed_vns")
    );
    println!(
        "  reference: L4Re 613 instructions per one-way IPC (1,226 per round trip); seL4 ~1,300 cycles per round trip (hardware)"
    );
    println!(
        "  Cordon short round trip / L4Re round trip (instructions): {:.2}x (goal: <= 800 instructions, {:.2}x)",
        rt_i as f64 / 1226.0,
        800.0 / 1226.0
    );
    if get(&f, "failures") > 0 {
        return Err(Error::Missing(format!(
            "{} benchmark calls failed",
            get(&f, "failures")
        )));
    }
    Ok(())
}
