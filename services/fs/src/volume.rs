//! A mounted FAT volume: fatfs over the sector cache, and every file-system
//! operation the service offers, by path, with typed errors.
//!
//! No fatfs `File` lives across calls: each operation resolves its path,
//! does its work and drops what it opened. Open files are the service's
//! handles (a path and a position, `handles.rs`), not fatfs objects,
//! because two fatfs `File`s of one file each cache its directory entry and
//! the last to flush would win with a stale size.
//!
//! **Sync = unmount + flush + mount.** fatfs sets the volume's dirty bit on
//! the first write and clears it (and writes the FAT32 FSInfo free count)
//! only when it unmounts. An image a service left mounted would look
//! uncleanly unmounted to `fsck.fat` after every power-off. So `sync`
//! unmounts fatfs (dirty bit cleared, FSInfo written — into the cache),
//! writes every dirty page and flushes the device, then mounts again; that
//! costs two cached sector reads, since no fatfs object outlives a request.
//!
//! **Hostile images.** fatfs validates the boot sector; `mount` also
//! refuses a volume larger than the device. Structures that point outside
//! the disk reach the cache as out-of-range accesses and come back as
//! `Corrupt`; a directory longer than FAT allows (65,536 entries — e.g. a
//! cluster chain that loops) is `Corrupt` rather than an endless walk. The
//! fuzz target (`fuzz/`) feeds mutated images through all of this.

use alloc::rc::Rc;
use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use fatfs::{Read as _, Seek as _, Write as _};
use ipc::fs::{DateTime, DirEntry, FatType, FileKind, FsError, FsInfo, Metadata, OpenMode};

use crate::cache::{CacheError, SectorCache};
use crate::device::BlockDevice;
use crate::error::{from_cache, from_fatfs};
use crate::io::{DiskIo, SharedCache};
use crate::path::FsPath;

/// FAT's limit on a directory's entries (the spec's 2 MiB directory).
pub const DIR_ENTRIES_MAX: usize = 65_536;

/// The largest FAT file.
pub const FILE_MAX: u64 = u32::MAX as u64;

/// The time fatfs stamps on what it creates or modifies: fixed, because
/// Cordon has no wall clock in ring 3 yet (and the image builder wants
/// reproducible bytes).
#[derive(Clone, Copy, Debug)]
pub struct FixedTime(pub fatfs::DateTime);

impl FixedTime {
    /// 2026-01-01 00:00:00.
    pub fn default_time() -> Self {
        FixedTime(fatfs::DateTime::new(
            fatfs::Date::new(2026, 1, 1),
            fatfs::Time::new(0, 0, 0, 0),
        ))
    }
}

impl fatfs::TimeProvider for FixedTime {
    fn get_current_date(&self) -> fatfs::Date {
        self.0.date
    }

    fn get_current_date_time(&self) -> fatfs::DateTime {
        self.0
    }
}

pub type Fat<D> = fatfs::FileSystem<DiskIo<D>, FixedTime, fatfs::LossyOemCpConverter>;
type FatDir<'a, D> = fatfs::Dir<'a, DiskIo<D>, FixedTime, fatfs::LossyOemCpConverter>;
type FatEntry<'a, D> = fatfs::DirEntry<'a, DiskIo<D>, FixedTime, fatfs::LossyOemCpConverter>;
type FatFile<'a, D> = fatfs::File<'a, DiskIo<D>, FixedTime, fatfs::LossyOemCpConverter>;

/// Why a volume could not be mounted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MountError {
    /// The device could not be read.
    Device(ipc::blk::BlkError),
    /// No valid FAT boot sector, or values fatfs refuses.
    NotFat,
    /// The boot sector claims more sectors than the device has.
    LargerThanDevice { volume: u64, device: u64 },
    /// The device's block size is not one the cache handles.
    BadBlockSize(u32),
}

pub struct Volume<D: BlockDevice> {
    cache: SharedCache<D>,
    fs: Option<Fat<D>>,
    time: FixedTime,
}

