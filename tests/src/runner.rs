//! Runs one QEMU test: boot, watch serial, feed input, enforce the timeout,
//! judge.

use crate::catalog::{Ending, QemuTest};
use crate::qemu::Images;
use std::io::{Read, Write};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What happened to one test.
#[derive(Debug)]
pub struct Outcome {
    pub name: &'static str,
    pub passed: bool,
    /// Why it failed (empty when it passed).
    pub reason: String,
    /// Everything the serial console printed.
    pub serial: String,
    pub elapsed: Duration,
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Boots `test` and judges it. Never panics on QEMU's behaviour; a QEMU that
/// cannot be started is a failed test with the reason.
pub fn run_test(test: &QemuTest, images: &Images) -> Outcome {
    run_test_with(test, images, false)
}

/// [`run_test`], and with `live` the serial output is also copied to
/// stdout as it arrives (`cargo xtask demo`: a human watches it).
pub fn run_test_with(test: &QemuTest, images: &Images, live: bool) -> Outcome {
    let started = Instant::now();
    let fail = |reason: String, serial: String| Outcome {
        name: test.name,
        passed: false,
        reason,
        serial,
        elapsed: started.elapsed(),
    };
    let dir = QemuTest::disk_dir(images);
    let mut config = test.config(images);
    for disk in test.disks {
        let path = disk.path(&dir, test.name);
        let made = std::fs::create_dir_all(&dir)
            .map_err(|e| format!("creating {}: {e}", dir.display()))
            .and_then(|()| match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    Err(format!("removing {}: {e}", path.display()))
                }
                _ => Ok(()),
            })
            .and_then(|()| (disk.make)(&path));
        if let Err(e) = made {
            return fail(format!("disk {}: {e}", disk.id), String::new());
        }
        config.extra.extend(disk.qemu_args(&path));
    }
    let mut cmd = config.command();
    cmd.args(["-serial", "stdio", "-monitor", "none"]);
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return fail(
                format!("cannot start qemu-system-x86_64: {e} (run `cargo xtask setup`)"),
                String::new(),
            );
        }
    };
    if let Some(script) = test.script {
        return judge_script(test, &dir, &mut child, script, started);
    }
    let serial = Arc::new(Mutex::new(Vec::<u8>::new()));
    let reader = child.stdout.take().map(|mut out| {
        let serial = Arc::clone(&serial);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let (Ok(mut s), Some(chunk)) = (serial.lock(), buf.get(..n)) {
                    s.extend_from_slice(chunk);
                    if live {
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(chunk);
                        let _ = out.flush();
                    }
                }
            }
        })
    });
    let text = |serial: &Arc<Mutex<Vec<u8>>>| {
        serial
            .lock()
            .map(|s| String::from_utf8_lossy(&s).replace('\r', ""))
            .unwrap_or_default()
    };

    // The typing script: `input`, then `inputs`, each step's trigger looked
    // for only in what was printed after the previous step was typed.
    let steps: Vec<(&str, &str)> = test
        .input
        .into_iter()
        .chain(test.inputs.iter().copied())
        .collect();
    let mut next_step = 0usize;
    let mut seen_before_step = 0usize;
    let deadline = started + test.timeout;
    let status = loop {
        let now_text = text(&serial);
        if let Some((trigger, input)) = steps.get(next_step)
            && after(&now_text, seen_before_step).contains(trigger)
        {
            if let Some(stdin) = child.stdin.as_mut() {
                let _ = stdin.write_all(input.as_bytes());
                let _ = stdin.flush();
            }
            next_step += 1;
            seen_before_step = now_text.len();
        }
        if let Ending::WhenPrinted(line) = test.ending
            && now_text.contains(line)
        {
            // Let the line's neighbours arrive, then stop the machine.
            std::thread::sleep(Duration::from_millis(100));
            kill(&mut child);
            break None;
        }
        match child.try_wait() {
            Ok(Some(st)) => break st.code(),
            Ok(None) => {}
            Err(e) => {
                kill(&mut child);
                return fail(format!("waiting for QEMU: {e}"), text(&serial));
            }
        }
        if Instant::now() > deadline {
            kill(&mut child);
            if let Some(r) = reader {
                let _ = r.join();
            }
            return fail(
                format!("timed out after {} s", test.timeout.as_secs()),
                text(&serial),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    if let Some(r) = reader {
        let _ = r.join();
    }
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let serial_text = text(&serial);
    if let Ending::Exit(want) = test.ending
        && status != Some(want)
    {
        let got = status.map_or("killed by a signal".to_string(), |c| format!("status {c}"));
        let mut reason = format!("QEMU should exit with status {want}, got {got}");
        if !stderr.trim().is_empty() {
            reason.push_str(&format!("; QEMU said: {}", stderr.trim()));
        }
        return fail(reason, serial_text);
    }
    match judge_with_disks(test, &dir, &serial_text) {
        Ok(()) => Outcome {
            name: test.name,
            passed: true,
            reason: String::new(),
            serial: serial_text,
            elapsed: started.elapsed(),
        },
        Err(reason) => fail(reason, serial_text),
    }
}

/// The test's judge, then its disks' checks.
fn judge_with_disks(test: &QemuTest, dir: &std::path::Path, serial: &str) -> Result<(), String> {
    (test.judge)(serial).and_then(|()| {
        test.disks.iter().try_for_each(|disk| match disk.check {
            Some(check) => check(&disk.path(dir, test.name))
                .map_err(|e| format!("disk {} after the boot: {e}", disk.id)),
            None => Ok(()),
        })
    })
}

/// A test whose input is a script typed as `cargo xtask run` types a pipe.
fn judge_script(
    test: &QemuTest,
    dir: &std::path::Path,
    child: &mut Child,
    script: &str,
    started: Instant,
) -> Outcome {
    let (result, serial) = crate::script::pipe_session(
        child,
        script.as_bytes(),
        std::io::sink(),
        crate::script::Timeouts {
            boot: test.timeout,
            command: test.timeout,
        },
    );
    let outcome = |reason: Option<String>, serial: String| Outcome {
        name: test.name,
        passed: reason.is_none(),
        reason: reason.unwrap_or_default(),
        serial,
        elapsed: started.elapsed(),
    };
    let status = match result {
        Ok(st) => st.code(),
        Err(e) => return outcome(Some(format!("piped session: {e}")), serial),
    };
    if let Ending::Exit(want) = test.ending
        && status != Some(want)
    {
        let got = status.map_or("killed by a signal".to_string(), |c| format!("status {c}"));
        return outcome(
            Some(format!("QEMU should exit with status {want}, got {got}")),
            serial,
        );
    }
    let reason = judge_with_disks(test, dir, &serial).err();
    outcome(reason, serial)
}

/// `text` from byte `at` on (from the char boundary at or before it: a
/// snapshot may have ended inside a character).
fn after(text: &str, at: usize) -> &str {
    let start = (0..=at.min(text.len()))
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    text.get(start..).unwrap_or("")
}
