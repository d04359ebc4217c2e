//! `bench boot`'s breakdown of boot → the user shell ready with the driver
//! host serving (the default manifest on the data disk) into phases, each
//! ended by a line of the kernel log, so that what is not the driver
//! host's JIT compile can be seen and cut (docs/demos.md, "Boot time").
//!
//! Every phase is the time from the line that ends the one before it to
//! the first line that ends it. The services start one after another on
//! the one CPU that runs everything, so the phases after the driver host's
//! start overlap with blk, fs and the shell starting: the driver host's
//! "files and assemblies" phase pays for them.

/// (phase name, the text of the log line that ends it), in boot order.
pub const PHASES: [(&str, &str); 15] = [
    ("kernel: to the banner (TSC calibration)", "kernel: Cordon "),
    (
        "kernel: memory (frames, page tables, heap)",
        "mem: memory map ",
    ),
    ("kernel: initrd and its listing", "acpi: ACPI revision "),
    ("kernel: ACPI tables, AML (_PIC, _PRT)", "apic: IOAPIC "),
    ("kernel: LAPIC timer calibration", "apic: LAPIC timer: "),
    ("kernel: PCI enumeration, rest", "kernel: kernel ready in "),
    ("supervisor spawned", "task supervisor started as "),
    (
        "supervisor: reads the manifest",
        "supervisor[1.0]: manifest ",
    ),
    ("driver host spawned", "task driverhost started as "),
    ("blk, fs, shell spawned", "task shell started as "),
    (
        "driver host: files, assemblies, bind",
        "driverhost: binding ",
    ),
    (
        "driver host: JIT compile (DDK + driver)",
        "driverhost: starting the driver ",
    ),
    (
        "driver host: driver Start, device reset",
        "driverhost: serving ",
    ),
    ("blk attached", "blk: serving "),
    ("fs mounted (first I/O)", "fs: serving "),
];

/// The kernel log's time (ms) of the first line containing `what`.
fn at(log: &str, what: &str) -> Option<f64> {
    log.lines()
        .find(|l| l.contains(what))
        .and_then(cordon_tests::demos::stamp)
        .map(|s| s * 1e3)
}

/// Each phase's duration in ms, from one boot's log; `None` if a line is
/// missing.
pub fn durations(log: &str) -> Option<Vec<f64>> {
    let mut last = 0.0;
    PHASES
        .iter()
        .map(|(_, line)| {
            let t = at(log, line)?;
            let d = t - last;
            last = t;
            Some(d)
        })
        .collect()
}

/// Prints the per-phase medians of `boots` (each from [`durations`]).
pub fn print(boots: &[Vec<f64>], unit: &str) {
    println!(
        "boot → shell ready by phase, median of {} boots ({unit}):",
        boots.len()
    );
    let mut total = 0.0;
    for (i, (name, _)) in PHASES.iter().enumerate() {
        let mut v: Vec<f64> = boots.iter().filter_map(|b| b.get(i).copied()).collect();
        v.sort_by(f64::total_cmp);
        let m = v.get(v.len() / 2).copied().unwrap_or(0.0);
        total += m;
        println!("  {name:<44} {m:>8.1}");
    }
    println!("  {:<44} {total:>8.1}", "sum of the medians");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_are_the_gaps_between_their_lines() {
        let log: String = PHASES
            .iter()
            .enumerate()
            .map(|(i, (_, line))| format!("[    0.{:03}000] INFO  x: {line}\n", 10 * (i + 1)))
            .collect();
        let d = durations(&log).unwrap();
        assert_eq!(d.len(), PHASES.len());
        assert!(d.iter().all(|&x| (x - 10.0).abs() < 1e-6), "{d:?}");
        let cut = log.replace("blk: serving ", "blk: waiting ");
        assert!(durations(&cut).is_none());
    }
}
