//! Judges of the kernel's own tests: boot, memory, faults, ACPI and interrupts, the ring-0 rules, the hostile program.

use super::*;

pub(super) fn judge_banner(s: &str) -> Result<(), String> {
    need(s, "Cordon ")?;
    need(s, "booting (PVH)")?;
    need(s, "memory map (")?;
    need(s, " usable")?;
    need(s, "MiB usable,")?;
    need(s, "kernel ready in ")?;
    need(s, " programs in bin/ (log=initrd=debug lists them)")?;
    // Boot time (docs/demos.md, "Boot time"): the AML namespace is loaded
    // at its first use, not at boot, and the initrd is one line, not one
    // per file.
    let boot = s.split("kernel ready in ").next().unwrap_or("");
    if boot.contains("Initializing AML interpreter") || boot.contains("_PRT: ") {
        return Err("the kernel loaded the AML namespace at boot".into());
    }
    if boot.contains("initrd: bin/") {
        return Err("the kernel listed the initrd file by file at the default level".into());
    }
    refuse(s, "!!!")
}

pub(super) fn judge_heap(s: &str) -> Result<(), String> {
    need(s, "heap: PASS")?;
    refuse(s, "FAIL")
}

pub(super) fn judge_frames(s: &str) -> Result<(), String> {
    need(s, "frames: PASS")?;
    refuse(s, "FAIL")
}

/// The tick counter must have advanced by at least 10 within the test,
/// and the tick must be 1 kHz (`logic::tick`: deadlines resolve to 1 ms).
pub(super) fn judge_timer(s: &str) -> Result<(), String> {
    need(s, "timer: PASS")?;
    need(s, "LAPIC timer: 1000 Hz (")?;
    let line = s
        .lines()
        .find(|l| l.contains("timer ticks advanced"))
        .ok_or("no tick line")?;
    let nums: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    // "[secs.micros] ... advanced T0 -> T1 in MS ms": T0 and T1 are the 3rd and 4th numbers.
    match (nums.get(2), nums.get(3)) {
        (Some(t0), Some(t1)) if t1 >= &(t0 + 10) => Ok(()),
        _ => Err(format!("ticks did not advance by 10: {line:?}")),
    }
}

pub(super) fn judge_acpi_smp2(s: &str) -> Result<(), String> {
    need(s, "MADT: 2 CPUs")?;
    need(s, "MADT: IOAPIC id ")?;
    need(s, "IOAPIC 0: 24 inputs")?;
    need(s, "MCFG: PCIe ECAM at 0xb0000000")?;
    need(s, "FADT: SCI IRQ 9")
}

/// The routes and deliveries the `prt` self-test prints on q35.
pub(super) const PRT_LINES: &[&str] = &[
    "prt: 00:00 INTA -> GSI 20 level active-high",
    "prt: 00:01 INTA -> GSI 21 level active-high",
    "prt: 00:05 INTA -> GSI 21 level active-high",
    "prt: 00:05 INTB -> GSI 22 level active-high",
    "prt: 00:05 INTD -> GSI 20 level active-high",
    "prt: 00:1c INTA -> GSI 16 level active-high",
    "prt: 00:1e INTB -> GSI 21 level active-high",
    "prt: 00:1f INTD -> GSI 19 level active-high",
    "prt: 00:20 pin 1 -> NoEntry { device: 32, pin: 1 }",
    "prt: 00:03 pin 0 -> BadPin(0)",
    "prt: 07:03 pin 1 -> NotRootBus(7)",
    "prt: GSI 21 routed to vector 0x70 masked; unmask and mask read back",
    "prt: edu 00:05 INTA -> GSI 21: no interrupt idle, 1 per raise, held while masked, delivered on unmask",
    "prt: edu 00:1c INTA -> GSI 16: no interrupt idle, 1 per raise, held while masked, delivered on unmask",
    "prt: PASS (routes looked up; edu interrupts delivered: 00:05 on GSI 21, 00:1c on GSI 16)",
];

