//! Finding and attaching a backend generation: probing for it, asking
//! its geometry and attaching the data window, refusing (and having
//! killed) a generation that answers the setup unusably, and giving up
//! with `Unavailable` when none serves.

use ipc::blk::{self, BlkError};
use ipc::blkdev::{self, BlkDevError, DeviceInfo, MAX_BATCH};
use ipc::supervisor::ServiceState;

use super::{CallError, Env, Link, Located, Restarted, Service, Task, show};
use crate::config::MAX_REQUEST_BYTES;

impl Service {
    /// Down: look for a backend to attach to; give up when it is held or
    /// has been gone too long.
    pub(super) fn probe(&mut self, env: &mut impl Env, now: u64) {
        self.next_try_ms = now + self.cfg.probe_ms;
        match env.locate() {
            Located::Alive(task) if Some(task) != self.stale => self.connect(env, task),
            _ => {
                if let Some(state @ (ServiceState::Held | ServiceState::Stopped)) =
                    env.backend_state()
                {
                    let why = if state == ServiceState::Held {
                        "held by the supervisor"
                    } else {
                        "stopped"
                    };
                    self.give_up(env, why, now);
                    return;
                }
            }
        }
        if self.link == Link::Down {
            let since = *self.trouble_since.get_or_insert(now);
            if env.now_ms().saturating_sub(since) >= self.cfg.unavailable_ms {
                self.give_up(env, "gone too long", now);
            }
        }
    }

    /// A setup call of `connect` (`what`: which) did not get the answer it
    /// wanted: a dead backend is left to the next probe, one that did not
    /// answer in time to the watchdog; one that answered something else is
    /// refused ([`Service::refuse`]).
    fn not_connected(
        &mut self,
        env: &mut impl Env,
        task: Task,
        what: &str,
        got: Result<blkdev::Reply, CallError>,
    ) {
        match got {
            Err(CallError::Dead) => {}
            Err(CallError::Timeout) => {
                let now = env.now_ms();
                self.watchdog(env, task, now);
            }
            other => {
                env.log(format_args!(
                    "{} {} {what} {other:?}; not using it",
                    self.cfg.backend,
                    show(task)
                ));
                self.refuse(env, task);
            }
        }
    }

    /// `task` is alive and answers, but not so that the service can use it
    /// (a geometry that changed or is unusable, a wrong answer to `Info` or
    /// to `Attach`): a corrupt generation. Campaign injection #8000 (round
    /// 3, `docs/campaign.md`): a mutated driver reported a geometry of
    /// 17,592,186,250,120 blocks and then sat idle; nothing ever replaced
    /// it, and the block service waited with its clients. So it is marked
    /// stale and the supervisor is asked to kill it; the flights lost with
    /// its predecessor, if any, stay pending and are replayed to the next
    /// generation.
    ///
    /// A kill (`KillTask`), not the watchdog's `RestartTask`:
    /// `RestartTask` restarts at once with the backoff reset, so a backend
    /// whose every generation is refused (a driver that always reports
    /// another geometry) would be restarted in a loop, tens of times a
    /// second; a kill's death goes through the restart policy, whose
    /// crash-loop backoff and `give-up` pace it and end it (held: the
    /// service answers `Unavailable`). `KillTask` names this task, so a
    /// successor started after it died on its own is never hit (the
    /// supervisor answers `Stale`, and the service attaches to the
    /// successor). A supervisor that will not kill it leaves the service
    /// to its `unavailable-ms` give-up.
    fn refuse(&mut self, env: &mut impl Env, task: Task) {
        self.stale = Some(task);
        // Already gone: no request needed (the supervisor would answer
        // `Stale` or `NotRunning`), only a clearer log line.
        if env.locate() != Located::Alive(task) {
            env.log(format_args!(
                "{} {} is unusable and already gone: attaching to its successor",
                self.cfg.backend,
                show(task)
            ));
            return;
        }
        env.log(format_args!(
            "{} {} is alive but unusable: asking the supervisor to kill it, its restart policy restarts it ({} requests in flight, {} queued)",
            self.cfg.backend,
            show(task),
            self.flights.len(),
            self.queue.len()
        ));
        match env.kill_backend(task) {
            Restarted::Yes => {}
            // It died on its own after the look above, and the supervisor
            // started the next generation: that one is left alone.
            Restarted::AlreadyReplaced => env.log(format_args!(
                "{} {} already replaced: attaching to its successor",
                self.cfg.backend,
                show(task)
            )),
            Restarted::No => env.log(format_args!(
                "the supervisor did not kill {} {}; not using it",
                self.cfg.backend,
                show(task)
            )),
        }
    }

