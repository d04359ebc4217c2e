//! Judges of the user shell (`docs/shell.md`).

use super::*;

/// What `shell-session` types, all at once when the first prompt shows
/// (a terminal's CR line ends; typed ahead of the shell).
pub(super) const SESSION_INPUT: &str = "\
ls\r\
write /notes.txt hello   from the shell\r\
cat /notes.txt\r\
cp /notes.txt /copy.txt\r\
mkdir /work\r\
mv /copy.txt /work/moved.txt\r\
ls /work\r\
stat /work/moved.txt\r\
write /gone.txt temporary\r\
rm /gone.txt\r\
cat /gone.txt\r\
cat /missing.txt\r\
frobnicate now\r\
df\r\
sync\r\
ps\r\
kill fs\r\
faults\r\
restart fs\r\
cat /work/moved.txt\r\
lspci\r\
shutdown\r";

/// What `shell-pipe` pipes, as `printf 'ls\nshutdown\n' | cargo xtask run`.
pub(super) const PIPE_SCRIPT: &str = "ls\nshutdown\n";

/// What `shell-demo` pipes: the demos listed, three run from the shell;
/// after the crash loop, `ps` shows the driver host held, `restart`
/// clears the fault and a copy through the recovered driver host is made
/// durable (the harness checks `/LOOP.BIN` on the image).
pub(super) const DEMO_SCRIPT: &str = "demo\ndemo wild-store\ndemo driver-hang\ndemo crash-loop\nps\nrestart driverhost\ncp /BIG.BIN /LOOP.BIN\nstat /LOOP.BIN\nshutdown\n";

/// `s` without the kernel log's lines (`[    1.234567] INFO  ...`): they
/// arrive whenever a service logs, also between the prompt and the echo
/// of a command, or inside a command's output.
fn without_log(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('[') {
        let (before, from) = rest.split_at(at);
        out.push_str(before);
        let is_log = from.find("] ").is_some_and(|close| {
            let stamp = from.get(1..close).unwrap_or("").trim_start();
            let level = from.get(close + 2..).unwrap_or("");
            stamp.contains('.')
                && stamp.chars().all(|c| c.is_ascii_digit() || c == '.')
                && ["INFO ", "WARN ", "ERROR", "DEBUG", "TRACE"]
                    .iter()
                    .any(|l| level.starts_with(l))
        });
        if is_log {
            rest = from
                .find('\n')
                .map_or("", |nl| from.get(nl + 1..).unwrap_or(""));
        } else {
            out.push('[');
            rest = from.get(1..).unwrap_or("");
        }
    }
    out.push_str(rest);
    // The kernel's boot console introduces itself when the CPU first idles,
    // even while the shell holds the console; it may land between the
    // shell's prompt and the echo. (Its input-side work is judged by
    // `refuse(.., "unknown command `..`")`, not by this text.)
    out.replace("boot console: type `help`\n", "")
        .replace("cordon> ", "")
}

fn lines_after<'a>(s: &'a str, command: &str) -> Result<Vec<&'a str>, String> {
    let start = s
        .find(&format!("cordon$ {command}\n"))
        .ok_or(format!("the shell never echoed `{command}`"))?;
    let rest = s.get(start..).unwrap_or("");
    Ok(rest
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("cordon$ "))
        .collect())
}

fn output_has(s: &str, command: &str, want: &str) -> Result<(), String> {
    let out = lines_after(s, command)?;
    if out.iter().any(|l| l.contains(want)) {
        Ok(())
    } else {
        Err(format!(
            "`{command}` printed {out:?}, nothing with {want:?}"
        ))
    }
}

/// Each (command, text): the command's output has a line with the text.
fn outputs_have(s: &str, wants: &[(&str, &str)]) -> Result<(), String> {
    wants
        .iter()
        .try_for_each(|&(command, want)| output_has(s, command, want))
}

