//! `mode=call method=[Ns.]Type::Method`: compile one `static int` method
//! of the test assemblies and call it (`mode=write-code`: write into its
//! code instead, which W^X must turn into a fault). Before the call it logs the method's
//! code address: each compiled method has RX pages of its own, so a fault
//! report's RIP on that page is a fault in that method's machine code.

use alloc::boxed::Box;
use ipc::files::Bundle;
use jit::runtime::{Escape, Runtime};
use jit::testrun::{describe, runtime_with};
use jit::types::{MethodId, Prim, Ty};

use crate::codemem::ProtectCodeMemory;
use crate::suites::CORLIB;

fn find(rt: &mut Runtime, files: &Bundle<'static>, ty: &str, name: &str) -> Option<MethodId> {
    let (ns, ty) = ty.rsplit_once('.').unwrap_or(("", ty));
    for (file, bytes) in files.iter() {
        if !file.starts_with("managed/tests/") {
            continue;
        }
        let Ok(asm) = rt.types.load(bytes) else {
            continue;
        };
        let img = rt.types.image(asm).clone();
        let Ok(Some(rid)) = img.find_type_def(ns, ty) else {
            continue;
        };
        let Ok(tid) = rt.types.type_def(asm, rid) else {
            continue;
        };
        // By name only: signatures are decoded lazily (`method_sig`), and
        // the caller checks this one.
        if let Some(m) = rt.types.find_method(tid, name, None) {
            return Some(m);
        }
    }
    None
}

pub fn run(files: &Bundle<'static>, args: &str) -> i64 {
    let Some(target) = crate::arg(args, "method") else {
        userlib::log!("driverhost: mode=call needs method=Type::Method");
        return 2;
    };
    let Some((ty, name)) = target.split_once("::") else {
        userlib::log!("driverhost: method={target}: want Type::Method");
        return 2;
    };
    let Some(corlib) = files.get(CORLIB) else {
        userlib::log!("driverhost: no {CORLIB}");
        return 2;
    };
    let mut rt = match runtime_with(corlib, &[], Box::new(ProtectCodeMemory)) {
        Ok(rt) => rt,
        Err(e) => {
            userlib::log!("driverhost: cannot start a runtime: {e:?}");
            return 2;
        }
    };
    if let Err(code) = crate::inject::apply(&mut rt, args) {
        return code;
    }
    crate::console::register(&mut rt);
    let stack = crate::codemap::install(&mut rt);
    let Some(m) = find(&mut rt, files, ty, name) else {
        userlib::log!("driverhost: no method {target} in the test assemblies");
        return 2;
    };
    match rt.types.method_sig(m) {
        Ok(s) if !s.has_this && s.params.is_empty() && s.ret == Ty::Prim(Prim::I4) => {}
        _ => {
            userlib::log!("driverhost: {target} is not a static int method without parameters");
            return 2;
        }
    }
    let code = match rt.compile_method(m) {
        Ok(c) => c,
        Err(e) => {
            userlib::log!("driverhost: cannot compile {target}: {}", describe(&rt, &e));
            return 2;
        }
    };
    if crate::arg(args, "mode") == Some("write-code") {
        // W^X witness: compiled code must not be writable. The write below
        // must fault (#PF, protection violation, write); returning is a failure.
        userlib::log!(
            "driverhost: writing into the code of {} at {code:#x}",
            rt.types.method_name(m)
        );
        // SAFETY: deliberately invalid if W^X holds (the process dies);
        // `code` is mapped, so if it were writable this would only corrupt
        // code that is never run afterwards.
        unsafe { core::ptr::write_volatile(code as *mut u8, 0xcc) };
        userlib::log!("driverhost: FAIL the code page of {target} was writable");
        return 1;
    }
    userlib::log!(
        "driverhost: calling {} at {code:#x} (page {:#x})",
        rt.types.method_name(m),
        code & !0xfff
    );
    let rtp = &raw mut *rt;
    // Managed code runs on the code-map region's stack, so its frames
    // outlive a fault (the supervisor's backtrace).
    // SAFETY: `code` is a compiled `static int f()` of this live runtime.
    let result = crate::codemap::on_stack(stack, || unsafe { Runtime::call_protected(rtp, code) });
    match result {
        Ok(v) => {
            userlib::log!("driverhost: {target} returned {}", v as i32);
            0
        }
        Err(Escape::Exception(obj)) => {
            crate::report::unhandled_exception(&mut rt, target, obj);
            crate::report::EXIT_MANAGED_EXCEPTION
        }
        Err(Escape::Unsupported(e)) => {
            userlib::log!("driverhost: {target}: {}", describe(&rt, &e));
            2
        }
    }
}
