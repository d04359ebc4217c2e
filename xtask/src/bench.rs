//! `cargo xtask bench …`: figures, not pass/fail tests.
//!
//! `bench boot`: boots the kernel several times under TCG and reports the
//! median time to the ready line, both as the kernel measured it (TSC from
//! its first instruction) and as the host saw it (QEMU start to the line);
//! then boot → the driver host serving (`benchboot` manifest) and boot →
//! the user shell ready with the driver host serving (the default
//! manifest on the data disk), from the kernel log's timestamps.

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
        Some("boot") if rest.iter().any(|a| a == "--icount") => {
            crate::setup::ensure(false)?;
            crate::bench_restart::boot_to_shell(&build_images(profile)?, true)
        }
        Some("boot") => boot(profile),
        Some("ipc") => crate::bench_ipc::run(profile),
        Some("blk") => crate::bench_blk::run(profile),
        Some("restart") => {
            crate::setup::ensure(false)?;
            let icount = rest.iter().any(|a| a == "--icount");
            crate::bench_restart::run(&build_images(profile)?, profile.release, icount)
        }
        Some("jit") => jit(),
        Some(other) => Err(Error::Usage(format!(
            "bench: unknown benchmark `{other}` (have: boot, ipc, blk, restart, jit)"
        ))),
        None => Err(Error::Usage(
            "bench: name a benchmark (have: boot, ipc, blk, restart, jit)".into(),
        )),
    }
}

