//! Judges of IPC, the supervisor and the fault-isolation demos.

use super::*;

pub(super) fn judge_supervisor_boot(s: &str) -> Result<(), String> {
    // -cpu max has all three; ring 3 must run with them on.
    need(s, "CPU protections: NX on, SMEP on, SMAP on, UMIP on")?;
    need(s, "task supervisor started as 1.0")?;
    need(s, "manifest default: ")?;
    need(s, "task shell started as")?;
    kernel_survived(s)
}

/// An `ipctest` run: its one subtest passed and the kernel never faulted.
pub(super) fn ipctest(s: &str, name: &str) -> Result<(), String> {
    need(s, &format!("ipctest {name}: PASS"))?;
    need(s, "ipctest: 1 passed, 0 failed")?;
    kernel_survived(s)
}

pub(super) fn judge_ipc_pingpong(s: &str) -> Result<(), String> {
    ipctest(s, "pingpong")
}

pub(super) fn judge_ipc_big(s: &str) -> Result<(), String> {
    ipctest(s, "big")
}

pub(super) fn judge_ipc_grant(s: &str) -> Result<(), String> {
    need(s, "re-grant of borrowed pages refused: BadPointer")?;
    refuse(s, "SECURITY")?;
    ipctest(s, "grant")
}

pub(super) fn judge_ipc_malformed(s: &str) -> Result<(), String> {
    ipctest(s, "malformed")
}

pub(super) fn judge_ipc_dead(s: &str) -> Result<(), String> {
    ipctest(s, "dead")
}

pub(super) fn judge_ipc_blocked(s: &str) -> Result<(), String> {
    need(s, "!!! TASK FAULT in echo-crash[")?;
    ipctest(s, "blocked")
}

/// `CallTimeout`: ipctest's checks passed, and the laggard's late reply to
/// the abandoned call went out without an error (the kernel discarded it).
pub(super) fn judge_ipc_timeout(s: &str) -> Result<(), String> {
    need(s, "laggard: exiting without answering seq 9")?;
    refuse(s, "laggard: reply to seq")?;
    ipctest(s, "timeout")
}

/// 1,500 bytes and a carriage return, typed while `consoletest` does not
/// read: the kernel's 1 KiB ring keeps 1,024 of them and drops 477.
pub(super) const CONSOLE_FLOOD: &str = {
    const BYTES: [u8; 1501] = {
        let mut b = [b'x'; 1501];
        b[1500] = b'\r';
        b
    };
    match core::str::from_utf8(&BYTES) {
        Ok(s) => s,
        Err(_) => "",
    }
};

/// The console grant: lines typed while `consoletest` holds the console
/// reach it (and only it), the refusals, the kernel console answering
/// between the holder's two generations, and the second generation served.
pub(super) fn judge_console_grant(s: &str) -> Result<(), String> {
    need(s, "console: input goes to consoletest[2.0]")?;
    need(
        s,
        "cannot start console-two (bin/consoletest): grant Console refused: AlreadyMapped",
    )?;
    need(
        s,
        "consoletest: ungranted read and write refused: PermissionDenied",
    )?;
    // Bad buffers and lengths from the holder: typed errors, no fault.
    need(
        s,
        "consoletest: hostile arguments refused with typed errors",
    )?;
    need(s, "echo: hello cordon\n")?;
    // The flood while it paused: the newest bytes dropped, counted, logged.
    need(s, "read 1024 bytes after the pause\n")?;
    need(
        s,
        "console: 477 input bytes dropped: consoletest[2.0] did not read them in time",
    )?;
    need(s, "bye\n")?;
    // Typed while a task held the console: never a boot console command.
    refuse(s, "unknown command")?;
    let back = s
        .find("console: owner 2.0 ended; the kernel console has the input again")
        .ok_or("the console was not handed back when its holder exited")?;
    let regrant = s
        .find("console: input goes to consoletest[2.1]")
        .ok_or("the holder's next generation did not get the console")?;
    let between = s.get(back..regrant).unwrap_or("");
    if !between
        .lines()
        .any(|l| l.starts_with("up ") && l.ends_with(" ticks"))
    {
        return Err("the kernel console did not answer `uptime` between the holders".into());
    }
    need(s.get(regrant..).unwrap_or(""), "echo: again\n")?;
    need(s, "powering off")?;
    refuse(s, "consoletest: FAIL")?;
    kernel_survived(s)
}

/// The fault-isolation demo: echo-a dies at CR2=0x300 and comes back,
/// client-a reconnects, client-b never notices.
pub(super) fn judge_demo_0x300(s: &str) -> Result<(), String> {
    need(
        s,
        "!!! TASK FAULT in echo-a[2.0]: #PF Page Fault (vector 14)",
    )?;
    need(s, "CR2=0x300\n")?;
    need(s, "echo-a[2.0] faulted (vector 14, RIP=")?;
    need(s, "restarted echo-a as 2.1")?;
    need(s, "reconnected to echo-a as 2.1")?;
    need(s, "20/20 calls to echo-a verified")?;
    need(
        s,
        "400/400 calls to echo-b verified, 0 reconnects, 0 errors",
    )?;
    refuse(s, "TASK FAULT in echo-b")?;
    kernel_survived(s)
}

/// The restart delays of `service` as the supervisor logged them, in order.
pub(super) fn restart_delays(s: &str, service: &str) -> Vec<u64> {
    s.lines()
        .filter(|l| l.contains(&format!("{service}[")) && l.contains("; restarting in "))
        .filter_map(|l| {
            l.rsplit("restarting in ")
                .next()?
                .strip_suffix(" ms")?
                .parse()
                .ok()
        })
        .collect()
}

pub(super) fn judge_crashloop(s: &str) -> Result<(), String> {
    let d = restart_delays(s, "crasher");
    if d.len() < 5 {
        return Err(format!(
            "only {} restarts of crasher logged: {d:?}",
            d.len()
        ));
    }
    // 20, 40, 80, 160, 320, 640, 640, ...: doubling, then capped.
    for (i, pair) in d.windows(2).enumerate() {
        if let [a, b] = pair
            && *b != (*a * 2).min(640)
        {
            return Err(format!(
                "delay {} after {} (step {i}) is not the doubled, capped value: {d:?}",
                b, a
            ));
        }
    }
    if d.first() != Some(&20) {
        return Err(format!("first delay should be the base, 20 ms: {d:?}"));
    }
    need(
        s,
        "300/300 calls to echo-b verified, 0 reconnects, 0 errors",
    )?;
    let slowest = s
        .lines()
        .find(|l| l.contains("calls to echo-b verified"))
        .and_then(|l| {
            l.rsplit("slowest call ")
                .next()?
                .strip_suffix(" us")?
                .parse::<u64>()
                .ok()
        })
        .ok_or("no slowest-call figure from client-b")?;
    if slowest > 1_000_000 {
        return Err(format!(
            "client-b waited {slowest} us for one call while crasher looped"
        ));
    }
    kernel_survived(s)
}

pub(super) fn judge_supervisor_protocol(s: &str) -> Result<(), String> {
    need(
        s,
        "suptest: PASS (Status, FaultReports, Stop, Start, Restart, RestartTask, KillTask, NoSuchService and a rejected garbage request)",
    )?;
    need(s, "echo[2.0] was killed; stopped on request")?;
    need(s, "rejected a malformed supervisor request")?;
    kernel_survived(s)
}
