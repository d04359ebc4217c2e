//! The state machine against a fake backend: a RAM disk that can die part
//! way through a batch, hang, answer `NotReady`, or be held.

use super::*;
use alloc::string::String;
use alloc::vec;
use std::collections::HashMap;

const BS: u32 = 512;
const BLOCKS: u64 = 256;
/// Backend tasks are index 7; the generation is in the upper half.
const INDEX: Task = 7;

fn gen_task(g: u32) -> Task {
    INDEX | g << 16
}

/// What the fake backend does with the next `Submit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Serve,
    /// Runs this many operations, then dies.
    DieAfter(usize),
    /// Never answers (the call times out).
    Hang,
    /// Never answers, and before the timeout it dies on its own and the
    /// supervisor starts the next generation (campaign injection #681).
    HangWhileReplaced,
    /// `Err(NotReady)` for the whole batch.
    NotReady,
    /// `NotReady` for the operation at this index, `Ok` for the others.
    OpNotReady(usize),
    /// `Device(1)` for the operation at this index without running it (a
    /// corrupt driver host), `Ok` for the others; it stays alive.
    OpError(usize),
    /// The write at this index reaches the disk with one byte changed (a
    /// wild store into the backend's DMA buffer), reported `Ok`.
    CorruptWrite(usize),
    /// `Err(TooMany)` for the whole batch (which the service never
    /// oversizes), and it stays alive.
    BatchError,
}

struct Fake {
    now: u64,
    generation: u32,
    alive: bool,
    /// `Info` answers `NotReady` this many more times.
    starting: u32,
    next: Vec<Next>,
    state: Option<ServiceState>,
    restart_ok: bool,
    restarts: u32,
    /// The task of each `restart_backend` request, as the supervisor got it.
    restart_requests: Vec<Task>,
    /// The task each `kill_backend` request named, as the supervisor got it.
    kill_requests: Vec<Task>,
    /// The tasks those requests killed.
    kills: Vec<Task>,
    /// The next `kill_backend` request arrives after the generation it
    /// names died on its own and the next one started.
    replaced_before_kill: bool,
    /// What the restart policy does with a killed backend: `None` starts
    /// the next generation at once; else it stays dead in that state
    /// (waiting out the backoff, or held when the policy gave up).
    kill_then: Option<ServiceState>,
    disk: Vec<u8>,
    window: Vec<u8>,
    /// (task, window length) of each `Attach`.
    attaches: Vec<(Task, u64)>,
    grants: HashMap<u32, Vec<u8>>,
    /// Every `Submit`'s operations, as the backend got them.
    submits: Vec<Vec<Op>>,
    /// Operations that reached the "device", in order.
    device: Vec<Op>,
    replies: Vec<(Task, blk::Reply)>,
    logs: Vec<String>,
    /// Ms each call takes.
    call_ms: u64,
    /// A sector the device fails (`Device(1)`) whichever generation asks.
    bad_lba: Option<u64>,
    /// The generation that answers `Info` with this instead of its
    /// geometry (a corrupt driver host that lives on: campaign injection
    /// #8000).
    odd_info: Option<(u32, blkdev::Reply)>,
    /// The generation that answers `Attach` with this.
    odd_attach: Option<(u32, blkdev::Reply)>,
}

impl Fake {
    fn new() -> Self {
        let mut disk = vec![0u8; (BLOCKS * u64::from(BS)) as usize];
        for (i, b) in disk.iter_mut().enumerate() {
            *b = (i / BS as usize) as u8;
        }
        Fake {
            now: 0,
            generation: 0,
            alive: true,
            starting: 0,
            next: Vec::new(),
            state: Some(ServiceState::Running),
            restart_ok: true,
            restarts: 0,
            restart_requests: Vec::new(),
            kill_requests: Vec::new(),
            kills: Vec::new(),
            replaced_before_kill: false,
            kill_then: None,
            disk,
            window: Vec::new(),
            attaches: Vec::new(),
            grants: HashMap::new(),
            submits: Vec::new(),
            device: Vec::new(),
            replies: Vec::new(),
            logs: Vec::new(),
            call_ms: 1,
            bad_lba: None,
            odd_info: None,
            odd_attach: None,
        }
    }

