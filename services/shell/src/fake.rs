//! A [`System`] for the host tests: an in-memory file system and the real
//! supervisor table (`supervisor::ServiceTable`) answering as the shell's
//! caller, with its effects (kills) carried out as deaths.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use ipc::supervisor::{Reply, Request};
use ipc::{ExitCause, TaskIdWire};
use supervisor::table::{Effect, ServiceTable};

use crate::system::{DirEntry, FsStats, Metadata, PciFunction, System};

/// The file service's errors, as a typed enum shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FakeError {
    NotFound,
    AlreadyExists,
    NotADirectory,
    IsADirectory,
    DirectoryNotEmpty,
    BadHandle,
    /// The service is gone (as an IPC `Dead`).
    Dead,
}

impl core::fmt::Display for FakeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?}")
    }
}

#[derive(Clone, Debug)]
pub enum Node {
    File(Vec<u8>),
    Dir,
}

pub struct Fake {
    pub console: Vec<u8>,
    pub nodes: BTreeMap<String, Node>,
    /// Open handles: path and position.
    pub open: BTreeMap<u32, (String, usize)>,
    next_handle: u32,
    pub table: ServiceTable,
    /// The shell's own task id (the supervisor authorises by it).
    pub me: TaskIdWire,
    pub now_ms: u64,
    pub syncs: u32,
    pub fs_dead: bool,
    /// ^C is "typed" after this many `interrupted` calls.
    pub interrupt_after: Option<u32>,
    /// Deaths the supervisor's kills caused, delivered before the next
    /// request or sleep: (task, cause).
    pub pending_deaths: Vec<(TaskIdWire, ExitCause)>,
    /// Deaths a test schedules for the next sleep (a demo ending).
    pub deaths_at_sleep: Vec<(TaskIdWire, ExitCause)>,
    /// Sleeps so far; a runaway wait fails the test instead of spinning.
    pub sleeps: u32,
    pub pci: Vec<PciFunction>,
    pub requests: Vec<Request>,
}

pub const MANIFEST: &str = "\
service driverhost program=driverhost
service blk program=blk restart=hold
service fs program=fs
service shell program=shell allow=control,shutdown
service demo-ok program=demo-ok start=manual restart=hold
service meek program=meek
";

impl Fake {
    pub fn new() -> Self {
        let manifest = supervisor::Manifest::parse(MANIFEST).unwrap();
        let mut table = ServiceTable::new(manifest, 8);
        for (n, i) in table.due(0).into_iter().enumerate() {
            table.started(i, TaskIdWire(2 + n as u32), 0);
        }
        let mut nodes = BTreeMap::new();
        nodes.insert(String::from("/"), Node::Dir);
        Fake {
            console: Vec::new(),
            nodes,
            open: BTreeMap::new(),
            next_handle: 1,
            table,
            me: TaskIdWire(5),
            now_ms: 10_000,
            syncs: 0,
            fs_dead: false,
            interrupt_after: None,
            pending_deaths: Vec::new(),
            deaths_at_sleep: Vec::new(),
            sleeps: 0,
            pci: Vec::new(),
            requests: Vec::new(),
        }
    }

    /// Everything printed so far, and forget it.
    pub fn take(&mut self) -> String {
        String::from_utf8(core::mem::take(&mut self.console)).unwrap()
    }

    fn live(&self) -> Result<(), FakeError> {
        if self.fs_dead {
            Err(FakeError::Dead)
        } else {
            Ok(())
        }
    }

    fn parent_is_dir(&self, path: &str) -> Result<(), FakeError> {
        let parent = match path.rfind('/') {
            Some(0) | None => "/",
            Some(i) => &path[..i],
        };
        match self.nodes.get(parent) {
            Some(Node::Dir) => Ok(()),
            Some(Node::File(_)) => Err(FakeError::NotADirectory),
            None => Err(FakeError::NotFound),
        }
    }

    fn children<'a>(&'a self, dir: &'a str) -> impl Iterator<Item = (&'a String, &'a Node)> + 'a {
        self.nodes.iter().filter(move |(p, _)| {
            let Some(rest) = p.strip_prefix(dir) else {
                return false;
            };
            let rest = if dir == "/" {
                rest
            } else {
                rest.strip_prefix('/').unwrap_or("")
            };
            !rest.is_empty() && !rest.contains('/') && p.as_str() != dir
        })
    }

    fn new_handle(&mut self, path: &str) -> u32 {
        let h = self.next_handle;
        self.next_handle += 1;
        self.open.insert(h, (path.into(), 0));
        h
    }

    /// Delivers the deaths the kills caused.
    fn deliver_deaths(&mut self) {
        for (task, cause) in core::mem::take(&mut self.pending_deaths) {
            self.table
                .on_death(task, self.now_ms * 1000, cause, None, self.now_ms);
        }
    }
}

impl System for Fake {
    type Handle = u32;
    type FsError = FakeError;
    type Error = FakeError;

    fn out(&mut self, bytes: &[u8]) {
        self.console.extend_from_slice(bytes);
    }

    fn uptime_ms(&self) -> u64 {
        self.now_ms
    }

    fn sleep_ms(&mut self, ms: u64) {
        self.sleeps += 1;
        assert!(self.sleeps < 1000, "the shell waits forever");
        self.now_ms += ms;
        let scheduled = core::mem::take(&mut self.deaths_at_sleep);
        self.pending_deaths.extend(scheduled);
        self.deliver_deaths();
        for i in self.table.due(self.now_ms) {
            self.table
                .started(i, TaskIdWire(0x1_0000 | (20 + i as u32)), self.now_ms);
        }
    }

