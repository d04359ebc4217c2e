//! What the shell needs from the system, as a trait: the program
//! (`main.rs`) implements it with syscalls and IPC, the host tests with
//! fakes. The types here are the shell's own view, so the commands do not
//! depend on how each protocol spells them.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Display;
use ipc::TaskIdWire;
use ipc::supervisor::{Reply, Request};

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    pub name: String,
    pub dir: bool,
    pub size: u64,
}

/// What `stat` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub dir: bool,
    pub size: u64,
    /// Further facts the file system reports (e.g. `("modified", "...")`),
    /// shown one per line.
    pub extra: Vec<(&'static str, String)>,
}

/// What `df` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FsStats {
    /// Bytes per allocation unit (a FAT cluster).
    pub unit: u64,
    pub total_units: u64,
    pub free_units: u64,
    /// The file system's kind and label, if it says (`FAT32 "CORDON"`).
    pub label: Option<String>,
}

/// One PCI function as `lspci` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciFunction {
    /// `bus << 8 | device << 3 | function`.
    pub bdf: u16,
    pub vendor: u16,
    pub device: u16,
    /// class << 24 | subclass << 16 | prog-if << 8 | revision.
    pub class: u32,
    /// The task the function is granted to.
    pub owner: Option<TaskIdWire>,
}

/// The system around the shell.
pub trait System {
    /// A file opened by [`System::open`] or [`System::create`].
    type Handle: Copy;
    /// Errors of the file service, shown by their typed names.
    type FsError: Display;
    /// Errors reaching a service (a dead or missing server, a reply that
    /// does not decode) or a syscall.
    type Error: Display;

    /// Writes bytes to the console as they are (`\n` is a line end).
    fn out(&mut self, bytes: &[u8]);
    /// Milliseconds since boot.
    fn uptime_ms(&self) -> u64;
    fn sleep_ms(&mut self, ms: u64);
    /// Whether ^C was typed since the last call (input typed meanwhile is
    /// kept for the line editor).
    fn interrupted(&mut self) -> bool;

    /// One `ipc::supervisor` request.
    fn supervisor(&mut self, request: Request) -> Result<Reply, Self::Error>;
    /// The machine's PCI functions.
    fn pci(&mut self) -> Result<Vec<PciFunction>, Self::Error>;

    fn open(&mut self, path: &str) -> Result<Self::Handle, Self::FsError>;
    /// Creates the file, or empties it if it exists, for writing.
    fn create(&mut self, path: &str) -> Result<Self::Handle, Self::FsError>;
    /// Reads at the handle's position; 0 at the end of the file.
    fn read(&mut self, file: Self::Handle, buf: &mut [u8]) -> Result<usize, Self::FsError>;
    /// Writes all of `data` at the handle's position.
    fn write(&mut self, file: Self::Handle, data: &[u8]) -> Result<(), Self::FsError>;
    fn close(&mut self, file: Self::Handle) -> Result<(), Self::FsError>;
    fn list(&mut self, dir: &str) -> Result<Vec<DirEntry>, Self::FsError>;
    fn mkdir(&mut self, path: &str) -> Result<(), Self::FsError>;
    fn remove(&mut self, path: &str) -> Result<(), Self::FsError>;
    fn rename(&mut self, from: &str, to: &str) -> Result<(), Self::FsError>;
    fn stat(&mut self, path: &str) -> Result<Metadata, Self::FsError>;
    fn statfs(&mut self) -> Result<FsStats, Self::FsError>;
    fn sync(&mut self) -> Result<(), Self::FsError>;
}

/// A `ReadDir` entry of `ipc::fs`.
pub fn dir_entry(e: &ipc::fs::DirEntry) -> DirEntry {
    DirEntry {
        name: e.name.clone(),
        dir: e.kind == ipc::fs::FileKind::Directory,
        size: e.size,
    }
}

