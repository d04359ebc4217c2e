//! The end-to-end demos (`cargo xtask demo NAME`, docs/demos.md): the disk
//! with the file `democopy` copies, the check of the copy on the image after
//! QEMU exits, and each demo's judge.
//!
//! The file (`services/demo/src/bin/democopy.rs`): a header sector
//! (`CORDONF1`, length in bytes, FNV-1a 64 of the data) and the data, at
//! [`SRC`]; the copy goes to [`DST`].

use crate::disk::Disk;
use std::path::Path;

/// Disk size in sectors (16 MiB).
pub const BLOCKS: u64 = 32768;
pub const SRC: u64 = 2048;
pub const DST: u64 = 8192;
/// The file's length: 1.5 MiB.
pub const FILE_BYTES: u64 = 3 * 512 * 1024;
const MAGIC: &[u8; 8] = b"CORDONF1";

pub fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The file's data: xorshift64 bytes, the same for every run.
pub fn file_data() -> Vec<u8> {
    let mut x: u64 = 0x0c0f_fee0_dead_beef;
    (0..FILE_BYTES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn header(len: u64, sum: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..8].copy_from_slice(MAGIC);
    h[8..16].copy_from_slice(&len.to_le_bytes());
    h[16..24].copy_from_slice(&sum.to_le_bytes());
    h
}

/// The image as the harness makes it: zeros, and the file at [`SRC`].
fn original() -> Vec<u8> {
    let data = file_data();
    let mut img = vec![0u8; (BLOCKS * 512) as usize];
    let at = (SRC * 512) as usize;
    img[at..at + 512].copy_from_slice(&header(FILE_BYTES, fnv1a(&data)));
    img[at + 512..at + 512 + data.len()].copy_from_slice(&data);
    img
}

fn make(path: &Path) -> Result<(), String> {
    std::fs::write(path, original()).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The copy is at [`DST`] with a header whose checksum is the data's and
/// the source's, and nothing else on the disk changed.
pub fn check_copy_in(img: &[u8]) -> Result<(), String> {
    let want = original();
    if img.len() != want.len() {
        return Err(format!("image is {} bytes, want {}", img.len(), want.len()));
    }
    let data = file_data();
    let sum = fnv1a(&data);
    let at = (DST * 512) as usize;
    let end = at + 512 + data.len();
    if img[at..at + 512] != header(FILE_BYTES, sum) {
        return Err(format!(
            "no valid header at LBA {DST}: the copy was not committed"
        ));
    }
    let got = fnv1a(&img[at + 512..end]);
    if got != sum {
        return Err(format!(
            "the copy's checksum is {got:#018x}, the file's {sum:#018x}"
        ));
    }
    let outside = |i: &usize| !(at..end).contains(i);
    if let Some(i) = (0..img.len()).filter(outside).find(|&i| img[i] != want[i]) {
        return Err(format!(
            "byte {i} (sector {}) changed outside the copy",
            i / 512
        ));
    }
    Ok(())
}

fn check_copy(path: &Path) -> Result<(), String> {
    let img = std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    check_copy_in(&img)
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

fn need(s: &str, what: &str) -> Result<(), String> {
    if s.contains(what) {
        Ok(())
    } else {
        Err(format!("serial output lacks {what:?}"))
    }
}

/// What every demo ends with: the copy passed its checksum in the guest,
/// no other task faulted, the kernel lived.
fn copied(s: &str) -> Result<(), String> {
    need(
        s,
        "democopy: copying a 1536 KiB file from LBA 2048 to LBA 8192",
    )?;
    need(s, "democopy: PASS (copied 1536 KiB in ")?;
    need(s, "through the block service")?;
    need(s, "restarted driverhost as 2.1")?;
    if s.contains("FAIL") {
        return Err("serial output contains FAIL".into());
    }
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
    let line = s
        .lines()
        .find(|l| l.contains("driverhost[2.0] faulted (vector 14, RIP="))
        .ok_or("no supervisor line for driverhost[2.0]'s fault")?;
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
    let line = s
        .lines()
        .find(|l| l.contains("driverhost[2.0] faulted (vector 14, RIP="))
        .ok_or("no supervisor line for driverhost[2.0]'s fault")?;
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

    /// The check fails on an image without the copy, with a damaged copy,
    /// and with damage elsewhere; passes on a correct one.
    #[test]
    fn the_copy_check_can_fail() {
        let mut img = original();
        assert!(check_copy_in(&img).is_err(), "no copy yet");
        let data = file_data();
        let at = (DST * 512) as usize;
        img[at..at + 512].copy_from_slice(&header(FILE_BYTES, fnv1a(&data)));
        img[at + 512..at + 512 + data.len()].copy_from_slice(&data);
        assert_eq!(check_copy_in(&img), Ok(()));
        let mut bad = img.clone();
        bad[at + 512 + 4096] ^= 1;
        assert!(check_copy_in(&bad).is_err(), "a flipped bit in the copy");
        let mut bad = img.clone();
        bad[7] ^= 1;
        assert!(check_copy_in(&bad).is_err(), "damage outside the copy");
    }

    #[test]
    fn stamps_are_the_kernel_logs_not_task_ids() {
        assert_eq!(stamp("[   12.345678] INFO  user: x"), Some(12.345678));
        assert_eq!(stamp("cordon> [    4.286790] INFO  user: y"), Some(4.28679));
        assert_eq!(stamp("!!! TASK FAULT in driverhost[2.0]: #PF"), None);
        assert_eq!(stamp("    error 0x7: protection violation"), None);
    }
}
