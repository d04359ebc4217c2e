//! The block service's state machine: the queue of accepted requests, the
//! batch in flight to the backend, replay after the backend's death,
//! the watchdog, and when to give up with `Unavailable`.
//!
//! Everything that needs the kernel — calls to the backend, the data
//! window, the clients' grants, the supervisor, the clock — is behind
//! [`Env`], so every rule here is a host test with a fake backend.
//!
//! # Lifecycle of a request
//!
//! 1. [`Service::accept`]: `Info` is answered at once when the geometry is
//!    known; a request the geometry refuses gets its error; anything else
//!    joins the queue (at most `queue`; [`Service::accepting`] tells the
//!    program to stop receiving when it is full, so callers wait in the
//!    kernel — nothing is dropped).
//! 2. When the backend is attached and nothing is in flight, up to
//!    [`MAX_BATCH`] queued requests become the **flights** of one
//!    `Submit`, each with its slot of the data window (a write's data is
//!    copied into its slot now).
//! 3. The `Submit` is one call with the watchdog's timeout. Each operation
//!    that completed is answered (a read's data copied to the client's
//!    grant first): a write is acknowledged only after the device
//!    completed it, a flush only after the device's flush.
//! 4. The flights stay until answered. If the backend dies (`Dead`), or
//!    the watchdog fires (and the service asks the supervisor to restart
//!    it), the service looks for the next generation, attaches the same
//!    window to it and submits the same flights again, in the same order —
//!    the window still holds the writes' data. A generation that is alive
//!    but answers the setup unusably (another geometry, a wrong answer to
//!    `Info` or `Attach`) is killed, and its restart policy restarts it
//!    ([`Service::refuse`]).
//!    Reads and writes at an LBA are idempotent; a flush keeps its place
//!    after the writes before it, so it is never acknowledged while one of
//!    them is unreplayed.
//! 5. An operation the backend fails (a device error, or any refusal of
//!    an operation the service had checked) may be the backend's fault,
//!    not the device's: a corrupt driver host can complete a request
//!    with an error before it dies, or send the device a garbled one.
//!    The first time, the service asks for that generation to be
//!    restarted and replays the operation to the next one, like a death
//!    (see [`Service::second_opinion`]). Only an error a fresh generation
//!    gives again reaches the client; from then on that generation is
//!    trusted with its errors, so a failing disk costs one restart, not
//!    one per request.
//! 6. A backend held by the supervisor (or stopped), or one not serving
//!    for `unavailable-ms`, makes every queued and in-flight request (and
//!    every new one) fail with `Unavailable`; the service keeps probing
//!    and serves again once a backend runs.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use ipc::blk::{self, BlkError};
use ipc::blkdev::{self, BlkDevError, DeviceInfo, MAX_BATCH, Op, Status};
use ipc::supervisor::ServiceState;

use crate::config::Config;

/// `BlkError::Device` code for an operation the backend refused although
/// the service checked it (a window or batch the backend would not take):
/// a bug on one side or the other, not a device error.
pub const BACKEND_REFUSED: u32 = 0x100;

/// `BlkError::Device` code for a write whose data, read back from the
/// device (`verify-writes=1`), differed from the client's twice, from two
/// backend generations.
pub const WRITE_MISMATCH: u32 = 0x101;

/// A task as the kernel names it (`ddk_abi::TaskId`'s raw value: index and
/// generation).
pub type Task = u32;

/// How a call to the backend failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The backend died (the kernel answered `Dead`).
    Dead,
    /// No reply within the watchdog's limit.
    Timeout,
    /// Anything else: the kernel refused the call, or the reply did not
    /// decode.
    Failed,
}

/// What the supervisor did with a request to restart one backend task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Restarted {
    /// That task was the backend's current one: killed (if it still ran)
    /// and started again.
    Yes,
    /// The backend already runs (or ran) another task: the one asked
    /// about had died and been replaced before the request arrived, and
    /// the supervisor left its successor alone (`SupervisorError::Stale`).
    AlreadyReplaced,
    /// Refused, or the supervisor could not be asked.
    No,
}

