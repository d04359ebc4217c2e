//! Ring-3 programs: which crates hold them, how they are built, and what
//! goes into the initrd beside them.

use crate::build::{KERNEL_TARGET, Profile};
use crate::util::{self, Error, Result};
use std::path::PathBuf;

/// (package, extra cargo features) of every crate with user programs.
const PACKAGES: &[(&str, &[&str])] = &[
    ("demo", &[]),
    ("supervisor", &["supervisor/program"]),
    ("virtio-blk", &["virtio-blk/program"]),
];

/// Binary names of a package: its `src/main.rs` (named after the package)
/// and every `src/bin/*.rs`.
fn binaries(package_dir: &std::path::Path, package: &str) -> Vec<String> {
    let mut names = Vec::new();
    if package_dir.join("src/main.rs").is_file() {
        names.push(package.to_string());
    }
    if let Ok(dir) = std::fs::read_dir(package_dir.join("src/bin")) {
        for e in dir.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "rs")
                && let Some(stem) = p.file_stem()
            {
                names.push(stem.to_string_lossy().into_owned());
            }
        }
    }
    names.sort();
    names
}

/// Builds every user program; returns (initrd name, file) pairs.
pub fn build(profile: Profile) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    let mut cmd = util::cargo();
    cmd.args(["build", "--target", KERNEL_TARGET]);
    if profile.release {
        cmd.arg("--release");
    }
    let mut any = false;
    for (package, features) in PACKAGES {
        let dir = util::root().join("services").join(package);
        let bins = binaries(&dir, package);
        if bins.is_empty() {
            continue;
        }
        any = true;
        cmd.args(["--package", package]);
        for f in *features {
            cmd.args(["--features", f]);
        }
        for b in bins {
            let file = util::target_dir()
                .join(KERNEL_TARGET)
                .join(if profile.release { "release" } else { "debug" })
                .join(&b);
            out.push((format!("bin/{b}"), file));
        }
    }
    if any {
        cmd.arg("--bins");
        util::run_status(&mut cmd)?;
    }
    for (_, f) in &out {
        if !f.is_file() {
            return Err(Error::Missing(format!(
                "built program {} not found",
                f.display()
            )));
        }
    }
    Ok(out)
}

/// Manifests and other configuration: `image/initrd/**` goes to the initrd
/// under the same relative path.
pub fn config_files() -> Result<Vec<(String, PathBuf)>> {
    let base = util::root().join("image/initrd");
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|error| Error::Io {
            path: dir.clone(),
            error,
        })?;
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(rel) = p.strip_prefix(&base) {
                out.push((rel.to_string_lossy().replace('\\', "/"), p.clone()));
            }
        }
    }
    out.sort();
    Ok(out)
}
