//! The supervisor protocol from a client: `Status` lists the manifest's
//! services, `FaultReports` returns the fault of a service that crashed,
//! `Stop` ends a service and keeps it down, `Start` brings it back (a new
//! generation), `Restart` does both at once, `RestartTask` does it only
//! for the current task (`Stale` for a replaced one), `KillTask` kills only
//! the current task and its restart policy brings it back (`Stale` for a
//! replaced one), an unknown name gets
//! `NoSuchService`, and a malformed request gets a typed rejection while the
//! supervisor keeps serving. Prints `suptest: PASS (...)` or `FAIL (...)`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::{String, ToString};
use ipc::supervisor::{Reply, Request, ServiceState, Supervisor, SupervisorError};
use ipc::{ExitCause, IpcError};
use userlib::TaskId;
use userlib::rpc;

userlib::entry!(main);

fn ask(sup: TaskId, r: Request) -> Result<Reply, String> {
    rpc::call::<Supervisor>(sup, &r).map_err(|e| format!("{r:?}: {e}"))
}

fn state_of(sup: TaskId, name: &str) -> Result<(ServiceState, Option<u32>, u32), String> {
    match ask(sup, Request::Status)? {
        Reply::Status(list) => list
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.state, s.task.map(|t| t.0), s.restarts))
            .ok_or(format!("{name} missing from Status")),
        other => Err(format!("Status gave {other:?}")),
    }
}

/// Polls until `name` is in `want` state (Running / Stopped), at most 2 s.
fn wait_state(sup: TaskId, name: &str, running: bool) -> Result<(Option<u32>, u32), String> {
    for _ in 0..100 {
        let (st, task, restarts) = state_of(sup, name)?;
        if (st == ServiceState::Running) == running && (running || st == ServiceState::Stopped) {
            return Ok((task, restarts));
        }
        userlib::sleep_ms(20);
    }
    Err(format!(
        "{name} never became {}",
        if running { "running" } else { "stopped" }
    ))
}

