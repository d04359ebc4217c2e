//! The FAT service's QEMU tests: interop with mtools/fsck.fat both ways, a
//! damaged directory, a disk that is not FAT. The disks are made by the
//! harness (the data disk of `image::datadisk`) and, where the guest wrote,
//! checked after QEMU exits.

use super::QemuTest;
use crate::disk::Disk;
use crate::fatdisk::{fnv1a64, fsck_clean, make_data_disk, mput, mread};
use crate::judge::{need, no_fail};
use image::datadisk;
use std::path::Path;

/// The file the harness copies in with `mcopy` before the boot.
const HOST_DIR: &str = "/from mtools";
const HOST_PATH: &str = "/from mtools/Host File.bin";
/// What `fstest mode=interop` writes (`services/demo/src/bin/fstest.rs`).
const WRITTEN_TEXT_PATH: &str = "/written by cordon/A long name, written in ring 3.txt";
const BIG_COPY_PATH: &str = "/written by cordon/big copy.bin";

fn host_file() -> Vec<u8> {
    let mut data = vec![0u8; 300 * 1024 + 17];
    for (i, b) in data.iter_mut().enumerate() {
        *b = (i.wrapping_mul(31) ^ (i >> 9)) as u8;
    }
    data
}

fn written_text() -> String {
    (0..200)
        .map(|i| format!("line {i}: written by fstest through ipc::fs\n"))
        .collect()
}

fn make_interop(path: &Path) -> Result<(), String> {
    make_data_disk(path)?;
    mput(path, HOST_DIR, HOST_PATH, &host_file())?;
    fsck_clean(path)
}

/// After the boot: what Cordon wrote reads back through mtools, what it
/// renamed and removed is so, and fsck.fat is silent.
fn check_interop(path: &Path) -> Result<(), String> {
    fsck_clean(path)?;
    if mread(path, WRITTEN_TEXT_PATH)? != written_text().as_bytes() {
        return Err(format!(
            "{WRITTEN_TEXT_PATH} does not hold what fstest wrote"
        ));
    }
    let copy = mread(path, BIG_COPY_PATH)?;
    if copy.len() != datadisk::BIG_LEN || fnv1a64(&copy) != datadisk::big_checksum() {
        return Err(format!(
            "{BIG_COPY_PATH}: {} bytes, fnv {:#018x}; BIG.BIN is {} bytes, fnv {:#018x}",
            copy.len(),
            fnv1a64(&copy),
            datadisk::BIG_LEN,
            datadisk::big_checksum()
        ));
    }
    if mread(path, "/docs/README, moved.txt")? != datadisk::README.as_bytes() {
        return Err("the renamed README differs".into());
    }
    if mread(path, "/README.TXT").is_ok() || mread(path, datadisk::HELLO_PATH).is_ok() {
        return Err("a renamed or removed file is still there".into());
    }
    Ok(())
}

/// The data disk with `/docs`'s first cluster pointed far past the end of
/// the volume.
fn make_hostile(path: &Path) -> Result<(), String> {
    let mut img = datadisk::build().map_err(|e| e.to_string())?;
    let at = (0..img.len() / 32)
        .map(|i| i * 32)
        .find(|&o| &img[o..o + 11] == b"DOCS       " && img[o + 11] & 0x10 != 0)
        .ok_or("no DOCS entry in the data disk")?;
    img[at + 20..at + 22].copy_from_slice(&0x0ff0_u16.to_le_bytes());
    img[at + 26..at + 28].copy_from_slice(&0x0000_u16.to_le_bytes());
    std::fs::write(path, &img).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// The rest of the damaged volume took a write: mtools reads it.
fn check_hostile(path: &Path) -> Result<(), String> {
    if mread(path, "/after damage.txt")? != b"still serving\n" {
        return Err("/after damage.txt does not hold what fstest wrote".into());
    }
    Ok(())
}

/// 8 MiB that is not a FAT volume.
fn make_not_fat(path: &Path) -> Result<(), String> {
    crate::disk::make_pattern_image(path, 16384, 0x00ba_dfa7)
}

const INTEROP_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make: make_interop,
    check: Some(check_interop),
}];

const HOSTILE_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make: make_hostile,
    check: Some(check_hostile),
}];

const NOT_FAT_DISKS: &[Disk] = &[Disk {
    id: "d0",
    device: "disable-legacy=on",
    make: make_not_fat,
    check: None,
}];

fn common(s: &str) -> Result<(), String> {
    need(s, "fstest: PASS (")?;
    no_fail(s)
}

pub fn judge_interop(s: &str) -> Result<(), String> {
    need(s, "fs: serving Fat32 'CORDON DATA': ")?;
    need(
        s,
        &format!(
            "fstest: /BIG.BIN {} bytes fnv1a64={:#018x}",
            datadisk::BIG_LEN,
            datadisk::big_checksum()
        ),
    )?;
    let host = host_file();
    need(
        s,
        &format!(
            "fstest: {HOST_PATH} {} bytes fnv1a64={:#018x}",
            host.len(),
            fnv1a64(&host)
        ),
    )?;
    common(s)
}

