//! A client of a driver host's `ipc::blkdev` that rides out the driver
//! host's deaths by itself: when a `Submit` answers `Dead`, it waits for
//! the next generation, attaches its window again and resubmits the whole
//! batch (block I/O at an LBA is idempotent). The block service
//! (`services/blk`) does this for real clients; the driver-host tests and,
//! until the block service serves the demos, the demos' copy client use
//! this stand-in.

use alloc::format;
use alloc::string::String;
use ipc::blkdev::{BlkDev, BlkDevError, DeviceInfo, Op, Reply, Request, Status};
use userlib::TaskId;
use userlib::rpc::{self, RpcError};
use userlib::sys::Error;

/// Why a batch could not be done.
#[derive(Debug)]
pub enum ClientError {
    /// The supervisor holds the driver host (a crash loop it gave up on):
    /// no generation is coming. `waited_ms`: since this client started
    /// waiting for one.
    Unavailable { waited_ms: u64 },
    /// Anything else, described.
    Failed(String),
}

impl core::fmt::Display for ClientError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClientError::Unavailable { waited_ms } => write!(
                f,
                "device unavailable: the supervisor holds the driver host (after {waited_ms} ms of waiting)"
            ),
            ClientError::Failed(s) => f.write_str(s),
        }
    }
}

impl From<String> for ClientError {
    fn from(s: String) -> Self {
        ClientError::Failed(s)
    }
}

/// Whether the supervisor holds service `name` (not running, not to be restarted).
fn held(name: &str) -> bool {
    let Ok(sup) = userlib::lookup("supervisor") else {
        return false;
    };
    match rpc::call::<ipc::supervisor::Supervisor>(sup, &ipc::supervisor::Request::Status) {
        Ok(ipc::supervisor::Reply::Status(list)) => list
            .iter()
            .any(|s| s.name == name && s.state == ipc::supervisor::ServiceState::Held),
        _ => false,
    }
}

/// How often a waiting client asks the supervisor whether the driver host is held.
const HELD_POLL_US: u64 = 50_000;

pub struct Resubmitting {
    /// Log prefix (the program's name).
    pub tag: &'static str,
    /// The driver host's service name.
    pub name: String,
    pub driver: TaskId,
    pub info: Option<DeviceInfo>,
    window: (u64, u64),
    /// Deaths ridden out, and `NotReady` answers waited out.
    pub restarts: u32,
    pub not_ready: u32,
    /// `(want, bdf)`: require this identity string (`ipc::driverhost`
    /// `DeviceId`) from every generation.
    pub expect_id: Option<(String, u16)>,
    /// Microseconds from the last death seen to its successor's first
    /// answered batch.
    pub last_outage_us: u64,
    /// A watcher task told of every finished batch (an echo `Ping`): the
    /// stand-in watchdog of the hang tests (`dhinject mode=watch`).
    pub watch: Option<TaskId>,
    batches: u64,
}

impl Resubmitting {
    /// A client of service `name` whose window is the mapped `len` bytes at `at`.
    pub fn new(tag: &'static str, name: &str, at: u64, len: u64) -> Self {
        Resubmitting {
            tag,
            name: String::from(name),
            driver: TaskId(0),
            info: None,
            window: (at, len),
            restarts: 0,
            not_ready: 0,
            expect_id: None,
            last_outage_us: 0,
            watch: None,
            batches: 0,
        }
    }

