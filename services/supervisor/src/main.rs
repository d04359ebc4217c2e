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

mod codemaps;
mod handover;
mod images;

use alloc::string::String;
use ddk_abi::syscall::grant_kind;
use ddk_abi::syscall::notify;
use ddk_abi::{DeathCause, DeathRecord};
use ipc::supervisor::{Reply, Supervisor};
use ipc::{ExitCause, FaultSummary, TaskIdWire};
use supervisor::grant::Grant;
use supervisor::manifest::Manifest;
use supervisor::policy::Decision;
use supervisor::reports::DEFAULT_CAPACITY;
use supervisor::table::{Effect, ServiceTable};
use userlib::TaskId;
use userlib::rpc::{self, Event};

userlib::entry!(main);

fn now_ms() -> u64 {
    userlib::uptime_us() / 1000
}

fn read_manifest(name: &str) -> Result<String, String> {
    let path = alloc::format!("etc/{name}.manifest");
    let mut buf = alloc::vec![0u8; 16 * 1024];
    let (n, size) =
        userlib::initrd_read(&path, 0, &mut buf).map_err(|e| alloc::format!("{path}: {e}"))?;
    if size > buf.len() {
        return Err(alloc::format!(
            "{path}: {size} bytes, more than the 16 KiB a manifest may have"
        ));
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

fn describe_cause(cause: &ExitCause) -> String {
    match cause {
        ExitCause::Exited(code) => alloc::format!("exited with code {code}"),
        ExitCause::Killed => String::from("was killed"),
        ExitCause::Faulted(f) => alloc::format!(
            "faulted (vector {}, RIP={:#x}, CR2={:#x})",
            f.vector,
            f.rip,
            f.cr2
        ),
    }
}

/// Hands `task` its memory quota and the device resources of its manifest
/// entry.
fn apply_grants(task: TaskId, memory: Option<u64>, grants: &[Grant]) -> Result<(), String> {
    if let Some(bytes) = memory {
        userlib::task_grant(task, grant_kind::MEMORY, bytes, 0)
            .map_err(|e| alloc::format!("memory={} KiB refused: {e}", bytes >> 10))?;
    }
    for g in grants {
        let (kind, a, b) = match *g {
            Grant::IoPorts { first, last } => {
                (grant_kind::IO_PORTS, u64::from(first), u64::from(last))
            }
            Grant::Mmio { phys, len } => (grant_kind::MMIO, phys, len.div_ceil(4096) * 4096),
            Grant::Irq(line) => (grant_kind::IRQ, u64::from(line), 0),
            Grant::PciAddress { bdf } => (grant_kind::PCI_ADDRESS, u64::from(bdf), 0),
            Grant::PciId { vendor, device, n } => (
                grant_kind::PCI_ID,
                u64::from(vendor) << 16 | u64::from(device),
                u64::from(n),
            ),
            Grant::Console => (grant_kind::CONSOLE, 0, 0),
        };
        userlib::task_grant(task, kind, a, b)
            .map_err(|e| alloc::format!("grant {g:x?} refused: {e}"))?;
    }
    Ok(())
}

/// Spawns every service whose start is due: created suspended, given its
/// grants, then started — so its first instruction already has them.
fn start_due(table: &mut ServiceTable) {
    let now = now_ms();
    for i in table.due(now) {
        let Some(s) = table.get(i) else { continue };
        let restart = s.task.is_some();
        let (name, program, args) = (
            s.spec.name.clone(),
            s.spec.program.clone(),
            table.start_args(i),
        );
        let grants = s.spec.grants.clone();
        let memory = s.spec.memory;
        let spawned = userlib::spawn(&name, &program, &args)
            .map_err(|e| alloc::format!("{e}"))
            .and_then(|id| {
                let ready = apply_grants(id, memory, &grants).and_then(|()| {
                    userlib::task_start(id).map_err(|e| alloc::format!("start: {e}"))
                });
                match ready {
                    Ok(()) => Ok(id),
                    Err(e) => {
                        let _ = userlib::kill(id);
                        Err(e)
                    }
                }
            });
        match spawned {
            Ok(id) => {
                if restart {
                    userlib::log!("restarted {name} as {}.{}", id.index(), id.generation());
                }
                table.started(i, TaskIdWire(id.0), now);
            }
            Err(e) => {
                let d = table.spawn_failed(i, now);
                let what = d.map_or(String::new(), |d| describe(d, now));
                userlib::log!("cannot start {name} (bin/{program}): {e}; {what}");
            }
        }
    }
}

fn on_death(table: &mut ServiceTable, maps: &codemaps::CodeMaps, rec: &DeathRecord) {
    let now = now_ms();
    let cause = cause_of(rec);
    let id = rec.task;
    // A fault in JIT-compiled code: name it from the dead task's code map.
    let (managed, callers) = match (&cause, table.running_index(TaskIdWire(id.0))) {
        // regs[6] is RBP: the faulting method's frame pointer.
        (ExitCause::Faulted(f), Some(i)) => {
            (maps.symbolize(i, f.rip), maps.backtrace(i, f.regs[6]))
        }
        _ => (None, alloc::vec::Vec::new()),
    };
    let what = match &managed {
        Some((long, _)) if callers.is_empty() => alloc::format!(
            "{} {long}; no managed callers on its code-map stack",
            describe_cause(&cause)
        ),
        Some((long, _)) => alloc::format!(
            "{} {long}; called from {}",
            describe_cause(&cause),
            callers.join(" <- ")
        ),
        None => describe_cause(&cause),
    };
    let short = managed.map(|(_, s)| {
        callers
            .iter()
            .fold(s, |acc, c| alloc::format!("{acc} <- {c}"))
    });
    match table.on_death(TaskIdWire(id.0), rec.uptime_us, cause, short, now) {
        Some((_, d)) => userlib::log!(
            "{}[{}.{}] {what}; {}",
            rec.name(),
            id.index(),
            id.generation(),
            describe(d, now)
        ),
        None => userlib::log!(
            "{}[{}.{}] {what} (not a running service)",
            rec.name(),
            id.index(),
            id.generation()
        ),
    }
}

fn describe(d: Decision, now: u64) -> String {
    match d {
        Decision::RestartAt(at) => alloc::format!("restarting in {} ms", at.saturating_sub(now)),
        Decision::Hold => String::from("held (restart=hold)"),
        Decision::GaveUp { deaths } => alloc::format!(
            "held after {deaths} quick deaths in a row (give-up={deaths}); a Restart request starts it again"
        ),
        Decision::Stopped => String::from("stopped on request"),
    }
}

fn main(args: &str) -> i64 {
    let which = arg(args, "manifest").unwrap_or("default");
    let manifest = match read_manifest(which)
        .and_then(|t| Manifest::parse(&t).map_err(|e| alloc::format!("{e}")))
    {
        Ok(m) => m,
        Err(e) => {
            userlib::log!("no services: {e}");
            Manifest {
                services: alloc::vec::Vec::new(),
            }
        }
    };
    let mut manifest = manifest;
    manifest.apply_cmdline(args);
    userlib::log!("manifest {which}: {} services", manifest.services.len());
    let mut table = ServiceTable::new(manifest, DEFAULT_CAPACITY);
    let mut handover = handover::Handover::default();
    let mut maps = codemaps::CodeMaps::default();
    let mut images = images::Images::default();
    let mut buf = [0u8; ipc::MESSAGE_MAX];
    // Each reply goes out with the next receive (`ReplyRecv`).
    let mut server = rpc::Server::new();
    loop {
        start_due(&mut table);
        let wait = table.next_wake_ms().map(|at| at.saturating_sub(now_ms()));
        match server.next::<Supervisor>(&mut buf, wait) {
            Ok(Event::Notification(bits)) => {
                if bits & notify::DEATH != 0 {
                    while let Ok(Some(rec)) = userlib::take_death() {
                        on_death(&mut table, &maps, &rec);
                    }
                }
            }
            Ok(Event::Request { from, request }) => {
                let what = alloc::format!("{request:?}");
                let looping = match &request {
                    ipc::supervisor::Request::CrashLoop { name, args, policy } => {
                        Some(alloc::format!(
                            "{name} put into a crash loop on request of {}: \"{args}\" on every start, min-run {} ms, backoff {}..{} ms, held after {} quick deaths in a row",
                            table
                                .service_of(TaskIdWire(from.0))
                                .map_or("?", |s| s.spec.name.as_str()),
                            policy.min_run_ms,
                            policy.backoff_base_ms,
                            policy.backoff_max_ms,
                            policy.give_up
                        ))
                    }
                    _ => None,
                };
                let (reply, effect) = table.handle(TaskIdWire(from.0), request, now_ms());
                if let (Some(line), Reply::Ok) = (&looping, &reply) {
                    userlib::log!("{line}");
                }
                if reply == Reply::Err(ipc::supervisor::SupervisorError::PermissionDenied) {
                    let who = table
                        .service_of(TaskIdWire(from.0))
                        .map_or("a task outside the manifest", |s| s.spec.name.as_str());
                    userlib::log!(
                        "refused {what} from {who} [{}.{}]: not allowed by the manifest",
                        from.index(),
                        from.generation()
                    );
                }
                let reply = match effect {
                    Effect::None => reply,
                    Effect::Files => handover.answer(&table, from),
                    Effect::CodeMap => maps.answer(&table, from),
                    Effect::StoreImage { grant, len } => images.store(&table, from, grant, len),
                    Effect::FetchImage => images.fetch(&table, from),
                    Effect::Kill(task) => {
                        if let Err(e) = userlib::kill(TaskId(task.0)) {
                            userlib::log!(
                                "kill {}.{} failed: {e}",
                                task.index(),
                                task.generation()
                            );
                        }
                        reply
                    }
                    Effect::Shutdown => {
                        userlib::log!(
                            "shutdown requested by {}.{}: powering off",
                            from.index(),
                            from.generation()
                        );
                        let e = userlib::shutdown();
                        userlib::log!("power-off failed: {e}");
                        Reply::Err(ipc::supervisor::SupervisorError::Internal(1))
                    }
                };
                if let Err(e) = server.reply(from, &reply) {
                    userlib::log!(
                        "reply to {}.{} failed: {e}",
                        from.index(),
                        from.generation()
                    );
                }
            }
            Err(userlib::sys::Error::Sys(userlib::SyscallError::Timeout)) => {}
            Err(e) => userlib::log!("recv: {e}"),
        }
    }
}

/// The value of `key=value` in the argument string (the kernel command line).
fn arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}
