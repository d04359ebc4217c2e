//! Judges of the driver host: the JIT in ring 3, managed faults and exceptions, the C# driver's binding.

use super::*;
use crate::judge::{first_driverhost_fault, one_task_fault};

pub(super) fn judge_driverhost_nodev(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost: no driver for any of the 1 granted PCI functions; refusing I/O (NotReady)",
    )?;
    need(
        s,
        "blkcompare: PASS (no driver for the granted function: Info and Submit refused with NotReady, state NoDriver, the function an UnknownDevice)",
    )?;
    refuse(s, "FAIL")
}

/// The JIT's C# suites in the ring-3 driver host: every test assembly the
/// host has ran (one `X.dll: P passed, F failed` line each), the total
/// equals the number of tests the host finds in the same files, none
/// failed, and the statistics line is there.
pub(super) fn judge_jit_ring3(s: &str) -> Result<(), String> {
    let (files, tests) = crate::jitcount::host_suites()?;
    jit_ring3_against(s, files, tests)
}

pub(super) fn jit_ring3_against(s: &str, files: usize, tests: usize) -> Result<(), String> {
    need(s, "driverhost: ")?;
    let per_file = s
        .lines()
        .filter(|l| l.contains("jit-ring3: ") && l.contains(".dll: ") && l.contains(" passed, "))
        .count();
    if per_file != files {
        return Err(format!(
            "{per_file} test assemblies ran in ring 3, the host has {files}"
        ));
    }
    need(s, "jit-ring3: ")?;
    need(s, " RX pages; ")?;
    need(s, &format!("jit-ring3: {tests} passed, 0 failed"))?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// As `jit-ring3`, in GC stress mode: every suite passes and the
/// collector ran.
pub(super) fn judge_jit_ring3_gc_stress(s: &str) -> Result<(), String> {
    judge_jit_ring3(s)?;
    let n = s
        .lines()
        .find_map(|l| {
            l.split("jit-ring3: ")
                .nth(1)?
                .strip_suffix(" garbage collections (gc stress)")?
                .parse::<u64>()
                .ok()
        })
        .ok_or("no GC stress count")?;
    if n < 1000 {
        return Err(format!("only {n} collections under GC stress"));
    }
    // Generational: every full collection starts with a minor one, which
    // moves the young objects (docs/gc.md, "Generations").
    let minor = s
        .lines()
        .find_map(|l| {
            l.split("jit-ring3: ")
                .nth(1)?
                .split_once(" minor collections (")?
                .0
                .parse::<u64>()
                .ok()
        })
        .ok_or("no minor collection count")?;
    if minor < 1000 {
        return Err(format!("only {minor} minor collections under GC stress"));
    }
    Ok(())
}

/// A fault in JIT-compiled code (`Pointers::ReadAt0x300`) ends only the
/// driver host: the #PF at 0x300 has its RIP on the page the driver host
/// said holds that method's code; the supervisor restarts it and the new
/// incarnation maps the same file bundle (built once); an echo client
/// started after the first death is fully served.
pub(super) fn judge_jit_ring3_fault(s: &str) -> Result<(), String> {
    need(
        s,
        "!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)",
    )?;
    need(s, "CR2=0x300\n")?;
    let page = s
        .split("driverhost: calling ")
        .nth(1)
        .and_then(|r| r.split("(page ").nth(1))
        .and_then(|r| r.split(')').next())
        .ok_or("the driver host never said where the method's code is")?;
    let page = u64::from_str_radix(page.trim_start_matches("0x"), 16)
        .map_err(|e| format!("bad page {page}: {e}"))?;
    let rip = s
        .split("driverhost[2.0] faulted (vector 14, RIP=")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .ok_or("no fault line for driverhost[2.0]")?;
    let rip = u64::from_str_radix(rip.trim_start_matches("0x"), 16)
        .map_err(|e| format!("bad RIP {rip}: {e}"))?;
    if rip & !0xfff != page {
        return Err(format!(
            "fault RIP {rip:#x} is not on the method's code page {page:#x}"
        ));
    }
    need(s, "driverhost: calling Pointers::ReadAt0x300 at ")?;
    need(s, "restarted driverhost as 2.1")?;
    if !s
        .lines()
        .any(|l| l.contains("driverhost[2.1]: driverhost: ") && l.contains(" files ("))
    {
        return Err("the restarted driver host did not get its files".into());
    }
    let built = s.matches("files for driverhost: ").count();
    if built != 1 {
        return Err(format!(
            "the file bundle was built {built} times, want once"
        ));
    }
    need(s, "300/300 calls to echo verified, 0 reconnects, 0 errors")?;
    jit_code_not_writable(s)?;
    refuse(s, "TASK FAULT in echo")?;
    refuse(s, "TASK FAULT in client")?;
    kernel_survived(s)
}

/// The first driver host died of the JIT's `ldfld-struct` injection: a #PF
/// at CR2=0x300 in `method` at its `ldfld` (IL offset `ldfld`), the
/// supervisor's report naming the calling frame `caller` (the text after
/// `called from `); the restarted driver host runs without the injection.
fn ldfld_injection_fault(s: &str, method: &str, ldfld: u32, caller: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: JIT fault injection on: ldfld-struct",
    )?;
    need(
        s,
        "!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)",
    )?;
    let line = first_driverhost_fault(s)?;
    let want = format!("CR2=0x300) in {method} at IL_{ldfld:04x} (ldfld)");
    if !line.contains(&want) {
        return Err(format!("fault report {line:?} lacks {want:?}"));
    }
    let caller = format!("; called from {caller}");
    if !line.contains(&caller) {
        return Err(format!("fault report {line:?} lacks the caller {caller:?}"));
    }
    need(s, "restarted driverhost as 2.1")?;
    if s.lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("fault injection on"))
    {
        return Err("the restarted driver host still had the fault injection".into());
    }
    Ok(())
}

