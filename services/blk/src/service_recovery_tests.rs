//! The block service against a backend that fails: a death mid-batch and
//! its replay in order, the watchdog, a generation refused at its setup
//! (restarted like a hung one), a held or long-gone backend
//! (`Unavailable`), and random failures that must lose nothing acknowledged.
//! The fake backend and the helpers are the parent module's.

use super::*;

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

/// Campaign, bit flips: a corrupted driver host completed a write with an
/// error status and lived on, and the client saw `Io(Device(1))`. The
/// error is the backend's until a fresh generation repeats it: the
/// service restarts the generation and replays; the client sees only
/// latency, and the flush after the write waits for it.
#[test]
fn an_error_from_a_corrupt_backend_is_replayed_to_its_next_generation() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 60, 1, 0x5a);
    s.accept(&mut f, 1, w);
    s.accept(&mut f, 1, blk::Request::Flush);
    let r = read(&mut f, 2, 3, 1);
    s.accept(&mut f, 2, r);
    f.next = vec![Next::OpError(0)];
    s.step(&mut f);
    // The read was fine and is answered; the write and its flush wait.
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    assert_eq!(f.replies_to(1), []);
    assert_eq!(f.restart_requests, [gen_task(0)]);
    assert_eq!(s.link(), Link::Down);
    settle(&mut s, &mut f, 20);
    assert_eq!(s.link(), Link::Up(gen_task(1)));
    assert_eq!(f.replies_to(1), [blk::Reply::Ok, blk::Reply::Ok]);
    assert!(sector(&f, 60).iter().all(|&b| b == 0x5a));
    assert_eq!(
        f.device[f.device.len() - 2..],
        [
            Op::Write {
                lba: 60,
                len: 512,
                offset: 0
            },
            Op::Flush
        ]
    );
    assert_eq!((s.stats().doubted, s.stats().confirmed), (1, 0));
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("failed 1 operation(s) (Device(1)): restarting it"))
    );
}

/// A real device error still reaches the client, after one second
/// opinion: a bad sector fails in every generation. The restart is
/// bounded: the generation that repeated the error is trusted with the
/// next ones, which reach their clients without another restart.
#[test]
fn a_device_error_a_fresh_generation_repeats_reaches_the_client_after_one_restart() {
    let (mut s, mut f) = up();
    f.bad_lba = Some(70);
    let w = write(&mut f, 1, 70, 1, 0x12);
    s.accept(&mut f, 1, w);
    settle(&mut s, &mut f, 50);
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Device(1))]);
    assert_eq!(f.restarts, 1);
    assert_eq!(f.submits.len(), 2, "one replay, no more");
    assert_eq!((s.stats().doubted, s.stats().confirmed), (1, 1));
    assert!(f.logs.iter().any(|l| l.contains("a device error")));
    // Later errors of the same generation: at once, no restart.
    for client in 2..5 {
        let r = read(&mut f, client, 70, 1);
        s.accept(&mut f, client, r);
        settle(&mut s, &mut f, 50);
        assert_eq!(f.replies_to(client), [blk::Reply::Err(BlkError::Device(1))]);
    }
    assert_eq!(f.restarts, 1);
    // Other sectors are served as ever.
    let w = write(&mut f, 9, 71, 1, 0x34);
    s.accept(&mut f, 9, w);
    settle(&mut s, &mut f, 50);
    assert_eq!(f.replies_to(9), [blk::Reply::Ok]);
}

/// A whole batch refused with an error the service's checks rule out
/// (a corrupt backend's answer) gets the same second opinion.
#[test]
fn a_batch_refused_by_a_corrupt_backend_is_replayed_to_its_next_generation() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 80, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::BatchError];
    settle(&mut s, &mut f, 50);
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert_eq!(f.restarts, 1);
    assert!(sector(&f, 80).iter().all(|&b| b == 0x77));
}

