//! The program's block device: a client of the block service (`ipc::blk`)
//! or, in boots without it, of a block-device backend directly
//! (`ipc::blkdev`: the native virtio-blk driver or the driver host).
//!
//! Data moves through one 64 KiB window of this task's memory: for `blk`
//! a grant over it per request (the protocol's rule), for `blkdev` one
//! writable grant attached once. A backend that dies (`Dead`) is looked up
//! again — and the window attached again — and the request retried once:
//! LBA reads and writes are idempotent.

use alloc::format;
use alloc::string::String;
use ipc::blk::{Blk, BlkError};
use ipc::blkdev::{BlkDev, BlkDevError, Op, Status};
use userlib::TaskId;
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;

use crate::device::BlockDevice;

/// This task's I/O window.
const WINDOW_AT: u64 = 0x0000_3000_0000_0000;
const WINDOW: usize = 64 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blk,
    BlkDev,
}

pub struct Backend {
    kind: Kind,
    name: String,
    server: TaskId,
    block_size: u32,
    blocks: u64,
    max_transfer: usize,
}

fn window() -> &'static mut [u8] {
    // SAFETY: WINDOW bytes at WINDOW_AT were mapped writable by `connect`
    // and are used by this single-threaded program only through this
    // slice, one request at a time.
    unsafe { core::slice::from_raw_parts_mut(WINDOW_AT as *mut u8, WINDOW) }
}

/// Waits up to ~30 s for a task called `name`.
fn find(name: &str) -> Result<TaskId, String> {
    for _ in 0..1500 {
        match userlib::lookup(name) {
            Ok(id) => return Ok(id),
            Err(_) => userlib::sleep_ms(20),
        }
    }
    Err(format!("no task {name}"))
}

/// Why [`connect`] failed.
#[derive(Debug)]
pub enum ConnectError {
    /// The block service answered `Unavailable` (its backend is held, or
    /// gone too long): try again later, the program keeps serving.
    Unavailable,
    /// Anything else: a bad spec, no such task, a wrong reply.
    Failed(String),
}

impl core::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConnectError::Unavailable => f.write_str("the block device is unavailable"),
            ConnectError::Failed(s) => f.write_str(s),
        }
    }
}

/// Connects to `spec` (`blk:NAME` or `blkdev:NAME`) and learns the
/// geometry. May be called again after a failure.
pub fn connect(spec: &str) -> Result<Backend, ConnectError> {
    let (kind, name) = match spec.split_once(':') {
        Some(("blk", n)) => (Kind::Blk, n),
        Some(("blkdev", n)) => (Kind::BlkDev, n),
        _ => {
            return Err(ConnectError::Failed(format!(
                "bad backend {spec:?} (blk:NAME or blkdev:NAME)"
            )));
        }
    };
    match userlib::map_anon(WINDOW_AT, WINDOW as u64, true) {
        // Mapped by an earlier attempt.
        Ok(()) | Err(Error::Sys(ddk_abi::SyscallError::AlreadyMapped)) => {}
        Err(e) => return Err(ConnectError::Failed(format!("mapping the window: {e}"))),
    }
    let mut b = Backend {
        kind,
        name: name.into(),
        server: find(name).map_err(ConnectError::Failed)?,
        block_size: 0,
        blocks: 0,
        max_transfer: WINDOW,
    };
    b.hello()?;
    Ok(b)
}

impl Backend {
    /// Info (and, for `blkdev`, Attach), waiting while the backend says it
    /// is not ready (a driver host compiling its driver). The block service
    /// itself waits for its backend before it answers `Info`; its
    /// `Unavailable` means nobody will bring the backend back soon.
    fn hello(&mut self) -> Result<(), ConnectError> {
        let failed = |s: String| ConnectError::Failed(s);
        for _ in 0..3000 {
            match self.kind {
                Kind::Blk => match rpc::call::<Blk>(self.server, &ipc::blk::Request::Info) {
                    Ok(ipc::blk::Reply::Info { block_size, blocks }) => {
                        self.block_size = block_size;
                        self.blocks = blocks;
                        return Ok(());
                    }
                    Ok(ipc::blk::Reply::Err(BlkError::Unavailable)) => {
                        return Err(ConnectError::Unavailable);
                    }
                    other => return Err(failed(format!("blk Info: {other:?}"))),
                },
                Kind::BlkDev => match rpc::call::<BlkDev>(self.server, &ipc::blkdev::Request::Info)
                {
                    Ok(ipc::blkdev::Reply::Info(i)) => {
                        self.block_size = i.block_size;
                        self.blocks = i.blocks;
                        self.max_transfer = (i.max_transfer as usize).min(WINDOW);
                        return self.attach().map_err(failed);
                    }
                    Ok(ipc::blkdev::Reply::Err(BlkDevError::NotReady)) => {}
                    other => return Err(failed(format!("blkdev Info: {other:?}"))),
                },
            }
            userlib::sleep_ms(20);
        }
        Err(failed(String::from("the backend stayed unready for 60 s")))
    }

    fn attach(&mut self) -> Result<(), String> {
        let g = userlib::grant_create(self.server, WINDOW_AT, WINDOW as u64, true)
            .map_err(|e| format!("GrantCreate: {e}"))?;
        match rpc::call::<BlkDev>(self.server, &ipc::blkdev::Request::Attach { grant: g }) {
            Ok(ipc::blkdev::Reply::Attached { .. }) => Ok(()),
            other => Err(format!("Attach: {other:?}")),
        }
    }

