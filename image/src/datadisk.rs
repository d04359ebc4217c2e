//! The data disk: a 64 MiB FAT32 image with a few sample files, built
//! deterministically — the same bytes on every build and every machine.
//!
//! It is formatted by fatfs and filled through the FAT service's own
//! library (`fs_service`, over a RAM disk), with a fixed volume id and the
//! service's fixed clock (2026-01-01 00:00:00), so nothing depends on the
//! time or the host. `tests` pins the image's checksum and checks it with
//! `fsck.fat` and `mtools`.
//!
//! | path | what |
//! |---|---|
//! | `/README.TXT` | [`README`] |
//! | `/BIG.BIN` | [`BIG_LEN`] bytes: 512-byte blocks of `ipc::blkdev::sector_pattern(BIG_SEED, i)`; FNV-1a 64 [`big_checksum`] |
//! | `/docs/A file with a long name.txt` | a long file name |
//! | `/docs/nested/deeper/HELLO.TXT` | [`HELLO`], three directories down |

use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

use fs_service::{FixedTime, NoGrants, RamDisk, Service, Volume};
use ipc::TaskIdWire;
use ipc::fs::{OpenMode, Reply, Request};

use crate::ImageError;

/// The image's size.
pub const BYTES: usize = 64 << 20;
pub const LABEL: &[u8; 11] = b"CORDON DATA";
/// FAT's volume serial number: fixed, or every build would differ.
pub const VOLUME_ID: u32 = 0xc0d0_2026;

pub const README: &str = "Cordon data disk.\n\
\n\
This FAT32 volume is what the FAT service (services/fs) mounts. BIG.BIN is\n\
1.5 MiB of a known pattern with a known checksum; docs/ holds a long file\n\
name and a nested directory. Built by image/src/datadisk.rs, the same bytes\n\
every time.\n";
pub const HELLO: &str = "hello from three directories down\n";
pub const LONG_NAME: &str = "/docs/A file with a long name.txt";
pub const LONG_NAME_TEXT: &str = "Long file names are VFAT entries before the 8.3 one.\n";
pub const HELLO_PATH: &str = "/docs/nested/deeper/HELLO.TXT";
pub const BIG_PATH: &str = "/BIG.BIN";
pub const BIG_LEN: usize = 3 << 19;
pub const BIG_SEED: u64 = 0xb16_f11e;

/// FNV-1a, 64 bits: the checksum the guest and the host both compute.
pub fn fnv1a64(data: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `/BIG.BIN`'s bytes.
pub fn big_contents() -> Vec<u8> {
    let mut data = vec![0u8; BIG_LEN];
    for (i, block) in data.chunks_mut(512).enumerate() {
        ipc::blkdev::sector_pattern(BIG_SEED, i as u64, block);
    }
    data
}

pub fn big_checksum() -> u64 {
    fnv1a64(&big_contents())
}

/// Why the data disk could not be built (a fatfs or service refusal; none
/// is expected for a RAM disk of this size).
fn fail(what: &str, detail: impl std::fmt::Debug) -> ImageError {
    ImageError::Tool {
        tool: "datadisk",
        detail: format!("{what}: {detail:?}"),
    }
}

const BUILDER: TaskIdWire = TaskIdWire(1);

/// The image's bytes.
pub fn build() -> Result<Vec<u8>, ImageError> {
    build_sized(BYTES)
}

/// The same volume and files on a disk of `bytes` (the fault-injection
/// campaign's, whose files only grow, is larger).
pub fn build_sized(bytes: usize) -> Result<Vec<u8>, ImageError> {
    let disk = format_fat32(RamDisk::new(bytes))?;
    let volume =
        Volume::mount(disk, 1024, FixedTime::default_time()).map_err(|e| fail("mount", e))?;
    let mut s = Service::new(Ok(volume));
    let mut call = |req: Request| match s.handle(BUILDER, req.clone(), &mut NoGrants) {
        Reply::Err(e) => Err(fail(&format!("{req:?}"), e)),
        r => Ok(r),
    };
    for dir in ["/docs", "/docs/nested", "/docs/nested/deeper"] {
        call(Request::Mkdir { path: dir.into() })?;
    }
    for (path, data) in [
        ("/README.TXT", README.as_bytes().to_vec()),
        (BIG_PATH, big_contents()),
        (LONG_NAME, LONG_NAME_TEXT.as_bytes().to_vec()),
        (HELLO_PATH, HELLO.as_bytes().to_vec()),
    ] {
        let Reply::Opened { handle, .. } = call(Request::Open {
            path: path.into(),
            mode: OpenMode::CREATE,
        })?
        else {
            return Err(fail(path, "no handle"));
        };
        for chunk in data.chunks(ipc::fs::DATA_MAX as usize) {
            call(Request::Write {
                handle,
                data: chunk.to_vec(),
            })?;
        }
        call(Request::Close { handle })?;
    }
    call(Request::Sync)?;
    let volume = s.into_volume().map_err(|e| fail("volume", e))?;
    Ok(volume.into_device().data)
}

fn format_fat32(disk: RamDisk) -> Result<RamDisk, ImageError> {
    use std::cell::RefCell;
    use std::rc::Rc;
    let cache = fs_service::cache::SectorCache::new(disk, 256).map_err(|e| fail("cache", e))?;
    let cache = Rc::new(RefCell::new(cache));
    let mut io = fs_service::io::DiskIo::new(cache.clone());
    let opts = fatfs::FormatVolumeOptions::new()
        .fat_type(fatfs::FatType::Fat32)
        .bytes_per_cluster(512)
        .volume_id(VOLUME_ID)
        .volume_label(*LABEL);
    fatfs::format_volume(&mut io, opts).map_err(|e| fail("format", e))?;
    drop(io);
    cache.borrow_mut().flush().map_err(|e| fail("flush", e))?;
    let cell = Rc::try_unwrap(cache).map_err(|_| fail("format", "cache still shared"))?;
    Ok(cell.into_inner().into_device())
}

/// Writes the data disk to `path`, which must not exist (an existing image
/// is the user's data: it is never overwritten). Zero blocks are skipped,
/// so the file is sparse where the file system allows.
pub fn create(path: &Path) -> Result<(), ImageError> {
    create_sized(path, BYTES)
}

/// [`create`] with a disk of `bytes`.
pub fn create_sized(path: &Path, bytes: usize) -> Result<(), ImageError> {
    let data = build_sized(bytes)?;
    let io = |error| ImageError::Write {
        path: path.to_path_buf(),
        error,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(io)?;
    for (i, block) in data.chunks(4096).enumerate() {
        if block.iter().any(|&b| b != 0) {
            f.seek(SeekFrom::Start((i * 4096) as u64)).map_err(io)?;
            f.write_all(block).map_err(io)?;
        }
    }
    f.set_len(data.len() as u64).map_err(io)?;
    f.sync_all().map_err(io)
}

#[cfg(test)]
mod tests;
