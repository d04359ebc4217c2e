//! Running C# test assemblies (`static int test_<N>_<name>()`), shared by
//! `cilrun`, the integration tests, the benchmark and the driver host's
//! ring-3 run of the same suites (`jit-ring3`). `no_std`; only reading files
//! and the mmap-backed runtime ([`leak_file`], [`runtime`]) need `std`.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::codemem::CodeMemory;
use crate::compiler::CompileError;
#[cfg(feature = "std")]
use crate::host::MmapCodeMemory;
use crate::metadata::tables::{MethodDefRow, TypeDefRow};
use crate::runtime::{Escape, Runtime, RuntimeError};
use crate::types::{AsmId, MethodId, Prim, Ty, TypeError};

/// How one test ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Returned the expected value.
    Pass,
    /// Returned something else.
    Returned(i32),
    /// Threw (uncaught) an exception of this type (full name).
    Threw(String),
    /// The JIT could not compile something the test needs.
    Unsupported(String),
    /// The method does not follow the test convention.
    NotATest,
}

/// One test's result.
#[derive(Clone, Debug)]
pub struct TestResult {
    /// `Type.test_N_name` (as mono's runner names it).
    pub name: String,
    /// Expected return value.
    pub expected: i32,
    /// Outcome.
    pub outcome: Outcome,
}

impl TestResult {
    /// The runner line (`PASS name` / `FAIL name: ...`), mono's format.
    pub fn line(&self) -> String {
        match &self.outcome {
            Outcome::Pass => format!("PASS {}", self.name),
            Outcome::Returned(x) => format!(
                "FAIL {}: returned {x}, expected {}",
                self.name, self.expected
            ),
            Outcome::Threw(t) => format!("FAIL {}: threw {t}", self.name),
            Outcome::Unsupported(r) => format!("FAIL {}: unsupported: {r}", self.name),
            Outcome::NotATest => format!(
                "FAIL {}: not a test (want static int test_<N>_<name>())",
                self.name
            ),
        }
    }
}

/// Read a file into memory that lives for the rest of the process (the
/// type system borrows assembly bytes).
#[cfg(feature = "std")]
pub fn leak_file(path: &str) -> std::io::Result<&'static [u8]> {
    Ok(Vec::leak(std::fs::read(path)?))
}

