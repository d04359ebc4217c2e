//! IL shapes mcs never emits, made by patching the IL of mcs-compiled
//! methods in memory (same length), plus the write-barrier contract and
//! typed compile errors.
//!
//! * `ldloc <struct local>; ldfld` and `call <returns struct>; ldfld` are
//!   the seed's bug 5 (CR2=0x300): the JIT must read the field from the
//!   struct VALUE, not use the value as a pointer.
//! * `cpobj` copies a struct between two locals.

mod jit_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use jit::metadata::Image;
use jit::runtime::{Escape, Runtime};
use jit::types::MethodId;

const DIR: &str = "jit-il-shapes";

/// The IL bytes' offset of `Shapes::name` in `bytes`.
fn il_range(bytes: &[u8], name: &str) -> (usize, usize) {
    let img = Image::parse(bytes).expect("parse");
    let t = img
        .find_type_def("", "Shapes")
        .expect("lookup")
        .expect("Shapes");
    for m in img.tables().methods_of(t).expect("methods") {
        let m = m.expect("method");
        if img.method_name(m).expect("name") == name {
            let body = img.method_body(m).expect("body").expect("has body");
            let start = body.code.as_ptr() as usize - bytes.as_ptr() as usize;
            return (start, body.code.len());
        }
    }
    panic!("no method {name}");
}

/// Replace the first occurrence of `from` in method `name`'s IL with `to`.
fn patch(bytes: &mut [u8], name: &str, from: &[u8], to: &dyn Fn(&[u8]) -> Vec<u8>) {
    let (start, len) = il_range(bytes, name);
    let code = &mut bytes[start..start + len];
    let at = code
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{name}: pattern {from:02x?} not found in {code:02x?}"));
    let new = to(&code[at..]);
    code[at..at + new.len()].copy_from_slice(&new);
}

fn load(patcher: impl FnOnce(&mut [u8])) -> (Box<Runtime>, jit::types::AsmId) {
    jit_support::load_patched(DIR, "il_shapes", patcher)
}

fn method(rt: &mut Runtime, asm: jit::types::AsmId, name: &str) -> MethodId {
    jit_support::find_method(rt, asm, "Shapes", name)
}

fn call0(rt: &mut Runtime, m: MethodId) -> Result<u64, Escape> {
    let code = rt.compile_method(m).expect("compiles");
    // SAFETY: m is a static method taking no arguments.
    unsafe { Runtime::call_protected(rt as *mut Runtime, code) }
}

#[test]
fn ldloc_struct_then_ldfld_reads_the_value() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|b| {
        // ldloca.s 0; ldfld -> ldloc.0; nop; ldfld
        patch(b, "LdlocStructLdfld", &[0x12, 0x00, 0x7B], &|_| {
            vec![0x06, 0x00, 0x7B]
        });
    });
    let m = method(&mut rt, asm, "LdlocStructLdfld");
    // PciAddress {0, 3, 0}: the seed read [0x300 + 1] and faulted.
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(3));
}

#[test]
fn call_returning_struct_then_ldfld_reads_the_value() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|b| {
        // call MakeBig; stloc.0; ldloca.s 0; ldfld C -> call; nop; nop; nop; ldfld C
        patch(b, "CallStructLdfld", &[0x0A, 0x12, 0x00, 0x7B], &|_| {
            vec![0x00, 0x00, 0x00, 0x7B]
        });
    });
    let m = method(&mut rt, asm, "CallStructLdfld");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(41));
}

#[test]
fn cpobj_copies_a_struct() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|b| {
        // ldloca.s 2; initobj Big; ldloc.2; stloc.1; ldloc.0; stloc.1
        // -> ldloca.s 1; ldloca.s 0; cpobj Big; nop; nop; nop
        patch(b, "Cpobj", &[0x12, 0x02, 0xFE, 0x15], &|code| {
            let tok = &code[4..8];
            let mut v = vec![0x12, 0x01, 0x12, 0x00, 0x70];
            v.extend_from_slice(tok);
            v.extend_from_slice(&[0x00, 0x00, 0x00]);
            v
        });
    });
    let m = method(&mut rt, asm, "Cpobj");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(1 + 2 + 7));
}

static BARRIERS: AtomicUsize = AtomicUsize::new(0);
static STORES: AtomicUsize = AtomicUsize::new(0);
static ARG: AtomicUsize = AtomicUsize::new(0);

extern "C" fn counting_barrier(_slot: usize, _value: usize) {
    BARRIERS.fetch_add(1, Ordering::Relaxed);
}

