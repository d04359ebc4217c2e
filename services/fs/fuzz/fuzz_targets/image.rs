//! Mutated FAT images through the whole FAT service: mount, then every
//! kind of request. Nothing may panic and everything must end (libFuzzer's
//! timeout finds hangs); a damaged image gives typed errors.
//!
//! Two base images, made once with fatfs and populated through the service
//! itself (files, long names, nested directories):
//! - FAT12, 1 MiB: the input (after its first byte) overwrites the image
//!   from offset 0 — boot sector, FATs, root directory and the first data
//!   clusters all lie in the first 16 KiB;
//! - FAT32, 34 MiB: the input is patch records `[area u8][offset u16 le]
//!   [len u8][bytes]`, the area one of boot sector, FSInfo, FAT 1, FAT 2,
//!   root directory cluster, a subdirectory's cluster, a file's cluster.
//!
//! The disk is a copy-on-write overlay over the shared base, so a 34 MiB
//! image costs nothing per input.

#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use fs_service::{BlockDevice, FixedTime, NoGrants, RamDisk, Service, Volume};
use ipc::TaskIdWire;
use ipc::blk::BlkError;
use ipc::fs::{OpenMode, Reply, Request, SeekFrom};
use libfuzzer_sys::fuzz_target;

const CLIENT: TaskIdWire = TaskIdWire(3 | 1 << 16);

struct Base {
    image: Vec<u8>,
    /// Byte offsets of the FAT32 image's interesting areas.
    areas: Vec<u64>,
}

/// The base image as the disk, with the input's sectors over it.
struct Overlay {
    base: &'static [u8],
    sectors: BTreeMap<u64, [u8; 512]>,
}

impl Overlay {
    fn patch(&mut self, offset: u64, bytes: &[u8]) {
        for (i, b) in bytes.iter().enumerate() {
            let at = offset + i as u64;
            if at >= self.base.len() as u64 {
                return;
            }
            let s = self.sector(at / 512);
            s[(at % 512) as usize] = *b;
        }
    }

    fn sector(&mut self, lba: u64) -> &mut [u8; 512] {
        let base = self.base;
        self.sectors.entry(lba).or_insert_with(|| {
            let mut s = [0u8; 512];
            let at = (lba * 512) as usize;
            s.copy_from_slice(&base[at..at + 512]);
            s
        })
    }
}

impl BlockDevice for Overlay {
    fn block_size(&self) -> u32 {
        512
    }

    fn blocks(&self) -> u64 {
        self.base.len() as u64 / 512
    }

