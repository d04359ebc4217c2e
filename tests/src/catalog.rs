//! The QEMU tests: what each boots and how it is judged.
//!
//! Judges are plain functions of the serial text so they can be unit-tested
//! against recorded logs (see the tests at the bottom).

use crate::qemu::{Images, QemuConfig};
use ddk_abi::debug_exit::{KERNEL_DIED, TEST_PASSED, qemu_status};
use std::time::Duration;

/// How a test's boot ends.
#[derive(Clone, Copy, Debug)]
pub enum Ending {
    /// QEMU exits by itself with this status.
    Exit(i32),
    /// The harness stops QEMU once this text has been printed.
    WhenPrinted(&'static str),
}

type Judge = fn(&str) -> Result<(), String>;

/// One QEMU test.
pub struct QemuTest {
    pub name: &'static str,
    pub about: &'static str,
    /// Boot the `selftest` kernel rather than the one users run.
    pub selftest_kernel: bool,
    pub append: &'static str,
    pub smp: u8,
    /// When the first string has been printed, type the second on the console.
    pub input: Option<(&'static str, &'static str)>,
    pub ending: Ending,
    pub judge: Judge,
    pub timeout: Duration,
    /// Boot the GRUB ISO (multiboot2) instead of PVH `-kernel`.
    pub iso: bool,
    /// Extra QEMU arguments (devices), after the common ones.
    pub qemu_args: &'static [&'static str],
    /// virtio-blk disks, made before the boot and checked after QEMU exits.
    pub disks: &'static [crate::disk::Disk],
}

impl QemuTest {
    pub fn config(&self, images: &Images) -> QemuConfig {
        let kernel = if self.selftest_kernel {
            &images.kernel_selftest
        } else {
            &images.kernel
        };
        let mut c = QemuConfig::new(kernel.clone());
        c.initrd = Some(images.initrd.clone());
        c.append = self.append.to_string();
        c.smp = self.smp;
        if self.iso {
            c.cdrom = Some(images.iso.clone());
        }
        c.extra
            .extend(self.qemu_args.iter().map(|a| (*a).to_string()));
        c
    }

    /// Where this test's disk images are made (beside the initrd).
    pub fn disk_dir(images: &Images) -> std::path::PathBuf {
        images
            .initrd
            .parent()
            .map_or_else(|| "disks".into(), |p| p.join("disks"))
    }
}

const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

fn need(serial: &str, what: &str) -> Result<(), String> {
    if serial.contains(what) {
        Ok(())
    } else {
        Err(format!("serial output lacks {what:?}"))
    }
}

fn refuse(serial: &str, what: &str) -> Result<(), String> {
    if serial.contains(what) {
        Err(format!("serial output should not contain {what:?}"))
    } else {
        Ok(())
    }
}

fn judge_banner(s: &str) -> Result<(), String> {
    need(s, "Cordon ")?;
    need(s, "booting (PVH)")?;
    need(s, "memory map (")?;
    need(s, " usable")?;
    need(s, "MiB usable,")?;
    need(s, "kernel ready in ")?;
    refuse(s, "!!!")
}

fn judge_heap(s: &str) -> Result<(), String> {
    need(s, "heap: PASS")?;
    refuse(s, "FAIL")
}

fn judge_frames(s: &str) -> Result<(), String> {
    need(s, "frames: PASS")?;
    refuse(s, "FAIL")
}

