//! Clients' data windows: the grant each client attached, mapped once.
//! Shared by both `ipc::blkdev` servers, the native driver and the driver
//! host (feature `window`), each with its own base address.

use alloc::vec::Vec;
use ipc::blkdev::BlkDevError;
use userlib::TaskId;

/// Most clients with a window at once (the block service, plus tests).
pub const MAX_CLIENTS: usize = 8;
/// Windows are mapped at `base + slot * SPACING`: room for any grant.
const SPACING: u64 = 64 << 30;

pub struct Window {
    pub client: TaskId,
    pub va: u64,
    pub len: u64,
    slot: usize,
}

pub struct Windows {
    base: u64,
    list: Vec<Window>,
}

impl Windows {
    /// Windows mapped from `base` up (`MAX_CLIENTS` × 64 GiB of the
    /// server's address space, which it keeps free for them).
    pub fn new(base: u64) -> Self {
        Windows {
            base,
            list: Vec::new(),
        }
    }

    pub fn get(&self, client: TaskId) -> Option<&Window> {
        self.list.iter().find(|w| w.client == client)
    }

    /// Maps `grant` as `client`'s window, replacing its old one.
    pub fn attach(&mut self, client: TaskId, grant: u32) -> Result<u64, BlkDevError> {
        self.detach(client);
        let slot = (0..MAX_CLIENTS)
            .find(|s| self.list.iter().all(|w| w.slot != *s))
            .ok_or(BlkDevError::TooMany {
                max: MAX_CLIENTS as u32,
            })?;
        let va = self.base + slot as u64 * SPACING;
        let len = userlib::sys::grant_map(grant, va).map_err(|e| match e {
            userlib::sys::Error::Sys(s) => BlkDevError::Grant(s.code()),
            _ => BlkDevError::Grant(u32::MAX),
        })?;
        self.list.push(Window {
            client,
            va,
            len,
            slot,
        });
        Ok(len)
    }

    /// Unmaps `client`'s window, if it has one.
    pub fn detach(&mut self, client: TaskId) {
        if let Some(i) = self.list.iter().position(|w| w.client == client) {
            let w = self.list.swap_remove(i);
            // The grant may be gone already (the client revoked it or died);
            // then there is nothing mapped to undo.
            let _ = userlib::sys::unmap(w.va, w.len);
        }
    }
}
