//! `cargo xtask test` (everything) and `cargo xtask qemu-test` (chosen QEMU tests).
//!
//! Order: set-up, C# assemblies, host `cargo test`, the mono oracle over the
//! JIT's C# tests, then the QEMU tests. Every stage counts; the last line is
//! `N passed, M failed` over all of them, and the exit status is non-zero if
//! anything failed — including a stage that could not run at all.

use crate::build::{build_images, parse_profile};
use crate::managed;
use crate::util::{self, Error, Result};
use cordon_tests::{Images, Outcome, QemuTest};
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Mutex;

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    /// Stages that could not run, with why: each counts as one failure.
    broken: Vec<String>,
}

impl Tally {
    fn broken(&mut self, stage: &str, e: &Error) {
        eprintln!("test: {stage} could not run: {e}");
        self.broken.push(format!("{stage}: {e}"));
        self.failed += 1;
    }

    /// The stages that could not run, the last line (`N passed, M
    /// failed`) and the command's result.
    fn finish(self) -> Result<()> {
        for b in &self.broken {
            println!("broken stage: {b}");
        }
        println!("{} passed, {} failed", self.passed, self.failed);
        if self.failed > 0 {
            Err(Error::TestsFailed(self.failed))
        } else {
            Ok(())
        }
    }
}

/// Sums cargo's `test result: ok. N passed; M failed; …` lines.
fn parse_cargo_summary(line: &str) -> Option<(usize, usize)> {
    let rest = line.trim().strip_prefix("test result: ")?;
    let num = |key: &str| -> Option<usize> {
        rest.split(';').find_map(|part| {
            part.trim()
                .split_once(' ')
                .filter(|(_, k)| k.starts_with(key))?
                .0
                .parse()
                .ok()
        })
    };
    let passed = rest
        .split_once(". ")
        .and_then(|(_, r)| r.split(' ').next()?.parse().ok())?;
    Some((passed, num("failed")?))
}

/// The host `cargo test` runs: the default members, then the kernel's
/// host-testable logic (its library target; the kernel binary itself only
/// builds for `x86_64-unknown-none`).
const HOST_TEST_RUNS: &[&[&str]] = &[&[], &["--package", "microkernel", "--lib"]];

fn host_tests(tally: &mut Tally) {
    println!("== host tests (cargo test)");
    for extra in HOST_TEST_RUNS {
        cargo_test(tally, extra);
    }
}

/// Runs one `cargo test`, echoing its output and counting its results.
fn cargo_test(tally: &mut Tally, extra: &[&str]) {
    let mut cmd = util::cargo();
    cmd.args(["test", "--color", "never"])
        .args(extra)
        .stdout(Stdio::piped());
    let what = util::describe(&cmd);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(error) => return tally.broken("cargo test", &Error::Spawn { what, error }),
    };
    let (mut p, mut f) = (0, 0);
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            if let Some((lp, lf)) = parse_cargo_summary(&line) {
                p += lp;
                f += lf;
            }
        }
    }
    tally.passed += p;
    tally.failed += f;
    match child.wait() {
        Ok(st) if st.success() => {}
        Ok(st) if f == 0 => {
            tally.broken(
                "cargo test",
                &Error::CommandFailed {
                    what,
                    status: st.to_string(),
                },
            );
        }
        Ok(_) => {}
        Err(error) => tally.broken("cargo test", &Error::Spawn { what, error }),
    }
}

fn mono_oracle(tally: &mut Tally) {
    println!("== C# assemblies and the mono oracle");
    let outputs = match managed::build_all() {
        Ok(o) => o,
        Err(e) => return tally.broken("cargo xtask managed", &e),
    };
    match managed::run_oracle(&outputs, None) {
        Ok(results) => {
            for r in results.values().flatten() {
                if r.outcome == managed::Outcome::Pass {
                    tally.passed += 1;
                } else {
                    tally.failed += 1;
                }
            }
        }
        Err(Error::TestsFailed(n)) => tally.failed += n,
        Err(e) => tally.broken("mono oracle", &e),
    }
}

/// How cilrun runs in one pass of [`jit_differential`].
#[derive(Clone, Copy)]
enum Diff {
    Plain,
    GcStress,
    ViaImage,
}

