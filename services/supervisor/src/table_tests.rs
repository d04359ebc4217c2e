use super::*;
use alloc::string::String;
use ipc::supervisor::ServiceState;

const MANIFEST: &str = "\
service dh program=bin/driverhost min-run=1000 backoff=50..400 allow=control:fs
service fs program=bin/fs restart=hold allow=shutdown,control
service shell program=bin/shell start=manual
";

/// The tasks `boot` gives dh and fs, and a task outside the manifest.
const DH: TaskIdWire = TaskIdWire(10);
const FS: TaskIdWire = TaskIdWire(11);
const STRANGER: TaskIdWire = TaskIdWire(77);

fn table() -> ServiceTable {
    ServiceTable::new(Manifest::parse(MANIFEST).unwrap(), 4)
}

fn boot(t: &mut ServiceTable) {
    for (n, i) in t.due(0).into_iter().enumerate() {
        t.started(i, TaskIdWire(10 + n as u32), 0);
    }
}

#[test]
fn boot_starts_the_boot_services_only() {
    let mut t = table();
    assert_eq!(t.due(0), [0, 1]);
    assert_eq!(t.next_wake_ms(), Some(0));
    boot(&mut t);
    assert!(t.due(u64::MAX).is_empty());
    assert_eq!(t.next_wake_ms(), None);
    let states: Vec<ServiceState> = t.status().iter().map(|s| s.state).collect();
    assert_eq!(
        states,
        [
            ServiceState::Running,
            ServiceState::Running,
            ServiceState::Stopped
        ]
    );
}

#[test]
fn a_fault_is_logged_and_restarted_after_backoff() {
    let mut t = table();
    boot(&mut t);
    let fault = ExitCause::Exited(-1);
    assert_eq!(
        t.on_death(TaskIdWire(10), 5_000, fault, None, 5),
        Some((0, Decision::RestartAt(55)))
    );
    assert_eq!(t.next_wake_ms(), Some(55));
    assert!(t.due(54).is_empty());
    assert_eq!(t.due(55), [0]);
    t.started(0, TaskIdWire(0x1_000a), 55);
    assert_eq!(t.get(0).unwrap().policy.restarts(), 1);
    // The old id is stale now: its death (again) changes nothing.
    assert_eq!(t.on_death(TaskIdWire(10), 6_000, fault, None, 6), None);
    assert_eq!(t.log().len(), 1);
    let (reply, _) = t.handle(STRANGER, Request::FaultReports { max: 10 }, 60);
    let Reply::Reports(r) = reply else { panic!() };
    assert_eq!(r.len(), 1);
    assert_eq!(
        (r[0].service.as_str(), r[0].task, r[0].cause),
        ("dh", TaskIdWire(10), fault)
    );
}

#[test]
fn hold_service_stays_down_until_started() {
    let mut t = table();
    boot(&mut t);
    assert_eq!(
        t.on_death(TaskIdWire(11), 1, ExitCause::Killed, None, 1),
        Some((1, Decision::Hold))
    );
    assert!(t.due(u64::MAX).is_empty());
    assert_eq!(
        t.handle(DH, Request::Start { name: "fs".into() }, 2),
        (Reply::Ok, Effect::None)
    );
    assert_eq!(t.due(2), [1]);
}

#[test]
fn requests() {
    let mut t = table();
    boot(&mut t);
    let name = |s: &str| String::from(s);
    assert_eq!(
        t.handle(FS, Request::Stop { name: name("dh") }, 1),
        (Reply::Ok, Effect::Kill(TaskIdWire(10)))
    );
    assert_eq!(
        t.on_death(TaskIdWire(10), 1, ExitCause::Killed, None, 2),
        Some((0, Decision::Stopped))
    );
    assert_eq!(
        t.handle(FS, Request::Stop { name: name("dh") }, 3),
        (Reply::Err(SupervisorError::NotRunning), Effect::None)
    );
    assert_eq!(
        t.handle(FS, Request::Start { name: name("fs") }, 3),
        (Reply::Err(SupervisorError::AlreadyRunning), Effect::None)
    );
    assert_eq!(
        t.handle(FS, Request::Restart { name: name("fs") }, 3),
        (Reply::Ok, Effect::Kill(TaskIdWire(11)))
    );
    assert_eq!(
        t.handle(FS, Request::Restart { name: name("nope") }, 3),
        (Reply::Err(SupervisorError::NoSuchService), Effect::None)
    );
    assert_eq!(
        t.handle(
            FS,
            Request::Start {
                name: name("shell")
            },
            4
        ),
        (Reply::Ok, Effect::None)
    );
    assert_eq!(t.due(4), [2]);
    assert_eq!(
        t.handle(FS, Request::Shutdown, 5),
        (Reply::Ok, Effect::Shutdown)
    );
    let (Reply::Status(s), Effect::None) = t.handle(STRANGER, Request::Status, 5) else {
        panic!()
    };
    assert_eq!(s.len(), 3);
    assert_eq!(s[0].last_exit, Some(ExitCause::Killed));
}

