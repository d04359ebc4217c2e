//! Running one command line against a [`System`]. Every failure is one
//! line on the console, `COMMAND: WHAT: ERROR` with the error's typed name,
//! and the shell goes on: nothing here panics on what a user types or a
//! service answers.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Display;
use ipc::supervisor::{Reply, Request, ServiceState, ServiceStatus, SupervisorError};

use crate::command::{self, COMMANDS, Command, ParseError};
use crate::format;
use crate::system::System;

/// Bytes moved per read or write by `cat` and `cp`.
pub const CHUNK: usize = 4096;
/// How often `demo` looks whether its service has ended.
pub const DEMO_POLL_MS: u64 = 200;
/// A demo is the manifest service `demo-NAME`.
pub const DEMO_PREFIX: &str = "demo-";

/// Whether a command did what it was asked (for tests and the log; the
/// console has already said why not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    Failed,
}

fn say<S: System>(sys: &mut S, text: &str) {
    sys.out(text.as_bytes());
}

fn fail<S: System>(sys: &mut S, text: impl Display) -> Outcome {
    say(sys, &format!("{text}\n"));
    Outcome::Failed
}

/// `path` made absolute and tidy: a leading `/`, no empty or `.`
/// components, no trailing `/` (except the root itself).
pub fn absolute(path: &str) -> String {
    let mut out = String::new();
    for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
        out.push('/');
        out.push_str(part);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// Parses and runs one line.
pub fn run_line<S: System>(sys: &mut S, line: &str) -> Outcome {
    match command::parse(line) {
        Ok(None) => Outcome::Ok,
        Ok(Some(cmd)) => run(sys, cmd),
        Err(ParseError::Unknown(name)) => {
            fail(sys, format!("unknown command `{name}` (try `help`)"))
        }
        Err(ParseError::Usage(name)) => {
            let args = command::usage(name).map_or("", |(_, a)| a);
            fail(sys, format!("usage: {name} {args}").trim_end())
        }
        Err(ParseError::UnterminatedQuote) => fail(sys, "a quote is not closed"),
    }
}

/// Runs one parsed command.
pub fn run<S: System>(sys: &mut S, cmd: Command) -> Outcome {
    match cmd {
        Command::Help => help(sys),
        Command::Ls(dir) => {
            let dir = absolute(dir.as_deref().unwrap_or("/"));
            match sys.list(&dir) {
                Ok(entries) => {
                    say(sys, &format::ls(&entries));
                    Outcome::Ok
                }
                Err(e) => fail(sys, format!("ls: {dir}: {e}")),
            }
        }
        Command::Cat(path) => cat(sys, &absolute(&path)),
        Command::Write { path, text } => write(sys, &absolute(&path), &text),
        Command::Cp { from, to } => cp(sys, &absolute(&from), &absolute(&to)),
        Command::Mv { from, to } => {
            let (from, to) = (absolute(&from), absolute(&to));
            match sys.rename(&from, &to) {
                Ok(()) => Outcome::Ok,
                Err(e) => fail(sys, format!("mv: {from} -> {to}: {e}")),
            }
        }
        Command::Rm(path) => {
            let path = absolute(&path);
            match sys.remove(&path) {
                Ok(()) => Outcome::Ok,
                Err(e) => fail(sys, format!("rm: {path}: {e}")),
            }
        }
        Command::Mkdir(path) => {
            let path = absolute(&path);
            match sys.mkdir(&path) {
                Ok(()) => Outcome::Ok,
                Err(e) => fail(sys, format!("mkdir: {path}: {e}")),
            }
        }
        Command::Stat(path) => {
            let path = absolute(&path);
            match sys.stat(&path) {
                Ok(m) => {
                    say(sys, &format::stat(&path, &m));
                    Outcome::Ok
                }
                Err(e) => fail(sys, format!("stat: {path}: {e}")),
            }
        }
        Command::Df => match sys.statfs() {
            Ok(s) => {
                say(sys, &format::df(&s));
                Outcome::Ok
            }
            Err(e) => fail(sys, format!("df: {e}")),
        },
        Command::Sync => match sys.sync() {
            Ok(()) => Outcome::Ok,
            Err(e) => fail(sys, format!("sync: {e}")),
        },
        Command::Ps => match status(sys) {
            Ok(list) => {
                let now = sys.uptime_ms();
                say(sys, &format::ps(&list, now));
                Outcome::Ok
            }
            Err(e) => fail(sys, format!("ps: {e}")),
        },
        Command::Faults => {
            let max = ipc::supervisor::REPORTS_PER_REPLY as u16;
            match sys.supervisor(Request::FaultReports { max }) {
                Ok(Reply::Reports(r)) => {
                    say(sys, &format::faults(&r));
                    Outcome::Ok
                }
                Ok(Reply::Err(e)) => fail(sys, format!("faults: {e:?}")),
                Ok(_) => fail(sys, "faults: unexpected reply from the supervisor"),
                Err(e) => fail(sys, format!("faults: {e}")),
            }
        }
        Command::Restart(name) => control(sys, "restart", Request::Restart { name }),
        Command::Kill(name) => control(sys, "kill", Request::Kill { name }),
        Command::Lspci => lspci(sys),
        Command::Demo(None) => demos(sys),
        Command::Demo(Some(name)) => demo(sys, &name),
        Command::Shutdown => shutdown(sys),
    }
}

fn help<S: System>(sys: &mut S) -> Outcome {
    let mut out = String::from("commands:\n");
    for (name, args, about) in COMMANDS {
        let usage = format!("{name} {args}");
        out.push_str(&format!("  {usage:<22} {about}\n"));
    }
    out.push_str(
        "line editing: Backspace/DEL erase, ^U erases the line, ^C abandons it;\n\
         quote words with spaces: cat \"long name.txt\"\n",
    );
    say(sys, &out);
    Outcome::Ok
}

/// Reads a whole file to the console. A file with a NUL byte in its first
/// chunk is binary: its size is shown instead (a terminal fed control bytes
/// is left in any state).
fn cat<S: System>(sys: &mut S, path: &str) -> Outcome {
    let file = match sys.open(path) {
        Ok(f) => f,
        Err(e) => return fail(sys, format!("cat: {path}: {e}")),
    };
    let mut buf = alloc::vec![0u8; CHUNK];
    let mut total = 0u64;
    let mut binary = false;
    let mut last = b'\n';
    let result = loop {
        match sys.read(file, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                let chunk = buf.get(..n).unwrap_or(&[]);
                if total == 0 && chunk.contains(&0) {
                    binary = true;
                }
                total += n as u64;
                if !binary {
                    sys.out(chunk);
                    last = chunk.last().copied().unwrap_or(last);
                }
            }
            Err(e) => break Err(e),
        }
    };
    let closed = sys.close(file);
    if !binary && last != b'\n' {
        say(sys, "\n");
    }
    match (result, closed) {
        (Err(e), _) => fail(sys, format!("cat: {path}: read: {e}")),
        (Ok(()), Err(e)) => fail(sys, format!("cat: {path}: close: {e}")),
        (Ok(()), Ok(())) if binary => {
            say(
                sys,
                &format!("cat: {path}: binary file, {total} bytes (not shown)\n"),
            );
            Outcome::Ok
        }
        (Ok(()), Ok(())) => Outcome::Ok,
    }
}

