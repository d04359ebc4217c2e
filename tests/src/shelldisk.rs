//! The data disk of the shell tests: `image::datadisk` before the boot;
//! after it, `mtools` must find what the shell wrote and `fsck.fat -n` a
//! clean file system — the judgement rests on the image, not on what the
//! shell printed.

use crate::fatdisk::{fsck_clean, make_data_disk as make, mread_if_there};
use std::path::Path;

/// The text `shell-session` writes (`write /notes.txt ...`), as a file.
pub const NOTES: &str = "hello from the shell\n";

/// After `shell-session`: the files its script leaves, and none it removed.
pub fn check_session(img: &Path) -> Result<(), String> {
    for file in ["/notes.txt", "/work/moved.txt"] {
        match mread_if_there(img, file)? {
            Some(b) if b == NOTES.as_bytes() => {}
            Some(b) => {
                return Err(format!(
                    "mtools reads {file} as {:?}, not {NOTES:?}",
                    String::from_utf8_lossy(&b)
                ));
            }
            None => return Err(format!("mtools finds no {file}")),
        }
    }
    for gone in ["/gone.txt", "/copy.txt"] {
        if mread_if_there(img, gone)?.is_some() {
            return Err(format!("{gone} should be gone (rm / mv)"));
        }
    }
    // The sample files are untouched.
    match mread_if_there(img, "/README.TXT")? {
        Some(b) if b == image::datadisk::README.as_bytes() => {}
        _ => return Err("README.TXT changed or missing".into()),
    }
    fsck_clean(img)
}

/// The disks of the shell tests: the data disk on the function the
/// default manifest grants the driver host (`pci:1af4:1042`).
pub const SESSION_DISKS: &[crate::disk::Disk] = &[crate::disk::Disk {
    id: "data",
    device: "disable-legacy=on",
    make,
    check: Some(check_session),
}];

pub const PIPE_DISKS: &[crate::disk::Disk] = &[crate::disk::Disk {
    id: "data",
    device: "disable-legacy=on",
    make,
    check: Some(fsck_clean),
}];

/// `shell-demo`: the demos' copy, checked as the demos' harness does
/// (`crate::demos::check_copy`: mtools, checksum, strict fsck.fat), and
/// the shell's `cp` to `/LOOP.BIN` after the crash loop was cleared.
pub const DEMO_DISKS: &[crate::disk::Disk] = &[crate::disk::Disk {
    id: "data",
    device: "disable-legacy=on",
    make,
    check: Some(check_demo),
}];

fn check_demo(path: &std::path::Path) -> Result<(), String> {
    crate::demos::check_copy(path)?;
    crate::demos::is_big("/LOOP.BIN", &crate::fatdisk::mread(path, "/LOOP.BIN")?)
}
