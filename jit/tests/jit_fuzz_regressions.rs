//! Inputs the `compile` fuzz target (fuzz/fuzz_targets/compile.rs) found,
//! replayed the way the target runs them: the first byte is the mode (even:
//! the rest is an assembly loaded next to the corlib), then every method
//! is compiled. Each must give `Ok` or a typed error other than `Codegen`
//! (Cranelift rejecting IR means the translator let bad input through).

mod jit_support;

use jit::compiler::ErrorKind;
use jit::metadata::tables::MethodDefRow;
use jit::testrun::runtime;

const DIR: &str = "jit-fuzz-regressions";

/// Compile every method of the mode-0 input `name`; returns the errors.
fn replay(name: &str) -> Vec<ErrorKind> {
    let corlib = jit_support::leak(&jit_support::corlib(DIR));
    let path = jit_support::root()
        .join("jit/tests/fuzz_regressions")
        .join(name);
    let input = std::fs::read(&path).expect("regression input");
    assert_eq!(
        input.first().map(|m| m & 1),
        Some(0),
        "{name}: a mode-0 input"
    );
    let bytes: &'static [u8] = Vec::leak(input[1..].to_vec());
    let mut rt = runtime(corlib, &[]).expect("runtime");
    let asm = rt.types.load(bytes).expect("the input loads");
    let img = rt.types.image(asm).clone();
    let mut errors = Vec::new();
    for row in img.tables().iter::<MethodDefRow>() {
        let (rid, row) = row.expect("row");
        if row.rva == 0 {
            continue;
        }
        if let Ok(m) = rt.types.method_def(asm, rid)
            && let Err(e) = rt.compile_method(m)
        {
            assert_ne!(e.kind, ErrorKind::Codegen, "{name}: unvalidated IL: {e:?}");
            errors.push(e.kind);
        }
    }
    errors
}

/// A struct whose ClassLayout size was mutated to 3.5 GB, used as a local:
/// Cranelift refused the frame (ImplLimitExceeded). Now `FrameTooLarge`.
#[test]
fn huge_struct_local_is_refused_before_cranelift() {
    let _serial = jit_support::serial();
    let errors = replay("compile-huge-struct-local.bin");
    assert!(
        errors.contains(&ErrorKind::FrameTooLarge),
        "expected FrameTooLarge among {errors:?}"
    );
}