/// The JIT differential check: every C# test assembly through `cilrun`,
/// compared per test with the mono oracle. Tests listed in
/// `jit/tests/expected_failures.txt` are XFAIL (not counted); a listed test
/// that now agrees with mono is an XPASS failure, so the list only shrinks.
///
/// In [`Diff::GcStress`] cilrun runs in GC stress mode (`--gc-stress`: a
/// collection at every allocation compiled code makes, dead objects
/// poisoned; docs/gc.md); in [`Diff::ViaImage`] the tests run on code one
/// runtime compiled and another imported from a code image
/// (`--via-image`, docs/driverhost.md): the same tests must agree with
/// mono again.
fn jit_differential(tally: &mut Tally, mode: Diff) {
    let (title, label, flag) = match mode {
        Diff::Plain => ("", "", None),
        Diff::GcStress => (" under GC stress", " (gc stress)", Some("--gc-stress")),
        Diff::ViaImage => (" through code images", " (via image)", Some("--via-image")),
    };
    let vs = flag.map_or(String::new(), |f| format!(" {f}"));
    println!("== JIT differential check{title} (cilrun{vs} vs mono)");
    let outputs = match managed::build_all() {
        Ok(o) => o,
        Err(e) => return tally.broken("cargo xtask managed", &e),
    };
    let mut build = util::cargo();
    build.args(["build", "--quiet", "-p", "jit", "--bin", "cilrun"]);
    if let Err(e) = util::run_status(&mut build) {
        return tally.broken("cilrun build", &e);
    }
    let cilrun = util::target_dir().join("debug/cilrun");
    let list_path = util::root().join("jit/tests/expected_failures.txt");
    let list = match std::fs::read_to_string(&list_path) {
        Ok(t) => t,
        Err(error) => {
            return tally.broken(
                "expected failures",
                &Error::Io {
                    path: list_path,
                    error,
                },
            );
        }
    };
    let mut expected: std::collections::BTreeMap<String, String> = list
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, why) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (name.to_string(), why.trim().to_string())
        })
        .collect();
    let oracle = match managed::run_oracle(&outputs, None) {
        Ok(r) => r,
        Err(e) => return tally.broken("mono oracle (for the differential check)", &e),
    };
    let (mut agree, mut xfail, mut fail) = (0, 0, 0);
    for test in &outputs.tests {
        let mut cmd = std::process::Command::new(&cilrun);
        cmd.arg(&test.cordon).arg("--corlib").arg(&outputs.corlib);
        if let Some(f) = flag {
            cmd.arg(f);
        }
        let what = util::describe(&cmd);
        let out = match cmd.output() {
            Ok(o) => o,
            Err(error) => return tally.broken("cilrun", &Error::Spawn { what, error }),
        };
        let stdout = String::from_utf8_lossy(&out.stdout);
        if managed::parse_summary(&stdout).is_none() {
            eprint!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
            tally.broken(
                &format!("cilrun {}", test.name),
                &Error::CommandFailed {
                    what,
                    status: out.status.to_string(),
                },
            );
            continue;
        }
        let mine = managed::parse_results(&stdout);
        let theirs = oracle.get(&test.name).map(Vec::as_slice).unwrap_or(&[]);
        let mismatches = managed::compare(theirs, &mine);
        let (mut a, mut x, mut f) = (theirs.len().saturating_sub(mismatches.len()), 0, 0);
        for m in &mismatches {
            let got = mine
                .iter()
                .find(|r| r.name == m.name)
                .map_or("missing".to_string(), |r| r.to_string());
            match expected.remove(&m.name) {
                Some(why) => {
                    println!("XFAIL {} ({why}): {got}", m.name);
                    x += 1;
                }
                None => {
                    println!("MISMATCH {}: mono {:?}, cilrun {got}", m.name, m.oracle);
                    f += 1;
                }
            }
        }
        for r in theirs {
            if !mismatches.iter().any(|m| m.name == r.name) && expected.remove(&r.name).is_some() {
                println!(
                    "XPASS {}: now agrees with mono; remove it from expected_failures.txt",
                    r.name
                );
                a -= 1;
                f += 1;
            }
        }
        println!(
            "jit differential{label}: {:<16} {a} agree, {x} xfail, {f} failed",
            test.name
        );
        agree += a;
        xfail += x;
        fail += f;
    }
    for stale in expected.keys() {
        println!("STALE {stale}: listed in expected_failures.txt but no such test");
        fail += 1;
    }
    println!("jit differential{label}: {agree} agree, {xfail} xfail, {fail} failed");
    tally.passed += agree;
    tally.failed += fail;
}

