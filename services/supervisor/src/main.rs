//! The supervisor: Cordon's first user process.
//!
//! Reads `etc/<manifest>.manifest` from the initrd (`manifest=NAME` on the
//! kernel command line, default `default`), starts the services marked
//! `start=boot`, and then serves two kinds of events forever: death
//! notifications from the kernel (each collected with `TakeDeath`, logged,
//! kept in the fault log and fed to the service's restart policy) and
//! `ipc::supervisor` requests (status, start, stop, restart, fault reports,
//! shutdown). Restarts wait out each service's backoff; the supervisor sleeps
//! in `recv` with a timeout until the next one is due.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use ddk_abi::syscall::notify;
use ddk_abi::{DeathCause, DeathRecord};
use ipc::supervisor::{FaultRecord, Reply, Request, ServiceStatus, Supervisor, SupervisorError};
use ipc::{ExitCause, FaultSummary, TaskIdWire};
use supervisor::manifest::{Manifest, ServiceSpec};
use supervisor::policy::{Action, Decision, ServicePolicy};
use supervisor::reports::{FaultLog, DEFAULT_CAPACITY};
use userlib::rpc::{self, Event};
use userlib::TaskId;

userlib::entry!(main);

struct Service {
    spec: ServiceSpec,
    policy: ServicePolicy,
    task: Option<TaskId>,
}

fn now_ms() -> u64 {
    userlib::uptime_us() / 1000
}

fn read_manifest(name: &str) -> Result<String, String> {
    let path = alloc::format!("etc/{name}.manifest");
    let mut buf = alloc::vec![0u8; 16 * 1024];
    let (n, size) = userlib::initrd_read(&path, 0, &mut buf).map_err(|e| alloc::format!("{path}: {e}"))?;
    if size > buf.len() {
        return Err(alloc::format!("{path}: {size} bytes, more than the 16 KiB a manifest may have"));
    }
    buf.truncate(n);
    String::from_utf8(buf).map_err(|_| alloc::format!("{path}: not UTF-8"))
}

fn cause_of(rec: &DeathRecord) -> ExitCause {
    match rec.cause() {
        Ok(DeathCause::Exited) => ExitCause::Exited(rec.exit_code),
        Ok(DeathCause::Killed) | Err(_) => ExitCause::Killed,
        Ok(DeathCause::Faulted) => {
            let f = &rec.fault;
            ExitCause::Faulted(FaultSummary {
                vector: f.vector,
                error_code: f.error_code,
                rip: f.rip,
                cr2: f.cr2,
                rsp: f.rsp,
                rflags: f.rflags,
                regs: f.regs,
            })
        }
    }
}

struct Services {
    services: Vec<Service>,
    faults: FaultLog,
}

impl Services {
    fn start(&mut self, i: usize) {
        let now = now_ms();
        let Some(s) = self.services.get_mut(i) else { return };
        match userlib::spawn(&s.spec.name, &s.spec.program, &s.spec.args) {
            Ok(id) => {
                if s.policy.restarts() > 0 || s.task.is_some() {
                    userlib::log!("restarted {} as {}.{}", s.spec.name, id.index(), id.generation());
                }
                s.task = Some(id);
                s.policy.on_started(now);
            }
            Err(e) => {
                let d = s.policy.on_spawn_failed(now);
                userlib::log!("cannot start {} (bin/{}): {e}; {}", s.spec.name, s.spec.program, describe(d, now));
            }
        }
    }

    fn on_death(&mut self, rec: &DeathRecord) {
        let now = now_ms();
        let cause = cause_of(rec);
        let name = rec.name();
        let what = match cause {
            ExitCause::Exited(code) => alloc::format!("exited with code {code}"),
            ExitCause::Killed => String::from("was killed"),
            ExitCause::Faulted(f) => alloc::format!("faulted (vector {}, RIP={:#x}, CR2={:#x})", f.vector, f.rip, f.cr2),
        };
        if matches!(cause, ExitCause::Faulted(_)) {
            self.faults.push(FaultRecord {
                service: String::from(name),
                task: TaskIdWire(rec.task.0),
                uptime_us: rec.uptime_us,
                cause,
            });
        }
        let Some(s) = self.services.iter_mut().find(|s| s.spec.name == name) else {
            userlib::log!("{name} {what} (not a manifest service)");
            return;
        };
        let d = s.policy.on_death(now, cause);
        userlib::log!("{name}[{}.{}] {what}; {}", rec.task.index(), rec.task.generation(), describe(d, now));
    }

    fn status(&self) -> Vec<ServiceStatus> {
        self.services
            .iter()
            .map(|s| ServiceStatus {
                name: s.spec.name.clone(),
                task: s.task.map(|t| TaskIdWire(t.0)),
                state: s.policy.wire_state(),
                restarts: s.policy.restarts(),
                last_exit: s.policy.last_exit(),
            })
            .collect()
    }

