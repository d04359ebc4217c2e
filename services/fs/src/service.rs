//! Requests → replies: the whole `ipc::fs` server except the syscalls.
//! `main.rs` receives, calls [`Service::handle`] and replies; grants are
//! reached through [`GrantAccess`], which the program implements with
//! `GrantRead`/`GrantWrite` and tests with a table of buffers.

use alloc::vec;
use ipc::TaskIdWire;
use ipc::fs::{DATA_MAX, FsError, GRANT_MAX, Reply, Request, SeekFrom};

use crate::device::BlockDevice;
use crate::handles::{Handles, OpenFile};
use crate::path::FsPath;
use crate::volume::{MountError, Volume};

/// A client's grants, as the server sees them. The server never maps a
/// client's grant: it copies (the program with `GrantRead`/`GrantWrite`,
/// which the kernel checks in the same step as the copy), so a client that
/// revokes its grant at any moment gets `Grant(code)` and cannot make the
/// service fault.
pub trait GrantAccess {
    /// Grant `id`'s length, if `client` gave it to this server and — when
    /// `writable` — the server may write it; else `Grant(code)`.
    fn grant_len(&mut self, client: TaskIdWire, id: u32, writable: bool) -> Result<u64, FsError>;
    /// Copies the grant's first `buf.len()` bytes into `buf`.
    fn copy_from(&mut self, client: TaskIdWire, id: u32, buf: &mut [u8]) -> Result<(), FsError>;
    /// Copies `data` to the start of the grant.
    fn copy_to(&mut self, client: TaskIdWire, id: u32, data: &[u8]) -> Result<(), FsError>;
}

/// A `GrantAccess` for a server that takes no grants.
pub struct NoGrants;

impl GrantAccess for NoGrants {
    fn grant_len(&mut self, _: TaskIdWire, _: u32, _: bool) -> Result<u64, FsError> {
        Err(FsError::Grant(0))
    }
    fn copy_from(&mut self, _: TaskIdWire, _: u32, _: &mut [u8]) -> Result<(), FsError> {
        Err(FsError::Grant(0))
    }
    fn copy_to(&mut self, _: TaskIdWire, _: u32, _: &[u8]) -> Result<(), FsError> {
        Err(FsError::Grant(0))
    }
}

/// A grant of at least `len` bytes (`writable` if the server writes it).
fn check_grant(
    grants: &mut dyn GrantAccess,
    client: TaskIdWire,
    id: u32,
    len: u32,
    writable: bool,
) -> Result<(), FsError> {
    let mapped = grants.grant_len(client, id, writable)?;
    if mapped < u64::from(len) {
        return Err(FsError::GrantTooSmall { mapped });
    }
    Ok(())
}

pub struct Service<D: BlockDevice> {
    volume: Result<Volume<D>, MountError>,
    handles: Handles,
}

impl<D: BlockDevice> Service<D> {
    /// Serves `volume`, or — when the mount failed — answers every request
    /// with `Unmounted` (the service stays up and says why in its log).
    pub fn new(volume: Result<Volume<D>, MountError>) -> Self {
        Service {
            volume,
            handles: Handles::new(),
        }
    }

    pub fn volume(&self) -> Result<&Volume<D>, MountError> {
        self.volume.as_ref().map_err(|e| *e)
    }

    pub fn into_volume(self) -> Result<Volume<D>, MountError> {
        self.volume
    }

    pub fn open_handles(&self) -> usize {
        self.handles.count()
    }

    pub fn handle(
        &mut self,
        client: TaskIdWire,
        req: Request,
        grants: &mut dyn GrantAccess,
    ) -> Reply {
        self.handles.saw(client);
        match self.dispatch(client, req, grants) {
            Ok(r) => r,
            Err(e) => Reply::Err(e),
        }
    }

    fn vol(&mut self) -> Result<&mut Volume<D>, FsError> {
        self.volume.as_mut().map_err(|_| FsError::Unmounted)
    }

