//! `cargo xtask …` enters here first, on whatever toolchain rustup's default
//! is, and with nothing but `std`: it makes sure the pinned toolchain of
//! `xtask/toolchain.toml` is installed, then runs the real `xtask` on it.
//!
//! Why a second step: rustup picks the toolchain for `cargo` before cargo
//! reads anything of ours, and with automatic installs turned off
//! (`RUSTUP_AUTO_INSTALL=0`) a `rust-toolchain.toml` naming a toolchain
//! that is not installed stops the very first `cargo` call. So the pin lives
//! in `xtask/toolchain.toml`, which rustup does not read; this program
//! installs it (`rustup toolchain install`, with its components and
//! targets), then copies it to the root `rust-toolchain.toml` (ignored by
//! git) so that plain `cargo` calls in the tree use the pin from then on,
//! and finally runs `cargo run -p xtask` with `RUSTUP_TOOLCHAIN` set to the
//! pin. See `docs/testing.md`, "Set-up".

mod pin;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(why) => {
            eprintln!("cargo xtask: {why}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let root = workspace_root()?;
    let text = std::fs::read_to_string(root.join(pin::FILE))
        .map_err(|e| format!("cannot read {}: {e}", pin::FILE))?;
    let pin = pin::Pin::parse(&text).map_err(|e| format!("{}: {e}", pin::FILE))?;
    if !installed(&pin) {
        install(&pin)?;
    }
    write_toolchain_file(&root, &text)?;
    let status = Command::new("cargo")
        .current_dir(&root)
        .env("RUSTUP_TOOLCHAIN", &pin.channel)
        // The outer cargo's variables describe the bootstrap's toolchain;
        // the real xtask must see its own.
        .env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTDOC")
        .args(["run", "--quiet", "--package", "xtask", "--"])
        .args(std::env::args_os().skip(1))
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        Some(c) => ExitCode::from(u8::try_from(c).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// The repository root: two levels above this crate's manifest.
fn workspace_root() -> Result<PathBuf, String> {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .ok_or_else(|| format!("no workspace root above {}", here.display()))
}

/// Whether the pinned toolchain is there with every component and target:
/// what rustup recorded in its sysroot as installed.
fn installed(pin: &pin::Pin) -> bool {
    let Ok(out) = Command::new("rustc")
        .env("RUSTUP_TOOLCHAIN", &pin.channel)
        .args(["--print", "sysroot"])
        .output()
    else {
        return false;
    };
    if !out.status.success() {
        return false;
    }
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    std::fs::read_to_string(sysroot.join("lib/rustlib/components"))
        .is_ok_and(|list| pin.satisfied_by(&list))
}

fn install(pin: &pin::Pin) -> Result<(), String> {
    let args = pin.install_args();
    eprintln!(
        "cargo xtask: installing the pinned toolchain: rustup {}",
        args.join(" ")
    );
    let status = Command::new("rustup").args(&args).status().map_err(|e| {
        format!(
            "cannot run rustup ({e}). Cordon's toolchain is pinned to {} and installed \
             through rustup: install rustup from https://rustup.rs \
             (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh), \
             then run this command again",
            pin.channel
        )
    })?;
    if !status.success() {
        return Err(format!("`rustup {}` failed ({status})", args.join(" ")));
    }
    if !installed(pin) {
        return Err(format!(
            "rustup reported success but {} still lacks a component or target of {}",
            pin.channel,
            pin::FILE
        ));
    }
    Ok(())
}

/// Keeps the root `rust-toolchain.toml` equal to the pin (written only when
/// it differs, so its timestamp does not churn).
fn write_toolchain_file(root: &Path, text: &str) -> Result<(), String> {
    let path = root.join("rust-toolchain.toml");
    let header =
        "# Written by `cargo xtask` from xtask/toolchain.toml (the pin); edit that file.\n";
    let want = format!("{header}{text}");
    if std::fs::read_to_string(&path).is_ok_and(|have| have == want) {
        return Ok(());
    }
    std::fs::write(&path, want).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