/// Campaign injection #255: a wild store into the driver host's DMA
/// buffer while a write was in flight. The device stored the damaged
/// data, the backend reported success, and an acknowledged record was
/// wrong on the image. With `verify-writes=1` the service reads the write
/// back, sees other data, restarts the backend and replays the write
/// (with the client's data taken afresh); the flush after it waits.
#[test]
fn a_write_damaged_on_its_way_is_caught_by_the_read_back_and_replayed() {
    let cfg = Config::parse(
        "backend=disk queue=8 watchdog-ms=500 unavailable-ms=1000 probe-ms=10 verify-writes=1",
    )
    .unwrap();
    let mut f = Fake::new();
    let mut s = Service::new(cfg, 0);
    s.step(&mut f);
    let w1 = write(&mut f, 1, 90, 2, 0x66);
    let w2 = write(&mut f, 2, 95, 1, 0x67);
    s.accept(&mut f, 1, w1);
    s.accept(&mut f, 1, blk::Request::Flush);
    s.accept(&mut f, 2, w2);
    f.next = vec![Next::CorruptWrite(0)];
    s.step(&mut f);
    // The good write is answered; the damaged one and its flush are not.
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    assert_eq!(f.replies_to(1), []);
    assert_eq!(f.restart_requests, [gen_task(0)]);
    assert_eq!(
        sector(&f, 90)[7],
        0x66 ^ 0x40,
        "the damage reached the disk"
    );
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(1), [blk::Reply::Ok, blk::Reply::Ok]);
    assert!(sector(&f, 90).iter().all(|&b| b == 0x66));
    assert!(sector(&f, 91).iter().all(|&b| b == 0x66));
    assert_eq!(s.stats().mismatches, 1);
    assert_eq!(s.stats().verified, 3, "two writes, then the replayed one");
    assert!(f.logs.iter().any(|l| l.contains("read back other data")));
    // Half the window takes the read-backs: at most 16 requests a batch.
    for c in 10..40 {
        let w = write(&mut f, c, 200 + u64::from(c), 1, c as u8);
        s.accept(&mut f, c, w);
    }
    settle(&mut s, &mut f, 50);
    assert!(f.submits.iter().all(|b| b.len() <= 16));
    assert_eq!(f.replies.len(), 3 + 30);
}

/// Without `verify-writes` the same damage goes unnoticed: the test above
/// would fail without the read-back.
#[test]
fn without_verify_writes_a_damaged_write_is_acknowledged() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 90, 1, 0x66);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::CorruptWrite(0)];
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert_eq!(sector(&f, 90)[7], 0x66 ^ 0x40);
}

/// The fake's geometry with `blocks` changed.
fn geometry(blocks: u64) -> blkdev::Reply {
    blkdev::Reply::Info(DeviceInfo {
        block_size: BS,
        blocks,
        read_only: false,
        max_transfer: 64 * 1024,
        queue_depth: 16,
    })
}