/// `jit-fault-ldfld`: the JIT's fault injection `ldfld-struct` reproduces the
/// seed's bug 5. The first driver host (switch on, `first-args`) dies of a
/// #PF at CR2=0x300 in FaultDemo.Device::Start; the supervisor's report,
/// read from the dead task's code map, names the method, the IL offset of
/// the `ldfld` of `a.Bus` (checked against the method body on the host) and
/// the instruction; the restarted driver host runs without the switch and
/// Start returns 42; an echo client started after the death is fully
/// served; only the driver host ever faults.
pub(super) fn judge_jit_fault_ldfld(s: &str) -> Result<(), String> {
    let il = crate::jitcount::il_of("pointers.dll", "FaultDemo", "Device", "Initialize")?;
    let ldfld = il
        .iter()
        .find(|(_, op)| op == "ldfld")
        .map(|(o, _)| *o)
        .ok_or("FaultDemo.Device::Initialize has no ldfld")?;
    let start = crate::jitcount::il_of("pointers.dll", "FaultDemo", "Device", "Start")?;
    let call = start
        .iter()
        .find(|(_, op)| op == "call")
        .map(|(o, _)| *o)
        .ok_or("FaultDemo.Device::Start has no call")?;
    // The managed backtrace, read from the stack in the code-map region.
    ldfld_injection_fault(
        s,
        "FaultDemo.Device::Initialize",
        ldfld,
        &format!("FaultDemo.Device::Start IL_{call:04x} (call);"),
    )?;
    need(
        s,
        "driverhost[2.1]: driverhost: FaultDemo.Device::Start returned 42",
    )?;
    // The supervisor keeps the managed location with the fault record.
    let kept = s
        .lines()
        .find(|l| {
            l.contains("driverhost[2.1]: driverhost: fault record: driverhost[2.0] managed: ")
        })
        .ok_or("the restarted driver host did not list driverhost[2.0]'s fault record")?;
    if !kept.contains("managed: FaultDemo.Device::Initialize+0x")
        || !kept.ends_with(&format!(
            " IL_{ldfld:04x} ldfld <- FaultDemo.Device::Start IL_{call:04x} (call)"
        ))
    {
        return Err(format!(
            "the kept fault record lacks Start ... IL_{ldfld:04x} ldfld: {kept:?}"
        ));
    }
    need(s, "300/300 calls to echo verified, 0 reconnects, 0 errors")?;
    one_task_fault(s)?;
    kernel_survived(s)
}