    fn task(&self) -> Task {
        gen_task(self.generation)
    }

    /// The backend dies on its own (not during a call).
    fn kill(&mut self) {
        self.alive = false;
    }

    /// The supervisor starts the next generation.
    fn start_next(&mut self) {
        self.generation += 1;
        self.alive = true;
        self.state = Some(ServiceState::Running);
    }

    fn run(&mut self, op: &Op) -> Status {
        let (lba, len, off, write) = match *op {
            Op::Flush => {
                self.device.push(*op);
                return Status::Ok;
            }
            Op::Read { lba, len, offset } => (lba, len, offset, false),
            Op::Write { lba, len, offset } => (lba, len, offset, true),
        };
        if self
            .bad_lba
            .is_some_and(|b| (lba..lba + u64::from(len / BS)).contains(&b))
        {
            return Status::Err(BlkDevError::Device(1));
        }
        let d = (lba * u64::from(BS)) as usize;
        let (w, n) = (off as usize, len as usize);
        if write {
            self.disk[d..d + n].copy_from_slice(&self.window[w..w + n]);
        } else {
            self.window[w..w + n].copy_from_slice(&self.disk[d..d + n]);
        }
        self.device.push(*op);
        Status::Ok
    }

    fn replies_to(&self, client: Task) -> Vec<blk::Reply> {
        self.replies
            .iter()
            .filter(|(c, _)| *c == client)
            .map(|(_, r)| *r)
            .collect()
    }
}

impl Env for Fake {
    fn now_ms(&self) -> u64 {
        self.now
    }

    fn locate(&mut self) -> Located {
        if self.alive {
            Located::Alive(self.task())
        } else {
            Located::Gone
        }
    }

