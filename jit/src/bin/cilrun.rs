//! `cilrun ASSEMBLY.dll [-r REF.dll]... [--corlib CORLIB.dll] [--filter PAT]
//! [--gc-stress] [--heap-limit BYTES] [--gc-stats]`
//!
//! Runs every `static int test_<N>_<name>()` of ASSEMBLY through Cordon's JIT
//! and prints the mono runner's format: `PASS Type.test_N_name`,
//! `FAIL Type.test_N_name: returned X, expected N`, `FAIL ...: threw
//! System.X`, `FAIL ...: unsupported: <reason>`, then `P passed, F failed`.
//! The corlib defaults to `corlib.dll` next to ASSEMBLY's directory
//! (`target/managed/corlib.dll` for `target/managed/tests/X.dll`).
//!
//! `--gc-stress` (or `CORDON_GC_STRESS=1` in the environment) collects at
//! every allocation compiled code makes and poisons dead objects
//! (docs/gc.md); `--heap-limit` sets the runtime's heap limit;
//! `--nursery BYTES` (or `CORDON_GC_NURSERY=BYTES`) makes the collector
//! generational with a nursery of that size (0: not generational; the
//! default is 4 MiB); `--gc-stats` prints `gc: C collections, max pause X
//! us, median Y us` (full collections) and, when generational,
//! `gc-minor: ...` likewise for minor collections.
//! `--perf-map` writes `/tmp/perf-PID.map` at the end (one `START LEN
//! NAME` line per compiled method, the format `perf report` reads for
//! JIT code), so `perf record cilrun ... --perf-map` names managed methods.
//!
//! `--via-image` runs the tests on code that was not compiled by the
//! runtime that runs it: a first runtime compiles every method of
//! ASSEMBLY, runs the tests once (its output discarded) so that the
//! corlib methods and generic instantiations they need are compiled too,
//! and exports a code image (docs/driverhost.md, "Keeping compiled code
//! across generations"); a second runtime over the same assemblies
//! imports it and runs the tests. Code compiled after a static
//! constructor it depends on had run is not kept, so the second runtime
//! compiles that again. The image's size and what was imported go to
//! stderr.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use jit::runtime::Runtime;
use jit::testrun::{Outcome, leak_file, run_assembly, runtime};
use jit::types::AsmId;

/// The nursery cilrun runs with unless told otherwise.
const DEFAULT_NURSERY: usize = 4 << 20;