/// What QEMU's q35 really has (its DSDT, read by the kernel at boot, and two
/// `edu` devices whose INTA must arrive on the GSI the route names):
/// slots 0x00-0x18 and 0x1e go through links GSIE..GSIH (GSIs 20-23), INTA
/// of slot n on 20 + n % 4 and the other pins rotated after it; slots
/// 0x19-0x1d and 0x1f go through GSIA..GSID (GSIs 16-19), INTA on 16, not
/// rotated. Every link is `Interrupt (ResourceConsumer, Level, ActiveHigh,
/// Shared)`.
pub(super) fn judge_acpi_prt(s: &str) -> Result<(), String> {
    need(s, "AML: \\_PIC(1)")?;
    need(
        s,
        "\\_SB_.PCI0._PRT: 128 entries, 128 pins routed, links GSIA,GSIB,GSIC,GSID,GSIE,GSIF,GSIG,GSIH",
    )?;
    need(
        s,
        "_PRT: 18:20,21,22,23 19:16,17,18,19 1a:16,17,18,19 1b:16,17,18,19 1c:16,17,18,19 1d:16,17,18,19 1e:20,21,22,23 1f:16,17,18,19",
    )?;
    need(s, "_PRT: triggers: level active-high\n")?;
    for line in PRT_LINES {
        need(s, line)?;
    }
    kernel_survived(s)
}

pub(super) fn judge_pf300(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #PF Page Fault (vector 14)")?;
    need(s, "page not present, read, kernel mode")?;
    need(s, "CR2=0x300\n")?;
    need(s, "RIP=0xffffffff8")?;
    need(s, "backtrace: 0x")
}

pub(super) fn judge_stack_overflow(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #DF Double Fault (vector 8)")?;
    need(s, "cause: kernel stack overflow")
}

pub(super) fn judge_task_stack_overflow(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #DF Double Fault (vector 8)")?;
    need(
        s,
        "cause: kernel stack overflow (RSP in the guard page below task slot 63's kernel stack)",
    )
}

pub(super) fn judge_shutdown(s: &str) -> Result<(), String> {
    need(s, "ACPI: entering S5")?;
    refuse(s, "shutdown: FAIL")
}

pub(super) fn judge_serial_irq(s: &str) -> Result<(), String> {
    need(s, "IOAPIC: COM1 (ISA IRQ 4) -> vector 0x34")?;
    need(
        s,
        "serial-irq: PASS (received \"hello cordon\" by interrupt)",
    )
}

/// `log=warn,kernel=info,mem=info`: kernel and mem lines, no acpi info lines.
pub(super) fn judge_log_filter(s: &str) -> Result<(), String> {
    need(s, "INFO  kernel: kernel ready in")?;
    need(s, "INFO  mem: memory map (")?;
    refuse(s, "INFO  acpi:")
}

pub(super) fn judge_hostile(s: &str) -> Result<(), String> {
    need(s, "GiB returned Ok(0) in")?;
    need(s, "hostile: 20000 syscalls in ")?;
    need(s, "kernel still answering")?;
    need(s, "hostile,rules has exited; starting")?;
    need(s, "50/50 calls to echo verified, 0 reconnects, 0 errors")?;
    // The rules, checked beside the random calls.
    need(s, "rules: meddler refused")?;
    need(s, "rules: PASS")?;
    refuse(s, "rules: FAIL")?;
    kernel_survived(s)
}

/// (log timestamp in ms, run time in ms) of an `ssecheck` PASS line.
pub(super) fn sse_pass(s: &str, seed: u32) -> Option<(u64, u64)> {
    let line = s
        .lines()
        .find(|l| l.contains(&format!("ssecheck seed={seed}: PASS")))?;
    let stamp = line.trim_start_matches('[').split(']').next()?.trim();
    let (secs, micros) = stamp.split_once('.')?;
    let at_ms = secs.trim().parse::<u64>().ok()? * 1000 + micros.parse::<u64>().ok()? / 1000;
    let took = line
        .rsplit(" spins, ")
        .next()?
        .strip_suffix(" ms)")?
        .parse()
        .ok()?;
    Some((at_ms, took))
}