impl<D: BlockDevice> Volume<D> {
    /// Mounts the FAT file system on `dev`, with a cache of `cache_pages`
    /// 4 KiB pages.
    pub fn mount(dev: D, cache_pages: usize, time: FixedTime) -> Result<Self, MountError> {
        let bs = dev.block_size();
        let cache = SectorCache::new(dev, cache_pages).map_err(|_| MountError::BadBlockSize(bs))?;
        let mut vol = Volume {
            cache: Rc::new(RefCell::new(cache)),
            fs: None,
            time,
        };
        vol.check_and_mount()?;
        Ok(vol)
    }

    fn check_and_mount(&mut self) -> Result<(), MountError> {
        self.cache.borrow_mut().start_operation();
        let mut boot = [0u8; 512];
        self.cache
            .borrow_mut()
            .read_at(0, &mut boot)
            .map_err(|e| match e {
                CacheError::Device(b) => MountError::Device(b),
                CacheError::OutOfDevice | CacheError::OverBudget => MountError::NotFat,
            })?;
        let u16_at = |i: usize| u16::from_le_bytes([boot[i], boot[i + 1]]);
        let bytes_per_sector = u64::from(u16_at(11));
        let total16 = u64::from(u16_at(19));
        let total32 = u64::from(u32::from_le_bytes([boot[32], boot[33], boot[34], boot[35]]));
        let sectors = if total16 != 0 { total16 } else { total32 };
        let volume = sectors.saturating_mul(bytes_per_sector);
        let device = self.cache.borrow().size();
        if volume > device {
            return Err(MountError::LargerThanDevice { volume, device });
        }
        self.remount()
    }

    fn remount(&mut self) -> Result<(), MountError> {
        let options = fatfs::FsOptions::new()
            .time_provider(self.time)
            .update_accessed_date(false);
        match fatfs::FileSystem::new(DiskIo::new(self.cache.clone()), options) {
            Ok(fs) => {
                self.fs = Some(fs);
                Ok(())
            }
            Err(fatfs::Error::Io(crate::io::IoFailure::Cache(CacheError::Device(e)))) => {
                Err(MountError::Device(e))
            }
            Err(_) => Err(MountError::NotFat),
        }
    }

    /// Unmounts without syncing and returns the device (tests look at it).
    pub fn into_device(mut self) -> D {
        // Dropping fatfs unmounts it into the cache, which is dropped
        // unflushed: the device holds what the last sync wrote.
        drop(self.fs.take());
        match Rc::try_unwrap(self.cache) {
            Ok(cell) => cell.into_inner().into_device(),
            Err(_) => unreachable!("no fatfs object outlives a call"),
        }
    }

