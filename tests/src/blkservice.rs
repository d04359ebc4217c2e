//! The block service's QEMU tests (`services/blk`): the disks, what they
//! must hold after QEMU exits, and the judges of the serial log. The
//! clients are `blkclient` (`services/demo/src/bin/blkclient.rs`).

use crate::blkdisk::{SEED_NEW, SEED_OLD, check_image, check_seeds, make, read_image};
use crate::disk::Disk;
use crate::judge::{count_lines as count, need, no_fail, refuse};
use std::path::Path;

/// `blkclient mode=writer`'s plan (the same constants there): round `r`
/// writes `RUN` sectors of `SEED_ROUND + r` at `run_lba(r)`; the round
/// count is in the header sector `REGION - 1` after `BLKRPLAY`.
const REGION: u64 = 2048;
const RUN: u64 = 16;
const RUNS: u64 = 64;
const SEED_ROUND: u64 = 0x5eed_1000;
const MAGIC: &[u8; 8] = b"BLKRPLAY";

fn run_lba(r: u64) -> u64 {
    REGION + (r * 7 % RUNS) * RUN
}

/// `blkclient mode=rw`'s writes (those of `blktest`), nothing else.
fn check_rw(path: &Path) -> Result<(), String> {
    check_image(path, true)
}

/// The writer's plan for the round count its header names, nothing else.
fn check_writer(path: &Path) -> Result<(), String> {
    let data = read_image(path)?;
    let at = ((REGION - 1) * 512) as usize;
    let header = &data[at..at + 512];
    if &header[..8] != MAGIC {
        return Err("no writer header (BLKRPLAY) at sector 2047: the writer did not finish".into());
    }
    let rounds = u64::from_le_bytes(header[8..16].try_into().map_err(|_| "header")?);
    if header[16..].iter().any(|&b| b != 0) {
        return Err("the writer header's tail is not zero".into());
    }
    // The last round that wrote each run.
    let mut last = vec![None; RUNS as usize];
    for r in 0..rounds {
        last[((run_lba(r) - REGION) / RUN) as usize] = Some(r);
    }
    let seed_of = |lba: u64| {
        if (REGION..REGION + RUNS * RUN).contains(&lba) {
            last[((lba - REGION) / RUN) as usize].map_or(SEED_OLD, |r| SEED_ROUND + r)
        } else {
            SEED_OLD
        }
    };
    check_seeds(&data, seed_of, Some(REGION - 1))
        .map_err(|e| format!("after {rounds} writer rounds: {e}"))
}

/// `blk-unavailable`: only sector 101 (written after the restart) is new;
/// the write answered `Unavailable` (sector 100) never reached the disk.
fn check_unavailable(path: &Path) -> Result<(), String> {
    let data = read_image(path)?;
    check_seeds(
        &data,
        |lba| if lba == 101 { SEED_NEW } else { SEED_OLD },
        None,
    )
}

/// `blk-service-rw`: d0 behind the driver host, d1 behind the native driver.
pub const RW_DISKS: &[Disk] = &[
    Disk {
        id: "d0",
        device: "addr=0x4,disable-legacy=on",
        make,
        check: Some(check_rw),
    },
    Disk {
        id: "d1",
        device: "addr=0x5,disable-legacy=on",
        make,
        check: Some(check_rw),
    },
];

/// `blk-replay` and `blk-watchdog`: the writer's disk.
pub const WRITER_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make,
    check: Some(check_writer),
}];

pub const UNAVAILABLE_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make,
    check: Some(check_unavailable),
}];

/// No failure, no kernel death, no task panic.
fn common(s: &str) -> Result<(), String> {
    no_fail(s)?;
    refuse(s, "panic:")
}

pub fn judge_rw(s: &str) -> Result<(), String> {
    need(s, "blk: serving 16384 blocks of 512 B through driverhost ")?;
    need(s, "blk: serving 16384 blocks of 512 B through virtio-blk ")?;
    need(s, "driverhost: serving ")?;
    need(s, "virtio-blk: serving ")?;
    let rw = "blkclient: PASS (16384 blocks; 32 spread reads, 64 KiB read, writes + flush, read-back, 7 bad requests refused with typed errors, still serving)";
    if count(s, rw) != 2 {
        return Err(format!(
            "expected two rw clients to pass, saw {}",
            count(s, rw)
        ));
    }
    need(
        s,
        "]: blkclient: PASS (reader: 200 checked 4 KiB reads beside the writer)",
    )?;
    // A client revoking its grants mid-request: answered, never a fault.
    need(s, "]: blkclient: PASS (revoker: ")?;
    if s.contains(" 0 given up and revoked") {
        return Err("the revoker never gave up on a request".into());
    }
    if s.contains("!!! TASK FAULT") {
        return Err("a task faulted".into());
    }
    common(s)
}