#[test]
fn fault_reports_are_bounded_and_newest_first() {
    let mut t = table();
    boot(&mut t);
    for k in 0..10u32 {
        let task = t.get(0).unwrap().task.unwrap();
        let Some((0, Decision::RestartAt(at))) = t.on_death(
            task,
            u64::from(k),
            ExitCause::Exited(k.into()),
            None,
            u64::from(k) * 1000,
        ) else {
            panic!()
        };
        t.started(0, TaskIdWire(100 + k), at);
    }
    // The log keeps 4; a request for 3 gets the newest 3.
    assert_eq!(t.log().len(), 4);
    let (Reply::Reports(r), _) = t.handle(STRANGER, Request::FaultReports { max: 3 }, 0) else {
        panic!()
    };
    let times: Vec<u64> = r.iter().map(|r| r.uptime_us).collect();
    assert_eq!(times, [9, 8, 7]);
    let (Reply::Reports(r), _) = t.handle(STRANGER, Request::FaultReports { max: u16::MAX }, 0)
    else {
        panic!()
    };
    assert_eq!(r.len(), 4);
}

#[test]
fn every_reply_fits_one_message() {
    let mut t = table();
    boot(&mut t);
    for req in [Request::Status, Request::FaultReports { max: u16::MAX }] {
        let (reply, _) = t.handle(STRANGER, req, 0);
        assert!(ipc::encode_vec(&reply).is_ok());
    }
}

#[test]
fn files_is_answered_by_the_program_for_running_services_only() {
    let mut t = table();
    boot(&mut t);
    // The reply is the program's (a grant to the caller); the table only
    // says so, and maps the caller's task to its service.
    assert_eq!(t.handle(DH, Request::Files, 1), (Reply::Ok, Effect::Files));
    assert_eq!(
        t.handle(DH, Request::CodeMap, 1),
        (Reply::Ok, Effect::CodeMap)
    );
    assert_eq!(
        t.handle(STRANGER, Request::CodeMap, 1),
        (Reply::Err(SupervisorError::PermissionDenied), Effect::None)
    );
    assert_eq!(t.running_index(DH), Some(0));
    assert_eq!(t.running_index(FS), Some(1));
    assert_eq!(
        t.handle(STRANGER, Request::Files, 1),
        (Reply::Err(SupervisorError::PermissionDenied), Effect::None)
    );
    assert_eq!(t.running_index(STRANGER), None);
    // A dead task's id maps to nothing; the restarted one to its service.
    let _ = t.on_death(DH, 5_000_000, ExitCause::Exited(0), None, 5000);
    assert_eq!(t.running_index(DH), None);
    assert_eq!(t.due(u64::MAX), [0]);
    t.started(0, TaskIdWire(0x1_000a), 6000);
    assert_eq!(t.running_index(TaskIdWire(0x1_000a)), Some(0));
}

#[test]
fn only_allowed_callers_power_off_or_control_services() {
    let mut t = table();
    boot(&mut t);
    let denied = (Reply::Err(SupervisorError::PermissionDenied), Effect::None);
    let name = |s: &str| String::from(s);
    // dh may control fs only; it may not power off or touch itself.
    assert_eq!(t.handle(DH, Request::Shutdown, 1), denied);
    assert_eq!(t.handle(DH, Request::Stop { name: name("dh") }, 1), denied);
    assert_eq!(
        t.handle(
            DH,
            Request::Restart {
                name: name("shell")
            },
            1
        ),
        denied
    );
    // A task outside the manifest may only read.
    assert_eq!(t.handle(STRANGER, Request::Shutdown, 1), denied);
    assert_eq!(
        t.handle(STRANGER, Request::Restart { name: name("fs") }, 1),
        denied
    );
    assert!(matches!(
        t.handle(STRANGER, Request::Status, 1),
        (Reply::Status(_), Effect::None)
    ));
    // Nothing above changed anything: fs still runs under its first task.
    assert_eq!(t.get(1).unwrap().task, Some(FS));
    assert_eq!(
        t.handle(DH, Request::Restart { name: name("fs") }, 2),
        (Reply::Ok, Effect::Kill(FS))
    );
    // A dead task's id carries no entitlement, even with allow= in the manifest.
    t.on_death(FS, 1, ExitCause::Killed, None, 3);
    assert_eq!(t.handle(FS, Request::Shutdown, 4), denied);
}

