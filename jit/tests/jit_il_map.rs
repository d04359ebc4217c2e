//! `Runtime::method_at` names the method and the IL offset of a machine-code
//! address (what the driver host's fault reports print), from the native ->
//! IL map the compiler records through Cranelift source locations.

mod jit_support;

use jit::metadata::{IlReader, Image, Opcode};
use jit::testrun::runtime;

const DIR: &str = "jit-il-map";

#[test]
fn method_at_names_the_il_instruction_of_a_native_address() {
    let _serial = jit_support::serial();
    let corlib = jit_support::leak(&jit_support::corlib(DIR));
    let src = jit_support::root().join("jit/tests/jit_cs/il_shapes.cs");
    let bytes = jit_support::leak(&jit_support::compile(DIR, &src, "il_shapes"));
    let mut rt = runtime(corlib, &[]).expect("runtime");
    rt.keep_code = true;
    let asm = rt.types.load(bytes).expect("load");
    let img = Image::parse(bytes).expect("parse");
    let t = img
        .find_type_def("", "Shapes")
        .expect("lookup")
        .expect("Shapes");
    let tid = rt.types.type_def(asm, t).expect("type");
    let m = rt
        .types
        .ty(tid)
        .methods
        .iter()
        .copied()
        .find(|&m| rt.types.method(m).name == "CallStructLdfld")
        .expect("method");
    let start = rt.compile_method(m).expect("compiles");
    let code = rt.kept_code[&m].clone();

    // The IL: the offsets of every instruction and of the one `call`.
    let rid = rt.types.method(m).rid;
    let body = img.method_body(rid).expect("body").expect("has body");
    let il: Vec<_> = IlReader::new(body.code).map(|i| i.expect("il")).collect();
    let starts: Vec<u32> = il.iter().map(|i| i.offset).collect();
    let call_il = il
        .iter()
        .find(|i| i.opcode == Opcode::Call)
        .expect("a call")
        .offset;

    // The native `call` (the first one: nothing precedes MakeBig).
    let asm_text = jit::host::disassemble(&code);
    let call_native = asm_text
        .lines()
        .find(|l| l.contains("  call "))
        .and_then(|l| usize::from_str_radix(l.split_whitespace().next()?, 16).ok())
        .expect("a native call");
    let at = rt
        .method_at(start + call_native)
        .expect("inside the method");
    assert_eq!(at.method, m);
    assert_eq!(
        at.il_offset,
        Some(call_il),
        "native +{call_native:#x} should come from IL_{call_il:04x}\n{asm_text}"
    );
    // A return address lies after the call; `addr - 1` is still the call.
    let len = code.len();
    let after = rt.method_at(start + call_native + 1).expect("inside");
    assert_eq!(after.il_offset, Some(call_il));

    // The prologue belongs to no instruction; past the end is no method.
    assert_eq!(rt.method_at(start).map(|l| l.il_offset), Some(None));
    assert_eq!(rt.method_at(start + len), None);

    // Every mapped offset is an instruction start, and together the IL
    // instructions that produce code are all present.
    let range = rt
        .code_ranges
        .iter()
        .find(|r| r.method == m)
        .expect("range");
    let mapped: std::collections::BTreeSet<u32> =
        range.il_map.ranges().iter().map(|r| r.il).collect();
    assert!(
        mapped.iter().all(|o| starts.contains(o)),
        "{mapped:?} vs {starts:?}"
    );
    assert!(mapped.contains(&call_il));
    assert!(
        mapped.contains(il.last().map(|i| &i.offset).expect("ret")),
        "the ret has code"
    );
}