    fn dispatch(
        &mut self,
        client: TaskIdWire,
        req: Request,
        grants: &mut dyn GrantAccess,
    ) -> Result<Reply, FsError> {
        match req {
            Request::Open { path, mode } => {
                let path = FsPath::parse(&path)?;
                let size = self.vol()?.open(&path, mode)?;
                let handle = self.handles.open(
                    client,
                    OpenFile {
                        path,
                        mode,
                        pos: 0,
                        // Creating or truncating changed the volume:
                        // `Close` makes that durable too.
                        wrote: mode.create || mode.truncate,
                    },
                )?;
                Ok(Reply::Opened { handle, size })
            }
            Request::Read { handle, len } => {
                if len > DATA_MAX {
                    return Err(FsError::InvalidArgument);
                }
                let mut buf = vec![0u8; len as usize];
                let n = self.read(client, handle, &mut buf)?;
                buf.truncate(n);
                Ok(Reply::Data(buf))
            }
            Request::Write { handle, data } => {
                if data.len() > DATA_MAX as usize {
                    return Err(FsError::InvalidArgument);
                }
                self.write(client, handle, &data)?;
                Ok(Reply::Count(data.len() as u32))
            }
            Request::ReadGrant { handle, grant, len } => {
                if len > GRANT_MAX {
                    return Err(FsError::InvalidArgument);
                }
                // Checked before the file is read: a bad handle or grant
                // costs no disk access.
                let pos = self.readable(client, handle)?.pos;
                check_grant(grants, client, grant, len, true)?;
                let mut buf = vec![0u8; len as usize];
                let n = self.read(client, handle, &mut buf)?;
                if let Err(e) = grants.copy_to(client, grant, buf.get(..n).unwrap_or(&[])) {
                    // Revoked since the check: the bytes never reached the
                    // client, so its position stays where it was.
                    self.handles.get(client, handle)?.pos = pos;
                    return Err(e);
                }
                Ok(Reply::Count(n as u32))
            }
            Request::WriteGrant { handle, grant, len } => {
                if len > GRANT_MAX {
                    return Err(FsError::InvalidArgument);
                }
                self.writable(client, handle)?;
                check_grant(grants, client, grant, len, false)?;
                // All of it is copied before anything is written: a grant
                // revoked mid-copy changes nothing on the volume.
                let mut buf = vec![0u8; len as usize];
                grants.copy_from(client, grant, &mut buf)?;
                self.write(client, handle, &buf)?;
                Ok(Reply::Count(len))
            }
            Request::Seek { handle, to } => {
                let f = self.handles.get(client, handle)?;
                let path = f.path.clone();
                let pos = f.pos;
                let base = match to {
                    SeekFrom::Start(p) => Some(p),
                    SeekFrom::Current(d) => pos.checked_add_signed(d),
                    SeekFrom::End(d) => self.vol()?.size(&path)?.checked_add_signed(d),
                };
                let new = base.ok_or(FsError::InvalidArgument)?;
                self.handles.get(client, handle)?.pos = new;
                Ok(Reply::Position(new))
            }
            Request::Truncate { handle, len } => {
                let f = self.writable(client, handle)?;
                self.vol()?.truncate(&f.path, len)?;
                self.handles.get(client, handle)?.wrote = true;
                Ok(Reply::Ok)
            }
            Request::Close { handle } => {
                let f = self.handles.close(client, handle)?;
                if f.wrote {
                    self.sync()?;
                }
                Ok(Reply::Ok)
            }
            Request::ReadDir { path, cursor } => {
                let path = FsPath::parse(&path)?;
                let (entries, next) = self.vol()?.read_dir(&path, cursor)?;
                Ok(Reply::Entries { entries, next })
            }
            Request::Mkdir { path } => {
                let path = FsPath::parse(&path)?;
                self.vol()?.mkdir(&path)?;
                Ok(Reply::Ok)
            }
            Request::Remove { path } => {
                let path = FsPath::parse(&path)?;
                if self.handles.any_within(&path) {
                    return Err(FsError::Busy);
                }
                self.vol()?.remove(&path)?;
                Ok(Reply::Ok)
            }
            Request::Rename { from, to } => {
                let from = FsPath::parse(&from)?;
                let to = FsPath::parse(&to)?;
                if self.handles.any_within(&from) {
                    return Err(FsError::Busy);
                }
                // A directory cannot move into itself.
                if to.is_within(&from) && to.key() != from.key() {
                    return Err(FsError::InvalidArgument);
                }
                self.vol()?.rename(&from, &to)?;
                Ok(Reply::Ok)
            }
            Request::Stat { path } => {
                let path = FsPath::parse(&path)?;
                Ok(Reply::Stat(self.vol()?.stat(&path)?))
            }
            Request::StatFs => Ok(Reply::StatFs(self.vol()?.statfs()?)),
            Request::Sync => {
                self.sync()?;
                Ok(Reply::Ok)
            }
        }
    }

    fn sync(&mut self) -> Result<(), FsError> {
        self.vol()?.sync()?;
        self.handles.mark_synced();
        Ok(())
    }

    fn readable(
        &mut self,
        client: TaskIdWire,
        handle: ipc::fs::Handle,
    ) -> Result<OpenFile, FsError> {
        let f = self.handles.get(client, handle)?;
        if !f.mode.read {
            return Err(FsError::AccessDenied);
        }
        Ok(f.clone())
    }

    fn writable(
        &mut self,
        client: TaskIdWire,
        handle: ipc::fs::Handle,
    ) -> Result<OpenFile, FsError> {
        let f = self.handles.get(client, handle)?;
        if !f.mode.write {
            return Err(FsError::AccessDenied);
        }
        Ok(f.clone())
    }

    fn read(
        &mut self,
        client: TaskIdWire,
        handle: ipc::fs::Handle,
        buf: &mut [u8],
    ) -> Result<usize, FsError> {
        let f = self.readable(client, handle)?;
        let n = self.vol()?.read(&f.path, f.pos, buf)?;
        self.handles.get(client, handle)?.pos = f.pos + n as u64;
        Ok(n)
    }

    fn write(
        &mut self,
        client: TaskIdWire,
        handle: ipc::fs::Handle,
        data: &[u8],
    ) -> Result<(), FsError> {
        let f = self.writable(client, handle)?;
        let end = self.vol()?.write(&f.path, f.pos, data, f.mode.append)?;
        let h = self.handles.get(client, handle)?;
        h.pos = end;
        h.wrote = true;
        Ok(())
    }
}
