//! Intrinsics the embedder registers (`Runtime::externals`): the driver
//! host's DDK accesses. Registered as intrinsics, the calls of
//! `jit_cs/intrinsics.cs` are expanded inline (counted by
//! `stats.intrinsics`) and behave as single loads/stores of their width;
//! registered only as bodies they are calls of those bodies with the same
//! results; not registered at all, compiling them is a typed error.

mod jit_support;

use jit::compiler::ErrorKind;
use jit::runtime::Runtime;
use jit::runtime::externals::Intrinsic;

const DIR: &str = "jit-intrinsics";

extern "C" fn read8(a: i64) -> i32 {
    // SAFETY: the test passes addresses of its own stack buffer.
    i32::from(unsafe { (a as *const u8).read_volatile() })
}
extern "C" fn read16(a: i64) -> i32 {
    // SAFETY: as above.
    i32::from(unsafe { (a as *const u16).read_volatile() })
}
extern "C" fn read32(a: i64) -> i32 {
    // SAFETY: as above.
    unsafe { (a as *const u32).read_volatile() as i32 }
}
extern "C" fn read64(a: i64) -> i64 {
    // SAFETY: as above.
    unsafe { (a as *const i64).read_volatile() }
}
extern "C" fn write8(a: i64, v: i32) {
    // SAFETY: as above.
    unsafe { (a as *mut u8).write_volatile(v as u8) }
}
extern "C" fn write16(a: i64, v: i32) {
    // SAFETY: as above.
    unsafe { (a as *mut u16).write_volatile(v as u16) }
}
extern "C" fn write32(a: i64, v: i32) {
    // SAFETY: as above.
    unsafe { (a as *mut u32).write_volatile(v as u32) }
}
extern "C" fn write64(a: i64, v: i64) {
    // SAFETY: as above.
    unsafe { (a as *mut i64).write_volatile(v) }
}
extern "C" fn fence() {
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}

const TABLE: &[(&str, Intrinsic)] = &[
    ("Read8", Intrinsic::Load(8)),
    ("Read16", Intrinsic::Load(16)),
    ("Read32", Intrinsic::Load(32)),
    ("Read64", Intrinsic::Load(64)),
    ("Write8", Intrinsic::Store(8)),
    ("Write16", Intrinsic::Store(16)),
    ("Write32", Intrinsic::Store(32)),
    ("Write64", Intrinsic::Store(64)),
    ("Fence", Intrinsic::Fence),
];

fn bodies() -> [(&'static str, usize); 9] {
    [
        ("Read8", read8 as *const () as usize),
        ("Read16", read16 as *const () as usize),
        ("Read32", read32 as *const () as usize),
        ("Read64", read64 as *const () as usize),
        ("Write8", write8 as *const () as usize),
        ("Write16", write16 as *const () as usize),
        ("Write32", write32 as *const () as usize),
        ("Write64", write64 as *const () as usize),
        ("Fence", fence as *const () as usize),
    ]
}

fn run(rt: &mut Runtime, asm: jit::types::AsmId) -> Result<i32, jit::compiler::CompileError> {
    let m = jit_support::find_method(rt, asm, "Intrinsics", "Check");
    let code = rt.compile_method(m)?;
    // SAFETY: `Check` is a static int method without parameters.
    let r = unsafe { Runtime::call_protected(rt as *mut Runtime, code) };
    Ok(r.expect("no exception") as i32)
}

#[test]
fn registered_intrinsics_are_inline_and_correct() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "intrinsics", |_| {});
    for (name, k) in TABLE {
        rt.externals.register_intrinsic("", "Dev", name, *k);
    }
    assert_eq!(run(&mut rt, asm).expect("compiles"), 42);
    // Every Dev call in Check (12) expanded, no body needed.
    assert_eq!(rt.stats.intrinsics, 12);
}

#[test]
fn bodies_alone_are_called_with_the_same_results() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "intrinsics", |_| {});
    for (name, addr) in bodies() {
        rt.externals.register("", "Dev", name, addr);
    }
    assert_eq!(run(&mut rt, asm).expect("compiles"), 42);
    assert_eq!(rt.stats.intrinsics, 0);
}

#[test]
fn unregistered_internal_calls_are_a_typed_error() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = jit_support::load_patched(DIR, "intrinsics", |_| {});
    let e = run(&mut rt, asm).expect_err("no bodies");
    assert_eq!(e.kind, ErrorKind::UnsupportedInternalCall);
}