/// `jit-fault-ldfld-driver`: the seed's bug 5 on the real C# virtio-blk
/// driver. The first driver host (`mode=drivers`, switch on) dies of a #PF
/// at CR2=0x300 in `VirtioBlkDriver::Start` at the `ldfld` of `addr.Bus`
/// (its `PciAddress` local, the disk at 00:03.0), called from
/// `BlockHost::Serve` at its `callvirt` of Start (both offsets checked
/// against the method bodies); the restarted driver host runs without the
/// switch — and without an image of the first's code, which is never kept
/// — logs the address and serves blktest; the harness checks the image;
/// only the driver host ever faults.
pub(super) fn judge_jit_fault_ldfld_driver(s: &str) -> Result<(), String> {
    let first = |file: &str, ns: &str, ty: &str, m: &str, op: &str| -> Result<u32, String> {
        crate::jitcount::il_in(file, ns, ty, m)?
            .iter()
            .find(|(_, o)| o == op)
            .map(|(o, _)| *o)
            .ok_or(format!("{ns}.{ty}::{m} has no {op}"))
    };
    let drv = "Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start";
    let ldfld = first(
        "drivers/virtio-blk.dll",
        "Cordon.Drivers.VirtioBlk",
        "VirtioBlkDriver",
        "Start",
        "ldfld",
    )?;
    let callvirt = first("ddk.dll", "Cordon.Ddk", "BlockHost", "Serve", "callvirt")?;
    need(
        s,
        "driverhost[2.0]: driverhost: binding Cordon.Drivers.VirtioBlk.VirtioBlkDriver to 00:03.0",
    )?;
    ldfld_injection_fault(
        s,
        drv,
        ldfld,
        &format!("Cordon.Ddk.BlockHost::Serve IL_{callvirt:04x} (callvirt)"),
    )?;
    // Code compiled under the switch is never kept (allow=code-image):
    // the restarted driver host compiles Start itself.
    need(
        s,
        "driverhost[2.0]: driverhost: code image: not handed over (jit-inject=ldfld-struct)",
    )?;
    refuse(s, "code image of driverhost from 2.0")?;
    need(
        s,
        "driverhost[2.1]: driverhost: code image: none kept yet: compiling",
    )?;
    // The same struct read, compiled right, in the restarted driver host.
    if !s
        .lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("virtio-blk (C#) at 00:03.0"))
    {
        return Err("the restarted driver did not log its address 00:03.0".into());
    }
    need(s, "blktest: driverhost has exited; starting")?;
    need(s, "driverhost: serving 00:03.0 as blkdev")?;
    need(s, "blktest: PASS (")?;
    need(
        s,
        "10 bad requests refused with typed errors, still serving",
    )?;
    refuse(s, "FAIL")?;
    one_task_fault(s)?;
    kernel_survived(s)
}

/// `driverhost-exception`: `managed-exception` for `mode=drivers`, with a
/// real error: the disk's queue (64) is too small for the C# driver, whose
/// `Start` throws a `DeviceException` nothing catches. Type, message and
/// the managed trace (Start's `throw`, Serve's `callvirt`, Run's `call`,
/// offsets checked against the assemblies), exit code 70, restart; no task
/// faults.
pub(super) fn judge_driverhost_exception(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: unhandled exception Cordon.Ddk.DeviceException: virtio-blk: the request queue is too small (out of Cordon.Ddk.BlockHost::Run)",
    )?;
    let ops = |file: &str, ty: &str, m: &str, op: &str| -> Result<Vec<u32>, String> {
        let ns = if file == "ddk.dll" {
            "Cordon.Ddk"
        } else {
            "Cordon.Drivers.VirtioBlk"
        };
        Ok(crate::jitcount::il_in(file, ns, ty, m)?
            .into_iter()
            .filter(|(_, o)| o == op)
            .map(|(o, _)| o)
            .collect())
    };
    let throws = ops(
        "drivers/virtio-blk.dll",
        "VirtioBlkDriver",
        "Start",
        "throw",
    )?;
    let serve = ops("ddk.dll", "BlockHost", "Serve", "callvirt")?;
    let run = ops("ddk.dll", "BlockHost", "Run", "call")?;
    let at = s
        .find("driverhost[2.0]: driverhost: unhandled exception")
        .ok_or("no exception line")?;
    // The trace's lines, even if other tasks' lines come between them.
    let trace: Vec<&str> = s[at..]
        .lines()
        .filter(|l| l.contains("driverhost[2.0]: driverhost:    "))
        .take(3)
        .collect();
    let frame = |i: usize, method: &str, op: &str, offsets: &[u32]| -> Result<(), String> {
        let l = trace.get(i).copied().unwrap_or("");
        let ok = offsets
            .iter()
            .any(|o| l.ends_with(&format!("at {method} IL_{o:04x} ({op})")));
        if ok {
            Ok(())
        } else {
            Err(format!(
                "frame {i} of the trace is {l:?}, want {method} at one of its {op}s {offsets:x?}"
            ))
        }
    };
    frame(
        0,
        "Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start",
        "throw",
        &throws,
    )?;
    frame(
        1,
        "Cordon.Ddk.BlockHost::Serve",
        "callvirt",
        &serve[..1.min(serve.len())],
    )?;
    frame(2, "Cordon.Ddk.BlockHost::Run", "call", &run)?;
    need(
        s,
        "driverhost[2.0] exited with code 70; restarting in 100 ms",
    )?;
    need(s, "restarted driverhost as 2.1")?;
    need(s, "300/300 calls to echo verified, 0 reconnects, 0 errors")?;
    refuse(s, "!!! TASK FAULT")?;
    kernel_survived(s)
}