/// Where the backend is, by its service name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Located {
    /// Running as this task.
    Alive(Task),
    /// Its task is dead (the supervisor may restart it).
    Gone,
    /// No task of that name has ever run.
    Missing,
}

/// The service's view of the kernel and of the other processes.
pub trait Env {
    /// Milliseconds since boot.
    fn now_ms(&self) -> u64;
    /// Looks the backend up by name.
    fn locate(&mut self) -> Located;
    /// One `ipc::blkdev` call; `timeout_ms` 0 waits for ever.
    fn call(
        &mut self,
        to: Task,
        req: &blkdev::Request,
        timeout_ms: u64,
    ) -> Result<blkdev::Reply, CallError>;
    /// Grants the first `window` bytes of the data window to `to` (the
    /// grant of an earlier backend is revoked) and sends `Attach`.
    fn attach(
        &mut self,
        to: Task,
        window: u64,
        timeout_ms: u64,
    ) -> Result<blkdev::Reply, CallError>;
    /// The backend's state as the supervisor reports it (`None`: unknown).
    fn backend_state(&mut self) -> Option<ServiceState>;
    /// Asks the supervisor to restart the backend if `task` is still its
    /// current task (`RestartTask`): a request that arrives after `task`
    /// was replaced must not kill the healthy successor.
    fn restart_backend(&mut self, task: Task) -> Restarted;
    /// Asks the supervisor to kill the backend if `task` is still its
    /// current task (`KillTask`), so that its death goes through the
    /// restart policy like a crash: the backoff as it stands, `give-up`,
    /// `restart=hold`. `Restarted::Yes`: killed (the policy restarts it,
    /// or holds it); `AlreadyReplaced`: `task` had died and been replaced,
    /// and the successor was left alone.
    fn kill_backend(&mut self, task: Task) -> Restarted;
    /// Copies `len` bytes from the client's `grant` into the data window at
    /// `offset` (a write's data).
    fn copy_in(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError>;
    /// FNV-1a of `len` bytes of the data window at `offset` (`None`:
    /// outside it).
    fn window_fnv(&mut self, offset: u64, len: u64) -> Option<u64>;
    /// Copies `len` bytes of the data window at `offset` to the client's
    /// `grant` (a read's data).
    fn copy_out(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError>;
    /// Answers a client (which may have died: then nothing happens).
    fn reply(&mut self, client: Task, reply: blk::Reply);
    /// One log line.
    fn log(&mut self, line: core::fmt::Arguments<'_>);
}

/// Where the service stands with its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// Attached to this task; requests go to it.
    Up(Task),
    /// Looking for a backend to attach to; requests wait in the queue.
    Down,
    /// Given up: requests are answered `Unavailable` until a backend runs.
    Unavailable,
}

/// One request in the current batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Flight {
    client: Task,
    req: blk::Request,
    /// Its slot in the data window (byte offset).
    offset: u64,
    /// A backend already failed it once, and it was replayed to a fresh
    /// generation for a second opinion: its next error is the client's.
    second_opinion: bool,
    /// A write's data as it was copied into the window (FNV-1a), for
    /// `verify-writes`.
    fnv: u64,
}

/// Counters for the log and the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `Submit` calls made.
    pub batches: u64,
    /// Requests answered `Ok`.
    pub served: u64,
    /// Times flights were submitted again to a new backend.
    pub replays: u64,
    /// Requests submitted again in those replays.
    pub replayed: u64,
    /// Times the watchdog fired.
    pub watchdog: u64,
    /// Attaches to a backend.
    pub attaches: u64,
    /// Operations a backend failed that were replayed to its next
    /// generation for a second opinion.
    pub doubted: u64,
    /// Of those, errors the next generation gave again (answered to the
    /// client as device errors).
    pub confirmed: u64,
    /// Writes read back (`verify-writes`), and those whose data differed.
    pub verified: u64,
    pub mismatches: u64,
}

