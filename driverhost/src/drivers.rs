//! `mode=drivers`: load the DDK and every driver assembly, bind a driver
//! to a granted PCI function by its `[PciDriver]` declaration, start it
//! and serve its disk (`crate::blkhost`).
//!
//! The fault machinery of `mode=call` applies here too (docs/driverhost.md,
//! "Fault reports"): `jit-inject=` is applied to the fresh runtime, every
//! compiled method is recorded in the supervisor's code map, and all
//! managed code — the up-front compile (after installing the kept code
//! image, [`crate::image`]), `Create`, and `BlockHost::Run`
//! with the driver's start and its whole I/O loop — runs on the code-map
//! region's stack, so a fault in the driver names its method, IL offset and
//! callers.
//!
//! Exit codes: [`crate::report::EXIT_MANAGED_EXCEPTION`] when the driver
//! threw an exception no managed frame caught (type, message and managed
//! trace are logged; the supervisor restarts the driver host); if nothing
//! can be bound or the driver's loop ends, the driver host stays up and
//! refuses I/O with `NotReady` rather than leave clients hanging.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicPtr, Ordering};
use ipc::files::Bundle;
use jit::runtime::{Escape, Runtime};
use jit::testrun::describe;
use jit::types::{AsmId, MethodId};

use crate::bind::{self, Declaration};
use crate::codemem::ProtectCodeMemory;
use crate::suites::CORLIB;
use ipc::driverhost::HostState;

const DDK: &str = "managed/ddk.dll";
const DRIVERS: &str = "managed/drivers/";
/// Test drivers a QEMU test's manifest names (`driverhost/managed/probes/`).
const PROBES: &str = "managed/probes/";

fn static_method(rt: &mut Runtime, asm: AsmId, ns: &str, ty: &str, name: &str) -> Option<MethodId> {
    let img = rt.types.image(asm).clone();
    let rid = img.find_type_def(ns, ty).ok()??;
    let tid = rt.types.type_def(asm, rid).ok()?;
    // By name (signatures are decoded lazily), then checked.
    let m = rt.types.find_method(tid, name, None)?;
    let sig = rt.types.method_sig(m).ok()?;
    (!sig.has_this && sig.params.is_empty()).then_some(m)
}

/// Compiles and calls a `static` method without parameters, both on the
/// code-map stack (`stack`, from `codemap::install`).
fn call(rt: &mut Runtime, stack: Option<usize>, m: MethodId) -> Result<u64, i64> {
    let name = rt.types.method_name(m);
    let compiled = crate::codemap::on_stack(stack, || rt.compile_method(m));
    let code = match compiled {
        Ok(c) => c,
        Err(e) => {
            userlib::log!("driverhost: cannot compile {name}: {}", describe(rt, &e));
            return Err(2);
        }
    };
    let rtp = &raw mut *rt;
    // Managed code runs on the code-map region's stack, so its frames
    // outlive a fault (the supervisor's backtrace).
    // SAFETY: `code` is a compiled static method of this live runtime
    // without parameters.
    let result = crate::codemap::on_stack(stack, || unsafe { Runtime::call_protected(rtp, code) });
    match result {
        Ok(v) => Ok(v),
        Err(Escape::Exception(obj)) => {
            crate::report::unhandled_exception(rt, &name, obj);
            Err(crate::report::EXIT_MANAGED_EXCEPTION)
        }
        Err(Escape::Unsupported(e)) => {
            userlib::log!("driverhost: {name}: {}", describe(rt, &e));
            Err(2)
        }
    }
}

/// The runtime, for figures logged from inside managed calls
/// (`blkhost`'s first-I/O line); set once, never freed.
static RUNTIME: AtomicPtr<Runtime> = AtomicPtr::new(core::ptr::null_mut());

/// (methods, IL bytes, intrinsics) compiled so far.
pub fn compiled() -> (u64, u64, u64) {
    let p = RUNTIME.load(Ordering::Relaxed);
    if p.is_null() {
        return (0, 0, 0);
    }
    // SAFETY: the runtime is boxed and lives for the rest of the process;
    // this single-threaded program reads plain counters between compiles.
    let s = unsafe { &(*p).stats };
    (s.methods, s.il_bytes, s.intrinsics)
}

