//! `driverhost-image --out IMAGE CORLIB DDK [DRIVER...]`
//!
//! Compiles the managed DDK and drivers ahead of time into a code image
//! (docs/jit.md, "Code images") that the driver host installs at its first
//! start instead of compiling (docs/driverhost.md, "Compiled code across
//! generations"). The image build puts it in the initrd
//! (`managed/aot/driverhost.img`).
//!
//! The runtime here is set up as the driver host sets up its own: the
//! same assemblies in the same order (CORLIB, DDK, then the drivers as the
//! initrd lists them), the DDK's intrinsics ([`ddk_native::INLINE`]), and
//! a body for every InternalCall the DDK declares and for
//! `Console.WriteCore` — placeholders, never called: nothing runs here.
//! The driver host checks all of it when it imports (the assemblies'
//! hashes, the intrinsics, a body for every InternalCall the code calls)
//! and compiles as usual if anything differs.
//!
//! What is compiled is what the driver host's own up-front compile would
//! compile (`Runtime::compile_up_front`, the same rule): every method with
//! IL of the DDK and the drivers, then what that code refers to — the
//! corlib methods and generic instantiations they use, the static
//! constructors of loaded types.

use std::process::ExitCode;

use jit::runtime::Runtime;
use jit::types::{AsmId, MethodKind};

fn usage() -> ExitCode {
    eprintln!("usage: driverhost-image --out IMAGE CORLIB DDK [DRIVER...]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut out = None;
    let mut inputs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next(),
            "-h" | "--help" => {
                println!("usage: driverhost-image --out IMAGE CORLIB DDK [DRIVER...]");
                return ExitCode::SUCCESS;
            }
            _ => inputs.push(a),
        }
    }
    let (Some(out), true) = (out, inputs.len() >= 2) else {
        return usage();
    };
    match build(&inputs) {
        Ok((image, methods, imported_bytes)) => {
            if let Err(e) = std::fs::write(&out, &image) {
                eprintln!("driverhost-image: cannot write {out}: {e}");
                return ExitCode::from(1);
            }
            println!(
                "driverhost-image: {out}: {} bytes, {methods} methods, {imported_bytes} code bytes",
                image.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("driverhost-image: {e}");
            ExitCode::from(1)
        }
    }
}

/// A placeholder InternalCall body: the image refers to bodies by name.
extern "C" fn never_called() {}

fn build(inputs: &[String]) -> Result<(Vec<u8>, u64, u64), String> {
    let read = |p: &String| -> Result<&'static [u8], String> {
        jit::testrun::leak_file(p).map_err(|e| format!("cannot read {p}: {e}"))
    };
    let corlib = read(&inputs[0])?;
    let mut rt = jit::testrun::runtime(corlib, &[]).map_err(|e| format!("runtime: {e:?}"))?;
    // Generational as the driver host's drivers are: the inline nursery
    // path and the barrier are in the code.
    if !rt.set_generational(ddk_native::NURSERY) {
        return Err("cannot reserve a nursery".into());
    }
    let body = never_called as *const () as usize;
    rt.externals
        .register("System", "Console", "WriteCore", body);
    for (name, k) in ddk_native::INLINE {
        rt.externals
            .register_intrinsic(ddk_native::NAMESPACE, ddk_native::TYPE, name, *k);
    }
    let mut asms = Vec::new();
    for p in &inputs[1..] {
        let asm = rt
            .types
            .load(read(p)?)
            .map_err(|e| format!("cannot load {p}: {e:?}"))?;
        asms.push(asm);
    }
    // Every InternalCall the DDK declares has a body in the driver host.
    register_internal_calls(&mut rt, asms[0])?;
    rt.compile_up_front(&asms, &mut || {});
    let image = rt.export_image().map_err(|e| format!("export: {e:?}"))?;
    Ok((image, rt.stats.methods, rt.stats.code_bytes))
}

fn register_internal_calls(rt: &mut Runtime, ddk: AsmId) -> Result<(), String> {
    let body = never_called as *const () as usize;
    let types = rt
        .types
        .image(ddk)
        .tables()
        .row_count(jit::metadata::TableId::TypeDef);
    for rid in 1..=types {
        let Ok(t) = rt.types.type_def(ddk, rid) else {
            continue;
        };
        let (ns, name) = {
            let ti = rt.types.ty(t);
            (ti.namespace.clone(), ti.name.clone())
        };
        for m in rt.types.ty(t).methods.clone() {
            let mi = rt.types.method(m);
            if mi.kind == MethodKind::Runtime {
                let method = mi.name.clone();
                rt.externals.register(&ns, &name, &method, body);
            }
        }
    }
    Ok(())
}
