//! The judges of `mod.rs`'s catalogue against recorded serial logs, and
//! the catalogue's own consistency.

use super::*;

const BOOT: &str = "[    0.011904] INFO  kernel: Cordon 0.1.0 booting (PVH), TSC 2304 MHz\n\
    [    0.084603] INFO  mem: memory map (9 regions):\n\
    [    0.084789] INFO  mem:   0x0000000000-0x000009fc00 usable\n\
    [    0.085979] INFO  mem: memory: 255 MiB usable, 246 MiB free\n\
    [    0.086000] INFO  initrd: 141 files, 11053280 bytes, 37 programs in bin/ (log=initrd=debug lists them)\n\
    [    0.132773] INFO  kernel: kernel ready in 132750 us\n";

#[test]
fn banner_judge_accepts_a_good_boot_and_rejects_a_fault() {
    assert!(judge_banner(BOOT).is_ok());
    assert!(judge_banner(&format!("{BOOT}!!! KERNEL PANIC: x\n")).is_err());
    assert!(judge_banner(&BOOT.replace("kernel ready", "kernel stalled")).is_err());
    let aml = BOOT.replace(
        "[    0.132773]",
        "[    0.090000] INFO  acpi::aml: Initializing AML interpreter v6.1.1\n[    0.132773]",
    );
    assert!(judge_banner(&aml).is_err());
    let listed = BOOT.replace(
        "[    0.132773]",
        "[    0.087000] INFO  initrd: bin/supervisor (203280 bytes)\n[    0.132773]",
    );
    assert!(judge_banner(&listed).is_err());
    // At power-off (after the ready line) the namespace is loaded.
    assert!(
        judge_banner(&format!(
            "{BOOT}[    1.000000] INFO  acpi::aml: Initializing AML interpreter v6.1.1\n"
        ))
        .is_ok()
    );
}

fn concat_lines(a: &str, b: &str) -> String {
    format!("{a}{b}")
}

#[test]
fn timer_judge_reads_the_tick_numbers() {
    let hz = "[    0.014724] INFO  apic: LAPIC timer: 1000 Hz (62495 counts/tick at divide 16)\n";
    let ok = concat_lines(
        hz,
        "[    0.323069] INFO  selftest: timer ticks advanced 0 -> 20 in 20 ms\ntimer: PASS\n",
    );
    assert!(judge_timer(&ok).is_ok());
    let stuck = concat_lines(
        hz,
        "[    0.323069] INFO  selftest: timer ticks advanced 5 -> 6 in 20 ms\ntimer: PASS\n",
    );
    assert!(judge_timer(&stuck).is_err());
    let slow = "[    0.014724] INFO  apic: LAPIC timer: 100 Hz (624950 counts/tick at divide 16)\n[    0.323069] INFO  selftest: timer ticks advanced 0 -> 20 in 202 ms\ntimer: PASS\n";
    assert!(judge_timer(slow).is_err());
}

#[test]
fn wx_judge_reads_each_fault_report() {
    let report = |name: &str, code: &str, what: &str| {
        format!(
            "[    1.0] INFO  user: x\n!!! TASK FAULT in {name}[3.0]: #PF Page Fault (vector 14)\n    error 0x{code}: {what}\n    RIP=0x0000300000000000 CS=0x23 RFLAGS=0x202\n    CR2=0x300000000000\n    RSP=0x1 SS=0x1b\n[    1.1] INFO  kernel: next\n"
        )
    };
    let good = format!(
        "{}{}{}wxprobe: PASS (RW->RX code returned 42, ...)\n",
        report(
            "wx-execrw",
            "15",
            "protection violation, read, user mode, instruction fetch"
        ),
        report("wx-writerx", "7", "protection violation, write, user mode"),
        report("wx-writero", "7", "protection violation, write, user mode"),
    );
    assert!(judge_wx(&good).is_ok(), "{:?}", judge_wx(&good));
    // RW memory that executed: the task logs FAIL and has no report.
    let executed = good.replace("wx-execrw[", "other[");
    assert!(judge_wx(&executed).is_err());
    let wrong_kind = good.replacen(", instruction fetch", "", 1);
    assert!(judge_wx(&wrong_kind).is_err());
}