/// The tick counter must have advanced by at least 10 within the test.
fn judge_timer(s: &str) -> Result<(), String> {
    need(s, "timer: PASS")?;
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

fn judge_acpi_smp2(s: &str) -> Result<(), String> {
    need(s, "MADT: 2 CPUs")?;
    need(s, "MADT: IOAPIC id ")?;
    need(s, "IOAPIC 0: 24 inputs")?;
    need(s, "MCFG: PCIe ECAM at 0xb0000000")?;
    need(s, "FADT: SCI IRQ 9")
}

/// The routes and deliveries the `prt` self-test prints on q35.
const PRT_LINES: &[&str] = &[
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
fn judge_acpi_prt(s: &str) -> Result<(), String> {
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

fn judge_pf300(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #PF Page Fault (vector 14)")?;
    need(s, "page not present, read, kernel mode")?;
    need(s, "CR2=0x300\n")?;
    need(s, "RIP=0xffffffff8")?;
    need(s, "backtrace: 0x")
}

fn judge_stack_overflow(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #DF Double Fault (vector 8)")?;
    need(s, "cause: kernel stack overflow")
}

fn judge_task_stack_overflow(s: &str) -> Result<(), String> {
    need(s, "!!! KERNEL FAULT: #DF Double Fault (vector 8)")?;
    need(
        s,
        "cause: kernel stack overflow (RSP in the guard page below task slot 63's kernel stack)",
    )
}

fn judge_shutdown(s: &str) -> Result<(), String> {
    need(s, "ACPI: entering S5")?;
    refuse(s, "shutdown: FAIL")
}

fn judge_serial_irq(s: &str) -> Result<(), String> {
    need(s, "IOAPIC: COM1 (ISA IRQ 4) -> vector 0x34")?;
    need(
        s,
        "serial-irq: PASS (received \"hello cordon\" by interrupt)",
    )
}

/// `log=warn,kernel=info,mem=info`: kernel and mem lines, no acpi info lines.
fn judge_log_filter(s: &str) -> Result<(), String> {
    need(s, "INFO  kernel: kernel ready in")?;
    need(s, "INFO  mem: memory map (")?;
    refuse(s, "INFO  acpi:")
}

/// No kernel fault, panic or halt anywhere in the log.
fn kernel_survived(s: &str) -> Result<(), String> {
    refuse(s, "!!! KERNEL")
}

fn judge_supervisor_boot(s: &str) -> Result<(), String> {
    // -cpu max has all three; ring 3 must run with them on.
    need(s, "CPU protections: NX on, SMEP on, SMAP on, UMIP on")?;
    need(s, "task supervisor started as 1.0")?;
    need(s, "manifest default: 2 services")?;
    need(s, "task echo started as")?;
    kernel_survived(s)
}

/// An `ipctest` run: its one subtest passed and the kernel never faulted.
fn ipctest(s: &str, name: &str) -> Result<(), String> {
    need(s, &format!("ipctest {name}: PASS"))?;
    need(s, "ipctest: 1 passed, 0 failed")?;
    kernel_survived(s)
}

fn judge_ipc_pingpong(s: &str) -> Result<(), String> {
    ipctest(s, "pingpong")
}
fn judge_ipc_big(s: &str) -> Result<(), String> {
    ipctest(s, "big")
}
fn judge_ipc_grant(s: &str) -> Result<(), String> {
    need(s, "re-grant of borrowed pages refused: BadPointer")?;
    refuse(s, "SECURITY")?;
    ipctest(s, "grant")
}
fn judge_ipc_malformed(s: &str) -> Result<(), String> {
    ipctest(s, "malformed")
}
fn judge_ipc_dead(s: &str) -> Result<(), String> {
    ipctest(s, "dead")
}
fn judge_ipc_blocked(s: &str) -> Result<(), String> {
    need(s, "!!! TASK FAULT in echo-crash[")?;
    ipctest(s, "blocked")
}

/// The fault-isolation demo: echo-a dies at CR2=0x300 and comes back,
/// client-a reconnects, client-b never notices.
fn judge_demo_0x300(s: &str) -> Result<(), String> {
    need(
        s,
        "!!! TASK FAULT in echo-a[2.0]: #PF Page Fault (vector 14)",
    )?;
    need(s, "CR2=0x300\n")?;
    need(s, "echo-a[2.0] faulted (vector 14, RIP=")?;
    need(s, "restarted echo-a as 2.1")?;
    need(s, "reconnected to echo-a as 2.1")?;
    need(s, "20/20 calls to echo-a verified")?;
    need(
        s,
        "400/400 calls to echo-b verified, 0 reconnects, 0 errors",
    )?;
    refuse(s, "TASK FAULT in echo-b")?;
    kernel_survived(s)
}

/// The restart delays of `service` as the supervisor logged them, in order.
fn restart_delays(s: &str, service: &str) -> Vec<u64> {
    s.lines()
        .filter(|l| l.contains(&format!("{service}[")) && l.contains("; restarting in "))
        .filter_map(|l| {
            l.rsplit("restarting in ")
                .next()?
                .strip_suffix(" ms")?
                .parse()
                .ok()
        })
        .collect()
}

fn judge_crashloop(s: &str) -> Result<(), String> {
    let d = restart_delays(s, "crasher");
    if d.len() < 5 {
        return Err(format!(
            "only {} restarts of crasher logged: {d:?}",
            d.len()
        ));
    }
    // 20, 40, 80, 160, 320, 640, 640, ...: doubling, then capped.
    for (i, pair) in d.windows(2).enumerate() {
        if let [a, b] = pair
            && *b != (*a * 2).min(640)
        {
            return Err(format!(
                "delay {} after {} (step {i}) is not the doubled, capped value: {d:?}",
                b, a
            ));
        }
    }
    if d.first() != Some(&20) {
        return Err(format!("first delay should be the base, 20 ms: {d:?}"));
    }
    need(
        s,
        "300/300 calls to echo-b verified, 0 reconnects, 0 errors",
    )?;
    let slowest = s
        .lines()
        .find(|l| l.contains("calls to echo-b verified"))
        .and_then(|l| {
            l.rsplit("slowest call ")
                .next()?
                .strip_suffix(" us")?
                .parse::<u64>()
                .ok()
        })
        .ok_or("no slowest-call figure from client-b")?;
    if slowest > 1_000_000 {
        return Err(format!(
            "client-b waited {slowest} us for one call while crasher looped"
        ));
    }
    kernel_survived(s)
}

fn judge_driverhost_nodev(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost: no driver for any of the 1 granted PCI functions; refusing I/O (NotReady)",
    )?;
    need(
        s,
        "blkcompare: PASS (no driver for the granted function: Info and Submit refused with NotReady, state NoDriver, the function an UnknownDevice)",
    )?;
    if s.contains("FAIL") {
        return Err("serial output contains FAIL".into());
    }
    Ok(())
}

fn judge_hostile(s: &str) -> Result<(), String> {
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
fn sse_pass(s: &str, seed: u32) -> Option<(u64, u64)> {
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
fn judge_sse(s: &str) -> Result<(), String> {
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

fn judge_exception_vector(s: &str) -> Result<(), String> {
    need(s, "external interrupt on exception vector 20: dropped")?;
    need(s, "exception-vector: PASS")?;
    kernel_survived(s)
}

fn judge_nmi(s: &str) -> Result<(), String> {
    need(s, "NMI at RIP=")?;
    need(s, "(ring 0); ignored")?;
    need(
        s,
        "nmi: PASS (1 NMI handled while the task table was locked)",
    )?;
    kernel_survived(s)
}

fn judge_generation_retire(s: &str) -> Result<(), String> {
    need(s, "task slot ")?;
    need(s, " retired: its 16-bit generations are spent")?;
    need(s, "generation-retire: PASS (slot ")?;
    kernel_survived(s)
}

/// The top user page is never mappable and a refused `Unmap` revokes no
/// grant; the kernel carries on.
fn judge_rules(s: &str) -> Result<(), String> {
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

/// Ports, MMIO and an IRQ line granted from the manifest work; an ungranted
/// port faults; grants over RAM or the kernel's serial port are refused.
fn judge_device_grants(s: &str) -> Result<(), String> {
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
const PCI_ENUM_DEVICES: &[&str] = &[
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
const PCI_ENUM_LINES: &[&str] = &[
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
fn judge_pci_enumerate(s: &str) -> Result<(), String> {
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
const PCI_FILTER_DEVICES: &[&str] = &[
    "-device",
    "pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x4",
    "-drive",
    "driver=null-co,if=none,id=d0",
    "-device",
    "virtio-blk-pci,drive=d0,bus=rp1,disable-legacy=on,vectors=256",
];

fn judge_pci_config_filter(s: &str) -> Result<(), String> {
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
fn fault_report(s: &str, name: &str) -> Option<String> {
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
fn wx_fault(s: &str, name: &str, error: &str) -> Result<(), String> {
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
fn judge_wx(s: &str) -> Result<(), String> {
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

fn judge_pci_interrupts(s: &str) -> Result<(), String> {
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

/// The JIT's C# suites in the ring-3 driver host: every test assembly the
/// host has ran (one `X.dll: P passed, F failed` line each), the total
/// equals the number of tests the host finds in the same files, none
/// failed, and the statistics line is there.
fn judge_jit_ring3(s: &str) -> Result<(), String> {
    let (files, tests) = crate::jitcount::host_suites()?;
    jit_ring3_against(s, files, tests)
}

fn jit_ring3_against(s: &str, files: usize, tests: usize) -> Result<(), String> {
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

/// A fault in JIT-compiled code (`Pointers::ReadAt0x300`) ends only the
/// driver host: the #PF at 0x300 has its RIP on the page the driver host
/// said holds that method's code; the supervisor restarts it and the new
/// incarnation maps the same file bundle (built once); an echo client
/// started after the first death is fully served.
fn judge_jit_ring3_fault(s: &str) -> Result<(), String> {
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

/// `jit-fault-ldfld`: the JIT's fault injection `ldfld-struct` reproduces the
/// seed's bug 5. The first driver host (switch on, `first-args`) dies of a
/// #PF at CR2=0x300 in FaultDemo.Device::Start; the supervisor's report,
/// read from the dead task's code map, names the method, the IL offset of
/// the `ldfld` of `a.Bus` (checked against the method body on the host) and
/// the instruction; the restarted driver host runs without the switch and
/// Start returns 42; an echo client started after the death is fully
/// served; only the driver host ever faults.
fn judge_jit_fault_ldfld(s: &str) -> Result<(), String> {
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
    need(
        s,
        "driverhost[2.0]: driverhost: JIT fault injection on: ldfld-struct",
    )?;
    need(
        s,
        "!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)",
    )?;
    let line = s
        .lines()
        .find(|l| l.contains("driverhost[2.0] faulted (vector 14, RIP="))
        .ok_or("no supervisor line for driverhost[2.0]'s fault")?;
    let want = format!("CR2=0x300) in FaultDemo.Device::Initialize at IL_{ldfld:04x} (ldfld)");
    if !line.contains(&want) {
        return Err(format!("fault report {line:?} lacks {want:?}"));
    }
    // The managed backtrace, read from the stack in the code-map region.
    let caller = format!("; called from FaultDemo.Device::Start IL_{call:04x} (call);");
    if !line.contains(&caller) {
        return Err(format!("fault report {line:?} lacks the caller {caller:?}"));
    }
    need(s, "restarted driverhost as 2.1")?;
    if s.lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("fault injection on"))
    {
        return Err("the restarted driver host still had the fault injection".into());
    }
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
    let faults = s.matches("!!! TASK FAULT in ").count();
    if faults != 1 {
        return Err(format!(
            "{faults} task faults, want exactly the one driver host's"
        ));
    }
    kernel_survived(s)
}

/// `jit-fault-ldfld-driver`: the seed's bug 5 on the real C# virtio-blk
/// driver. The first driver host (`mode=drivers`, switch on) dies of a #PF
/// at CR2=0x300 in `VirtioBlkDriver::Start` at the `ldfld` of `addr.Bus`
/// (its `PciAddress` local, the disk at 00:03.0), called from
/// `BlockHost::Serve` at its `callvirt` of Start (both offsets checked
/// against the method bodies); the restarted driver host runs without the
/// switch, logs the address and serves blktest; the harness checks the
/// image; only the driver host ever faults.
fn judge_jit_fault_ldfld_driver(s: &str) -> Result<(), String> {
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
        "driverhost[2.0]: driverhost: JIT fault injection on: ldfld-struct",
    )?;
    need(
        s,
        "driverhost[2.0]: driverhost: binding Cordon.Drivers.VirtioBlk.VirtioBlkDriver to 00:03.0",
    )?;
    need(
        s,
        "!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)",
    )?;
    let line = s
        .lines()
        .find(|l| l.contains("driverhost[2.0] faulted (vector 14, RIP="))
        .ok_or("no supervisor line for driverhost[2.0]'s fault")?;
    let want = format!("CR2=0x300) in {drv} at IL_{ldfld:04x} (ldfld)");
    if !line.contains(&want) {
        return Err(format!("fault report {line:?} lacks {want:?}"));
    }
    let caller = format!("; called from Cordon.Ddk.BlockHost::Serve IL_{callvirt:04x} (callvirt)");
    if !line.contains(&caller) {
        return Err(format!("fault report {line:?} lacks the caller {caller:?}"));
    }
    need(s, "restarted driverhost as 2.1")?;
    if s.lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("fault injection on"))
    {
        return Err("the restarted driver host still had the fault injection".into());
    }
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
    let faults = s.matches("!!! TASK FAULT in ").count();
    if faults != 1 {
        return Err(format!(
            "{faults} task faults, want exactly the one driver host's"
        ));
    }
    kernel_survived(s)
}

/// `driverhost-exception`: `managed-exception` for `mode=drivers`, with a
/// real error: the disk's queue (64) is too small for the C# driver, whose
/// `Start` throws a `DeviceException` nothing catches. Type, message and
/// the managed trace (Start's `throw`, Serve's `callvirt`, Run's `call`,
/// offsets checked against the assemblies), exit code 70, restart; no task
/// faults.
fn judge_driverhost_exception(s: &str) -> Result<(), String> {
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
fn judge_managed_exception(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: unhandled exception System.Exception: device did not answer (out of FaultDemo.Device::Fail)",
    )?;
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
fn jit_code_not_writable(s: &str) -> Result<(), String> {
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

/// A task holding no PCI function: DmaAlloc's argument errors, then
/// PermissionDenied.
fn judge_dma_refused(s: &str) -> Result<(), String> {
    need(s, "dmaprobe: PASS (no PCI grant: DmaAlloc PermissionDenied")?;
    refuse(s, "FAIL")?;
    kernel_survived(s)
}

/// With a PCI function granted (manifest `dma-granted`): the regions'
/// checks pass, and the three regions the probe dies holding are freed by
/// the kernel after its death and after bus mastering is off.
fn judge_dma_granted(s: &str) -> Result<(), String> {
    need(s, "dmaprobe: PASS (granted: zeroed distinct regions")?;
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

/// Two tasks map memory until refused; everyone else keeps working and a
/// task started afterwards runs.
fn judge_memhog(s: &str) -> Result<(), String> {
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

fn judge_supervisor_protocol(s: &str) -> Result<(), String> {
    need(
        s,
        "suptest: PASS (Status, FaultReports, Stop, Start, Restart, NoSuchService and a rejected garbage request)",
    )?;
    need(s, "echo[2.0] was killed; stopped on request")?;
    need(s, "rejected a malformed supervisor request")?;
    kernel_survived(s)
}

/// GRUB found the multiboot2 header, handed over its boot information, and
/// the system ran ring 3 from the module it loaded.
fn judge_grub_iso(s: &str) -> Result<(), String> {
    need(s, "booting (multiboot2)")?;
    need(s, "memory map (")?;
    need(s, "initrd: bin/supervisor")?;
    need(s, "command line: \"manifest=ipc-pingpong\"")?;
    ipctest(s, "pingpong")
}

/// Every QEMU test, in the order they run.
pub fn all() -> Vec<QemuTest> {
    let t = |name, about, selftest_kernel, append, ending, judge| QemuTest {
        name,
        about,
        selftest_kernel,
        append,
        smp: 2,
        input: None,
        ending,
        judge,
        timeout: BOOT_TIMEOUT,
        iso: false,
        qemu_args: &[],
        disks: &[],
    };
    let passed = Ending::Exit(qemu_status(TEST_PASSED));
    let died = Ending::Exit(qemu_status(KERNEL_DIED));
    let ready = Ending::WhenPrinted("kernel ready in ");
    let off = Ending::Exit(0);
    let m = |name, about, append, judge| t(name, about, false, append, off, judge);
    vec![
        t(
            "boot-banner",
            "boots to the banner, memory map summary and ready line",
            false,
            "",
            ready,
            judge_banner,
        ),
        t(
            "heap-stress",
            "allocates/frees many sizes, checks contents, grows the heap",
            true,
            "test=heap",
            passed,
            judge_heap,
        ),
        t(
            "frame-allocator",
            "single frames and aligned contiguous runs, all returned",
            true,
            "test=frames",
            passed,
            judge_frames,
        ),
        t(
            "timer-ticks",
            "LAPIC timer ticks advance",
            true,
            "test=timer",
            passed,
            judge_timer,
        ),
        t(
            "acpi-smp2",
            "ACPI finds 2 CPUs, the IOAPIC, MCFG and the FADT under -smp 2",
            false,
            "",
            ready,
            judge_acpi_smp2,
        ),
        QemuTest {
            qemu_args: &["-device", "edu,addr=05.0", "-device", "edu,addr=1c.0"],
            ..t(
                "acpi-prt",
                "q35's _PRT decoded; edu INTx at slots 5 and 0x1c arrives on the GSIs it names",
                true,
                "test=prt",
                passed,
                judge_acpi_prt,
            )
        },
        t(
            "kernel-pf-0x300",
            "a kernel read at 0x300 gives a report with CR2=0x300",
            true,
            "test=pf300",
            died,
            judge_pf300,
        ),
        t(
            "kernel-stack-overflow",
            "a kernel stack overflow gives a double-fault report",
            true,
            "test=stack-overflow",
            died,
            judge_stack_overflow,
        ),
        t(
            "task-stack-overflow",
            "an overflow of a task's kernel stack hits its guard page and is reported",
            true,
            "test=task-stack-overflow",
            died,
            judge_task_stack_overflow,
        ),
        QemuTest {
            input: Some(("cordon> ", "shutdown\r")),
            ..t(
                "console-shutdown",
                "`shutdown` on the boot console powers off through \\_S5",
                false,
                "",
                Ending::Exit(0),
                judge_shutdown,
            )
        },
        QemuTest {
            input: Some(("serial-irq: type a line", "hello cordon\r")),
            ..t(
                "serial-irq",
                "COM1 input arrives through the IOAPIC",
                true,
                "test=serial-irq",
                passed,
                judge_serial_irq,
            )
        },
        t(
            "generation-retire",
            "a slot whose 16-bit generations are spent is retired, never wrapped",
            true,
            "test=generation-retire",
            passed,
            judge_generation_retire,
        ),
        t(
            "nmi-in-ring0",
            "an NMI arriving while the task table is locked is logged and ignored; no deadlock",
            true,
            "test=nmi",
            passed,
            judge_nmi,
        ),
        t(
            "exception-vector-irq",
            "an external interrupt on exception vector 20 is dropped, not taken for a kernel fault",
            true,
            "test=exception-vector",
            passed,
            judge_exception_vector,
        ),
        t(
            "log-filter",
            "log=warn,kernel=info,mem=info filters by source",
            false,
            "log=warn,kernel=info,mem=info",
            ready,
            judge_log_filter,
        ),
        t(
            "supervisor-boot",
            "the supervisor starts as the first process and starts the default manifest",
            false,
            "",
            Ending::WhenPrinted("task echo started as"),
            judge_supervisor_boot,
        ),
        m(
            "ipc-pingpong",
            "200 call/reply round trips with checked payloads",
            "manifest=ipc-pingpong",
            judge_ipc_pingpong,
        ),
        m(
            "ipc-4k-messages",
            "4096-byte messages and replies; 4097 bytes and short reply buffers refused",
            "manifest=ipc-big",
            judge_ipc_big,
        ),
        m(
            "ipc-grant-64k",
            "a 64 KiB shared-memory grant read and written by the server; revocation",
            "manifest=ipc-grant",
            judge_ipc_grant,
        ),
        m(
            "ipc-malformed",
            "a garbage request is rejected with a typed error; the server keeps serving",
            "manifest=ipc-malformed",
            judge_ipc_malformed,
        ),
        m(
            "ipc-call-dead",
            "calling a task that exited returns Dead with the next generation",
            "manifest=ipc-dead",
            judge_ipc_dead,
        ),
        m(
            "ipc-blocked-woken",
            "a caller blocked on a server that faults is woken with Dead",
            "manifest=ipc-blocked",
            judge_ipc_blocked,
        ),
        m(
            "demo-cr2-0x300",
            "a server faults at CR2=0x300, is restarted; its client reconnects; others never notice",
            "manifest=demo-0x300",
            judge_demo_0x300,
        ),
        m(
            "crashloop-backoff",
            "a service faulting at start is restarted with doubling delays; others stay responsive",
            "manifest=crashloop",
            judge_crashloop,
        ),
        m(
            "sse-preemption",
            "two tasks preempted mid-loop keep all 16 XMM registers",
            "manifest=sse",
            judge_sse,
        ),
        m(
            "supervisor-protocol",
            "Status, FaultReports, Stop, Start, Restart over ipc::supervisor; garbage rejected",
            "manifest=supervisor-protocol",
            judge_supervisor_protocol,
        ),
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,disable-legacy=on",
            ],
            ..m(
                "device-grants",
                "granted ports, a PCI BAR and IRQ 8 drive the RTC and a virtio-blk from ring 3; ungranted access, the HPET, reset and SMI ports refused",
                "manifest=devgrant",
                judge_device_grants,
            )
        },
        m(
            "memory-exhaustion",
            "tasks mapping memory until refused get OutOfMemory; the kernel and other tasks carry on",
            "manifest=memhog",
            judge_memhog,
        ),
        QemuTest {
            iso: true,
            ..m(
                "grub-iso-multiboot2",
                "a GRUB ISO boots the same kernel through its multiboot2 header and runs ring 3",
                "",
                judge_grub_iso,
            )
        },
        QemuTest {
            input: Some(("pci 00:02.0: granted to regrant[3.1]", "lspci\rshutdown\r")),
            qemu_args: PCI_ENUM_DEVICES,
            ..m(
                "pci-enumerate",
                "every PCI function, behind bridges too, is listed at boot and by `lspci` with its owner; a restarted owner is granted its function again",
                "manifest=pcienum",
                judge_pci_enumerate,
            )
        },
        QemuTest {
            qemu_args: PCI_FILTER_DEVICES,
            ..m(
                "pci-config-filter",
                "a PCI function's owner: BAR, MSI-X and command-bit writes refused, MSI-X table unmappable, MSI-X bound; others refused",
                "manifest=pcifilter",
                judge_pci_config_filter,
            )
        },
        QemuTest {
            qemu_args: &[
                "-device",
                "edu,addr=05.0",
                "-device",
                "edu,addr=09.0",
                "-device",
                "edu,addr=0a.0",
                "-device",
                "pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x6",
                "-device",
                "edu,bus=rp1",
                "-device",
                "pci-bridge,id=br1,chassis_nr=2,addr=0x7",
                "-device",
                "edu,bus=br1,addr=0x1",
            ],
            ..m(
                "pci-interrupts",
                "edu INTx on a shared GSI notifies both owners and unmasks only after both acked; INTx behind a root port and a bridge (swizzled); edu MSI",
                "manifest=pciirq",
                judge_pci_interrupts,
            )
        },
        m(
            "ring0-rules",
            "the top user page is never mappable; a refused Unmap revokes no grant; an unentitled service cannot power off or control services; grants are charged to their owner (9 tasks x 32); work per syscall is bounded",
            "manifest=rules",
            judge_rules,
        ),
        m(
            "wx-code",
            "Protect: written code runs as RX; executing RW, writing RX/RO pages fault; W+X refused",
            "manifest=wx",
            judge_wx,
        ),
        m(
            "dma-alloc",
            "DmaAlloc without a PCI grant is PermissionDenied; bad lengths, addresses, cache modes refused",
            "manifest=dma",
            judge_dma_refused,
        ),
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,addr=0x5,disable-legacy=on",
            ],
            ..m(
                "dma-granted",
                "a task holding a PCI function allocates DMA regions; its death frees them after bus mastering is off",
                "manifest=dma-granted",
                judge_dma_granted,
            )
        },
        QemuTest {
            timeout: Duration::from_secs(240),
            ..m(
                "jit-ring3",
                "the JIT's C# test suites in the ring-3 driver host (W^X code pages): all pass, as many as on the host",
                "manifest=jit-ring3",
                judge_jit_ring3,
            )
        },
        m(
            "jit-ring3-fault",
            "a fault in JIT-compiled code in ring 3 kills only the driver host; restarted, it maps the kept assemblies",
            "manifest=jit-ring3-fault",
            judge_jit_ring3_fault,
        ),
        m(
            "jit-fault-ldfld",
            "the seed's ldfld bug by JIT fault injection: the driver host dies at CR2=0x300, the report names method, IL offset and ldfld; restarted without it, the method runs",
            "manifest=jit-fault-ldfld",
            judge_jit_fault_ldfld,
        ),
        QemuTest {
            disks: crate::blkdisk::FAULT_DISKS,
            ..m(
                "jit-fault-ldfld-driver",
                "the seed's ldfld bug on the real C# virtio-blk driver (disk at 00:03.0, its PciAddress read in Start): #PF at CR2=0x300 named at the driver's ldfld; restarted without it, the driver serves (the harness checks the image)",
                "manifest=jit-fault-ldfld-driver",
                judge_jit_fault_ldfld_driver,
            )
        },
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,disable-legacy=on,queue-size=64",
            ],
            ..m(
                "driverhost-exception",
                "mode=drivers: the C# driver's Start throws (queue too small) and nothing catches it: type, message, managed stack trace, exit code 70, restart",
                "manifest=driverhost-exception",
                judge_driverhost_exception,
            )
        },
        m(
            "managed-exception",
            "an uncaught managed exception: type, message, managed stack trace, exit code 70, restart",
            "manifest=managed-exception",
            judge_managed_exception,
        ),
        QemuTest {
            disks: crate::blkdisk::RW_DISKS,
            ..m(
                "blk-native-rw",
                "the native virtio-blk driver reads, writes and flushes a patterned disk (the harness checks the image); bad requests get typed errors",
                "manifest=blk-native",
                crate::blkdisk::judge_rw,
            )
        },
        QemuTest {
            disks: crate::blkdisk::RW_DISKS,
            ..m(
                "driverhost-blk-rw",
                "the C# virtio-blk driver, bound by its [PciDriver] in the driver host, serves the blk-native-rw client work (the harness checks the image)",
                "manifest=driverhost-blk",
                crate::blkdisk::judge_driverhost_rw,
            )
        },
        QemuTest {
            disks: crate::blkdisk::COMPARE_DISKS,
            ..m(
                "managed-vs-native",
                "one boot, two disks: the same seeded 1,200 random reads, writes and flushes through the native and the C# driver; reads agree and the harness finds the images identical",
                "manifest=managed-vs-native",
                crate::blkdisk::judge_compare,
            )
        },
        m(
            "driverhost-nodev",
            "a driver host with no driver for its granted function refuses block I/O with NotReady and reports NoDriver / UnknownDevice on ipc::driverhost; never a hang",
            "manifest=driverhost-nodev",
            judge_driverhost_nodev,
        ),
        QemuTest {
            disks: crate::blkdisk::INTX_DISKS,
            ..m(
                "intx-prt",
                "the same disk I/O with MSI-X off: interrupts through the _PRT-routed, level-triggered IOAPIC line",
                "manifest=blk-native",
                crate::blkdisk::judge_intx,
            )
        },
        QemuTest {
            disks: crate::blkdisk::QUIESCE_DISKS,
            ..m(
                "dma-quiesce",
                "the driver dies with requests in flight: bus mastering off before its DMA is freed; the restarted driver resets the device and serves",
                "manifest=dma-quiesce",
                crate::blkdisk::judge_quiesce,
            )
        },
        m(
            "hostile-syscalls",
            "20,000 random syscalls with hostile pointers; the kernel answers all and keeps serving",
            "manifest=hostile",
            judge_hostile,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOT: &str = "[    0.011904] INFO  kernel: Cordon 0.1.0 booting (PVH), TSC 2304 MHz\n\
        [    0.084603] INFO  mem: memory map (9 regions):\n\
        [    0.084789] INFO  mem:   0x0000000000-0x000009fc00 usable\n\
        [    0.085979] INFO  mem: memory: 255 MiB usable, 246 MiB free\n\
        [    0.132773] INFO  kernel: kernel ready in 132750 us\n";

    #[test]
    fn banner_judge_accepts_a_good_boot_and_rejects_a_fault() {
        assert!(judge_banner(BOOT).is_ok());
        assert!(judge_banner(&format!("{BOOT}!!! KERNEL PANIC: x\n")).is_err());
        assert!(judge_banner(&BOOT.replace("kernel ready", "kernel stalled")).is_err());
    }

    #[test]
    fn timer_judge_reads_the_tick_numbers() {
        let ok =
            "[    0.323069] INFO  selftest: timer ticks advanced 0 -> 20 in 202 ms\ntimer: PASS\n";
        assert!(judge_timer(ok).is_ok());
        let stuck =
            "[    0.323069] INFO  selftest: timer ticks advanced 5 -> 6 in 202 ms\ntimer: PASS\n";
        assert!(judge_timer(stuck).is_err());
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
            "[ 0.2] INFO  user: dma-granted[2.0]: dmaprobe: PASS (granted: zeroed distinct regions, ...)\n\
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
    }

    #[test]
    fn pci_enumerate_judge_wants_every_function_twice_and_nothing_else() {
        let mut log = String::from(
            "[ 0.0] INFO  acpi: MCFG: PCIe ECAM at 0xb0000000, segment 0, buses 0-255\n",
        );
        for l in PCI_ENUM_LINES {
            log.push_str(&format!("[ 0.1] INFO  pci: {l}\n"));
        }
        log.push_str("[ 0.1] INFO  pci: 11 functions\n");
        log.push_str("[ 0.2] INFO  task::device: task e1000drv[2.0] granted Mmio { phys: fe840000, len: 20000 }\n");
        log.push_str("[ 0.2] INFO  task::device: task e1000drv[2.0] granted IoPorts { first: c000, last: c03f }\n");
        log.push_str(
            "[ 0.3] INFO  pci: pci 00:02.0: bus mastering off (owner regrant[3.0] died)\n",
        );
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
}