pub(super) fn judge_shell_session(serial: &str) -> Result<(), String> {
    need(serial, "shell: serving the serial console")?;
    need(serial, "was killed; restarting in")?;
    kernel_survived(serial)?;
    let s = &without_log(serial);
    outputs_have(
        s,
        &[
            ("ls", "README.TXT"),
            ("ls", "docs/"),
            ("cat /notes.txt", "hello from the shell"),
            ("ls /work", "moved.txt"),
            ("stat /work/moved.txt", "/work/moved.txt: file, 21 bytes"),
            ("cat /gone.txt", "cat: /gone.txt: NotFound"),
            ("cat /missing.txt", "cat: /missing.txt: NotFound"),
            (
                "frobnicate now",
                "unknown command `frobnicate` (try `help`)",
            ),
            ("df", "FAT32"),
            ("ps", "shell "),
            ("ps", "driverhost "),
            ("kill fs", "kill: fs: killed"),
            ("faults", " s: fs["),
            ("faults", "killed"),
            ("restart fs", "restart: fs: restarted"),
            // The file service of the next generation serves the file
            // written before the kill (it was closed, so durable).
            ("cat /work/moved.txt", "hello from the shell"),
            ("lspci", "1af4:1042"),
            ("lspci", "owner driverhost["),
            ("shutdown", "shutdown: powering off"),
        ],
    )?;
    // Each failing command said one line and the shell went on.
    for cmd in ["cat /gone.txt", "cat /missing.txt", "frobnicate now"] {
        let n = lines_after(s, cmd)?.len();
        if n != 1 {
            return Err(format!("`{cmd}` printed {n} lines, not one"));
        }
    }
    refuse(s, "panic")
}

pub(super) fn judge_shell_pipe(serial: &str) -> Result<(), String> {
    need(serial, "shell: serving the serial console")?;
    kernel_survived(serial)?;
    let s = &without_log(serial);
    outputs_have(
        s,
        &[("ls", "README.TXT"), ("shutdown", "shutdown: powering off")],
    )?;
    // Nothing piped reached the boot console.
    refuse(s, "unknown command `ls`")
}

/// `shell-demo`: `demo` lists the default manifest's demos; `demo
/// wild-store` restarts the running driver host with the fault for one
/// generation, which faults mid-copy (named by the supervisor); the block
/// service replays to the next generation; the copy passes and the shell
/// reports the demo's exit 0. Then `demo driver-hang`: the driver host
/// spins, the block service's watchdog (5 s in the default manifest) has
/// it restarted, the copy passes again. (The harness then checks the copy
/// on the image with mtools and fsck.fat.)
pub(super) fn judge_shell_demo(serial: &str) -> Result<(), String> {
    need(serial, "shell: serving the serial console")?;
    kernel_survived(serial)?;
    let asked = serial
        .find("democopy: asking the supervisor to restart driverhost with \"inject=wild-store inject-after=20\" for one start")
        .ok_or("the demo did not ask for the driver host's restart with the fault")?;
    let copying = serial
        .find("democopy: copying a 1536 KiB file /BIG.BIN to /COPY.BIN")
        .ok_or("the copy never started")?;
    let fault = serial
        .find("fault injection: wild store after 20 requests (")
        .ok_or("no wild-store injection line")?;
    if !(asked < copying && copying < fault) {
        return Err("the fault did not come after the restart and the start of the copy".into());
    }
    let faulted = serial
        .lines()
        .find(|l| l.contains("faulted (vector 14, RIP=") && l.contains("driverhost["))
        .ok_or("no supervisor line for the driver host's fault")?;
    if !faulted.contains(") in Cordon.Ddk.FaultInjection::Store at IL_") {
        return Err(format!("the report does not name the store: {faulted:?}"));
    }
    let died = serial[fault..]
        .find(" died with ")
        .ok_or("the block service did not see the driver host die")?;
    let replay = serial[fault + died..]
        .lines()
        .find(|l| l.contains("blk: attached to driverhost [") && l.contains(": replaying "))
        .ok_or("the block service did not replay to the next generation")?;
    if replay.contains(": replaying 0 requests") {
        return Err("nothing was in flight when the driver host died".into());
    }
    need(serial, "democopy: PASS (copied 1536 KiB in ")?;
    let hang = serial
        .find("fault injection: hang after 20 requests (")
        .ok_or("no hang injection line")?;
    let watchdog = serial
        .find("blk: watchdog: driverhost [")
        .ok_or("the block service's watchdog never fired")?;
    if watchdog < hang || !serial[watchdog..].contains("did not answer within 5000 ms") {
        return Err("the watchdog did not fire on the hang".into());
    }
    if serial
        .matches("democopy: PASS (copied 1536 KiB in ")
        .count()
        != 2
    {
        return Err("want two passing copies (wild-store, driver-hang)".into());
    }
    judge_live_crash_loop(serial)?;
    refuse(serial, "FAIL")?;
    if serial
        .lines()
        .any(|l| l.contains("TASK FAULT in ") && !l.contains("TASK FAULT in driverhost["))
    {
        return Err("something other than the driver host faulted".into());
    }
    let s = &without_log(serial);
    outputs_have(
        s,
        &[
            ("demo", "wild-store"),
            ("demo", "driver-hang"),
            ("demo", "crash-loop"),
            ("demo wild-store", "demo wild-store: finished (exited 0)"),
            ("demo driver-hang", "demo driver-hang: finished (exited 0)"),
            ("demo crash-loop", "demo crash-loop: finished (exited 0)"),
            ("restart driverhost", "restart: driverhost: restarted"),
            ("stat /LOOP.BIN", "/LOOP.BIN: file, 1572864 bytes"),
            ("shutdown", "shutdown: powering off"),
        ],
    )?;
    let ps = lines_after(s, "ps")?;
    if !ps
        .iter()
        .any(|l| l.starts_with("driverhost ") && l.contains(" held "))
    {
        return Err(format!(
            "`ps` after the crash loop does not show driverhost held: {ps:?}"
        ));
    }
    refuse(s, "panic")
}