    fn act(&mut self, i: usize, action: Result<Action, SupervisorError>) -> Reply {
        match action {
            Ok(Action::Kill) => {
                if let Some(task) = self.services.get(i).and_then(|s| s.task)
                    && let Err(e) = userlib::kill(task)
                {
                    userlib::log!("kill {}.{} failed: {e}", task.index(), task.generation());
                }
                Reply::Ok
            }
            Ok(Action::None) => Reply::Ok,
            Err(e) => Reply::Err(e),
        }
    }

    fn handle(&mut self, request: Request) -> Reply {
        let now = now_ms();
        let find = |services: &Vec<Service>, name: &str| services.iter().position(|s| s.spec.name == name);
        match request {
            Request::Status => Reply::Status(self.status()),
            Request::FaultReports { max } => Reply::Reports(
                self.faults
                    .iter_newest_first()
                    .take(usize::from(max).min(ipc::supervisor::REPORTS_PER_REPLY))
                    .cloned()
                    .collect(),
            ),
            Request::Start { name } => match find(&self.services, &name) {
                Some(i) => {
                    let a = self.services.get_mut(i).map(|s| s.policy.request_start(now));
                    self.act(i, a.unwrap_or(Err(SupervisorError::NoSuchService)))
                }
                None => Reply::Err(SupervisorError::NoSuchService),
            },
            Request::Stop { name } => match find(&self.services, &name) {
                Some(i) => {
                    let a = self.services.get_mut(i).map(|s| s.policy.request_stop());
                    self.act(i, a.unwrap_or(Err(SupervisorError::NoSuchService)))
                }
                None => Reply::Err(SupervisorError::NoSuchService),
            },
            Request::Restart { name } => match find(&self.services, &name) {
                Some(i) => {
                    let a = self.services.get_mut(i).map(|s| Ok(s.policy.request_restart(now)));
                    self.act(i, a.unwrap_or(Err(SupervisorError::NoSuchService)))
                }
                None => Reply::Err(SupervisorError::NoSuchService),
            },
            Request::Shutdown => {
                userlib::log!("shutdown requested: powering off");
                let e = userlib::shutdown();
                userlib::log!("power-off failed: {e}");
                Reply::Err(SupervisorError::Internal(1))
            }
        }
    }

    /// Starts what is due; returns how long to wait for the next start.
    fn start_due(&mut self) -> Option<u64> {
        let now = now_ms();
        for i in 0..self.services.len() {
            if self.services.get(i).is_some_and(|s| s.policy.due(now)) {
                self.start(i);
            }
        }
        let now = now_ms();
        self.services.iter().filter_map(|s| s.policy.wake_at()).min().map(|at| at.saturating_sub(now))
    }
}

fn describe(d: Decision, now: u64) -> String {
    match d {
        Decision::RestartAt(at) => alloc::format!("restarting in {} ms", at.saturating_sub(now)),
        Decision::Hold => String::from("held (restart=hold)"),
        Decision::Stopped => String::from("stopped on request"),
    }
}

fn main(args: &str) -> i64 {
    let which = demo_arg(args, "manifest").unwrap_or("default");
    let manifest = match read_manifest(which).and_then(|t| Manifest::parse(&t).map_err(|e| alloc::format!("{e}"))) {
        Ok(m) => m,
        Err(e) => {
            userlib::log!("no services: {e}");
            Manifest { services: Vec::new() }
        }
    };
    userlib::log!("manifest {which}: {} services", manifest.services.len());
    let mut sup = Services {
        services: manifest
            .services
            .into_iter()
            .map(|spec| Service { policy: ServicePolicy::new(&spec), spec, task: None })
            .collect(),
        faults: FaultLog::new(DEFAULT_CAPACITY),
    };
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    loop {
        let wait = sup.start_due();
        match rpc::next::<Supervisor>(&mut buf, wait) {
            Ok(Event::Notification(bits)) => {
                if bits & notify::DEATH != 0 {
                    while let Ok(Some(rec)) = userlib::take_death() {
                        sup.on_death(&rec);
                    }
                }
            }
            Ok(Event::Request { from, request }) => {
                let reply = sup.handle(request);
                if let Err(e) = rpc::reply(from, &reply) {
                    userlib::log!("reply to {}.{} failed: {e}", from.index(), from.generation());
                }
            }
            Err(userlib::sys::Error::Sys(userlib::SyscallError::Timeout)) => {}
            Err(e) => userlib::log!("recv: {e}"),
        }
    }
}

/// The value of `key=value` in the argument string (the kernel command line).
fn demo_arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace().find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
