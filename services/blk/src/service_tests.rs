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
            disk,
            window: Vec::new(),
            attaches: Vec::new(),
            grants: HashMap::new(),
            submits: Vec::new(),
            device: Vec::new(),
            replies: Vec::new(),
            logs: Vec::new(),
            call_ms: 1,
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
            blkdev::Request::Info => Ok(blkdev::Reply::Info(info)),
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

#[test]
fn a_death_mid_batch_is_replayed_in_order_to_the_next_generation() {
    let (mut s, mut f) = up();
    let w1 = write(&mut f, 1, 10, 1, 0x11);
    let w2 = write(&mut f, 2, 11, 1, 0x22);
    let r = read(&mut f, 3, 10, 2);
    s.accept(&mut f, 1, w1);
    s.accept(&mut f, 2, w2);
    s.accept(&mut f, 2, blk::Request::Flush);
    s.accept(&mut f, 3, r);
    f.next = vec![Next::DieAfter(1)];
    s.step(&mut f);
    // The backend died after the first write: nobody is answered.
    assert_eq!(s.link(), Link::Down);
    assert!(f.replies.is_empty());
    // While it is down, more requests queue.
    let w3 = write(&mut f, 4, 12, 1, 0x33);
    s.accept(&mut f, 4, w3);
    f.now += 30;
    s.step(&mut f); // still gone
    assert!(f.replies.is_empty());
    f.start_next();
    settle(&mut s, &mut f, 20);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
    // The same four operations, in the same order and slots, then the new one.
    assert_eq!(f.submits.len(), 3);
    assert_eq!(f.submits[1], f.submits[0]);
    assert_eq!(f.submits[2].len(), 1);
    assert_eq!(
        f.attaches.iter().map(|a| a.0).collect::<Vec<_>>(),
        [gen_task(0), gen_task(1)]
    );
    for c in 1..=4 {
        assert!(
            f.replies_to(c).iter().all(|r| *r == blk::Reply::Ok),
            "client {c}"
        );
    }
    assert_eq!(f.replies.len(), 5);
    assert!(f.grants[&3][..512].iter().all(|&b| b == 0x11));
    assert!(f.grants[&3][512..].iter().all(|&b| b == 0x22));
    assert!(sector(&f, 12).iter().all(|&b| b == 0x33));
    assert_eq!(s.stats().replays, 1);
    assert_eq!(s.stats().replayed, 4);
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("died with 4 requests in flight"))
    );
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("replaying 4 requests in flight, 1 queued"))
    );
}

#[test]
fn a_backend_that_died_idle_is_found_dead_at_the_next_batch() {
    let (mut s, mut f) = up();
    f.kill();
    f.start_next();
    let w = write(&mut f, 1, 1, 1, 0x44);
    s.accept(&mut f, 1, w);
    settle(&mut s, &mut f, 10);
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert!(sector(&f, 1).iter().all(|&b| b == 0x44));
}

#[test]
fn a_flush_waits_for_the_write_before_it_that_must_be_retried() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 20, 1, 0x55);
    s.accept(&mut f, 1, w);
    s.accept(&mut f, 2, blk::Request::Flush);
    let r = read(&mut f, 3, 0, 1);
    s.accept(&mut f, 3, r);
    // The write is not started; the flush and the read complete.
    f.next = vec![Next::OpNotReady(0)];
    s.step(&mut f);
    // The read is answered; the flush is not: it would not cover the write.
    assert_eq!(f.replies_to(3), [blk::Reply::Ok]);
    assert_eq!(f.replies_to(2), []);
    assert_eq!(f.replies_to(1), []);
    settle(&mut s, &mut f, 10);
    // Resubmitted as write, flush — in that order.
    assert_eq!(
        f.submits[1],
        [
            Op::Write {
                lba: 20,
                len: 512,
                offset: 0
            },
            Op::Flush
        ]
    );
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    let last_write = f
        .device
        .iter()
        .rposition(|o| matches!(o, Op::Write { .. }))
        .unwrap();
    let last_flush = f.device.iter().rposition(|o| *o == Op::Flush).unwrap();
    assert!(last_flush > last_write);
}

