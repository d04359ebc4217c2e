//! Judges of device access from ring 3: grants, PCI, interrupts, DMA, code pages.

use super::*;

/// Ports, MMIO and an IRQ line granted from the manifest work; an ungranted
/// port faults; grants over RAM or the kernel's serial port are refused.
pub(super) fn judge_device_grants(s: &str) -> Result<(), String> {
    need(s, "mmioprobe: PASS (1af4:1042 BAR 4 mapped, ")?;
    need(s, "device page refused as a buffer)")?;
    need(s, "!!! TASK FAULT in noports[")?;
    need(s, "#GP General Protection (vector 13)")?;
    need(
        s,
        "cannot start badram (bin/sleeper): grant Mmio { phys: 100000, len: 1000 } refused: InvalidArgument",
    )?;
    need(
        s,
        "cannot start badcom (bin/sleeper): grant IoPorts { first: 3f8, last: 3ff } refused: InvalidArgument",
    )?;
    // What could reset the machine, enter SMM or send message interrupts.
    for (name, grant) in [
        ("badhpet", "Mmio { phys: fed00000, len: 1000 }"),
        ("badreset", "IoPorts { first: 92, last: 92 }"),
        ("badkbc", "IoPorts { first: 64, last: 64 }"),
        ("badsmi", "IoPorts { first: b2, last: b2 }"),
    ] {
        need(
            s,
            &format!("cannot start {name} (bin/sleeper): grant {grant} refused: InvalidArgument"),
        )?;
    }
    need(s, "rtcirq: PASS (16 RTC interrupts as notifications")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// The machine of `pci-enumerate`: a virtio-blk at 00:05.0, an e1000
/// behind a PCI-to-PCI bridge at 00:06.0, a virtio-rng behind a PCIe root
/// port at 00:07.0 (plus q35's own functions, its VGA and its e1000e).
pub(super) const PCI_ENUM_DEVICES: &[&str] = &[
    "-drive",
    "driver=null-co,if=none,id=d0",
    "-device",
    "virtio-blk-pci,drive=d0,addr=0x5,disable-legacy=on",
    "-device",
    "pci-bridge,id=br1,chassis_nr=1,addr=0x6",
    "-device",
    "e1000,bus=br1,addr=0x1",
    "-device",
    "pcie-root-port,id=rp1,chassis=2,slot=1,addr=0x7",
    "-device",
    "virtio-rng-pci,bus=rp1",
];

/// Every function `pci-enumerate`'s machine has, as the kernel names them.
pub(super) const PCI_ENUM_LINES: &[&str] = &[
    "pci 00:00.0 8086:29c0 class 06.00 host bridge",
    "pci 00:01.0 1234:1111 class 03.00 VGA",
    "pci 00:02.0 8086:10d3 class 02.00 e1000e",
    "pci 00:05.0 1af4:1042 class 01.00 virtio-blk",
    "pci 00:06.0 1b36:0001 class 06.04 PCI bridge",
    "pci 01:01.0 8086:100e class 02.00 e1000",
    "pci 00:07.0 1b36:000c class 06.04 PCIe root port",
    "pci 02:00.0 1af4:1044 class 00.ff virtio-rng",
    "pci 00:1f.0 8086:2918 class 06.01 ISA bridge",
    "pci 00:1f.2 8086:2922 class 01.06 SATA",
    "pci 00:1f.3 8086:2930 class 0c.05 SMBus",
];

/// Each function once in the boot log and once more from `lspci`, nothing
/// else; the e1000 behind the bridge listed with its owner.
pub(super) fn judge_pci_enumerate(s: &str) -> Result<(), String> {
    need(s, "MCFG: PCIe ECAM at 0xb0000000")?;
    need(s, &format!("pci: {} functions", PCI_ENUM_LINES.len()))?;
    need(s, &format!("lspci: {} functions", PCI_ENUM_LINES.len()))?;
    let listed = s
        .lines()
        .filter(|l| {
            let t = l.trim_start_matches("cordon> ");
            let t = t.split("INFO  pci: ").nth(1).unwrap_or(t);
            t.starts_with("pci ") && t.contains(" class ")
        })
        .count();
    if listed != 2 * PCI_ENUM_LINES.len() {
        return Err(format!(
            "{listed} function lines, expected {} (boot log and lspci)",
            2 * PCI_ENUM_LINES.len()
        ));
    }
    for line in PCI_ENUM_LINES {
        let n = s.lines().filter(|l| l.contains(line)).count();
        if n != 2 {
            return Err(format!("{line:?} appears {n} times, expected 2"));
        }
    }
    need(s, "pci 01:01.0 8086:100e class 02.00 e1000 owner e1000drv[")?;
    need(s, "task e1000drv[2.0] granted IoPorts")?;
    need(s, "task e1000drv[2.0] granted Mmio")?;
    // A restarted owner gets its function again.
    need(
        s,
        "pci 00:02.0: bus mastering off (owner regrant[3.0] died)",
    )?;
    need(s, "pci 00:02.0: granted to regrant[3.1]")?;
    kernel_survived(s)
}

/// The machine of `pci-config-filter`: a virtio-blk behind a PCIe root
/// port (so a PCI Express function, with FLR) at 01:00.0, with 256 MSI-X
/// vectors, so its MSI-X BAR has a page (the PBA's) besides the table.
pub(super) const PCI_FILTER_DEVICES: &[&str] = &[
    "-device",
    "pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x4",
    "-drive",
    "driver=null-co,if=none,id=d0",
    "-device",
    "virtio-blk-pci,drive=d0,bus=rp1,disable-legacy=on,vectors=256",
];

pub(super) fn judge_pci_config_filter(s: &str) -> Result<(), String> {
    need(
        s,
        "pcidrv[2.0]: pciprobe: PASS (PciInfo; BAR, ROM, MSI-X, command-bit and reset writes refused",
    )?;
    need(
        s,
        "MSI-X entry 0 -> vector 0x40, bit 40 of pcidrv[2.0] (table: addr 0xfee",
    )?;
    need(s, "data 0x40 unmasked)")?;
    need(s, "other[")?;
    need(
        s,
        "pciprobe: PASS (a non-owner is refused every call on the function)",
    )?;
    need(
        s,
        "cannot start dup (bin/sleeper): grant PciAddress { bdf: 100 } refused: AlreadyMapped",
    )?;
    need(
        s,
        "cannot start hostbridge (bin/sleeper): grant PciAddress { bdf: 0 } refused: InvalidArgument",
    )?;
    need(
        s,
        "cannot start absent (bin/sleeper): grant PciId { vendor: 1af4, device: 1042, n: 1 } refused: NotFound",
    )?;
    need(s, "pci 01:00.0: bus mastering off (owner pcidrv[2.0] died)")?;
    need(s, "shutdown requested by")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// The fault report of the first fault of task `name`: its header and the
/// indented lines after it.
pub(super) fn fault_report(s: &str, name: &str) -> Option<String> {
    let header = format!("!!! TASK FAULT in {name}[");
    let mut lines = s.lines().skip_while(|l| !l.contains(&header));
    let first = lines.next()?;
    let rest = lines.take_while(|l| l.starts_with("    "));
    Some(
        std::iter::once(first)
            .chain(rest)
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

/// `name` died of a #PF at the probe's code page with this decoded error.
pub(super) fn wx_fault(s: &str, name: &str, error: &str) -> Result<(), String> {
    let report = fault_report(s, name).ok_or(format!("no fault report for {name}"))?;
    for want in ["#PF Page Fault (vector 14)", error, "CR2=0x300000000000"] {
        if !report.contains(want) {
            return Err(format!("{name}'s fault report lacks {want:?}:\n{report}"));
        }
    }
    Ok(())
}

/// Code written RW runs once `Protect` makes it RX; executing RW, writing
/// RX or RO pages each end their task with the matching #PF; W+X and the
/// other documented refusals hold.
pub(super) fn judge_wx(s: &str) -> Result<(), String> {
    need(s, "wxprobe: PASS (RW->RX code returned 42")?;
    wx_fault(
        s,
        "wx-execrw",
        "protection violation, read, user mode, instruction fetch",
    )?;
    wx_fault(s, "wx-writerx", "protection violation, write, user mode")?;
    wx_fault(s, "wx-writero", "protection violation, write, user mode")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

pub(super) fn judge_pci_interrupts(s: &str) -> Result<(), String> {
    need(s, "pci 00:05.0 1234:11e8 class 00.ff edu")?;
    need(s, "pci 00:09.0: INTx pin 1 -> GSI ")?;
    // Both edus on one GSI (one vector): the line is shared.
    let gsi_of = |bdf: &str| {
        s.lines()
            .find(|l| l.contains(&format!("pci {bdf}: INTx pin 1 -> GSI ")))
            .and_then(|l| l.split("-> GSI ").nth(1))
            .and_then(|r| r.split(' ').next())
            .map(str::to_string)
    };
    match (gsi_of("00:05.0"), gsi_of("00:09.0")) {
        (Some(a), Some(b)) if a == b => {}
        other => return Err(format!("00:05.0 and 00:09.0 not on one GSI: {other:?}")),
    }
    need(s, "pci 00:0a.0: MSI -> vector ")?;
    need(
        s,
        "raiser[3.0]: pciprobe: PASS (edu INTx interrupts arrived as notifications, acked)",
    )?;
    need(
        s,
        "sharer[2.0]: pciprobe: edu sharer acked 5 interrupts of the other device",
    )?;
    need(
        s,
        "msi[4.0]: pciprobe: PASS (edu MSI interrupts arrived as notifications)",
    )?;
    need(s, "pci 00:05.0: bus mastering off (owner raiser[3.0] died)")?;
    // Behind the root port at slot 6, INTA stays INTA (device 0) and takes
    // slot 6's route: GSI 20 + 6 % 4 on q35.
    need(s, "pci 01:00.0: INTx pin 1 -> GSI 22 ")?;
    need(
        s,
        "bridged[5.0]: pciprobe: PASS (edu INTx interrupts arrived as notifications, acked)",
    )?;
    // Device 1 behind the bridge at slot 7: INTA becomes INTB at slot 7,
    // which q35 routes to GSI 20 + (7 + 1) % 4.
    need(s, "pci 02:01.0: INTx pin 1 -> GSI 20 ")?;
    need(
        s,
        "rotated[6.0]: pciprobe: PASS (edu INTx interrupts arrived as notifications, acked)",
    )?;
    need(s, "shutdown requested by")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// A task holding no PCI function: DmaAlloc's argument errors, then
/// PermissionDenied.
pub(super) fn judge_dma_refused(s: &str) -> Result<(), String> {
    need(s, "dmaprobe: PASS (no PCI grant: DmaAlloc PermissionDenied")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// The lowest address DMA memory may have in the test machine (256 MiB):
/// its top half. The kernel takes its own frames from the bottom and DMA
/// regions from the top, so that a device given a length past a buffer's
/// end overruns into DMA memory or off the end of RAM (the campaign's
/// silent stop, `docs/campaign.md`), not into the kernel.
const DMA_FLOOR: u64 = 128 << 20;

/// The probe's `regions at A and B` line: both at or above [`DMA_FLOOR`].
fn dma_regions_at_the_top(s: &str) -> Result<(), String> {
    let line = s
        .lines()
        .find_map(|l| l.split_once("dmaprobe: regions at ").map(|(_, r)| r))
        .ok_or("no `dmaprobe: regions at` line")?;
    let mut n = 0;
    for a in line.split(" and ") {
        let v = u64::from_str_radix(a.trim().trim_start_matches("0x"), 16)
            .map_err(|_| format!("unreadable region address {a:?}"))?;
        if v < DMA_FLOOR {
            return Err(format!(
                "DMA region at {v:#x}: not at the top of memory (below {DMA_FLOOR:#x})"
            ));
        }
        n += 1;
    }
    if n != 2 {
        return Err(format!("{n} region addresses in `{line}`, not 2"));
    }
    Ok(())
}

/// With a PCI function granted (manifest `dma-granted`): the regions'
/// checks pass, and the three regions the probe dies holding are freed by
/// the kernel after its death and after bus mastering is off.
pub(super) fn judge_dma_granted(s: &str) -> Result<(), String> {
    need(s, "dmaprobe: PASS (granted: zeroed distinct regions")?;
    dma_regions_at_the_top(s)?;
    need(s, "dmaprobe: PASS (no PCI grant")?;
    let death = s
        .find("task dma-granted[")
        .ok_or("dma-granted never ended")?;
    let freed = s
        .find("dma: freed 3 regions (4176 KiB) of dma-granted[")
        .ok_or("no line freeing dma-granted's 3 regions (4176 KiB)")?;
    if freed < death {
        return Err("DMA regions freed before the task's death was logged".into());
    }
    let bus_master_off = s
        .find("pci 00:05.0: bus mastering off (owner dma-granted[")
        .ok_or("no line turning dma-granted's bus mastering off")?;
    if freed < bus_master_off {
        return Err("DMA regions freed before bus mastering was turned off".into());
    }
    refuse(s, "FAIL")?;
    kernel_survived(s)
}