    /// Waits (up to 60 s) for a generation other than `dead` that answers
    /// `Info`, and attaches the window to it.
    /// Gives up with `Unavailable` as soon as the supervisor holds it.
    pub fn connect(&mut self, dead: Option<TaskId>) -> Result<(), ClientError> {
        let start = userlib::uptime_us();
        let deadline = start + 60_000_000;
        let mut next_poll = start + HELD_POLL_US;
        loop {
            let now = userlib::uptime_us();
            if now > deadline {
                return Err(format!("no working {} within 60 s", self.name).into());
            }
            if now >= next_poll {
                next_poll = now + HELD_POLL_US;
                if held(&self.name) {
                    return Err(ClientError::Unavailable {
                        waited_ms: (now - start) / 1000,
                    });
                }
            }
            let id = match userlib::lookup(&self.name) {
                Ok(id) if Some(id) != dead => id,
                _ => {
                    userlib::sleep_ms(2);
                    continue;
                }
            };
            match rpc::call::<BlkDev>(id, &Request::Info) {
                Ok(Reply::Info(i)) => self.info = Some(i),
                Ok(Reply::Err(BlkDevError::NotReady)) | Err(RpcError::Sys(Error::Dead { .. })) => {
                    self.not_ready += 1;
                    userlib::sleep_ms(2);
                    continue;
                }
                Ok(other) => return Err(format!("Info: {other:?}").into()),
                Err(e) => return Err(format!("Info: {e}").into()),
            }
            let g = userlib::grant_create(id, self.window.0, self.window.1, true)
                .map_err(|e| ClientError::Failed(format!("GrantCreate: {e}")))?;
            match rpc::call::<BlkDev>(id, &Request::Attach { grant: g }) {
                Ok(Reply::Attached { .. }) => {
                    self.driver = id;
                    return self.check_id().map_err(ClientError::Failed);
                }
                Err(RpcError::Sys(Error::Dead { .. })) => continue,
                other => return Err(format!("Attach: {other:?}").into()),
            }
        }
    }

    fn check_id(&self) -> Result<(), String> {
        let Some((want, bdf)) = &self.expect_id else {
            return Ok(());
        };
        let req = ipc::driverhost::Request::DeviceId { bdf: *bdf };
        match rpc::call::<ipc::driverhost::DriverHost>(self.driver, &req) {
            Ok(ipc::driverhost::Reply::DeviceId(id)) if id == *want => {
                userlib::log!(
                    "{}: {}.{} reports the disk's id {id:?}",
                    self.tag,
                    self.driver.index(),
                    self.driver.generation()
                );
                Ok(())
            }
            other => Err(format!(
                "DeviceId {{ bdf: {bdf:#x} }}: {other:?}, want {want:?}"
            )),
        }
    }

    fn tick(&mut self) {
        self.batches += 1;
        if let Some(w) = self.watch {
            let ping = ipc::echo::Request::Ping {
                seq: self.batches,
                payload: alloc::vec::Vec::new(),
            };
            let _ = rpc::call::<ipc::echo::Echo>(w, &ping);
        }
    }

    /// Submits `ops` until the driver host answers them all `Ok`, riding
    /// out its deaths; `what` names the batch in the log.
    pub fn run(&mut self, what: &str, ops: &[Op]) -> Result<(), ClientError> {
        let mut died_at = None;
        loop {
            match rpc::call::<BlkDev>(self.driver, &Request::Submit(ops.to_vec())) {
                Ok(Reply::Done(s))
                    if s.len() == ops.len() && s.iter().all(|x| *x == Status::Ok) =>
                {
                    if let Some(t0) = died_at {
                        self.last_outage_us = userlib::uptime_us() - t0;
                        userlib::log!(
                            "{}: {what} done by {}.{}, {} ms after the death",
                            self.tag,
                            self.driver.index(),
                            self.driver.generation(),
                            self.last_outage_us / 1000
                        );
                    }
                    self.tick();
                    return Ok(());
                }
                Ok(Reply::Err(BlkDevError::NotReady)) => {
                    self.not_ready += 1;
                    userlib::sleep_ms(2);
                }
                Err(RpcError::Sys(Error::Dead { .. })) => {
                    self.restarts += 1;
                    died_at.get_or_insert(userlib::uptime_us());
                    userlib::log!(
                        "{}: {} died with {what} ({} operations) in flight; waiting for its next generation",
                        self.tag,
                        self.name,
                        ops.len()
                    );
                    let dead = self.driver;
                    let refused = self.not_ready;
                    self.connect(Some(dead))?;
                    userlib::log!(
                        "{}: {} is back as {}.{}; resubmitting {what} (Info refused NotReady {} times while it started)",
                        self.tag,
                        self.name,
                        self.driver.index(),
                        self.driver.generation(),
                        self.not_ready - refused
                    );
                }
                other => return Err(format!("{what}: {other:?}").into()),
            }
        }
    }
}