#[test]
fn every_reference_store_goes_through_the_write_barrier() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    rt.barrier = Some(counting_barrier as *const () as usize);
    let m = method(&mut rt, asm, "Stores");
    let code = rt.compile_method(m).expect("compiles");
    // Compile callees (SetRef: stind.ref; the cctor: stsfld of the array)
    // by running once, then count one run.
    let obj = rt.types.corlib_type("Object").expect("Object");
    let o = rt.new_object(obj).expect("object");
    // The runtime calls only argument-less code protected: go through a
    // thunk that passes `o`.
    // SAFETY: Stores is `static int Stores(object)`.
    let f: extern "C" fn(usize) -> i32 = unsafe { std::mem::transmute(code) };
    STORES.store(f as *const () as usize, Ordering::Relaxed);
    ARG.store(o, Ordering::Relaxed);
    extern "C" fn call_it() -> u64 {
        // SAFETY: STORES holds the compiled Stores(object) set above.
        let f: extern "C" fn(usize) -> i32 =
            unsafe { std::mem::transmute(STORES.load(Ordering::Relaxed)) };
        f(ARG.load(Ordering::Relaxed)) as u64
    }
    // SAFETY: call_it is an `extern "C" fn() -> u64`.
    let first =
        unsafe { Runtime::call_protected(&mut *rt as *mut Runtime, call_it as *const () as usize) };
    assert_eq!(first.ok(), Some(1));
    BARRIERS.store(0, Ordering::Relaxed);
    // SAFETY: as above.
    let second =
        unsafe { Runtime::call_protected(&mut *rt as *mut Runtime, call_it as *const () as usize) };
    assert_eq!(second.ok(), Some(1));
    // stfld + stsfld + stelem.ref + stind.ref = 4 reference stores.
    assert_eq!(BARRIERS.load(Ordering::Relaxed), 4);
}

/// Rewrite `Shapes::Calli` into `ldc.i4.s 20; <ftn>; calli SIG; ret`
/// (nops after): its locals signature becomes the `calli` signature
/// `int32(int32)` (blob shortened to `00 01 08 08`, a real StandAloneSig
/// row) and its header names no locals any more. `ftn` is given the
/// `ldftn Twice` mcs emitted (6 bytes) and returns 6 bytes.
fn patch_calli(bytes: &mut [u8], ftn: &dyn Fn(&[u8]) -> Vec<u8>) {
    use jit::metadata::tables::StandAloneSigRow;
    let (start, len) = il_range(bytes, "Calli");
    let (sig_tok, blob_at, header_at) = {
        let img = Image::parse(bytes).expect("parse");
        let t = img
            .find_type_def("", "Shapes")
            .expect("lookup")
            .expect("Shapes");
        let m = img
            .tables()
            .methods_of(t)
            .expect("methods")
            .map(|m| m.expect("method"))
            .find(|&m| img.method_name(m).expect("name") == "Calli")
            .expect("Calli");
        let body = img.method_body(m).expect("body").expect("has body");
        assert!(body.is_fat, "a method with locals has a fat header");
        let tok = body.local_var_sig.expect("Calli has locals");
        let row = img
            .tables()
            .get::<StandAloneSigRow>(tok.rid())
            .expect("StandAloneSig row");
        let blob = img.blobs().get(row.signature).expect("blob");
        assert_eq!(blob[0], 0x07, "a locals signature");
        assert!(blob.len() < 0x80 && blob.len() >= 4);
        let blob_at = blob.as_ptr() as usize - bytes.as_ptr() as usize;
        (tok.raw(), blob_at, start - 12)
    };
    // The blob: its one-byte length, then the method signature
    // DEFAULT, 1 parameter, returns int32, takes int32.
    bytes[blob_at - 1] = 4;
    bytes[blob_at..blob_at + 4].copy_from_slice(&[0x00, 0x01, 0x08, 0x08]);
    // The fat header's LocalVarSigTok (bytes 8..12): none.
    bytes[header_at + 8..header_at + 12].copy_from_slice(&[0; 4]);
    let code = &mut bytes[start..start + len];
    let at = code
        .windows(2)
        .position(|w| w == [0xFE, 0x06])
        .expect("ldftn Twice");
    let ldftn = code[at..at + 6].to_vec();
    let mut new = vec![0x1F, 20];
    new.extend(ftn(&ldftn));
    new.push(0x29);
    new.extend_from_slice(&sig_tok.to_le_bytes());
    new.push(0x2A);
    assert!(new.len() <= len);
    new.resize(len, 0x00);
    code.copy_from_slice(&new);
}

