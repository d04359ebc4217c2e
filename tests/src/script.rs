//! Typing a script into the user shell over QEMU's serial line, the way
//! `printf 'ls\nshutdown\n' | cargo xtask run` does, and the way the
//! `shell-pipe` test does.
//!
//! A pipe is not a person: it has every byte ready before the machine has
//! booted. Written at once, the script would reach the serial port while
//! the kernel's boot console (or nobody) is reading it — a `shutdown` eaten
//! there would power off before the shell ran a single line. So each line
//! waits for the shell's prompt: the first for the shell to come up, each
//! next one for the previous command to finish. What the machine prints is
//! copied through unchanged.

use std::io::{BufRead, Read, Write};
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// The user shell's prompt (`services/shell`, `shell::PROMPT`).
pub const PROMPT: &str = "cordon$ ";

/// How a piped session ended, if not by the machine powering off.
#[derive(Debug)]
pub enum ScriptError {
    /// No prompt within the boot timeout: no shell on this boot?
    NoShell(Duration),
    /// The script ended and the shell prompted again: the machine is still
    /// on (the script's last line was not `shutdown`, or it failed).
    StillRunning,
    /// Reading the script or talking to QEMU failed.
    Io(std::io::Error),
    /// The machine's output ended while the script still had lines.
    EndedEarly { lines_left: usize },
    /// A command did not give the prompt back (or the machine did not power
    /// off after the last line) within the command timeout.
    Stuck { line: usize, timeout: Duration },
}

impl std::fmt::Display for ScriptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScriptError::NoShell(t) => write!(
                f,
                "no shell prompt (`{PROMPT}`) within {} s; nothing was typed",
                t.as_secs()
            ),
            ScriptError::StillRunning => write!(
                f,
                "the input ended but the machine is still on (end the script with `shutdown`); stopped QEMU"
            ),
            ScriptError::Io(e) => write!(f, "{e}"),
            ScriptError::EndedEarly { lines_left } => write!(
                f,
                "the machine stopped with {lines_left} line(s) of the script not typed"
            ),
            ScriptError::Stuck { line, timeout } => write!(
                f,
                "no prompt (or power-off) {} s after line {line} of the script; stopped QEMU",
                timeout.as_secs()
            ),
        }
    }
}

/// How long a piped session waits.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    /// For the shell's first prompt.
    pub boot: Duration,
    /// For each later prompt, and for the power-off after the last line.
    pub command: Duration,
}

/// What QEMU printed so far and how many prompts it holds.
#[derive(Default)]
struct Seen {
    text: Vec<u8>,
    prompts: usize,
    /// Where the prompt search resumes.
    scanned: usize,
    ended: bool,
}

impl Seen {
    fn add(&mut self, chunk: &[u8]) {
        self.text.extend_from_slice(chunk);
        let p = PROMPT.as_bytes();
        while let Some(at) = self
            .text
            .get(self.scanned..)
            .and_then(|rest| rest.windows(p.len()).position(|w| w == p))
        {
            self.prompts += 1;
            self.scanned += at + p.len();
        }
        // A prompt may be cut by the chunk boundary: rescan its start.
        self.scanned = self
            .scanned
            .max(self.text.len().saturating_sub(p.len() - 1));
    }
}

/// Feeds `script` line by line to `child` (spawned with stdin and stdout
/// piped), each line after a new prompt; copies what the child prints to
/// `echo`. Waits at most `timeouts.boot` for the first prompt, and
/// `timeouts.command` for each next one (and for the power-off after the
/// last line). Returns the child's exit status and the whole output.
pub fn pipe_session(
    child: &mut Child,
    script: impl BufRead,
    mut echo: impl Write + Send + 'static,
    timeouts: Timeouts,
) -> (Result<ExitStatus, ScriptError>, String) {
    let seen = Arc::new((Mutex::new(Seen::default()), Condvar::new()));
    let reader = child.stdout.take().map(|mut out| {
        let seen = Arc::clone(&seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = out.read(&mut buf).unwrap_or(0);
                let chunk = buf.get(..n).unwrap_or(&[]);
                let _ = echo.write_all(chunk);
                let _ = echo.flush();
                let (lock, cv) = &*seen;
                if let Ok(mut s) = lock.lock() {
                    if n == 0 {
                        s.ended = true;
                    } else {
                        s.add(chunk);
                    }
                }
                cv.notify_all();
                if n == 0 {
                    return;
                }
            }
        })
    });
    let result = feed(child, script, &seen, timeouts);
    let result = match result {
        Ok(()) => child.wait().map_err(ScriptError::Io),
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(e)
        }
    };
    if let Some(r) = reader {
        let _ = r.join();
    }
    let text = seen
        .0
        .lock()
        .map(|s| String::from_utf8_lossy(&s.text).replace('\r', ""))
        .unwrap_or_default();
    (result, text)
}