/// The writer's PASS line; its round count.
fn writer_rounds(s: &str) -> Result<u64, String> {
    let line = s
        .lines()
        .find(|l| l.contains("blkclient: PASS (writer: "))
        .ok_or("the writer did not pass")?;
    line.split("writer: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| format!("no round count in {line:?}"))
}

pub fn judge_replay(s: &str) -> Result<(), String> {
    need(s, "blk: serving 16384 blocks of 512 B through driverhost ")?;
    need(s, "blkclient: PASS (restarter: 3 restarts of driverhost)")?;
    need(s, "]: blkclient: PASS (reader: ")?;
    writer_rounds(s)?;
    // Each restart was noticed and the service attached to the next
    // generation; at least one took requests in flight with it, which
    // were replayed.
    let attached = count(s, "blk: attached to driverhost ");
    if attached < 3 {
        return Err(format!(
            "the block service re-attached {attached} times, expected 3"
        ));
    }
    let died = s
        .lines()
        .filter(|l| l.contains("blk: driverhost ") && l.contains(" died with "))
        .filter(|l| !l.contains(" died with 0 requests"))
        .count();
    if died == 0 {
        return Err("no restart hit requests in flight: nothing was replayed".into());
    }
    // While the driver host was away the queue (queue=1) filled and the
    // service stopped receiving: push-back, not a refusal.
    let full = count(s, "blk: queue full (queue=1) while driverhost is away");
    if full < 3 {
        return Err(format!(
            "the queue filled {full} times, expected once per restart"
        ));
    }
    common(s)
}

pub fn judge_replay_native(s: &str) -> Result<(), String> {
    need(s, "virtio-blk: dying on purpose with ")?;
    need(s, "blk: virtio-blk [2.0] died with ")?;
    need(s, "blk: attached to virtio-blk [2.1]: replaying ")?;
    need(s, "blk: replayed ")?;
    let rounds = writer_rounds(s)?;
    if rounds < 40 {
        return Err(format!("the writer did {rounds} rounds, expected 40"));
    }
    common(s)
}

pub fn judge_watchdog(s: &str) -> Result<(), String> {
    need(s, "fakedisk: hanging on purpose with a batch of ")?;
    need(s, "blk: watchdog: fakedisk ")?;
    need(s, " did not answer within 1000 ms (")?;
    need(s, "blk: attached to fakedisk ")?;
    writer_done_after_restart(s)
}

/// The writer finished its 40 rounds and the watchdog's restart was not
/// refused.
fn writer_done_after_restart(s: &str) -> Result<(), String> {
    let rounds = writer_rounds(s)?;
    if rounds < 40 {
        return Err(format!("the writer did {rounds} rounds, expected 40"));
    }
    if s.contains("blk: watchdog: the supervisor did not restart") {
        return Err("the supervisor refused the restart".into());
    }
    common(s)
}

/// `blk-zero-length`: the device went broken (QEMU's `virtio_error`, not
/// an exit) and a reset by the next generation cleared it.
pub fn judge_zero_length(s: &str) -> Result<(), String> {
    need(s, "fault injection: zero length after 8 requests")?;
    need(s, "blk: watchdog: driverhost ")?;
    need(s, " did not answer within 2000 ms (")?;
    // The next generation finds VIRTIO_CONFIG_S_NEEDS_RESET (64) in the
    // device status before its reset: QEMU's `virtio_error` set it (seen:
    // 75, NEEDS_RESET with ACKNOWLEDGE, DRIVER and FEATURES_OK; DRIVER_OK
    // went when bus mastering was turned off).
    let broken = s
        .lines()
        .filter_map(|l| l.split("(device reset; its status was ").nth(1))
        .filter_map(|t| t.split(')').next()?.parse::<u32>().ok())
        .any(|status| status & 64 != 0);
    if !broken {
        return Err("no generation found the device needing a reset (status bit 64)".into());
    }
    need(s, "blk: attached to driverhost ")?;
    writer_done_after_restart(s)
}

pub fn judge_unavailable(s: &str) -> Result<(), String> {
    need(s, "fakedisk: crashing on purpose (with a batch in flight)")?;
    need(s, "blk: fakedisk unavailable (held by the supervisor")?;
    need(s, "blk: fakedisk ")?;
    need(s, " is running again: attaching")?;
    need(s, "blk: fakedisk unavailable")?;
    need(s, "blk: fakedisk2 unavailable (")?;
    need(
        s,
        "blkclient: PASS (the write in flight got Unavailable after ",
    )?;
    need(s, "; blk2 over a crash loop answered Unavailable after ")?;
    common(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::disk::pattern;

    fn image(name: &str) -> std::path::PathBuf {
        let dir =
            std::env::temp_dir().join(format!("cordon-blkservice-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("d.img");
        make(&p).unwrap();
        p
    }

    fn put(p: &Path, lba: u64, bytes: &[u8]) {
        let mut data = std::fs::read(p).unwrap();
        let at = (lba * 512) as usize;
        data[at..at + bytes.len()].copy_from_slice(bytes);
        std::fs::write(p, &data).unwrap();
    }

    fn header(rounds: u64) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..8].copy_from_slice(MAGIC);
        h[8..16].copy_from_slice(&rounds.to_le_bytes());
        h
    }

    #[test]
    fn the_writer_check_wants_every_round_and_the_header() {
        let p = image("writer");
        assert!(check_writer(&p).unwrap_err().contains("no writer header"));
        // 70 rounds: runs 0..64 once, then 6 written twice (the later wins).
        for r in 0..70 {
            put(&p, run_lba(r), &pattern(SEED_ROUND + r, run_lba(r), RUN));
        }
        put(&p, REGION - 1, &header(70));
        assert_eq!(check_writer(&p), Ok(()));
        // An acknowledged write lost: round 68's run holds round 4's data.
        let r = 68;
        let earlier = (0..r).rev().find(|&k| run_lba(k) == run_lba(r)).unwrap();
        put(
            &p,
            run_lba(r),
            &pattern(SEED_ROUND + earlier, run_lba(r), RUN),
        );
        assert!(
            check_writer(&p)
                .unwrap_err()
                .contains(&format!("first is {}", run_lba(r)))
        );
        put(&p, run_lba(r), &pattern(SEED_ROUND + r, run_lba(r), RUN));
        // A stray write outside the plan.
        put(&p, 9000, &pattern(SEED_NEW, 9000, 1));
        assert!(check_writer(&p).unwrap_err().contains("first is 9000"));
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_unavailable_check_refuses_the_refused_write() {
        let p = image("unavailable");
        put(&p, 101, &pattern(SEED_NEW, 101, 1));
        assert_eq!(check_unavailable(&p), Ok(()));
        put(&p, 100, &pattern(SEED_NEW, 100, 1));
        assert!(check_unavailable(&p).unwrap_err().contains("first is 100"));
        std::fs::remove_dir_all(p.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_replay_judge_wants_replays_with_requests_in_flight() {
        let good = "blk: serving 16384 blocks of 512 B through driverhost [2.0] (64 KiB ...)\n\
            blk: driverhost [2.0] died with 2 requests in flight: replaying them\n\
            blk: attached to driverhost [2.1]: replaying 2 requests in flight, 0 queued\n\
            blk: queue full (queue=1) while driverhost is away: callers wait in the kernel\n\
            blk: queue full (queue=1) while driverhost is away: callers wait in the kernel\n\
            blk: queue full (queue=1) while driverhost is away: callers wait in the kernel\n\
            blk: attached to driverhost [2.2]: replaying 0 requests in flight, 0 queued\n\
            blk: attached to driverhost [2.3]: replaying 0 requests in flight, 0 queued\n\
            blkclient: PASS (restarter: 3 restarts of driverhost)\n\
            reader[5.0]: blkclient: PASS (reader: 200 checked 4 KiB reads beside the writer)\n\
            blkclient: PASS (writer: 90 rounds of write + read-back checked, ...)\n";
        assert_eq!(judge_replay(good), Ok(()));
        assert!(judge_replay(&good.replace("with 2 requests", "with 0 requests")).is_err());
        let two = good.replacen(
            "blk: attached to driverhost [2.3]: replaying 0 requests in flight, 0 queued\n",
            "",
            1,
        );
        assert!(judge_replay(&two).is_err());
        assert!(judge_replay(&format!("{good}blkclient: FAIL (round 3: ...)\n")).is_err());
    }
}
