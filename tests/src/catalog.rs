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
        c
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
    };
    let passed = Ending::Exit(qemu_status(TEST_PASSED));
    let died = Ending::Exit(qemu_status(KERNEL_DIED));
    let ready = Ending::WhenPrinted("kernel ready in ");
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
            "log-filter",
            "log=warn,kernel=info,mem=info filters by source",
            false,
            "log=warn,kernel=info,mem=info",
            ready,
            judge_log_filter,
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
    fn pf_judge_needs_the_exact_cr2() {
        let report = "!!! KERNEL FAULT: #PF Page Fault (vector 14)\n    error 0x0: page not present, read, kernel mode\n    RIP=0xffffffff8022c158 CS=0x8\n    CR2=0x300\n    backtrace: 0x1\n";
        assert!(judge_pf300(report).is_ok());
        assert!(judge_pf300(&report.replace("CR2=0x300", "CR2=0x3000")).is_err());
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