/// `managed-exception`: an exception no managed frame catches ends the
/// driver host with its type, message and managed stack trace (each frame's
/// method, IL offset and instruction: Probe's `throw`, Reset's and Fail's
/// `call`s, checked against the method bodies) and exit code 70; the
/// supervisor restarts it; an echo client is served throughout.
pub(super) fn judge_managed_exception(s: &str) -> Result<(), String> {
    // `Console.Write` pieces make one log line; the unfinished last line
    // is logged before the exception's report.
    let console = "driverhost[2.0]: FaultDemo: no answer after 3 tries";
    let pending = "driverhost[2.0]: FaultDemo: giving up";
    let report = "driverhost[2.0]: driverhost: unhandled exception System.Exception: device did not answer (out of FaultDemo.Device::Fail)";
    let at = |line: &str| s.find(line).ok_or(format!("serial output lacks {line:?}"));
    if !(at(console)? < at(pending)? && at(pending)? < at(report)?) {
        return Err(
            "the Console lines are not logged in order before the exception's report".into(),
        );
    }
    let frame = |method: &str, op: &str| -> Result<String, String> {
        let il = crate::jitcount::il_of("pointers.dll", "FaultDemo", "Device", method)?;
        let (o, _) = il
            .iter()
            .find(|(_, m)| m == op)
            .ok_or(format!("{method} has no {op}"))?;
        Ok(format!("at FaultDemo.Device::{method} IL_{o:04x} ({op})"))
    };
    let frames = [
        frame("Probe", "throw")?,
        frame("Reset", "call")?,
        frame("Fail", "call")?,
    ];
    let mut at = s
        .find("driverhost[2.0]: driverhost: unhandled exception")
        .ok_or("no exception line")?;
    for f in &frames {
        let rest = s.get(at..).unwrap_or("");
        let i = rest
            .find(f.as_str())
            .ok_or(format!("no stack frame {f:?} (in order)"))?;
        at += i;
    }
    need(
        s,
        "driverhost[2.0] exited with code 70; restarting in 100 ms",
    )?;
    need(s, "restarted driverhost as 2.1")?;
    need(
        s,
        "driverhost[2.1]: driverhost: unhandled exception System.Exception",
    )?;
    need(s, "300/300 calls to echo verified, 0 reconnects, 0 errors")?;
    refuse(s, "!!! TASK FAULT")?;
    kernel_survived(s)
}

/// The W^X witness of `jit-ring3-fault`: `dh-wx` writes into compiled code
/// and dies of a write protection fault at exactly that address.
pub(super) fn jit_code_not_writable(s: &str) -> Result<(), String> {
    let at = s
        .split("driverhost: writing into the code of Pointers::ReadAt0x300 at ")
        .nth(1)
        .and_then(|r| r.lines().next())
        .ok_or("dh-wx never wrote into compiled code")?;
    let report = s
        .split("!!! TASK FAULT in dh-wx[3.0]: #PF Page Fault (vector 14)")
        .nth(1)
        .ok_or("dh-wx did not die of a #PF")?;
    let report: String = report.lines().take(4).collect::<Vec<_>>().join("\n");
    if !report.contains("protection violation, write, user mode") {
        return Err(format!(
            "dh-wx's fault is not a write protection violation: {report}"
        ));
    }
    if !report.contains(&format!("CR2={at}")) {
        return Err(format!(
            "dh-wx's fault is not at the code address {at}: {report}"
        ));
    }
    refuse(s, "FAIL the code page")
}

