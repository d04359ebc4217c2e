//! `cargo xtask bench …`: figures, not pass/fail tests.
//!
//! `bench boot`: boots the kernel several times under TCG and reports the
//! median time to the ready line, both as the kernel measured it (TSC from
//! its first instruction) and as the host saw it (QEMU start to the line).

use crate::build::{build_images, parse_profile};
use crate::util::{Error, Result};
use cordon_tests::QemuConfig;
use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

const BOOTS: usize = 7;

pub fn cmd(args: &[String]) -> Result<()> {
    let (profile, rest) = parse_profile(args)?;
    match rest.first().map(String::as_str) {
        Some("boot") => boot(profile),
        Some("ipc") => crate::bench_ipc::run(profile),
        Some(other) => Err(Error::Usage(format!(
            "bench: unknown benchmark `{other}` (have: boot, ipc)"
        ))),
        None => Err(Error::Usage(
            "bench: name a benchmark (have: boot, ipc)".into(),
        )),
    }
}

/// One boot: (host-seen time to the ready line, kernel-reported microseconds).
fn one_boot(config: &QemuConfig) -> Result<(Duration, u64)> {
    let mut cmd = config.command();
    cmd.args(["-serial", "stdio", "-monitor", "none"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|error| Error::Spawn {
        what: "qemu-system-x86_64".into(),
        error,
    })?;
    let mut out = child
        .stdout
        .take()
        .ok_or(Error::Missing("no QEMU stdout".into()))?;
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    let found = loop {
        match out.read(&mut buf) {
            Ok(0) | Err(_) => break None,
            Ok(n) => seen.extend_from_slice(buf.get(..n).unwrap_or(&[])),
        }
        let text = String::from_utf8_lossy(&seen);
        if let Some(line) = text
            .lines()
            .find(|l| l.contains("kernel ready in ") && l.ends_with(" us"))
        {
            let us = line.rsplit(' ').nth(1).and_then(|n| n.parse::<u64>().ok());
            break us.map(|us| (start.elapsed(), us));
        }
        if start.elapsed() > Duration::from_secs(60) {
            break None;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    found.ok_or(Error::Missing(
        "the kernel never printed its ready line".into(),
    ))
}

fn median<T: Ord + Copy>(mut v: Vec<T>) -> Option<T> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

fn boot(profile: crate::build::Profile) -> Result<()> {
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd);
    config.debug_exit = false;
    let mut host = Vec::new();
    let mut kernel = Vec::new();
    for i in 0..BOOTS {
        let (h, k) = one_boot(&config)?;
        println!(
            "boot {}: ready after {:.1} ms (host), {:.1} ms (kernel TSC)",
            i + 1,
            h.as_secs_f64() * 1e3,
            k as f64 / 1e3
        );
        host.push(h);
        kernel.push(k);
    }
    let (Some(h), Some(k)) = (median(host), median(kernel)) else {
        return Err(Error::Missing("no boots".into()));
    };
    println!(
        "boot to ready, median of {BOOTS} TCG boots: {:.1} ms as the host sees it (QEMU start to ready line), {:.1} ms inside the kernel",
        h.as_secs_f64() * 1e3,
        k as f64 / 1e3
    );
    println!(
        "target: under 1000 ms; ratio to target {:.2}",
        h.as_secs_f64()
    );
    Ok(())
}