pub struct Service {
    cfg: Config,
    info: Option<DeviceInfo>,
    /// Bytes of each window slot: the most one request moves.
    slot_bytes: u32,
    queue: VecDeque<(Task, blk::Request)>,
    /// The batch given (or about to be given) to the backend, in order.
    flights: Vec<Flight>,
    link: Link,
    /// A backend task not to attach to: the one that died or hung.
    stale: Option<Task>,
    /// Since when the backend has not been serving (`None`: it is).
    trouble_since: Option<u64>,
    /// When to look for the backend again (Down, Unavailable), or to
    /// resubmit after `NotReady` (Up).
    next_try_ms: u64,
    /// Flights were lost with a backend and await their replay.
    replay_pending: bool,
    /// When the last backend was lost (died, hung, lost the window).
    lost_at_ms: u64,
    /// A backend task whose operation errors are passed to clients as
    /// they are: it repeated an error its predecessor gave, so the error
    /// is the device's.
    trusted: Option<Task>,
    stats: Stats,
}

impl Service {
    pub fn new(cfg: Config, now_ms: u64) -> Self {
        Service {
            cfg,
            info: None,
            slot_bytes: 0,
            queue: VecDeque::new(),
            flights: Vec::new(),
            link: Link::Down,
            stale: None,
            trouble_since: Some(now_ms),
            next_try_ms: now_ms,
            replay_pending: false,
            lost_at_ms: now_ms,
            trusted: None,
            stats: Stats::default(),
        }
    }