#[test]
fn the_managed_location_is_kept_and_clipped() {
    let mut t = table();
    boot(&mut t);
    let long = "\u{e9}".repeat(ipc::supervisor::MANAGED_MAX);
    let _ = t.on_death(TaskIdWire(10), 7, ExitCause::Killed, Some(long), 7);
    let (reply, _) = t.handle(STRANGER, Request::FaultReports { max: 1 }, 8);
    let Reply::Reports(r) = reply else { panic!() };
    let m = r[0].managed.as_deref().unwrap();
    assert!(m.len() <= ipc::supervisor::MANAGED_MAX && m.len() >= ipc::supervisor::MANAGED_MAX - 1);
    assert!(m.chars().all(|c| c == '\u{e9}'));
}

#[test]
fn kill_needs_control_and_leaves_the_restart_to_the_policy() {
    let mut t = table();
    boot(&mut t);
    let name = |s: &str| String::from(s);
    let denied = (Reply::Err(SupervisorError::PermissionDenied), Effect::None);
    // Same entitlement as Restart: dh has control:fs only.
    assert_eq!(t.handle(DH, Request::Kill { name: name("dh") }, 1), denied);
    assert_eq!(
        t.handle(STRANGER, Request::Kill { name: name("fs") }, 1),
        denied
    );
    assert_eq!(
        t.handle(FS, Request::Kill { name: name("nope") }, 1),
        (Reply::Err(SupervisorError::NoSuchService), Effect::None)
    );
    assert_eq!(
        t.handle(
            FS,
            Request::Kill {
                name: name("shell")
            },
            1
        ),
        (Reply::Err(SupervisorError::NotRunning), Effect::None)
    );
    assert_eq!(
        t.handle(FS, Request::Kill { name: name("dh") }, 5_000),
        (Reply::Ok, Effect::Kill(DH))
    );
    // The death is logged as a fault report and restarted after backoff.
    assert_eq!(
        t.on_death(DH, 5_000_000, ExitCause::Killed, None, 5_001),
        Some((0, Decision::RestartAt(5_051)))
    );
    assert_eq!(t.log().len(), 1);
    assert_eq!(
        t.status()[0].state,
        ServiceState::WaitingRestart { until_ms: 5_051 }
    );
    // fs is restart=hold: a kill holds it.
    assert_eq!(
        t.handle(FS, Request::Kill { name: name("fs") }, 6_000),
        (Reply::Ok, Effect::Kill(FS))
    );
    assert_eq!(
        t.on_death(FS, 6_000_000, ExitCause::Killed, None, 6_001),
        Some((1, Decision::Hold))
    );
}

/// `RestartWith` kills the running service, and its arguments are added
/// to the next start only; the caller needs `control` over it; too long
/// is `BadArgs`.
#[test]
fn restart_with_adds_args_to_the_next_start_only() {
    let mut t = ServiceTable::new(
        Manifest::parse(
            "service dh program=dh args=\"mode=drivers\" first-args=\"jit-inject=x\"\n\
             service demo program=democopy allow=control:dh\n\
             service other program=o\n",
        )
        .unwrap(),
        4,
    );
    for (n, i) in t.due(0).into_iter().enumerate() {
        t.started(i, TaskIdWire(10 + n as u32), 0);
    }
    let (dh, demo, other) = (TaskIdWire(10), TaskIdWire(11), TaskIdWire(12));
    let with = |args: &str| Request::RestartWith {
        name: String::from("dh"),
        args: args.into(),
    };
    assert_eq!(
        t.handle(other, with("inject=hang"), 1),
        (Reply::Err(SupervisorError::PermissionDenied), Effect::None)
    );
    let long = "x".repeat(ipc::supervisor::ARGS_MAX + 1);
    assert_eq!(
        t.handle(demo, with(&long), 1),
        (Reply::Err(SupervisorError::BadArgs), Effect::None)
    );
    assert_eq!(
        t.handle(demo, with("inject=hang inject-after=20"), 1),
        (Reply::Ok, Effect::Kill(dh))
    );
    t.on_death(dh, 2, ExitCause::Killed, None, 2);
    assert_eq!(t.due(2), [0]);
    // A restart: no first-args, and the RestartWith's.
    assert_eq!(t.start_args(0), "mode=drivers inject=hang inject-after=20");
    t.started(0, TaskIdWire(0x1_000a), 2);
    // Its next death restarts it without them.
    t.on_death(
        TaskIdWire(0x1_000a),
        5_000,
        ExitCause::Exited(70),
        None,
        5_000,
    );
    assert_eq!(t.start_args(0), "mode=drivers");
}