/// Types the script; returns once the machine's output ended after the
/// last line (it powered off), or with why not.
fn feed(
    child: &mut Child,
    script: impl BufRead,
    seen: &Arc<(Mutex<Seen>, Condvar)>,
    timeouts: Timeouts,
) -> Result<(), ScriptError> {
    let lines: Vec<String> = script
        .lines()
        .collect::<Result<_, _>>()
        .map_err(ScriptError::Io)?;
    let (lock, cv) = &**seen;
    let poisoned = || ScriptError::Io(std::io::Error::other("output reader panicked"));
    for (sent, line) in lines.iter().enumerate() {
        // Wait for prompt number `sent + 1`: the shell is ready for this line.
        let (limit, stuck) = if sent == 0 {
            (timeouts.boot, ScriptError::NoShell(timeouts.boot))
        } else {
            (
                timeouts.command,
                ScriptError::Stuck {
                    line: sent,
                    timeout: timeouts.command,
                },
            )
        };
        let by = Instant::now() + limit;
        let mut s = lock.lock().map_err(|_| poisoned())?;
        while s.prompts <= sent && !s.ended {
            let left = by.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(stuck);
            }
            s = cv.wait_timeout(s, left).map_err(|_| poisoned())?.0;
        }
        if s.ended {
            return Err(ScriptError::EndedEarly {
                lines_left: lines.len() - sent,
            });
        }
        drop(s);
        if let Some(stdin) = child.stdin.as_mut() {
            stdin
                .write_all(format!("{line}\n").as_bytes())
                .and_then(|()| stdin.flush())
                .map_err(ScriptError::Io)?;
        }
    }
    // All typed: the machine should now power off. Another prompt means it
    // will not.
    let by = Instant::now() + timeouts.command;
    let mut s = lock.lock().map_err(|_| poisoned())?;
    while !s.ended {
        if s.prompts > lines.len() {
            return Err(ScriptError::StillRunning);
        }
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ScriptError::Stuck {
                line: lines.len(),
                timeout: timeouts.command,
            });
        }
        s = cv.wait_timeout(s, left).map_err(|_| poisoned())?.0;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    const T20: Timeouts = Timeouts {
        boot: Duration::from_secs(20),
        command: Duration::from_secs(20),
    };

    /// A stand-in for the machine: boots, then a shell that echoes lines,
    /// answers `ls`, and exits on `shutdown`. `early` is printed before the
    /// prompt and refuses (exit 9) any input that arrives before it.
    fn fake_machine(delay: &str) -> Child {
        let script = format!(
            r#"
            printf 'booting\n'
            # Input typed before the shell is up would be lost: refuse it.
            if read -t {delay} early; then echo "EATEN: $early"; exit 9; fi
            printf 'shell up\ncordon$ '
            while IFS= read -r l; do
              printf '%s\n' "$l"
              case "$l" in
                shutdown) echo 'powering off'; exit 0 ;;
                ls) echo 'README.TXT' ;;
              esac
              printf 'cordon$ '
            done
            "#
        );
        sh(&script)
    }

    /// A `sh -c script` machine with piped console.
    fn sh(script: &str) -> Child {
        Command::new("sh")
            .args(["-c", script])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap()
    }

    #[test]
    fn lines_wait_for_the_prompt_and_the_machine_powers_off() {
        let mut child = fake_machine("0.3");
        let (r, text) = pipe_session(&mut child, &b"ls\nshutdown\n"[..], std::io::sink(), T20);
        assert!(r.unwrap().success(), "{text}");
        assert!(!text.contains("EATEN"), "{text}");
        assert!(
            text.contains("cordon$ ls\nREADME.TXT\ncordon$ shutdown\npowering off"),
            "{text}"
        );
    }

    #[test]
    fn a_script_without_shutdown_is_reported_and_qemu_stopped() {
        let mut child = fake_machine("0.1");
        let (r, text) = pipe_session(&mut child, &b"ls\n"[..], std::io::sink(), T20);
        assert!(matches!(r, Err(ScriptError::StillRunning)), "{r:?} {text}");
    }

    #[test]
    fn no_prompt_is_reported_after_the_boot_timeout() {
        let mut child = sh("echo no shell here; exec sleep 30");
        let started = Instant::now();
        let (r, _) = pipe_session(
            &mut child,
            &b"ls\n"[..],
            std::io::sink(),
            Timeouts {
                boot: Duration::from_millis(500),
                command: Duration::from_secs(20),
            },
        );
        assert!(matches!(r, Err(ScriptError::NoShell(_))), "{r:?}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_machine_that_stops_early_leaves_lines_untyped() {
        let mut child = fake_machine("0.1");
        let (r, _) = pipe_session(&mut child, &b"shutdown\nls\nps\n"[..], std::io::sink(), T20);
        assert!(
            matches!(r, Err(ScriptError::EndedEarly { lines_left: 2 })),
            "{r:?}"
        );
    }

    #[test]
    fn a_command_that_never_returns_is_reported() {
        let mut child = sh("printf 'cordon$ '; read l; echo $l; exec sleep 30");
        let (r, _) = pipe_session(
            &mut child,
            &b"hang\nls\n"[..],
            std::io::sink(),
            Timeouts {
                boot: Duration::from_secs(20),
                command: Duration::from_millis(500),
            },
        );
        assert!(
            matches!(r, Err(ScriptError::Stuck { line: 1, .. })),
            "{r:?}"
        );
    }

    #[test]
    fn prompts_split_across_chunks_are_counted_once() {
        let mut s = Seen::default();
        s.add(b"boot\ncord");
        s.add(b"on$ ls\nx\ncordon");
        s.add(b"$ ");
        assert_eq!(s.prompts, 2);
        s.add(b"cordon$ cordon$ ");
        assert_eq!(s.prompts, 4);
    }
}