/// Compiles every method of the DDK and the bound driver's assembly now,
/// and what that code refers to (`Runtime::compile_up_front`: the corlib
/// methods the DDK and the driver use, the static constructors of loaded
/// types), answering the requests that arrive meanwhile (`NotReady`)
/// between methods: compiling lazily inside the driver's start would keep
/// the driver host from receiving for as long, and clients would wait
/// instead of getting a typed answer. Compiled here, the code is part of
/// the code image, so a generation that installs it does not start
/// Cranelift during the driver's `Start` (under TCG the first compile of
/// a process also pays for translating Cranelift itself); the
/// ahead-of-time image (`driverhost-image`) is made by the same rule. A
/// method that does not compile is left to fail (typed) when first called.
///
/// A generation whose code no image will keep (`keeps` false: started
/// with a switch that changes the code, [`ipc::image::code_switch`]) and
/// that could not install one compiles only the DDK and the driver up
/// front: the closure would be compiled for nothing (a campaign's
/// miscompile or mutated-assembly generation faults long before it needs
/// most of it), the rest compiles when first called.
fn precompile(rt: &mut Runtime, stack: Option<usize>, asms: &[AsmId], keeps: bool) {
    crate::codemap::on_stack(stack, || {
        let between = &mut || crate::blkhost::drain();
        if keeps {
            rt.compile_up_front(asms, between);
        } else {
            rt.compile_assemblies(asms, between);
        }
    });
}