/// `CrashLoop` on a running system (the shell's `demo crash-loop`): the
/// service is killed and started again with the loop's arguments on every
/// start and the loop's policy (here against the manifest's long backoff
/// and no give-up): backoff 50, 100, 200 ms, held after the 4th quick
/// death; then the manifest's arguments and policy are back, and an
/// operator's `Restart` starts it without the fault.
#[test]
fn crash_loop_faults_every_start_until_held_then_restart_clears_it() {
    let mut t = ServiceTable::new(
        Manifest::parse(
            "service dh program=dh backoff=1000..60000 args=\"mode=drivers\"\n\
             service demo program=democopy allow=control:dh\n\
             service other program=o\n",
        )
        .unwrap(),
        8,
    );
    for (n, i) in t.due(0).into_iter().enumerate() {
        t.started(i, TaskIdWire(10 + n as u32), 0);
    }
    let (dh, demo, other) = (TaskIdWire(10), TaskIdWire(11), TaskIdWire(12));
    let policy = ipc::supervisor::LoopPolicy {
        min_run_ms: 15_000,
        backoff_base_ms: 50,
        backoff_max_ms: 400,
        give_up: 4,
    };
    let crash_loop = |args: &str, policy| Request::CrashLoop {
        name: String::from("dh"),
        args: args.into(),
        policy,
    };
    // Same entitlement as Restart; bad arguments and policies change nothing.
    assert_eq!(
        t.handle(other, crash_loop("inject=always-fault", policy), 1),
        (Reply::Err(SupervisorError::PermissionDenied), Effect::None)
    );
    let long = "x".repeat(ipc::supervisor::ARGS_MAX + 1);
    assert_eq!(
        t.handle(demo, crash_loop(&long, policy), 1),
        (Reply::Err(SupervisorError::BadArgs), Effect::None)
    );
    for bad in [
        ipc::supervisor::LoopPolicy {
            give_up: 0,
            ..policy
        },
        ipc::supervisor::LoopPolicy {
            backoff_base_ms: 0,
            ..policy
        },
        ipc::supervisor::LoopPolicy {
            backoff_max_ms: 49,
            ..policy
        },
    ] {
        assert_eq!(
            t.handle(demo, crash_loop("inject=always-fault", bad), 1),
            (Reply::Err(SupervisorError::BadPolicy), Effect::None)
        );
    }
    assert!(t.get(0).unwrap().crash_loop.is_none());
    assert_eq!(
        t.handle(demo, crash_loop("inject=always-fault", policy), 1_000),
        (Reply::Ok, Effect::Kill(dh))
    );
    t.on_death(dh, 1_000_000, ExitCause::Killed, None, 1_000);
    // Every start of the loop has the fault; each quick death doubles the
    // delay from the loop's base (the manifest's would be 1000 ms).
    let fault = ExitCause::Exited(-1);
    let mut now = 1_000;
    let mut task = 0x1_000a;
    for (n, delay) in [50, 100, 200].into_iter().enumerate() {
        assert_eq!(t.due(now), [0], "start {n}");
        assert_eq!(t.start_args(0), "mode=drivers inject=always-fault");
        t.started(0, TaskIdWire(task), now);
        now += 2_000;
        assert_eq!(
            t.on_death(TaskIdWire(task), now * 1000, fault, None, now),
            Some((0, Decision::RestartAt(now + delay)))
        );
        now += delay;
        task += 0x1_0000;
    }
    assert_eq!(t.start_args(0), "mode=drivers inject=always-fault");
    t.started(0, TaskIdWire(task), now);
    now += 2_000;
    assert_eq!(
        t.on_death(TaskIdWire(task), now * 1000, fault, None, now),
        Some((0, Decision::GaveUp { deaths: 4 }))
    );
    assert_eq!(t.status()[0].state, ServiceState::Held);
    assert!(t.due(u64::MAX).is_empty());
    // Held: the loop is over. The operator's Restart starts it with the
    // manifest's arguments, and a later crash gets the manifest's backoff.
    assert!(t.get(0).unwrap().crash_loop.is_none());
    assert_eq!(
        t.handle(
            demo,
            Request::Restart {
                name: String::from("dh")
            },
            now
        ),
        (Reply::Ok, Effect::None)
    );
    assert_eq!(t.due(now), [0]);
    assert_eq!(t.start_args(0), "mode=drivers");
    task += 0x1_0000;
    t.started(0, TaskIdWire(task), now);
    assert_eq!(
        t.on_death(TaskIdWire(task), (now + 100) * 1000, fault, None, now + 100),
        Some((0, Decision::RestartAt(now + 100 + 1_000)))
    );
}

