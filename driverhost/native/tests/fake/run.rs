//! Builds the standard fake virtio-blk function and runs a C# driver on
//! it: a fresh JIT runtime over corlib, the DDK and the driver assembly,
//! the machine's bodies registered through `ddk_native` (intrinsics off),
//! the driver's `Create()`, then `Cordon.Ddk.BlockHost::Run` — the path
//! the driver host takes (`driverhost/src/drivers.rs`).

use jit::runtime::{Escape, Runtime};
use jit::types::{AsmId, MethodId};

use super::build::assemblies;
use super::host::{Host, Op};
use super::machine::{BODIES, HOST_BODIES, MACHINE, Machine, extra};
use super::pci::{Bar, Function, msix_capability};
use super::virtio_blk::{self as vb, Options, VirtioBlk};

pub const BDF: u16 = 0x0028; // 00:05.0
pub const MODERN_ID: u16 = 0x1042;
pub const TRANSITIONAL_ID: u16 = 0x1001;
/// The transitional device's legacy I/O BAR (BAR 0).
pub const IO_FIRST: u16 = 0xc040;
pub const IO_LEN: u16 = 0x40;

/// Where the capabilities go in configuration space.
pub const CAP_MSIX_AT: usize = 0x40;
pub const CAP_COMMON_AT: usize = 0x50;
pub const CAP_NOTIFY_AT: usize = 0x60;
pub const CAP_ISR_AT: usize = 0x78;
pub const CAP_DEVICE_AT: usize = 0x88;

/// A virtio PCI capability (4.1.4): cfg_type, BAR, offset, length, and
/// for the notify structure its multiplier.
pub fn virtio_cap(
    cfg_type: u8,
    bar: u8,
    offset: u32,
    length: u32,
    multiplier: Option<u32>,
) -> Vec<u8> {
    let mut c = vec![
        0x09,
        0,
        if multiplier.is_some() { 20 } else { 16 },
        cfg_type,
        bar,
        0,
        0,
        0,
    ];
    c.extend_from_slice(&offset.to_le_bytes());
    c.extend_from_slice(&length.to_le_bytes());
    if let Some(m) = multiplier {
        c.extend_from_slice(&m.to_le_bytes());
    }
    c
}

/// A virtio-blk function as QEMU lays one out: MSI-X (table in BAR 1),
/// the four modern structures in BAR 4; `transitional` adds the legacy
/// I/O BAR 0 and takes the transitional device id. `msix: false` leaves
/// INTx only.
pub fn function(transitional: bool, msix: bool) -> Function {
    let mut bars = [Bar::None; 6];
    bars[1] = Bar::Memory(0x1000);
    bars[usize::from(vb::MODERN_BAR)] = Bar::Memory(vb::MODERN_BAR_LEN);
    if transitional {
        bars[0] = Bar::Io(IO_FIRST, IO_LEN);
    }
    let id = if transitional {
        TRANSITIONAL_ID
    } else {
        MODERN_ID
    };
    let mut f = Function::new(BDF, 0x1af4, id, bars);
    if msix {
        f.add_capability(CAP_MSIX_AT, &msix_capability(vb::MSIX_ENTRIES, 1, 0));
    }
    let b = vb::MODERN_BAR;
    f.add_capability(
        CAP_COMMON_AT,
        &virtio_cap(1, b, vb::COMMON as u32, vb::COMMON_LEN, None),
    );
    f.add_capability(
        CAP_NOTIFY_AT,
        &virtio_cap(2, b, vb::NOTIFY as u32, 0x1000, Some(vb::NOTIFY_MULTIPLIER)),
    );
    f.add_capability(CAP_ISR_AT, &virtio_cap(3, b, vb::ISR as u32, 4, None));
    f.add_capability(
        CAP_DEVICE_AT,
        &virtio_cap(4, b, vb::DEVICE as u32, vb::DEVICE_LEN, None),
    );
    f
}

