//! The service manifest: a text file in the initrd naming every service the
//! supervisor manages, with its restart policy and device grants.
//!
//! ```text
//! # comment; blank lines are ignored
//! service NAME program=PROG [restart=always|hold] [min-run=MS]
//!         [backoff=BASE..MAX] [start=boot|manual] [grant=KIND:RANGE|console]...
//!         [args="free text"] [allow=shutdown,control[:NAME]...]
//!         [memory=SIZE] [first-args="free text"]
//! ```
//!
//! One service per line (shown wrapped above). Items are separated by spaces
//! or tabs; any value may be double-quoted, and inside quotes `\"` and `\\`
//! are escapes and `#` is literal. Numbers are decimal or `0x` hex. Each key
//! may appear once, except `grant`. See [`Grant`] for the grant forms.
//!
//! The manifest comes from the initrd, which is trusted, but it is still
//! parsed like untrusted text: a mistake in it is a [`ManifestError`] naming
//! the line, never a panic of the first process.

use alloc::string::String;
use alloc::vec::Vec;

use crate::allow::{Allow, parse_allow};
use crate::grant::{Grant, parse_grant};
use crate::number::{parse_size, parse_u64};
use crate::policy::RestartPolicy;

/// Longest service name, in bytes (the kernel's task-name limit).
pub const NAME_MAX: usize = ipc::supervisor::NAME_MAX;
/// Most services one manifest may name (what a status reply can carry).
pub const MAX_SERVICES: usize = ipc::supervisor::MAX_SERVICES;

/// The largest `memory=` (the kernel's `MEMORY_QUOTA_MAX`).
pub const MEMORY_MAX: u64 = 1 << 30;

/// Defaults for the optional keys.
pub const DEFAULT_MIN_RUN_MS: u64 = 1000;
pub const DEFAULT_BACKOFF_BASE_MS: u64 = 50;
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 5000;

/// Every service, in manifest order (which is also boot start order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub services: Vec<ServiceSpec>,
}

/// One `service` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// 1..=[`NAME_MAX`] bytes of `[A-Za-z0-9_.-]`; unique in the manifest.
    pub name: String,
    /// The program's path in the initrd.
    pub program: String,
    /// Passed to the program verbatim (empty if not given).
    pub args: String,
    /// Appended to `args` (after a space) for the service's first start only;
    /// restarts get `args` alone. How a test turns on a fault-injection
    /// switch for one generation (docs/driverhost.md).
    pub first_args: String,
    /// Appended to `args` on every start — the first and the automatic
    /// restarts — until a `Start` or `Restart` request starts the service:
    /// a fault that a crash loop keeps and an operator's restart clears
    /// (the `crash-loop` demo, docs/demos.md).
    pub fault_args: String,
    /// After this many quick deaths in a row (each sooner than `min_run_ms`)
    /// the service is held instead of restarted; 0: never (`give-up=N`).
    pub give_up: u32,
    pub restart: RestartPolicy,
    /// A task that dies sooner than this after starting counts as a crash
    /// loop: its restart delay doubles instead of resetting.
    pub min_run_ms: u64,
    /// First restart delay, and the delay after a run of at least `min_run_ms`.
    pub backoff_base_ms: u64,
    /// The delay never grows past this.
    pub backoff_max_ms: u64,
    /// `start=boot` (true): started when the supervisor starts;
    /// `start=manual` (false): only on a `Start` request.
    pub start_at_boot: bool,
    /// Device resources the kernel grants the task, in manifest order.
    pub grants: Vec<Grant>,
    /// `files=`: initrd paths or patterns handed over as a bundle on
    /// request (see [`crate::files`]); empty if none.
    pub files: Vec<String>,
    /// What the service may ask the supervisor for beyond reading state
    /// (`allow=`; nothing by default). See [`crate::allow`].
    pub allow: Allow,
    /// `memory=SIZE`: the task's quota of anonymous and DMA memory, reserved
    /// by the kernel before the task starts; `None`: the kernel's default.
    pub memory: Option<u64>,
}