/// A request that starts the service ends a loop before it is held: the
/// manifest's arguments and policy again.
#[test]
fn a_restart_during_a_crash_loop_ends_it() {
    let mut t = ServiceTable::new(
        Manifest::parse(
            "service dh program=dh restart=hold\n\
             service demo program=democopy allow=control:dh\n",
        )
        .unwrap(),
        8,
    );
    for (n, i) in t.due(0).into_iter().enumerate() {
        t.started(i, TaskIdWire(10 + n as u32), 0);
    }
    let (dh, demo) = (TaskIdWire(10), TaskIdWire(11));
    let req = Request::CrashLoop {
        name: String::from("dh"),
        args: String::from("inject=always-fault"),
        policy: ipc::supervisor::LoopPolicy {
            min_run_ms: 15_000,
            backoff_base_ms: 50,
            backoff_max_ms: 400,
            give_up: 4,
        },
    };
    assert_eq!(t.handle(demo, req, 1), (Reply::Ok, Effect::Kill(dh)));
    t.on_death(dh, 2_000, ExitCause::Killed, None, 2);
    t.started(0, TaskIdWire(0x1_000a), 2);
    // The loop's policy restarts (the manifest says hold).
    assert_eq!(
        t.on_death(TaskIdWire(0x1_000a), 3_000, ExitCause::Exited(-1), None, 3),
        Some((0, Decision::RestartAt(53)))
    );
    assert_eq!(
        t.handle(
            demo,
            Request::Restart {
                name: String::from("dh")
            },
            10
        ),
        (Reply::Ok, Effect::None)
    );
    assert_eq!(t.start_args(0), "");
    t.started(0, TaskIdWire(0x2_000a), 10);
    assert_eq!(
        t.on_death(
            TaskIdWire(0x2_000a),
            11_000,
            ExitCause::Exited(-1),
            None,
            11
        ),
        Some((0, Decision::Hold))
    );
}