/// Campaign injection #8000 (round 3): the generation after a death
/// answered `Info` with another geometry (a mutated driver: 17,592,186,250,120
/// blocks) and then sat idle, alive. The service refused it and waited for
/// a restart nobody asked for; the machine went silent. Now the refused
/// generation is killed through the supervisor (`KillTask`, whose death
/// the restart policy handles like a crash, not `RestartTask`, which skips
/// the backoff), and the flights lost with its predecessor are replayed,
/// once, to the generation after it.
#[test]
fn a_generation_whose_geometry_changed_is_restarted_and_the_flights_replayed() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 40, 1, 0x3c);
    s.accept(&mut f, 1, w);
    s.accept(&mut f, 1, blk::Request::Flush);
    let r = read(&mut f, 2, 41, 1);
    s.accept(&mut f, 2, r);
    f.next = vec![Next::DieAfter(1)];
    s.step(&mut f);
    assert_eq!(s.link(), Link::Down);
    f.odd_info = Some((1, geometry(17_592_186_250_120)));
    f.start_next();
    settle(&mut s, &mut f, 50);
    assert_eq!(f.kills, [gen_task(1)], "the refused generation");
    assert_eq!(f.kill_requests, [gen_task(1)], "named by its task");
    assert!(
        f.restart_requests.is_empty(),
        "no RestartTask: the backoff rules"
    );
    assert_eq!(s.link(), Link::Up(gen_task(2)));
    assert_eq!(f.replies_to(1), [blk::Reply::Ok, blk::Reply::Ok]);
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    assert_eq!(f.replies.len(), 3, "nothing answered twice");
    assert!(sector(&f, 40).iter().all(|&b| b == 0x3c));
    assert!(f.grants[&2].iter().all(|&b| b == 41));
    // The batch went to generation 0 and, whole and in order, to 2; no
    // Submit reached the refused generation.
    assert_eq!(f.submits.len(), 2);
    assert_eq!(f.submits[1], f.submits[0]);
    assert_eq!(
        f.attaches.iter().map(|a| a.0).collect::<Vec<_>>(),
        [gen_task(0), gen_task(2)]
    );
    assert_eq!((s.stats().replays, s.stats().replayed), (1, 3));
    assert!(f.logs.iter().any(|l| l.contains("geometry changed")));
    assert!(f.logs.iter().any(|l| l.contains(
        "[7.1] is alive but unusable: asking the supervisor to kill it, its restart policy restarts it (3 requests in flight, 0 queued)"
    )));
    // Clients still see the geometry they were told.
    s.accept(&mut f, 3, blk::Request::Info);
    assert_eq!(
        f.replies_to(3),
        [blk::Reply::Info {
            block_size: BS,
            blocks: BLOCKS
        }]
    );
}

/// The race `Kill` (by service name) had: a refused generation that dies
/// on its own, and whose successor starts, after the service looked and
/// before its kill request arrives. `KillTask` names the refused task, so
/// the supervisor answers `Stale` and leaves the healthy successor alone;
/// the flights go to the successor, once.
#[test]
fn a_refused_generation_already_replaced_leaves_its_successor_alone() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 40, 1, 0x3c);
    s.accept(&mut f, 1, w);
    let r = read(&mut f, 2, 41, 1);
    s.accept(&mut f, 2, r);
    f.next = vec![Next::DieAfter(0)];
    s.step(&mut f);
    assert_eq!(s.link(), Link::Down);
    f.odd_info = Some((1, geometry(BLOCKS * 2)));
    f.start_next();
    f.replaced_before_kill = true;
    settle(&mut s, &mut f, 50);
    assert_eq!(f.kill_requests, [gen_task(1)], "named the refused task");
    assert!(f.kills.is_empty(), "the successor was killed");
    assert!(f.restart_requests.is_empty());
    assert_eq!(f.generation, 2);
    assert!(f.alive);
    assert_eq!(s.link(), Link::Up(gen_task(2)));
    assert_eq!(f.replies_to(1), [blk::Reply::Ok]);
    assert_eq!(f.replies_to(2), [blk::Reply::Ok]);
    assert_eq!(f.replies.len(), 2, "nothing answered twice");
    assert!(sector(&f, 40).iter().all(|&b| b == 0x3c));
    assert!(f.grants[&2].iter().all(|&b| b == 41));
    // The batch went to generation 0 and, whole, to 2; none to 1.
    assert_eq!(f.submits.len(), 2);
    assert_eq!(f.submits[1], f.submits[0]);
    assert_eq!(
        f.attaches.iter().map(|a| a.0).collect::<Vec<_>>(),
        [gen_task(0), gen_task(2)]
    );
    assert_eq!((s.stats().replays, s.stats().replayed), (1, 2));
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("disk [7.1] already replaced: attaching to its successor")),
        "{:?}",
        f.logs
    );
}

