//! How Cordon is booted under QEMU: one place for the command line that
//! `cargo xtask run`, the tests and the benchmarks share.

use std::path::PathBuf;
use std::process::Command;

/// The images a boot needs.
#[derive(Clone, Debug)]
pub struct Images {
    /// The kernel `cargo xtask run` boots.
    pub kernel: PathBuf,
    /// The same kernel with the `selftest` feature (deliberate faults and
    /// stress tests selectable with `test=NAME`).
    pub kernel_selftest: PathBuf,
    pub initrd: PathBuf,
    /// A GRUB ISO of the plain kernel and the initrd that boots with
    /// `ISO_TEST_CMDLINE` (the multiboot2 path).
    pub iso: PathBuf,
}

/// The command line baked into the test ISO.
pub const ISO_TEST_CMDLINE: &str = "manifest=ipc-pingpong";

/// One QEMU boot.
#[derive(Clone, Debug)]
pub struct QemuConfig {
    pub kernel: PathBuf,
    pub initrd: Option<PathBuf>,
    /// The kernel command line.
    pub append: String,
    pub smp: u8,
    pub memory_mib: u32,
    /// Attach `isa-debug-exit` so the kernel can end the boot with a status.
    pub debug_exit: bool,
    /// Boot this ISO through the firmware and GRUB instead of `-kernel`
    /// (the kernel, initrd and command line are then the ISO's).
    pub cdrom: Option<PathBuf>,
    pub extra: Vec<String>,
}

impl QemuConfig {
    pub fn new(kernel: PathBuf) -> Self {
        QemuConfig {
            kernel,
            initrd: None,
            append: String::new(),
            smp: 2,
            memory_mib: 256,
            debug_exit: true,
            cdrom: None,
            extra: Vec::new(),
        }
    }

    /// The `qemu-system-x86_64` command; the caller decides what serial is
    /// connected to (`-serial stdio` is added here; stdin/stdout are the caller's).
    pub fn command(&self) -> Command {
        let mut cmd = Command::new("qemu-system-x86_64");
        cmd.args(["-accel", "tcg", "-machine", "q35", "-cpu", "max"]);
        cmd.args([
            "-m",
            &self.memory_mib.to_string(),
            "-smp",
            &self.smp.to_string(),
        ]);
        if let Some(iso) = &self.cdrom {
            cmd.arg("-cdrom").arg(iso);
        } else {
            cmd.arg("-kernel").arg(&self.kernel);
            if let Some(initrd) = &self.initrd {
                cmd.arg("-initrd").arg(initrd);
            }
            if !self.append.is_empty() {
                cmd.args(["-append", &self.append]);
            }
        }
        cmd.args(["-display", "none", "-no-reboot"]);
        if self.debug_exit {
            let dev = format!(
                "isa-debug-exit,iobase={:#x},iosize=0x04",
                ddk_abi::debug_exit::PORT
            );
            cmd.args(["-device", &dev]);
        }
        cmd.args(&self.extra);
        cmd
    }
}