#[test]
fn dma_judges_need_the_pass_lines_and_the_free_after_death() {
    let refused = "[ 0.3] INFO  user: dma-nogrant[2.0]: dmaprobe: PASS (no PCI grant: DmaAlloc PermissionDenied; ...)\n";
    assert!(judge_dma_refused(refused).is_ok());
    assert!(judge_dma_refused(&refused.replace("PASS", "FAIL")).is_err());
    let granted = format!(
        "[ 0.2] INFO  user: dma-granted[2.0]: dmaprobe: regions at 0xff4e000 and 0xff4d000\n\
         [ 0.2] INFO  user: dma-granted[2.0]: dmaprobe: PASS (granted: zeroed distinct regions, ...)\n\
         [ 0.2] INFO  task::lifecycle: task dma-granted[2.0] ended: Exited (code 0), ran 9 ms\n\
         [ 0.2] INFO  pci: pci 00:05.0: bus mastering off (owner dma-granted[2.0] died)\n\
         [ 0.2] INFO  dma: freed 3 regions (4176 KiB) of dma-granted[2.0] after bus mastering off\n{refused}"
    );
    assert!(
        judge_dma_granted(&granted).is_ok(),
        "{:?}",
        judge_dma_granted(&granted)
    );
    assert!(judge_dma_granted(&granted.replace("freed 3 regions", "freed 2 regions")).is_err());
    assert!(judge_dma_granted(&granted.replace("bus mastering off (owner", "x")).is_err());
    // First fit from the bottom, as before DMA came from the top.
    assert!(judge_dma_granted(&granted.replace("0xff4e000", "0x2a0000")).is_err());
    assert!(judge_dma_granted(&granted.replace("regions at", "x")).is_err());
}