fn write<S: System>(sys: &mut S, path: &str, text: &str) -> Outcome {
    let file = match sys.create(path) {
        Ok(f) => f,
        Err(e) => return fail(sys, format!("write: {path}: {e}")),
    };
    let mut data = Vec::with_capacity(text.len() + 1);
    data.extend_from_slice(text.as_bytes());
    data.push(b'\n');
    let written = data.chunks(CHUNK).try_for_each(|c| sys.write(file, c));
    // Close even after a failed write: the handle must not leak.
    let closed = sys.close(file);
    match (written, closed) {
        (Err(e), _) => fail(sys, format!("write: {path}: {e}")),
        (Ok(()), Err(e)) => fail(sys, format!("write: {path}: close: {e}")),
        (Ok(()), Ok(())) => Outcome::Ok,
    }
}

fn cp<S: System>(sys: &mut S, from: &str, to: &str) -> Outcome {
    if from == to {
        return fail(sys, format!("cp: {from} and {to} are the same file"));
    }
    let src = match sys.open(from) {
        Ok(f) => f,
        Err(e) => return fail(sys, format!("cp: {from}: {e}")),
    };
    let dst = match sys.create(to) {
        Ok(f) => f,
        Err(e) => {
            let _ = sys.close(src);
            return fail(sys, format!("cp: {to}: {e}"));
        }
    };
    let mut buf = alloc::vec![0u8; CHUNK];
    let copied = loop {
        match sys.read(src, &mut buf) {
            Ok(0) => break Ok(()),
            Ok(n) => {
                if let Err(e) = sys.write(dst, buf.get(..n).unwrap_or(&[])) {
                    break Err(format!("cp: {to}: {e}"));
                }
            }
            Err(e) => break Err(format!("cp: {from}: {e}")),
        }
    };
    let closed_src = sys.close(src);
    let closed_dst = sys.close(dst);
    match (copied, closed_dst, closed_src) {
        (Err(e), ..) => fail(sys, e),
        (Ok(()), Err(e), _) => fail(sys, format!("cp: {to}: close: {e}")),
        (Ok(()), Ok(()), Err(e)) => fail(sys, format!("cp: {from}: close: {e}")),
        (Ok(()), Ok(()), Ok(())) => Outcome::Ok,
    }
}