    /// Asks `task` for its geometry and attaches the window; on success the
    /// service is up and the flights (if any) are replayed by the next step.
    fn connect(&mut self, env: &mut impl Env, task: Task) {
        let info = match env.call(task, &blkdev::Request::Info, self.cfg.watchdog_ms) {
            Ok(blkdev::Reply::Info(i)) => i,
            // Starting (the driver host compiles its driver first): the
            // next probe asks again.
            Ok(blkdev::Reply::Err(BlkDevError::NotReady)) => return,
            other => return self.not_connected(env, task, "answered Info with", other),
        };
        if !self.take_info(env, info) {
            return self.refuse(env, task);
        }
        let window = MAX_BATCH as u64 * u64::from(self.slot_bytes);
        match env.attach(task, window, self.cfg.watchdog_ms) {
            Ok(blkdev::Reply::Attached { len }) if len >= window => {}
            other => return self.not_connected(env, task, "answered the data window with", other),
        }
        self.stats.attaches += 1;
        self.link = Link::Up(task);
        self.trouble_since = None;
        self.next_try_ms = env.now_ms();
        if self.stats.attaches == 1 {
            env.log(format_args!(
                "serving {} blocks of {} B{} through {} {} ({} KiB a request, {} requests a batch, queue {}, watchdog {} ms)",
                info.blocks,
                info.block_size,
                if info.read_only { ", read-only" } else { "" },
                self.cfg.backend,
                show(task),
                self.slot_bytes / 1024,
                MAX_BATCH,
                self.cfg.queue,
                self.cfg.watchdog_ms
            ));
        } else {
            env.log(format_args!(
                "attached to {} {}: replaying {} requests in flight, {} queued",
                self.cfg.backend,
                show(task),
                self.flights.len(),
                self.queue.len()
            ));
        }
    }

    /// Adopts a backend's geometry; `false` if it is unusable or differs
    /// from the one clients were told.
    fn take_info(&mut self, env: &mut impl Env, info: DeviceInfo) -> bool {
        if let Some(old) = self.info {
            if old.block_size != info.block_size || old.blocks != info.blocks {
                env.log(format_args!(
                    "{}'s geometry changed from {old:?} to {info:?}; not using it",
                    self.cfg.backend
                ));
                return false;
            }
            self.info = Some(info);
            return true;
        }
        let bs = info.block_size;
        let slot = info.max_transfer.min(MAX_REQUEST_BYTES);
        if bs == 0 || slot < bs {
            env.log(format_args!(
                "{} reports an unusable geometry {info:?}",
                self.cfg.backend
            ));
            return false;
        }
        self.slot_bytes = slot / bs * bs;
        self.info = Some(info);
        true
    }

    pub(super) fn give_up(&mut self, env: &mut impl Env, why: &str, now: u64) {
        let since = self.trouble_since.unwrap_or(now);
        env.log(format_args!(
            "{} unavailable ({why}, not serving for {} ms): answering {} in-flight and {} queued requests Unavailable",
            self.cfg.backend,
            now.saturating_sub(since),
            self.flights.len(),
            self.queue.len()
        ));
        for f in core::mem::take(&mut self.flights) {
            env.reply(f.client, blk::Reply::Err(BlkError::Unavailable));
        }
        while let Some((client, _)) = self.queue.pop_front() {
            env.reply(client, blk::Reply::Err(BlkError::Unavailable));
        }
        self.replay_pending = false;
        self.link = Link::Unavailable;
        self.next_try_ms = now + self.cfg.probe_ms;
    }
}
