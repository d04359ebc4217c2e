//! Fuzz the IL compiler: every method of a hostile assembly through
//! `Runtime::compile_method`. Any panic (ours, or a Cranelift assertion
//! reached through IL the compiler failed to validate) is a bug, and so is a
//! `Codegen` error (Cranelift's verifier caught such IL); any other `Err` is
//! the expected answer to garbage. Nothing compiled is executed.
//!
//! The first input byte picks the mode:
//!
//! * even: the rest is an assembly, loaded next to the real corlib; every
//!   method with a body is compiled (at most `MAX_METHODS`);
//! * odd: the next two bytes pick a method of a real assembly (the corlib and
//!   `target/managed/tests/*.dll`, read once at start-up) and the rest
//!   overwrites the start of its IL (same length, so the header and EH
//!   table stay where they are; a byte of the input decides whether the EH
//!   table is overwritten too). libFuzzer's mutations then work on IL
//!   directly, which random whole-assembly bytes rarely reach.
//!
//! Build the corpus and the inputs with `cargo xtask managed` first (see
//! docs/jit.md, "Fuzzing the compiler").

#![no_main]

use std::sync::OnceLock;

use jit::codemem::{CodeMemory, CodeMemoryError};
use jit::compiler::ErrorKind;
use jit::metadata::Image;
use jit::metadata::tables::MethodDefRow;
use jit::runtime::Runtime;
use libfuzzer_sys::fuzz_target;

const MAX_METHODS: usize = 64;
const MANAGED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/managed");

/// Code memory that keeps nothing: the fuzzer never runs what it compiles,
/// and mapping pages per input would exhaust memory.
struct Discard(Vec<u8>);

impl CodeMemory for Discard {
    fn install(&mut self, code: &[u8]) -> Result<*const u8, CodeMemoryError> {
        self.0.clear();
        self.0.extend_from_slice(code);
        Ok(self.0.as_ptr())
    }
}

struct Method {
    asm: usize,
    rid: u32,
    code: usize,
    len: usize,
}

struct Inputs {
    corlib: &'static [u8],
    /// The corlib first, then the test assemblies.
    assemblies: Vec<Vec<u8>>,
    methods: Vec<Method>,
}

fn inputs() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| {
        let corlib = std::fs::read(format!("{MANAGED}/corlib.dll"))
            .expect("target/managed/corlib.dll (run `cargo xtask managed`)");
        let mut assemblies = vec![corlib.clone()];
        let mut tests: Vec<_> = std::fs::read_dir(format!("{MANAGED}/tests"))
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        tests.sort();
        for t in tests {
            if t.extension().is_some_and(|x| x == "dll") {
                if let Ok(b) = std::fs::read(&t) {
                    assemblies.push(b);
                }
            }
        }
        let mut methods = Vec::new();
        for (asm, bytes) in assemblies.iter().enumerate() {
            let Ok(img) = Image::parse(bytes) else { continue };
            for row in img.tables().iter::<MethodDefRow>() {
                let Ok((rid, row)) = row else { continue };
                if row.rva == 0 {
                    continue;
                }
                if let Ok(Some(b)) = img.method_body(rid) {
                    methods.push(Method {
                        asm,
                        rid,
                        code: b.code.as_ptr() as usize - bytes.as_ptr() as usize,
                        len: b.code.len(),
                    });
                }
            }
        }
        Inputs {
            corlib: Vec::leak(corlib),
            assemblies,
            methods,
        }
    })
}

/// The bytes of the assembly under test: one leaked buffer reused for every
/// input, because the type system borrows assembly bytes for `'static`.
fn stage(bytes: &[u8]) -> &'static [u8] {
    static mut BUF: Vec<u8> = Vec::new();
    // SAFETY: the fuzzer is single-threaded and the runtime that borrowed
    // the previous contents was dropped at the end of the previous input,
    // so nothing refers to the buffer while it is rewritten.
    unsafe {
        let buf = &mut *core::ptr::addr_of_mut!(BUF);
        buf.clear();
        buf.extend_from_slice(bytes);
        core::slice::from_raw_parts(buf.as_ptr(), buf.len())
    }
}

fn runtime(corlib: &'static [u8]) -> Option<Box<Runtime>> {
    Runtime::new(corlib, Box::new(Discard(Vec::new()))).ok()
}

fn compile_all(rt: &mut Runtime, asm: jit::types::AsmId, only: Option<u32>) {
    let img = rt.types.image(asm).clone();
    let mut n = 0;
    for row in img.tables().iter::<MethodDefRow>() {
        let Ok((rid, row)) = row else { return };
        if row.rva == 0 || only.is_some_and(|o| o != rid) {
            continue;
        }
        if let Ok(m) = rt.types.method_def(asm, rid) {
            if let Err(e) = rt.compile_method(m) {
                // Cranelift's verifier rejected the IR: the translator let
                // bad IL through (the next such input might hit an assertion).
                assert!(e.kind != ErrorKind::Codegen, "unvalidated IL: {e:?}");
            }
        }
        n += 1;
        if n >= MAX_METHODS {
            return;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let inp = inputs();
    if mode & 1 == 0 {
        let Some(mut rt) = runtime(inp.corlib) else {
            return;
        };
        let Ok(asm) = rt.types.load(stage(rest)) else {
            return;
        };
        compile_all(&mut rt, asm, None);
        return;
    }
    if inp.methods.is_empty() || rest.len() < 2 {
        return;
    }
    let pick = usize::from(u16::from_le_bytes([rest[0], rest[1]])) % inp.methods.len();
    let il = &rest[2..];
    let m = &inp.methods[pick];
    let mut bytes = inp.assemblies[m.asm].clone();
    // Overwrite the IL, and past it (the EH table) when the mode byte says so.
    let room = if mode & 2 != 0 { m.len + 64 } else { m.len };
    let end = (m.code + room.min(il.len())).min(bytes.len());
    bytes[m.code..end].copy_from_slice(&il[..end - m.code]);
    let staged = stage(&bytes);
    if m.asm == 0 {
        if let Some(mut rt) = runtime(staged) {
            compile_all(&mut rt, jit::types::AsmId(0), Some(m.rid));
        }
    } else if let Some(mut rt) = runtime(inp.corlib) {
        if let Ok(asm) = rt.types.load(staged) {
            compile_all(&mut rt, asm, Some(m.rid));
        }
    }
});
