//! Exception handling the differential suites cannot show: an exception no
//! managed frame catches (the escape to the runner), a filter that throws
//! (ECMA-335 II.19: it declines; mono differs), and a `fault` clause, which
//! C# cannot write, made by patching a `finally` clause's kind in the EH
//! table of an mcs-compiled method; a callee whose IL the JIT refuses (a
//! managed exception at the call, patched IL).

mod jit_support;

use jit::metadata::Image;
use jit::runtime::{Escape, Runtime};
use jit::testrun::{Outcome, run_test};
use jit::types::MethodId;

const DIR: &str = "jit-eh";

/// The byte range of `Eh::name`'s IL in `bytes`, and its clause count.
fn il_of(bytes: &[u8], name: &str) -> (usize, usize, usize) {
    let img = Image::parse(bytes).expect("parse");
    let t = img.find_type_def("", "Eh").expect("lookup").expect("Eh");
    let m = img
        .tables()
        .methods_of(t)
        .expect("methods")
        .map(|m| m.expect("method"))
        .find(|&m| img.method_name(m).expect("name") == name)
        .expect("method");
    let body = img.method_body(m).expect("body").expect("has body");
    let start = body.code.as_ptr() as usize - bytes.as_ptr() as usize;
    (start, start + body.code.len(), body.exception_clauses.len())
}

/// Turn every `finally` clause of `Eh::name` into a `fault` clause.
fn finally_to_fault(bytes: &mut [u8], name: &str) {
    let (_, end, clauses) = il_of(bytes, name);
    // The EH section follows the code, 4-byte aligned (II.25.4.5).
    let sec = (end + 3) & !3;
    let fat = bytes[sec] & 0x40 != 0;
    let mut patched = 0;
    for i in 0..clauses {
        if fat {
            let at = sec + 4 + 24 * i;
            if bytes[at..at + 4] == [2, 0, 0, 0] {
                bytes[at] = 4;
                patched += 1;
            }
        } else {
            let at = sec + 4 + 12 * i;
            if bytes[at..at + 2] == [2, 0] {
                bytes[at] = 4;
                patched += 1;
            }
        }
    }
    assert_eq!(patched, 1, "{name}: expected one finally clause");
}

fn load(patcher: impl FnOnce(&mut [u8])) -> (Box<Runtime>, jit::types::AsmId) {
    jit_support::load_patched(DIR, "eh", patcher)
}

fn method(rt: &mut Runtime, asm: jit::types::AsmId, name: &str) -> MethodId {
    jit_support::find_method(rt, asm, "Eh", name)
}

fn call0(rt: &mut Runtime, m: MethodId) -> Result<i32, Escape> {
    let code = rt.compile_method(m).expect("compiles");
    // SAFETY: m is a static method taking no arguments.
    unsafe { Runtime::call_protected(rt as *mut Runtime, code) }.map(|v| v as i32)
}

#[test]
fn uncaught_exception_escapes_after_running_finally() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "Uncaught");
    // What cilrun prints: `threw EhError`.
    assert_eq!(run_test(&mut rt, m, 0), Outcome::Threw("EhError".into()));
    // The finally ran on the way out, and the runtime is usable afterwards
    // (the in-flight word was cleared).
    let read = method(&mut rt, asm, "ReadLog");
    assert_eq!(call0(&mut rt, read).ok(), Some(77));
    assert_eq!(rt.in_flight(), 0);
    match call0(&mut rt, m) {
        Err(Escape::Exception(obj)) => assert_eq!(rt.object_type_name(obj), "EhError"),
        other => panic!("expected an escaping EhError, got {other:?}"),
    }
}

#[test]
fn exception_inside_a_filter_means_the_filter_declines() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "FilterThrows");
    // The original exception (code 3) reaches the outer catch.
    assert_eq!(call0(&mut rt, m).ok(), Some(3));
}

#[test]
fn finally_runs_on_both_paths_fault_only_on_exceptions() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let (normal, throws) = (
        method(&mut rt, asm, "NoException"),
        method(&mut rt, asm, "WithException"),
    );
    assert_eq!(call0(&mut rt, normal).ok(), Some(12));
    assert_eq!(call0(&mut rt, throws).ok(), Some(23));

    let (mut rt, asm) = load(|b| finally_to_fault(b, "FaultOrFinally"));
    let (normal, throws) = (
        method(&mut rt, asm, "NoException"),
        method(&mut rt, asm, "WithException"),
    );
    assert_eq!(call0(&mut rt, normal).ok(), Some(1));
    assert_eq!(call0(&mut rt, throws).ok(), Some(23));
}