    pub fn link(&self) -> Link {
        self.link
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Requests accepted and not yet answered: queued and in flight.
    pub fn outstanding(&self) -> usize {
        self.queue.len() + self.flights.len()
    }

    /// Whether the program should receive another request; `false` while
    /// the queue is full, so callers wait in the kernel (push-back).
    pub fn accepting(&self) -> bool {
        self.queue.len() < self.cfg.queue
    }

    /// The most blocks one request may move (0 before the geometry is
    /// known).
    pub fn max_blocks(&self) -> u32 {
        match self.info {
            Some(i) if i.block_size > 0 => self.slot_bytes / i.block_size,
            _ => 0,
        }
    }

    /// A new client request.
    pub fn accept(&mut self, env: &mut impl Env, client: Task, req: blk::Request) {
        // A backend restarted since the last probe (an operator's Restart
        // answered just before this request) must not be missed: look now,
        // not only at the next probe.
        if self.link == Link::Unavailable && !self.revive(env) {
            env.reply(client, blk::Reply::Err(BlkError::Unavailable));
            return;
        }
        if let Some(info) = self.info {
            if req == blk::Request::Info {
                env.reply(
                    client,
                    blk::Reply::Info {
                        block_size: info.block_size,
                        blocks: info.blocks,
                    },
                );
                return;
            }
            if let Err(e) = self.check(&req) {
                env.reply(client, blk::Reply::Err(e));
                return;
            }
        }
        self.queue.push_back((client, req));
    }

    /// How long the program may wait for a message before calling
    /// [`Service::step`] again (`None`: until a message comes).
    pub fn wait_ms(&self, now_ms: u64) -> Option<u64> {
        let until_next_try = self.next_try_ms.saturating_sub(now_ms);
        match self.link {
            Link::Up(_) if !self.flights.is_empty() => Some(until_next_try),
            Link::Up(_) if !self.queue.is_empty() => Some(0),
            Link::Up(_) => None,
            Link::Down | Link::Unavailable => Some(until_next_try),
        }
    }

    /// Does the next piece of work: one `Submit`, or one attempt to find
    /// and attach a backend, or nothing if nothing is due.
    pub fn step(&mut self, env: &mut impl Env) {
        let now = env.now_ms();
        match self.link {
            Link::Up(task) => {
                if self.flights.is_empty() {
                    self.fill(env);
                }
                if !self.flights.is_empty() && now >= self.next_try_ms {
                    self.submit(env, task);
                }
            }
            Link::Down => {
                if now >= self.next_try_ms {
                    self.probe(env, now);
                }
            }
            Link::Unavailable => {
                if now >= self.next_try_ms {
                    self.next_try_ms = now + self.cfg.probe_ms;
                    self.revive(env);
                }
            }
        }
    }

    /// Unavailable: if a backend runs again, go back to looking for it
    /// (requests queue again); whether one does.
    fn revive(&mut self, env: &mut impl Env) -> bool {
        let Located::Alive(task) = env.locate() else {
            return false;
        };
        if Some(task) == self.stale {
            return false;
        }
        env.log(format_args!(
            "{} {} is running again: attaching",
            self.cfg.backend,
            show(task)
        ));
        let now = env.now_ms();
        self.link = Link::Down;
        self.trouble_since = Some(now);
        self.next_try_ms = now;
        true
    }

    /// The geometry's refusals of a request.
    fn check(&self, req: &blk::Request) -> Result<(), BlkError> {
        let Some(info) = self.info else {
            return Ok(());
        };
        let (lba, count, write) = match *req {
            blk::Request::Info => return Ok(()),
            blk::Request::Flush => {
                return if info.read_only {
                    Err(BlkError::ReadOnly)
                } else {
                    Ok(())
                };
            }
            blk::Request::Read { lba, count, .. } => (lba, count, false),
            blk::Request::Write { lba, count, .. } => (lba, count, true),
        };
        let max = self.max_blocks();
        if count == 0 || count > max {
            return Err(BlkError::BadCount { max });
        }
        match lba.checked_add(u64::from(count)) {
            Some(end) if end <= info.blocks => {}
            _ => {
                return Err(BlkError::OutOfRange {
                    blocks: info.blocks,
                });
            }
        }
        if write && info.read_only {
            return Err(BlkError::ReadOnly);
        }
        Ok(())
    }

    fn bytes(&self, count: u32) -> u64 {
        u64::from(count) * u64::from(self.info.map_or(0, |i| i.block_size))
    }

    /// Moves queued requests into a new batch.
    fn fill(&mut self, env: &mut impl Env) {
        while self.flights.len() < self.batch_max() {
            let Some((client, req)) = self.queue.pop_front() else {
                break;
            };
            if req == blk::Request::Info {
                if let Some(i) = self.info {
                    env.reply(
                        client,
                        blk::Reply::Info {
                            block_size: i.block_size,
                            blocks: i.blocks,
                        },
                    );
                }
                continue;
            }
            // Queued before the geometry was known: checked now.
            if let Err(e) = self.check(&req) {
                env.reply(client, blk::Reply::Err(e));
                continue;
            }
            let offset = self.flights.len() as u64 * u64::from(self.slot_bytes);
            if let blk::Request::Write { count, grant, .. } = req
                && let Err(e) = env.copy_in(grant, self.bytes(count), offset)
            {
                env.reply(client, blk::Reply::Err(e));
                continue;
            }
            let fnv = match req {
                blk::Request::Write { count, .. } if self.cfg.verify_writes => {
                    env.window_fnv(offset, self.bytes(count)).unwrap_or(0)
                }
                _ => 0,
            };
            self.flights.push(Flight {
                client,
                req,
                offset,
                second_opinion: false,
                fnv,
            });
        }
    }

    fn op(&self, f: &Flight) -> Op {
        match f.req {
            blk::Request::Read { lba, count, .. } => Op::Read {
                lba,
                len: self.bytes(count) as u32,
                offset: f.offset,
            },
            blk::Request::Write { lba, count, .. } => Op::Write {
                lba,
                len: self.bytes(count) as u32,
                offset: f.offset,
            },
            blk::Request::Flush | blk::Request::Info => Op::Flush,
        }
    }

    fn submit(&mut self, env: &mut impl Env, task: Task) {
        let replaying = core::mem::take(&mut self.replay_pending);
        if replaying {
            self.stats.replays += 1;
            self.stats.replayed += self.flights.len() as u64;
        }
        let ops: Vec<Op> = self.flights.iter().map(|f| self.op(f)).collect();
        self.stats.batches += 1;
        let result = env.call(task, &blkdev::Request::Submit(ops), self.cfg.watchdog_ms);
        let now = env.now_ms();
        match result {
            Ok(blkdev::Reply::Done(statuses)) if statuses.len() == self.flights.len() => {
                if replaying {
                    env.log(format_args!(
                        "replayed {} requests to {} {}, {} ms after the backend was lost",
                        statuses.len(),
                        self.cfg.backend,
                        show(task),
                        now.saturating_sub(self.lost_at_ms)
                    ));
                }
                let Some(mismatched) = self.verify(env, task, &statuses) else {
                    return;
                };
                self.complete(env, task, &statuses, &mismatched, now);
            }
            Ok(blkdev::Reply::Err(BlkDevError::NotReady)) => self.not_ready(env, now),
            // The backend lost our window (it cannot, short of a bug):
            // attach again and resubmit.
            Ok(blkdev::Reply::Err(BlkDevError::NoWindow | BlkDevError::OutsideWindow { .. })) => {
                env.log(format_args!(
                    "{} {} lost the data window: attaching again",
                    self.cfg.backend,
                    show(task)
                ));
                self.lost(now);
            }
            Ok(other) => {
                let e = match other {
                    blkdev::Reply::Err(e) => self.map_error(e),
                    _ => BlkError::Device(BACKEND_REFUSED),
                };
                if self.trusted != Some(task) && self.flights.iter().any(|f| !f.second_opinion) {
                    env.log(format_args!(
                        "{} {} answered a batch of {} with {other:?}: restarting it and replaying the batch to its next generation",
                        self.cfg.backend,
                        show(task),
                        self.flights.len()
                    ));
                    for f in &mut self.flights {
                        f.second_opinion = true;
                    }
                    self.stats.doubted += self.flights.len() as u64;
                    return self.second_opinion(env, task, now);
                }
                env.log(format_args!(
                    "{} {} answered a batch of {} with {other:?}: failing it",
                    self.cfg.backend,
                    show(task),
                    self.flights.len()
                ));
                for f in core::mem::take(&mut self.flights) {
                    env.reply(f.client, blk::Reply::Err(e));
                }
            }
            Err(CallError::Dead) => {
                env.log(format_args!(
                    "{} {} died with {} requests in flight: replaying them to its next generation",
                    self.cfg.backend,
                    show(task),
                    self.flights.len()
                ));
                self.stale = Some(task);
                self.lost(now);
            }
            Err(CallError::Timeout) => self.watchdog(env, task, now),
            Err(CallError::Failed) => {
                env.log(format_args!(
                    "{} {}: the call failed with {} requests in flight: restarting it",
                    self.cfg.backend,
                    show(task),
                    self.flights.len()
                ));
                self.stale = Some(task);
                self.lost(now);
                self.restart(env, task);
            }
        }
    }

    /// The flights must go to another (or the same, re-attached) backend.
    fn lost(&mut self, now: u64) {
        self.link = Link::Down;
        self.lost_at_ms = now;
        self.replay_pending = !self.flights.is_empty();
        self.trouble_since.get_or_insert(now);
        self.next_try_ms = now;
    }

    fn watchdog(&mut self, env: &mut impl Env, task: Task, now: u64) {
        self.stats.watchdog += 1;
        env.log(format_args!(
            "watchdog: {} {} did not answer within {} ms ({} requests in flight): asking the supervisor to restart it",
            self.cfg.backend,
            show(task),
            self.cfg.watchdog_ms,
            self.flights.len()
        ));
        self.stale = Some(task);
        self.lost(now);
        self.restart(env, task);
    }

    /// Asks for `task` (the generation that failed us) to be restarted; a
    /// successor started meanwhile is simply the next one to attach to.
    fn restart(&mut self, env: &mut impl Env, task: Task) {
        match env.restart_backend(task) {
            Restarted::Yes => {}
            Restarted::AlreadyReplaced => env.log(format_args!(
                "{} {} was already replaced by the supervisor: attaching to its successor",
                self.cfg.backend,
                show(task)
            )),
            Restarted::No => env.log(format_args!(
                "the supervisor did not restart {} {}; waiting for it",
                self.cfg.backend,
                show(task)
            )),
        }
    }

    /// The backend is alive but not serving yet: try again shortly, or
    /// give up once it has been so for `unavailable-ms`.
    fn not_ready(&mut self, env: &mut impl Env, now: u64) {
        let since = *self.trouble_since.get_or_insert(now);
        if now.saturating_sub(since) >= self.cfg.unavailable_ms {
            self.give_up(env, "not ready", now);
        } else {
            self.next_try_ms = now + self.cfg.probe_ms;
        }
    }

    /// Answers the batch's results. An operation the backend could not
    /// start (`NotReady`) stays, and so does a flush after it, which must
    /// not be acknowledged before the write it would make durable.
    ///
    /// An operation that failed is kept too, the first time, for a second
    /// opinion from the next generation ([`Service::second_opinion`]),
    /// unless this generation is trusted with its errors.
    fn complete(
        &mut self,
        env: &mut impl Env,
        task: Task,
        statuses: &[Status],
        mismatched: &[bool],
        now: u64,
    ) {
        let mut kept = Vec::new();
        let mut doubted = 0;
        let mut first_error = None;
        let flights = core::mem::take(&mut self.flights);
        for (i, (mut f, s)) in flights.into_iter().zip(statuses).enumerate() {
            let error = if mismatched.get(i) == Some(&true) {
                Some(BlkError::Device(WRITE_MISMATCH))
            } else {
                match *s {
                    Status::Ok => None,
                    Status::Err(BlkDevError::NotReady) => {
                        kept.push(f);
                        continue;
                    }
                    Status::Err(e) => Some(self.map_error(e)),
                }
            };
            match error {
                None if f.req == blk::Request::Flush && !kept.is_empty() => kept.push(f),
                None => self.finish(env, f),
                Some(e) if !f.second_opinion && self.trusted != Some(task) => {
                    f.second_opinion = true;
                    // The replay takes the client's data afresh: the
                    // window's copy may be what the backend damaged.
                    if let blk::Request::Write { count, grant, .. } = f.req {
                        let len = self.bytes(count);
                        if let Err(e) = env.copy_in(grant, len, f.offset) {
                            env.reply(f.client, blk::Reply::Err(e));
                            continue;
                        }
                        f.fnv = env.window_fnv(f.offset, len).unwrap_or(0);
                    }
                    doubted += 1;
                    first_error.get_or_insert(e);
                    kept.push(f);
                }
                Some(e) => {
                    if f.second_opinion && self.trusted != Some(task) {
                        self.stats.confirmed += 1;
                        self.trusted = Some(task);
                        env.log(format_args!(
                            "{} {} failed {:?} again with {e:?} after a restart: a device error; answering it, and trusting this generation's errors from now on",
                            self.cfg.backend,
                            show(task),
                            f.req
                        ));
                    }
                    env.reply(f.client, blk::Reply::Err(e));
                }
            }
        }
        self.flights = kept;
        if let Some(e) = first_error {
            self.stats.doubted += doubted;
            env.log(format_args!(
                "{} {} failed {doubted} operation(s) ({e:?}): restarting it and replaying them to its next generation; only an error it repeats reaches the client",
                self.cfg.backend,
                show(task)
            ));
            return self.second_opinion(env, task, now);
        }
        if self.flights.is_empty() {
            self.trouble_since = None;
        } else {
            self.not_ready(env, now);
        }
    }

    /// Requests in one batch: half the window's slots with
    /// `verify-writes` (the other half takes the read-backs).
    fn batch_max(&self) -> usize {
        if self.cfg.verify_writes {
            MAX_BATCH / 2
        } else {
            MAX_BATCH
        }
    }

    /// `verify-writes`: reads every write the backend says it completed
    /// back from the device (a second `Submit`, into the window's upper
    /// half) and compares it with the data the client gave. A corrupt
    /// driver host can change a write's data on the way (a wild store into
    /// its DMA buffer, or into the window) and still report success; such
    /// a write is marked, so that [`Service::complete`] gives it a second
    /// opinion like an error. `None`: the backend died or hung in the
    /// read-back (handled as for the batch: everything is replayed).
    fn verify(&mut self, env: &mut impl Env, task: Task, statuses: &[Status]) -> Option<Vec<bool>> {
        let mut mismatched = alloc::vec![false; self.flights.len()];
        if !self.cfg.verify_writes {
            return Some(mismatched);
        }
        let half = (MAX_BATCH / 2) as u64;
        let mut checks = Vec::new();
        for (i, (f, s)) in self.flights.iter().zip(statuses).enumerate() {
            if let (blk::Request::Write { lba, count, .. }, Status::Ok) = (f.req, s) {
                let offset = (half + checks.len() as u64) * u64::from(self.slot_bytes);
                checks.push((i, lba, self.bytes(count), offset));
            }
        }
        if checks.is_empty() {
            return Some(mismatched);
        }
        let ops: Vec<Op> = checks
            .iter()
            .map(|&(_, lba, len, offset)| Op::Read {
                lba,
                len: len as u32,
                offset,
            })
            .collect();
        self.stats.batches += 1;
        let result = env.call(task, &blkdev::Request::Submit(ops), self.cfg.watchdog_ms);
        let now = env.now_ms();
        let read: Vec<bool> = match result {
            Ok(blkdev::Reply::Done(st)) if st.len() == checks.len() => {
                st.iter().map(|s| *s == Status::Ok).collect()
            }
            Err(CallError::Dead) => {
                env.log(format_args!(
                    "{} {} died reading back {} writes: replaying the batch to its next generation",
                    self.cfg.backend,
                    show(task),
                    checks.len()
                ));
                self.stale = Some(task);
                self.lost(now);
                return None;
            }
            Err(CallError::Timeout) => {
                self.watchdog(env, task, now);
                return None;
            }
            // Refused or garbled: the writes cannot be vouched for.
            _ => alloc::vec![false; checks.len()],
        };
        let mut bad = 0;
        for (&(i, _, len, offset), ok) in checks.iter().zip(read) {
            self.stats.verified += 1;
            let same = ok && self.flights.get(i).map(|f| f.fnv) == env.window_fnv(offset, len);
            if !same {
                bad += 1;
                if let Some(m) = mismatched.get_mut(i) {
                    *m = true;
                }
            }
        }
        if bad > 0 {
            self.stats.mismatches += bad;
            env.log(format_args!(
                "{} {}: {bad} of {} writes it reported done read back other data (or not at all)",
                self.cfg.backend,
                show(task),
                checks.len()
            ));
        }
        Some(mismatched)
    }

    /// `task` failed operations the service had checked. A driver host
    /// whose code or registers were corrupted can do that (complete a
    /// request with a garbage status, or send the device a garbled one)
    /// and die only later, or never; a client must not see its error if a
    /// healthy generation would have served the request. So the failing
    /// generation is restarted (`RestartTask`, which spares a successor)
    /// and the flights (with their `second_opinion` set) are replayed to
    /// the next one, as after a death. Bounded: each operation gets one
    /// second opinion, and a generation that confirms an error is
    /// trusted with its later ones.
    fn second_opinion(&mut self, env: &mut impl Env, task: Task, now: u64) {
        self.stale = Some(task);
        self.lost(now);
        self.restart(env, task);
    }

    fn finish(&mut self, env: &mut impl Env, f: Flight) {
        let reply = match f.req {
            blk::Request::Read { count, grant, .. } => {
                match env.copy_out(grant, self.bytes(count), f.offset) {
                    Ok(()) => blk::Reply::Ok,
                    Err(e) => blk::Reply::Err(e),
                }
            }
            _ => blk::Reply::Ok,
        };
        if reply == blk::Reply::Ok {
            self.stats.served += 1;
        }
        env.reply(f.client, reply);
    }

    fn map_error(&self, e: BlkDevError) -> BlkError {
        match e {
            BlkDevError::OutOfRange { blocks } => BlkError::OutOfRange { blocks },
            BlkDevError::ReadOnly => BlkError::ReadOnly,
            BlkDevError::Device(code) => BlkError::Device(u32::from(code)),
            BlkDevError::BadLength { .. } | BlkDevError::TooLong { .. } => BlkError::BadCount {
                max: self.max_blocks(),
            },
            BlkDevError::NotReady => BlkError::Unavailable,
            BlkDevError::NoWindow
            | BlkDevError::OutsideWindow { .. }
            | BlkDevError::Grant(_)
            | BlkDevError::TooMany { .. } => BlkError::Device(BACKEND_REFUSED),
        }
    }
}

/// `index.generation` of a task, as the logs print tasks.
pub fn show(task: Task) -> impl core::fmt::Display {
    struct Show(Task);
    impl core::fmt::Display for Show {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write!(f, "[{}.{}]", self.0 & 0xffff, self.0 >> 16)
        }
    }
    Show(task)
}

#[path = "service_connect.rs"]
mod connect;

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