    /// After `Dead`: find the backend's next generation and say hello.
    fn reconnect(&mut self) -> Result<(), BlkError> {
        userlib::log!("fs: block backend {} died; reconnecting", self.name);
        self.server = find(&self.name).map_err(|_| BlkError::Unavailable)?;
        self.hello().map_err(|e| {
            userlib::log!("fs: reconnecting to {}: {e}", self.name);
            BlkError::Unavailable
        })
    }

    /// One request, retried once on a fresh connection if the backend died.
    fn request(&mut self, op: Op) -> Result<(), BlkError> {
        match self.once(op) {
            Err(Some(e)) => Err(e),
            Err(None) => {
                self.reconnect()?;
                self.once(op)
                    .map_err(|e| e.unwrap_or(BlkError::Unavailable))
            }
            Ok(()) => Ok(()),
        }
    }

    /// `Err(None)`: the backend is dead (retry elsewhere).
    fn once(&mut self, op: Op) -> Result<(), Option<BlkError>> {
        match self.kind {
            Kind::BlkDev => self.once_blkdev(op),
            Kind::Blk => self.once_blk(op),
        }
    }

    fn once_blkdev(&mut self, op: Op) -> Result<(), Option<BlkError>> {
        let req = ipc::blkdev::Request::Submit(alloc::vec![op]);
        match rpc::call::<BlkDev>(self.server, &req) {
            Ok(ipc::blkdev::Reply::Done(s)) => match s.first() {
                Some(Status::Ok) => Ok(()),
                Some(Status::Err(e)) => Err(Some(from_blkdev(*e))),
                None => Err(Some(BlkError::Device(0))),
            },
            Ok(ipc::blkdev::Reply::Err(e)) => Err(Some(from_blkdev(e))),
            Ok(_) => Err(Some(BlkError::Device(0))),
            Err(RpcError::Sys(Error::Dead { .. })) => Err(None),
            Err(_) => Err(Some(BlkError::Unavailable)),
        }
    }

    fn once_blk(&mut self, op: Op) -> Result<(), Option<BlkError>> {
        let bs = u64::from(self.block_size.max(1));
        let (req, grant) = match op {
            Op::Flush => (ipc::blk::Request::Flush, None),
            Op::Read { lba, len, .. } | Op::Write { lba, len, .. } => {
                let writable = matches!(op, Op::Read { .. });
                let pages = u64::from(len).div_ceil(4096) * 4096;
                let g = userlib::grant_create(self.server, WINDOW_AT, pages, writable).map_err(
                    |e| match e {
                        Error::Dead { .. } => None,
                        Error::Sys(s) => Some(BlkError::Grant(s.code())),
                        Error::Unknown(c) => Some(BlkError::Grant(c)),
                    },
                )?;
                let count = (u64::from(len) / bs) as u32;
                let req = if writable {
                    ipc::blk::Request::Read {
                        lba,
                        count,
                        grant: g,
                    }
                } else {
                    ipc::blk::Request::Write {
                        lba,
                        count,
                        grant: g,
                    }
                };
                (req, Some(g))
            }
        };
        let r = rpc::call::<Blk>(self.server, &req);
        if let Some(g) = grant {
            let _ = userlib::grant_revoke(g);
        }
        match r {
            Ok(ipc::blk::Reply::Ok) => Ok(()),
            Ok(ipc::blk::Reply::Err(e)) => Err(Some(e)),
            Ok(_) => Err(Some(BlkError::Device(0))),
            Err(RpcError::Sys(Error::Dead { .. })) => Err(None),
            Err(_) => Err(Some(BlkError::Unavailable)),
        }
    }
}

fn from_blkdev(e: BlkDevError) -> BlkError {
    match e {
        BlkDevError::OutOfRange { blocks } => BlkError::OutOfRange { blocks },
        BlkDevError::BadLength { .. }
        | BlkDevError::TooLong { .. }
        | BlkDevError::TooMany { .. } => BlkError::BadCount { max: WINDOW as u32 },
        BlkDevError::NoWindow | BlkDevError::OutsideWindow { .. } => BlkError::Grant(0),
        BlkDevError::Grant(c) => BlkError::Grant(c),
        BlkDevError::ReadOnly => BlkError::ReadOnly,
        BlkDevError::Device(c) => BlkError::Device(u32::from(c)),
        BlkDevError::NotReady => BlkError::Unavailable,
    }
}

impl BlockDevice for Backend {
    fn block_size(&self) -> u32 {
        self.block_size
    }

    fn blocks(&self) -> u64 {
        self.blocks
    }

    fn max_transfer(&self) -> usize {
        self.max_transfer
    }

    fn read(&mut self, lba: u64, buf: &mut [u8]) -> Result<(), BlkError> {
        for (i, chunk) in buf.chunks_mut(self.max_transfer).enumerate() {
            let at = lba + (i * self.max_transfer) as u64 / u64::from(self.block_size);
            let len = chunk.len() as u32;
            self.request(Op::Read {
                lba: at,
                len,
                offset: 0,
            })?;
            chunk.copy_from_slice(window().get(..chunk.len()).ok_or(BlkError::Device(0))?);
        }
        Ok(())
    }

    fn write(&mut self, lba: u64, buf: &[u8]) -> Result<(), BlkError> {
        for (i, chunk) in buf.chunks(self.max_transfer).enumerate() {
            let at = lba + (i * self.max_transfer) as u64 / u64::from(self.block_size);
            window()
                .get_mut(..chunk.len())
                .ok_or(BlkError::Device(0))?
                .copy_from_slice(chunk);
            self.request(Op::Write {
                lba: at,
                len: chunk.len() as u32,
                offset: 0,
            })?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), BlkError> {
        self.request(Op::Flush)
    }
}
