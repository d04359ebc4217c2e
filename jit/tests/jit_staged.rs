//! Staged installation (`runtime/staged.rs`): an up-front compile puts
//! its code into code memory in one piece at the end, the methods packed
//! at 64 bytes, not a page each; a staged method is installed as soon as
//! someone needs its code, and is never compiled twice.

mod jit_support;

use jit::runtime::Runtime;
use jit::types::{AsmId, MethodId};

const DIR: &str = "jit-staged";

/// The corlib and `jit_cs/image.cs` (small methods that call each other
/// and corlib generics), compiled once for the whole binary.
fn start() -> (Box<Runtime>, AsmId) {
    static BYTES: std::sync::OnceLock<(&'static [u8], &'static [u8])> = std::sync::OnceLock::new();
    let (corlib, asm) = *BYTES.get_or_init(|| {
        let corlib = jit_support::leak(&jit_support::corlib(DIR));
        let src = jit_support::root().join("jit/tests/jit_cs/image.cs");
        let dll = jit_support::compile(DIR, &src, "image");
        (corlib, jit_support::leak(&dll))
    });
    let mut rt = jit::testrun::runtime(corlib, &[]).expect("runtime");
    let a = rt.types.load(asm).expect("load");
    (rt, a)
}

fn method(rt: &mut Runtime, asm: AsmId, name: &str) -> MethodId {
    jit_support::find_method(rt, asm, "Image", name)
}

fn run(rt: &mut Runtime, m: MethodId) -> i32 {
    let code = rt.compile_method(m).expect("compiles");
    // SAFETY: a static int method without parameters of this runtime.
    let r = unsafe { Runtime::call_protected(rt as *mut Runtime, code) };
    r.expect("no uncaught exception") as i32
}

#[test]
fn up_front_code_is_installed_in_one_piece_and_runs() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = start();
    let (done, _failed) = rt.compile_up_front(&[asm], &mut || {});
    assert!(done > 10, "{done} methods");
    assert_eq!(rt.code_ranges.len() as u64, done);
    let mut ranges: Vec<(usize, usize)> = rt.code_ranges.iter().map(|r| (r.start, r.len)).collect();
    ranges.sort();
    for w in ranges.windows(2) {
        let ((a, a_len), (b, _)) = (w[0], w[1]);
        assert_eq!(b % 64, 0, "each method at a cache line");
        // Packed: the next method starts at the next cache line.
        assert_eq!(b, (a + a_len).next_multiple_of(64), "methods are adjacent");
    }
    let pages = {
        let first = ranges[0].0 / 4096;
        let (last, len) = ranges[ranges.len() - 1];
        (last + len - 1) / 4096 - first + 1
    };
    assert!(
        pages < done as usize / 2,
        "{pages} pages for {done} methods"
    );
    let before = rt.stats.methods;
    let work = method(&mut rt, asm, "Work");
    let statics = method(&mut rt, asm, "Statics");
    assert_eq!(run(&mut rt, work), 136);
    assert_eq!(run(&mut rt, statics), 15);
    // Both were compiled (and installed) up front.
    assert!(
        rt.code_ranges[..before as usize]
            .iter()
            .any(|r| r.method == work)
    );
}

#[test]
fn a_staged_method_is_installed_when_its_code_is_needed() {
    let _serial = jit_support::serial();
    let (mut rt, asm) = start();
    let work = method(&mut rt, asm, "Work");
    rt.compile_staged(work).expect("compiles");
    assert_eq!(rt.stats.methods, 1);
    // Not installed yet: no code range.
    assert!(rt.code_ranges.is_empty());
    // Staging it again compiles nothing.
    rt.compile_staged(work).expect("staged");
    assert_eq!(rt.stats.methods, 1);
    // Asking for its code installs the stage (and compiles nothing more).
    let code = rt.compile_method(work).expect("installed");
    assert_eq!(rt.stats.methods, 1);
    assert_eq!(rt.code_ranges.len(), 1);
    assert_eq!(rt.code_ranges[0].start, code);
    assert_eq!(run(&mut rt, work), 136);
    // Once installed, staging it compiles nothing either.
    let methods = rt.stats.methods;
    rt.compile_staged(work).expect("compiled");
    assert_eq!(rt.stats.methods, methods);
}
