//! `cargo xtask managed`: compiles the C# assemblies, and runs the mono oracle.
//!
//! Outputs, all under `target/managed/` (never committed):
//!
//! | output | from | against |
//! |---|---|---|
//! | `corlib.dll` | `driverhost/managed/corlib/*.cs` | nothing (`-nostdlib`) |
//! | `ddk.dll` | `driverhost/managed/ddk/*.cs`, if present | corlib |
//! | `drivers/<name>.dll` | `driverhost/managed/drivers/<name>/*.cs` | corlib, ddk |
//! | `probes/<name>.dll` | `driverhost/managed/probes/<name>/*.cs` (test drivers of QEMU tests) | corlib, ddk |
//! | `tests/<name>.dll` | `jit/tests/cs/<name>.cs` | corlib |
//! | `mono/<name>.dll` | `jit/tests/cs/<name>.cs` | mono's class library |
//! | `mono/MonoRunner.exe` | `driverhost/managed/tools/MonoRunner.cs` | mono's class library |
//!
//! The `tests/` and `mono/` builds come from the same source: `mono/` runs under
//! mono as the oracle (`--mono`), `tests/` is what Cordon's JIT runs. Both
//! runners print the line format parsed by [`parse_results`]; see
//! `docs/managed.md`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

use crate::util::{self, Error, Result};

const USAGE: &str = "\
usage: cargo xtask managed [--force] [--mono [FILTER]]

  (no option)     compile corlib, the DDK/drivers if present, and the JIT's C#
                  tests (against corlib and against mono) into target/managed/
  --force         recompile everything, even what is up to date
  --mono [FILTER] then run every test assembly under mono (the oracle) and fail
                  unless all pass; FILTER keeps the assemblies whose name
                  contains it, and elsewhere the tests whose name does
";

/// Where the mcs-missing error sends people.
const SETUP_HINT: &str = "run cargo xtask setup (installs mono-mcs)";

/// One C# test source and its two builds.
#[derive(Debug, Clone)]
pub struct TestAssembly {
    /// The file stem, e.g. `seed_bugs`.
    pub name: String,
    /// Built against Cordon's corlib: what the JIT runs.
    pub cordon: PathBuf,
    /// Built against mono's class library: what the oracle runs.
    pub mono: PathBuf,
}

/// Everything [`build_all`] produced.
#[derive(Debug, Clone)]
pub struct ManagedOutputs {
    pub corlib: PathBuf,
    /// `ddk.dll`, when `driverhost/managed/ddk/` exists.
    pub ddk: Option<PathBuf>,
    pub drivers: Vec<PathBuf>,
    /// Probe drivers of QEMU tests (`driverhost/managed/probes/<name>/`).
    pub probes: Vec<PathBuf>,
    pub tests: Vec<TestAssembly>,
    /// The oracle program, run as `mono MonoRunner.exe ASSEMBLY [FILTER]`.
    pub mono_runner: PathBuf,
}

pub fn cmd(args: &[String]) -> Result<()> {
    let mut force = false;
    let mut mono = false;
    let mut filter = None;
    for arg in args {
        match arg.as_str() {
            "--force" => force = true,
            "--mono" => mono = true,
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other if mono && filter.is_none() && !other.starts_with('-') => {
                filter = Some(other.to_string());
            }
            other => return Err(Error::Usage(format!("unexpected `{other}`\n\n{USAGE}"))),
        }
    }
    let out = if force { build(true)? } else { build_all()? };
    print_outputs(&out);
    if mono {
        run_oracle(&out, filter.as_deref())?;
    }
    Ok(())
}

/// Builds every C# assembly that is out of date (see the module table).
pub fn build_all() -> Result<ManagedOutputs> {
    build(false)
}