#[test]
fn a_flush_lost_with_its_write_is_replayed_after_it() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 30, 1, 0x66);
    s.accept(&mut f, 1, w);
    s.accept(&mut f, 1, blk::Request::Flush);
    // Dies before running anything.
    f.next = vec![Next::DieAfter(0)];
    s.step(&mut f);
    f.start_next();
    settle(&mut s, &mut f, 10);
    assert_eq!(
        f.device,
        [
            Op::Write {
                lba: 30,
                len: 512,
                offset: 0
            },
            Op::Flush
        ]
    );
    assert_eq!(f.replies_to(1), [blk::Reply::Ok, blk::Reply::Ok]);
}

#[test]
fn the_watchdog_restarts_a_hung_backend_and_replays() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 40, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::Hang];
    s.step(&mut f);
    assert_eq!(f.restarts, 1);
    assert_eq!(f.restart_requests, [gen_task(0)]);
    assert_eq!(s.stats().watchdog, 1);
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("did not answer within 500 ms (1 requests in flight)"))
    );
    settle(&mut s, &mut f, 10);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert!(sector(&f, 40).iter().all(|&b| b == 0x77));
    assert_eq!(s.stats().replays, 1);
}

/// Campaign injection #681: the backend took longer than the watchdog to
/// die on its own, and the supervisor had started its next generation
/// before the watchdog's request arrived. The request names the hung
/// generation, so the healthy successor is not killed: the flights are
/// replayed to it.
#[test]
fn a_late_watchdog_does_not_kill_the_generation_that_replaced_the_hung_one() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 40, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::HangWhileReplaced];
    s.step(&mut f);
    assert_eq!(s.stats().watchdog, 1);
    assert_eq!(f.restart_requests, [gen_task(0)], "names the hung task");
    assert_eq!(f.restarts, 0, "the successor was restarted");
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("already replaced by the supervisor"))
    );
    settle(&mut s, &mut f, 10);
    assert_eq!(f.generation, 1);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert!(sector(&f, 40).iter().all(|&b| b == 0x77));
    assert_eq!(s.stats().replays, 1);
    assert_eq!(f.restart_requests.len(), 1);
}

#[test]
fn a_hung_backend_the_supervisor_will_not_restart_ends_unavailable() {
    let (mut s, mut f) = up();
    f.restart_ok = false;
    let w = write(&mut f, 1, 40, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::Hang];
    s.step(&mut f);
    // The hung task is still "alive"; it is not used again.
    let t0 = f.now;
    settle(&mut s, &mut f, 1000);
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
    assert_eq!(s.link(), Link::Unavailable);
    assert!(f.now - t0 <= 1000 + 20, "gave up after {} ms", f.now - t0);
    assert_eq!(f.submits.len(), 1, "nothing more was sent to the hung task");
}

#[test]
fn a_held_backend_gives_unavailable_at_once_and_a_restart_recovers() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 50, 1, 0x88);
    s.accept(&mut f, 1, w);
    let r = read(&mut f, 2, 50, 1);
    f.next = vec![Next::DieAfter(0)];
    s.step(&mut f);
    s.accept(&mut f, 2, r);
    f.state = Some(ServiceState::Held);
    let t0 = f.now;
    settle(&mut s, &mut f, 100);
    assert!(f.now - t0 <= 20, "held noticed after {} ms", f.now - t0);
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
    assert_eq!(f.replies_to(2), [blk::Reply::Err(BlkError::Unavailable)]);
    assert!(f.logs.iter().any(|l| l.contains("held by the supervisor")));
    // New requests too, at once.
    s.accept(&mut f, 3, blk::Request::Flush);
    assert_eq!(f.replies_to(3), [blk::Reply::Err(BlkError::Unavailable)]);
    // The lost write was never acknowledged and never reached the device.
    assert!(sector(&f, 50).iter().all(|&b| b == 50));
    // Someone restarts it: the service finds it and serves again.
    f.start_next();
    f.now += 10;
    s.step(&mut f);
    assert_eq!(s.link(), Link::Down);
    let w = write(&mut f, 4, 51, 1, 0x99);
    s.accept(&mut f, 4, w);
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(4), [blk::Reply::Ok]);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
}

