//! `cargo xtask run`: boots Cordon with the serial console on this terminal.
//!
//! The default manifest brings up the driver host, the block and file
//! services on the data disk, and the user shell on the console
//! (`docs/shell.md`). When stdin is not a terminal (`printf 'ls\nshutdown\n'
//! | cargo xtask run`), its lines are typed into the shell one at a time,
//! each after the shell's prompt (`cordon_tests::script`), and `run` ends
//! when the machine powers off.
//!
//! Quit QEMU with Ctrl-A X. `--iso` boots a GRUB ISO of the same kernel
//! (multiboot2) instead of PVH `-kernel`. `--gdb` makes QEMU wait for a debugger on
//! localhost:1234 (`gdb target/cordon/debug/microkernel.elf -ex 'target remote :1234'`).
//! Arguments after `--` go to QEMU unchanged.

use crate::build::{build_images, parse_profile};
use crate::util::{self, Error, Result};
use cordon_tests::QemuConfig;
use std::io::IsTerminal;

/// `cargo xtask demo NAME`: the fault-isolation demos, each a manifest.
pub const DEMOS: &[(&str, &str, &str)] = &[
    (
        "cr2-0x300",
        "demo-0x300",
        "echo-a reads address 0x300 on its 5th request and dies; the supervisor restarts it, client-a reconnects, client-b never notices",
    ),
    (
        "crashloop",
        "crashloop",
        "a service faulting at start is restarted with doubling delays while others keep serving",
    ),
    (
        "hostile",
        "hostile",
        "20,000 random syscalls with hostile pointers; the kernel answers every one",
    ),
];

pub fn demo(args: &[String]) -> Result<()> {
    let Some(name) = args.first() else {
        let mut list = String::from("demo: name one of:\n");
        for (n, _, about) in DEMOS {
            list.push_str(&format!("  {n:<10} {about}\n"));
        }
        return Err(Error::Usage(list));
    };
    let Some((_, manifest, about)) = DEMOS.iter().find(|(n, ..)| n == name) else {
        return Err(Error::Usage(format!(
            "demo: no demo named `{name}` (run `cargo xtask demo` for the list)"
        )));
    };
    eprintln!("demo {name}: {about}");
    let mut run_args = vec!["--append".to_string(), format!("manifest={manifest}")];
    run_args.extend(args.iter().skip(1).cloned());
    cmd(&run_args)
}

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
    let mut iso = false;
    let mut disk: Option<std::path::PathBuf> = None;
    let mut append = String::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--gdb" => gdb = true,
            "--disk" => {
                disk = Some(
                    it.next()
                        .map(std::path::PathBuf::from)
                        .ok_or(Error::Usage("--disk needs a path".into()))?,
                )
            }
            "--iso" => iso = true,
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
    if iso {
        // The firmware and GRUB boot the ISO; the command line is baked in.
        let path = images.iso.with_file_name("cordon.iso");
        crate::build::build_iso(&images.kernel, &images.initrd, &append, &path)?;
        eprintln!("run: booting {} through GRUB (multiboot2)", path.display());
        config.cdrom = Some(path);
    }
    config.initrd = Some(images.initrd);
    config.append = append;
    if gdb {
        config.extra.extend(["-s", "-S"].map(String::from));
        eprintln!(
            "run: QEMU waits for gdb: gdb {} -ex 'target remote :1234'",
            images.kernel.display()
        );
    }
    // The disk the driver host binds its C# virtio-blk driver to: the one
    // given, or one made under target/ on first use (never overwritten).
    let disk = match disk {
        Some(d) => d,
        None => default_disk()?,
    };
    if !disk.is_file() {
        return Err(Error::Usage(format!(
            "run: no disk image at {}",
            disk.display()
        )));
    }
    config.extra.extend([
        "-drive".to_string(),
        format!("file={},if=none,id=d0,format=raw", disk.display()),
        "-device".into(),
        "virtio-blk-pci,drive=d0,disable-legacy=on".into(),
    ]);
    config.extra.extend(qemu_args.iter().cloned());
    let mut cmd = config.command();
    if !std::io::stdin().is_terminal() {
        return piped(cmd);
    }
    cmd.args(["-serial", "mon:stdio"]);
    eprintln!("run: {} (quit: Ctrl-A X)", util::describe(&cmd));
    util::run_status(&mut cmd).or_else(|e| match e {
        // The kernel ends a boot through isa-debug-exit with odd statuses; that is
        // not a failure of `run` itself.
        Error::CommandFailed { .. } => Ok(()),
        other => Err(other),
    })
}