/// Starts QEMU with the serial console on a pipe: (the process, its output).
pub fn spawn_with_serial(
    config: &QemuConfig,
) -> Result<(std::process::Child, std::process::ChildStdout)> {
    let mut cmd = config.command();
    cmd.args(["-serial", "stdio", "-monitor", "none"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().map_err(|error| Error::Spawn {
        what: "qemu-system-x86_64".into(),
        error,
    })?;
    let out = child
        .stdout
        .take()
        .ok_or(Error::Missing("no QEMU stdout".into()))?;
    Ok((child, out))
}

/// One boot: (host-seen time to the ready line, kernel-reported microseconds).
fn one_boot(config: &QemuConfig) -> Result<(Duration, u64)> {
    let start = Instant::now();
    let (mut child, mut out) = spawn_with_serial(config)?;
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
    config.initrd = Some(images.initrd.clone());
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
    crate::bench_restart::boot_to_serving(&images)?;
    crate::bench_restart::boot_to_shell(&images, false)
}

/// `struct rusage` (Linux x86-64): user and system time, then 14 counters.
#[repr(C)]
struct Rusage {
    utime: [i64; 2],
    stime: [i64; 2],
    rest: [i64; 14],
}

unsafe extern "C" {
    fn getrusage(who: i32, usage: *mut Rusage) -> i32;
}

/// CPU seconds (user + system) of every child this process has waited
/// for so far (`RUSAGE_CHILDREN`, which includes their threads).
fn children_cpu_seconds() -> f64 {
    const RUSAGE_CHILDREN: i32 = -1;
    let mut u = Rusage {
        utime: [0; 2],
        stime: [0; 2],
        rest: [0; 14],
    };
    // SAFETY: `u` is a writable `struct rusage` of the size the kernel
    // fills; getrusage only writes it.
    if unsafe { getrusage(RUSAGE_CHILDREN, &mut u) } != 0 {
        return 0.0;
    }
    let secs = |t: [i64; 2]| t[0] as f64 + t[1] as f64 * 1e-6;
    secs(u.utime) + secs(u.stime)
}

/// `bench jit`: (a) compile throughput of cilrun over every test assembly;
/// (b) the micro-benchmarks of `jit/bench/cs/bench.cs`, each timed under
/// cilrun and under mono in the same run (process wall time and CPU time,
/// each minus an empty test's, best of 3), printed as Cordon / mono
/// ratios, and for each
/// benchmark that collected, cilrun's collection count and its longest and
/// median GC pause (of the last run).
fn jit() -> Result<()> {
    use crate::util;
    use std::process::Command;
    crate::setup::ensure(false)?;
    let out = crate::managed::build_all()?;
    util::run_status(util::cargo().args([
        "build",
        "--quiet",
        "--release",
        "-p",
        "jit",
        "--bin",
        "cilrun",
    ]))?;
    let cilrun = util::target_dir().join("release/cilrun");
    let run = |cmd: &mut Command| -> Result<String> {
        let what = util::describe(cmd);
        let o = cmd.output().map_err(|error| Error::Spawn { what, error })?;
        Ok(String::from_utf8_lossy(&o.stdout).into_owned())
    };
    // (a) compile throughput
    let (mut il, mut secs, mut cpu, mut methods) = (0u64, 0f64, 0f64, 0u64);
    for t in &out.tests {
        let text = run(Command::new(&cilrun)
            .arg(&t.cordon)
            .arg("--corlib")
            .arg(&out.corlib)
            .arg("--compile-all"))?;
        // "compiled N methods (F unsupported), B IL bytes, C code bytes in S s (cpu T s)"
        let w: Vec<&str> = text.split_whitespace().collect();
        let num = |i: usize| {
            w.get(i)
                .and_then(|x| x.trim_start_matches('(').parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        methods += num(1) as u64;
        il += num(5) as u64;
        secs += num(12);
        cpu += num(15);
    }
    // The CPU-time figure is the one to compare across runs on the
    // shared machine (a loaded machine stretches the wall time).
    println!(
        "jit compile: {methods} methods, {il} IL bytes in {secs:.3} s = {:.0} IL bytes/s ({cpu:.3} s CPU = {:.0} IL bytes/s)",
        il as f64 / secs.max(1e-9),
        il as f64 / cpu.max(1e-9)
    );
    // (b) micro-benchmarks
    let dir = util::target_dir().join("managed/bench");
    std::fs::create_dir_all(&dir).map_err(|error| Error::Io {
        path: dir.clone(),
        error,
    })?;
    let src = util::root().join("jit/bench/cs/bench.cs");
    let cordon = dir.join("bench.dll");
    let mono = dir.join("bench-mono.dll");
    util::run_status(
        Command::new("mcs")
            .args([
                "-nostdlib",
                "-unsafe",
                "-debug-",
                "-optimize+",
                "-target:library",
                "-nowarn:0649",
            ])
            .arg(format!("-r:{}", out.corlib.display()))
            .arg(format!("-out:{}", cordon.display()))
            .arg(&src),
    )?;
    util::run_status(
        Command::new("mcs")
            .args([
                "-unsafe",
                "-debug-",
                "-optimize+",
                "-target:library",
                "-nowarn:0649",
            ])
            .arg(format!("-out:{}", mono.display()))
            .arg(&src),
    )?;
    // Wall time and CPU time (user + system of the child and its threads:
    // mono's collector and finalizer threads count), each the best of 3.
    // On the shared, loaded build machine the CPU ratio is the steadier one.
    let time = |cmd: &mut Command| -> Result<(f64, f64, String)> {
        let mut best = f64::MAX;
        let mut best_cpu = f64::MAX;
        let mut text = String::new();
        for _ in 0..3 {
            let cpu0 = children_cpu_seconds();
            let start = Instant::now();
            text = run(cmd)?;
            best = best.min(start.elapsed().as_secs_f64());
            best_cpu = best_cpu.min(children_cpu_seconds() - cpu0);
        }
        Ok((best, best_cpu, text))
    };
    let cil = |f: &str| {
        let mut c = Command::new(&cilrun);
        c.arg(&cordon)
            .arg("--corlib")
            .arg(&out.corlib)
            .arg("--gc-stats")
            .arg("--filter")
            .arg(f);
        c
    };
    let mon = |f: &str| {
        let mut c = Command::new("mono");
        c.arg(&out.mono_runner).arg(&mono).arg(f);
        c
    };
    let (c0, cc0, _) = time(&mut cil("test_0_empty"))?;
    let (m0, mc0, _) = time(&mut mon("test_0_empty"))?;
    for name in [
        "integer_loop",
        "struct_fields",
        "array_sum",
        "virtual_and_interface_calls",
        "string_building",
        "collections",
        "delegates_and_lambdas",
        "binary_trees",
    ] {
        let (c, cc, ct) = time(&mut cil(name))?;
        let (m, mc, mt) = time(&mut mon(name))?;
        if !ct.contains("PASS") || !mt.contains("PASS") {
            println!(
                "jit bench {name}: FAILED (cilrun: {}, mono: {})",
                ct.trim(),
                mt.trim()
            );
            continue;
        }
        let (c, m) = ((c - c0).max(1e-4), (m - m0).max(1e-4));
        let (cc, mc) = ((cc - cc0).max(1e-4), (mc - mc0).max(1e-4));
        println!(
            "jit bench {name:<28} cordon {:>8.1} ms   mono {:>8.1} ms   cordon/mono {:.2}   cpu {:>6.1} / {:>6.1} ms = {:.2}",
            c * 1e3,
            m * 1e3,
            c / m,
            cc * 1e3,
            mc * 1e3,
            cc / mc
        );
        // cilrun --gc-stats: "gc: C collections, max pause X us, median Y us"
        // (full collections) and "gc-minor: ..." (minor ones, generational).
        for line in ct.lines().filter(|l| {
            (l.starts_with("gc: ") || l.starts_with("gc-minor: ")) && !l.contains(" 0 collections")
        }) {
            println!("jit bench {name:<28} {line}");
        }
    }
    Ok(())
}