/// The supervisor's `Status`, as a typed error on failure.
fn status<S: System>(sys: &mut S) -> Result<Vec<ServiceStatus>, String> {
    match sys.supervisor(Request::Status) {
        Ok(Reply::Status(list)) => Ok(list),
        Ok(Reply::Err(e)) => Err(format!("{e:?}")),
        Ok(_) => Err(String::from("unexpected reply from the supervisor")),
        Err(e) => Err(format!("{e}")),
    }
}

/// `restart` and `kill`: one request, `Ok` or a typed error.
fn control<S: System>(sys: &mut S, what: &str, request: Request) -> Outcome {
    let name = match &request {
        Request::Restart { name } | Request::Kill { name } => name.clone(),
        _ => String::new(),
    };
    match sys.supervisor(request) {
        Ok(Reply::Ok) => {
            let done = if what == "kill" {
                "killed; its restart policy decides what follows (see `ps`)"
            } else {
                "restarted"
            };
            say(sys, &format!("{what}: {name}: {done}\n"));
            Outcome::Ok
        }
        Ok(Reply::Err(e)) => fail(sys, format!("{what}: {name}: {e:?}")),
        Ok(_) => fail(
            sys,
            format!("{what}: {name}: unexpected reply from the supervisor"),
        ),
        Err(e) => fail(sys, format!("{what}: {name}: {e}")),
    }
}

fn lspci<S: System>(sys: &mut S) -> Outcome {
    let functions = match sys.pci() {
        Ok(f) => f,
        Err(e) => return fail(sys, format!("lspci: {e}")),
    };
    // Owners by service name where the supervisor knows the task; without
    // its answer the task ids alone are shown.
    let services = status(sys).unwrap_or_default();
    let text = format::lspci(&functions, |t| {
        services
            .iter()
            .find(|s| s.task == Some(t) && s.state == ServiceState::Running)
            .map(|s| s.name.clone())
    });
    say(sys, &text);
    Outcome::Ok
}