/// How long a piped session waits: 300 s for the shell's first prompt, a
/// day for a command (a demo may run long; Ctrl-C ends `run`).
const PIPE_TIMEOUTS: cordon_tests::script::Timeouts = cordon_tests::script::Timeouts {
    boot: std::time::Duration::from_secs(300),
    command: std::time::Duration::from_secs(24 * 3600),
};

/// stdin is a pipe or a file: type it into the shell a line at a time.
fn piped(mut cmd: std::process::Command) -> Result<()> {
    use std::process::Stdio;
    cmd.args(["-serial", "stdio", "-monitor", "none"]);
    cmd.stdin(Stdio::piped()).stdout(Stdio::piped());
    eprintln!(
        "run: {} (stdin is not a terminal: each line is typed after the shell's prompt)",
        util::describe(&cmd)
    );
    let what = util::describe(&cmd);
    let mut child = cmd.spawn().map_err(|error| Error::Spawn {
        what: what.clone(),
        error,
    })?;
    let (result, _) = cordon_tests::script::pipe_session(
        &mut child,
        std::io::stdin().lock(),
        std::io::stdout(),
        PIPE_TIMEOUTS,
    );
    match result {
        // Powered off (status 0), or ended through isa-debug-exit.
        Ok(_) => Ok(()),
        Err(e) => Err(Error::CommandFailed {
            what: "the piped shell session".into(),
            status: e.to_string(),
        }),
    }
}

/// `cargo xtask disk [PATH]`: makes the data disk at PATH (default: the
/// one `run` uses); an existing file is refused, never overwritten.
pub fn disk_cmd(args: &[String]) -> Result<()> {
    let path = match args {
        [] => util::target_dir().join("cordon").join("disk.img"),
        [p] => std::path::PathBuf::from(p),
        _ => return Err(Error::Usage("disk: at most one PATH".into())),
    };
    if path.exists() {
        return Err(Error::Usage(format!(
            "disk: {} exists; it is left as it is (remove it to make a fresh one)",
            path.display()
        )));
    }
    image::datadisk::create(&path).map_err(|e| Error::Usage(format!("disk: {e}")))?;
    println!(
        "disk: made {} (FAT32, 64 MiB; /BIG.BIN FNV-1a {:#018x})",
        path.display(),
        image::datadisk::big_checksum()
    );
    Ok(())
}

/// `target/cordon/disk.img`: the data disk (`image::datadisk`: FAT32 with
/// sample files), made if missing. An existing image is the user's data and
/// is used as it is, never overwritten.
fn default_disk() -> Result<std::path::PathBuf> {
    let path = util::target_dir().join("cordon").join("disk.img");
    if !path.exists() {
        image::datadisk::create(&path).map_err(|e| Error::CommandFailed {
            what: format!("making the data disk {}", path.display()),
            status: e.to_string(),
        })?;
        eprintln!(
            "run: made the data disk (FAT32, sample files) at {}",
            path.display()
        );
    } else if !has_fat_boot_sector(&path) {
        eprintln!(
            "run: {} holds no FAT file system (an older `run` made it blank?): the file \
             service will refuse it. It is left alone; delete it for a fresh data disk.",
            path.display()
        );
    }
    Ok(path)
}

/// Whether the image starts with a FAT boot sector: the 0x55 0xAA
/// signature and "FAT" in the BPB's file-system type field (FAT32 at 82,
/// FAT12/16 at 54).
fn has_fat_boot_sector(path: &std::path::Path) -> bool {
    let mut sector = [0u8; 512];
    let read = std::fs::File::open(path).and_then(|mut f| {
        use std::io::Read;
        f.read_exact(&mut sector)
    });
    read.is_ok()
        && sector.get(510..512) == Some(&[0x55, 0xaa][..])
        && (sector.get(82..85) == Some(&b"FAT"[..]) || sector.get(54..57) == Some(&b"FAT"[..]))
}