    fn max_transfer(&self) -> usize {
        64 * 1024
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        let end = lba + (buf.len() / 512) as u64;
        if end > self.blocks() {
            return Err(BlkError::OutOfRange {
                blocks: self.blocks(),
            });
        }
        for (i, chunk) in buf.chunks_mut(512).enumerate() {
            let l = lba + i as u64;
            match self.sectors.get(&l) {
                Some(s) => chunk.copy_from_slice(s),
                None => {
                    let at = (l * 512) as usize;
                    chunk.copy_from_slice(&self.base[at..at + 512]);
                }
            }
        }
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlkError> {
        let end = lba + (buf.len() / 512) as u64;
        if end > self.blocks() {
            return Err(BlkError::OutOfRange {
                blocks: self.blocks(),
            });
        }
        for (i, chunk) in buf.chunks(512).enumerate() {
            self.sector(lba + i as u64).copy_from_slice(chunk);
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlkError> {
        Ok(())
    }
}

fn format(bytes: usize, fat_type: fatfs::FatType) -> Vec<u8> {
    // Format through the service's own storage stack over a RAM disk.
    let disk = RamDisk::new(bytes);
    let cache = std::rc::Rc::new(std::cell::RefCell::new(
        fs_service::cache::SectorCache::new(disk, 64).unwrap(),
    ));
    let mut io = fs_service::io::DiskIo::new(cache.clone());
    let opts = fatfs::FormatVolumeOptions::new()
        .fat_type(fat_type)
        .bytes_per_cluster(512)
        .volume_label(*b"FUZZ       ");
    fatfs::format_volume(&mut io, opts).unwrap();
    drop(io);
    cache.borrow_mut().flush().unwrap();
    let disk = std::rc::Rc::try_unwrap(cache).ok().unwrap().into_inner().into_device();
    // Populate it through the service.
    let mut s = Service::new(Volume::mount(disk, 256, FixedTime::default_time()));
    let mut call = |r: Request| s.handle(CLIENT, r, &mut NoGrants);
    call(Request::Mkdir { path: "/sub".into() });
    call(Request::Mkdir {
        path: "/sub/a directory with a long name".into(),
    });
    for (path, len) in [
        ("/README.TXT", 300usize),
        ("/sub/file with a long name.bin", 5000),
        ("/sub/a directory with a long name/x", 10),
    ] {
        if let Reply::Opened { handle, .. } = call(Request::Open {
            path: path.into(),
            mode: OpenMode::CREATE,
        }) {
            call(Request::Write {
                handle,
                data: (0..len).map(|i| i as u8).collect(),
            });
            call(Request::Close { handle });
        }
    }
    call(Request::Sync);
    s.into_volume().unwrap().into_device().data
}

fn u16_at(img: &[u8], i: usize) -> u64 {
    u64::from(u16::from_le_bytes([img[i], img[i + 1]]))
}

fn u32_at(img: &[u8], i: usize) -> u64 {
    u64::from(u32::from_le_bytes([img[i], img[i + 1], img[i + 2], img[i + 3]]))
}

fn bases() -> &'static (Base, Base) {
    static BASES: OnceLock<(Base, Base)> = OnceLock::new();
    BASES.get_or_init(|| {
        let small = Base {
            image: format(1 << 20, fatfs::FatType::Fat12),
            areas: vec![0],
        };
        let img = format(34 << 20, fatfs::FatType::Fat32);
        let reserved = u16_at(&img, 14);
        let fat_sectors = u32_at(&img, 36);
        let fats = u64::from(img[16]);
        let data = (reserved + fats * fat_sectors) * 512;
        let cluster = |c: u64| data + (c - 2) * 512;
        let root = u32_at(&img, 44);
        let areas = vec![
            0,
            u16_at(&img, 48) * 512,
            reserved * 512,
            (reserved + fat_sectors) * 512,
            cluster(root),
            // The first clusters after the root hold /sub, its files and
            // the nested directory.
            cluster(root + 1),
            cluster(root + 2),
            cluster(root + 4),
        ];
        (small, Base { image: img, areas })
    })
}

fn run(disk: Overlay) {
    let mut s = Service::new(Volume::mount(disk, 64, FixedTime::default_time()));
    let mut call = |r: Request| s.handle(CLIENT, r, &mut NoGrants);
    call(Request::StatFs);
    // Walk the tree (bounded), reading what is there.
    let mut dirs = vec![String::from("/")];
    let mut files = Vec::new();
    let mut listed = 0;
    while let Some(d) = dirs.pop() {
        if listed > 8 {
            break;
        }
        listed += 1;
        let mut cursor = 0;
        for _ in 0..4 {
            match call(Request::ReadDir {
                path: d.clone(),
                cursor,
            }) {
                Reply::Entries { entries, next } => {
                    for e in entries.into_iter().take(16) {
                        let p = format!("{}/{}", d.trim_end_matches('/'), e.name);
                        call(Request::Stat { path: p.clone() });
                        match e.kind {
                            ipc::fs::FileKind::Directory => dirs.push(p),
                            ipc::fs::FileKind::File => files.push(p),
                        }
                    }
                    match next {
                        Some(n) => cursor = n,
                        None => break,
                    }
                }
                _ => break,
            }
        }
    }
    for f in files.iter().take(8) {
        if let Reply::Opened { handle, .. } = call(Request::Open {
            path: f.clone(),
            mode: OpenMode {
                read: true,
                write: true,
                ..OpenMode::default()
            },
        }) {
            for _ in 0..4 {
                if call(Request::Read {
                    handle,
                    len: ipc::fs::DATA_MAX,
                }) == Reply::Data(vec![])
                {
                    break;
                }
            }
            call(Request::Seek {
                handle,
                to: SeekFrom::Start(700),
            });
            call(Request::Write {
                handle,
                data: vec![0x5a; 1500],
            });
            call(Request::Truncate { handle, len: 100 });
            call(Request::Close { handle });
        }
    }
    // Mutations.
    call(Request::Mkdir {
        path: "/sub/new dir".into(),
    });
    if let Reply::Opened { handle, .. } = call(Request::Open {
        path: "/sub/new dir/new file.txt".into(),
        mode: OpenMode::CREATE,
    }) {
        call(Request::Write {
            handle,
            data: vec![1; 3000],
        });
        call(Request::Close { handle });
    }
    call(Request::Rename {
        from: "/README.TXT".into(),
        to: "/sub/moved readme.txt".into(),
    });
    for f in files.iter().take(3) {
        call(Request::Remove { path: f.clone() });
    }
    call(Request::Remove {
        path: "/sub/a directory with a long name".into(),
    });
    call(Request::Sync);
    call(Request::StatFs);
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (small, big) = bases();
    if mode & 1 == 0 {
        let mut disk = Overlay {
            base: &small.image,
            sectors: BTreeMap::new(),
        };
        disk.patch(0, &rest[..rest.len().min(16 * 1024)]);
        run(disk);
    } else {
        let mut disk = Overlay {
            base: &big.image,
            sectors: BTreeMap::new(),
        };
        let mut r = rest;
        while let [area, lo, hi, len, tail @ ..] = r {
            let n = usize::from(*len).min(tail.len());
            let base = big.areas[usize::from(*area) % big.areas.len()];
            let offset = base + u64::from(u16::from_le_bytes([*lo, *hi]));
            disk.patch(offset, &tail[..n]);
            r = &tail[n..];
        }
        run(disk);
    }
});
