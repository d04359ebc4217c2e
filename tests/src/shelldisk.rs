//! The data disk of the shell tests: `image::datadisk` before the boot;
//! after it, `mtools` must find what the shell wrote and `fsck.fat -n` a
//! clean file system — the judgement rests on the image, not on what the
//! shell printed.

use std::path::Path;
use std::process::Command;

/// The text `shell-session` writes (`write /notes.txt ...`), as a file.
pub const NOTES: &str = "hello from the shell\n";

/// Makes the data disk at `path`.
pub fn make(path: &Path) -> Result<(), String> {
    image::datadisk::create(path).map_err(|e| e.to_string())
}

fn tool(name: &str, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new(name)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .map_err(|e| format!("cannot run {name}: {e} (run `cargo xtask setup`)"))
}

/// The bytes of `path` in the image, by `mtype`; `None` if mtools cannot
/// find it.
fn mtype(img: &str, path: &str) -> Result<Option<Vec<u8>>, String> {
    let out = tool("mtype", &["-i", img, &format!("::{path}")])?;
    Ok(out.status.success().then_some(out.stdout))
}

fn fsck_clean(img: &str) -> Result<(), String> {
    let out = tool("fsck.fat", &["-n", img])?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "fsck.fat -n: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// After `shell-session`: the files its script leaves, and none it removed.
pub fn check_session(path: &Path) -> Result<(), String> {
    let img = path.to_str().ok_or("image path is not UTF-8")?;
    for file in ["/notes.txt", "/work/moved.txt"] {
        match mtype(img, file)? {
            Some(b) if b == NOTES.as_bytes() => {}
            Some(b) => {
                return Err(format!(
                    "mtype {file}: {:?}, not {NOTES:?}",
                    String::from_utf8_lossy(&b)
                ));
            }
            None => return Err(format!("mtype finds no {file}")),
        }
    }
    for gone in ["/gone.txt", "/copy.txt"] {
        if mtype(img, gone)?.is_some() {
            return Err(format!("{gone} should be gone (rm / mv)"));
        }
    }
    // The sample files are untouched.
    match mtype(img, "/README.TXT")? {
        Some(b) if b == image::datadisk::README.as_bytes() => {}
        _ => return Err("README.TXT changed or missing".into()),
    }
    fsck_clean(img)
}

/// After `shell-pipe`: the image is still clean.
pub fn check_clean(path: &Path) -> Result<(), String> {
    fsck_clean(path.to_str().ok_or("image path is not UTF-8")?)
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
    check: Some(check_clean),
}];

/// `shell-demo`: the demo's copy, checked as the demos' harness does
/// (`crate::demos::check_copy`: mtools, checksum, strict fsck.fat).
pub const DEMO_DISKS: &[crate::disk::Disk] = &[crate::disk::Disk {
    id: "data",
    device: "disable-legacy=on",
    make,
    check: Some(crate::demos::check_copy),
}];