/// The other ways a live generation can answer the setup unusably: a
/// first geometry the service cannot use, `Info` answered with something
/// else, and a data window refused or too short. Each is killed, and
/// the request waiting meanwhile is served by the next generation.
#[test]
fn a_generation_that_answers_setup_unusably_is_restarted() {
    let unusable = blkdev::Reply::Info(DeviceInfo {
        block_size: 0,
        blocks: BLOCKS,
        read_only: false,
        max_transfer: 64 * 1024,
        queue_depth: 16,
    });
    let cases: [(Option<blkdev::Reply>, Option<blkdev::Reply>, &str); 4] = [
        (Some(unusable), None, "unusable geometry"),
        (
            Some(blkdev::Reply::Attached { len: 1 }),
            None,
            "answered Info with Ok(Attached { len: 1 })",
        ),
        (
            None,
            Some(blkdev::Reply::Attached { len: 4096 }),
            "answered the data window with Ok(Attached { len: 4096 })",
        ),
        (
            None,
            Some(blkdev::Reply::Err(BlkDevError::Grant(3))),
            "answered the data window with Ok(Err(Grant(3)))",
        ),
    ];
    for (info, attach, log) in cases {
        let mut f = Fake::new();
        f.odd_info = info.map(|r| (0, r));
        f.odd_attach = attach.map(|r| (0, r));
        let mut s = Service::new(cfg(), 0);
        let w = write(&mut f, 1, 9, 1, 0x9a);
        s.accept(&mut f, 1, w);
        settle(&mut s, &mut f, 50);
        assert_eq!(f.kills, [gen_task(0)], "{log}");
        assert_eq!(s.link(), Link::Up(gen_task(1)), "{log}");
        assert_eq!(f.replies_to(1), [blk::Reply::Ok], "{log}");
        assert!(sector(&f, 9).iter().all(|&b| b == 0x9a), "{log}");
        assert!(
            f.logs.iter().any(|l| l.contains(log)),
            "{log}: {:?}",
            f.logs
        );
        assert!(f.now < 100, "{log}: served after {} ms", f.now);
    }
}

/// A refused generation the supervisor will not kill (`Restarted::No`:
/// no `allow=control`, or the supervisor unreachable) stays alive and is
/// never used; the clients get `Unavailable` after `unavailable-ms`, not
/// silence, and new requests at once from then on.
#[test]
fn a_refused_generation_the_supervisor_will_not_restart_ends_unavailable() {
    let (mut s, mut f) = up();
    f.restart_ok = false;
    let w = write(&mut f, 1, 40, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::DieAfter(0)];
    s.step(&mut f);
    let t0 = f.now;
    f.odd_info = Some((1, geometry(BLOCKS + 1)));
    f.start_next();
    settle(&mut s, &mut f, 1000);
    assert!(f.kills.is_empty());
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
    assert_eq!(s.link(), Link::Unavailable);
    let waited = f.now - t0;
    assert!((1000..=1030).contains(&waited), "gave up after {waited} ms");
    assert_eq!(f.submits.len(), 1, "nothing was sent to the refused task");
    assert!(
        f.logs
            .iter()
            .any(|l| l.contains("the supervisor did not kill disk [7.1]"))
    );
    // Still refused, still alive: a new request is answered at once.
    f.now += 50;
    s.step(&mut f);
    s.accept(&mut f, 2, blk::Request::Flush);
    assert_eq!(f.replies_to(2), [blk::Reply::Err(BlkError::Unavailable)]);
    // An operator's restart brings a usable generation: served again.
    f.odd_info = None;
    f.start_next();
    let w = write(&mut f, 3, 41, 1, 0x78);
    s.accept(&mut f, 3, w);
    settle(&mut s, &mut f, 20);
    assert_eq!(f.replies_to(3), [blk::Reply::Ok]);
    assert_eq!(s.link(), Link::Up(gen_task(2)));
}