/// A runtime over `corlib` plus `refs` (in order) with the MMU-backed code memory.
#[cfg(feature = "std")]
pub fn runtime(
    corlib: &'static [u8],
    refs: &[&'static [u8]],
) -> Result<Box<Runtime>, RuntimeError> {
    runtime_with(corlib, refs, Box::new(MmapCodeMemory::default()))
}

/// A runtime over `corlib` plus `refs` (in order) with the given code memory
/// (the driver host passes its `Protect`-based one).
pub fn runtime_with(
    corlib: &'static [u8],
    refs: &[&'static [u8]],
    code: Box<dyn CodeMemory>,
) -> Result<Box<Runtime>, RuntimeError> {
    let mut rt = Runtime::new(corlib, code)?;
    for r in refs {
        rt.types.load(r).map_err(RuntimeError::Type)?;
    }
    Ok(rt)
}

/// Describe a compile error for a FAIL line.
pub fn describe(rt: &Runtime, e: &CompileError) -> String {
    let method = if (e.method.0 as usize) < rt.types.methods.len() {
        rt.types.method_name(e.method)
    } else {
        String::from("<runtime>")
    };
    format!("{} in {} at IL_{:04x}", e.kind, method, e.il_offset)
}

fn type_full_name(rt: &Runtime, asm: AsmId, mut rid: u32) -> String {
    let img = rt.types.image(asm);
    let mut parts = Vec::new();
    loop {
        let (ns, name) = img.type_def_name(rid).unwrap_or(("", "?"));
        match img.tables().enclosing_class(rid).ok().flatten() {
            Some(outer) => {
                parts.push(String::from(name));
                rid = outer;
            }
            None => {
                parts.push(if ns.is_empty() {
                    String::from(name)
                } else {
                    format!("{ns}.{name}")
                });
                break;
            }
        }
    }
    parts.reverse();
    parts.join("+")
}

/// Every `test_` static method of `asm`, in MethodDef order, with its
/// full name and expected value (None: not a valid test).
pub fn find_tests(rt: &mut Runtime, asm: AsmId) -> Vec<(String, u32, Option<i32>)> {
    let img = rt.types.image(asm).clone();
    let mut out = Vec::new();
    for item in img.tables().iter::<TypeDefRow>() {
        let Ok((tid, _)) = item else { continue };
        let Ok(methods) = img.tables().methods_of(tid) else {
            continue;
        };
        for m in methods.flatten() {
            let Ok(row) = img.tables().get::<MethodDefRow>(m) else {
                continue;
            };
            let Ok(name) = img.strings().get(row.name) else {
                continue;
            };
            if row.flags & 0x0010 == 0 || !name.starts_with("test_") {
                continue;
            }
            let full = format!("{}.{}", type_full_name(rt, asm, tid), name);
            let expected = expected_of(name).filter(|_| {
                img.method_sig(m)
                    .map(|s| {
                        s.params.is_empty()
                            && s.ret == crate::metadata::TypeSig::I4
                            && s.generic_param_count == 0
                    })
                    .unwrap_or(false)
            });
            out.push((full, m, expected));
        }
    }
    out
}

fn expected_of(name: &str) -> Option<i32> {
    let rest = name.strip_prefix("test_")?;
    let (n, tail) = rest.split_once('_')?;
    if n.is_empty() || tail.is_empty() || !n.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    n.parse::<i32>().ok()
}

/// Compile and run one test method.
pub fn run_test(rt: &mut Runtime, m: MethodId, expected: i32) -> Outcome {
    match rt.types.method_sig(m) {
        Ok(s) if s.ret == Ty::Prim(Prim::I4) && s.params.is_empty() => {}
        Ok(_) => return Outcome::NotATest,
        Err(e) => return Outcome::Unsupported(format!("{e}")),
    }
    let code = match rt.compile_method(m) {
        Ok(c) => c,
        Err(e) => return Outcome::Unsupported(describe(rt, &e)),
    };
    // SAFETY: `code` is a compiled `static int f()`; rt is a live boxed runtime.
    match unsafe { Runtime::call_protected(rt as *mut Runtime, code) } {
        Ok(v) if v as i32 == expected => Outcome::Pass,
        Ok(v) => Outcome::Returned(v as i32),
        Err(Escape::Exception(obj)) => Outcome::Threw(rt.object_type_name(obj)),
        Err(Escape::Unsupported(e)) => Outcome::Unsupported(describe(rt, &e)),
    }
}

/// Run every test of `asm` whose name contains `filter`.
pub fn run_assembly(rt: &mut Runtime, asm: AsmId, filter: Option<&str>) -> Vec<TestResult> {
    let mut results = Vec::new();
    for (name, rid, expected) in find_tests(rt, asm) {
        if filter.is_some_and(|f| !name.contains(f)) {
            continue;
        }
        let outcome = match expected {
            None => Outcome::NotATest,
            Some(n) => match rt.types.method_def(asm, rid) {
                Ok(m) => run_test(rt, m, n),
                Err(TypeError::Generic) => Outcome::Unsupported(String::from("generics")),
                Err(e) => Outcome::Unsupported(format!("{e}")),
            },
        };
        results.push(TestResult {
            name,
            expected: expected.unwrap_or(0),
            outcome,
        });
    }
    results
}

/// Compile every method with an IL body in `asm` (benchmarks), its code
/// installed in one piece at the end as an up-front compile's is; returns
/// (compiled, refused).
pub fn compile_all(rt: &mut Runtime, asm: AsmId) -> (usize, usize) {
    let img = rt.types.image(asm).clone();
    let (mut ok, mut failed) = (0, 0);
    for item in img.tables().iter::<MethodDefRow>() {
        let Ok((rid, row)) = item else { continue };
        if row.rva == 0 {
            continue;
        }
        match rt.types.method_def(asm, rid).map(|m| rt.compile_staged(m)) {
            Ok(Ok(())) => ok += 1,
            _ => failed += 1,
        }
    }
    if rt.install_staged().is_err() {
        return (0, ok + failed);
    }
    (ok, failed)
}
