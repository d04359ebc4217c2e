//! Shared bits of the demo programs: argument parsing, finding services,
//! the block test disks' patterns (`disk`).

#![no_std]

extern crate alloc;

pub mod campaign_record;
pub mod disk;
pub mod resubmit;

use ipc::supervisor::{Request, Supervisor};

/// The value of `key=value` in a space-separated argument string.
pub fn arg<'a>(args: &'a str, key: &str) -> Option<&'a str> {
    args.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key)?.strip_prefix('='))
}

/// A numeric argument, or `default`.
pub fn arg_u64(args: &str, key: &str, default: u64) -> u64 {
    arg(args, key)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Asks the supervisor to power the machine off (tests end this way).
pub fn shutdown() {
    match userlib::lookup("supervisor") {
        Ok(sup) => {
            if let Err(e) = userlib::rpc::call::<Supervisor>(sup, &Request::Shutdown) {
                userlib::log!("shutdown request failed: {e}");
            }
        }
        Err(e) => userlib::log!("no supervisor to shut down: {e}"),
    }
}

/// How a test program ends: logs `TAG: PASS (summary)` or `TAG: FAIL
/// (why)` (the lines the judges read), waits for the tasks named by
/// `wait=` to exit, powers off with `shutdown=1`, and returns the exit
/// code (0 passed, 1 failed).
pub fn finish(
    tag: &str,
    args: &str,
    result: Result<alloc::string::String, alloc::string::String>,
) -> i64 {
    let code = match result {
        Ok(summary) => {
            userlib::log!("{tag}: PASS ({summary})");
            0
        }
        Err(e) => {
            userlib::log!("{tag}: FAIL ({e})");
            1
        }
    };
    if let Some(other) = arg(args, "wait") {
        wait_exited(other);
    }
    if arg(args, "shutdown") == Some("1") {
        shutdown();
    }
    code
}

/// The task of service `name`, once it exists (polling every 5 ms).
pub fn find(name: &str) -> userlib::TaskId {
    loop {
        if let Ok(id) = userlib::lookup(name) {
            return id;
        }
        userlib::sleep_ms(5);
    }
}

/// Waits until every task named in the comma-separated `names` has exited
/// (its lookup answers `Dead`), polling every 20 ms.
pub fn wait_exited(names: &str) {
    for name in names.split(',').filter(|n| !n.is_empty()) {
        while !matches!(userlib::lookup(name), Err(userlib::sys::Error::Dead { .. })) {
            userlib::sleep_ms(20);
        }
    }
}

pub use ipc::blkdev::sector_pattern;

/// xorshift64: a small deterministic generator for the randomized test
/// programs (the same seed gives the same sequence; the seed must not be 0).
pub struct Rng(pub u64);

impl Rng {
    #[allow(
        clippy::should_implement_trait,
        reason = "an endless generator read one number at a time, not an Iterator"
    )]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n` (0 for `n` = 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// One of `xs`, `None` if it is empty.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> Option<T> {
        xs.get(self.below(xs.len() as u64) as usize).copied()
    }
}
