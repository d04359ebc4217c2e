//! The service's manifest arguments (`args="backend=driverhost queue=64 …"`).

use alloc::string::String;

/// Requests one client call moves at most, in bytes (and each slot of the
/// data window): 64 KiB, what both backends take in one operation.
pub const MAX_REQUEST_BYTES: u32 = 64 * 1024;

/// What the service is told at start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// The backend's service name (`lookup`, and the supervisor's name for
    /// `Status` and `Restart`): `driverhost`, `virtio-blk`, a test backend.
    pub backend: String,
    /// Requests accepted but not yet given to the backend, at most; beyond
    /// that the service stops receiving and callers wait in the kernel.
    pub queue: usize,
    /// A backend call outstanding longer than this gets the backend
    /// restarted (0: no watchdog).
    pub watchdog_ms: u64,
    /// The backend gone (dead, or alive but not ready) longer than this:
    /// requests are answered `Unavailable` until it is back.
    pub unavailable_ms: u64,
    /// How often a missing or unready backend is looked for again.
    pub probe_ms: u64,
    /// Read every write back from the device before acknowledging it
    /// (`verify-writes=1`): a corrupt backend that changed a write's data
    /// on its way to the device is caught and the write replayed. Costs a
    /// second `Submit` per batch with writes, and halves the batch.
    pub verify_writes: bool,
}

/// A bad argument: its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// `backend=` is required.
    NoBackend,
    /// A value that is not a number, or out of its range.
    BadValue(String),
    /// A `key=value` the service does not know.
    UnknownKey(String),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::NoBackend => write!(f, "no backend= named"),
            ConfigError::BadValue(k) => write!(f, "bad value for {k}="),
            ConfigError::UnknownKey(k) => write!(f, "unknown argument {k}"),
        }
    }
}

impl Config {
    pub const DEFAULT_QUEUE: usize = 64;
    pub const DEFAULT_WATCHDOG_MS: u64 = 5000;
    pub const DEFAULT_UNAVAILABLE_MS: u64 = 30_000;
    pub const DEFAULT_PROBE_MS: u64 = 20;

    /// Parses space-separated `key=value` words: `backend=NAME` (required),
    /// `queue=N` (1–1024), `watchdog-ms=MS` (0 = off), `unavailable-ms=MS`,
    /// `probe-ms=MS` (1–1000), `verify-writes=0|1`.
    pub fn parse(args: &str) -> Result<Config, ConfigError> {
        let mut c = Config {
            backend: String::new(),
            queue: Self::DEFAULT_QUEUE,
            watchdog_ms: Self::DEFAULT_WATCHDOG_MS,
            unavailable_ms: Self::DEFAULT_UNAVAILABLE_MS,
            probe_ms: Self::DEFAULT_PROBE_MS,
            verify_writes: false,
        };
        for word in args.split_ascii_whitespace() {
            let (key, value) = word
                .split_once('=')
                .ok_or_else(|| ConfigError::UnknownKey(word.into()))?;
            let num = |lo: u64, hi: u64| {
                value
                    .parse::<u64>()
                    .ok()
                    .filter(|v| (lo..=hi).contains(v))
                    .ok_or_else(|| ConfigError::BadValue(key.into()))
            };
            match key {
                "backend" if !value.is_empty() && value.len() <= 16 => c.backend = value.into(),
                "backend" => return Err(ConfigError::BadValue(key.into())),
                "queue" => c.queue = num(1, 1024)? as usize,
                "watchdog-ms" => c.watchdog_ms = num(0, 3_600_000)?,
                "unavailable-ms" => c.unavailable_ms = num(1, 3_600_000)?,
                "probe-ms" => c.probe_ms = num(1, 1000)?,
                "verify-writes" => c.verify_writes = num(0, 1)? == 1,
                _ => return Err(ConfigError::UnknownKey(key.into())),
            }
        }
        if c.backend.is_empty() {
            return Err(ConfigError::NoBackend);
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_every_key() {
        let c = Config::parse("backend=driverhost").unwrap();
        assert_eq!(c.backend, "driverhost");
        assert_eq!(c.queue, 64);
        assert_eq!(c.watchdog_ms, Config::DEFAULT_WATCHDOG_MS);
        let c = Config::parse(
            "backend=fakedisk queue=4 watchdog-ms=500 unavailable-ms=1500 probe-ms=10 verify-writes=1",
        )
        .unwrap();
        assert_eq!(
            c,
            Config {
                backend: "fakedisk".into(),
                queue: 4,
                watchdog_ms: 500,
                unavailable_ms: 1500,
                probe_ms: 10,
                verify_writes: true,
            }
        );
    }

    #[test]
    fn mistakes_are_named() {
        assert_eq!(Config::parse(""), Err(ConfigError::NoBackend));
        let bad = |key: &str| ConfigError::BadValue(key.into());
        let unknown = |key: &str| ConfigError::UnknownKey(key.into());
        for (args, want) in [
            ("backend=x queue=0", bad("queue")),
            ("backend=x queue=lots", bad("queue")),
            ("backend=x colour=red", unknown("colour")),
            ("backend=x verify-writes=2", bad("verify-writes")),
            ("backend=x stray", unknown("stray")),
            ("backend=a-name-longer-than-16", bad("backend")),
        ] {
            assert_eq!(Config::parse(args), Err(want), "{args}");
        }
    }
}
