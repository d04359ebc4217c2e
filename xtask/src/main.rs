//! `cargo xtask`: the one entry point a newcomer needs.
//!
//! `cargo xtask run` boots Cordon in QEMU; `cargo xtask test` runs every test.
//! Both install what is missing first (see [`setup`]).

mod bench;
mod bench_blk;
mod bench_boot_phases;
mod bench_ipc;
mod bench_restart;
mod build;
mod campaign;
mod demo;
mod managed;
mod run;
mod setup;
mod soak;
mod test;
mod user;
mod util;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  setup                     install/check system packages and the toolchain
  build [--release]         build the kernel, user programs and the initrd
  run [--gdb] [--iso] [--release] [--append CMDLINE] [-- QEMU-ARGS...]
                            boot Cordon in QEMU, serial console on this terminal
  demo [NAME|--list]        run a fault-isolation demo, serial log live
                            (jit-ldfld, driver-hang, wild-store, oom, crash-loop:
                            a copy checked on the disk image; no NAME: list)
  test                      every host test, then every QEMU test
  test jit                  only the JIT differential check (cilrun vs mono)
  qemu-test --list          list the QEMU tests
  qemu-test NAME...         run the named QEMU tests
  clippy                    clippy for the host crates and the kernel target
  managed [--force] [--mono [FILTER]]
                            compile the C# assemblies into target/managed/
                            (--mono runs the C# tests under mono as the oracle)
  bench boot [--icount]     boot-to-ready time (median of several TCG boots), boot to
                            the shell by phase (--icount: only that, in guest instructions)
  bench ipc                 IPC round trip vs null syscall, in cycles and instructions
  soak hostile --count N [--seed S]
                            N random hostile syscalls in one boot, then a client
                            checks the kernel still serves (not in CI)
  bench blk                 native virtio-blk driver: 4 KiB IOPS, 64 KiB MB/s at QD 1 and 32
  disk [PATH]               make the FAT32 data disk (default target/cordon/disk.img,
                            which `run` makes itself when missing); never overwrites
  bench restart [--icount]  driver-host fault -> first client I/O again, 50 restarts, by phase
                            (--icount: in guest instructions, immune to host load)
  campaign [--faults N] [--seed S] [--first F] [--kinds a,b] [--release]
                            the fault-injection campaign: N injections into the driver
                            host under a checked file workload; report in target/campaign/
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((cmd, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match cmd.as_str() {
        "setup" => setup::run(rest),
        "build" => build::cmd(rest),
        "run" => run::cmd(rest),
        "demo" => demo::cmd(rest),
        "test" => test::cmd(rest),
        "qemu-test" => test::qemu_cmd(rest),
        "clippy" => build::clippy(rest),
        "managed" => managed::cmd(rest),
        "bench" => bench::cmd(rest),
        "soak" => soak::cmd(rest),
        "campaign" => campaign::cmd(rest),
        "disk" => run::disk_cmd(rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(util::Error::Usage(format!(
            "unknown command `{other}`\n\n{USAGE}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