    pub fn cache(&self) -> core::cell::Ref<'_, SectorCache<D>> {
        self.cache.borrow()
    }

    pub fn cache_mut(&self) -> core::cell::RefMut<'_, SectorCache<D>> {
        self.cache.borrow_mut()
    }

    /// fatfs, for one operation: every operation starts here, which
    /// starts its access budget.
    fn fs(&self) -> Result<&Fat<D>, FsError> {
        self.cache.borrow_mut().start_operation();
        self.fs.as_ref().ok_or(FsError::Unmounted)
    }

    /// Makes everything written so far durable: unmount (dirty bit cleared,
    /// FSInfo written), write back the cache, flush the device, mount again.
    pub fn sync(&mut self) -> Result<(), FsError> {
        self.cache.borrow_mut().start_operation();
        if let Some(fs) = self.fs.take() {
            // fatfs writes the FAT32 FSInfo free count only once it knows
            // it; an image left with "unknown" makes `fsck.fat` complain.
            // Counting scans the FAT once; afterwards fatfs keeps it.
            let counted = fs.stats().map(drop).map_err(from_fatfs);
            let unmounted = counted.and(fs.unmount().map_err(from_fatfs));
            // Mount again whatever happened: the cache still holds the
            // volume, and a failed unmount is reported below.
            let remounted = self.remount();
            unmounted?;
            remounted.map_err(|_| FsError::Corrupt)?;
        }
        self.cache.borrow_mut().flush().map_err(from_cache)
    }

    /// The directory at `parts` (the root for none).
    fn dir<'a>(fs: &'a Fat<D>, parts: &[String]) -> Result<FatDir<'a, D>, FsError> {
        let mut dir = fs.root_dir();
        for name in parts {
            let e = Self::find(&dir, name)?.ok_or(FsError::NotFound)?;
            if !e.is_dir() {
                return Err(FsError::NotADirectory);
            }
            dir = e.to_dir();
        }
        Ok(dir)
    }

    /// The entry called `name` in `dir`, if any; at most
    /// [`DIR_ENTRIES_MAX`] entries are looked at.
    fn find<'a>(dir: &FatDir<'a, D>, name: &str) -> Result<Option<FatEntry<'a, D>>, FsError> {
        for (i, e) in dir.iter().enumerate() {
            if i >= DIR_ENTRIES_MAX {
                return Err(FsError::Corrupt);
            }
            let e = e.map_err(from_fatfs)?;
            if !is_dot(&e) && e.eq_name(name) {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    /// The entry at `path` (`None` for the root, which has none).
    fn entry<'a>(fs: &'a Fat<D>, path: &FsPath) -> Result<Option<FatEntry<'a, D>>, FsError> {
        match path.split_last() {
            None => Ok(None),
            Some((parent, name)) => {
                let dir = Self::dir(fs, parent)?;
                Self::find(&dir, name)?.map(Some).ok_or(FsError::NotFound)
            }
        }
    }

    fn file<'a>(fs: &'a Fat<D>, path: &FsPath) -> Result<FatFile<'a, D>, FsError> {
        match Self::entry(fs, path)? {
            None => Err(FsError::IsADirectory),
            Some(e) if e.is_dir() => Err(FsError::IsADirectory),
            Some(e) => Ok(e.to_file()),
        }
    }

    /// Opens (creating or truncating per `mode`) the file at `path`;
    /// returns its size.
    pub fn open(&mut self, path: &FsPath, mode: OpenMode) -> Result<u64, FsError> {
        if !mode.is_valid() {
            return Err(FsError::InvalidArgument);
        }
        let fs = self.fs()?;
        let Some((parent, name)) = path.split_last() else {
            return Err(FsError::IsADirectory);
        };
        let dir = Self::dir(fs, parent)?;
        match Self::find(&dir, name)? {
            Some(e) if e.is_dir() => Err(FsError::IsADirectory),
            Some(_) if mode.create && mode.exclusive => Err(FsError::Exists),
            Some(e) => {
                if mode.truncate && e.len() > 0 {
                    let mut f = e.to_file();
                    f.truncate().map_err(from_fatfs)?;
                    return Ok(0);
                }
                Ok(e.len())
            }
            None if mode.create => {
                dir.create_file(name).map_err(from_fatfs)?;
                Ok(0)
            }
            None => Err(FsError::NotFound),
        }
    }

    /// The size of the file at `path`.
    pub fn size(&self, path: &FsPath) -> Result<u64, FsError> {
        let fs = self.fs()?;
        let f = Self::file(fs, path)?;
        Ok(f.size().map_or(0, u64::from))
    }

    /// Reads up to `buf.len()` bytes at `pos`; fewer only at end of file.
    pub fn read(&mut self, path: &FsPath, pos: u64, buf: &mut [u8]) -> Result<usize, FsError> {
        let fs = self.fs()?;
        let mut f = Self::file(fs, path)?;
        let size = f.size().map_or(0, u64::from);
        if pos >= size {
            return Ok(0);
        }
        f.seek(fatfs::SeekFrom::Start(pos)).map_err(from_fatfs)?;
        let mut done = 0;
        while done < buf.len() {
            let Some(rest) = buf.get_mut(done..) else {
                break;
            };
            match f.read(rest).map_err(from_fatfs)? {
                0 => break,
                n => done += n,
            }
        }
        // A cluster chain shorter than the size recorded in the entry.
        if done < buf.len() && pos + (done as u64) < size {
            return Err(FsError::Corrupt);
        }
        Ok(done)
    }

    /// Writes `data` at `pos` (the end if `append`), zero-filling any gap
    /// after the current end; returns the position after the write.
    pub fn write(
        &mut self,
        path: &FsPath,
        pos: u64,
        data: &[u8],
        append: bool,
    ) -> Result<u64, FsError> {
        let fs = self.fs()?;
        let mut f = Self::file(fs, path)?;
        let size = f.size().map_or(0, u64::from);
        let at = if append { size } else { pos };
        let end = at
            .checked_add(data.len() as u64)
            .ok_or(FsError::FileTooLarge)?;
        if end > FILE_MAX {
            return Err(FsError::FileTooLarge);
        }
        if at > size {
            f.seek(fatfs::SeekFrom::End(0)).map_err(from_fatfs)?;
            write_zeros(&mut f, at - size)?;
        } else {
            f.seek(fatfs::SeekFrom::Start(at)).map_err(from_fatfs)?;
        }
        if f.seek(fatfs::SeekFrom::Current(0)).map_err(from_fatfs)? != at {
            return Err(FsError::Corrupt);
        }
        f.write_all(data).map_err(from_fatfs)?;
        Ok(end)
    }

    /// Sets the length of the file at `path`.
    pub fn truncate(&mut self, path: &FsPath, len: u64) -> Result<(), FsError> {
        if len > FILE_MAX {
            return Err(FsError::FileTooLarge);
        }
        let fs = self.fs()?;
        let mut f = Self::file(fs, path)?;
        let size = f.size().map_or(0, u64::from);
        if len < size {
            let at = f.seek(fatfs::SeekFrom::Start(len)).map_err(from_fatfs)?;
            if at != len {
                return Err(FsError::Corrupt);
            }
            f.truncate().map_err(from_fatfs)?;
        } else if len > size {
            f.seek(fatfs::SeekFrom::End(0)).map_err(from_fatfs)?;
            write_zeros(&mut f, len - size)?;
        }
        Ok(())
    }

    /// One page of the directory at `path` from entry `cursor` on: as many
    /// entries as fit an `Entries` reply, and the next cursor.
    pub fn read_dir(
        &self,
        path: &FsPath,
        cursor: u32,
    ) -> Result<(Vec<DirEntry>, Option<u32>), FsError> {
        let fs = self.fs()?;
        let dir = Self::dir(fs, path.parts())?;
        let mut out = Vec::new();
        let mut index: u32 = 0;
        for (i, e) in dir.iter().enumerate() {
            if i >= DIR_ENTRIES_MAX {
                return Err(FsError::Corrupt);
            }
            let e = e.map_err(from_fatfs)?;
            if is_dot(&e) {
                continue;
            }
            if index >= cursor {
                out.push(DirEntry {
                    name: e.file_name(),
                    kind: kind(&e),
                    size: if e.is_dir() { 0 } else { e.len() },
                });
                // Measured with the widest `next`, so the page fits
                // whatever cursor ends it.
                if ipc::fs::entries_size(&out, Some(u32::MAX)) > ipc::MESSAGE_MAX {
                    out.pop();
                    // The directory must end within FAT's limit: a page
                    // from a looping directory would send its client
                    // paging forever.
                    let rest = dir.iter().skip(i).take(DIR_ENTRIES_MAX - i + 1);
                    let mut seen = i;
                    for e in rest {
                        e.map_err(from_fatfs)?;
                        seen += 1;
                    }
                    if seen > DIR_ENTRIES_MAX {
                        return Err(FsError::Corrupt);
                    }
                    return Ok((out, Some(index)));
                }
            }
            index = index.checked_add(1).ok_or(FsError::Corrupt)?;
        }
        Ok((out, None))
    }

    pub fn mkdir(&mut self, path: &FsPath) -> Result<(), FsError> {
        let fs = self.fs()?;
        let Some((parent, name)) = path.split_last() else {
            return Err(FsError::Exists);
        };
        let dir = Self::dir(fs, parent)?;
        if Self::find(&dir, name)?.is_some() {
            return Err(FsError::Exists);
        }
        dir.create_dir(name).map(drop).map_err(from_fatfs)
    }

    /// Removes a file or an empty directory.
    pub fn remove(&mut self, path: &FsPath) -> Result<(), FsError> {
        let fs = self.fs()?;
        let Some((parent, name)) = path.split_last() else {
            return Err(FsError::InvalidArgument);
        };
        let dir = Self::dir(fs, parent)?;
        let e = Self::find(&dir, name)?.ok_or(FsError::NotFound)?;
        if e.is_dir() {
            let sub = e.to_dir();
            for (i, c) in sub.iter().enumerate() {
                if i >= DIR_ENTRIES_MAX {
                    return Err(FsError::Corrupt);
                }
                if !is_dot(&c.map_err(from_fatfs)?) {
                    return Err(FsError::NotEmpty);
                }
            }
        }
        dir.remove(name).map_err(from_fatfs)
    }

    /// Moves `from` to `to`. A directory moves only within its parent:
    /// fatfs does not rewrite a moved directory's `..` entry, which would
    /// leave it pointing at the old parent (`fsck.fat` reports that).
    pub fn rename(&mut self, from: &FsPath, to: &FsPath) -> Result<(), FsError> {
        let fs = self.fs()?;
        let (Some((from_parent, from_name)), Some((to_parent, to_name))) =
            (from.split_last(), to.split_last())
        else {
            return Err(FsError::InvalidArgument);
        };
        let src_dir = Self::dir(fs, from_parent)?;
        let src = Self::find(&src_dir, from_name)?.ok_or(FsError::NotFound)?;
        let dst_dir = Self::dir(fs, to_parent)?;
        if from.key() == to.key() {
            // Same file (perhaps another case): fatfs would find the source
            // as the target; a case-only rename is left as it is.
            return Ok(());
        }
        if Self::find(&dst_dir, to_name)?.is_some() {
            return Err(FsError::Exists);
        }
        if src.is_dir() {
            let same_parent = FsPath::parse(&from_parent.join("/"))?.key()
                == FsPath::parse(&to_parent.join("/"))?.key();
            if !same_parent {
                return Err(FsError::InvalidArgument);
            }
        }
        src_dir
            .rename(from_name, &dst_dir, to_name)
            .map_err(from_fatfs)
    }

    pub fn stat(&self, path: &FsPath) -> Result<Metadata, FsError> {
        let fs = self.fs()?;
        Ok(match Self::entry(fs, path)? {
            None => Metadata {
                kind: FileKind::Directory,
                size: 0,
                attributes: 0x10,
                created: DateTime::default(),
                modified: DateTime::default(),
            },
            Some(e) => Metadata {
                kind: kind(&e),
                size: if e.is_dir() { 0 } else { e.len() },
                attributes: e.attributes().bits(),
                created: date_time(e.created()),
                modified: date_time(e.modified()),
            },
        })
    }

    /// One line for the service's start-up log.
    pub fn statfs_line(&self) -> Result<String, FsError> {
        let i = self.statfs()?;
        let mib = |clusters: u32| (u64::from(clusters) * u64::from(i.cluster_size)) >> 20;
        Ok(alloc::format!(
            "{:?} '{}': {} MiB in {}-byte clusters, {} MiB free",
            i.fat_type,
            i.label,
            mib(i.total_clusters),
            i.cluster_size,
            mib(i.free_clusters)
        ))
    }

    pub fn statfs(&self) -> Result<FsInfo, FsError> {
        let fs = self.fs()?;
        let stats = fs.stats().map_err(from_fatfs)?;
        let label = fs.volume_label();
        Ok(FsInfo {
            fat_type: match fs.fat_type() {
                fatfs::FatType::Fat12 => FatType::Fat12,
                fatfs::FatType::Fat16 => FatType::Fat16,
                fatfs::FatType::Fat32 => FatType::Fat32,
            },
            label: String::from(label.trim_end()),
            cluster_size: stats.cluster_size(),
            total_clusters: stats.total_clusters(),
            free_clusters: stats.free_clusters(),
        })
    }
}

fn write_zeros<D: BlockDevice>(f: &mut FatFile<'_, D>, mut n: u64) -> Result<(), FsError> {
    let zeros = [0u8; 512];
    while n > 0 {
        let k = n.min(zeros.len() as u64) as usize;
        f.write_all(zeros.get(..k).unwrap_or(&[]))
            .map_err(from_fatfs)?;
        n -= k as u64;
    }
    Ok(())
}

fn is_dot<D: BlockDevice>(e: &FatEntry<'_, D>) -> bool {
    matches!(e.short_file_name_as_bytes(), b"." | b"..")
}

fn kind<D: BlockDevice>(e: &FatEntry<'_, D>) -> FileKind {
    if e.is_dir() {
        FileKind::Directory
    } else {
        FileKind::File
    }
}

fn date_time(d: fatfs::DateTime) -> DateTime {
    DateTime {
        year: d.date.year,
        month: d.date.month as u8,
        day: d.date.day as u8,
        hour: d.time.hour as u8,
        minute: d.time.min as u8,
        second: d.time.sec as u8,
    }
}
