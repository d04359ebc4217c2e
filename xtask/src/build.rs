//! `cargo xtask build`: the kernel (plain and self-test), user programs and
//! the initrd, all under `target/cordon/`.

use crate::util::{self, Error, Result};
use cordon_tests::Images;
use std::path::PathBuf;

pub const KERNEL_TARGET: &str = "x86_64-unknown-none";

/// Build options shared by build, run, test and bench.
#[derive(Clone, Copy, Debug, Default)]
pub struct Profile {
    pub release: bool,
}

impl Profile {
    fn dir(self) -> &'static str {
        if self.release { "release" } else { "debug" }
    }
}

pub fn out_dir() -> PathBuf {
    util::target_dir().join("cordon")
}

fn build_kernel(profile: Profile, selftest: bool) -> Result<PathBuf> {
    let mut cmd = util::cargo();
    cmd.args([
        "build",
        "--package",
        "microkernel",
        "--target",
        KERNEL_TARGET,
    ]);
    if profile.release {
        cmd.arg("--release");
    }
    if selftest {
        cmd.args(["--features", "selftest"]);
    }
    util::run_status(&mut cmd)?;
    let built = util::target_dir()
        .join(KERNEL_TARGET)
        .join(profile.dir())
        .join("microkernel");
    let name = if selftest {
        "microkernel-selftest.elf"
    } else {
        "microkernel.elf"
    };
    let out = out_dir().join(profile.dir()).join(name);
    copy(&built, &out)?;
    Ok(out)
}

fn copy(from: &std::path::Path, to: &std::path::Path) -> Result<()> {
    if let Some(dir) = to.parent() {
        std::fs::create_dir_all(dir).map_err(|error| Error::Io {
            path: dir.to_path_buf(),
            error,
        })?;
    }
    std::fs::copy(from, to).map_err(|error| Error::Io {
        path: from.to_path_buf(),
        error,
    })?;
    Ok(())
}

fn build_initrd(profile: Profile) -> Result<PathBuf> {
    let out = out_dir().join(profile.dir()).join("initrd.tar");
    let entries = initrd_entries(profile, &[])?;
    image::write_initrd(&out, &entries).map_err(|e| Error::Missing(e.to_string()))?;
    Ok(out)
}

/// Everything the initrd holds: the programs, `image/initrd/**`, the
/// managed assemblies, `extra` files, and the index of them all.
pub fn initrd_entries(profile: Profile, extra: &[(&str, &[u8])]) -> Result<Vec<image::Entry>> {
    let mut entries = Vec::new();
    for (name, file) in crate::user::build(profile)? {
        entries.push(image::Entry {
            name,
            source: image::Source::File(file),
            executable: true,
        });
    }
    for (name, file) in crate::user::config_files()? {
        entries.push(image::Entry {
            name,
            source: image::Source::File(file),
            executable: false,
        });
    }
    let managed = crate::user::managed_files();
    if let Some(aot) = crate::user::aot_image(&managed)? {
        entries.push(image::Entry {
            name: crate::user::AOT_IMAGE.to_string(),
            source: image::Source::File(aot),
            executable: false,
        });
    }
    for (name, file) in managed {
        entries.push(image::Entry {
            name,
            source: image::Source::File(file),
            executable: false,
        });
    }
    for (name, bytes) in extra {
        entries.push(image::Entry {
            name: (*name).to_string(),
            source: image::Source::Bytes(bytes.to_vec()),
            executable: false,
        });
    }
    // The initrd's own listing: the supervisor matches `files=` patterns
    // against it (InitrdRead reads files but lists nothing).
    let mut index: Vec<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    index.push(crate::user::INITRD_INDEX);
    index.sort_unstable();
    let index = index.join("\n") + "\n";
    entries.push(image::Entry {
        name: crate::user::INITRD_INDEX.to_string(),
        source: image::Source::Bytes(index.into_bytes()),
        executable: false,
    });
    Ok(entries)
}

/// A GRUB ISO of `kernel` and `initrd` booting with `cmdline`.
pub fn build_iso(
    kernel: &std::path::Path,
    initrd: &std::path::Path,
    cmdline: &str,
    out: &std::path::Path,
) -> Result<()> {
    image::build_iso(kernel, initrd, cmdline, out)
        .map_err(|e| Error::Missing(format!("{e} (run `cargo xtask setup`)")))
}

/// Builds everything a boot needs.
pub fn build_images(profile: Profile) -> Result<Images> {
    let kernel = build_kernel(profile, false)?;
    let kernel_selftest = build_kernel(profile, true)?;
    let initrd = build_initrd(profile)?;
    let iso = out_dir().join(profile.dir()).join("cordon-test.iso");
    build_iso(&kernel, &initrd, cordon_tests::qemu::ISO_TEST_CMDLINE, &iso)?;
    Ok(Images {
        kernel,
        kernel_selftest,
        initrd,
        iso,
    })
}

pub fn parse_profile(args: &[String]) -> Result<(Profile, Vec<String>)> {
    let mut profile = Profile::default();
    let mut rest = Vec::new();
    for a in args {
        match a.as_str() {
            "--release" => profile.release = true,
            _ => rest.push(a.clone()),
        }
    }
    Ok((profile, rest))
}

pub fn cmd(args: &[String]) -> Result<()> {
    let (profile, rest) = parse_profile(args)?;
    if let Some(a) = rest.first() {
        return Err(Error::Usage(format!("build: unexpected `{a}`")));
    }
    let images = build_images(profile)?;
    println!("kernel:          {}", images.kernel.display());
    println!("selftest kernel: {}", images.kernel_selftest.display());
    println!("initrd:          {}", images.initrd.display());
    Ok(())
}

/// `cargo xtask clippy`: host crates with all targets, then the kernel for its
/// target (with and without `selftest`) and the ring-3 programs, warnings denied.
pub fn clippy(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        return Err(Error::Usage(format!("clippy: unexpected `{a}`")));
    }
    util::run_status(util::cargo().args(["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    for features in [&[][..], &["--features", "selftest"][..]] {
        util::run_status(
            util::cargo()
                .args([
                    "clippy",
                    "--package",
                    "microkernel",
                    "--target",
                    KERNEL_TARGET,
                ])
                .args(features)
                .args(["--", "-D", "warnings"]),
        )?;
    }
    // The ring-3 programs and their runtime, for their own target.
    util::run_status(
        util::cargo()
            .args(["clippy", "--target", KERNEL_TARGET, "--bins", "--lib"])
            .args([
                "--package",
                "userlib",
                "--package",
                "demo",
                "--package",
                "supervisor",
                "--package",
                "driverhost",
                "--package",
                "devlib",
                "--package",
                "virtio-blk",
                "--package",
                "fs-service",
                "--package",
                "shell",
            ])
            .args(["--features", "supervisor/program"])
            .args(["--features", "fs-service/program"])
            .args(["--features", "shell/program"])
            // The block service (services/blk).
            .args([
                "--package",
                "blk-service",
                "--features",
                "blk-service/program",
            ])
            .args(["--features", "virtio-blk/program", "--", "-D", "warnings"]),
    )?;
    Ok(())
}