/// `Type::Method IL_xxxx mnemonic` of each recorded frame.
fn trace(rt: &Runtime, obj: usize) -> Vec<String> {
    rt.exception_trace(obj)
        .iter()
        .map(|l| {
            // Shared raise blocks belong to no instruction.
            let Some(il) = l.il_offset else {
                return format!("{} no-IL", rt.types.method_name(l.method));
            };
            let op = rt
                .il_mnemonic_at(l.method, il)
                .expect("an instruction start");
            format!("{} IL_{il:04x} {op}", rt.types.method_name(l.method))
        })
        .collect()
}

#[test]
fn an_uncaught_exception_carries_its_managed_stack_trace() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "Outer");
    let obj = match call0(&mut rt, m) {
        Err(Escape::Exception(obj)) => obj,
        other => panic!("expected an exception, got {other:?}"),
    };
    assert_eq!(rt.exception_message(obj).as_deref(), Some("boom in Inner"));
    let t = trace(&rt, obj);
    assert_eq!(t.len(), 3, "{t:?}");
    assert!(
        t[0].starts_with("Eh::Inner IL_") && t[0].ends_with(" throw"),
        "{t:?}"
    );
    assert!(
        t[1].starts_with("Eh::Middle IL_") && t[1].ends_with(" call"),
        "{t:?}"
    );
    assert!(
        t[2].starts_with("Eh::Outer IL_") && t[2].ends_with(" call"),
        "{t:?}"
    );

    // A runtime exception (null check): the check's shared cold raise
    // block belongs to no single instruction, so the innermost frame names
    // the method only; its message is null.
    let m = method(&mut rt, asm, "NullDeref");
    let obj = match call0(&mut rt, m) {
        Err(Escape::Exception(obj)) => obj,
        other => panic!("expected an exception, got {other:?}"),
    };
    assert_eq!(rt.object_type_name(obj), "System.NullReferenceException");
    assert_eq!(rt.exception_message(obj), None);
    let t = trace(&rt, obj);
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0], "Eh::NullField no-IL", "{t:?}");
    assert!(t[1].starts_with("Eh::NullDeref IL_"), "{t:?}");
    // Not the exception traced: nothing.
    assert!(rt.exception_trace(obj + 8).is_empty());
}

/// Replace the first bytes of `Eh::name`'s IL with `code`.
fn patch_il(bytes: &mut [u8], name: &str, code: &[u8]) {
    let (start, end, _) = il_of(bytes, name);
    assert!(end - start >= code.len());
    bytes[start..start + code.len()].copy_from_slice(code);
}

/// `Refused` is `ldarg.0; ldc.i4.1; add; ret`.
const ARGLIST: [u8; 2] = [0xFE, 0x00]; // arglist: not compiled by the JIT
const POP_POP: [u8; 2] = [0x26, 0x26]; // pop; pop: stack underflow

#[test]
fn failed_lazy_compile_is_a_managed_exception_at_the_call() {
    let _serial = jit_support::serial();
    // Unsupported IL: NotSupportedException, caught after the finally ran.
    let (mut rt, asm) = load(|b| patch_il(b, "Refused", &ARGLIST));
    let m = method(&mut rt, asm, "CallsRefused");
    assert_eq!(call0(&mut rt, m).ok(), Some(123));
    // Again: the callee is still not compiled, the call raises again.
    assert_eq!(call0(&mut rt, m).ok(), Some(123));
    // Malformed IL: InvalidProgramException.
    let (mut rt, asm) = load(|b| patch_il(b, "Refused", &POP_POP));
    let m = method(&mut rt, asm, "CallsRefused");
    assert_eq!(call0(&mut rt, m).ok(), Some(124));
}

#[test]
fn failed_lazy_compile_names_the_method_when_uncaught() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|b| patch_il(b, "Refused", &ARGLIST));
    let m = method(&mut rt, asm, "CallsRefusedUncaught");
    let obj = match call0(&mut rt, m) {
        Err(Escape::Exception(obj)) => obj,
        other => panic!("expected an exception, got {other:?}"),
    };
    assert_eq!(rt.object_type_name(obj), "System.NotSupportedException");
    assert_eq!(
        rt.exception_message(obj).as_deref(),
        Some("opcode arglist in Eh::Refused at IL_0000")
    );
    // The finally ran on the way out.
    let read = method(&mut rt, asm, "ReadLog");
    assert_eq!(call0(&mut rt, read).ok(), Some(5));
}