/// Both SSE tasks kept their registers, and their runs overlapped (so the
/// timer really switched between them mid-loop).
pub(super) fn judge_sse(s: &str) -> Result<(), String> {
    let a = sse_pass(s, 1).ok_or("ssecheck seed=1 did not pass")?;
    let b = sse_pass(s, 2).ok_or("ssecheck seed=2 did not pass")?;
    let (start_a, start_b) = (a.0.saturating_sub(a.1), b.0.saturating_sub(b.1));
    if start_b >= a.0 || start_a >= b.0 {
        return Err(format!(
            "the two runs did not overlap: {a:?} {b:?} (finish ms, took ms)"
        ));
    }
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

pub(super) fn judge_exception_vector(s: &str) -> Result<(), String> {
    need(s, "external interrupt on exception vector 20: dropped")?;
    need(s, "exception-vector: PASS")?;
    kernel_survived(s)
}

pub(super) fn judge_nmi(s: &str) -> Result<(), String> {
    need(s, "NMI at RIP=")?;
    need(s, "(ring 0); ignored")?;
    need(
        s,
        "nmi: PASS (1 NMI handled while the task table was locked)",
    )?;
    kernel_survived(s)
}

pub(super) fn judge_generation_retire(s: &str) -> Result<(), String> {
    need(s, "task slot ")?;
    need(s, " retired: its 16-bit generations are spent")?;
    need(s, "generation-retire: PASS (slot ")?;
    kernel_survived(s)
}

/// The top user page is never mappable and a refused `Unmap` revokes no
/// grant; the kernel carries on.
pub(super) fn judge_rules(s: &str) -> Result<(), String> {
    need(
        s,
        "rules: MapAnon of the top user page: Err(Sys(BadAddress)) as required",
    )?;
    need(
        s,
        "rules: revoking the grant afterwards (it must still exist): Ok(()) as required",
    )?;
    need(s, "rules: PASS")?;
    need(
        s,
        "rules: unentitled Shutdown: PermissionDenied as required",
    )?;
    need(
        s,
        "rules: unentitled Restart { name: \"echo\" }: PermissionDenied as required",
    )?;
    need(s, "rules: unentitled RestartTask { name: \"echo\"")?;
    need(
        s,
        "rules: unentitled Kill { name: \"echo\" }: PermissionDenied as required",
    )?;
    need(s, "rules: unentitled KillTask { name: \"echo\"")?;
    need(s, "rules: meddler refused")?;
    need(
        s,
        "rules: one MapAnon of 2 MiB: Err(Sys(BadLength)) as required",
    )?;
    need(
        s,
        "rules: one Unmap of 4 MiB took down 256 pages and stopped at +1 MiB as required",
    )?;
    need(s, "rules: logged 200 lines of 500 bytes in ")?;
    for i in 1..=9 {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("flood-{i}[")) && l.contains("rules: flood held"))
            .ok_or(format!("flood-{i} reported nothing"))?;
        if !line.contains("rules: flood held 32 grants; the next refused with OutOfMemory") {
            return Err(format!("flood-{i}: {line}"));
        }
    }
    need(s, "refused Shutdown from meddler [")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// Two tasks map memory until refused; everyone else keeps working and a
/// task started afterwards runs.
pub(super) fn judge_memhog(s: &str) -> Result<(), String> {
    for hog in ["hog-a", "hog-b"] {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("{hog}[")) && l.contains("memhog: mapped"))
            .ok_or(format!("{hog} reported nothing"))?;
        if !line.contains("stopped by OutOfMemory") {
            return Err(format!("{hog} was not stopped by OutOfMemory: {line}"));
        }
    }
    need(s, "memhog tables: stopped by OutOfMemory after")?;
    // Quotas are reservations: one larger than what is left is refused at
    // start, and each hog got exactly its own (48 MiB, its heap included).
    need(
        s,
        "cannot start hog-big (bin/memhog): memory=1048576 KiB refused: OutOfMemory",
    )?;
    need(s, "memory reservations: ")?;
    for hog in ["hog-a", "hog-b"] {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("{hog}[")) && l.contains("memhog: mapped"))
            .unwrap_or("");
        if !(line.contains("mapped 48 MiB") || line.contains("mapped 47 MiB")) {
            return Err(format!("{hog} did not get its 48 MiB quota: {line}"));
        }
    }
    need(s, "100/100 calls to echo verified, 0 reconnects, 0 errors")?;
    need(s, "10/10 calls to echo verified, 0 reconnects, 0 errors")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// GRUB found the multiboot2 header, handed over its boot information, and
/// the system ran ring 3 from the module it loaded.
pub(super) fn judge_grub_iso(s: &str) -> Result<(), String> {
    need(s, "booting (multiboot2)")?;
    need(s, "memory map (")?;
    need(s, " programs in bin/ (log=initrd=debug lists them)")?;
    need(s, "command line: \"manifest=ipc-pingpong\"")?;
    ipctest(s, "pingpong")
}
