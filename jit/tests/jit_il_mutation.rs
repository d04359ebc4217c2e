//! Malformed IL never panics the compiler: thousands of deterministic
//! mutations of the IL (and EH tables) of real mcs-compiled methods, each
//! compiled in a fresh runtime. `compile_method` must return `Ok` or a typed
//! `Err`; a panic (ours, or a Cranelift assertion reached through IL we
//! failed to validate) fails the test with the case number, the seed and
//! the mutation, so it can be replayed by running just that case
//! (`IL_MUTATION_CASE=N`; `IL_MUTATION_CASES=N` and `IL_MUTATION_SEED=hex`
//! explore further).
//!
//! The driver host compiles untrusted assemblies in ring 3 and must keep
//! serving after refusing one; this is the in-tree half of that guarantee
//! (the other half is the `compile` fuzz target in `fuzz/`).

mod jit_support;

use std::panic::{AssertUnwindSafe, catch_unwind};

use jit::compiler::ErrorKind;
use jit::metadata::Image;
use jit::metadata::tables::MethodDefRow;
use jit::testrun::runtime;

const DIR: &str = "jit-il-mutation";
const SEED: u64 = 0x1D5E_ED00_C0DE_0001;
/// Cases in a normal run; `IL_MUTATION_CASES=N` runs more (exploration).
const CASES: u64 = 10_000;

/// The suites whose methods are mutated (plus the corlib itself).
const SUITES: &[&str] = &[
    "exceptions",
    "exception_flow",
    "seed_bugs",
    "objects",
    "arrays",
    "branches",
    "calls",
    "strings",
    "pointers",
];

enum Outcome {
    Compiled,
    Refused,
    Unvalidated,
}

/// xorshift64*: small, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Where one method's body lives in its assembly's bytes.
#[derive(Clone, Copy, Debug)]
struct Body {
    rid: u32,
    code: usize,
    len: usize,
    fat: bool,
}

struct Target {
    name: String,
    bytes: Vec<u8>,
    bodies: Vec<Body>,
}

fn target(name: &str, bytes: Vec<u8>) -> Target {
    let img = Image::parse(&bytes).expect("parse");
    let mut bodies = Vec::new();
    for row in img.tables().iter::<MethodDefRow>() {
        let (rid, row) = row.expect("row");
        if row.rva == 0 {
            continue;
        }
        if let Ok(Some(b)) = img.method_body(rid) {
            bodies.push(Body {
                rid,
                code: b.code.as_ptr() as usize - bytes.as_ptr() as usize,
                len: b.code.len(),
                fat: b.is_fat,
            });
        }
    }
    assert!(!bodies.is_empty(), "{name}: no method bodies");
    Target {
        name: name.to_string(),
        bytes,
        bodies,
    }
}

/// Opcodes worth inserting: every one-byte opcode and the 0xFE ones.
fn random_opcode(rng: &mut Rng, out: &mut Vec<u8>) {
    if rng.below(6) == 0 {
        out.push(0xFE);
        out.push(rng.below(0x1F) as u8);
    } else {
        out.push(rng.below(0xE1) as u8);
    }
    // A plausible operand: small numbers, offsets, or a token.
    match rng.below(4) {
        0 => {}
        1 => out.push(rng.below(8) as u8),
        2 => out.extend_from_slice(&(rng.below(64) as u32).to_le_bytes()),
        _ => {
            let table = [0x01u8, 0x02, 0x04, 0x06, 0x0A, 0x1B, 0x2B, 0x70, 0x11][rng.below(9)];
            let rid = rng.below(40) as u32;
            out.extend_from_slice(&(rid | (u32::from(table) << 24)).to_le_bytes());
        }
    }
}

/// Mutate `b`'s body in `bytes`; returns a description.
fn mutate(rng: &mut Rng, bytes: &mut [u8], b: Body) -> String {
    let code = b.code;
    let len = b.len;
    match rng.below(7) {
        0 => {
            // Flip a few bits.
            let n = 1 + rng.below(3);
            for _ in 0..n {
                let at = code + rng.below(len);
                bytes[at] ^= 1 << rng.below(8);
            }
            format!("flip {n} bits")
        }
        1 | 2 => {
            // Overwrite with random instructions.
            let at = rng.below(len);
            let mut ins = Vec::new();
            for _ in 0..1 + rng.below(3) {
                random_opcode(rng, &mut ins);
            }
            let n = ins.len().min(len - at);
            bytes[code + at..code + at + n].copy_from_slice(&ins[..n]);
            format!("write {:02x?} at IL_{at:04x}", &ins[..n])
        }
        3 => {
            // Truncate: shrink the code size in the header.
            let new = rng.below(len);
            if b.fat {
                bytes[code - 8..code - 4].copy_from_slice(&(new as u32).to_le_bytes());
            } else {
                bytes[code - 1] = ((new as u8) << 2) | 2;
            }
            format!("truncate to {new} bytes")
        }
        4 => {
            // Random bytes.
            let at = rng.below(len);
            let n = (1 + rng.below(6)).min(len - at);
            for i in 0..n {
                bytes[code + at + i] = rng.next() as u8;
            }
            format!("{n} random bytes at IL_{at:04x}")
        }
        5 => {
            // The EH section after the code (when the body has one).
            let sec = (code + len + 3) & !3;
            if !b.fat || sec + 16 > bytes.len() {
                bytes[code + rng.below(len)] = 0x2A; // ret somewhere
                return "ret somewhere".into();
            }
            let at = sec + 4 + rng.below(24);
            let v = rng.next() as u8;
            bytes[at] = v;
            format!("EH section byte {} = {v:#04x}", at - sec)
        }
        _ => {
            // Swap two bytes.
            let (i, j) = (rng.below(len), rng.below(len));
            bytes.swap(code + i, code + j);
            format!("swap IL_{i:04x} and IL_{j:04x}")
        }
    }
}

