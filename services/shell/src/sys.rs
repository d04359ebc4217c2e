//! [`shell::System`] for ring 3: the supervisor and the FAT service are
//! looked up by name for every command (a restarted service has a new task
//! id; the name finds the current one), the PCI listing comes from the
//! kernel, time and sleep from their syscalls.

use alloc::vec::Vec;
use ipc::fs::{Handle, OpenMode};
use ipc::supervisor::{Reply, Request, Supervisor};
use shell::system::{DirEntry, FsStats, Metadata, PciFunction, System};
use userlib::SyscallError;
use userlib::fs::{FsClient, FsClientError};
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;

/// Why a request did not reach a service or the kernel.
#[derive(Clone, Copy, Debug)]
pub enum SysError {
    /// `Lookup` of the named service failed (it is not running).
    NoService(&'static str, Error),
    Rpc(RpcError),
    Pci(Error),
}

impl core::fmt::Display for SysError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SysError::NoService(name, e) => write!(f, "no {name} service ({e})"),
            SysError::Rpc(e) => write!(f, "{e}"),
            SysError::Pci(e) => write!(f, "PciInfo: {e}"),
        }
    }
}

/// A failure of the file service, or of reaching it.
#[derive(Clone, Copy, Debug)]
pub enum FileError {
    NoService(Error),
    Fs(FsClientError),
}

impl core::fmt::Display for FileError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FileError::NoService(e) => write!(f, "no fs service ({e})"),
            FileError::Fs(e) => write!(f, "{e}"),
        }
    }
}

impl From<FsClientError> for FileError {
    fn from(e: FsClientError) -> Self {
        FileError::Fs(e)
    }
}

/// ^C, as the editor knows it.
const CTRL_C: u8 = 0x03;

#[derive(Default)]
pub struct Sys {
    /// Input read while a command ran, for the editor afterwards.
    kept: Vec<u8>,
}

impl Sys {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn take_kept(&mut self) -> Vec<u8> {
        core::mem::take(&mut self.kept)
    }

    fn fs(&self) -> Result<FsClient, FileError> {
        FsClient::lookup().map_err(FileError::NoService)
    }
}

impl System for Sys {
    type Handle = Handle;
    type FsError = FileError;
    type Error = SysError;

    fn out(&mut self, bytes: &[u8]) {
        crate::console::write(bytes);
    }

    fn uptime_ms(&self) -> u64 {
        userlib::uptime_us() / 1000
    }

    fn sleep_ms(&mut self, ms: u64) {
        userlib::sleep_ms(ms);
    }

    fn interrupted(&mut self) -> bool {
        let mut input = Vec::new();
        crate::console::read_all(&mut input);
        match input.iter().position(|&b| b == CTRL_C) {
            Some(at) => {
                // What was typed after the ^C is the next line's start.
                self.kept.extend(input.iter().skip(at + 1));
                true
            }
            None => {
                self.kept.extend(input);
                false
            }
        }
    }

    fn supervisor(&mut self, request: Request) -> Result<Reply, SysError> {
        let sup =
            userlib::lookup("supervisor").map_err(|e| SysError::NoService("supervisor", e))?;
        rpc::call::<Supervisor>(sup, &request).map_err(SysError::Rpc)
    }

    fn pci(&mut self) -> Result<Vec<PciFunction>, SysError> {
        let mut out = Vec::new();
        for n in 0.. {
            match userlib::sys::pci_info_any(n) {
                Ok((bdf, ids, class, owner)) => out.push(shell::system::pci_function((
                    bdf,
                    ids,
                    class,
                    owner.map(|t| t.0),
                ))),
                Err(Error::Sys(SyscallError::NotFound)) => break,
                Err(e) => return Err(SysError::Pci(e)),
            }
        }
        Ok(out)
    }

    fn open(&mut self, path: &str) -> Result<Handle, FileError> {
        Ok(self.fs()?.open(path, OpenMode::READ)?.0)
    }

    fn create(&mut self, path: &str) -> Result<Handle, FileError> {
        Ok(self.fs()?.open(path, OpenMode::CREATE)?.0)
    }

    fn read(&mut self, file: Handle, buf: &mut [u8]) -> Result<usize, FileError> {
        Ok(self.fs()?.read(file, buf)?)
    }

    fn write(&mut self, file: Handle, data: &[u8]) -> Result<(), FileError> {
        Ok(self.fs()?.write_all(file, data)?)
    }

    fn close(&mut self, file: Handle) -> Result<(), FileError> {
        Ok(self.fs()?.close(file)?)
    }

    fn list(&mut self, dir: &str) -> Result<Vec<DirEntry>, FileError> {
        let entries = self.fs()?.read_dir(dir)?;
        Ok(entries.iter().map(shell::system::dir_entry).collect())
    }

    fn mkdir(&mut self, path: &str) -> Result<(), FileError> {
        Ok(self.fs()?.mkdir(path)?)
    }

    fn remove(&mut self, path: &str) -> Result<(), FileError> {
        Ok(self.fs()?.remove(path)?)
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), FileError> {
        Ok(self.fs()?.rename(from, to)?)
    }

    fn stat(&mut self, path: &str) -> Result<Metadata, FileError> {
        Ok(shell::system::metadata(&self.fs()?.stat(path)?))
    }

    fn statfs(&mut self) -> Result<FsStats, FileError> {
        Ok(shell::system::fs_stats(&self.fs()?.statfs()?))
    }

    fn sync(&mut self) -> Result<(), FileError> {
        Ok(self.fs()?.sync()?)
    }
}