fn build(force: bool) -> Result<ManagedOutputs> {
    let mcs = Mcs::find(force)?;
    let root = util::root();
    let managed = root.join("driverhost/managed");
    let out_dir = managed_dir();

    let corlib = out_dir.join("corlib.dll");
    mcs.compile(
        &Sources::Folder(managed.join("corlib")),
        &corlib,
        Against::Nothing,
        Kind::Library,
    )?;

    let ddk_dir = managed.join("ddk");
    let ddk = if ddk_dir.is_dir() {
        let ddk = out_dir.join("ddk.dll");
        let refs = [corlib.clone()];
        mcs.compile(
            &Sources::Folder(ddk_dir),
            &ddk,
            Against::Corlib(&refs),
            Kind::Library,
        )?;
        Some(ddk)
    } else {
        None
    };

    let mut refs = vec![corlib.clone()];
    refs.extend(ddk.clone());
    let drivers = libraries(&mcs, &managed, &out_dir, "drivers", &refs)?;
    let probes = libraries(&mcs, &managed, &out_dir, "probes", &refs)?;

    let mut tests = Vec::new();
    let corlib_ref = [corlib.clone()];
    for source in sorted_entries(&root.join("jit/tests/cs"))? {
        if source.extension().is_none_or(|e| e != "cs") {
            continue;
        }
        let name = stem(&source);
        let cordon = out_dir.join("tests").join(format!("{name}.dll"));
        let mono = out_dir.join("mono").join(format!("{name}.dll"));
        let sources = Sources::File(source);
        mcs.compile(
            &sources,
            &cordon,
            Against::Corlib(&corlib_ref),
            Kind::Library,
        )?;
        mcs.compile(&sources, &mono, Against::Mono, Kind::Library)?;
        tests.push(TestAssembly { name, cordon, mono });
    }

    let mono_runner = out_dir.join("mono/MonoRunner.exe");
    mcs.compile(
        &Sources::File(managed.join("tools/MonoRunner.cs")),
        &mono_runner,
        Against::Mono,
        Kind::Exe,
    )?;

    Ok(ManagedOutputs {
        corlib,
        ddk,
        drivers,
        probes,
        tests,
        mono_runner,
    })
}

/// One library per folder of `driverhost/managed/<kind>/` (drivers, and
/// the probe drivers QEMU tests bind), built against corlib and the DDK
/// into `target/managed/<kind>/<folder>.dll`.
fn libraries(
    mcs: &Mcs,
    managed: &Path,
    out_dir: &Path,
    kind: &str,
    refs: &[PathBuf],
) -> Result<Vec<PathBuf>> {
    let mut built = Vec::new();
    let dir = managed.join(kind);
    if !dir.is_dir() {
        return Ok(built);
    }
    for sub in sorted_entries(&dir)? {
        if !sub.is_dir() {
            continue;
        }
        let out = out_dir.join(kind).join(stem(&sub)).with_extension("dll");
        mcs.compile(
            &Sources::Folder(sub),
            &out,
            Against::Corlib(refs),
            Kind::Library,
        )?;
        built.push(out);
    }
    Ok(built)
}

fn print_outputs(out: &ManagedOutputs) {
    let mut assemblies = vec![relative(&out.corlib).display().to_string()];
    assemblies.extend(out.ddk.iter().map(|d| relative(d).display().to_string()));
    assemblies.extend(
        out.drivers
            .iter()
            .chain(&out.probes)
            .map(|d| relative(d).display().to_string()),
    );
    println!("managed: {}", assemblies.join(", "));
    let names: Vec<&str> = out.tests.iter().map(|t| t.name.as_str()).collect();
    if let Some(first) = out.tests.first() {
        let dir = |p: &Path| relative(p.parent().unwrap_or(p)).display().to_string();
        println!(
            "managed: {} test assemblies in {} and {} (mono): {}",
            names.len(),
            dir(&first.cordon),
            dir(&first.mono),
            names.join(" ")
        );
    }
}

/// `target/managed/`.
pub fn managed_dir() -> PathBuf {
    util::target_dir().join("managed")
}

