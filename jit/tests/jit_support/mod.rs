//! Shared by the JIT's integration tests: compile C# with mcs against the
//! Cordon corlib into `target/tmp/<dir>/`, and start runtimes over the result.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mcs(args: &[&str]) {
    let out = Command::new("mcs").args(args).output().unwrap_or_else(|e| {
        panic!("cannot run mcs ({e}): run `cargo xtask setup` (installs mono-mcs)")
    });
    assert!(
        out.status.success(),
        "mcs {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Build the corlib into `dir` (once per test binary) and return its path.
pub fn corlib(dir: &str) -> PathBuf {
    static ONCE: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);
    let mut g = ONCE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = g.as_ref() {
        return p.clone();
    }
    let out = root().join("target/tmp").join(dir);
    std::fs::create_dir_all(&out).expect("create target/tmp dir");
    let corlib = out.join("corlib.dll");
    let mut sources: Vec<String> = std::fs::read_dir(root().join("driverhost/managed/corlib"))
        .expect("corlib sources")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cs"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    sources.sort();
    let out_arg = format!("-out:{}", corlib.display());
    let mut args = vec![
        "-nostdlib",
        "-unsafe",
        "-debug-",
        "-optimize+",
        "-target:library",
        "-nowarn:0649,0169,0414",
        out_arg.as_str(),
    ];
    args.extend(sources.iter().map(String::as_str));
    mcs(&args);
    *g = Some(corlib.clone());
    corlib
}

/// Compile one C# file against the corlib built in `dir`.
pub fn compile(dir: &str, source: &Path, name: &str) -> PathBuf {
    let corlib = corlib(dir);
    let out = corlib.parent().expect("dir").join(format!("{name}.dll"));
    let out_arg = format!("-out:{}", out.display());
    let r_arg = format!("-r:{}", corlib.display());
    let src = source.to_string_lossy().into_owned();
    mcs(&[
        "-nostdlib",
        "-unsafe",
        "-debug-",
        "-optimize+",
        "-target:library",
        "-nowarn:0649,0169,0414",
        &r_arg,
        &out_arg,
        &src,
    ]);
    out
}

/// Read a file into leaked memory (the type system borrows assembly bytes).
pub fn leak(path: &Path) -> &'static [u8] {
    Vec::leak(std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// `Type.test_N_name  reason` lines of jit/tests/expected_failures.txt.
pub fn expected_failures() -> std::collections::BTreeMap<String, String> {
    let text = std::fs::read_to_string(root().join("jit/tests/expected_failures.txt"))
        .expect("expected_failures.txt");
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (n, r) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (n.to_string(), r.trim().to_string())
        })
        .collect()
}

/// Serialises tests that run managed code (the runtime's current-runtime
/// pointer is process-global).
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Compiles `jit/tests/jit_cs/<name>.cs` against corlib, lets `patcher`
/// rewrite the assembly's bytes (IL shapes mcs never emits), and loads it
/// into a fresh runtime.
pub fn load_patched(
    dir: &str,
    name: &str,
    patcher: impl FnOnce(&mut [u8]),
) -> (Box<jit::runtime::Runtime>, jit::types::AsmId) {
    let corlib = leak(&corlib(dir));
    let src = root().join(format!("jit/tests/jit_cs/{name}.cs"));
    let dll = compile(dir, &src, name);
    let bytes: &'static mut [u8] = Vec::leak(std::fs::read(dll).expect("read dll"));
    patcher(bytes);
    let mut rt = jit::testrun::runtime(corlib, &[]).expect("runtime");
    let asm = rt.types.load(bytes).expect("load");
    (rt, asm)
}

/// Method `name` of the top-level type `ty` in `asm`.
pub fn find_method(
    rt: &mut jit::runtime::Runtime,
    asm: jit::types::AsmId,
    ty: &str,
    name: &str,
) -> jit::types::MethodId {
    let img = rt.types.image(asm).clone();
    let t = img
        .find_type_def("", ty)
        .expect("lookup")
        .expect("type present");
    let tid = rt.types.type_def(asm, t).expect("type");
    rt.types
        .ty(tid)
        .methods
        .iter()
        .copied()
        .find(|&m| rt.types.method(m).name == name)
        .expect("method")
}