/// Campaign injection #681: the watchdog's restart request for the hung
/// generation lands after that generation died on its own and its
/// successor started. `RestartTask` naming the old task leaves the
/// successor alone; naming the current one restarts it as `Restart` does.
#[test]
fn restart_task_of_a_replaced_generation_is_stale_and_kills_nothing() {
    let mut t = table();
    boot(&mut t);
    let name = |s: &str| String::from(s);
    let restart_task = |task| Request::RestartTask {
        name: name("dh"),
        task,
    };
    let denied = (Reply::Err(SupervisorError::PermissionDenied), Effect::None);
    // Same entitlement as Restart: dh has control:fs only.
    assert_eq!(t.handle(DH, restart_task(DH), 1), denied);
    assert_eq!(t.handle(STRANGER, restart_task(DH), 1), denied);
    assert_eq!(
        t.handle(
            FS,
            Request::RestartTask {
                name: name("nope"),
                task: DH
            },
            1
        ),
        (Reply::Err(SupervisorError::NoSuchService), Effect::None)
    );
    // dh (task 10) dies on its own and is started again as 0x1_000a ...
    assert_eq!(
        t.on_death(DH, 3_000_000, ExitCause::Exited(70), None, 3_000),
        Some((0, Decision::RestartAt(3_050)))
    );
    // ... (while it waits, its last task is still the one meant: the
    // request starts it now, as Restart would, with nothing to kill) ...
    let mut waiting = t.clone();
    assert_eq!(
        waiting.handle(FS, restart_task(DH), 3_010),
        (Reply::Ok, Effect::None)
    );
    assert_eq!(waiting.due(3_010), [0]);
    assert_eq!(t.due(3_050), [0]);
    let next = TaskIdWire(0x1_000a);
    t.started(0, next, 3_050);
    // ... then the watchdog's request for task 10 arrives: stale.
    assert_eq!(
        t.handle(FS, restart_task(DH), 3_055),
        (Reply::Err(SupervisorError::Stale), Effect::None)
    );
    assert_eq!(t.get(0).unwrap().task, Some(next));
    assert_eq!(t.status()[0].state, ServiceState::Running);
    assert_eq!(t.status()[0].restarts, 1);
    assert!(t.due(u64::MAX).is_empty());
    // A service that never ran has no task a request could mean.
    assert_eq!(
        t.handle(
            FS,
            Request::RestartTask {
                name: name("shell"),
                task: DH
            },
            3_060
        ),
        (Reply::Err(SupervisorError::Stale), Effect::None)
    );
    // The current generation itself: killed and started again at once.
    assert_eq!(
        t.handle(FS, restart_task(next), 4_000),
        (Reply::Ok, Effect::Kill(next))
    );
    assert_eq!(
        t.on_death(next, 4_000_000, ExitCause::Killed, None, 4_001),
        Some((0, Decision::RestartAt(4_001)))
    );
}

/// The block service has a generation it refuses killed (`KillTask`):
/// the current task is killed as `Kill` does, its death going through the
/// restart policy (backoff that doubles on quick deaths, not reset as
/// `RestartTask` would); a task replaced meanwhile is `Stale` and its
/// successor is untouched; the entitlement is `Kill`'s.
#[test]
fn kill_task_kills_only_the_generation_named_and_leaves_the_restart_to_the_policy() {
    let mut t = table();
    boot(&mut t);
    let kill_task = |name: &str, task| Request::KillTask {
        name: String::from(name),
        task,
    };
    let denied = (Reply::Err(SupervisorError::PermissionDenied), Effect::None);
    // Same entitlement as Kill: dh has control:fs only.
    assert_eq!(t.handle(DH, kill_task("dh", DH), 1), denied);
    assert_eq!(t.handle(STRANGER, kill_task("dh", DH), 1), denied);
    assert_eq!(t.get(0).unwrap().task, Some(DH));
    assert_eq!(
        t.handle(FS, kill_task("nope", DH), 1),
        (Reply::Err(SupervisorError::NoSuchService), Effect::None)
    );
    // The current generation: killed; its quick death (min-run 1000 ms)
    // waits out the backoff's base, 50 ms.
    assert_eq!(
        t.handle(FS, kill_task("dh", DH), 500),
        (Reply::Ok, Effect::Kill(DH))
    );
    assert_eq!(
        t.on_death(DH, 500_000, ExitCause::Killed, None, 500),
        Some((0, Decision::RestartAt(550)))
    );
    assert_eq!(t.log().len(), 1, "a kill is recorded as a death");
    // Dead and waiting: nothing to kill, as for Kill.
    assert_eq!(
        t.handle(FS, kill_task("dh", DH), 510),
        (Reply::Err(SupervisorError::NotRunning), Effect::None)
    );
    assert!(t.due(549).is_empty(), "the backoff was not skipped");
    assert_eq!(t.due(550), [0]);
    let next = TaskIdWire(0x1_000a);
    t.started(0, next, 550);
    // A request naming the replaced generation: stale, the successor is
    // left running.
    assert_eq!(
        t.handle(FS, kill_task("dh", DH), 560),
        (Reply::Err(SupervisorError::Stale), Effect::None)
    );
    assert_eq!(t.get(0).unwrap().task, Some(next));
    assert_eq!(t.status()[0].state, ServiceState::Running);
    assert_eq!(t.status()[0].restarts, 1);
    assert!(t.due(u64::MAX).is_empty());
    // A service that never ran has no task a request could mean.
    assert_eq!(
        t.handle(FS, kill_task("shell", DH), 560),
        (Reply::Err(SupervisorError::Stale), Effect::None)
    );
    // The successor itself, killed quickly too: the backoff doubles (a
    // RestartTask would have reset it and started at once).
    assert_eq!(
        t.handle(FS, kill_task("dh", next), 600),
        (Reply::Ok, Effect::Kill(next))
    );
    assert_eq!(
        t.on_death(next, 600_000, ExitCause::Killed, None, 600),
        Some((0, Decision::RestartAt(700)))
    );
}