#[test]
fn mutated_il_gives_ok_or_a_typed_error_never_a_panic() {
    let _serial = jit_support::serial();
    let corlib_path = jit_support::corlib(DIR);
    let corlib: &'static [u8] = jit_support::leak(&corlib_path);
    let mut targets = vec![target("corlib", corlib.to_vec())];
    for s in SUITES {
        let src = jit_support::root().join(format!("jit/tests/cs/{s}.cs"));
        let dll = jit_support::compile(DIR, &src, s);
        targets.push(target(s, std::fs::read(dll).expect("read dll")));
    }
    let only: Option<u64> = std::env::var("IL_MUTATION_CASE")
        .ok()
        .and_then(|v| v.parse().ok());
    // Panics are expected to be caught; keep their messages for the report
    // instead of printing each one.
    let last_panic = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let sink = last_panic.clone();
    std::panic::set_hook(Box::new(move |info| {
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let msg = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        *sink.lock().unwrap_or_else(|e| e.into_inner()) = format!("{msg}{at}");
    }));
    let (mut ok, mut refused, mut failures) = (0u32, 0u32, Vec::new());
    let cases: u64 = std::env::var("IL_MUTATION_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let seed: u64 = std::env::var("IL_MUTATION_SEED")
        .ok()
        .and_then(|v| u64::from_str_radix(v.trim_start_matches("0x"), 16).ok())
        .unwrap_or(SEED);
    for case in 0..cases {
        if only.is_some_and(|c| c != case) {
            continue;
        }
        let mut rng = Rng::new(seed ^ case.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let t = &targets[rng.below(targets.len())];
        let b = t.bodies[rng.below(t.bodies.len())];
        let mut bytes = t.bytes.clone();
        let what = mutate(&mut rng, &mut bytes, b);
        let bytes: &'static [u8] = Vec::leak(bytes);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let (mut rt, asm) = if t.name == "corlib" {
                match runtime(bytes, &[]) {
                    Ok(rt) => (rt, jit::types::AsmId(0)),
                    Err(_) => return Outcome::Refused,
                }
            } else {
                let mut rt = runtime(corlib, &[]).expect("runtime over the real corlib");
                match rt.types.load(bytes) {
                    Ok(asm) => (rt, asm),
                    Err(_) => return Outcome::Refused,
                }
            };
            match rt.types.method_def(asm, b.rid) {
                Ok(m) => match rt.compile_method(m) {
                    Ok(_) => Outcome::Compiled,
                    // Cranelift's verifier caught IR we should have refused:
                    // the next such input might hit an assertion instead.
                    Err(e) if e.kind == ErrorKind::Codegen => Outcome::Unvalidated,
                    Err(e) => {
                        if std::env::var("IL_MUTATION_VERBOSE").is_ok() {
                            println!("case {case}: {what}: {:?}", e.kind);
                        }
                        Outcome::Refused
                    }
                },
                Err(_) => Outcome::Refused,
            }
        }));
        match result {
            Ok(Outcome::Compiled) => ok += 1,
            Ok(Outcome::Refused) => refused += 1,
            Ok(Outcome::Unvalidated) => failures.push(format!(
                "case {case} (seed {seed:#x}): {} method rid {} ({what}): \
                 Cranelift's verifier rejected the IR (an unvalidated operand)",
                t.name, b.rid
            )),
            Err(_) => failures.push(format!(
                "case {case} (seed {seed:#x}): {} method rid {} ({what}): panic: {}",
                t.name,
                b.rid,
                last_panic.lock().unwrap_or_else(|e| e.into_inner())
            )),
        }
    }
    let _ = std::panic::take_hook();
    println!(
        "{ok} compiled, {refused} refused, {} panicked",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {cases} mutated methods panicked the compiler or reached Cranelift unvalidated:\n{}",
        failures.len(),
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    if only.is_none() {
        // The mutations must exercise the compiler, not just the loader.
        assert!(ok > cases as u32 / 10, "only {ok} mutated methods compiled");
    }
}