/// A backend whose every generation is refused (here: each reports
/// another geometry than the first did) is not restarted in a loop by the
/// service: each refused generation is killed (`KillTask`), and the restart
/// policy's crash-loop backoff decides when the next one starts — and when
/// to stop (`give-up`: held). Held, the service answers `Unavailable` at
/// once. (With `RestartTask` the supervisor restarts at once with the
/// backoff reset: replaying injection #8000 at boot restarted the driver
/// host 3,574 times in 181 s.)
#[test]
fn a_backend_refused_in_every_generation_is_left_to_the_restart_policy() {
    let (mut s, mut f) = up();
    let w = write(&mut f, 1, 40, 1, 0x77);
    s.accept(&mut f, 1, w);
    f.next = vec![Next::DieAfter(0)];
    s.step(&mut f);
    let backoff = Some(ServiceState::WaitingRestart { until_ms: 0 });
    f.kill_then = backoff;
    for g in 1..=3 {
        // The policy's backoff ends: it starts generation g, refused too.
        f.odd_info = Some((g, geometry(BLOCKS * 2)));
        f.start_next();
        for _ in 0..20 {
            f.now += 5;
            s.step(&mut f);
        }
        assert_eq!(f.kills.len(), g as usize, "one kill per generation");
        assert!(!f.alive, "nothing restarted but by the policy");
    }
    assert_eq!(f.kills, [gen_task(1), gen_task(2), gen_task(3)]);
    assert!(f.restart_requests.is_empty(), "no RestartTask");
    assert!(
        f.replies_to(1).is_empty(),
        "still waiting, as for a crash loop"
    );
    // Generation 4: the policy gives up after its death and holds it.
    f.odd_info = Some((4, geometry(BLOCKS * 2)));
    f.kill_then = Some(ServiceState::Held);
    f.start_next();
    let t0 = f.now;
    settle(&mut s, &mut f, 100);
    assert!(f.now - t0 <= 30, "held noticed after {} ms", f.now - t0);
    assert_eq!(f.kills.len(), 4);
    assert_eq!(f.replies_to(1), [blk::Reply::Err(BlkError::Unavailable)]);
    assert!(f.logs.iter().any(|l| l.contains("held by the supervisor")));
    assert_eq!(f.submits.len(), 1, "no refused generation got a batch");
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
    // Seeds 61..=120 read every write back (`verify-writes=1`), and the
    // backend also damages writes on their way.
    let mut caught = 0;
    for seed in 1..=120u64 {
        let verify = seed > 60;
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut f = Fake::new();
        let cfg = Config::parse(&format!(
            "backend=disk queue=8 watchdog-ms=100 unavailable-ms=3600000 probe-ms=5 verify-writes={}",
            u8::from(verify)
        ))
        .unwrap();
        let mut s = Service::new(cfg, 0);
        // The model: what each sector holds after the acknowledged writes.
        let mut model: Vec<Vec<u8>> = (0..CLIENTS * SPAN)
            .map(|lba| sector(&f, lba).to_vec())
            .collect();
        let mut waiting = vec![Waiting::Idle; CLIENTS as usize];
        let mut fill = 0u8;
        let mut answered = 0;
        let mut damaged = false;
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
                // One damaged write per seed: two corrupt generations
                // damaging the same write get the client an error by
                // design (one second opinion each), which
                // `a_device_error_a_fresh_generation_repeats_...` covers.
                let next = match rng.below(12) {
                    0 => Next::DieAfter(rng.below(4) as usize),
                    1 => Next::Hang,
                    2 => Next::NotReady,
                    3 => Next::OpNotReady(rng.below(4) as usize),
                    4 if verify && !damaged => Next::CorruptWrite(rng.below(4) as usize),
                    _ => Next::Serve,
                };
                damaged |= matches!(next, Next::CorruptWrite(_));
                f.next.push(next);
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
        caught += s.stats().mismatches;
    }
    assert!(caught > 10, "only {caught} damaged writes caught");
}