/// `2026-12-01 03:40:12`.
pub fn datetime(d: &ipc::fs::DateTime) -> String {
    alloc::format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        d.year,
        d.month,
        d.day,
        d.hour,
        d.minute,
        d.second
    )
}

/// The FAT attribute byte as words (`read-only archive`), or `none`.
pub fn attributes(a: u8) -> String {
    let names = [
        (0x01, "read-only"),
        (0x02, "hidden"),
        (0x04, "system"),
        (0x08, "volume"),
        (0x10, "directory"),
        (0x20, "archive"),
    ];
    let words: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| a & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    if words.is_empty() {
        String::from("none")
    } else {
        words.join(" ")
    }
}

/// A `Stat` reply of `ipc::fs`.
pub fn metadata(m: &ipc::fs::Metadata) -> Metadata {
    Metadata {
        dir: m.kind == ipc::fs::FileKind::Directory,
        size: m.size,
        extra: alloc::vec![
            ("attributes", attributes(m.attributes)),
            ("created", datetime(&m.created)),
            ("modified", datetime(&m.modified)),
        ],
    }
}

/// A `StatFs` reply of `ipc::fs`.
pub fn fs_stats(i: &ipc::fs::FsInfo) -> FsStats {
    let kind = match i.fat_type {
        ipc::fs::FatType::Fat12 => "FAT12",
        ipc::fs::FatType::Fat16 => "FAT16",
        ipc::fs::FatType::Fat32 => "FAT32",
    };
    FsStats {
        unit: u64::from(i.cluster_size),
        total_units: u64::from(i.total_clusters),
        free_units: u64::from(i.free_clusters),
        label: Some(if i.label.is_empty() {
            String::from(kind)
        } else {
            alloc::format!("{kind} \"{}\"", i.label)
        }),
    }
}

/// What `PciInfo(n, ANY)` returns: (bdf, vendor | device << 16, class
/// word, owner's raw task id).
pub fn pci_function((bdf, ids, class, owner): (u16, u32, u32, Option<u32>)) -> PciFunction {
    PciFunction {
        bdf,
        vendor: ids as u16,
        device: (ids >> 16) as u16,
        class,
        owner: owner.map(TaskIdWire),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ipc::fs;

    #[test]
    fn fs_replies_become_the_shells_view() {
        let d = fs::DateTime {
            year: 2026,
            month: 12,
            day: 1,
            hour: 3,
            minute: 4,
            second: 58,
        };
        let m = metadata(&fs::Metadata {
            kind: fs::FileKind::File,
            size: 12,
            attributes: 0x21,
            created: d,
            modified: fs::DateTime::default(),
        });
        assert!(!m.dir && m.size == 12);
        assert_eq!(
            m.extra,
            [
                ("attributes", String::from("read-only archive")),
                ("created", String::from("2026-12-01 03:04:58")),
                ("modified", String::from("0000-00-00 00:00:00")),
            ]
        );
        assert_eq!(attributes(0), "none");
        let e = dir_entry(&fs::DirEntry {
            name: "Long Name.txt".into(),
            kind: fs::FileKind::Directory,
            size: 0,
        });
        assert!(e.dir && e.name == "Long Name.txt");
        let s = fs_stats(&fs::FsInfo {
            fat_type: fs::FatType::Fat32,
            label: "CORDON".into(),
            cluster_size: 4096,
            total_clusters: 10,
            free_clusters: 4,
        });
        assert_eq!((s.unit, s.total_units, s.free_units), (4096, 10, 4));
        assert_eq!(s.label.as_deref(), Some("FAT32 \"CORDON\""));
    }

    #[test]
    fn pci_words_are_split() {
        let f = pci_function((0x28, 0x1042_1af4, 0x0100_0001, Some(0x1_0003)));
        assert_eq!((f.bdf, f.vendor, f.device), (0x28, 0x1af4, 0x1042));
        assert_eq!(f.owner, Some(TaskIdWire(0x1_0003)));
    }
}