/// `demo`: the manifest's `demo-NAME` services.
fn demos<S: System>(sys: &mut S) -> Outcome {
    let list = match status(sys) {
        Ok(l) => l,
        Err(e) => return fail(sys, format!("demo: {e}")),
    };
    let now = sys.uptime_ms();
    let mut out = String::new();
    for s in &list {
        if let Some(name) = s.name.strip_prefix(DEMO_PREFIX) {
            let last = s
                .last_exit
                .as_ref()
                .map_or(String::new(), |c| format!(", last run {}", format::exit(c)));
            let state = match s.state {
                ServiceState::Running => String::from("running"),
                ServiceState::Stopped | ServiceState::Held => String::from("ready"),
                ServiceState::WaitingRestart { until_ms } => {
                    format!("restart in {} ms", until_ms.saturating_sub(now))
                }
            };
            out.push_str(&format!("  {name:<12} {state}{last}\n"));
        }
    }
    if out.is_empty() {
        say(
            sys,
            "no demos in this manifest (a demo is a service named demo-NAME)\n",
        );
    } else {
        say(sys, &format!("demos (run one with `demo NAME`):\n{out}"));
    }
    Outcome::Ok
}

/// `demo NAME`: starts the service `demo-NAME` and waits until it is no
/// longer running (^C stops the waiting, not the demo).
fn demo<S: System>(sys: &mut S, name: &str) -> Outcome {
    let service = format!("{DEMO_PREFIX}{name}");
    if service.len() > ipc::supervisor::NAME_MAX {
        return fail(sys, format!("demo: {name}: no such demo (try `demo`)"));
    }
    match status(sys) {
        Ok(l) if l.iter().any(|s| s.name == service) => {}
        Ok(_) => return fail(sys, format!("demo: {name}: no such demo (try `demo`)")),
        Err(e) => return fail(sys, format!("demo: {e}")),
    }
    match sys.supervisor(Request::Start {
        name: service.clone(),
    }) {
        Ok(Reply::Ok) => {}
        Ok(Reply::Err(SupervisorError::AlreadyRunning)) => {
            say(
                sys,
                &format!("demo {name}: already running; waiting for it\n"),
            );
        }
        Ok(Reply::Err(e)) => return fail(sys, format!("demo: {name}: {e:?}")),
        Ok(_) => {
            return fail(
                sys,
                format!("demo: {name}: unexpected reply from the supervisor"),
            );
        }
        Err(e) => return fail(sys, format!("demo: {name}: {e}")),
    }
    say(
        sys,
        &format!("demo {name}: started {service}; its output follows (^C stops waiting)\n"),
    );
    loop {
        sys.sleep_ms(DEMO_POLL_MS);
        if sys.interrupted() {
            say(
                sys,
                &format!("demo {name}: no longer waiting; it goes on (see `ps`)\n"),
            );
            return Outcome::Ok;
        }
        let now = match status(sys) {
            Ok(l) => l.into_iter().find(|s| s.name == service),
            Err(e) => return fail(sys, format!("demo: {name}: {e}")),
        };
        let Some(now) = now else {
            return fail(
                sys,
                format!("demo: {name}: gone from the supervisor's table"),
            );
        };
        // The supervisor spawns a started service before it answers, so
        // anything but Running means this run is over.
        if now.state == ServiceState::Running {
            continue;
        }
        return match now.last_exit {
            Some(ipc::ExitCause::Exited(0)) => {
                say(sys, &format!("demo {name}: finished (exited 0)\n"));
                Outcome::Ok
            }
            Some(c) => fail(sys, format!("demo {name}: ended: {}", format::exit(&c))),
            None => fail(sys, format!("demo {name}: ended without an exit status")),
        };
    }
}

fn shutdown<S: System>(sys: &mut S) -> Outcome {
    // Whatever the file service still caches goes to the disk first; a
    // failure is reported but does not keep the machine on.
    if let Err(e) = sys.sync() {
        say(sys, &format!("shutdown: sync: {e}\n"));
    }
    say(sys, "shutdown: powering off\n");
    match sys.supervisor(Request::Shutdown) {
        // The supervisor powers off before it could answer; an answer at
        // all means it did not.
        Ok(Reply::Err(e)) => fail(sys, format!("shutdown: {e:?}")),
        Ok(_) => fail(
            sys,
            "shutdown: the supervisor answered but the machine is still on",
        ),
        Err(e) => fail(sys, format!("shutdown: {e}")),
    }
}

#[cfg(test)]
#[path = "exec_tests.rs"]
mod tests;
