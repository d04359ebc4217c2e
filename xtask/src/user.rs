//! Ring-3 programs: which crates hold them, how they are built, and what
//! goes into the initrd beside them.

use crate::build::{KERNEL_TARGET, Profile};
use crate::util::{self, Error, Result};
use std::path::PathBuf;
use std::process::Command;

/// (package, extra cargo features) of every crate with user programs.
const PACKAGES: &[(&str, &[&str])] = &[
    ("demo", &[]),
    ("supervisor", &["supervisor/program"]),
    ("virtio-blk", &["virtio-blk/program"]),
    ("blk-service", &["blk-service/program"]),
    ("fs-service", &["fs-service/program"]),
    ("shell", &["shell/program"]),
];

/// User-program crates outside `services/`: (package, directory).
const OTHER_DIRS: &[(&str, &str)] = &[("driverhost", "driverhost")];

/// The initrd's listing of its own files (see `services/supervisor/src/files.rs`).
pub const INITRD_INDEX: &str = "etc/initrd.index";

/// Packages of `PACKAGES` whose folder is not named after them: (package,
/// directory). Their program (`src/main.rs`) is named after the folder.
const RENAMED_DIRS: &[(&str, &str)] = &[
    ("blk-service", "services/blk"),
    ("fs-service", "services/fs"),
];

fn package_dir(package: &str) -> PathBuf {
    match OTHER_DIRS
        .iter()
        .chain(RENAMED_DIRS)
        .find(|(p, _)| *p == package)
    {
        Some((_, d)) => util::root().join(d),
        None => util::root().join("services").join(package),
    }
}

/// The C# assemblies the driver host is handed (`files=` in a manifest):
/// `target/managed/{corlib,ddk}.dll`, `drivers/*.dll`, `probes/*.dll` and `tests/*.dll` go to
/// `managed/...` in the initrd. Built with `cargo xtask managed`'s rules;
/// without `mcs` the initrd has none, and says so.
pub fn managed_files() -> Vec<(String, PathBuf)> {
    let built = match crate::managed::build_all() {
        Ok(b) => b,
        Err(e) => {
            eprintln!("initrd: no C# assemblies ({e}); the driver host will have nothing to load");
            return Vec::new();
        }
    };
    let mut out = vec![("managed/corlib.dll".to_string(), built.corlib)];
    if let Some(ddk) = built.ddk {
        out.push(("managed/ddk.dll".to_string(), ddk));
    }
    for (dir, files) in [
        ("drivers", built.drivers),
        ("probes", built.probes),
        ("tests", built.tests.into_iter().map(|t| t.cordon).collect()),
    ] {
        for f in files {
            if let Some(name) = f.file_name() {
                out.push((format!("managed/{dir}/{}", name.to_string_lossy()), f));
            }
        }
    }
    out
}

/// Where the initrd holds the driver host's ahead-of-time code image.
pub const AOT_IMAGE: &str = "managed/aot/driverhost.img";

/// The code image of the DDK and the drivers, compiled ahead of time by
/// `driverhost-image` (ddk-native, feature `aot`) over the corlib, the DDK
/// and `managed/drivers/*.dll` in the initrd's order — what the default
/// manifest's driver host loads — so that its first start installs code
/// instead of compiling (docs/driverhost.md). `None` without the DDK.
pub fn aot_image(managed: &[(String, PathBuf)]) -> Result<Option<PathBuf>> {
    let find = |n: &str| managed.iter().find(|(name, _)| name == n).map(|(_, f)| f);
    let (Some(corlib), Some(ddk)) = (find("managed/corlib.dll"), find("managed/ddk.dll")) else {
        return Ok(None);
    };
    let mut drivers: Vec<&(String, PathBuf)> = managed
        .iter()
        .filter(|(n, _)| n.starts_with("managed/drivers/"))
        .collect();
    drivers.sort_by(|a, b| a.0.cmp(&b.0));
    let mut build = util::cargo();
    build.args([
        "build",
        "--quiet",
        "-p",
        "ddk-native",
        "--features",
        "aot",
        "--bin",
        "driverhost-image",
    ]);
    util::run_status(&mut build)?;
    let out = util::target_dir().join("managed/aot/driverhost.img");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|error| Error::Io {
            path: dir.to_path_buf(),
            error,
        })?;
    }
    let mut run = Command::new(util::target_dir().join("debug/driverhost-image"));
    run.arg("--out").arg(&out).arg(corlib).arg(ddk);
    for (_, f) in drivers {
        run.arg(f);
    }
    util::run_status(&mut run)?;
    Ok(Some(out))
}

/// Binary names of a package: its `src/main.rs` (named after the package,
/// or after its folder for `RENAMED_DIRS`) and every `src/bin/*.rs`.
fn binaries(package_dir: &std::path::Path, package: &str) -> Vec<String> {
    let mut names = Vec::new();
    if package_dir.join("src/main.rs").is_file() {
        let renamed = RENAMED_DIRS.iter().any(|(p, _)| *p == package);
        match package_dir.file_name() {
            Some(dir) if renamed => names.push(dir.to_string_lossy().into_owned()),
            _ => names.push(package.to_string()),
        }
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
    // Without --release: the `ring3` profile (Cargo.toml): dev's checks,
    // release's optimisation, so the driver host's JIT compiles quickly.
    if profile.release {
        cmd.arg("--release");
    } else {
        cmd.args(["--profile", "ring3"]);
    }
    let mut any = false;
    let others = OTHER_DIRS.iter().map(|(p, _)| (*p, &[][..]));
    for (package, features) in PACKAGES.iter().copied().chain(others) {
        let dir = package_dir(package);
        let bins = binaries(&dir, package);
        if bins.is_empty() {
            continue;
        }
        any = true;
        cmd.args(["--package", package]);
        for f in features {
            cmd.args(["--features", f]);
        }
        for b in bins {
            let file = util::target_dir()
                .join(KERNEL_TARGET)
                .join(if profile.release { "release" } else { "ring3" })
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
    // The initrd is kept in guest memory for the whole boot, so every
    // program goes in without its debug information: the driver host links
    // Cranelift, whose DWARF alone is ~75 MB, and each small program carries
    // 2-3 MB — in a 256 MiB guest that is memory no task could reserve.
    // Only `PT_LOAD` matters to the loader; fault reports print addresses,
    // which `addr2line` resolves against the unstripped file in `target/`.
    for (_, f) in &mut out {
        *f = strip_debug(f);
    }
    Ok(out)
}

/// `FILE.stripped` beside `file` (`strip --strip-debug`), or `file` itself
/// (with a warning) if binutils' `strip` is not there.
fn strip_debug(file: &std::path::Path) -> PathBuf {
    let out = file.with_extension("stripped");
    let ok = std::process::Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&out)
        .arg(file)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        out
    } else {
        eprintln!(
            "initrd: cannot strip {} (binutils' strip missing?); it goes in with its debug info",
            file.display()
        );
        file.to_path_buf()
    }
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
