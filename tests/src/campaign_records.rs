//! The campaign's end check: every acknowledged write on the disk image
//! (docs/campaign.md, "The workload and acknowledged writes"). The guest's
//! controller appends records computed from the seed ([`record`], the
//! guest's own code, included by path); the host recomputes them and
//! compares the files read with mtools, byte for byte.

use crate::campaign::Workload;
use std::collections::BTreeSet;

/// The workload's records, shared with the guest's controller.
#[path = "../../services/demo/src/campaign_record.rs"]
pub mod record;

/// What [`check_records`] found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecordCheck {
    /// Acknowledged records checked, and files they are in.
    pub records: u64,
    pub files: u32,
    /// Write numbers of acknowledged records missing or wrong.
    pub lost: BTreeSet<u64>,
    /// What was wrong, per file (one line for each file with losses).
    pub findings: Vec<String>,
    /// Bytes after the acknowledged records that are (a prefix of) the
    /// next record: a write that reached the disk but was not
    /// acknowledged (its close failed, or the boot ended first). Allowed.
    pub unacknowledged_tail: u64,
    /// Files whose bytes after the acknowledged records are not the next
    /// record's: nothing acknowledged is lost, but something wrote there.
    pub stray: Vec<String>,
}

/// Checks every acknowledged write on the image: writes `0..acknowledged`
/// of the workload, each a record computed from the seed, must be in
/// their files at their offsets. `read` gives a file's whole contents
/// (`Ok(None)`: it does not exist).
pub fn check_records(
    w: Workload,
    acknowledged: u64,
    mut read: impl FnMut(&str) -> Result<Option<Vec<u8>>, String>,
) -> RecordCheck {
    let mut out = RecordCheck::default();
    let files = u64::from(w.files.max(1));
    for file in 0..w.files {
        let f = u64::from(file);
        let records = if acknowledged > f {
            (acknowledged - f).div_ceil(files)
        } else {
            0
        };
        if records == 0 {
            continue;
        }
        out.files += 1;
        out.records += records;
        let name = record::name(file);
        let path = format!(
            "{}/{}",
            record::DIR,
            std::str::from_utf8(&name).unwrap_or("?")
        );
        let data = match read(&path) {
            Ok(Some(d)) => d,
            Ok(None) => Vec::new(),
            Err(e) => {
                out.findings.push(format!("{path}: cannot be read: {e}"));
                out.lost.extend((0..records).map(|k| k * files + f));
                continue;
            }
        };
        let mut at = 0usize;
        let mut bad = Vec::new();
        for k in 0..records {
            let mut want = vec![0u8; record::len(w.seed, file, k)];
            record::fill(w.seed, file, k, &mut want);
            if data.get(at..at + want.len()) != Some(&want[..]) {
                bad.push(k);
                out.lost.insert(k * files + f);
            }
            at += want.len();
        }
        if !bad.is_empty() {
            out.findings.push(format!(
                "{path}: {} of {records} acknowledged records missing or wrong (the file has {} bytes, the records {at}); first: record {} (write #{})",
                bad.len(),
                data.len(),
                bad[0],
                bad[0] * files + f
            ));
        }
        if let Some(tail) = data.get(at..).filter(|t| !t.is_empty()) {
            let mut next = vec![0u8; record::len(w.seed, file, records)];
            record::fill(w.seed, file, records, &mut next);
            if next.starts_with(tail) {
                out.unacknowledged_tail += tail.len() as u64;
            } else {
                out.stray.push(format!(
                    "{path}: {} bytes after the acknowledged records are not the next record's",
                    tail.len()
                ));
            }
        }
    }
    out
}

/// [`check_records`] on a disk image, reading the files with mtools.
pub fn check_image_records(img: &std::path::Path, w: Workload, acknowledged: u64) -> RecordCheck {
    check_records(w, acknowledged, |path| {
        crate::fatdisk::mread_if_there(img, path)
    })
}