/// A manifest mistake and the 1-based line it is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ManifestError {
    pub line: usize,
    pub kind: ManifestErrorKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ManifestErrorKind {
    /// A non-blank, non-comment line that does not start with `service`.
    ExpectedService,
    /// `service` with nothing after it.
    MissingName,
    /// The name is longer than [`NAME_MAX`] bytes.
    NameTooLong,
    /// The name is empty or has a character outside `[A-Za-z0-9_.-]`.
    BadName,
    /// Another service already has this name.
    DuplicateName,
    /// More than [`MAX_SERVICES`] services.
    TooManyServices,
    /// An item is not `key=value`.
    ExpectedKeyValue,
    UnknownKey,
    /// A key other than `grant` given twice.
    DuplicateKey,
    /// No `program=`, or an empty one.
    MissingProgram,
    /// `restart` or `start` with a value it does not take.
    BadValue,
    /// A number that does not parse or does not fit.
    BadNumber,
    /// `backoff` not `BASE..MAX` with 1 <= BASE <= MAX.
    BadBackoff,
    /// A `grant` that does not parse or is out of range (see [`Grant`]).
    BadGrant,
    /// A `files` pattern that is not a relative initrd path with at most
    /// one `*` in its last component (see [`crate::files`]).
    BadFiles,
    /// An `allow` list with an unknown entitlement (see [`crate::allow`]).
    BadAllow,
    /// `memory=` not a whole number of 4 KiB pages between 4 KiB and 1 GiB.
    BadMemory,
    /// A `"` with no closing `"` on the line.
    UnterminatedQuote,
    /// A quoted value runs straight into more text (`a="x"y`).
    JunkAfterQuote,
}

impl core::fmt::Display for ManifestError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "manifest line {}: {:?}", self.line, self.kind)
    }
}

impl Manifest {
    /// Parses a whole manifest. The first mistake ends parsing.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let mut services: Vec<ServiceSpec> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let at = |kind| ManifestError {
                line: index + 1,
                kind,
            };
            let Some(spec) = parse_line(line).map_err(at)? else {
                continue;
            };
            if services.iter().any(|s| s.name == spec.name) {
                return Err(at(ManifestErrorKind::DuplicateName));
            }
            if services.len() == MAX_SERVICES {
                return Err(at(ManifestErrorKind::TooManyServices));
            }
            services.push(spec);
        }
        Ok(Manifest { services })
    }

    pub fn get(&self, name: &str) -> Option<&ServiceSpec> {
        self.services.iter().find(|s| s.name == name)
    }
}

/// One line: `Ok(None)` for a blank or comment line.
fn parse_line(line: &str) -> Result<Option<ServiceSpec>, ManifestErrorKind> {
    let items = tokenize(line)?;
    let mut items = items.into_iter();
    let Some(first) = items.next() else {
        return Ok(None);
    };
    if first != "service" {
        return Err(ManifestErrorKind::ExpectedService);
    }
    let name = items.next().ok_or(ManifestErrorKind::MissingName)?;
    check_name(&name)?;

    let mut spec = ServiceSpec {
        name,
        program: String::new(),
        args: String::new(),
        first_args: String::new(),
        fault_args: String::new(),
        give_up: 0,
        restart: RestartPolicy::Always,
        min_run_ms: DEFAULT_MIN_RUN_MS,
        backoff_base_ms: DEFAULT_BACKOFF_BASE_MS,
        backoff_max_ms: DEFAULT_BACKOFF_MAX_MS,
        start_at_boot: true,
        grants: Vec::new(),
        files: Vec::new(),
        allow: Allow::default(),
        memory: None,
    };
    // Keys seen, to refuse duplicates: program, restart, min-run, backoff,
    // start, args, allow, memory, first-args, fault-args, give-up.
    let mut seen = [false; 11];
    for item in items {
        let (key, value) = item
            .split_once('=')
            .ok_or(ManifestErrorKind::ExpectedKeyValue)?;
        let slot = match key {
            "program" => 0,
            "restart" => 1,
            "min-run" => 2,
            "backoff" => 3,
            "start" => 4,
            "args" => 5,
            "allow" => 6,
            "memory" => 7,
            "first-args" => 8,
            "fault-args" => 9,
            "give-up" => 10,
            "grant" => {
                spec.grants.push(parse_grant(value)?);
                continue;
            }
            "files" => {
                for p in value.split(',') {
                    crate::files::check_pattern(p).map_err(|_| ManifestErrorKind::BadFiles)?;
                    spec.files.push(String::from(p));
                }
                continue;
            }
            _ => return Err(ManifestErrorKind::UnknownKey),
        };
        let seen_slot = seen.get_mut(slot).ok_or(ManifestErrorKind::UnknownKey)?;
        if *seen_slot {
            return Err(ManifestErrorKind::DuplicateKey);
        }
        *seen_slot = true;
        match slot {
            0 => spec.program = String::from(value),
            1 => {
                spec.restart = match value {
                    "always" => RestartPolicy::Always,
                    "hold" => RestartPolicy::Hold,
                    _ => return Err(ManifestErrorKind::BadValue),
                }
            }
            2 => spec.min_run_ms = parse_u64(value).ok_or(ManifestErrorKind::BadNumber)?,
            3 => (spec.backoff_base_ms, spec.backoff_max_ms) = parse_backoff(value)?,
            4 => {
                spec.start_at_boot = match value {
                    "boot" => true,
                    "manual" => false,
                    _ => return Err(ManifestErrorKind::BadValue),
                }
            }
            5 => spec.args = String::from(value),
            6 => spec.allow = parse_allow(value)?,
            8 => spec.first_args = String::from(value),
            9 => spec.fault_args = String::from(value),
            10 => {
                spec.give_up = parse_u64(value)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or(ManifestErrorKind::BadNumber)?;
            }
            _ => {
                let bytes = parse_size(value)
                    .filter(|b| *b > 0 && b % 4096 == 0 && *b <= MEMORY_MAX)
                    .ok_or(ManifestErrorKind::BadMemory)?;
                spec.memory = Some(bytes);
            }
        }
    }
    if spec.program.is_empty() {
        return Err(ManifestErrorKind::MissingProgram);
    }
    Ok(Some(spec))
}