/// The crash-loop demo's race: the operator's `Restart` is answered and
/// the client asks again at once, before the service's next probe. The
/// request must wait for the restarted backend, not get `Unavailable`.
#[test]
fn a_request_right_after_a_restart_waits_for_the_backend() {
    let (mut s, mut f) = up();
    f.next = vec![Next::DieAfter(0)];
    s.accept(&mut f, 1, blk::Request::Flush);
    s.step(&mut f);
    f.state = Some(ServiceState::Held);
    settle(&mut s, &mut f, 100);
    assert_eq!(s.link(), Link::Unavailable);
    // Restarted; no time passes and no step runs before the request.
    f.start_next();
    let w = write(&mut f, 2, 52, 1, 0xaa);
    s.accept(&mut f, 2, w);
    assert!(
        f.replies_to(2).is_empty(),
        "answered before the backend was tried"
    );
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    assert!(sector(&f, 52).iter().all(|&b| b == 0xaa));
}

#[test]
fn a_backend_gone_too_long_gives_unavailable_within_the_bound() {
    let (mut s, mut f) = up();
    f.kill();
    f.state = Some(ServiceState::WaitingRestart { until_ms: 60_000 });
    let w = write(&mut f, 1, 1, 1, 1);
    s.accept(&mut f, 1, w);
    let t0 = f.now;
    settle(&mut s, &mut f, 1000);
    let waited = f.now - t0;
    assert!((1000..=1030).contains(&waited), "gave up after {waited} ms");
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
}

#[test]
fn a_backend_never_ready_gives_unavailable() {
    let mut f = Fake::new();
    f.starting = u32::MAX;
    let mut s = Service::new(cfg(), 0);
    s.accept(&mut f, 1, blk::Request::Info);
    settle(&mut s, &mut f, 1000);
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
    assert!(f.now <= 1030);
}

#[test]
fn not_ready_batches_are_retried_then_given_up() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 1, 1, 1);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::NotReady; 3];
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert_eq!(f.submits.len(), 4);
    let w = write(&mut f, 2, 1, 1, 1);
    s.accept(&mut f, 2, w);
    f.next = vec![Next::NotReady; 10_000];
    settle(&mut s, &mut f, 10_000);
    assert_eq!(f.replies_to(2), [blk::Reply::Err(BlkError::Unavailable)]);
}

#[test]
fn a_full_queue_stops_receiving_and_never_drops() {
    let mut f = Fake::new();
    f.alive = false;
    f.state = None;
    let mut s = Service::new(cfg(), 0);
    let mut n = 0;
    while s.accepting() {
        s.accept(&mut f, 1, blk::Request::Flush);
        n += 1;
    }
    assert_eq!(n, 8);
    assert!(f.replies.is_empty());
    f.start_next();
    settle(&mut s, &mut f, 10);
    assert_eq!(f.replies.len(), 8);
    assert!(s.accepting());
}

#[test]
fn waits_are_zero_with_work_and_forever_when_idle() {
    let (mut s, mut f) = up();
    assert_eq!(s.wait_ms(f.now), None);
    s.accept(&mut f, 1, blk::Request::Flush);
    assert_eq!(s.wait_ms(f.now), Some(0));
    f.kill();
    s.step(&mut f);
    assert_eq!(s.link(), Link::Down);
    assert!(s.wait_ms(f.now).is_some_and(|w| w <= 10));
}

/// A deterministic generator for the randomized test.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What one client of the randomized test is waiting for.
#[derive(Clone, Debug)]
enum Waiting {
    Idle,
    Write {
        lba: u64,
        data: Vec<u8>,
    },
    Read {
        lba: u64,
        count: u64,
    },
    /// A flush; the device-log length when it was sent.
    Flush,
}

