//! FAT data disks for the storage tests, and the checks the harness runs on
//! them after QEMU exits: `fsck.fat -n` must be silent on every image a
//! test wrote to, and `mtools` reads back what Cordon wrote. Needs
//! dosfstools and mtools (`cargo xtask setup` installs them).

use std::path::Path;
use std::process::Command;

/// FNV-1a 64, as `fstest` and `image::datadisk` compute it.
pub use image::datadisk::fnv1a64;

/// Makes the data disk (`image::datadisk`: a FAT32 volume with its sample
/// files) at `path`.
pub fn make_data_disk(path: &Path) -> Result<(), String> {
    image::datadisk::create(path).map_err(|e| e.to_string())
}

fn run(tool: &str, args: &[&str]) -> Result<std::process::Output, String> {
    Command::new(tool)
        .args(args)
        .env("MTOOLS_SKIP_CHECK", "1")
        .output()
        .map_err(|e| {
            format!("cannot run {tool} ({e}): install dosfstools and mtools (cargo xtask setup)")
        })
}

/// `fsck.fat -n` exits 0 and reports nothing but its version and summary
/// lines: a stale free count or a dirty bit counts as a finding too.
pub fn fsck_clean(img: &Path) -> Result<(), String> {
    let out = run("fsck.fat", &["-n", &img.to_string_lossy()])?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let findings = text
        .lines()
        .any(|l| !l.starts_with("fsck.fat ") && !l.contains(" files, "));
    if !out.status.success() || findings {
        return Err(format!(
            "fsck.fat -n {} is not clean:\n{text}",
            img.display()
        ));
    }
    Ok(())
}

fn mcopy_out(img: &Path, path: &str) -> Result<std::process::Output, String> {
    run(
        "mcopy",
        &[
            "-n",
            "-i",
            &img.to_string_lossy(),
            &format!("::{path}"),
            "-",
        ],
    )
}

/// The bytes of `path` in the image, read by `mtools`.
pub fn mread(img: &Path, path: &str) -> Result<Vec<u8>, String> {
    let out = mcopy_out(img, path)?;
    if !out.status.success() {
        return Err(format!(
            "mcopy ::{path} from {}: {}",
            img.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// The bytes of `path` in the image, or `None` if `mtools` finds no such
/// file (for checks that a file is gone).
pub fn mread_if_there(img: &Path, path: &str) -> Result<Option<Vec<u8>>, String> {
    let out = mcopy_out(img, path)?;
    Ok(out.status.success().then_some(out.stdout))
}

/// Puts `data` at `path` in the image with `mtools` (making its directory).
pub fn mput(img: &Path, dir: &str, path: &str, data: &[u8]) -> Result<(), String> {
    let i = img.to_string_lossy();
    let host = img.with_extension("put.tmp");
    std::fs::write(&host, data).map_err(|e| format!("writing {}: {e}", host.display()))?;
    let md = run("mmd", &["-i", &i, &format!("::{dir}")])?;
    if !md.status.success() {
        return Err(format!(
            "mmd ::{dir}: {}",
            String::from_utf8_lossy(&md.stderr).trim()
        ));
    }
    let cp = run(
        "mcopy",
        &["-i", &i, &host.to_string_lossy(), &format!("::{path}")],
    )?;
    let _ = std::fs::remove_file(&host);
    if !cp.status.success() {
        return Err(format!(
            "mcopy to ::{path}: {}",
            String::from_utf8_lossy(&cp.stderr).trim()
        ));
    }
    Ok(())
}
