//! `mode=jit-tests`: the JIT's C# test suites, run in ring 3 exactly as
//! `cilrun` and `cargo test -p jit` run them on the host (`jit::testrun`:
//! one runtime per assembly over the corlib, every `static int
//! test_<N>_<name>()` compiled and called, passing when it returns N).
//! This proves the JIT, its runtime helpers, its exception dispatch and the
//! W^X code memory work in the driver host; the `jit-ring3` QEMU test
//! compares the count with the host's.

use alloc::boxed::Box;
use ipc::files::Bundle;
use jit::testrun::{Outcome, run_assembly, runtime_with};

use crate::codemem::{self, ProtectCodeMemory};

/// The corlib's name in the bundle.
pub const CORLIB: &str = "managed/corlib.dll";
const TESTS: &str = "managed/tests/";
/// The nursery of each suite runtime (docs/gc.md, "Generations").
const NURSERY: usize = 1 << 20;

/// Runs every test assembly of the bundle; returns the number of failures
/// (a missing corlib or no test assembly counts as one). With `gc_stress`
/// (`gc-stress=1`) each runtime collects at every allocation and poisons
/// dead objects (docs/gc.md): the ring-3 frame walk under test. Each
/// runtime is generational (a [`NURSERY`] nursery), so the copying minor
/// collection and the write barrier run in ring 3 too.
pub fn run(files: &Bundle<'static>, gc_stress: bool) -> u64 {
    let Some(corlib) = files.get(CORLIB) else {
        userlib::log!("jit-ring3: FAIL no {CORLIB} among the files");
        return 1;
    };
    let t0 = userlib::uptime_us();
    let (mut passed, mut failed, mut assemblies) = (0u64, 0u64, 0u64);
    let (mut methods, mut il, mut code) = (0u64, 0u64, 0u64);
    let (mut collections, mut minor) = (0u64, 0u64);
    for (name, bytes) in files.iter() {
        let Some(short) = name.strip_prefix(TESTS).filter(|n| n.ends_with(".dll")) else {
            continue;
        };
        assemblies += 1;
        let mut rt = match runtime_with(corlib, &[], Box::new(ProtectCodeMemory)) {
            Ok(rt) => rt,
            Err(e) => {
                userlib::log!("jit-ring3: FAIL {short}: cannot start a runtime: {e:?}");
                failed += 1;
                continue;
            }
        };
        rt.set_gc_stress(gc_stress);
        if !rt.set_generational(NURSERY) {
            userlib::log!("jit-ring3: FAIL {short}: cannot reserve a nursery");
            failed += 1;
            continue;
        }
        crate::console::register(&mut rt);
        let asm = match rt.types.load(bytes) {
            Ok(a) => a,
            Err(e) => {
                userlib::log!("jit-ring3: FAIL {short}: cannot load: {e}");
                failed += 1;
                continue;
            }
        };
        let results = run_assembly(&mut rt, asm, None);
        let mut ok = 0u64;
        for r in &results {
            if r.outcome == Outcome::Pass {
                ok += 1;
            } else {
                userlib::log!("jit-ring3: {}", r.line());
            }
        }
        let bad = results.len() as u64 - ok;
        userlib::log!("jit-ring3: {short}: {ok} passed, {bad} failed");
        passed += ok;
        failed += bad;
        methods += rt.stats.methods;
        il += rt.stats.il_bytes;
        code += rt.stats.code_bytes;
        collections += rt.gc_stats().collections;
        minor += rt.gc_stats().minor_collections;
    }
    let ms = (userlib::uptime_us() - t0) / 1000;
    if assemblies == 0 {
        userlib::log!("jit-ring3: FAIL no {TESTS}*.dll among the files");
        failed += 1;
    }
    userlib::log!(
        "jit-ring3: {assemblies} assemblies; compiled {methods} methods, {il} IL bytes -> {code} bytes of code in {} RX pages; {ms} ms",
        codemem::pages()
    );
    userlib::log!(
        "jit-ring3: {collections} garbage collections{}",
        if gc_stress { " (gc stress)" } else { "" }
    );
    userlib::log!("jit-ring3: {minor} minor collections ({NURSERY} byte nursery)");
    userlib::log!("jit-ring3: {passed} passed, {failed} failed");
    failed
}