    fn interrupted(&mut self) -> bool {
        match &mut self.interrupt_after {
            Some(0) => true,
            Some(n) => {
                *n -= 1;
                false
            }
            None => false,
        }
    }

    fn supervisor(&mut self, request: Request) -> Result<Reply, FakeError> {
        self.requests.push(request.clone());
        // A death caused by an earlier kill arrives before the next request.
        self.deliver_deaths();
        let (reply, effect) = self.table.handle(self.me, request, self.now_ms);
        match effect {
            Effect::Kill(task) => self.pending_deaths.push((task, ExitCause::Killed)),
            Effect::Shutdown => {
                // The real supervisor powers off and never answers.
                return Ok(Reply::Err(ipc::supervisor::SupervisorError::Internal(1)));
            }
            _ => {}
        }
        // Start: the supervisor spawns before it answers.
        for i in self.table.due(self.now_ms) {
            self.table
                .started(i, TaskIdWire(0x1_0000 | (20 + i as u32)), self.now_ms);
        }
        Ok(reply)
    }

    fn pci(&mut self) -> Result<Vec<PciFunction>, FakeError> {
        Ok(self.pci.clone())
    }

    fn open(&mut self, path: &str) -> Result<u32, FakeError> {
        self.live()?;
        match self.nodes.get(path) {
            Some(Node::File(_)) => Ok(self.new_handle(path)),
            Some(Node::Dir) => Err(FakeError::IsADirectory),
            None => Err(FakeError::NotFound),
        }
    }

    fn create(&mut self, path: &str) -> Result<u32, FakeError> {
        self.live()?;
        self.parent_is_dir(path)?;
        match self.nodes.get(path) {
            Some(Node::Dir) => return Err(FakeError::IsADirectory),
            _ => {
                self.nodes.insert(path.into(), Node::File(Vec::new()));
            }
        }
        Ok(self.new_handle(path))
    }

    fn read(&mut self, file: u32, buf: &mut [u8]) -> Result<usize, FakeError> {
        self.live()?;
        let (path, pos) = self.open.get(&file).cloned().ok_or(FakeError::BadHandle)?;
        let Some(Node::File(data)) = self.nodes.get(&path) else {
            return Err(FakeError::NotFound);
        };
        let rest = data.get(pos..).unwrap_or(&[]);
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.open.insert(file, (path, pos + n));
        Ok(n)
    }

    fn write(&mut self, file: u32, bytes: &[u8]) -> Result<(), FakeError> {
        self.live()?;
        let (path, pos) = self.open.get(&file).cloned().ok_or(FakeError::BadHandle)?;
        let Some(Node::File(data)) = self.nodes.get_mut(&path) else {
            return Err(FakeError::NotFound);
        };
        data.truncate(pos);
        data.extend_from_slice(bytes);
        self.open.insert(file, (path, pos + bytes.len()));
        Ok(())
    }

    fn close(&mut self, file: u32) -> Result<(), FakeError> {
        self.open
            .remove(&file)
            .map(|_| ())
            .ok_or(FakeError::BadHandle)
    }

    fn list(&mut self, dir: &str) -> Result<Vec<DirEntry>, FakeError> {
        self.live()?;
        match self.nodes.get(dir) {
            Some(Node::Dir) => {}
            Some(Node::File(_)) => return Err(FakeError::NotADirectory),
            None => return Err(FakeError::NotFound),
        }
        Ok(self
            .children(dir)
            .map(|(p, n)| DirEntry {
                name: p.rsplit('/').next().unwrap_or("").into(),
                dir: matches!(n, Node::Dir),
                size: match n {
                    Node::File(d) => d.len() as u64,
                    Node::Dir => 0,
                },
            })
            .collect())
    }

    fn mkdir(&mut self, path: &str) -> Result<(), FakeError> {
        self.live()?;
        self.parent_is_dir(path)?;
        if self.nodes.contains_key(path) {
            return Err(FakeError::AlreadyExists);
        }
        self.nodes.insert(path.into(), Node::Dir);
        Ok(())
    }

    fn remove(&mut self, path: &str) -> Result<(), FakeError> {
        self.live()?;
        match self.nodes.get(path) {
            None => Err(FakeError::NotFound),
            Some(Node::Dir) if self.children(path).next().is_some() => {
                Err(FakeError::DirectoryNotEmpty)
            }
            Some(_) => {
                self.nodes.remove(path);
                Ok(())
            }
        }
    }

    fn rename(&mut self, from: &str, to: &str) -> Result<(), FakeError> {
        self.live()?;
        self.parent_is_dir(to)?;
        if self.nodes.contains_key(to) {
            return Err(FakeError::AlreadyExists);
        }
        let node = self.nodes.remove(from).ok_or(FakeError::NotFound)?;
        self.nodes.insert(to.into(), node);
        Ok(())
    }

    fn stat(&mut self, path: &str) -> Result<Metadata, FakeError> {
        self.live()?;
        match self.nodes.get(path) {
            Some(Node::Dir) => Ok(Metadata {
                dir: true,
                size: 0,
                extra: Vec::new(),
            }),
            Some(Node::File(d)) => Ok(Metadata {
                dir: false,
                size: d.len() as u64,
                extra: alloc::vec![("attributes", String::from("archive"))],
            }),
            None => Err(FakeError::NotFound),
        }
    }

    fn statfs(&mut self) -> Result<FsStats, FakeError> {
        self.live()?;
        Ok(FsStats {
            unit: 4096,
            total_units: 16_000,
            free_units: 12_000,
            label: Some(String::from("FAT32 CORDON")),
        })
    }

    fn sync(&mut self) -> Result<(), FakeError> {
        self.live()?;
        self.syncs += 1;
        Ok(())
    }
}