fn run() -> Result<String, String> {
    let sup = userlib::lookup("supervisor").map_err(|e| format!("lookup supervisor: {e}"))?;
    // Status: every manifest service is listed.
    match ask(sup, Request::Status)? {
        Reply::Status(list)
            if ["echo", "victim", "suptest"]
                .iter()
                .all(|n| list.iter().any(|s| s.name == *n)) => {}
        other => return Err(format!("Status: {other:?}")),
    }
    // A crash shows up in FaultReports with its CR2.
    let victim = userlib::lookup("victim").map_err(|e| format!("lookup victim: {e}"))?;
    let _ = rpc::call::<ipc::echo::Echo>(victim, &ipc::echo::Request::Crash);
    let mut found = false;
    for _ in 0..100 {
        if let Reply::Reports(r) = ask(sup, Request::FaultReports { max: 4 })? {
            found = r.iter().any(|f| {
                f.service == "victim" && matches!(f.cause, ExitCause::Faulted(s) if s.cr2 == 0x300)
            });
        }
        if found {
            break;
        }
        userlib::sleep_ms(20);
    }
    if !found {
        return Err("victim's CR2=0x300 fault is not in FaultReports".to_string());
    }
    // Stop keeps echo down; Start brings it back as a new generation.
    let (before, _) = wait_state(sup, "echo", true)?;
    match ask(
        sup,
        Request::Stop {
            name: "echo".into(),
        },
    )? {
        Reply::Ok => {}
        other => return Err(format!("Stop: {other:?}")),
    }
    wait_state(sup, "echo", false)?;
    match ask(
        sup,
        Request::Stop {
            name: "echo".into(),
        },
    )? {
        Reply::Err(SupervisorError::NotRunning) => {}
        other => return Err(format!("second Stop: {other:?}")),
    }
    match ask(
        sup,
        Request::Start {
            name: "echo".into(),
        },
    )? {
        Reply::Ok => {}
        other => return Err(format!("Start: {other:?}")),
    }
    let (after, _) = wait_state(sup, "echo", true)?;
    let generation = |t: Option<u32>| t.map(|t| t >> 16);
    if generation(after) <= generation(before) {
        return Err(format!(
            "Start did not give a new generation: {before:?} -> {after:?}"
        ));
    }
    // Restart: kill and start at once.
    let (_, restarts_before) = wait_state(sup, "echo", true)?;
    match ask(
        sup,
        Request::Restart {
            name: "echo".into(),
        },
    )? {
        Reply::Ok => {}
        other => return Err(format!("Restart: {other:?}")),
    }
    let mut restarted = false;
    for _ in 0..100 {
        let (st, _, r) = state_of(sup, "echo")?;
        if st == ServiceState::Running && r > restarts_before {
            restarted = true;
            break;
        }
        userlib::sleep_ms(20);
    }
    if !restarted {
        return Err("Restart did not restart echo".to_string());
    }
    // RestartTask of the generation Restart replaced: Stale, nothing done
    // (a late watchdog must not kill the successor) ...
    let (_, current, restarts_now) = state_of(sup, "echo")?;
    let (Some(old), Some(current)) = (after, current) else {
        return Err(format!("echo has no task: {after:?} {current:?}"));
    };
    let restart_task = |task: u32| Request::RestartTask {
        name: "echo".into(),
        task: ipc::TaskIdWire(task),
    };
    match ask(sup, restart_task(old))? {
        Reply::Err(SupervisorError::Stale) => {}
        other => return Err(format!("RestartTask of a replaced task: {other:?}")),
    }
    userlib::sleep_ms(100);
    if state_of(sup, "echo")? != (ServiceState::Running, Some(current), restarts_now) {
        return Err("a stale RestartTask changed echo".to_string());
    }
    // ... and of the current one: a restart.
    match ask(sup, restart_task(current))? {
        Reply::Ok => {}
        other => return Err(format!("RestartTask of the current task: {other:?}")),
    }
    let mut restarted = false;
    for _ in 0..100 {
        let (st, task, r) = state_of(sup, "echo")?;
        if st == ServiceState::Running && r > restarts_now && task != Some(current) {
            restarted = true;
            break;
        }
        userlib::sleep_ms(20);
    }
    if !restarted {
        return Err("RestartTask did not restart echo".to_string());
    }
    // KillTask of the generation RestartTask replaced: Stale, nothing done
    // (a refused block backend's successor must not be killed) ...
    let (_, killed, restarts_now) = state_of(sup, "echo")?;
    let Some(killed) = killed else {
        return Err("echo has no task after RestartTask".to_string());
    };
    let kill_task = |task: u32| Request::KillTask {
        name: "echo".into(),
        task: ipc::TaskIdWire(task),
    };
    match ask(sup, kill_task(current))? {
        Reply::Err(SupervisorError::Stale) => {}
        other => return Err(format!("KillTask of a replaced task: {other:?}")),
    }
    userlib::sleep_ms(100);
    if state_of(sup, "echo")? != (ServiceState::Running, Some(killed), restarts_now) {
        return Err("a stale KillTask changed echo".to_string());
    }
    // ... and of the current one: killed, and its restart policy starts
    // the next generation after its backoff.
    match ask(sup, kill_task(killed))? {
        Reply::Ok => {}
        other => return Err(format!("KillTask of the current task: {other:?}")),
    }
    let mut restarted = false;
    for _ in 0..250 {
        let (st, task, r) = state_of(sup, "echo")?;
        if st == ServiceState::Running && r > restarts_now && task != Some(killed) {
            restarted = true;
            break;
        }
        userlib::sleep_ms(20);
    }
    if !restarted {
        return Err("echo was not restarted after KillTask".to_string());
    }
    let mut recorded = false;
    if let Reply::Reports(r) = ask(sup, Request::FaultReports { max: 4 })? {
        recorded = r.iter().any(|f| {
            f.service == "echo" && f.task == ipc::TaskIdWire(killed) && f.cause == ExitCause::Killed
        });
    }
    if !recorded {
        return Err("KillTask's death is not in FaultReports as Killed".to_string());
    }
    // Unknown names and malformed requests.
    match ask(
        sup,
        Request::Start {
            name: "nonesuch".into(),
        },
    )? {
        Reply::Err(SupervisorError::NoSuchService) => {}
        other => return Err(format!("Start nonesuch: {other:?}")),
    }
    let mut back = [0u8; 128];
    let n = userlib::call(sup, &[1, 1, 0, 0xee, 0xff], &mut back)
        .map_err(|e| format!("garbage call: {e}"))?;
    match ipc::decode::<Reply>(back.get(..n).unwrap_or(&[])) {
        Err(IpcError::Rejected(_)) => {}
        other => return Err(format!("garbage got {other:?}")),
    }
    match ask(sup, Request::Status)? {
        Reply::Status(_) => {}
        other => return Err(format!("Status after garbage: {other:?}")),
    }
    Ok(
        "Status, FaultReports, Stop, Start, Restart, RestartTask, KillTask, NoSuchService and a rejected garbage request"
            .to_string(),
    )
}

fn main(args: &str) -> i64 {
    let result = run();
    match &result {
        Ok(what) => userlib::log!("suptest: PASS ({what})"),
        Err(why) => userlib::log!("suptest: FAIL ({why})"),
    }
    if demo::arg_u64(args, "shutdown", 0) == 1 {
        demo::shutdown();
    }
    i64::from(result.is_err())
}
