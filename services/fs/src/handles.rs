//! Open files, per client.
//!
//! A client is a task id *with its generation* (`TaskIdWire`), so a
//! restarted client cannot use its predecessor's handles, nor one client
//! another's: a handle is looked up only in the caller's own table.
//! Clients with no open handle take no room. When a task slot's next
//! generation shows up, the previous generation is dead (the kernel reuses
//! a slot only then) and its handles are dropped.

use alloc::collections::BTreeMap;
use ipc::TaskIdWire;
use ipc::fs::{FsError, HANDLES_PER_CLIENT, Handle, OpenMode};

use crate::path::FsPath;

/// The most clients with open handles at once.
pub const MAX_CLIENTS: usize = 64;

#[derive(Clone, Debug)]
pub struct OpenFile {
    pub path: FsPath,
    pub mode: OpenMode,
    pub pos: u64,
    /// Whether a write went through this handle since the last sync, so
    /// `Close` must make it durable.
    pub wrote: bool,
}

#[derive(Default)]
struct Client {
    files: BTreeMap<u32, OpenFile>,
}

#[derive(Default)]
pub struct Handles {
    clients: BTreeMap<TaskIdWire, Client>,
    /// The next handle number: one sequence for all clients, so a closed
    /// handle's number comes back only after 2^32 opens — a stale handle is
    /// refused rather than aliasing a newer file.
    next: u32,
}

impl Handles {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets the handles of earlier generations of `client`'s task slot.
    pub fn saw(&mut self, client: TaskIdWire) {
        self.clients
            .retain(|id, _| id.index() != client.index() || *id == client);
    }

    pub fn open(&mut self, client: TaskIdWire, file: OpenFile) -> Result<Handle, FsError> {
        if !self.clients.contains_key(&client) && self.clients.len() >= MAX_CLIENTS {
            return Err(FsError::TooManyClients);
        }
        let c = self.clients.entry(client).or_default();
        if c.files.len() >= HANDLES_PER_CLIENT {
            return Err(FsError::TooManyHandles);
        }
        let mut n = self.next;
        while c.files.contains_key(&n) {
            n = n.wrapping_add(1);
        }
        self.next = n.wrapping_add(1);
        c.files.insert(n, file);
        Ok(Handle(n))
    }

    pub fn get(&mut self, client: TaskIdWire, h: Handle) -> Result<&mut OpenFile, FsError> {
        self.clients
            .get_mut(&client)
            .and_then(|c| c.files.get_mut(&h.0))
            .ok_or(FsError::BadHandle)
    }

    pub fn close(&mut self, client: TaskIdWire, h: Handle) -> Result<OpenFile, FsError> {
        let c = self.clients.get_mut(&client).ok_or(FsError::BadHandle)?;
        let f = c.files.remove(&h.0).ok_or(FsError::BadHandle)?;
        if c.files.is_empty() {
            // An idle client takes no room.
            self.clients.remove(&client);
        }
        Ok(f)
    }

    /// Whether any client has `path`, or anything inside it, open.
    pub fn any_within(&self, path: &FsPath) -> bool {
        self.clients
            .values()
            .flat_map(|c| c.files.values())
            .any(|f| f.path.is_within(path))
    }

    /// Every handle is now durable (after a sync).
    pub fn mark_synced(&mut self) {
        for f in self.clients.values_mut().flat_map(|c| c.files.values_mut()) {
            f.wrote = false;
        }
    }

    pub fn count(&self) -> usize {
        self.clients.values().map(|c| c.files.len()).sum()
    }
}