/// The lines the report gives for a [`RecordCheck`].
pub fn describe(c: &RecordCheck, acknowledged: u64) -> Vec<String> {
    let mut out = vec![format!(
        "image: {acknowledged} acknowledged writes ({} records in {} files) checked byte for byte: {} missing or wrong",
        c.records,
        c.files,
        c.lost.len()
    )];
    out.extend(c.findings.iter().map(|f| format!("LOST {f}")));
    if c.unacknowledged_tail > 0 {
        out.push(format!(
            "image: {} bytes of writes that were not acknowledged reached the disk (allowed)",
            c.unacknowledged_tail
        ));
    }
    out.extend(c.stray.iter().map(|s| format!("STRAY {s}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The files of a workload as the guest would leave them after
    /// `acknowledged` writes.
    fn files_after(w: Workload, acknowledged: u64) -> BTreeMap<String, Vec<u8>> {
        let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for n in 0..acknowledged {
            let (file, k) = record::place(n, w.files);
            let mut r = vec![0u8; record::len(w.seed, file, k)];
            record::fill(w.seed, file, k, &mut r);
            let name = record::name(file);
            let path = format!("/campaign/{}", std::str::from_utf8(&name).unwrap());
            out.entry(path).or_default().extend_from_slice(&r);
        }
        out
    }

    #[test]
    fn records_are_deterministic_and_placed_round_robin() {
        let mut a = vec![0u8; record::len(5, 2, 3)];
        record::fill(5, 2, 3, &mut a);
        let mut b = a.clone();
        record::fill(5, 2, 3, &mut b);
        assert_eq!(a, b);
        assert!((record::MIN_LEN..=record::MAX_LEN).contains(&a.len()));
        assert_eq!(&a[..4], b"CRec");
        assert_ne!(record::len(5, 2, 3), 0);
        let mut c = vec![0u8; a.len()];
        record::fill(6, 2, 3, &mut c);
        assert_ne!(a[16..], c[16..], "the seed matters");
        assert_eq!(record::place(9, 4), (1, 2));
        assert_eq!(&record::name(7), b"f007.bin");
        // The generator is a contract with the guest: pinned.
        assert_eq!(
            (
                record::len(1, 0, 0),
                crate::fatdisk::fnv1a64(&{
                    let mut v = vec![0u8; record::len(1, 0, 0)];
                    record::fill(1, 0, 0, &mut v);
                    v
                })
            ),
            PINNED
        );
    }

    /// `record::len(1, 0, 0)` and the record's FNV-1a: changing the
    /// generator changes what old campaigns' images are checked against.
    const PINNED: (usize, u64) = (3297, 9_555_718_872_109_902_197);

    #[test]
    fn every_acknowledged_write_is_checked_and_a_lost_one_counted() {
        let w = Workload { seed: 3, files: 4 };
        let mut files = files_after(w, 10);
        let read = |f: &BTreeMap<String, Vec<u8>>| {
            let f = f.clone();
            move |p: &str| Ok(f.get(p).cloned())
        };
        let c = check_records(w, 10, read(&files));
        assert_eq!((c.records, c.files, c.lost.len()), (10, 4, 0), "{c:?}");
        assert!(c.stray.is_empty() && c.unacknowledged_tail == 0);
        // Part of write #10 (file 2, record 2) reached the disk without an
        // acknowledgement: allowed.
        let mut next = vec![0u8; record::len(3, 2, 2)];
        record::fill(3, 2, 2, &mut next);
        files
            .get_mut("/campaign/f002.bin")
            .unwrap()
            .extend_from_slice(&next[..100]);
        let c = check_records(w, 10, read(&files));
        assert_eq!((c.lost.len(), c.unacknowledged_tail), (0, 100));
        // One byte of write #5 (file 1, record 1) flipped.
        let at = record::len(3, 1, 0) + 200;
        files.get_mut("/campaign/f001.bin").unwrap()[at] ^= 0x10;
        let c = check_records(w, 10, read(&files));
        assert_eq!(c.lost, BTreeSet::from([5]));
        assert!(c.findings[0].contains("write #5"), "{:?}", c.findings);
        // The last acknowledged record of file 3 (write #7) missing: the
        // file ends early.
        let f3 = files.get_mut("/campaign/f003.bin").unwrap();
        f3.truncate(record::len(3, 3, 0));
        let c = check_records(w, 10, read(&files));
        assert_eq!(c.lost, BTreeSet::from([5, 7]));
        // A whole file gone.
        files.remove("/campaign/f000.bin");
        let c = check_records(w, 10, read(&files));
        assert_eq!(c.lost, BTreeSet::from([0, 4, 5, 7, 8]));
        // Bytes after the acknowledged records that are not the next
        // record's.
        let mut files = files_after(w, 10);
        files.get_mut("/campaign/f001.bin").unwrap().push(0xff);
        let c = check_records(w, 10, read(&files));
        assert!(c.lost.is_empty());
        assert_eq!(c.stray.len(), 1, "{c:?}");
    }

    /// A later boot resumes after the last write on the disk; the last
    /// one whole by size is read back, because a stop in the middle of its
    /// close can leave the directory entry's size on the disk without the
    /// data (seed 46: `f026.bin` record 219, write #14042, whole by size
    /// and zeros from its second page on; the next boot took it for
    /// acknowledged and appended after it).
    #[test]
    fn a_resumed_campaign_writes_a_torn_last_record_again() {
        let w = Workload { seed: 46, files: 4 };
        let files = files_after(w, 11);
        let names: Vec<String> = (0..w.files)
            .map(|f| {
                let n = record::name(f);
                format!("/campaign/{}", std::str::from_utf8(&n).unwrap())
            })
            .collect();
        let resume = |files: &BTreeMap<String, Vec<u8>>| {
            let sizes: Vec<u64> = names
                .iter()
                .map(|p| files.get(p).map_or(0, |d| d.len() as u64))
                .collect();
            let mut ends = vec![0u64; w.files as usize];
            let n = record::resume(w.seed, w.files, &sizes, &mut ends, |file, index, at| {
                let mut want = vec![0u8; record::len(w.seed, file, index)];
                record::fill(w.seed, file, index, &mut want);
                let d = &files[&names[file as usize]];
                d.get(at as usize..at as usize + want.len()) == Some(&want[..])
            });
            (n, ends)
        };
        let (n, ends) = resume(&files);
        assert_eq!(n, 11);
        let sizes: Vec<u64> = names.iter().map(|p| files[p].len() as u64).collect();
        assert_eq!(ends, sizes);
        // Write #10 (file 2, record 2) cut short: its size is on the disk,
        // its bytes from 100 on are zeros.
        let mut torn = files.clone();
        let f2 = torn.get_mut("/campaign/f002.bin").unwrap();
        let start = f2.len() - record::len(w.seed, 2, 2);
        for b in &mut f2[start + 100..] {
            *b = 0;
        }
        let (n, ends) = resume(&torn);
        assert_eq!(n, 10, "the torn write is made again");
        assert_eq!(ends[2], start as u64);
        assert_eq!(ends[1], sizes[1]);
        // Only the last write can be torn: damage to an earlier one is a
        // lost acknowledged write, for the checks, not for resuming.
        let mut older = files.clone();
        older.get_mut("/campaign/f001.bin").unwrap()[3] ^= 1;
        assert_eq!(resume(&older).0, 11);
        // A partial record after the last whole one is simply not there.
        let mut partial = files.clone();
        let mut next = vec![0u8; record::len(w.seed, 3, 2)];
        record::fill(w.seed, 3, 2, &mut next);
        partial
            .get_mut("/campaign/f003.bin")
            .unwrap()
            .extend_from_slice(&next[..50]);
        assert_eq!(resume(&partial).0, 11);
    }

    /// The check as the campaign runs it: on a real FAT image, read with
    /// mtools, one byte of one acknowledged write doctored.
    #[test]
    fn a_doctored_image_loses_exactly_the_doctored_write() {
        let dir =
            std::env::temp_dir().join(format!("cordon-campaign-check-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let img = dir.join("disk.img");
        crate::fatdisk::make_data_disk(&img).unwrap();
        let w = Workload { seed: 11, files: 3 };
        let mut files = files_after(w, 8);
        let put = |files: &BTreeMap<String, Vec<u8>>, first: bool| {
            for (i, (path, data)) in files.iter().enumerate() {
                if first && i == 0 {
                    crate::fatdisk::mput(&img, "/campaign", path, data).unwrap();
                    continue;
                }
                let host = dir.join("put.tmp");
                std::fs::write(&host, data).unwrap();
                let ok = std::process::Command::new("mcopy")
                    .env("MTOOLS_SKIP_CHECK", "1")
                    .args(["-o", "-i"])
                    .arg(&img)
                    .arg(&host)
                    .arg(format!("::{path}"))
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "mcopy {path}");
            }
        };
        put(&files, true);
        let c = check_image_records(&img, w, 8);
        assert_eq!((c.records, c.lost.len()), (8, 0), "{c:?}");
        // Write #4 is file 1's record 1.
        let at = record::len(11, 1, 0) + 17;
        files.get_mut("/campaign/f001.bin").unwrap()[at] ^= 1;
        put(&files, false);
        let c = check_image_records(&img, w, 8);
        assert_eq!(c.lost, BTreeSet::from([4]), "{c:?}");
        let text = describe(&c, 8);
        assert!(text[0].ends_with(": 1 missing or wrong"), "{text:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
