//! The initrd: a ustar archive of programs and configuration that the boot
//! loader placed in memory. Read-only; the kernel looks files up by path.
//!
//! The archive is boot content (it comes with the kernel image), but it is
//! still read through a checked parser: a corrupt archive gives an error,
//! not a fault.

use crate::boot::info::Module;
use crate::mem::phys::phys_to_virt;
use spin::Once;
use tar_no_std::TarArchiveRef;
use x86_64::PhysAddr;

static INITRD: Once<&'static [u8]> = Once::new();

/// Records where the initrd is. Its frames are reserved by the frame
/// allocator, so the bytes stay valid for the kernel's lifetime.
pub fn init(module: Option<Module>) {
    if let Some(m) = module {
        let ptr = phys_to_virt(PhysAddr::new_truncate(m.start)).as_ptr::<u8>();
        // SAFETY: [start, start+len) is the boot module, reserved from the frame
        // allocator at boot and mapped by the physical window; nothing writes it.
        let bytes = unsafe { core::slice::from_raw_parts(ptr, m.len as usize) };
        INITRD.call_once(|| bytes);
    }
}

/// The bytes of file `path`, if the initrd has it.
pub fn file(path: &str) -> Option<&'static [u8]> {
    let bytes: &'static [u8] = INITRD.get()?;
    let archive = TarArchiveRef::new(bytes).ok()?;
    archive
        .entries()
        .find(|e| e.filename().as_str().ok() == Some(path))
        .map(|e| e.data())
}

/// Logs what the initrd holds.
pub fn log_contents() {
    let Some(bytes) = INITRD.get() else {
        log::warn!("no initrd: nothing to run");
        return;
    };
    match TarArchiveRef::new(bytes) {
        Ok(archive) => {
            // One line at the default level: every line on the serial
            // console costs boot time under emulation (~150 lines were
            // ~10 ms, docs/demos.md "Boot time"); `log=initrd=debug`
            // lists every file.
            let (mut files, mut bytes, mut programs) = (0usize, 0usize, 0usize);
            for e in archive.entries() {
                let name = e.filename();
                let name = name.as_str().unwrap_or("<bad name>");
                log::debug!("{name} ({} bytes)", e.size());
                files += 1;
                bytes += e.size();
                programs += usize::from(name.starts_with("bin/"));
            }
            log::info!(
                "{files} files, {bytes} bytes, {programs} programs in bin/ (log=initrd=debug lists them)"
            );
        }
        Err(e) => log::error!("initrd is not a valid tar archive: {e:?}"),
    }
}
