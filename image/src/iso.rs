//! A bootable GRUB ISO (BIOS): GRUB loads the kernel ELF through its
//! multiboot2 header and the initrd as a module, with the kernel command
//! line baked into `grub.cfg`. Built with `grub-mkrescue` (packages
//! `grub-pc-bin`, `grub-common`, `xorriso`).

use crate::ImageError;
use std::fs;
use std::path::Path;
use std::process::Command;

/// The GRUB configuration: no menu delay, output on the serial port too,
/// one entry booting Cordon with `cmdline`.
pub fn grub_cfg(cmdline: &str) -> String {
    format!(
        "set timeout=0\nset default=0\nserial --unit=0 --speed=115200\nterminal_input serial console\nterminal_output serial console\n\
         menuentry \"Cordon\" {{\n    multiboot2 /boot/cordon.elf {cmdline}\n    module2 /boot/initrd.tar initrd\n    boot\n}}\n"
    )
}

/// Builds `out` from `kernel` and `initrd`, booting with `cmdline`.
pub fn build_iso(
    kernel: &Path,
    initrd: &Path,
    cmdline: &str,
    out: &Path,
) -> Result<(), ImageError> {
    if cmdline.contains(['"', '\n', ';']) {
        return Err(ImageError::BadName(cmdline.to_string()));
    }
    let tree = out.with_extension("isodir");
    let boot = tree.join("boot");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| ImageError::Write { path, error }
    };
    let _ = fs::remove_dir_all(&tree);
    fs::create_dir_all(boot.join("grub")).map_err(io(&boot))?;
    fs::copy(kernel, boot.join("cordon.elf")).map_err(|error| ImageError::Read {
        path: kernel.to_path_buf(),
        error,
    })?;
    fs::copy(initrd, boot.join("initrd.tar")).map_err(|error| ImageError::Read {
        path: initrd.to_path_buf(),
        error,
    })?;
    fs::write(boot.join("grub/grub.cfg"), grub_cfg(cmdline)).map_err(io(&boot))?;
    let output = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(out)
        .arg(&tree)
        .output()
        .map_err(|error| ImageError::Tool {
            tool: "grub-mkrescue",
            detail: error.to_string(),
        })?;
    if !output.status.success() {
        return Err(ImageError::Tool {
            tool: "grub-mkrescue",
            detail: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    let _ = fs::remove_dir_all(&tree);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grub_cfg_boots_the_kernel_with_the_command_line_and_the_initrd() {
        let cfg = grub_cfg("manifest=ipc-pingpong log=debug");
        assert!(cfg.contains("multiboot2 /boot/cordon.elf manifest=ipc-pingpong log=debug\n"));
        assert!(cfg.contains("module2 /boot/initrd.tar initrd\n"));
        assert!(cfg.contains("set timeout=0\n"));
    }

    #[test]
    fn command_lines_that_would_break_grub_cfg_are_refused() {
        let p = Path::new("/nonexistent");
        assert!(matches!(
            build_iso(p, p, "a\"b", p),
            Err(ImageError::BadName(_))
        ));
        assert!(matches!(
            build_iso(p, p, "a\nboot", p),
            Err(ImageError::BadName(_))
        ));
    }
}