/// A machine with the standard modern function, the model and a plan.
pub fn machine(opts: Options, plan: Vec<Op>) -> Machine {
    let device = VirtioBlk::new(opts);
    let host = Host::new(plan, &device.disk);
    Machine::new(function(false, true), device, host)
}

/// How the managed call ended.
#[derive(Debug)]
pub enum Outcome {
    /// `BlockHost.Run` returned this.
    Returned(i32),
    /// An exception left it: `Type: message`.
    Threw(String),
    /// Something else stopped it (compile error, no such method).
    Broken(String),
}

fn static_method(rt: &mut Runtime, asm: AsmId, ns: &str, ty: &str, name: &str) -> Option<MethodId> {
    let img = rt.types.image(asm).clone();
    let rid = img.find_type_def(ns, ty).ok()??;
    let tid = rt.types.type_def(asm, rid).ok()?;
    rt.types.find_method(tid, name, None)
}

fn call(rt: &mut Runtime, m: MethodId) -> Result<u64, Outcome> {
    let code = rt
        .compile_method(m)
        .map_err(|e| Outcome::Broken(jit::testrun::describe(rt, &e)))?;
    let rtp = &raw mut *rt;
    // SAFETY: a compiled static method without parameters of this runtime.
    match unsafe { Runtime::call_protected(rtp, code) } {
        Ok(v) => Ok(v),
        Err(Escape::Exception(o)) => {
            let msg = rt.exception_message(o).unwrap_or_default();
            Err(Outcome::Threw(format!("{}: {msg}", rt.object_type_name(o))))
        }
        Err(Escape::Unsupported(e)) => Err(Outcome::Broken(jit::testrun::describe(rt, &e))),
    }
}

/// Which driver assembly to bind.
#[derive(Clone, Copy)]
pub enum Driver {
    /// The real one: `Cordon.Drivers.VirtioBlk.VirtioBlkDriver`.
    VirtioBlk,
    /// A probe driver of `driverhost/managed/probes/` (namespace `Cordon.Tests`).
    Probe(&'static str),
}

/// Installs `machine`, runs the driver on it, and gives the machine back.
pub fn run(machine: Machine, driver: Driver) -> (Outcome, Machine) {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let a = assemblies();
    let mut rt = jit::testrun::runtime(a.corlib, &[]).expect("a runtime");
    ddk_native::register(&mut rt.externals, &BODIES, false);
    ddk_native::register_host(&mut rt.externals, &HOST_BODIES);
    for (name, addr) in extra() {
        rt.externals
            .register(ddk_native::NAMESPACE, ddk_native::TYPE, name, addr);
    }
    let ddk = rt.types.load(a.ddk).expect("load ddk.dll");
    let (bytes, ns, ty) = match driver {
        Driver::VirtioBlk => (a.virtio_blk, "Cordon.Drivers.VirtioBlk", "VirtioBlkDriver"),
        Driver::Probe(ty) => (a.probes, "Cordon.Tests", ty),
    };
    let asm = rt.types.load(bytes).expect("load the driver");
    *MACHINE.lock().unwrap_or_else(|e| e.into_inner()) = Some(machine);
    let outcome = (|| {
        let create = static_method(&mut rt, asm, ns, ty, "Create")
            .ok_or_else(|| Outcome::Broken(format!("{ns}.{ty} has no Create")))?;
        let driver = call(&mut rt, create)? as usize;
        if let Some(m) = MACHINE.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            m.host.driver = driver;
        }
        let run = static_method(&mut rt, ddk, "Cordon.Ddk", "BlockHost", "Run")
            .ok_or_else(|| Outcome::Broken("no BlockHost::Run".into()))?;
        call(&mut rt, run).map(|v| Outcome::Returned(v as i32))
    })()
    .unwrap_or_else(|o| o);
    let machine = MACHINE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .expect("the machine");
    (outcome, machine)
}