/// `demo crash-loop`: the supervisor restarts the running driver host into
/// the loop; it faults on every start, is restarted 50, 100, 200 ms later
/// and held after the 4th quick death; democopy's read through blk,
/// waiting meanwhile, gets the typed `Unavailable` within 1 s of the hold
/// (never a hang); after the shell's `restart driverhost` the block
/// service attaches to a driver host without the fault and serves again.
fn judge_live_crash_loop(serial: &str) -> Result<(), String> {
    let asked = serial
        .find("driverhost put into a crash loop on request of demo-crash-loop: \"inject=always-fault\" on every start")
        .ok_or("the supervisor did not put the driver host into a crash loop")?;
    let rest = &serial[asked..];
    let at = |what: &str| {
        rest.find(what)
            .ok_or_else(|| format!("after the crash loop was asked for: no {what:?}"))
    };
    let mut from = 0;
    for delay in [
        "restarting in 50 ms",
        "restarting in 100 ms",
        "restarting in 200 ms",
    ] {
        let i = rest[from..]
            .find(delay)
            .ok_or_else(|| format!("no {delay:?} in the crash loop, in order"))?;
        let line = rest[..from + i].rsplit('\n').next().unwrap_or("");
        if !line.contains("driverhost[") || !line.contains("faulted (vector 14") {
            return Err(format!(
                "{delay:?} is not after a driver-host fault: {line:?}"
            ));
        }
        from += i + delay.len();
    }
    let held = at("held after 4 quick deaths in a row (give-up=4)")?;
    if held < from {
        return Err("the driver host was held before its backoff went 50, 100, 200 ms".into());
    }
    let typed = at("democopy: the read failed with the typed error: device unavailable")?;
    let stamp_of = |i: usize| {
        let line_start = rest[..i].rfind('\n').map_or(0, |n| n + 1);
        crate::demos::stamp(&rest[line_start..])
    };
    match (stamp_of(held), stamp_of(typed)) {
        (Some(h), Some(t)) if t >= h && t - h <= 1.0 => {}
        (h, t) => {
            return Err(format!(
                "the typed error ({t:?} s) did not come within 1 s after the hold ({h:?} s)"
            ));
        }
    }
    at("democopy: the supervisor holds driverhost")?;
    at("democopy: PASS (driverhost crash-looped until held")?;
    // After the shell's restart: the block service serves again through
    // a driver host without the fault.
    let restarted = at("cordon$ restart driverhost")?;
    let after = &rest[restarted..];
    if !after.contains("blk: driverhost [") || !after.contains("is running again: attaching") {
        return Err("the block service did not attach to the restarted driver host".into());
    }
    if after.contains("fault injection") || after.contains("TASK FAULT") {
        return Err("the driver host restarted by the shell still had the fault".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD_PIPE: &str = "boot\nshell: serving the serial console\n\
        Cordon shell: type `help` for the commands\n\
        cordon$ ls\n     <dir>  docs/\n        71  README.TXT\n\
        cordon$ shutdown\nshutdown: powering off\n";

    #[test]
    fn pipe_judge_accepts_a_good_log_and_rejects_broken_ones() {
        assert_eq!(judge_shell_pipe(GOOD_PIPE), Ok(()));
        let no_readme = GOOD_PIPE.replace("README.TXT", "OTHER");
        assert!(judge_shell_pipe(&no_readme).is_err());
        let eaten = format!("cordon> ls\nunknown command `ls` (try `help`)\n{GOOD_PIPE}");
        assert!(judge_shell_pipe(&eaten).is_err());
    }

    /// A `shell-demo` log cut to the lines its judge reads.
    const GOOD_DEMO: &str = "\
[    0.300000] INFO  user: shell[5.0]: shell: serving the serial console\n\
cordon$ demo\n\
demos (run one with `demo NAME`):\n  wild-store   ready\n  driver-hang  ready\n  crash-loop   ready\n\
cordon$ demo wild-store\n\
[    1.000000] INFO  user: demo-wild-store[6.0]: democopy: asking the supervisor to restart driverhost with \"inject=wild-store inject-after=20\" for one start\n\
[    3.000000] INFO  user: demo-wild-store[6.0]: democopy: copying a 1536 KiB file /BIG.BIN to /COPY.BIN (fs -> blk -> driverhost)\n\
[    3.100000] INFO  user: driverhost[2.1]: fault injection: wild store after 20 requests (1 requests in flight): writing to 0x2000\n\
!!! TASK FAULT in driverhost[2.1]: #PF Page Fault (vector 14)\n\
[    3.110000] INFO  user: supervisor[1.0]: driverhost[2.1] faulted (vector 14, RIP=0x2000, CR2=0x2000) in Cordon.Ddk.FaultInjection::Store at IL_000a (call)\n\
[    3.120000] INFO  user: blk[3.0]: blk: driverhost [2.1] died with 1 requests in flight: replaying them to its next generation\n\
[    5.000000] INFO  user: blk[3.0]: blk: attached to driverhost [2.2]: replaying 1 requests in flight, 0 queued\n\
[    5.500000] INFO  user: demo-wild-store[6.0]: democopy: PASS (copied 1536 KiB in 2500 ms; ...)\n\
demo wild-store: finished (exited 0)\n\
cordon$ demo driver-hang\n\
[    6.000000] INFO  user: driverhost[2.3]: fault injection: hang after 20 requests (1 requests in flight): spinning\n\
[   11.000000] INFO  user: blk[3.0]: blk: watchdog: driverhost [2.3] did not answer within 5000 ms (1 requests in flight)\n\
[   14.000000] INFO  user: demo-driver-hang[7.0]: democopy: PASS (copied 1536 KiB in 8000 ms; ...)\n\
demo driver-hang: finished (exited 0)\n\
cordon$ demo crash-loop\n\
[   15.000000] INFO  user: supervisor[1.0]: driverhost put into a crash loop on request of demo-crash-loop: \"inject=always-fault\" on every start, min-run 15000 ms\n\
[   15.000000] INFO  user: supervisor[1.0]: driverhost[2.5] was killed; restarting in 0 ms\n\
!!! TASK FAULT in driverhost[2.6]: #PF Page Fault (vector 14)\n\
[   16.000000] INFO  user: supervisor[1.0]: driverhost[2.6] faulted (vector 14, RIP=0x2000, CR2=0x300) in X; restarting in 50 ms\n\
[   17.000000] INFO  user: supervisor[1.0]: driverhost[2.7] faulted (vector 14, RIP=0x2000, CR2=0x300) in X; restarting in 100 ms\n\
[   18.000000] INFO  user: supervisor[1.0]: driverhost[2.8] faulted (vector 14, RIP=0x2000, CR2=0x300) in X; restarting in 200 ms\n\
[   19.000000] INFO  user: supervisor[1.0]: driverhost[2.9] faulted (vector 14, RIP=0x2000, CR2=0x300) in X; held after 4 quick deaths in a row (give-up=4); a Restart request starts it again\n\
[   19.020000] INFO  user: blk[3.0]: blk: driverhost unavailable (held by the supervisor, not serving for 4000 ms)\n\
[   19.030000] INFO  user: demo-crash-loop[9.0]: democopy: the read failed with the typed error: device unavailable (BlkError::Unavailable), after waiting 4000 ms\n\
[   19.040000] INFO  user: demo-crash-loop[9.0]: democopy: the supervisor holds driverhost (8 restarts)\n\
[   19.050000] INFO  user: demo-crash-loop[9.0]: democopy: PASS (driverhost crash-looped until held; ...)\n\
demo crash-loop: finished (exited 0)\n\
cordon$ ps\n\
SERVICE          STATE              TASK     RESTARTS  LAST EXIT\n\
driverhost       held               2.9             8  fault\n\
cordon$ restart driverhost\n\
restart: driverhost: restarted\n\
cordon$ cp /BIG.BIN /LOOP.BIN\n\
[   20.000000] INFO  user: blk[3.0]: blk: driverhost [2.10] is running again: attaching\n\
cordon$ stat /LOOP.BIN\n\
/LOOP.BIN: file, 1572864 bytes\n\
cordon$ shutdown\nshutdown: powering off\n";

    #[test]
    fn demo_judge_accepts_a_good_log_and_rejects_broken_ones() {
        assert_eq!(judge_shell_demo(GOOD_DEMO), Ok(()));
        for (from, to) in [
            ("FaultInjection::Store", "FaultInjection::Elsewhere"),
            (
                "replaying 1 requests in flight, 0",
                "replaying 0 requests in flight, 0",
            ),
            (
                "demo wild-store: finished (exited 0)",
                "demo wild-store: ended: exited 1",
            ),
            ("did not answer within 5000 ms", "answered"),
            ("in 8000 ms", "FAIL"),
            (
                "!!! TASK FAULT in driverhost[2.1]",
                "!!! TASK FAULT in fs[4.0]",
            ),
            ("restarting in 100 ms", "restarting in 1000 ms"),
            ("held after 4 quick deaths", "restarting in 400 ms after 4"),
            ("[   19.030000] INFO", "[   21.030000] INFO"),
            ("device unavailable (BlkError", "device ok (BlkError"),
            ("driverhost       held ", "driverhost       running "),
            ("is running again: attaching", "is gone"),
            ("1572864 bytes", "1024 bytes"),
            (
                "demo crash-loop: finished (exited 0)",
                "demo crash-loop: ended: exited 1",
            ),
        ] {
            assert!(GOOD_DEMO.contains(from), "{from}");
            let bad = GOOD_DEMO.replacen(from, to, 1);
            assert!(judge_shell_demo(&bad).is_err(), "accepted with {to:?}");
        }
    }

    #[test]
    fn log_lines_are_taken_out_wherever_they_fall() {
        let s = "cordon$ [    0.188171] INFO  user: x[1.0]: hello\n\
                 [   12.000001] WARN  kernel: y\nls\n\
                 README.TXT [not a log]\n";
        assert_eq!(without_log(s), "cordon$ ls\nREADME.TXT [not a log]\n");
        assert_eq!(
            without_log("at 1.5 s: fs[3.0] killed\n"),
            "at 1.5 s: fs[3.0] killed\n"
        );
    }

    #[test]
    fn output_is_taken_up_to_the_next_prompt() {
        let s = "cordon$ cat /x\ncat: /x: NotFound\ncordon$ ps\n";
        assert_eq!(lines_after(s, "cat /x"), Ok(vec!["cat: /x: NotFound"]));
        assert!(output_has(s, "ps", "anything").is_err());
        assert!(lines_after(s, "df").is_err());
    }
}