/// What an assembly is compiled from.
enum Sources {
    /// Every `*.cs` directly in the folder.
    Folder(PathBuf),
    /// One file (a test, a tool).
    File(PathBuf),
}

/// What an assembly is compiled against.
enum Against<'a> {
    /// Only itself: the corlib.
    Nothing,
    /// `-nostdlib` plus these Cordon assemblies (corlib first).
    Corlib(&'a [PathBuf]),
    /// mono's own class library, for the oracle.
    Mono,
}

enum Kind {
    Library,
    Exe,
}

struct Mcs {
    force: bool,
}

impl Mcs {
    fn find(force: bool) -> Result<Mcs> {
        if util::have("mcs") {
            Ok(Mcs { force })
        } else {
            Err(Error::Missing(format!("`mcs` not found: {SETUP_HINT}")))
        }
    }

    /// Compiles `sources` into `out` unless `out` is newer than every input:
    /// the sources, the referenced assemblies and, for an assembly made of a
    /// whole folder, that folder (so an added or deleted file counts).
    fn compile(&self, sources: &Sources, out: &Path, against: Against, kind: Kind) -> Result<()> {
        let (sources, folder) = match sources {
            Sources::Folder(dir) => (cs_files(dir)?, Some(dir.clone())),
            Sources::File(file) => (vec![file.clone()], None),
        };
        let mut inputs: Vec<PathBuf> = sources.clone();
        inputs.extend(folder);
        if let Against::Corlib(refs) = against {
            inputs.extend(refs.iter().cloned());
        }
        if !self.force && up_to_date(out, &inputs) {
            return Ok(());
        }
        if let Some(dir) = out.parent() {
            fs::create_dir_all(dir).map_err(|error| Error::Io {
                path: dir.to_path_buf(),
                error,
            })?;
        }

        let mut cmd = Command::new("mcs");
        cmd.current_dir(util::root());
        cmd.args(["-unsafe", "-debug-", "-optimize+"]);
        cmd.arg(match kind {
            Kind::Library => "-target:library",
            Kind::Exe => "-target:exe",
        });
        match against {
            Against::Nothing => {
                cmd.arg("-nostdlib");
            }
            Against::Corlib(refs) => {
                cmd.arg("-nostdlib");
                for r in refs {
                    cmd.arg(format!("-r:{}", r.display()));
                }
            }
            Against::Mono => {}
        }
        cmd.arg(format!("-out:{}", out.display()));
        cmd.args(&sources);

        let what = util::describe(&cmd);
        let output = cmd.output().map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => {
                Error::Missing(format!("`mcs` not found: {SETUP_HINT}"))
            }
            _ => Error::Spawn {
                what: what.clone(),
                error,
            },
        })?;
        // mcs writes diagnostics to stdout; show them (warnings too) only
        // when there are any, so a clean build stays quiet.
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        let diagnostics: Vec<&str> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("Compilation succeeded"))
            .collect();
        if !output.status.success() {
            eprintln!("{}", diagnostics.join("\n"));
            return Err(Error::CommandFailed {
                what,
                status: output.status.to_string(),
            });
        }
        println!("managed: built {}", relative(out).display());
        for line in diagnostics {
            println!("  {line}");
        }
        Ok(())
    }
}

/// True when `out` exists and is at least as new as every input.
fn up_to_date(out: &Path, inputs: &[PathBuf]) -> bool {
    let Some(built) = mtime(out) else {
        return false;
    };
    inputs.iter().all(|i| mtime(i).is_some_and(|t| t <= built))
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// The entries of `dir`, sorted (so build order and output are stable);
/// empty when `dir` does not exist.
fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let read = fs::read_dir(dir).map_err(|error| Error::Io {
        path: dir.to_path_buf(),
        error,
    })?;
    let mut entries = Vec::new();
    for entry in read {
        let entry = entry.map_err(|error| Error::Io {
            path: dir.to_path_buf(),
            error,
        })?;
        entries.push(entry.path());
    }
    entries.sort();
    Ok(entries)
}

