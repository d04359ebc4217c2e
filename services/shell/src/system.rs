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
