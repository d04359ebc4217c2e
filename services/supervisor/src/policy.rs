//! One service's lifecycle and restart policy, as a state machine driven by
//! events with the time passed in (ms since boot), so every rule is a plain
//! unit test.
//!
//! The supervisor's loop, in terms of this type:
//! - for each service with [`ServicePolicy::due`]: spawn it, then
//!   [`ServicePolicy::on_started`] (or [`ServicePolicy::on_spawn_failed`]);
//! - on a death notification: [`ServicePolicy::on_death`] for the service
//!   whose task died;
//! - sleep until the earliest [`ServicePolicy::wake_at`], or a message.
//!
//! # Backoff
//!
//! A death after a run of at least `min_run_ms` is "healthy": the restart
//! delay is `base`. A quicker death (or a failed spawn) is part of a crash
//! loop: the delay is twice the previous one, capped at `max`, so a loop
//! restarts after base, 2·base, 4·base, …, max, max, … — the loop costs at
//! most one spawn per `max` ms once it has gone on a while, and cannot
//! starve the rest of the system. The first death of a service is always
//! `base`. An explicit `Restart` or `Start` request resets the backoff.

use ipc::ExitCause;
use ipc::supervisor::{ServiceState, SupervisorError};

use crate::manifest::ServiceSpec;

/// What to do when a service dies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    /// Restart after the backoff delay.
    Always,
    /// Do not restart; keep the report. A `Start` request revives it.
    Hold,
}

/// The result of a death.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Start it again at this time (ms since boot).
    RestartAt(u64),
    /// Leave it dead (policy `hold`).
    Hold,
    /// Leave it dead: it died quickly this many times in a row (`give-up=`).
    GaveUp { deaths: u32 },
    /// Leave it dead: the supervisor itself stopped it on request.
    Stopped,
}

/// What the caller must do after a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Kill the running task (`TaskKill`); its death will arrive as usual.
    Kill,
    /// Nothing now; if a start is due, [`ServicePolicy::due`] says so.
    None,
}

/// Where a service is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Not running and not to be started (stopped on request, or
    /// `start=manual` and never started).
    Stopped,
    /// To be started at `at_ms` (boot start, restart after backoff, request).
    Pending { at_ms: u64 },
    /// Running since `since_ms`.
    Running { since_ms: u64 },
    /// Killed by the supervisor, death not yet reported; `then_start` for a
    /// `Restart` request.
    Stopping { then_start: bool },
    /// Dead and held (policy `hold`).
    Held,
}

/// The parameters of a restart policy (the manifest's `restart=`,
/// `min-run=`, `backoff=` and `give-up=`), which a `CrashLoop` request
/// replaces for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Params {
    pub restart: RestartPolicy,
    pub min_run_ms: u64,
    pub base_ms: u64,
    pub max_ms: u64,
    /// Hold after this many quick deaths in a row (0: never).
    pub give_up: u32,
}

/// One service's restart state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServicePolicy {
    restart: RestartPolicy,
    min_run_ms: u64,
    base_ms: u64,
    max_ms: u64,
    phase: Phase,
    /// The delay chosen at the last death, `None` if none yet or reset.
    last_delay_ms: Option<u64>,
    starts: u32,
    last_exit: Option<ExitCause>,
    /// `give-up=`: hold after this many quick deaths in a row (0: never).
    give_up: u32,
    quick_deaths: u32,
    /// A `Start` or `Restart` request has started it (`fault-args` no
    /// longer apply).
    requested: bool,
}

impl ServicePolicy {
    /// The policy for `spec`, pending at time 0 if it starts at boot.
    pub fn new(spec: &ServiceSpec) -> Self {
        let mut p = Self::from_parts(
            spec.restart,
            spec.min_run_ms,
            spec.backoff_base_ms,
            spec.backoff_max_ms,
        );
        if spec.start_at_boot {
            p.phase = Phase::Pending { at_ms: 0 };
        }
        p.give_up = spec.give_up;
        p
    }

