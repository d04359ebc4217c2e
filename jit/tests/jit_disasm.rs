//! Expected disassembly of a few representative methods, like Cranelift's
//! filetests. `BLESS=1 cargo test -p jit --test jit_disasm` rewrites the
//! expectation files in jit/tests/disasm/. Absolute addresses (cells,
//! helpers) differ per run and are masked as `ADDR`.

mod jit_support;

use jit::testrun::runtime;

fn mask_addresses(text: &str) -> String {
    let mut out = String::new();
    for word in text.split_inclusive(|c: char| !c.is_ascii_hexdigit() && c != 'h') {
        let (core, sep) =
            word.split_at(word.len() - word.chars().last().map_or(0, |c| c.len_utf8()));
        let (core, sep) = if core.is_empty() {
            (word, "")
        } else {
            (core, sep)
        };
        let hex = core.trim_end_matches('h');
        if core.ends_with('h') && hex.len() >= 9 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            out.push_str("ADDR");
            out.push_str(sep);
        } else {
            out.push_str(word);
        }
    }
    out
}

#[test]
fn disassembly_matches_expectations() {
    let _serial = jit_support::serial();
    let dir = "jit-disasm";
    let corlib = jit_support::leak(&jit_support::corlib(dir));
    let src = jit_support::root().join("jit/tests/jit_cs/il_shapes.cs");
    let dll = jit_support::compile(dir, &src, "il_shapes");
    let dll = jit_support::leak(&dll);
    let bless = std::env::var_os("BLESS").is_some();
    let mut diffs = Vec::new();
    // (method, expectation file, nursery bytes: 0 for the mark-sweep
    // runtime's inline free-list allocation, else the generational one's
    // inline bump allocation).
    let cases = [
        ("Sum", "Sum", 0),
        ("StructField", "StructField", 0),
        ("CallStructLdfld", "CallStructLdfld", 0),
        ("CallArea", "CallArea", 0),
        ("NewSquare", "NewSquare", 0),
        ("NewSquare", "NewSquareYoung", 1 << 20),
    ];
    for (name, file, nursery) in cases {
        let mut rt = runtime(corlib, &[]).expect("runtime");
        assert!(rt.set_generational(nursery), "nursery");
        rt.keep_code = true;
        let asm = rt.types.load(dll).expect("load");
        let img = rt.types.image(asm).clone();
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
            .find(|&m| rt.types.method(m).name == name)
            .expect("method");
        rt.compile_method(m).expect("compiles");
        let text = mask_addresses(&jit::host::disassemble(&rt.kept_code[&m]));
        let path = jit_support::root().join(format!("jit/tests/disasm/{file}.txt"));
        if bless {
            std::fs::write(&path, &text).expect("write expectation");
            continue;
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if want != text {
            diffs.push(format!("{file}: expected\n{want}\ngot\n{text}"));
        }
    }
    assert!(
        diffs.is_empty(),
        "disassembly changed (BLESS=1 to accept):\n{}",
        diffs.join("\n")
    );
}
