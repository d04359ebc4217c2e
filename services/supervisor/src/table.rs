//! All services and the fault log together: what the supervisor's loop
//! holds. Turns the three kinds of event — a start falling due, a death, a
//! request from the shell — into decisions and [`Effect`]s for the program
//! to carry out with syscalls.
//!
//! ```text
//! loop {
//!     for each index i in table.due(now): spawn; table.started(i, task, now)
//!                                          (or table.spawn_failed(i, now))
//!     wait for a message or death, at most until table.next_wake_ms()
//!     death    → table.on_death(task, uptime_us, cause, now)
//!     request  → let (reply, effect) = table.handle(caller, request, now); carry out
//!                the effect; reply
//! }
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use ipc::supervisor::{
    FaultRecord, LoopPolicy, REPORTS_PER_REPLY, Reply, Request, ServiceStatus, SupervisorError,
};
use ipc::{ExitCause, TaskIdWire};

use crate::manifest::{Manifest, ServiceSpec};
use crate::policy::{Action, Decision, Params, RestartPolicy, ServicePolicy};
use crate::reports::FaultLog;

/// One managed service.
#[derive(Clone, Debug)]
pub struct Service {
    pub spec: ServiceSpec,
    pub policy: ServicePolicy,
    /// The running task, or the last one if dead; `None` if it never ran.
    pub task: Option<TaskIdWire>,
    /// `RestartWith`'s arguments, added to the next start only.
    pub next_args: Option<String>,
    /// The whole argument string `task` was started with: what decides
    /// whether its code image may be kept (`crate::image`).
    pub started_args: String,
    /// A `CrashLoop` request's loop, while it lasts.
    pub crash_loop: Option<CrashLoop>,
}

/// A service put into a crash loop by a `CrashLoop` request: its arguments
/// are added to every start and its policy replaces the manifest's until
/// the loop ends (the service held, or another request for it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashLoop {
    pub args: String,
    /// The manifest's policy parameters, put back when the loop ends.
    pub saved: Params,
}

impl Service {
    /// Ends a `CrashLoop`: the manifest's arguments and policy again.
    fn end_loop(&mut self) {
        if let Some(l) = self.crash_loop.take() {
            self.policy.set_params(l.saved);
        }
    }
}

/// What the program must do after [`ServiceTable::handle`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    None,
    /// `TaskKill` this task (its death then arrives as usual).
    Kill(TaskIdWire),
    /// Reply, then stop every service and power off.
    Shutdown,
    /// `Request::Files`: the program answers it (a grant to the caller),
    /// the returned reply is only a placeholder.
    Files,
    /// `Request::CodeMap`: likewise (a writable grant of a code-map region).
    CodeMap,
    /// `Request::StoreImage`: likewise (copy the caller's grant, `crate::image`).
    StoreImage {
        grant: u32,
        len: u64,
    },
    /// `Request::FetchImage`: likewise (a read-only grant of the kept image).
    FetchImage,
}

#[derive(Clone, Debug)]
pub struct ServiceTable {
    services: Vec<Service>,
    log: FaultLog,
}