/// Clients doing random reads, writes and flushes on their own sectors
/// while the backend dies part way through batches, hangs, and refuses
/// operations: every request is answered `Ok` in the end, every read sees
/// the last acknowledged write, a flush is acknowledged only after a device
/// flush that followed the client's acknowledged writes, and the disk ends
/// with every acknowledged write.
#[test]
fn random_failures_lose_nothing_acknowledged() {
    const CLIENTS: u64 = 4;
    const SPAN: u64 = 16;
    for seed in 1..=60u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut f = Fake::new();
        let cfg =
            Config::parse("backend=disk queue=8 watchdog-ms=100 unavailable-ms=3600000 probe-ms=5")
                .unwrap();
        let mut s = Service::new(cfg, 0);
        // The model: what each sector holds after the acknowledged writes.
        let mut model: Vec<Vec<u8>> = (0..CLIENTS * SPAN)
            .map(|lba| sector(&f, lba).to_vec())
            .collect();
        let mut waiting = vec![Waiting::Idle; CLIENTS as usize];
        let mut fill = 0u8;
        let mut answered = 0;
        for _step in 0..400 {
            // Idle clients send something.
            for c in 0..CLIENTS {
                if !matches!(waiting[c as usize], Waiting::Idle) || rng.below(3) == 0 {
                    continue;
                }
                let client = 100 + c as Task;
                let grant = 1000 + c as u32;
                let count = 1 + rng.below(4);
                let lba = c * SPAN + rng.below(SPAN - count + 1);
                let (req, w) = match rng.below(5) {
                    0 => (blk::Request::Flush, Waiting::Flush),
                    1 | 2 => {
                        fill = fill.wrapping_add(1);
                        let data = vec![fill; (count * u64::from(BS)) as usize];
                        f.grants.insert(grant, data.clone());
                        (
                            blk::Request::Write {
                                lba,
                                count: count as u32,
                                grant,
                            },
                            Waiting::Write { lba, data },
                        )
                    }
                    _ => {
                        f.grants
                            .insert(grant, vec![0xee; (count * u64::from(BS)) as usize]);
                        (
                            blk::Request::Read {
                                lba,
                                count: count as u32,
                                grant,
                            },
                            Waiting::Read { lba, count },
                        )
                    }
                };
                waiting[c as usize] = w;
                s.accept(&mut f, client, req);
            }
            // The backend's next misbehaviour.
            if f.next.is_empty() {
                f.next.push(match rng.below(12) {
                    0 => Next::DieAfter(rng.below(4) as usize),
                    1 => Next::Hang,
                    2 => Next::NotReady,
                    3 => Next::OpNotReady(rng.below(4) as usize),
                    _ => Next::Serve,
                });
            }
            if !f.alive && rng.below(3) == 0 {
                f.start_next();
            }
            if let Some(w) = s.wait_ms(f.now) {
                f.now += w.min(5);
            }
            s.step(&mut f);
            // Check the answers.
            for (client, reply) in core::mem::take(&mut f.replies) {
                let c = (client - 100) as usize;
                assert_eq!(
                    reply,
                    blk::Reply::Ok,
                    "seed {seed}: client {c} got {reply:?}"
                );
                answered += 1;
                match core::mem::replace(&mut waiting[c], Waiting::Idle) {
                    Waiting::Idle => panic!("seed {seed}: client {c} answered twice"),
                    Waiting::Write { lba, data } => {
                        for (i, chunk) in data.chunks(BS as usize).enumerate() {
                            model[lba as usize + i] = chunk.to_vec();
                        }
                    }
                    Waiting::Read { lba, count } => {
                        let got = &f.grants[&(1000 + c as u32)];
                        for i in 0..count as usize {
                            assert_eq!(
                                &got[i * BS as usize..(i + 1) * BS as usize],
                                &model[lba as usize + i][..],
                                "seed {seed}: client {c} read stale data at {}",
                                lba as usize + i
                            );
                        }
                    }
                    Waiting::Flush => {
                        // The device flushed after the last time it wrote
                        // any of this client's sectors.
                        let range = c as u64 * SPAN..(c as u64 + 1) * SPAN;
                        let last_write = f.device.iter().rposition(
                            |o| matches!(o, Op::Write { lba, .. } if range.contains(lba)),
                        );
                        let last_flush = f.device.iter().rposition(|o| *o == Op::Flush);
                        assert!(
                            last_write.is_none() || last_flush > last_write,
                            "seed {seed}: client {c}'s flush acknowledged before a device flush"
                        );
                    }
                }
            }
        }
        // Let everything finish on a backend that behaves.
        f.next.clear();
        if !f.alive {
            f.start_next();
        }
        settle(&mut s, &mut f, 1000);
        for (client, reply) in core::mem::take(&mut f.replies) {
            assert_eq!(reply, blk::Reply::Ok, "seed {seed}");
            let c = (client - 100) as usize;
            if let Waiting::Write { lba, data } = core::mem::replace(&mut waiting[c], Waiting::Idle)
            {
                for (i, chunk) in data.chunks(BS as usize).enumerate() {
                    model[lba as usize + i] = chunk.to_vec();
                }
            }
        }
        assert_eq!(s.outstanding(), 0, "seed {seed}");
        for (lba, want) in model.iter().enumerate() {
            assert_eq!(
                sector(&f, lba as u64),
                &want[..],
                "seed {seed}: sector {lba}"
            );
        }
        assert!(answered > 100, "seed {seed}: only {answered} answers");
    }
}