fn usage() -> ExitCode {
    eprintln!("usage: cilrun ASSEMBLY.dll [-r REF.dll]... [--corlib CORLIB.dll] [--filter PAT]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut assembly = None;
    let mut refs = Vec::new();
    let mut corlib = None;
    let mut filter = None;
    let mut compile_all = false;
    let mut stress = std::env::var("CORDON_GC_STRESS").is_ok_and(|v| v == "1");
    let mut heap_limit = None;
    let mut gc_stats = false;
    let mut nursery = std::env::var("CORDON_GC_NURSERY")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(DEFAULT_NURSERY);
    let mut perf_map = false;
    let mut via_image = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "-r" => match args.next() {
                Some(r) => refs.push(r),
                None => return usage(),
            },
            "--corlib" => corlib = args.next(),
            "--filter" => filter = args.next(),
            "--compile-all" => compile_all = true,
            "--gc-stress" => stress = true,
            "--gc-stats" => gc_stats = true,
            "--nursery" => match args.next().and_then(|v| v.parse::<usize>().ok()) {
                Some(n) => nursery = n,
                None => return usage(),
            },
            "--perf-map" => perf_map = true,
            "--via-image" => via_image = true,
            "--heap-limit" => match args.next().and_then(|v| v.parse::<usize>().ok()) {
                Some(n) => heap_limit = Some(n),
                None => return usage(),
            },
            "-h" | "--help" => {
                println!(
                    "usage: cilrun ASSEMBLY.dll [-r REF.dll]... [--corlib CORLIB.dll] [--filter PAT] [--compile-all] [--gc-stress] [--heap-limit BYTES] [--nursery BYTES] [--gc-stats] [--via-image] [--perf-map]"
                );
                println!(
                    "runs every static int test_<N>_<name>() and prints PASS/FAIL lines and `P passed, F failed`"
                );
                return ExitCode::SUCCESS;
            }
            _ if assembly.is_none() => assembly = Some(a),
            _ => return usage(),
        }
    }
    let Some(assembly) = assembly else {
        return usage();
    };
    let corlib = corlib.map(PathBuf::from).unwrap_or_else(|| {
        let dir = Path::new(&assembly).parent().unwrap_or(Path::new("."));
        let beside = dir.join("corlib.dll");
        if beside.exists() {
            beside
        } else {
            dir.join("../corlib.dll")
        }
    });
    let load = |p: &str| match leak_file(p) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("cilrun: cannot read {p}: {e}");
            None
        }
    };
    let Some(corlib_bytes) = load(&corlib.to_string_lossy()) else {
        return ExitCode::from(2);
    };
    // Naming the corlib again with -r is harmless: load it once.
    let same_file = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    };
    refs.retain(|r| !same_file(Path::new(r), &corlib));
    let mut ref_bytes = Vec::new();
    for r in &refs {
        let Some(b) = load(r) else {
            return ExitCode::from(2);
        };
        ref_bytes.push(b);
    }
    let Some(asm_bytes) = load(&assembly) else {
        return ExitCode::from(2);
    };
    let start = |quiet: bool| -> Result<(Box<Runtime>, AsmId), ExitCode> {
        let mut rt = runtime(corlib_bytes, &ref_bytes).map_err(|e| {
            eprintln!("cilrun: cannot start the runtime: {e:?}");
            ExitCode::from(2)
        })?;
        // System.Console goes to the host's stdout.
        rt.externals.register(
            "System",
            "Console",
            "WriteCore",
            if quiet {
                console_discard as *const () as usize
            } else {
                console_write as *const () as usize
            },
        );
        rt.set_gc_stress(stress);
        if !rt.set_generational(nursery) {
            eprintln!("cilrun: cannot reserve a nursery of {nursery} bytes");
            return Err(ExitCode::from(2));
        }
        if let Some(n) = heap_limit {
            rt.set_heap_limit(n);
        }
        let asm = rt.types.load(asm_bytes).map_err(|e| {
            eprintln!("cilrun: cannot load {assembly}: {e}");
            ExitCode::from(2)
        })?;
        Ok((rt, asm))
    };
    let (mut rt, asm) = match start(via_image) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if via_image {
        // The first runtime compiles; the second, which runs the tests,
        // installs its code.
        jit::testrun::compile_all(&mut rt, asm);
        run_assembly(&mut rt, asm, filter.as_deref());
        let image = match rt.export_image() {
            Ok(i) => i,
            Err(e) => {
                eprintln!("cilrun: export_image: {e:?}");
                return ExitCode::from(2);
            }
        };
        (rt, _) = match start(false) {
            Ok(x) => x,
            Err(code) => return code,
        };
        match rt.import_image(&image) {
            Ok(s) => eprintln!(
                "cilrun: image of {} bytes: imported {} methods, {} code bytes, {} relocations",
                image.len(),
                s.methods,
                s.code_bytes,
                s.relocs
            ),
            Err(e) => {
                eprintln!("cilrun: import_image: {e:?}");
                return ExitCode::from(2);
            }
        }
    }
    if compile_all {
        // Compile throughput: every method with IL in the assembly.
        // Wall time and this thread's CPU time: on a loaded machine the
        // process waits for a core, and only the CPU time is steady.
        let start = std::time::Instant::now();
        let cpu0 = thread_cpu_seconds();
        let (ok, failed) = jit::testrun::compile_all(&mut rt, asm);
        let cpu = thread_cpu_seconds() - cpu0;
        let secs = start.elapsed().as_secs_f64();
        println!(
            "compiled {ok} methods ({failed} unsupported), {} IL bytes, {} code bytes in {secs:.4} s (cpu {cpu:.4} s)",
            rt.stats.il_bytes, rt.stats.code_bytes
        );
        #[cfg(feature = "compile-timing")]
        {
            let (translate, passes) = jit::compiler::timing::take();
            println!("translate (IL -> CLIF, type queries included): {translate:?}");
            print!("{passes}");
        }
        return ExitCode::SUCCESS;
    }
    let results = run_assembly(&mut rt, asm, filter.as_deref());
    let mut passed = 0;
    for r in &results {
        println!("{}", r.line());
        if r.outcome == Outcome::Pass {
            passed += 1;
        }
    }
    let failed = results.len() - passed;
    if perf_map {
        write_perf_map(&rt);
    }
    if gc_stats {
        let g = rt.gc_stats();
        println!(
            "gc: {} collections, max pause {:.1} us, median {:.1} us",
            g.collections,
            g.max_pause() as f64 / 1e3,
            g.median_pause() as f64 / 1e3
        );
        if rt.is_generational() {
            println!(
                "gc-minor: {} collections, max pause {:.1} us, median {:.1} us",
                g.minor_collections,
                g.max_minor_pause() as f64 / 1e3,
                g.median_minor_pause() as f64 / 1e3
            );
        }
    }
    println!("{passed} passed, {failed} failed");
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `/tmp/perf-PID.map`: every compiled method's code range and name.
/// The CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu_seconds() -> f64 {
    const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
    unsafe extern "C" {
        fn clock_gettime(clock: i32, ts: *mut [i64; 2]) -> i32;
    }
    let mut ts = [0i64; 2];
    // SAFETY: `ts` is a writable `struct timespec` (two 64-bit fields on
    // x86-64); clock_gettime only writes it.
    if unsafe { clock_gettime(CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return 0.0;
    }
    ts[0] as f64 + ts[1] as f64 * 1e-9
}

fn write_perf_map(rt: &jit::runtime::Runtime) {
    use std::fmt::Write as _;
    let mut text = String::new();
    for r in &rt.code_ranges {
        let _ = writeln!(
            text,
            "{:x} {:x} {}",
            r.start,
            r.len,
            rt.types.method_name(r.method)
        );
    }
    let path = format!("/tmp/perf-{}.map", std::process::id());
    if let Err(e) = std::fs::write(&path, text) {
        eprintln!("cilrun: cannot write {path}: {e}");
    }
}

/// `Console.WriteCore(string)`: the managed string's UTF-16 to stdout.
extern "C" fn console_write(s: usize) {
    use std::io::Write;
    if s == 0 {
        return;
    }
    // SAFETY: compiled code passes a live managed string: its length, then
    // that many UTF-16 chars (jit::abi string layout).
    let text = unsafe {
        let len = *((s + jit::abi::STRING_LENGTH_OFFSET) as *const i32) as usize;
        let chars =
            std::slice::from_raw_parts((s + jit::abi::STRING_CHARS_OFFSET) as *const u16, len);
        String::from_utf16_lossy(chars)
    };
    let mut out = std::io::stdout();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `Console.WriteCore(string)` of the runtime whose runs are not shown.
extern "C" fn console_discard(_s: usize) {}