#[test]
fn pci_enumerate_judge_wants_every_function_twice_and_nothing_else() {
    let mut log =
        String::from("[ 0.0] INFO  acpi: MCFG: PCIe ECAM at 0xb0000000, segment 0, buses 0-255\n");
    for l in PCI_ENUM_LINES {
        log.push_str(&format!("[ 0.1] INFO  pci: {l}\n"));
    }
    log.push_str("[ 0.1] INFO  pci: 11 functions\n");
    log.push_str("[ 0.2] INFO  task::device: task e1000drv[2.0] granted Mmio { phys: fe840000, len: 20000 }\n");
    log.push_str("[ 0.2] INFO  task::device: task e1000drv[2.0] granted IoPorts { first: c000, last: c03f }\n");
    log.push_str("[ 0.3] INFO  pci: pci 00:02.0: bus mastering off (owner regrant[3.0] died)\n");
    log.push_str("[ 0.4] INFO  pci::grant: pci 00:02.0: granted to regrant[3.1]\n");
    log.push_str("cordon> lspci\nlspci: 11 functions\n");
    for l in PCI_ENUM_LINES {
        let owner = if l.contains("01:01.0") {
            " owner e1000drv[2.0]"
        } else {
            ""
        };
        log.push_str(&format!("{l}{owner}\n"));
    }
    assert_eq!(judge_pci_enumerate(&log), Ok(()));
    // A device behind a bridge missing (bridge not followed).
    let no_bus1: String = log
        .lines()
        .filter(|l| !l.contains("pci 01:01.0"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert!(judge_pci_enumerate(&no_bus1).is_err());
    // A function listed that QEMU was not given.
    let extra = format!("{log}pci 00:03.0 1af4:1041 class 02.00 virtio-net\n");
    assert!(judge_pci_enumerate(&extra).is_err());
}

#[test]
fn pf_judge_needs_the_exact_cr2() {
    let report = "!!! KERNEL FAULT: #PF Page Fault (vector 14)\n    error 0x0: page not present, read, kernel mode\n    RIP=0xffffffff8022c158 CS=0x8\n    CR2=0x300\n    backtrace: 0x1\n";
    assert!(judge_pf300(report).is_ok());
    assert!(judge_pf300(&report.replace("CR2=0x300", "CR2=0x3000")).is_err());
}

#[test]
fn restart_delays_are_read_in_order() {
    let log = "x supervisor[1.0]: crasher[2.0] faulted (vector 14, RIP=0x1, CR2=0x300); restarting in 20 ms\n\
               x supervisor[1.0]: crasher[2.1] faulted (vector 14, RIP=0x1, CR2=0x300); restarting in 40 ms\n";
    assert_eq!(restart_delays(log, "crasher"), vec![20, 40]);
    assert!(judge_crashloop(log).is_err(), "two restarts are not enough");
}

#[test]
fn jit_ring3_judge_counts_assemblies_and_tests() {
    let log = "[ 0.1] INFO  user: driverhost[2.0]: driverhost: 3 files (900 bytes) from the supervisor in 30 us\n\
               [ 0.5] INFO  user: driverhost[2.0]: jit-ring3: a.dll: 3 passed, 0 failed\n\
               [ 0.9] INFO  user: driverhost[2.0]: jit-ring3: b.dll: 2 passed, 0 failed\n\
               [ 0.9] INFO  user: driverhost[2.0]: jit-ring3: 2 assemblies; compiled 9 methods, 90 IL bytes -> 900 bytes of code in 10 RX pages; 800 ms\n\
               [ 0.9] INFO  user: driverhost[2.0]: jit-ring3: 5 passed, 0 failed\n";
    assert_eq!(jit_ring3_against(log, 2, 5), Ok(()));
    assert!(jit_ring3_against(log, 3, 5).is_err(), "a file skipped");
    assert!(jit_ring3_against(log, 2, 6).is_err(), "a test skipped");
    let failing = log
        .replace("b.dll: 2 passed, 0 failed", "b.dll: 1 passed, 1 failed")
        .replace("5 passed, 0 failed", "4 passed, 1 failed");
    assert!(jit_ring3_against(&failing, 2, 5).is_err());
}

#[test]
fn jit_fault_judge_ties_the_rip_to_the_method() {
    let log = "[ 0.3] INFO  user: supervisor[1.0]: files for driverhost: 18 files, 130312 bytes\n\
        [ 0.3] INFO  user: driverhost[2.0]: driverhost: calling Pointers::ReadAt0x300 at 0x200000001000 (page 0x200000001000)\n\
        !!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)\n\
        \x20   RIP=0x0000200000001009 CS=0x23 RFLAGS=0x206\n\
        \x20   CR2=0x300\n\
        [ 0.3] INFO  user: supervisor[1.0]: driverhost[2.0] faulted (vector 14, RIP=0x200000001009, CR2=0x300); restarting in 100 ms\n\
        [ 0.4] INFO  user: supervisor[1.0]: restarted driverhost as 2.1\n\
        [ 0.4] INFO  user: driverhost[2.1]: driverhost: 18 files (129536 bytes) from the supervisor in 5934 us\n\
        [ 0.4] INFO  user: dh-wx[3.0]: driverhost: writing into the code of Pointers::ReadAt0x300 at 0x200000001000\n\
        !!! TASK FAULT in dh-wx[3.0]: #PF Page Fault (vector 14)\n\
        \x20   error 0x7: protection violation, write, user mode\n\
        \x20   RIP=0x0000000000254a10 CS=0x23 RFLAGS=0x206\n\
        \x20   CR2=0x200000001000\n\
        [ 4.7] INFO  user: client[5.0]: client 5.0 done: 300/300 calls to echo verified, 0 reconnects, 0 errors, slowest call 14309 us\n";
    assert_eq!(judge_jit_ring3_fault(log), Ok(()));
    let elsewhere = log.replace("RIP=0x200000001009", "RIP=0x200000002009");
    assert!(
        judge_jit_ring3_fault(&elsewhere).is_err(),
        "fault outside the method"
    );
    let rebuilt = format!("{log}files for driverhost: 18 files, 130312 bytes\n");
    assert!(
        judge_jit_ring3_fault(&rebuilt).is_err(),
        "bundle built twice"
    );
    let writable = log.replace("protection violation, write", "page not present, write");
    assert!(judge_jit_ring3_fault(&writable).is_err(), "not a W^X fault");
    let elsewhere = log.replace("CR2=0x200000001000", "CR2=0x200000002000");
    assert!(
        judge_jit_ring3_fault(&elsewhere).is_err(),
        "write fault elsewhere"
    );
}

#[test]
fn prt_judge_needs_every_route_and_the_delivery() {
    let routes = [
        "AML: \\_PIC(1): firmware told the APIC routes interrupts",
        "\\_SB_.PCI0._PRT: 128 entries, 128 pins routed, links GSIA,GSIB,GSIC,GSID,GSIE,GSIF,GSIG,GSIH",
        "\\_SB_.PCI0._PRT: 18:20,21,22,23 19:16,17,18,19 1a:16,17,18,19 1b:16,17,18,19 1c:16,17,18,19 1d:16,17,18,19 1e:20,21,22,23 1f:16,17,18,19",
        "\\_SB_.PCI0._PRT: triggers: level active-high",
    ];
    let log = routes
        .iter()
        .chain(PRT_LINES)
        .copied()
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert!(judge_acpi_prt(&log).is_ok());
    let wrong = log.replace("00:05 INTA -> GSI 21 level", "00:05 INTA -> GSI 20 level");
    assert!(judge_acpi_prt(&wrong).is_err());
    let edge = log.replace("triggers: level active-high", "triggers: edge active-high");
    assert!(judge_acpi_prt(&edge).is_err());
    let no_edu = log.replace("prt: edu 00:1c", "prt: xxx");
    assert!(judge_acpi_prt(&no_edu).is_err());
}

#[test]
fn names_are_unique() {
    let all = all();
    let mut names: Vec<_> = all.iter().map(|t| t.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), all.len());
}
