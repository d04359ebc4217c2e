//! `cargo xtask run`: boots Cordon with the serial console on this terminal.
//!
//! Quit QEMU with Ctrl-A X. `--gdb` makes QEMU wait for a debugger on
//! localhost:1234 (`gdb target/cordon/debug/microkernel.elf -ex 'target remote :1234'`).
//! Arguments after `--` go to QEMU unchanged.

use crate::build::{build_images, parse_profile};
use crate::util::{self, Error, Result};
use cordon_tests::QemuConfig;

pub fn cmd(args: &[String]) -> Result<()> {
    let (ours, qemu_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (
            args.get(..i).unwrap_or(&[]),
            args.get(i + 1..).unwrap_or(&[]),
        ),
        None => (args, &[][..]),
    };
    let (profile, rest) = parse_profile(ours)?;
    let mut gdb = false;
    let mut append = String::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--gdb" => gdb = true,
            "--append" => {
                append = it
                    .next()
                    .cloned()
                    .ok_or(Error::Usage("--append needs a value".into()))?
            }
            other => {
                return Err(Error::Usage(format!(
                    "run: unexpected `{other}` (QEMU arguments go after `--`)"
                )));
            }
        }
    }
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    let mut config = QemuConfig::new(images.kernel.clone());
    config.initrd = Some(images.initrd);
    config.append = append;
    if gdb {
        config.extra.extend(["-s", "-S"].map(String::from));
        eprintln!(
            "run: QEMU waits for gdb: gdb {} -ex 'target remote :1234'",
            images.kernel.display()
        );
    }
    config.extra.extend(qemu_args.iter().cloned());
    let mut cmd = config.command();
    cmd.args(["-serial", "mon:stdio"]);
    eprintln!("run: {} (quit: Ctrl-A X)", util::describe(&cmd));
    util::run_status(&mut cmd).or_else(|e| match e {
        // The kernel ends a boot through isa-debug-exit with odd statuses; that is
        // not a failure of `run` itself.
        Error::CommandFailed { .. } => Ok(()),
        other => Err(other),
    })
}
