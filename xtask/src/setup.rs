//! `cargo xtask setup`: makes sure the machine has what Cordon needs.
//!
//! The Rust side is pinned by `xtask/toolchain.toml`, installed by the
//! bootstrap that `cargo xtask` runs first (`xtask/bootstrap`: rustup installs
//! the nightly, its `x86_64-unknown-none` target and components).
//! System packages come from apt: installed when running as root, otherwise
//! the exact command is printed.

use crate::util::{self, Error, Result};
use std::process::Command;

/// (program that must be on PATH, Debian package that provides it, why).
const PACKAGES: &[(&str, &str, &str)] = &[
    (
        "qemu-system-x86_64",
        "qemu-system-x86",
        "boots Cordon (run, QEMU tests, benches)",
    ),
    (
        "mcs",
        "mono-mcs",
        "compiles the C# corlib, DDK, drivers and JIT tests",
    ),
    (
        "mono",
        "mono-runtime",
        "runs the C# tests as the JIT's differential oracle",
    ),
    (
        "monodis",
        "mono-utils",
        "inspects assemblies when debugging the JIT",
    ),
    (
        "grub-mkrescue",
        "grub-common",
        "builds the GRUB ISO (multiboot2 boot path)",
    ),
    (
        "/usr/lib/grub/i386-pc/modinfo.sh",
        "grub-pc-bin",
        "GRUB's BIOS modules for the ISO",
    ),
    (
        "xorriso",
        "xorriso",
        "writes the ISO image for grub-mkrescue",
    ),
    (
        "mtype",
        "mtools",
        "reads and writes files of FAT disk images from the host (tests)",
    ),
    (
        "fsck.fat",
        "dosfstools",
        "checks FAT disk images after tests wrote them (and mkfs.fat)",
    ),
];

/// A program on PATH, or (for an absolute path) a file that must exist.
fn present(what: &str) -> bool {
    if what.starts_with('/') {
        std::path::Path::new(what).exists()
    } else {
        util::have(what)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn version_line(prog: &str, arg: &str) -> String {
    Command::new(prog)
        .arg(arg)
        .output()
        .map(|o| {
            let text = if o.stdout.is_empty() {
                o.stderr
            } else {
                o.stdout
            };
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .unwrap_or("")
                .to_string()
        })
        .unwrap_or_else(|e| format!("(cannot run: {e})"))
}

/// Installs missing packages (or says how), then reports versions.
pub fn ensure(verbose: bool) -> Result<()> {
    let missing: Vec<_> = PACKAGES
        .iter()
        .filter(|(prog, ..)| !present(prog))
        .collect();
    if !missing.is_empty() {
        let pkgs: Vec<&str> = missing.iter().map(|(_, pkg, _)| *pkg).collect();
        let install = format!(
            "apt-get update && apt-get install -y --no-install-recommends {}",
            pkgs.join(" ")
        );
        for (prog, pkg, why) in &missing {
            eprintln!("setup: `{prog}` is missing (package {pkg}: {why})");
        }
        if !is_root() {
            return Err(Error::Missing(format!(
                "install them with:\n    sudo sh -c '{install}'"
            )));
        }
        if !util::have("apt-get") {
            return Err(Error::Missing(format!(
                "no apt-get on this machine: install the equivalents of: {}",
                pkgs.join(" ")
            )));
        }
        eprintln!("setup: {install}");
        util::run_status(
            Command::new("apt-get")
                .arg("update")
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        util::run_status(
            Command::new("apt-get")
                .args(["install", "-y", "--no-install-recommends"])
                .args(&pkgs)
                .env("DEBIAN_FRONTEND", "noninteractive"),
        )?;
        if let Some((prog, pkg, _)) = PACKAGES.iter().find(|(prog, ..)| !present(prog)) {
            return Err(Error::Missing(format!(
                "`{prog}` still missing after installing {pkg}"
            )));
        }
    }
    if verbose {
        println!("rustc:   {}", version_line("rustc", "--version"));
        println!(
            "qemu:    {}",
            version_line("qemu-system-x86_64", "--version")
        );
        println!("mcs:     {}", version_line("mcs", "--version"));
        println!("mono:    {}", version_line("mono", "--version"));
    }
    Ok(())
}

pub fn run(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        return Err(Error::Usage(format!(
            "setup takes no arguments (got `{a}`)"
        )));
    }
    ensure(true)?;
    println!("setup: everything Cordon needs is installed");
    Ok(())
}
