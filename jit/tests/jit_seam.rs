//! The seam between compiler and runtime runs one way (docs/jit.md,
//! "Compiler and runtime"): the runtime uses the compiler, and the compiler
//! sees the runtime only through `compiler::env::CompileEnv` and the plain
//! data of `crate::abi`. Both live in one crate, so the module system alone
//! does not stop a compiler module from naming `crate::runtime`; this test
//! does, by reading every source file under `jit/src/compiler`.

use std::fs;
use std::path::{Path, PathBuf};

/// The source with comments and string literals blanked out (so
/// that prose about "the runtime" does not count), lengths kept.
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &src[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.extend(std::iter::repeat_n(' ', end));
            i += end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |e| e + 2);
            out.extend(
                rest[..end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            i += end;
        } else if rest.starts_with('"') {
            let mut j = 1;
            while j < rest.len() && !rest[j..].starts_with('"') {
                j += if rest[j..].starts_with('\\') { 2 } else { 1 };
            }
            let end = (j + 1).min(rest.len());
            out.extend(
                rest[..end]
                    .chars()
                    .map(|c| if c == '\n' { '\n' } else { ' ' }),
            );
            i += end;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// The words of `code` with their byte offsets (identifiers, `::`, and
/// single punctuation characters; whitespace dropped).
fn tokens(code: &str) -> Vec<(usize, &str)> {
    let mut v = Vec::new();
    let mut i = 0;
    let b = code.as_bytes();
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_alphanumeric() || c == b'_' {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            v.push((s, &code[s..i]));
        } else if code[i..].starts_with("::") {
            v.push((i, "::"));
            i += 2;
        } else if c.is_ascii_whitespace() || !c.is_ascii() {
            i += 1;
        } else {
            v.push((i, &code[i..i + 1]));
            i += 1;
        }
    }
    v
}

/// Where `src` (a compiler module) reaches the runtime module: a path
/// through `runtime` (`crate::runtime::X`, `runtime::X`, `super::super::runtime`),
/// `runtime` named in a `use` group or renamed, or the `Runtime` type.
/// `CompileError::runtime(..)` (a constructor) and `MethodKind::Runtime`
/// (a method kind of the type system) are not the runtime module.
fn violations(src: &str) -> Vec<String> {
    let code = code_only(src);
    let t = tokens(&code);
    let mut found = Vec::new();
    let mut in_use = false;
    for (k, &(at, w)) in t.iter().enumerate() {
        let prev = k.checked_sub(1).and_then(|p| t.get(p)).map(|x| x.1);
        let prev2 = k.checked_sub(2).and_then(|p| t.get(p)).map(|x| x.1);
        let next = t.get(k + 1).map(|x| x.1);
        match w {
            "use" => in_use = true,
            ";" => in_use = false,
            _ => {}
        }
        let bad = match w {
            "runtime" => {
                let path_start =
                    matches!(prev2, Some("crate" | "super" | "self" | "jit")) && prev == Some("::");
                next == Some("::") || path_start || (in_use && prev != Some("::"))
            }
            "Runtime" => !(prev == Some("::") && prev2 == Some("MethodKind")),
            _ => false,
        };
        if bad {
            let line = code[..at].matches('\n').count() + 1;
            found.push(format!("line {line}: `{w}`"));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).expect("read compiler dir") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn compiler_never_names_the_runtime() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/compiler");
    let mut files = Vec::new();
    rust_files(&dir, &mut files);
    assert!(files.len() > 10, "found the compiler's sources");
    let mut bad = Vec::new();
    for f in &files {
        let src = fs::read_to_string(f).expect("read source");
        for v in violations(&src) {
            bad.push(format!("{}: {v}", f.display()));
        }
    }
    assert!(
        bad.is_empty(),
        "the compiler reaches the runtime outside compiler::env::CompileEnv:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_check_sees_every_way_of_naming_the_runtime() {
    for src in [
        "use crate::runtime::Runtime;",
        "use crate::runtime::helpers::Helper;",
        "use crate::{abi, runtime};",
        "use crate::{abi::Helper, runtime::externals::Intrinsic};",
        "use crate::runtime as rt;",
        "use super::super::runtime;",
        "fn f() { crate::runtime::helpers::internal_call(x, m); }",
        "fn f(rt: &mut Runtime) {}",
        "fn f() { let c = runtime::current(); }",
    ] {
        assert!(!violations(src).is_empty(), "not caught: {src}");
    }
    for src in [
        "use crate::abi::Helper;",
        "// the runtime's crate::runtime::Runtime, in prose",
        "fn f() { let e = CompileError::runtime(m, k); }",
        "fn f() -> bool { k == MethodKind::Runtime }",
        "const S: &str = \"crate::runtime::Runtime\";",
        "/* use crate::runtime; */",
    ] {
        assert_eq!(violations(src), Vec::<String>::new(), "false alarm: {src}");
    }
}
