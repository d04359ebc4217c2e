//! How things look on the console: pure functions from data to text.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use ipc::supervisor::{FaultRecord, ServiceState, ServiceStatus};
use ipc::{ExitCause, TaskIdWire};

use crate::system::{DirEntry, FsStats, Metadata, PciFunction};

/// `index.generation`, as the kernel log writes task ids.
pub fn task(t: TaskIdWire) -> String {
    format!("{}.{}", t.index(), t.generation())
}

/// The mnemonic of an x86 exception vector.
pub fn vector_name(v: u32) -> &'static str {
    match v {
        0 => "#DE divide error",
        1 => "#DB debug",
        3 => "#BP breakpoint",
        4 => "#OF overflow",
        5 => "#BR bound range",
        6 => "#UD invalid opcode",
        7 => "#NM no FPU",
        8 => "#DF double fault",
        10 => "#TS invalid TSS",
        11 => "#NP segment not present",
        12 => "#SS stack fault",
        13 => "#GP general protection",
        14 => "#PF page fault",
        16 => "#MF x87 error",
        17 => "#AC alignment check",
        18 => "#MC machine check",
        19 => "#XM SIMD error",
        20 => "#VE virtualization",
        21 => "#CP control protection",
        _ => "exception",
    }
}

/// One short phrase for how a task ended.
pub fn exit(cause: &ExitCause) -> String {
    match cause {
        ExitCause::Exited(code) => format!("exited {code}"),
        ExitCause::Killed => String::from("killed"),
        ExitCause::Faulted(f) if f.vector == 14 => format!(
            "{} at RIP={:#x} CR2={:#x}",
            vector_name(f.vector),
            f.rip,
            f.cr2
        ),
        ExitCause::Faulted(f) => format!(
            "{} (vector {}) at RIP={:#x}",
            vector_name(f.vector),
            f.vector,
            f.rip
        ),
    }
}

fn state(s: ServiceState, now_ms: u64) -> String {
    match s {
        ServiceState::Running => String::from("running"),
        ServiceState::WaitingRestart { until_ms } => {
            format!("restart in {} ms", until_ms.saturating_sub(now_ms))
        }
        ServiceState::Held => String::from("held"),
        ServiceState::Stopped => String::from("stopped"),
    }
}

/// `ps`: one row per service.
pub fn ps(services: &[ServiceStatus], now_ms: u64) -> String {
    let mut out = format!(
        "{:<16} {:<18} {:<8} {:>8}  {}\n",
        "SERVICE", "STATE", "TASK", "RESTARTS", "LAST EXIT"
    );
    for s in services {
        out.push_str(&format!(
            "{:<16} {:<18} {:<8} {:>8}  {}\n",
            s.name,
            state(s.state, now_ms),
            s.task.map_or_else(|| String::from("-"), task),
            s.restarts,
            s.last_exit.as_ref().map_or_else(|| String::from("-"), exit)
        ));
    }
    out
}

/// `faults`: the records as the supervisor gave them (newest first).
pub fn faults(records: &[FaultRecord]) -> String {
    if records.is_empty() {
        return String::from("no faults recorded\n");
    }
    let mut out = String::new();
    for r in records {
        let us = r.uptime_us;
        out.push_str(&format!(
            "at {}.{:06} s: {}[{}] {}\n",
            us / 1_000_000,
            us % 1_000_000,
            r.service,
            task(r.task),
            exit(&r.cause)
        ));
        if let ExitCause::Faulted(f) = &r.cause {
            out.push_str(&format!(
                "    error code {:#x}, RSP={:#x}, RFLAGS={:#x}\n",
                f.error_code, f.rsp, f.rflags
            ));
        }
        if let Some(m) = &r.managed {
            out.push_str(&format!("    managed: {m}\n"));
        }
    }
    out
}