#[test]
fn calli_through_ldftn_calls_the_method() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    // Unpatched: the delegate call, 2 * 20 + 1 + 1000.
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "Calli");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(1041));
    // Patched: `ldftn Twice; calli int32(int32)` with 20, through Twice's
    // cell (compiled lazily behind it): 41.
    let (mut rt, asm) = load(|b| patch_calli(b, &|ldftn| ldftn.to_vec()));
    let m = method(&mut rt, asm, "Calli");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(41));
    // A null method pointer (`ldc.i4.0; conv.i` instead of the ldftn) is
    // a NullReferenceException, not a jump through address 0.
    let (mut rt, asm) = load(|b| patch_calli(b, &|_| vec![0x16, 0xD3, 0, 0, 0, 0]));
    let m = method(&mut rt, asm, "Calli");
    match call0(&mut rt, m) {
        Err(Escape::Exception(obj)) => {
            assert_eq!(rt.object_type_name(obj), "System.NullReferenceException")
        }
        Ok(v) => panic!("expected a NullReferenceException, returned {v}"),
        Err(_) => panic!("expected a NullReferenceException"),
    }
}

#[test]
fn boxing_a_value_only_to_test_it_for_null_allocates_nothing() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "BoxNullTests");
    // The first run compiles the callees (and may make runtime objects).
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(2000));
    let before = rt.heap_used();
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(2000));
    // 2,000 boxes of an int would be 32,000 bytes.
    assert_eq!(rt.heap_used(), before, "the null tests allocated");
}

#[test]
fn unsupported_il_is_a_typed_error_naming_method_and_offset() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|b| {
        // Sum: replace the first `ldc.i4.0` (0x16) with `arglist` would change
        // length; instead put `break` (0x01) there, which the JIT refuses.
        patch(b, "Sum", &[0x16], &|_| vec![0x01]);
    });
    let m = method(&mut rt, asm, "Sum");
    let err = rt.compile_method(m).expect_err("break is not compiled");
    assert_eq!(err.method, m);
    assert_eq!(err.il_offset, 0);
    assert!(matches!(
        err.kind,
        jit::compiler::ErrorKind::UnsupportedOpcode(jit::metadata::Opcode::Break)
    ));
}

fn with_injection(rt: &mut Runtime) {
    rt.set_options(jit::compiler::JitOptions::parse_inject("ldfld-struct").expect("known"))
        .expect("nothing compiled yet");
}

#[test]
fn injection_ldfld_struct_takes_the_value_as_the_address() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    // Off (the default): the field of the value, 7.
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "InjectProbe");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(7));
    // On, mcs's `ldloca; ldfld`: p.Ptr taken as the object, Value read
    // from [&buf + 8] = buf[1] = 42.
    let (mut rt, asm) = load(|_| {});
    with_injection(&mut rt);
    let m = method(&mut rt, asm, "InjectProbe");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(42));
    // On, the seed compiler's `ldloc; ldfld` (patched, same length): 42.
    let patch_ldloc = |b: &mut [u8]| {
        // ldloca.s N; ldfld Value -> ldloc.s N; ldfld Value
        let (start, len) = il_range(b, "InjectProbe");
        let code = &mut b[start..start + len];
        let at = code
            .windows(3)
            .rposition(|w| w[0] == 0x12 && w[2] == 0x7B)
            .expect("ldloca.s; ldfld");
        code[at] = 0x11;
    };
    let (mut rt, asm) = load(patch_ldloc);
    let m = method(&mut rt, asm, "InjectProbe");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(7));
    let (mut rt, asm) = load(patch_ldloc);
    with_injection(&mut rt);
    let m = method(&mut rt, asm, "InjectProbe");
    assert_eq!(call0(&mut rt, m).ok().map(|v| v as i32), Some(42));
}

#[test]
fn options_are_fixed_once_code_exists() {
    // The runtime's `current` pointer is process-global: one at a time.
    let _serial = jit_support::serial();
    let (mut rt, asm) = load(|_| {});
    let m = method(&mut rt, asm, "InjectProbe");
    rt.compile_method(m).expect("compiles");
    assert!(
        rt.set_options(jit::compiler::JitOptions::parse_inject("ldfld-struct").expect("known"))
            .is_err()
    );
    assert_eq!(rt.options(), jit::compiler::JitOptions::default());
}