    fn call(
        &mut self,
        to: Task,
        req: &blkdev::Request,
        timeout_ms: u64,
    ) -> Result<blkdev::Reply, CallError> {
        self.now += self.call_ms;
        if to != self.task() || !self.alive {
            return Err(CallError::Dead);
        }
        let info = DeviceInfo {
            block_size: BS,
            blocks: BLOCKS,
            read_only: false,
            max_transfer: 64 * 1024,
            queue_depth: 16,
        };
        match req {
            blkdev::Request::Info if self.starting > 0 => {
                self.starting -= 1;
                Ok(blkdev::Reply::Err(BlkDevError::NotReady))
            }
            blkdev::Request::Info => match &self.odd_info {
                Some((g, reply)) if *g == self.generation => Ok(reply.clone()),
                _ => Ok(blkdev::Reply::Info(info)),
            },
            blkdev::Request::Submit(ops) => {
                self.submits.push(ops.clone());
                let next = if self.next.is_empty() {
                    Next::Serve
                } else {
                    self.next.remove(0)
                };
                match next {
                    Next::Serve => Ok(blkdev::Reply::Done(
                        ops.iter().map(|o| self.run(o)).collect(),
                    )),
                    Next::DieAfter(k) => {
                        for o in ops.iter().take(k) {
                            self.run(o);
                        }
                        self.alive = false;
                        Err(CallError::Dead)
                    }
                    Next::Hang => {
                        self.now += timeout_ms;
                        Err(CallError::Timeout)
                    }
                    Next::HangWhileReplaced => {
                        self.now += timeout_ms;
                        self.start_next();
                        Err(CallError::Timeout)
                    }
                    Next::NotReady => Ok(blkdev::Reply::Err(BlkDevError::NotReady)),
                    Next::OpNotReady(i) => Ok(blkdev::Reply::Done(
                        ops.iter()
                            .enumerate()
                            .map(|(j, o)| {
                                if j == i {
                                    Status::Err(BlkDevError::NotReady)
                                } else {
                                    self.run(o)
                                }
                            })
                            .collect(),
                    )),
                    Next::CorruptWrite(i) => Ok(blkdev::Reply::Done(
                        ops.iter()
                            .enumerate()
                            .map(|(j, o)| {
                                let st = self.run(o);
                                if let (true, Op::Write { lba, .. }) = (j == i, o) {
                                    self.disk[(*lba * u64::from(BS)) as usize + 7] ^= 0x40;
                                }
                                st
                            })
                            .collect(),
                    )),
                    Next::BatchError => Ok(blkdev::Reply::Err(BlkDevError::TooMany { max: 0 })),
                    Next::OpError(i) => Ok(blkdev::Reply::Done(
                        ops.iter()
                            .enumerate()
                            .map(|(j, o)| {
                                if j == i {
                                    Status::Err(BlkDevError::Device(1))
                                } else {
                                    self.run(o)
                                }
                            })
                            .collect(),
                    )),
                }
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    fn attach(
        &mut self,
        to: Task,
        window: u64,
        _timeout_ms: u64,
    ) -> Result<blkdev::Reply, CallError> {
        self.now += self.call_ms;
        if to != self.task() || !self.alive {
            return Err(CallError::Dead);
        }
        if let Some((g, reply)) = &self.odd_attach
            && *g == self.generation
        {
            return Ok(reply.clone());
        }
        if self.window.len() < window as usize {
            self.window.resize(window as usize, 0);
        }
        self.attaches.push((to, window));
        Ok(blkdev::Reply::Attached { len: window })
    }

    fn backend_state(&mut self) -> Option<ServiceState> {
        self.state
    }

    /// As the supervisor answers `RestartTask`: only the current
    /// generation is restarted.
    fn restart_backend(&mut self, task: Task) -> Restarted {
        self.restart_requests.push(task);
        if task != self.task() {
            Restarted::AlreadyReplaced
        } else if self.restart_ok {
            self.restarts += 1;
            self.start_next();
            Restarted::Yes
        } else {
            Restarted::No
        }
    }

    /// As the supervisor answers `KillTask`: only the current generation,
    /// if it runs, dies, and the restart policy starts the next one (here
    /// at once) or holds it.
    fn kill_backend(&mut self, task: Task) -> Restarted {
        self.kill_requests.push(task);
        if self.replaced_before_kill {
            // Between the service's look and its request, the generation
            // dies on its own and the supervisor starts the next one.
            self.replaced_before_kill = false;
            self.start_next();
        }
        if task != self.task() {
            return Restarted::AlreadyReplaced;
        }
        if !self.restart_ok || !self.alive {
            return Restarted::No;
        }
        self.kills.push(self.task());
        match self.kill_then {
            None => self.start_next(),
            Some(state) => {
                self.alive = false;
                self.state = Some(state);
            }
        }
        Restarted::Yes
    }

    fn copy_in(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError> {
        let g = self.grants.get(&grant).ok_or(BlkError::Grant(7))?;
        if (g.len() as u64) < len {
            return Err(BlkError::GrantTooSmall {
                mapped: g.len() as u64,
            });
        }
        let (o, n) = (offset as usize, len as usize);
        self.window[o..o + n].copy_from_slice(&g[..n]);
        Ok(())
    }

    fn window_fnv(&mut self, offset: u64, len: u64) -> Option<u64> {
        let data = self.window.get(offset as usize..(offset + len) as usize)?;
        Some(data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        }))
    }

    fn copy_out(&mut self, grant: u32, len: u64, offset: u64) -> Result<(), BlkError> {
        let (o, n) = (offset as usize, len as usize);
        let data = self.window[o..o + n].to_vec();
        let g = self.grants.get_mut(&grant).ok_or(BlkError::Grant(7))?;
        if (g.len() as u64) < len {
            return Err(BlkError::GrantTooSmall {
                mapped: g.len() as u64,
            });
        }
        g[..n].copy_from_slice(&data);
        Ok(())
    }

    fn reply(&mut self, client: Task, reply: blk::Reply) {
        self.replies.push((client, reply));
    }

    fn log(&mut self, line: core::fmt::Arguments<'_>) {
        self.logs.push(alloc::format!("{line}"));
    }
}

fn cfg() -> Config {
    Config::parse("backend=disk queue=8 watchdog-ms=500 unavailable-ms=1000 probe-ms=10").unwrap()
}

/// A service attached to generation 0.
fn up() -> (Service, Fake) {
    let mut f = Fake::new();
    let mut s = Service::new(cfg(), 0);
    s.step(&mut f);
    assert_eq!(s.link(), Link::Up(gen_task(0)));
    (s, f)
}

/// Steps until nothing is outstanding (or `limit` steps), advancing the
/// clock to each wake-up as the program's receive timeout would.
fn settle(s: &mut Service, f: &mut Fake, limit: usize) {
    for _ in 0..limit {
        if s.outstanding() == 0 {
            return;
        }
        if let Some(w) = s.wait_ms(f.now) {
            f.now += w;
        }
        s.step(f);
    }
}

fn write(f: &mut Fake, grant: u32, lba: u64, count: u32, fill: u8) -> blk::Request {
    f.grants.insert(grant, vec![fill; (count * BS) as usize]);
    blk::Request::Write { lba, count, grant }
}

fn read(f: &mut Fake, grant: u32, lba: u64, count: u32) -> blk::Request {
    f.grants.insert(grant, vec![0xee; (count * BS) as usize]);
    blk::Request::Read { lba, count, grant }
}

fn sector(f: &Fake, lba: u64) -> &[u8] {
    let at = (lba * u64::from(BS)) as usize;
    &f.disk[at..at + BS as usize]
}

#[test]
fn serves_info_reads_writes_and_flush() {
    let (mut s, mut f) = up();
    s.accept(&mut f, 1, blk::Request::Info);
    assert_eq!(
        f.replies_to(1),
        [blk::Reply::Info {
            block_size: BS,
            blocks: BLOCKS
        }]
    );
    let w = write(&mut f, 10, 3, 2, 0xab);
    s.accept(&mut f, 2, w);
    s.accept(&mut f, 2, blk::Request::Flush);
    let r = read(&mut f, 11, 5, 1);
    s.accept(&mut f, 3, r);
    // Nothing is answered before the backend ran it.
    assert_eq!(f.replies_to(2), []);
    settle(&mut s, &mut f, 10);
    assert_eq!(f.replies_to(2), [blk::Reply::Ok, blk::Reply::Ok]);
    assert_eq!(f.replies_to(3), [blk::Reply::Ok]);
    assert!(sector(&f, 3).iter().all(|&b| b == 0xab));
    assert!(sector(&f, 4).iter().all(|&b| b == 0xab));
    assert!(sector(&f, 2).iter().all(|&b| b == 2), "neighbour untouched");
    assert!(
        f.grants[&11].iter().all(|&b| b == 5),
        "the read's data reached the grant"
    );
    // Three requests queued together went as one batch, in order.
    assert_eq!(f.submits.len(), 1);
    assert_eq!(
        f.submits[0],
        [
            Op::Write {
                lba: 3,
                len: 1024,
                offset: 0
            },
            Op::Flush,
            Op::Read {
                lba: 5,
                len: 512,
                offset: 2 * 65536
            },
        ]
    );
}

#[test]
fn batches_hold_at_most_32_and_the_rest_follow() {
    let (mut s, mut f) = up();
    let mut s2 = Service::new(Config::parse("backend=disk queue=100").unwrap(), 0);
    s2.step(&mut f);
    for c in 0..40 {
        let r = read(&mut f, 100 + c, u64::from(c), 1);
        s2.accept(&mut f, 100 + c, r);
    }
    settle(&mut s2, &mut f, 10);
    assert_eq!(f.submits.len(), 2);
    assert_eq!(f.submits[0].len(), 32);
    assert_eq!(f.submits[1].len(), 8);
    assert_eq!(f.replies.len(), 40);
    assert!(f.replies.iter().all(|(_, r)| *r == blk::Reply::Ok));
    // The first service never had work.
    s.step(&mut f);
    assert_eq!(s.stats().batches, 0);
}

#[test]
fn the_geometry_refuses_bad_requests_at_once() {
    let (mut s, mut f) = up();
    let max = 65536 / BS;
    assert_eq!(s.max_blocks(), max);
    s.accept(
        &mut f,
        1,
        blk::Request::Read {
            lba: 0,
            count: 0,
            grant: 1,
        },
    );
    s.accept(
        &mut f,
        1,
        blk::Request::Read {
            lba: 0,
            count: max + 1,
            grant: 1,
        },
    );
    s.accept(
        &mut f,
        1,
        blk::Request::Write {
            lba: BLOCKS - 1,
            count: 2,
            grant: 1,
        },
    );
    s.accept(
        &mut f,
        1,
        blk::Request::Read {
            lba: u64::MAX,
            count: 1,
            grant: 1,
        },
    );
    assert_eq!(
        f.replies_to(1),
        [
            blk::Reply::Err(BlkError::BadCount { max }),
            blk::Reply::Err(BlkError::BadCount { max }),
            blk::Reply::Err(BlkError::OutOfRange { blocks: BLOCKS }),
            blk::Reply::Err(BlkError::OutOfRange { blocks: BLOCKS }),
        ]
    );
    assert_eq!(s.outstanding(), 0);
}

#[test]
fn a_bad_grant_fails_only_its_request() {
    let (mut s, mut f) = up();
    // Too small for two blocks; and a grant id that does not exist.
    f.grants.insert(5, vec![1; 512]);
    s.accept(
        &mut f,
        1,
        blk::Request::Write {
            lba: 0,
            count: 2,
            grant: 5,
        },
    );
    s.accept(
        &mut f,
        2,
        blk::Request::Write {
            lba: 0,
            count: 1,
            grant: 99,
        },
    );
    let w = write(&mut f, 6, 9, 1, 0x77);
    s.accept(&mut f, 3, w);
    let r = read(&mut f, 7, 0, 1);
    f.grants.insert(7, vec![0; 100]);
    s.accept(&mut f, 4, r);
    settle(&mut s, &mut f, 10);
    assert_eq!(
        f.replies_to(1),
        [blk::Reply::Err(BlkError::GrantTooSmall { mapped: 512 })]
    );
    assert_eq!(f.replies_to(2), [blk::Reply::Err(BlkError::Grant(7))]);
    assert_eq!(f.replies_to(3), [blk::Reply::Ok]);
    assert_eq!(
        f.replies_to(4),
        [blk::Reply::Err(BlkError::GrantTooSmall { mapped: 100 })]
    );
    // The refused write never reached the device.
    assert!(sector(&f, 0).iter().all(|&b| b == 0));
    assert!(sector(&f, 9).iter().all(|&b| b == 0x77));
}

#[test]
fn requests_before_the_backend_is_up_wait_for_it() {
    let mut f = Fake::new();
    f.alive = false;
    f.state = Some(ServiceState::WaitingRestart { until_ms: 50 });
    let mut s = Service::new(cfg(), 0);
    s.accept(&mut f, 1, blk::Request::Info);
    let w = write(&mut f, 2, 1, 1, 9);
    s.accept(&mut f, 1, w);
    s.step(&mut f);
    assert_eq!(s.link(), Link::Down);
    f.now = 100;
    f.start_next();
    f.starting = 3; // the driver host compiling its driver
    settle(&mut s, &mut f, 20);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
    assert_eq!(
        f.replies_to(1),
        [
            blk::Reply::Info {
                block_size: BS,
                blocks: BLOCKS
            },
            blk::Reply::Ok
        ]
    );
}

/// Deaths, hangs, holds and random failures: replay and `Unavailable`.
#[path = "service_recovery_tests.rs"]
mod recovery;
