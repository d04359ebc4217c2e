//! The short fault-injection campaign as a QEMU test (`campaign-short`):
//! the mechanism of `cargo xtask campaign` (docs/campaign.md) with 27
//! injections, three of each kind, in one boot. The judge reads the log
//! (`crate::campaign`); the disk check runs `fsck.fat -n` and compares the
//! last acknowledged contents of every file with the image.

use super::QemuTest;
use crate::campaign::{self, Outcome};
use crate::disk::Disk;
use crate::fatdisk::{fnv1a64, fsck_clean, mread};
use crate::judge::kernel_survived;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

pub const FAULTS: usize = 27;
const KINDS: [&str; 9] = [
    "ldfld",
    "bitflip",
    "register",
    "wild-store",
    "hang",
    "stack-overflow",
    "oom",
    "exception",
    "il-mutation",
];

/// The acknowledged writes the judge read from the log, for the disk
/// check after it (a `Judge` sees the log, a check the image): path →
/// (write number, length, FNV-1a).
static ACKED: Mutex<BTreeMap<String, (u64, usize, u64)>> = Mutex::new(BTreeMap::new());

pub fn judge_campaign(s: &str) -> Result<(), String> {
    kernel_survived(s)?;
    let b = campaign::parse(s);
    if !b.done {
        return Err("the controller did not finish (no `campaign: done:`)".into());
    }
    if b.injections.len() != FAULTS {
        return Err(format!(
            "{} injections in the log, {FAULTS} expected",
            b.injections.len()
        ));
    }
    for k in KINDS {
        if !b.injections.iter().any(|i| i.kind == k) {
            return Err(format!("no {k} injection"));
        }
    }
    for i in &b.injections {
        match i.outcome {
            Some(Outcome::Recovered | Outcome::NoEffect) => {}
            other => {
                return Err(format!(
                    "injection #{} ({}, {}) ended {:?}",
                    i.index, i.kind, i.place, other
                ));
            }
        }
    }
    // These always kill the driver host: the death and the recovery must show.
    for k in ["ldfld", "hang", "stack-overflow", "oom", "exception"] {
        if let Some(i) = b
            .injections
            .iter()
            .find(|i| i.kind == k && i.outcome != Some(Outcome::Recovered))
        {
            return Err(format!(
                "#{} {k} did not end in a death and a recovery",
                i.index
            ));
        }
    }
    if let Some((_, line)) = b.corrupt.first() {
        return Err(format!("a read-back differs: {line}"));
    }
    if b.acks.len() < FAULTS {
        return Err(format!("only {} writes acknowledged", b.acks.len()));
    }
    let mut acked = ACKED.lock().map_err(|_| "poisoned")?;
    acked.clear();
    for a in b.acks {
        acked.insert(a.path, (a.number, a.len, a.fnv));
    }
    Ok(())
}

fn check_campaign(img: &Path) -> Result<(), String> {
    fsck_clean(img)?;
    let acked = ACKED.lock().map_err(|_| "poisoned")?;
    if acked.is_empty() {
        return Err("no acknowledged writes to check".into());
    }
    for (path, &(n, len, fnv)) in acked.iter() {
        let d = mread(img, path)?;
        if d.len() != len || fnv1a64(&d) != fnv {
            return Err(format!(
                "{path}: acknowledged write #{n} was {len} bytes fnv {fnv:#018x}; the image has {} bytes fnv {:#018x}",
                d.len(),
                fnv1a64(&d)
            ));
        }
    }
    Ok(())
}

fn make(path: &Path) -> Result<(), String> {
    image::datadisk::create(path).map_err(|e| e.to_string())
}

const DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make,
    check: Some(check_campaign),
}];

pub fn tests(
    m: impl Fn(&'static str, &'static str, &'static str, super::Judge) -> QemuTest,
) -> Vec<QemuTest> {
    vec![QemuTest {
        disks: DISKS,
        timeout: std::time::Duration::from_secs(420),
        ..m(
            "campaign-short",
            "the fault-injection campaign, short: 27 injections into the driver host (3 of each of the 9 kinds) under a checksummed file workload through fs → blk → the driver host; each ends in a death and a recovery or a documented no effect; no kernel death, no hang, fsck.fat -n clean and every acknowledged write on the image",
            "manifest=campaign log=warn,user=info inject=driverhost driverhost.campaign=1 driverhost.count=27 driverhost.first=0 campaign.faults=27 campaign.seed=1",
            judge_campaign,
        )
    }]
}
