//! The end-to-end demos (`cargo xtask demo NAME`, docs/demos.md): the disk
//! with the file `democopy` copies, the check of the copy on the image after
//! QEMU exits, and each demo's judge.
//!
//! The disk is the data disk (`image::datadisk`, FAT32): `democopy`
//! (`services/demo/src/bin/democopy.rs`) copies its `/BIG.BIN` (1.5 MiB,
//! a known checksum) to [`COPY_PATH`] through the FAT service; after QEMU
//! exits the harness reads the copy with mtools and runs `fsck.fat -n`.

use crate::disk::Disk;
use crate::fatdisk::{fnv1a64, fsck_clean, make_data_disk as make, mread};
use crate::judge::{first_driverhost_fault as fault_line, need, refuse};
use image::datadisk;
use std::path::Path;

/// Where `democopy` puts the copy.
pub const COPY_PATH: &str = "/COPY.BIN";

/// `bytes` hold `/BIG.BIN`'s content: its length and checksum.
pub(crate) fn is_big(what: &str, bytes: &[u8]) -> Result<(), String> {
    let (len, sum) = (bytes.len(), fnv1a64(bytes));
    if len != datadisk::BIG_LEN || sum != datadisk::big_checksum() {
        return Err(format!(
            "{what}: {len} bytes, checksum {sum:#018x}; /BIG.BIN is {} bytes, {:#018x}",
            datadisk::BIG_LEN,
            datadisk::big_checksum()
        ));
    }
    Ok(())
}

/// After the boot: `fsck.fat -n` is silent, the copy (read with mtools)
/// has `/BIG.BIN`'s length and checksum, and `/BIG.BIN` is unchanged.
pub fn check_copy(path: &Path) -> Result<(), String> {
    fsck_clean(path)?;
    is_big(COPY_PATH, &mread(path, COPY_PATH)?)?;
    is_big("/BIG.BIN", &mread(path, "/BIG.BIN")?)
}

/// The demos' disk (at 00:04.0 unless the demo needs another address).
pub const DEMO_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "addr=0x4,disable-legacy=on,serial=cordon-demo",
    make,
    check: Some(check_copy),
}];

/// `jit-ldfld`'s disk: at 00:03.0, whose address bytes are the seed's 0x300.
pub const LDFLD_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "addr=0x3,disable-legacy=on,serial=cordon-demo",
    make,
    check: Some(check_copy),
}];

/// What every demo ends with: the copy passed its checksum in the guest,
/// no other task faulted, the kernel lived.
fn copied(s: &str) -> Result<(), String> {
    need(
        s,
        "democopy: copying a 1536 KiB file /BIG.BIN to /COPY.BIN (fs -> blk -> driverhost)",
    )?;
    need(s, "democopy: PASS (copied 1536 KiB in ")?;
    need(
        s,
        &format!(
            "/COPY.BIN reads back with checksum {:#018x} = /BIG.BIN's; through fs, blk and driverhost",
            datadisk::big_checksum()
        ),
    )?;
    need(s, "restarted driverhost as 2.1")?;
    refuse(s, "FAIL")?;
    if s.contains("TASK FAULT in democopy") || s.contains("!!! KERNEL") {
        return Err("something other than the driver host died".into());
    }
    Ok(())
}

/// The injection fired mid-copy: its line comes after the copy started.
fn mid_copy(s: &str, said: &str) -> Result<(), String> {
    let start = s
        .find("democopy: copying a ")
        .ok_or("the copy never started")?;
    let fault = s
        .find(&format!("fault injection: {said} after 20 requests ("))
        .ok_or(format!("no {said} injection line"))?;
    if fault < start {
        return Err("the fault happened before the copy started".into());
    }
    // The block service saw the death with the copy's request in flight
    // and replayed it to the next generation.
    // (A death, or — the hang — its watchdog giving up on the call.)
    let died = s
        .find("blk: driverhost [2.0] died with ")
        .or_else(|| s.find("blk: watchdog: driverhost [2.0] did not answer within "))
        .ok_or("the block service did not see the driver host die or hang")?;
    if died < fault {
        return Err("the block service saw a death before the fault".into());
    }
    let replay = s
        .find("blk: attached to driverhost [2.1]: replaying ")
        .ok_or("the block service did not replay to the next generation")?;
    if replay < died {
        return Err("replay before the death".into());
    }
    if s.contains("blk: attached to driverhost [2.1]: replaying 0 requests") {
        return Err("nothing was in flight when the driver host died".into());
    }
    Ok(())
}

pub fn judge_jit_ldfld(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: JIT fault injection on: ldfld-struct",
    )?;
    let line = fault_line(s)?;
    if !line.contains("CR2=0x300) in Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start at IL_")
        || !line.contains(" (ldfld)")
    {
        return Err(format!(
            "the report does not name Start's ldfld at 0x300: {line:?}"
        ));
    }
    copied(s)
}

pub fn judge_driver_hang(s: &str) -> Result<(), String> {
    mid_copy(s, "hang")?;
    let hang = s.find("fault injection: hang after").unwrap_or(0);
    let watch = s
        .find("blk: watchdog: driverhost [2.0] did not answer within 3000 ms")
        .ok_or("the block service's watchdog never saw the stall")?;
    if watch < hang {
        return Err("the watchdog fired before the hang".into());
    }
    if s.contains("!!! TASK FAULT") {
        return Err("a task faulted; a hang is not a fault".into());
    }
    copied(s)
}

pub fn judge_wild_store(s: &str) -> Result<(), String> {
    mid_copy(s, "wild store")?;
    let line = fault_line(s)?;
    if !line.contains(") in Cordon.Ddk.FaultInjection::Store at IL_") {
        return Err(format!("the report does not name the store: {line:?}"));
    }
    need(s, "protection violation, write, user mode")?;
    copied(s)
}