// --- The driver host's fault injections (`inject=`, docs/driverhost.md
// "Fault injections"): each happens in compiled managed code after 100
// requests, with dhinject's batch in flight; only the driver host dies, its
// next generation (no injection: first-args) serves the resubmitted batch,
// and the harness checks the image.

/// The injection line of generation 2.0 and what every injection test
/// shares: dhinject saw the death mid-batch, resubmitted, passed; the
/// restarted driver host has no injection; the disk's id was read by each
/// generation; nothing else faulted; the kernel lived.
fn injected(s: &str, name: &str, said: &str) -> Result<(), String> {
    need(
        s,
        &format!("driverhost[2.0]: driverhost: fault injection on: {name} after 100 requests"),
    )?;
    need(
        s,
        &format!("driverhost[2.0]: fault injection: {said} after 100 requests ("),
    )?;
    if s.lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("fault injection"))
    {
        return Err("the restarted driver host still had the fault injection".into());
    }
    need(s, "restarted driverhost as 2.1")?;
    need(s, "dhinject: driverhost died with batch ")?;
    need(
        s,
        "dhinject: driverhost is back as 2.1; resubmitting batch ",
    )?;
    need(s, "dhinject: 2.0 reports the disk's id \"cordon-inject\"")?;
    need(s, "dhinject: 2.1 reports the disk's id \"cordon-inject\"")?;
    need(s, "virtio-blk (C#): 16384 blocks of 512 B")?;
    need(s, "id \"cordon-inject\"")?;
    need(s, "dhinject: PASS (16 batches of 32 and their read-back")?;
    refuse(s, "FAIL")?;
    refuse(s, "TASK FAULT in dhinject")?;
    kernel_survived(s)
}

/// The number of requests in flight the injection line reports.
fn in_flight(s: &str, said: &str) -> Result<u32, String> {
    let line = s
        .lines()
        .find(|l| l.contains(&format!("fault injection: {said} after 100 requests (")))
        .ok_or("no injection line")?;
    line.split(" after 100 requests (")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no in-flight count in {line:?}"))
}

/// `driverhost-inject-hang`: the endless loop. The driver host does not die
/// by itself: dhwatch sees no progress and has it restarted; no task faults.
pub(super) fn judge_driverhost_inject_hang(s: &str) -> Result<(), String> {
    injected(s, "hang", "hang")?;
    need(s, ": spinning in FaultInjection::Spin")?;
    if in_flight(s, "hang")? == 0 {
        return Err("the hang happened with no request in flight".into());
    }
    let hang = s
        .find("fault injection: hang after 100 requests")
        .ok_or("no hang line")?;
    let watch = s
        .find("dhwatch: no progress for 1500 ms")
        .ok_or("the watcher never saw the stall")?;
    if watch < hang {
        return Err("the watcher restarted the driver host before it hung".into());
    }
    need(s, "dhwatch: PASS (restarted driverhost once)")?;
    refuse(s, "!!! TASK FAULT")?;
    Ok(())
}

/// `driverhost-inject-wild-store`: a write into compiled code. The kernel
/// reports a user-mode write protection #PF at exactly the address the
/// injection names (in the code region), the supervisor names
/// `FaultInjection::Store`; only the driver host faulted.
pub(super) fn judge_driverhost_inject_wild_store(s: &str) -> Result<(), String> {
    injected(s, "wild-store", "wild store")?;
    let target = s
        .split(": writing to 0x")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .ok_or("the injection did not say where it writes")?;
    let addr = u64::from_str_radix(target, 16).map_err(|e| format!("{target}: {e}"))?;
    if !(0x2000_0000_0000..0x2100_0000_0000).contains(&addr) {
        return Err(format!(
            "the target {addr:#x} is not in the JIT code region"
        ));
    }
    let report = s
        .split("!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)")
        .nth(1)
        .ok_or("driverhost[2.0] did not die of a #PF")?;
    let report: String = report.lines().take(4).collect::<Vec<_>>().join("\n");
    if !report.contains("protection violation, write, user mode") {
        return Err(format!("not a write protection fault: {report}"));
    }
    if !report.contains(&format!("CR2={addr:#x}")) {
        return Err(format!("the fault is not at {addr:#x}: {report}"));
    }
    let line = first_driverhost_fault(s)?;
    if !line.contains(&format!(
        "CR2={addr:#x}) in Cordon.Ddk.FaultInjection::Store at IL_"
    )) {
        return Err(format!(
            "the report does not name FaultInjection::Store: {line:?}"
        ));
    }
    if s.matches("!!! TASK FAULT in ").count() != 1 {
        return Err("a task other than driverhost[2.0] faulted".into());
    }
    Ok(())
}