/// The `*.cs` files directly in `dir`; an error when there are none.
fn cs_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let files: Vec<PathBuf> = sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "cs"))
        .collect();
    if files.is_empty() {
        return Err(Error::Io {
            path: dir.to_path_buf(),
            error: std::io::Error::new(std::io::ErrorKind::NotFound, "no .cs files"),
        });
    }
    Ok(files)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn relative(path: &Path) -> &Path {
    path.strip_prefix(util::root()).unwrap_or(path)
}

// ---------------------------------------------------------------------------
// The oracle: run the mono builds, check every test passes.

/// Runs MonoRunner over every test assembly; fails unless every test passed.
/// Returns the results per assembly name, for a later comparison with cilrun.
pub fn run_oracle(
    out: &ManagedOutputs,
    filter: Option<&str>,
) -> Result<BTreeMap<String, Vec<TestResult>>> {
    if !util::have("mono") {
        return Err(Error::Missing(format!("`mono` not found: {SETUP_HINT}")));
    }
    let mut all = BTreeMap::new();
    let (mut passed, mut failed) = (0, 0);
    for test in &out.tests {
        let mut cmd = Command::new("mono");
        cmd.arg(&out.mono_runner).arg(&test.mono);
        // A filter naming the assembly (`seed_bugs`) runs all of it;
        // otherwise it selects tests by name in every assembly.
        if let Some(f) = filter.filter(|f| !test.name.contains(f)) {
            cmd.arg(f);
        }
        let what = util::describe(&cmd);
        let output = cmd.output().map_err(|error| Error::Spawn {
            what: what.clone(),
            error,
        })?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        let results = parse_results(&stdout);
        // Exit status 1 means "some test failed", which the lines report;
        // anything else (or a missing summary) is the runner itself failing.
        let summary = parse_summary(&stdout);
        let runner_ok = matches!(output.status.code(), Some(0 | 1));
        if !runner_ok || summary.is_none() {
            eprint!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
            return Err(Error::CommandFailed {
                what,
                status: output.status.to_string(),
            });
        }
        let p = results
            .iter()
            .filter(|r| r.outcome == Outcome::Pass)
            .count();
        let f = results.len() - p;
        for r in results.iter().filter(|r| r.outcome != Outcome::Pass) {
            println!("  {}: {}", test.name, r);
        }
        if !results.is_empty() || filter.is_none() {
            println!("mono oracle: {:<16} {p} passed, {f} failed", test.name);
        }
        passed += p;
        failed += f;
        all.insert(test.name.clone(), results);
    }
    println!("mono oracle: {passed} passed, {failed} failed");
    if failed > 0 {
        return Err(Error::TestsFailed(failed));
    }
    Ok(all)
}

// ---------------------------------------------------------------------------
// The result line format shared by MonoRunner and cilrun.

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `PASS name`
    Pass,
    /// `FAIL name: returned X, expected N`
    Returned { got: i64, expected: i64 },
    /// `FAIL name: threw TypeName`
    Threw(String),
    /// `FAIL name: <anything else>` (e.g. not a well-formed test method).
    Other(String),
}

/// One result line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// `Namespace.Type.test_N_name`.
    pub name: String,
    pub outcome: Outcome,
}

impl std::fmt::Display for TestResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            Outcome::Pass => write!(f, "PASS {}", self.name),
            Outcome::Returned { got, expected } => {
                write!(f, "FAIL {}: returned {got}, expected {expected}", self.name)
            }
            Outcome::Threw(ty) => write!(f, "FAIL {}: threw {ty}", self.name),
            Outcome::Other(why) => write!(f, "FAIL {}: {why}", self.name),
        }
    }
}