pub fn judge_oom(s: &str) -> Result<(), String> {
    mid_copy(s, "out of memory")?;
    need(
        s,
        "driverhost[2.0]: driverhost: unhandled exception System.OutOfMemoryException",
    )?;
    need(s, "driverhost[2.0] exited with code 70;")?;
    if s.contains("!!! TASK FAULT") {
        return Err("a task faulted; running out of memory is an exception".into());
    }
    copied(s)
}

/// How soon after the supervisor holds the driver host a waiting client
/// must have the typed error (it polls every 50 ms).
pub const UNAVAILABLE_BOUND_MS: f64 = 1000.0;

/// The kernel log's timestamp of a line, `[   12.345678] ...`, in seconds
/// (after anything the console printed on the same line first, such as the
/// boot console's `cordon> ` prompt).
pub fn stamp(line: &str) -> Option<f64> {
    let inside = line.get(line.find('[')? + 1..)?.split(']').next()?.trim();
    // `seconds.micros`, six digits after the point: not a task's `[2.0]`.
    let (_, micros) = inside.split_once('.')?;
    if micros.len() != 6 {
        return None;
    }
    inside.parse().ok()
}

/// `crash-loop`: four generations fault in Start (backoff 50, 100, 200 ms,
/// then held); the client gets the typed Unavailable within its bound; the
/// operator's restart starts generation 2.4 without the fault; the copy
/// completes.
pub fn judge_crash_loop(s: &str) -> Result<(), String> {
    let mut held = String::new();
    for g in 0..4u32 {
        let line = s
            .lines()
            .find(|l| l.contains(&format!("driverhost[2.{g}] faulted (vector 14, RIP=")))
            .ok_or(format!("driverhost[2.{g}] did not fault"))?;
        if !line.contains(") in Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start at IL_") {
            return Err(format!("generation {g} faulted elsewhere: {line:?}"));
        }
        let then = if g < 3 {
            format!("restarting in {} ms", 50 << g)
        } else {
            "held after 4 quick deaths in a row".to_string()
        };
        if !line.contains(&then) {
            return Err(format!("generation {g}: want {then:?}: {line:?}"));
        }
        held = line.to_string();
    }
    let typed = s
        .lines()
        .find(|l| {
            l.contains("democopy: the copy failed with the typed error: device unavailable (")
        })
        .ok_or("the client did not get the typed Unavailable error")?;
    need(
        s,
        "democopy: clearing the fault: asking the supervisor to restart driverhost",
    )?;
    need(s, "restarted driverhost as 2.4")?;
    if s.lines()
        .any(|l| l.contains("driverhost[2.4]") && l.contains("fault injection on"))
    {
        return Err("the operator's restart still had the fault".into());
    }
    if s.contains("driverhost[2.4] faulted") {
        return Err("the cleared driver host faulted".into());
    }
    let held_at = stamp(&held).ok_or("no timestamp on the hold line")?;
    let typed_at = stamp(typed).ok_or("no timestamp on the typed error")?;
    let ms = (typed_at - held_at) * 1000.0;
    if !(0.0..=UNAVAILABLE_BOUND_MS).contains(&ms) {
        return Err(format!(
            "the typed error came {ms:.0} ms after the hold; the bound is {UNAVAILABLE_BOUND_MS} ms"
        ));
    }
    need(s, "blk: driverhost unavailable (")?;
    need(s, "democopy: PASS (copied 1536 KiB in ")?;
    if s.contains("FAIL") || s.contains("!!! KERNEL") || s.contains("TASK FAULT in democopy") {
        return Err("a failure besides the driver host's faults".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check fails on the fresh disk (no copy), on a damaged copy and
    /// on an image fsck.fat finds unclean; passes on a right copy.
    #[test]
    fn the_copy_check_can_fail() {
        let dir = std::env::temp_dir();
        let p = dir.join(format!("cordon-demo-check-{}.img", std::process::id()));
        let _ = std::fs::remove_file(&p);
        make(&p).unwrap();
        assert!(check_copy(&p).is_err(), "no copy yet");
        let put = |data: &[u8]| {
            let host = p.with_extension("copy.tmp");
            std::fs::write(&host, data).unwrap();
            let ok = std::process::Command::new("mcopy")
                .env("MTOOLS_SKIP_CHECK", "1")
                .args(["-o", "-i"])
                .arg(&p)
                .arg(&host)
                .arg(format!("::{COPY_PATH}"))
                .status()
                .unwrap()
                .success();
            assert!(ok, "mcopy");
            let _ = std::fs::remove_file(&host);
        };
        let big = mread(&p, "/BIG.BIN").unwrap();
        put(&big);
        assert_eq!(check_copy(&p), Ok(()));
        let mut bad = big.clone();
        bad[4096] ^= 1;
        put(&bad);
        assert!(check_copy(&p).is_err(), "a flipped bit in the copy");
        put(&big);
        assert_eq!(check_copy(&p), Ok(()));
        // The volume's dirty bit (FAT32: byte 0x41 of the boot sector's
        // BPB, bit 0): fsck.fat reports it.
        let mut img = std::fs::read(&p).unwrap();
        img[0x41] |= 1;
        std::fs::write(&p, &img).unwrap();
        assert!(check_copy(&p).is_err(), "a dirty volume");
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn stamps_are_the_kernel_logs_not_task_ids() {
        assert_eq!(stamp("[   12.345678] INFO  user: x"), Some(12.345678));
        assert_eq!(stamp("cordon> [    4.286790] INFO  user: y"), Some(4.28679));
        assert_eq!(stamp("!!! TASK FAULT in driverhost[2.0]: #PF"), None);
        assert_eq!(stamp("    error 0x7: protection violation"), None);
    }
}