impl ServiceTable {
    /// Services in manifest order; those with `start=boot` are due at once.
    pub fn new(manifest: Manifest, log_capacity: usize) -> Self {
        let services = manifest
            .services
            .into_iter()
            .map(|spec| Service {
                policy: ServicePolicy::new(&spec),
                spec,
                task: None,
                next_args: None,
                started_args: String::new(),
                crash_loop: None,
            })
            .collect();
        ServiceTable {
            services,
            log: FaultLog::new(log_capacity),
        }
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    pub fn get(&self, index: usize) -> Option<&Service> {
        self.services.get(index)
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        self.services.iter().position(|s| s.spec.name == name)
    }

    pub fn log(&self) -> &FaultLog {
        &self.log
    }

    /// Indices of the services whose start is due, in manifest order.
    pub fn due(&self, now_ms: u64) -> Vec<usize> {
        (0..self.services.len())
            .filter(|&i| self.services.get(i).is_some_and(|s| s.policy.due(now_ms)))
            .collect()
    }

    /// The earliest pending start, for the wait's timeout.
    pub fn next_wake_ms(&self) -> Option<u64> {
        self.services
            .iter()
            .filter_map(|s| s.policy.wake_at())
            .min()
    }

    /// The argument string for service `index`'s next start: the
    /// manifest's (`ServiceSpec::args_for_start`), plus a `RestartWith`'s.
    pub fn start_args(&self, index: usize) -> String {
        let Some(s) = self.services.get(index) else {
            return String::new();
        };
        let mut args = s
            .spec
            .args_for_start(s.task.is_some(), s.policy.requested());
        let looping = s.crash_loop.as_ref().map(|l| l.args.as_str());
        for extra in [looping, s.next_args.as_deref()]
            .into_iter()
            .flatten()
            .filter(|e| !e.is_empty())
        {
            if !args.is_empty() {
                args.push(' ');
            }
            args.push_str(extra);
        }
        args
    }

    /// Service `index` was spawned as `task`. Out-of-range indices are ignored.
    pub fn started(&mut self, index: usize, task: TaskIdWire, now_ms: u64) {
        let args = self.start_args(index);
        if let Some(s) = self.services.get_mut(index) {
            s.task = Some(task);
            s.started_args = args;
            // `RestartWith`'s arguments were for this start only.
            s.next_args = None;
            s.policy.on_started(now_ms);
        }
    }

    /// Spawning service `index` failed.
    pub fn spawn_failed(&mut self, index: usize, now_ms: u64) -> Option<Decision> {
        self.services
            .get_mut(index)
            .map(|s| s.policy.on_spawn_failed(now_ms))
    }

    /// `task` died: logs the record and decides. `None` if `task` is not a
    /// current service task (a stale or foreign id; nothing is logged).
    pub fn on_death(
        &mut self,
        task: TaskIdWire,
        uptime_us: u64,
        cause: ExitCause,
        managed: Option<String>,
        now_ms: u64,
    ) -> Option<(usize, Decision)> {
        let index = self.services.iter().position(|s| {
            s.task == Some(task)
                && matches!(
                    s.policy.wire_state(),
                    ipc::supervisor::ServiceState::Running
                )
        })?;
        let s = self.services.get_mut(index)?;
        self.log.push(FaultRecord {
            service: s.spec.name.clone(),
            task,
            uptime_us,
            cause,
            managed: managed.map(|m| clip(m, ipc::supervisor::MANAGED_MAX)),
        });
        let decision = s.policy.on_death(now_ms, cause);
        // A crash loop ends where it was meant to: held. Whoever starts
        // the service again gets the manifest's arguments and policy.
        if matches!(decision, Decision::GaveUp { .. }) {
            s.end_loop();
        }
        Some((index, decision))
    }

    /// The index of the running service whose task is `task`.
    pub fn running_index(&self, task: TaskIdWire) -> Option<usize> {
        let s = self.service_of(task)?;
        self.services.iter().position(|x| core::ptr::eq(x, s))
    }

    /// The running service whose task is `task`.
    pub fn service_of(&self, task: TaskIdWire) -> Option<&Service> {
        self.services.iter().find(|s| {
            s.task == Some(task)
                && matches!(
                    s.policy.wire_state(),
                    ipc::supervisor::ServiceState::Running
                )
        })
    }

    /// May `caller` ask for `request`? Reading state is open to all;
    /// powering off and controlling services need the caller's `allow=`.
    /// A caller that is not a running service of the manifest may only read.
    pub fn permits(&self, caller: TaskIdWire, request: &Request) -> bool {
        let allow = self.service_of(caller).map(|s| &s.spec.allow);
        match request {
            Request::Status | Request::FaultReports { .. } => true,
            Request::Shutdown => allow.is_some_and(|a| a.shutdown),
            // A service gets only its own files= (the program looks them up).
            Request::Files | Request::CodeMap => allow.is_some(),
            // Its own image only (the program looks it up by caller).
            Request::StoreImage { .. } | Request::FetchImage => allow.is_some_and(|a| a.code_image),
            Request::Start { name }
            | Request::Stop { name }
            | Request::Restart { name }
            | Request::RestartWith { name, .. }
            | Request::RestartTask { name, .. }
            | Request::CrashLoop { name, .. }
            | Request::Kill { name }
            | Request::KillTask { name, .. } => allow.is_some_and(|a| a.may_control(name)),
        }
    }

    /// Answers one request from `caller`; a request the caller is not
    /// allowed gets `PermissionDenied` and changes nothing.
    pub fn handle(&mut self, caller: TaskIdWire, request: Request, now_ms: u64) -> (Reply, Effect) {
        if !self.permits(caller, &request) {
            return (Reply::Err(SupervisorError::PermissionDenied), Effect::None);
        }
        match request {
            Request::Status => (Reply::Status(self.status()), Effect::None),
            Request::FaultReports { max } => {
                let n = usize::from(max).min(REPORTS_PER_REPLY);
                let records = self.log.iter_newest_first().take(n).cloned().collect();
                (Reply::Reports(records), Effect::None)
            }
            Request::Shutdown => (Reply::Ok, Effect::Shutdown),
            Request::Files => (Reply::Ok, Effect::Files),
            Request::CodeMap => (Reply::Ok, Effect::CodeMap),
            Request::StoreImage { grant, len } => (Reply::Ok, Effect::StoreImage { grant, len }),
            Request::FetchImage => (Reply::Ok, Effect::FetchImage),
            // Every request that starts or stops a service ends a crash
            // loop (`Kill` does not: it is a crash, for the loop's policy).
            Request::Start { name } => self.with_service(&name, |s| {
                let action = s.policy.request_start(now_ms)?;
                s.end_loop();
                Ok((action, s.task))
            }),
            Request::Stop { name } => self.with_service(&name, |s| {
                let action = s.policy.request_stop()?;
                s.end_loop();
                Ok((action, s.task))
            }),
            Request::Restart { name } => self.with_service(&name, |s| {
                s.end_loop();
                Ok((s.policy.request_restart(now_ms), s.task))
            }),
            Request::Kill { name } => {
                self.with_service(&name, |s| s.policy.request_kill().map(|a| (a, s.task)))
            }
            // Only the generation the caller saw: one that has been
            // replaced meanwhile must not cost its healthy successor a
            // restart (a late watchdog request, docs/supervisor.md).
            Request::RestartTask { name, task } => self.with_service(&name, |s| {
                if s.task != Some(task) {
                    return Err(SupervisorError::Stale);
                }
                s.end_loop();
                Ok((s.policy.request_restart(now_ms), s.task))
            }),
            // `Kill` of the generation the caller saw only (a refused
            // block backend, docs/storage.md): a successor started since
            // is left alone. A kill is a crash: the loop stays.
            Request::KillTask { name, task } => self.with_service(&name, |s| {
                if s.task != Some(task) {
                    return Err(SupervisorError::Stale);
                }
                s.policy.request_kill().map(|a| (a, s.task))
            }),
            Request::RestartWith { name, args } => {
                if args.len() > ipc::supervisor::ARGS_MAX {
                    return (Reply::Err(SupervisorError::BadArgs), Effect::None);
                }
                self.with_service(&name, |s| {
                    s.end_loop();
                    s.next_args = Some(args);
                    Ok((s.policy.request_restart(now_ms), s.task))
                })
            }
            Request::CrashLoop { name, args, policy } => {
                if args.len() > ipc::supervisor::ARGS_MAX {
                    return (Reply::Err(SupervisorError::BadArgs), Effect::None);
                }
                if !policy.is_valid() {
                    return (Reply::Err(SupervisorError::BadPolicy), Effect::None);
                }
                self.with_service(&name, |s| {
                    s.end_loop();
                    s.next_args = None;
                    let saved = s.policy.params();
                    s.policy.set_params(loop_params(policy));
                    s.crash_loop = Some(CrashLoop { args, saved });
                    Ok((s.policy.request_restart(now_ms), s.task))
                })
            }
        }
    }

    /// Every service's state for a `Status` reply.
    pub fn status(&self) -> Vec<ServiceStatus> {
        self.services
            .iter()
            .map(|s| ServiceStatus {
                name: s.spec.name.clone(),
                task: s.task,
                state: s.policy.wire_state(),
                restarts: s.policy.restarts(),
                last_exit: s.policy.last_exit(),
            })
            .collect()
    }

    fn with_service(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut Service) -> Result<(Action, Option<TaskIdWire>), SupervisorError>,
    ) -> (Reply, Effect) {
        let Some(s) = self.services.iter_mut().find(|s| s.spec.name == *name) else {
            return (Reply::Err(SupervisorError::NoSuchService), Effect::None);
        };
        match f(s) {
            Ok((Action::Kill, Some(task))) => (Reply::Ok, Effect::Kill(task)),
            // Kill with no task cannot happen (Kill means Running, which
            // means started); answer Ok rather than invent an error.
            Ok(_) => (Reply::Ok, Effect::None),
            Err(e) => (Reply::Err(e), Effect::None),
        }
    }
}

/// A `CrashLoop` request's policy as the supervisor's: always restarted
/// (until `give_up` holds it).
fn loop_params(p: LoopPolicy) -> Params {
    Params {
        restart: RestartPolicy::Always,
        min_run_ms: u64::from(p.min_run_ms),
        base_ms: u64::from(p.backoff_base_ms),
        max_ms: u64::from(p.backoff_max_ms),
        give_up: u32::from(p.give_up),
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;

/// `s` shortened to at most `max` bytes, at a character boundary.
pub fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut at = max;
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        s.truncate(at);
    }
    s
}