/// `fs-interop`: first the client revoked grants while the service used
/// them (`race=`); the service neither faulted nor restarted, and served
/// the whole interop run after.
pub fn judge_interop_race(s: &str) -> Result<(), String> {
    let line = s
        .lines()
        .find(|l| l.contains("fstest: revoked "))
        .ok_or("fstest did not revoke grants while the service used them")?;
    if line.contains("fstest: revoked 0 grants") {
        return Err(format!("no grant was revoked mid-request: {line:?}"));
    }
    if s.contains("TASK FAULT in fs[") || s.lines().any(|l| l.contains("restarted fs as")) {
        return Err("the FAT service faulted or was restarted".into());
    }
    judge_interop(s)
}

pub fn judge_fs_hostile(s: &str) -> Result<(), String> {
    need(s, "fs: serving Fat32 'CORDON DATA': ")?;
    need(
        s,
        "fstest: PASS (the damaged directory is Corrupt; the rest still serves)",
    )?;
    common(s)
}

pub fn judge_unmounted(s: &str) -> Result<(), String> {
    need(s, "fs: mount refused on blk:blk: ")?;
    need(
        s,
        "fstest: PASS (every request got Unmounted; the service kept answering)",
    )?;
    common(s)
}

/// The storage tests, appended to the catalogue.
pub fn tests(
    m: impl Fn(&'static str, &'static str, &'static str, super::Judge) -> QemuTest,
) -> Vec<QemuTest> {
    vec![
        QemuTest {
            disks: INTEROP_DISKS,
            ..m(
                "fs-interop",
                "a client revokes its grants while the FAT service uses them (it copies with GrantRead/GrantWrite: typed errors, no fault); then the service reads the data disk and a file mcopy put there (checksums), writes long names and a 1.5 MiB copy through grants; mtools reads them back and fsck.fat -n is silent",
                "manifest=fs-interop",
                judge_interop_race,
            )
        },
        QemuTest {
            disks: INTEROP_DISKS,
            timeout: std::time::Duration::from_secs(120),
            ..m(
                "fs-driverhost",
                "fs-interop's reads, writes and mtools/fsck.fat checks over the C# virtio-blk driver in the driver host (fs → blk → driver host)",
                "manifest=fs-driverhost",
                judge_interop,
            )
        },
        QemuTest {
            disks: HOSTILE_DISKS,
            ..m(
                "fs-hostile",
                "a directory of the data disk points outside the volume: Corrupt for it, and the FAT service goes on serving (and writing) the rest",
                "manifest=fs-hostile",
                judge_fs_hostile,
            )
        },
        QemuTest {
            disks: NOT_FAT_DISKS,
            ..m(
                "fs-unmounted",
                "a disk that is not FAT: the mount is refused, every request gets Unmounted, the FAT service keeps answering",
                "manifest=fs-unmounted",
                judge_unmounted,
            )
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interop_judge_wants_the_right_checksums() {
        let host = host_file();
        let good = format!(
            "fs: serving Fat32 'CORDON DATA': 63 MiB\n\
             fstest: /BIG.BIN {} bytes fnv1a64={:#018x}\n\
             fstest: {HOST_PATH} {} bytes fnv1a64={:#018x}\n\
             fstest: PASS (read and checked)\n",
            datadisk::BIG_LEN,
            datadisk::big_checksum(),
            host.len(),
            fnv1a64(&host)
        );
        assert_eq!(judge_interop(&good), Ok(()));
        let bad = good.replace(
            &format!("{:#018x}", datadisk::big_checksum()),
            "0x0000000000000000",
        );
        assert!(judge_interop(&bad).is_err());
        assert!(judge_interop(&good.replace("PASS", "FAIL")).is_err());
        // fs-interop: the revoking round first, and fs must survive it.
        let race = format!(
            "fstest: revoked 11 grants while the service used them, 6 before the call\n{good}"
        );
        assert_eq!(judge_interop_race(&race), Ok(()));
        assert!(judge_interop_race(&good).is_err(), "no revoking round");
        assert!(judge_interop_race(&race.replace("revoked 11", "revoked 0")).is_err());
        let faulted = format!("!!! TASK FAULT in fs[4.0]: #PF\n{race}");
        assert!(judge_interop_race(&faulted).is_err(), "fs faulted");
    }

    #[test]
    fn the_interop_disk_is_clean_and_holds_the_host_file() {
        let p = std::env::temp_dir().join(format!("cordon-fs-interop-{}.img", std::process::id()));
        let _ = std::fs::remove_file(&p);
        make_interop(&p).unwrap();
        assert_eq!(mread(&p, HOST_PATH).unwrap(), host_file());
        // Nothing written yet: the post-boot check must fail.
        assert!(check_interop(&p).is_err());
        let _ = std::fs::remove_file(&p);
    }
}