/// `driverhost-inject-oom`: the managed heap grows until the quota stops
/// it; the runtime's OutOfMemoryException ends the driver host (exit 70);
/// no task faults.
pub(super) fn judge_driverhost_inject_oom(s: &str) -> Result<(), String> {
    injected(s, "oom", "out of memory")?;
    need(
        s,
        "driverhost[2.0]: driverhost: unhandled exception System.OutOfMemoryException",
    )?;
    need(s, "driverhost[2.0] exited with code 70;")?;
    refuse(s, "!!! TASK FAULT")?;
    Ok(())
}

/// `driverhost-inject-always-fault`: every generation faults in
/// `VirtioBlkDriver::Start` at its `ldfld` (0x400: the disk at 00:04.0),
/// and the supervisor backs off 50, 100, 200 ms.
pub(super) fn judge_driverhost_inject_always_fault(s: &str) -> Result<(), String> {
    for g in 0..3 {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("driverhost[2.{g}] faulted (vector 14, RIP=")))
            .ok_or(format!("driverhost[2.{g}] did not fault"))?;
        if !line.contains("CR2=0x400) in Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start at IL_") {
            return Err(format!("generation {g} faulted elsewhere: {line:?}"));
        }
        let delay = 50 << g;
        if !line.ends_with(&format!("restarting in {delay} ms")) {
            return Err(format!(
                "generation {g}: want a {delay} ms backoff: {line:?}"
            ));
        }
        need(
            s,
            &format!("driverhost[2.{g}]: driverhost: fault injection on: always-fault"),
        )?;
    }
    need(s, "dhinject: PASS (driverhost restarted 3 times")?;
    refuse(s, "FAIL")?;
    refuse(s, "TASK FAULT in dhinject")?;
    kernel_survived(s)
}

// ---- ddk: port ranges ----

/// `ddk-port-range`'s disk: transitional (legacy I/O BAR 0 besides the
/// modern BARs, device id 1001) and without MSI-X, so the legacy header's
/// device configuration starts at offset 20.
pub(super) const PORT_DISKS: &[crate::disk::Disk] = &[crate::disk::Disk {
    id: "d0",
    device: "addr=0x5,disable-legacy=off,disable-modern=off,vectors=0",
    make: make_port_disk,
    check: None,
}];
/// More than 16 bits of sectors, so a capacity read narrower than 32 bits
/// shows.
const PORT_BLOCKS: u64 = 0x1_0400;

fn make_port_disk(path: &std::path::Path) -> Result<(), String> {
    crate::disk::make_pattern_image(path, PORT_BLOCKS, 0x5eed_0003)
}

/// The probe driver (`driverhost/managed/probes/portrange/`) bound by its
/// `[PciDriver(0x1af4, 0x1001)]`, reading through `PortRange`: the
/// legacy status it wrote reads back, the capacity (two 32-bit ports and
/// a slice) is the disk's, six bad accesses were refused by the DDK, and
/// the driver host serves the capacity it reported. The kernel granted
/// the BAR's ports with the function.
pub(super) fn judge_ddk_port_range(s: &str) -> Result<(), String> {
    need(s, "granted IoPorts")?;
    need(
        s,
        "driverhost: loaded driver Cordon.Tests.PortProbe from managed/probes/portrange.dll for 1af4:1001",
    )?;
    let features = s
        .split("portrange: vendor 00001af4 device 00001001 features ")
        .nth(1)
        .and_then(|r| r.get(..8))
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or("no portrange line with the device's ids and features")?;
    // VIRTIO_RING_F_INDIRECT_DESC (bit 28), on by default in QEMU: a
    // 32-bit port read that lost its upper half would not have it.
    if features & 1 << 28 == 0 {
        return Err(format!(
            "host features {features:08x} lack INDIRECT_DESC (bit 28)"
        ));
    }
    need(
        s,
        &format!(" status 1 capacity {PORT_BLOCKS} (slice {PORT_BLOCKS}) refused 6 of "),
    )?;
    need(
        s,
        &format!("driverhost: serving 00:05.0 as blkdev: {PORT_BLOCKS} blocks of 512 B"),
    )?;
    refuse(s, "FAIL")?;
    refuse(s, "#GP")?;
    refuse(s, "DeviceException")
}