/// `ls`: directories first, then files, each sorted by name.
pub fn ls(entries: &[DirEntry]) -> String {
    let mut sorted: Vec<&DirEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| b.dir.cmp(&a.dir).then_with(|| a.name.cmp(&b.name)));
    let mut out = String::new();
    for e in sorted {
        if e.dir {
            out.push_str(&format!("{:>10}  {}/\n", "<dir>", e.name));
        } else {
            out.push_str(&format!("{:>10}  {}\n", e.size, e.name));
        }
    }
    if entries.is_empty() {
        out.push_str("(empty)\n");
    }
    out
}

/// `stat`.
pub fn stat(path: &str, m: &Metadata) -> String {
    let mut out = if m.dir {
        format!("{path}: directory\n")
    } else {
        format!("{path}: file, {} bytes\n", m.size)
    };
    for (k, v) in &m.extra {
        out.push_str(&format!("  {k}: {v}\n"));
    }
    out
}

/// A byte count in KiB with one decimal.
fn kib(bytes: u128) -> String {
    format!("{}.{} KiB", bytes / 1024, bytes % 1024 * 10 / 1024)
}

/// `df`.
pub fn df(s: &FsStats) -> String {
    let total = u128::from(s.unit) * u128::from(s.total_units);
    let free = u128::from(s.unit) * u128::from(s.free_units);
    let used = total.saturating_sub(free);
    // used * 100 can overflow even u128 for absurd geometry (a hostile
    // reply); divide first then.
    let pct = match total {
        0 => 0,
        t if used <= u128::MAX / 100 => used * 100 / t,
        t => used / (t / 100),
    };
    let mut out = format!(
        "{:>14} {:>14} {:>14} {:>5}  {}\n",
        "SIZE", "USED", "FREE", "USE%", "UNIT"
    );
    out.push_str(&format!(
        "{:>14} {:>14} {:>14} {:>4}%  {} bytes",
        kib(total),
        kib(used),
        kib(free),
        pct,
        s.unit
    ));
    if let Some(l) = &s.label {
        out.push_str(&format!("  {l}"));
    }
    out.push('\n');
    out
}

/// The PCI class code's name (the common ones).
pub fn class_name(class: u32) -> &'static str {
    match (class >> 24, (class >> 16) & 0xff) {
        (0x01, 0x00) => "SCSI storage",
        (0x01, 0x01) => "IDE storage",
        (0x01, 0x06) => "SATA storage",
        (0x01, 0x08) => "NVMe storage",
        (0x01, _) => "mass storage",
        (0x02, _) => "network",
        (0x03, _) => "display",
        (0x06, 0x00) => "host bridge",
        (0x06, 0x01) => "ISA bridge",
        (0x06, 0x04) => "PCI bridge",
        (0x06, _) => "bridge",
        (0x0c, 0x03) => "USB",
        (0x0c, 0x05) => "SMBus",
        (0x0c, _) => "serial bus",
        (0x00, _) => "unclassified",
        (0xff, _) => "other",
        _ => "device",
    }
}

/// `lspci`; `owner_name` names the service running as a task, if any.
pub fn lspci(
    functions: &[PciFunction],
    owner_name: impl Fn(TaskIdWire) -> Option<String>,
) -> String {
    let mut out = String::new();
    for f in functions {
        out.push_str(&format!(
            "{:02x}:{:02x}.{} {:04x}:{:04x} {:02x}{:02x} {}",
            f.bdf >> 8,
            (f.bdf >> 3) & 0x1f,
            f.bdf & 7,
            f.vendor,
            f.device,
            f.class >> 24,
            (f.class >> 16) & 0xff,
            class_name(f.class)
        ));
        if let Some(t) = f.owner {
            match owner_name(t) {
                Some(n) => out.push_str(&format!(", owner {n}[{}]", task(t))),
                None => out.push_str(&format!(", owner task {}", task(t))),
            }
        }
        out.push('\n');
    }
    if functions.is_empty() {
        out.push_str("no PCI functions\n");
    }
    out
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