    /// A stopped service with these parameters. `base_ms` is raised to 1 and
    /// `max_ms` to `base_ms` if they are lower (the manifest parser refuses
    /// such values; this keeps the arithmetic sane for any caller).
    pub fn from_parts(restart: RestartPolicy, min_run_ms: u64, base_ms: u64, max_ms: u64) -> Self {
        let base_ms = base_ms.max(1);
        ServicePolicy {
            restart,
            min_run_ms,
            base_ms,
            max_ms: max_ms.max(base_ms),
            phase: Phase::Stopped,
            last_delay_ms: None,
            starts: 0,
            last_exit: None,
            give_up: 0,
            quick_deaths: 0,
            requested: false,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Starts after the first (the first start is not a restart).
    pub fn restarts(&self) -> u32 {
        self.starts.saturating_sub(1)
    }

    pub fn last_exit(&self) -> Option<ExitCause> {
        self.last_exit
    }

    /// Whether a `Start` or `Restart` request has started it since boot.
    pub fn requested(&self) -> bool {
        self.requested
    }

    /// Hold after `n` quick deaths in a row (0: never).
    pub fn set_give_up(&mut self, n: u32) {
        self.give_up = n;
    }

    /// The policy's parameters now.
    pub fn params(&self) -> Params {
        Params {
            restart: self.restart,
            min_run_ms: self.min_run_ms,
            base_ms: self.base_ms,
            max_ms: self.max_ms,
            give_up: self.give_up,
        }
    }

    /// Replaces the parameters, keeping the phase, the count of quick
    /// deaths and the last delay (a request that follows resets those).
    /// The same sanitising as [`ServicePolicy::from_parts`].
    pub fn set_params(&mut self, p: Params) {
        self.restart = p.restart;
        self.min_run_ms = p.min_run_ms;
        self.base_ms = p.base_ms.max(1);
        self.max_ms = p.max_ms.max(self.base_ms);
        self.give_up = p.give_up;
    }

    /// Whether a start is due at `now_ms`.
    pub fn due(&self, now_ms: u64) -> bool {
        matches!(self.phase, Phase::Pending { at_ms } if now_ms >= at_ms)
    }

    /// When this service next needs the supervisor's attention without any
    /// event: the pending start time, if any.
    pub fn wake_at(&self) -> Option<u64> {
        match self.phase {
            Phase::Pending { at_ms } => Some(at_ms),
            _ => None,
        }
    }

    /// The task was spawned at `now_ms`.
    pub fn on_started(&mut self, now_ms: u64) {
        self.phase = Phase::Running { since_ms: now_ms };
        self.starts = self.starts.saturating_add(1);
    }

    /// Spawning failed (missing program, no memory, ...): treated as a
    /// crash-loop death, so a broken entry retries slowly instead of spinning.
    pub fn on_spawn_failed(&mut self, now_ms: u64) -> Decision {
        self.die(now_ms, false)
    }

    /// The task died at `now_ms`.
    pub fn on_death(&mut self, now_ms: u64, cause: ExitCause) -> Decision {
        self.last_exit = Some(cause);
        match self.phase {
            Phase::Running { since_ms } => {
                let healthy = now_ms.saturating_sub(since_ms) >= self.min_run_ms;
                self.die(now_ms, healthy)
            }
            Phase::Stopping { then_start: false } => {
                self.phase = Phase::Stopped;
                Decision::Stopped
            }
            Phase::Stopping { then_start: true } => {
                self.last_delay_ms = None;
                self.phase = Phase::Pending { at_ms: now_ms };
                Decision::RestartAt(now_ms)
            }
            // A death for a service that is not running (a duplicate or
            // stale notification): keep whatever was decided.
            Phase::Pending { at_ms } => Decision::RestartAt(at_ms),
            Phase::Held => Decision::Hold,
            Phase::Stopped => Decision::Stopped,
        }
    }

    /// A `Start` request: start now unless it is running.
    pub fn request_start(&mut self, now_ms: u64) -> Result<Action, SupervisorError> {
        match self.phase {
            Phase::Running { .. } | Phase::Stopping { then_start: true } => {
                Err(SupervisorError::AlreadyRunning)
            }
            Phase::Stopping { then_start: false } => {
                self.by_request();
                self.phase = Phase::Stopping { then_start: true };
                Ok(Action::None)
            }
            Phase::Stopped | Phase::Held | Phase::Pending { .. } => {
                self.by_request();
                self.last_delay_ms = None;
                self.phase = Phase::Pending { at_ms: now_ms };
                Ok(Action::None)
            }
        }
    }

    /// A `Stop` request: kill it if running, and do not restart it.
    pub fn request_stop(&mut self) -> Result<Action, SupervisorError> {
        match self.phase {
            Phase::Running { .. } => {
                self.phase = Phase::Stopping { then_start: false };
                Ok(Action::Kill)
            }
            Phase::Stopping { .. } => {
                self.phase = Phase::Stopping { then_start: false };
                Ok(Action::None)
            }
            Phase::Pending { .. } | Phase::Held => {
                self.phase = Phase::Stopped;
                Ok(Action::None)
            }
            Phase::Stopped => Err(SupervisorError::NotRunning),
        }
    }

    /// A `Restart` request: kill it if running, then start it at once with
    /// the backoff reset.
    pub fn request_restart(&mut self, now_ms: u64) -> Action {
        self.by_request();
        match self.phase {
            Phase::Running { .. } => {
                self.phase = Phase::Stopping { then_start: true };
                Action::Kill
            }
            Phase::Stopping { .. } => {
                self.phase = Phase::Stopping { then_start: true };
                Action::None
            }
            Phase::Stopped | Phase::Held | Phase::Pending { .. } => {
                self.last_delay_ms = None;
                self.phase = Phase::Pending { at_ms: now_ms };
                Action::None
            }
        }
    }

    /// A `Kill` request: kill it if running and leave the phase alone, so
    /// its death is handled like a crash — by the restart policy, with the
    /// backoff as it stands (a kill soon after a start counts as a quick
    /// death). A service already being stopped is left to that.
    pub fn request_kill(&mut self) -> Result<Action, SupervisorError> {
        match self.phase {
            Phase::Running { .. } => Ok(Action::Kill),
            Phase::Stopping { .. } => Ok(Action::None),
            Phase::Stopped | Phase::Held | Phase::Pending { .. } => {
                Err(SupervisorError::NotRunning)
            }
        }
    }

    /// The state as the `supervisor` protocol reports it.
    pub fn wire_state(&self) -> ServiceState {
        match self.phase {
            Phase::Running { .. } | Phase::Stopping { .. } => ServiceState::Running,
            Phase::Pending { at_ms } => ServiceState::WaitingRestart { until_ms: at_ms },
            Phase::Held => ServiceState::Held,
            Phase::Stopped => ServiceState::Stopped,
        }
    }

    fn by_request(&mut self) {
        self.requested = true;
        self.quick_deaths = 0;
    }

    fn die(&mut self, now_ms: u64, healthy: bool) -> Decision {
        if self.restart == RestartPolicy::Hold {
            self.phase = Phase::Held;
            return Decision::Hold;
        }
        self.quick_deaths = if healthy {
            0
        } else {
            self.quick_deaths.saturating_add(1)
        };
        if self.give_up > 0 && self.quick_deaths >= self.give_up {
            self.phase = Phase::Held;
            return Decision::GaveUp {
                deaths: self.quick_deaths,
            };
        }
        let delay = match self.last_delay_ms {
            Some(last) if !healthy => last.saturating_mul(2).min(self.max_ms),
            _ => self.base_ms,
        };
        self.last_delay_ms = Some(delay);
        let at_ms = now_ms.saturating_add(delay);
        self.phase = Phase::Pending { at_ms };
        Decision::RestartAt(at_ms)
    }
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