impl Manifest {
    /// Appends the kernel command line's `NAME.KEY=VALUE` words to the
    /// `args` of service NAME as `KEY=VALUE` (the Linux `module.param=`
    /// convention): how one boot's parameters reach a service without a
    /// manifest per value (`cargo xtask campaign --seed S` hands the seed
    /// to the driver host and the controller this way). Words naming no
    /// service, or with an empty key, are ignored.
    pub fn apply_cmdline(&mut self, cmdline: &str) {
        for spec in &mut self.services {
            for word in cmdline.split_ascii_whitespace() {
                let Some(rest) = word
                    .strip_prefix(spec.name.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                else {
                    continue;
                };
                if rest.split_once('=').is_none_or(|(k, _)| k.is_empty()) {
                    continue;
                }
                if !spec.args.is_empty() {
                    spec.args.push(' ');
                }
                spec.args.push_str(rest);
            }
        }
    }
}

impl ServiceSpec {
    /// The argument string for a start: `args`, plus `first-args` when this
    /// is the service's first start (`restart` false).
    pub fn args_for(&self, restart: bool) -> String {
        self.args_for_start(restart, true)
    }

    /// [`Self::args_for`], plus `fault-args` unless `requested` (a `Start`
    /// or `Restart` request has started the service since boot).
    pub fn args_for_start(&self, restart: bool, requested: bool) -> String {
        let mut out = self.args.clone();
        let mut add = |extra: &str| {
            if !extra.is_empty() {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(extra);
            }
        };
        if !restart {
            add(&self.first_args);
        }
        if !requested {
            add(&self.fault_args);
        }
        out
    }
}

fn check_name(name: &str) -> Result<(), ManifestErrorKind> {
    if name.len() > NAME_MAX {
        return Err(ManifestErrorKind::NameTooLong);
    }
    let good = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    if name.is_empty() || !name.chars().all(good) {
        return Err(ManifestErrorKind::BadName);
    }
    Ok(())
}

/// `BASE..MAX`, both numbers, 1 <= BASE <= MAX. A zero base would make every
/// restart immediate, which is the crash-loop starvation backoff exists to
/// prevent.
fn parse_backoff(value: &str) -> Result<(u64, u64), ManifestErrorKind> {
    let (base, max) = value
        .split_once("..")
        .ok_or(ManifestErrorKind::BadBackoff)?;
    let base = parse_u64(base).ok_or(ManifestErrorKind::BadNumber)?;
    let max = parse_u64(max).ok_or(ManifestErrorKind::BadNumber)?;
    if base == 0 || base > max {
        return Err(ManifestErrorKind::BadBackoff);
    }
    Ok((base, max))
}

/// Splits a line into items at unquoted whitespace, removing quotes and
/// escapes, and stops at an unquoted `#`. `key="a b"` is one item, `key=a b`.
fn tokenize(line: &str) -> Result<Vec<String>, ManifestErrorKind> {
    let mut items = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        match chars.peek() {
            None | Some('#') => return Ok(items),
            Some(_) => {}
        }
        let mut item = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
            if c != '"' {
                item.push(c);
                continue;
            }
            loop {
                match chars.next() {
                    None => return Err(ManifestErrorKind::UnterminatedQuote),
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some(e @ ('"' | '\\')) => item.push(e),
                        Some(other) => {
                            item.push('\\');
                            item.push(other);
                        }
                        None => return Err(ManifestErrorKind::UnterminatedQuote),
                    },
                    Some(other) => item.push(other),
                }
            }
            if chars.peek().is_some_and(|c| !c.is_whitespace()) {
                return Err(ManifestErrorKind::JunkAfterQuote);
            }
        }
        items.push(item);
    }
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
