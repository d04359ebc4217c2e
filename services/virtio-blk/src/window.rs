//! Clients' data windows: the grant each client attached, never mapped.
//! Shared by both `ipc::blkdev` servers, the native driver and the driver
//! host (feature `window`).
//!
//! Data moves between a window and a slot's DMA buffer with `GrantRead` /
//! `GrantWrite`, which the kernel checks in the same step as the copy: a
//! client that dies or revokes its window while a request is in flight
//! makes that request fail with `Grant(code)`, never the server fault.

use alloc::vec::Vec;
use ipc::blkdev::BlkDevError;
use userlib::TaskId;
use userlib::sys::Error;

/// Most clients with a window at once (the block service, plus tests).
pub const MAX_CLIENTS: usize = 8;

pub struct Window {
    pub client: TaskId,
    pub grant: u32,
    pub len: u64,
}

impl Window {
    /// Copies the window's `[offset, offset + buf.len())` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), BlkDevError> {
        userlib::sys::grant_read(self.grant, offset, buf)
            .map(|_| ())
            .map_err(grant_error)
    }

    /// Copies `buf` into the window at `offset`.
    pub fn write(&self, offset: u64, buf: &[u8]) -> Result<(), BlkDevError> {
        userlib::sys::grant_write(self.grant, offset, buf)
            .map(|_| ())
            .map_err(grant_error)
    }
}

fn grant_error(e: Error) -> BlkDevError {
    match e {
        Error::Sys(s) => BlkDevError::Grant(s.code()),
        _ => BlkDevError::Grant(u32::MAX),
    }
}

#[derive(Default)]
pub struct Windows {
    list: Vec<Window>,
}

impl Windows {
    pub fn new() -> Self {
        Windows::default()
    }

    pub fn get(&self, client: TaskId) -> Option<&Window> {
        self.list.iter().find(|w| w.client == client)
    }

    /// Records `grant` as `client`'s window, replacing its old one; returns
    /// its length (the kernel's answer: the grant exists and is the
    /// caller's).
    pub fn attach(&mut self, client: TaskId, grant: u32) -> Result<u64, BlkDevError> {
        self.detach(client);
        if self.list.len() >= MAX_CLIENTS {
            return Err(BlkDevError::TooMany {
                max: MAX_CLIENTS as u32,
            });
        }
        let len = userlib::sys::grant_len(grant).map_err(grant_error)?;
        self.list.push(Window { client, grant, len });
        Ok(len)
    }

    /// Forgets `client`'s window, if it has one.
    pub fn detach(&mut self, client: TaskId) {
        self.list.retain(|w| w.client != client);
    }
}