pub fn run(files: &Bundle<'static>, args: &str, t0: u64) -> i64 {
    let (Some(corlib), Some(ddk)) = (files.get(CORLIB), files.get(DDK)) else {
        userlib::log!("driverhost: {CORLIB} and {DDK} are needed (files= in the manifest)");
        crate::blkhost::serve_unready(HostState::Failed);
    };
    let mut rt = match Runtime::new(corlib, Box::new(ProtectCodeMemory)) {
        Ok(rt) => rt,
        Err(e) => {
            userlib::log!("driverhost: cannot start a runtime: {e:?}");
            crate::blkhost::serve_unready(HostState::Failed);
        }
    };
    // Generational (docs/gc.md, "Generations"): `nursery=BYTES` in the
    // arguments, 0 for the non-moving collector alone.
    let nursery = crate::arg(args, "nursery")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(ddk_native::NURSERY);
    if !rt.set_generational(nursery) {
        userlib::log!("driverhost: cannot reserve a {nursery} byte nursery");
        crate::blkhost::serve_unready(HostState::Failed);
    }
    // Before anything is compiled: the switch is refused afterwards.
    let extra = match crate::campaign::setup(args) {
        Ok(extra) => extra,
        Err(code) => return code,
    };
    let args = match extra {
        Some(jit) => alloc::format!("{args} jit-inject={jit}"),
        None => alloc::string::String::from(args),
    };
    let args = args.as_str();
    if let Err(code) = crate::inject::apply(&mut rt, args) {
        return code;
    }
    let stack = crate::codemap::install(&mut rt);
    RUNTIME.store(&raw mut *rt, Ordering::Relaxed);
    crate::ddk::register(&mut rt, crate::arg(args, "intrinsics") != Some("off"));
    crate::inject::register(&mut rt);
    crate::console::register(&mut rt);
    let ddk_asm = match rt.types.load(ddk) {
        Ok(a) => a,
        Err(e) => {
            userlib::log!("driverhost: cannot load {DDK}: {e:?}");
            crate::blkhost::serve_unready(HostState::Failed);
        }
    };
    let mut decls: Vec<(AsmId, Declaration)> = Vec::new();
    for (name, bytes) in files.iter() {
        if !name.starts_with(DRIVERS) && !name.starts_with(PROBES) {
            continue;
        }
        let bytes = if name.starts_with(DRIVERS) {
            crate::campaign::driver_bytes(name, bytes)
        } else {
            bytes
        };
        match rt.types.load(bytes) {
            Ok(asm) => {
                let found = bind::declarations(rt.types.image(asm), name);
                for d in &found {
                    userlib::log!(
                        "driverhost: loaded driver {}.{} from {name} for {:04x}:{:04x}",
                        d.namespace,
                        d.name,
                        d.vendor,
                        d.device
                    );
                }
                decls.extend(found.into_iter().map(|d| (asm, d)));
            }
            Err(e) => userlib::log!("driverhost: cannot load {name}: {e:?}"),
        }
    }
    crate::blkhost::set_drivers(
        decls
            .iter()
            .map(|(_, d)| ipc::driverhost::Driver {
                class: alloc::format!("{}.{}", d.namespace, d.name),
                assembly: d.file.clone(),
                vendor: d.vendor,
                device: d.device,
            })
            .collect(),
    );
    let granted = bind::granted();
    let pick = granted.iter().find_map(|&(bdf, ids)| {
        decls
            .iter()
            .find(|(_, d)| u32::from(d.vendor) | u32::from(d.device) << 16 == ids)
            .map(|(asm, d)| (bdf, ids, *asm, d.clone()))
    });
    let Some((bdf, ids, asm, d)) = pick else {
        userlib::log!(
            "driverhost: no driver for any of the {} granted PCI functions; refusing I/O (NotReady)",
            granted.len()
        );
        crate::blkhost::serve_unready(HostState::NoDriver);
    };
    userlib::log!(
        "driverhost: binding {}.{} to {:02x}:{:02x}.{} ({:04x}:{:04x})",
        d.namespace,
        d.name,
        bdf >> 8,
        (bdf >> 3) & 31,
        bdf & 7,
        ids & 0xffff,
        ids >> 16
    );
    let Some(create) = static_method(&mut rt, asm, &d.namespace, &d.name, "Create") else {
        userlib::log!(
            "driverhost: {}.{} has no static Create()",
            d.namespace,
            d.name
        );
        crate::blkhost::serve_unready(HostState::Failed);
    };
    let Some(run) = static_method(&mut rt, ddk_asm, "Cordon.Ddk", "BlockHost", "Run") else {
        userlib::log!("driverhost: {DDK} has no Cordon.Ddk.BlockHost::Run");
        crate::blkhost::serve_unready(HostState::Failed);
    };
    crate::inject::set_target(alloc::format!("{}.{}::Submit", d.namespace, d.name));
    // The kept code image, then the up-front compile of what it lacks, then
    // this generation's image handed over — all before any driver code
    // runs (`Create` comes after), so a driver bug cannot have touched the
    // JIT's state before the hand-over (docs/driverhost.md, "Restart time").
    let installed = crate::image::install(&mut rt, args, files);
    if installed.hash.is_some() {
        // Little is left to compile: clients' `Info` waits for the start.
        crate::blkhost::hold_info();
    }
    if installed.kept {
        // The kept image was taken right after an earlier generation's
        // up-front compile of the same assemblies (the importer checked
        // their hashes and the JIT's settings), so walking them again
        // would compile nothing; a method it still lacks (another driver
        // bound) compiles lazily, as any would.
        userlib::log!("driverhost: up-front compile skipped: the kept image holds it");
    } else {
        let keeps = ipc::image::code_switch(args).is_none();
        precompile(&mut rt, stack, &[ddk_asm, asm], keeps);
    }
    crate::image::hand_over(&rt, args, installed);
    userlib::log!(
        "driverhost: starting the driver ({} ms after start; {} methods, {} IL bytes compiled so far)",
        (userlib::uptime_us() - t0) / 1000,
        rt.stats.methods,
        rt.stats.il_bytes
    );
    let driver = match call(&mut rt, stack, create) {
        Ok(obj) if obj != 0 => obj as usize,
        Ok(_) => {
            userlib::log!(
                "driverhost: {}.{}::Create returned null",
                d.namespace,
                d.name
            );
            crate::blkhost::serve_unready(HostState::Failed);
        }
        Err(code) => return code,
    };
    // Held by the block host outside managed code (`BoundDriver` hands it
    // back): a root of the collector for the rest of the process.
    rt.add_root(driver);
    crate::blkhost::bind(
        bdf,
        ids,
        driver,
        alloc::format!("{}.{}", d.namespace, d.name),
        t0,
    );
    // `Run` starts the device, then serves: `Info` is held until then.
    crate::blkhost::hold_info();
    match call(&mut rt, stack, run) {
        Ok(v) => {
            userlib::log!(
                "driverhost: the driver's loop ended ({}); refusing I/O (NotReady)",
                v as i32
            );
            crate::blkhost::serve_unready(HostState::Failed);
        }
        Err(code) => code,
    }
}
