//! A small client of the FAT service (`ipc::fs`): one method per request,
//! each returning the reply's payload or a typed error, so the shell and
//! the demos do not match on `Reply` variants themselves.

use alloc::string::String;
use alloc::vec::Vec;

use ddk_abi::TaskId;
use ipc::fs::{
    DATA_MAX, DirEntry, Fs, FsError, FsInfo, Handle, Metadata, OpenMode, Reply, Request, SeekFrom,
};

use crate::rpc::{self, RpcError};

/// Why a call to the FAT service failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FsClientError {
    /// The service refused the request with a typed error.
    Fs(FsError),
    /// The call itself failed (the service is dead, or a bad message).
    Rpc(RpcError),
    /// The service answered with a reply that does not belong to the request.
    UnexpectedReply,
}

impl From<RpcError> for FsClientError {
    fn from(e: RpcError) -> Self {
        FsClientError::Rpc(e)
    }
}

impl core::fmt::Display for FsClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            FsClientError::Fs(e) => write!(f, "{e:?}"),
            FsClientError::Rpc(e) => write!(f, "{e}"),
            FsClientError::UnexpectedReply => write!(f, "unexpected reply"),
        }
    }
}

pub type Result<T> = core::result::Result<T, FsClientError>;

/// The FAT service at a task id (`lookup("fs")`).
#[derive(Clone, Copy, Debug)]
pub struct FsClient {
    pub server: TaskId,
}

impl FsClient {
    pub const fn new(server: TaskId) -> Self {
        FsClient { server }
    }

    /// The service registered as `fs`.
    pub fn lookup() -> core::result::Result<Self, crate::sys::Error> {
        crate::sys::lookup("fs").map(Self::new)
    }

    fn call(&self, req: &Request) -> Result<Reply> {
        match rpc::call::<Fs>(self.server, req)? {
            Reply::Err(e) => Err(FsClientError::Fs(e)),
            other => Ok(other),
        }
    }

    fn ok(&self, req: &Request) -> Result<()> {
        match self.call(req)? {
            Reply::Ok => Ok(()),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    fn count(&self, req: &Request) -> Result<u32> {
        match self.call(req)? {
            Reply::Count(n) => Ok(n),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    /// Opens `path`; returns the handle and the file's size.
    pub fn open(&self, path: &str, mode: OpenMode) -> Result<(Handle, u64)> {
        match self.call(&Request::Open {
            path: path.into(),
            mode,
        })? {
            Reply::Opened { handle, size } => Ok((handle, size)),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    /// Up to `buf.len()` bytes (at most [`DATA_MAX`] a call) from the
    /// position; 0 at end of file.
    pub fn read(&self, handle: Handle, buf: &mut [u8]) -> Result<usize> {
        let len = buf.len().min(DATA_MAX as usize) as u32;
        match self.call(&Request::Read { handle, len })? {
            Reply::Data(d) if d.len() <= buf.len() => {
                if let Some(dst) = buf.get_mut(..d.len()) {
                    dst.copy_from_slice(&d);
                }
                Ok(d.len())
            }
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    /// Writes all of `data`, in messages of at most [`DATA_MAX`] bytes.
    pub fn write_all(&self, handle: Handle, data: &[u8]) -> Result<()> {
        for chunk in data.chunks(DATA_MAX as usize) {
            let n = self.count(&Request::Write {
                handle,
                data: chunk.to_vec(),
            })?;
            if n as usize != chunk.len() {
                return Err(FsClientError::UnexpectedReply);
            }
        }
        Ok(())
    }

    /// Reads up to `len` bytes into the client's writable grant `grant`.
    pub fn read_grant(&self, handle: Handle, grant: u32, len: u32) -> Result<u32> {
        self.count(&Request::ReadGrant { handle, grant, len })
    }

    /// Writes `len` bytes from the client's grant `grant`.
    pub fn write_grant(&self, handle: Handle, grant: u32, len: u32) -> Result<u32> {
        self.count(&Request::WriteGrant { handle, grant, len })
    }

    pub fn seek(&self, handle: Handle, to: SeekFrom) -> Result<u64> {
        match self.call(&Request::Seek { handle, to })? {
            Reply::Position(p) => Ok(p),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    pub fn truncate(&self, handle: Handle, len: u64) -> Result<()> {
        self.ok(&Request::Truncate { handle, len })
    }

    pub fn close(&self, handle: Handle) -> Result<()> {
        self.ok(&Request::Close { handle })
    }

    /// Every entry of the directory at `path`, page by page.
    pub fn read_dir(&self, path: &str) -> Result<Vec<DirEntry>> {
        let mut all = Vec::new();
        let mut cursor = 0;
        loop {
            match self.call(&Request::ReadDir {
                path: path.into(),
                cursor,
            })? {
                Reply::Entries { entries, next } => {
                    all.extend(entries);
                    match next {
                        Some(n) if n > cursor => cursor = n,
                        Some(_) => return Err(FsClientError::UnexpectedReply),
                        None => return Ok(all),
                    }
                }
                _ => return Err(FsClientError::UnexpectedReply),
            }
        }
    }

    pub fn mkdir(&self, path: &str) -> Result<()> {
        self.ok(&Request::Mkdir { path: path.into() })
    }

    pub fn remove(&self, path: &str) -> Result<()> {
        self.ok(&Request::Remove { path: path.into() })
    }

    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.ok(&Request::Rename {
            from: from.into(),
            to: to.into(),
        })
    }

    pub fn stat(&self, path: &str) -> Result<Metadata> {
        match self.call(&Request::Stat { path: path.into() })? {
            Reply::Stat(m) => Ok(m),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    pub fn statfs(&self) -> Result<FsInfo> {
        match self.call(&Request::StatFs)? {
            Reply::StatFs(i) => Ok(i),
            _ => Err(FsClientError::UnexpectedReply),
        }
    }

    pub fn sync(&self) -> Result<()> {
        self.ok(&Request::Sync)
    }

    /// The whole file at `path`, read inline.
    pub fn read_file(&self, path: &str) -> Result<Vec<u8>> {
        let (h, size) = self.open(path, OpenMode::READ)?;
        let mut out = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(1 << 20));
        let mut buf = alloc::vec![0u8; DATA_MAX as usize];
        let result = loop {
            match self.read(h, &mut buf) {
                Ok(0) => break Ok(()),
                Ok(n) => out.extend_from_slice(buf.get(..n).unwrap_or(&[])),
                Err(e) => break Err(e),
            }
        };
        let closed = self.close(h);
        result.and(closed).map(|()| out)
    }

    /// Creates (or truncates) `path` with `data`, then closes it, which
    /// makes it durable.
    pub fn write_file(&self, path: &str, data: &[u8]) -> Result<()> {
        let (h, _) = self.open(path, OpenMode::CREATE)?;
        let written = self.write_all(h, data);
        let closed = self.close(h);
        written.and(closed)
    }
}

/// A path joined from a directory and a name, for listings.
pub fn join(dir: &str, name: &str) -> String {
    let mut s = String::from(dir.trim_end_matches('/'));
    s.push('/');
    s.push_str(name);
    s
}