/// Parses a runner's output: every `PASS …`/`FAIL …` line, in order. Other
/// lines (the summary, anything a test printed) are skipped.
pub fn parse_results(output: &str) -> Vec<TestResult> {
    output.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<TestResult> {
    let line = line.trim_end();
    if let Some(name) = line.strip_prefix("PASS ") {
        return Some(TestResult {
            name: name.to_string(),
            outcome: Outcome::Pass,
        });
    }
    let rest = line.strip_prefix("FAIL ")?;
    let (name, why) = rest.split_once(": ")?;
    let outcome = if let Some(ty) = why.strip_prefix("threw ") {
        Outcome::Threw(ty.to_string())
    } else if let Some((got, expected)) = why
        .strip_prefix("returned ")
        .and_then(|r| r.split_once(", expected "))
        .and_then(|(g, e)| Some((g.parse().ok()?, e.parse().ok()?)))
    {
        Outcome::Returned { got, expected }
    } else {
        Outcome::Other(why.to_string())
    };
    Some(TestResult {
        name: name.to_string(),
        outcome,
    })
}

/// The final `P passed, F failed` line, if there is one.
pub fn parse_summary(output: &str) -> Option<(usize, usize)> {
    let line = output.lines().rev().find(|l| !l.trim().is_empty())?;
    let (p, f) = line.trim().split_once(" passed, ")?;
    Some((p.parse().ok()?, f.strip_suffix(" failed")?.parse().ok()?))
}

/// Where two runs of the same assembly disagree about one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub name: String,
    /// The oracle's outcome; `None` when the oracle did not run this test.
    pub oracle: Option<Outcome>,
    /// The candidate's outcome; `None` when the candidate did not run it.
    pub candidate: Option<Outcome>,
}

/// Compares two runs test by test, by name (order does not matter).
pub fn compare(oracle: &[TestResult], candidate: &[TestResult]) -> Vec<Mismatch> {
    let a: BTreeMap<&str, &Outcome> = oracle
        .iter()
        .map(|r| (r.name.as_str(), &r.outcome))
        .collect();
    let b: BTreeMap<&str, &Outcome> = candidate
        .iter()
        .map(|r| (r.name.as_str(), &r.outcome))
        .collect();
    let mut names: Vec<&str> = a.keys().chain(b.keys()).copied().collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (x, y) = (a.get(name).copied(), b.get(name).copied());
            (x != y).then(|| Mismatch {
                name: name.to_string(),
                oracle: x.cloned(),
                candidate: y.cloned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUN: &str = "\
PASS Arith.test_7_add
FAIL Arith.test_3_sub: returned -1, expected 3
FAIL Exc.test_5_catch: threw System.NullReferenceException
FAIL Exc.test_bad: not a test (want static int test_<N>_<name>())
some stray output
1 passed, 3 failed
";

    #[test]
    fn parses_every_line_kind() {
        let r = parse_results(RUN);
        assert_eq!(r.len(), 4);
        assert_eq!(r[0].outcome, Outcome::Pass);
        assert_eq!(
            r[1].outcome,
            Outcome::Returned {
                got: -1,
                expected: 3
            }
        );
        assert_eq!(
            r[2].outcome,
            Outcome::Threw("System.NullReferenceException".into())
        );
        assert!(matches!(r[3].outcome, Outcome::Other(_)));
        assert_eq!(r[1].name, "Arith.test_3_sub");
        assert_eq!(parse_summary(RUN), Some((1, 3)));
    }

    #[test]
    fn display_round_trips() {
        for r in parse_results(RUN) {
            assert_eq!(parse_line(&r.to_string()), Some(r));
        }
    }

    #[test]
    fn compare_reports_differences_and_missing_tests() {
        let oracle = parse_results("PASS A.test_1_x\nPASS A.test_2_y\nPASS A.test_3_z\n");
        let cand = parse_results("PASS A.test_2_y\nFAIL A.test_1_x: returned 0, expected 1\n");
        let m = compare(&oracle, &cand);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "A.test_1_x");
        assert_eq!(m[1].name, "A.test_3_z");
        assert_eq!(m[1].candidate, None);
    }
}
