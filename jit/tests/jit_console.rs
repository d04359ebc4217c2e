//! `System.Console`: writes reach the embedder's `WriteCore` with the text
//! mono prints for the same calls (`jit_cs/console.cs`; mono's output
//! checked by hand: `mono` prints exactly EXPECTED for that method);
//! without a registered `WriteCore`, a Console call is a typed error.

mod jit_support;

use std::sync::Mutex;

use jit::abi::{STRING_CHARS_OFFSET, STRING_LENGTH_OFFSET};
use jit::compiler::ErrorKind;
use jit::runtime::Runtime;

const DIR: &str = "jit-console";

static OUT: Mutex<String> = Mutex::new(String::new());

extern "C" fn write_core(s: usize) {
    // SAFETY: `s` is a live managed string: its length, then its chars.
    let text = unsafe {
        let len = *((s + STRING_LENGTH_OFFSET) as *const i32) as usize;
        let chars = std::slice::from_raw_parts((s + STRING_CHARS_OFFSET) as *const u16, len);
        String::from_utf16_lossy(chars)
    };
    OUT.lock().unwrap().push_str(&text);
}

const EXPECTED: &str = "hello\n42\nab\n2.5\nTrue\n1+x\n\n-7\n";

fn run(rt: &mut Runtime, asm: jit::types::AsmId) -> Result<i32, jit::compiler::CompileError> {
    let m = jit_support::find_method(rt, asm, "ConsoleOut", "Check");
    let code = rt.compile_method(m)?;
    // SAFETY: `Check` is a static int method without parameters.
    let r = unsafe { Runtime::call_protected(rt as *mut Runtime, code) };
    Ok(r.expect("no exception") as i32)
}

#[test]
fn console_writes_reach_the_embedder() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "console", |_| {});
    rt.externals.register(
        "System",
        "Console",
        "WriteCore",
        write_core as *const () as usize,
    );
    OUT.lock().unwrap().clear();
    assert_eq!(run(&mut rt, asm).expect("compiles"), 42);
    assert_eq!(*OUT.lock().unwrap(), EXPECTED);
}

#[test]
fn without_write_core_console_is_unsupported() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "console", |_| {});
    let m = jit_support::find_method(&mut rt, asm, "ConsoleOut", "Check");
    rt.compile_method(m).expect("Check itself compiles");
    // The first Console method compiles against an InternalCall nobody
    // registered: the error names it.
    let core = rt
        .types
        .corlib_type("Console")
        .ok()
        .and_then(|t| rt.types.find_method(t, "Write", None))
        .expect("Console.Write");
    let e = rt
        .compile_method(core)
        .expect_err("WriteCore is not registered");
    assert_eq!(e.kind, ErrorKind::UnsupportedInternalCall);
}
