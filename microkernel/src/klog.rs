//! The kernel log: `log` records to COM1 with a timestamp, a level and a
//! source, filtered RUST_LOG-style from the kernel command line
//! (`log=info,acpi=debug`), and kept in a bounded lock-free ring of recent
//! lines for later readers (the shell's `dmesg`, fault reports).

use crate::logic::logfilter::Filter;
use core::fmt::Write;
use crossbeam_queue::ArrayQueue;
use log::{Level, LevelFilter, Log, Metadata, Record};
use spin::{Mutex, Once};

/// Lines kept in the ring; the oldest is dropped when it is full.
const RING_LINES: usize = 256;
const LINE_LEN: usize = 160;

/// The source shown in a line: the module path below the crate
/// (`microkernel::mem::frame` → `mem::frame`), compared against directives
/// by its first component (`mem`).
fn source_of<'a>(record: &'a Record<'_>) -> &'a str {
    trim_crate(record.target())
}

fn trim_crate(target: &str) -> &str {
    match target {
        "microkernel" => "kernel",
        t => t.strip_prefix("microkernel::").unwrap_or(t),
    }
}

struct Line<const N: usize = LINE_LEN> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Line<N> {
    fn as_str(&self) -> &str {
        let b = self.bytes.get(..self.len).unwrap_or(&[]);
        match core::str::from_utf8(b) {
            Ok(s) => s,
            // Cut inside a character at the end: keep the valid prefix.
            Err(e) => core::str::from_utf8(b.get(..e.valid_up_to()).unwrap_or(&[])).unwrap_or(""),
        }
    }
}

/// A task's line: its `Log` text (at most `LOG_MAX` bytes) and the prefix.
const TASK_LINE_LEN: usize = ddk_abi::syscall::LOG_MAX + 128;

impl<const N: usize> Write for Line<N> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            if let Some(slot) = self.bytes.get_mut(self.len) {
                *slot = b;
                self.len += 1;
            }
        }
        Ok(())
    }
}

struct KernelLog {
    filter: Mutex<Filter>,
}

static LOGGER: KernelLog = KernelLog {
    filter: Mutex::new(Filter::new(LevelFilter::Info)),
};
static RING: Once<ArrayQueue<Line>> = Once::new();

impl Log for KernelLog {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        let t = trim_crate(metadata.target());
        let first = t.split("::").next().unwrap_or(t);
        metadata.level() <= self.filter.lock().level_for(first)
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let us = crate::time::uptime_us();
        let level = match record.level() {
            Level::Error => "ERROR",
            Level::Warn => "WARN ",
            Level::Info => "INFO ",
            Level::Debug => "DEBUG",
            Level::Trace => "TRACE",
        };
        let source = source_of(record);
        let (secs, micros) = (us / 1_000_000, us % 1_000_000);
        // Serial gets the whole line; the ring keeps its first LINE_LEN bytes.
        // A task's line (`Log`) may be dropped when the serial output is
        // saturated; the kernel's own lines never are.
        if source == "user" {
            let mut line = Line::<TASK_LINE_LEN> {
                bytes: [0; TASK_LINE_LEN],
                len: 0,
            };
            let _ = writeln!(
                line,
                "[{secs:5}.{micros:06}] {level} {source}: {}",
                record.args()
            );
            crate::serial::with(|u| u.write_task_line(line.as_str()));
        } else {
            crate::serial::with(|u| {
                let _ = writeln!(
                    u,
                    "[{secs:5}.{micros:06}] {level} {source}: {}",
                    record.args()
                );
            });
        }
        if let Some(ring) = RING.get() {
            let mut line = Line {
                bytes: [0; LINE_LEN],
                len: 0,
            };
            let _ = write!(
                line,
                "[{secs:5}.{micros:06}] {level} {source}: {}",
                record.args()
            );
            ring.force_push(line);
        }
    }

    fn flush(&self) {}
}

/// Installs the logger with the command line's `log=` filter (default `info`).
pub fn init(cmdline: &str) {
    let spec = crate::cmdline::value(cmdline, "log").unwrap_or("info");
    let (filter, errors) = Filter::parse(spec);
    *LOGGER.filter.lock() = filter;
    log::set_max_level(filter.max());
    let _ = log::set_logger(&LOGGER);
    if errors > 0 {
        log::warn!("ignored {errors} malformed word(s) in log={spec}");
    }
}

/// Starts keeping recent lines (needs the heap).
pub fn init_ring() {
    RING.call_once(|| ArrayQueue::new(RING_LINES));
}

/// Number of lines currently held in the ring.
pub fn ring_len() -> usize {
    RING.get().map_or(0, ArrayQueue::len)
}