fn print_outcome(o: &Outcome) {
    let secs = o.elapsed.as_secs_f64();
    if o.passed {
        println!("PASS {:<24} ({secs:.1} s)", o.name);
    } else {
        println!("FAIL {:<24} ({secs:.1} s): {}", o.name, o.reason);
        println!("---- serial output of {} ----", o.name);
        print!("{}", o.serial);
        if !o.serial.ends_with('\n') {
            println!();
        }
        println!("---- end of {} ----", o.name);
    }
}

/// Runs `tests` two at a time (TCG uses about one core per guest) and prints
/// each outcome as it finishes. Returns (passed, failed).
fn run_qemu_tests(tests: &[QemuTest], images: &Images) -> (usize, usize) {
    let next = Mutex::new(tests.iter());
    let counts = Mutex::new((0usize, 0usize));
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(2));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                // The closure drops the lock before the test runs, so the
                // workers really run side by side.
                let take = || next.lock().ok().and_then(|mut it| it.next());
                while let Some(test) = take() {
                    let outcome = cordon_tests::run_test(test, images);
                    if let Ok(mut c) = counts.lock() {
                        if outcome.passed {
                            c.0 += 1;
                        } else {
                            c.1 += 1;
                        }
                        print_outcome(&outcome);
                    }
                }
            });
        }
    });
    counts.into_inner().unwrap_or((0, 0))
}

/// `cargo xtask test jit`: only the JIT's differential check against mono,
/// plain and under GC stress (what a JIT change must keep green without
/// the QEMU stage).
fn jit_only(rest: &[String]) -> Result<()> {
    if let Some(a) = rest.first() {
        return Err(Error::Usage(format!("test jit: unexpected `{a}`")));
    }
    crate::setup::ensure(false)?;
    let mut tally = Tally::default();
    jit_differential(&mut tally, Diff::Plain);
    jit_differential(&mut tally, Diff::GcStress);
    jit_differential(&mut tally, Diff::ViaImage);
    tally.finish()
}

pub fn cmd(args: &[String]) -> Result<()> {
    if args.first().map(String::as_str) == Some("jit") {
        return jit_only(&args[1..]);
    }
    let (profile, rest) = parse_profile(args)?;
    if let Some(a) = rest.first() {
        return Err(Error::Usage(format!("test: unexpected `{a}`")));
    }
    crate::setup::ensure(false)?;
    let mut tally = Tally::default();
    host_tests(&mut tally);
    mono_oracle(&mut tally);
    jit_differential(&mut tally, Diff::Plain);
    jit_differential(&mut tally, Diff::GcStress);
    jit_differential(&mut tally, Diff::ViaImage);
    println!("== QEMU tests");
    match build_images(profile) {
        Ok(images) => {
            let (p, f) = run_qemu_tests(&cordon_tests::all(), &images);
            println!("QEMU tests: {p} passed, {f} failed");
            tally.passed += p;
            tally.failed += f;
        }
        Err(e) => tally.broken("kernel build", &e),
    }
    tally.finish()
}

pub fn qemu_cmd(args: &[String]) -> Result<()> {
    let (profile, names) = parse_profile(args)?;
    let all = cordon_tests::all();
    if names.iter().any(|n| n == "--list") {
        for t in &all {
            println!("{:<24} {}", t.name, t.about);
        }
        return Ok(());
    }
    if names.is_empty() {
        return Err(Error::Usage(
            "qemu-test: name tests to run, or --list".into(),
        ));
    }
    if let Some(unknown) = names
        .iter()
        .find(|n| !all.iter().any(|t| t.name == n.as_str()))
    {
        return Err(Error::Usage(format!(
            "qemu-test: no test named `{unknown}` (see --list)"
        )));
    }
    crate::setup::ensure(false)?;
    let chosen: Vec<QemuTest> = all
        .into_iter()
        .filter(|t| names.iter().any(|n| n == t.name))
        .collect();
    let images = build_images(profile)?;
    let (p, f) = run_qemu_tests(&chosen, &images);
    println!("{p} passed, {f} failed");
    if f > 0 {
        Err(Error::TestsFailed(f))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse_cargo_summary;

    #[test]
    fn cargo_summary_lines_are_counted() {
        let l = "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s";
        assert_eq!(parse_cargo_summary(l), Some((12, 0)));
        let l = "test result: FAILED. 3 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(parse_cargo_summary(l), Some((3, 2)));
        assert_eq!(parse_cargo_summary("running 3 tests"), None);
    }
}