/// `KillTask` is a crash for a crash loop, as `Kill` is: the loop's
/// arguments and policy stay (a `RestartTask` would end the loop).
#[test]
fn kill_task_keeps_a_crash_loop() {
    let mut t = ServiceTable::new(
        Manifest::parse(
            "service dh program=dh backoff=1000..60000\n\
             service demo program=democopy allow=control:dh\n",
        )
        .unwrap(),
        8,
    );
    for (n, i) in t.due(0).into_iter().enumerate() {
        t.started(i, TaskIdWire(10 + n as u32), 0);
    }
    let (dh, demo) = (TaskIdWire(10), TaskIdWire(11));
    let policy = ipc::supervisor::LoopPolicy {
        min_run_ms: 15_000,
        backoff_base_ms: 50,
        backoff_max_ms: 400,
        give_up: 4,
    };
    let crash_loop = Request::CrashLoop {
        name: String::from("dh"),
        args: "inject=always-fault".into(),
        policy,
    };
    assert_eq!(
        t.handle(demo, crash_loop, 1_000),
        (Reply::Ok, Effect::Kill(dh))
    );
    t.on_death(dh, 1_000_000, ExitCause::Killed, None, 1_000);
    assert_eq!(t.due(1_000), [0]);
    let task = TaskIdWire(0x1_000a);
    t.started(0, task, 1_000);
    let kill_task = Request::KillTask {
        name: String::from("dh"),
        task,
    };
    assert_eq!(
        t.handle(demo, kill_task, 1_100),
        (Reply::Ok, Effect::Kill(task))
    );
    assert!(t.get(0).unwrap().crash_loop.is_some(), "the loop stays");
    // The loop's backoff, not the manifest's 1000 ms.
    assert_eq!(
        t.on_death(task, 1_100_000, ExitCause::Killed, None, 1_100),
        Some((0, Decision::RestartAt(1_150)))
    );
    assert_eq!(t.due(1_150), [0]);
    assert_eq!(t.start_args(0), "inject=always-fault");
}

#[test]
fn code_images_need_the_entitlement_and_remember_the_start_args() {
    const M: &str = "\
service dh program=bin/driverhost args=\"mode=drivers\" first-args=\"jit-inject=ldfld-struct\" allow=code-image
service fs program=bin/fs allow=control:dh
";
    let mut t = ServiceTable::new(Manifest::parse(M).unwrap(), 4);
    boot(&mut t);
    // The supervisor's own record of how each generation was started.
    assert_eq!(
        t.get(0).unwrap().started_args,
        "mode=drivers jit-inject=ldfld-struct"
    );
    let store = Request::StoreImage { grant: 3, len: 9 };
    assert_eq!(
        t.handle(DH, store.clone(), 0),
        (Reply::Ok, Effect::StoreImage { grant: 3, len: 9 })
    );
    assert_eq!(
        t.handle(DH, Request::FetchImage, 0),
        (Reply::Ok, Effect::FetchImage)
    );
    // Without `allow=code-image`, and from outside the manifest: refused.
    for who in [FS, STRANGER] {
        assert_eq!(
            t.handle(who, store.clone(), 0).0,
            Reply::Err(SupervisorError::PermissionDenied)
        );
        assert_eq!(
            t.handle(who, Request::FetchImage, 0).0,
            Reply::Err(SupervisorError::PermissionDenied)
        );
    }
    // The restart has no first-args, and a RestartWith's args count.
    t.on_death(DH, 1, ExitCause::Killed, None, 1);
    t.started(0, TaskIdWire(0x1_000a), 100);
    assert_eq!(t.get(0).unwrap().started_args, "mode=drivers");
    let (reply, _) = t.handle(
        FS,
        Request::RestartWith {
            name: "dh".into(),
            args: "inject=hang".into(),
        },
        200,
    );
    assert_eq!(reply, Reply::Ok);
    t.on_death(TaskIdWire(0x1_000a), 2, ExitCause::Killed, None, 200);
    t.started(0, TaskIdWire(0x2_000a), 300);
    assert_eq!(t.get(0).unwrap().started_args, "mode=drivers inject=hang");
}
