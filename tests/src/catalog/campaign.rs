//! The short fault-injection campaign as a QEMU test (`campaign-short`):
//! the mechanism of `cargo xtask campaign` (docs/campaign.md) with 27
//! injections, three of each kind, in one boot. The judge reads the log
//! (`crate::campaign`); the disk check runs `fsck.fat -n` and checks every
//! acknowledged write, byte for byte, on the image
//! (`campaign::check_image_records`): a single lost or corrupted one fails
//! the test.

use super::QemuTest;
use crate::campaign::{self, Outcome, Workload};
use crate::disk::Disk;
use crate::fatdisk::fsck_clean;
use crate::judge::kernel_survived;
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

/// The workload and the number of acknowledged writes the judge read from
/// the log, for the disk check after it (a `Judge` sees the log, a check
/// the image).
static ACKED: Mutex<Option<(Workload, u64)>> = Mutex::new(None);

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
    if let Some((_, _, line)) = b.corrupt.first() {
        return Err(format!("a read-back differs: {line}"));
    }
    let acknowledged = b.acknowledged();
    if acknowledged < FAULTS as u64 {
        return Err(format!("only {acknowledged} writes acknowledged"));
    }
    let w = b
        .workload
        .ok_or("no `campaign: controller:` line with the workload")?;
    *ACKED.lock().map_err(|_| "poisoned")? = Some((w, acknowledged));
    Ok(())
}

fn check_campaign(img: &Path) -> Result<(), String> {
    fsck_clean(img)?;
    let Some((w, acknowledged)) = *ACKED.lock().map_err(|_| "poisoned")? else {
        return Err("no acknowledged writes to check".into());
    };
    let c = campaign::check_image_records(img, w, acknowledged);
    if !c.lost.is_empty() || !c.stray.is_empty() {
        return Err(campaign::describe(&c, acknowledged).join("\n"));
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
            "the fault-injection campaign, short: 27 injections into the driver host (3 of each of the 9 kinds) under a checksummed file workload through fs → blk → the driver host; each ends in a death and a recovery or a documented no effect; no kernel death, no hang, fsck.fat -n clean and every acknowledged write (each append of a record the host recomputes from the seed) byte for byte on the image",
            "manifest=campaign log=warn,user=info inject=driverhost driverhost.campaign=1 driverhost.count=27 driverhost.first=0 campaign.faults=27 campaign.seed=1",
            judge_campaign,
        )
    }]
}
