//! The fault-injection campaign's host side: reading a boot's serial log
//! into injections and their outcomes, and the report (docs/campaign.md).
//! `cargo xtask campaign` and the `campaign-short` QEMU test share it.
//!
//! The guest's lines it reads (`driverhost/src/campaign.rs`,
//! `services/demo/src/bin/campaign.rs`, the supervisor, the kernel):
//!
//! - `driverhost[2.G]: campaign: injection #I of N: KIND (...)`: generation
//!   G carries injection I;
//! - `driverhost[2.G]: campaign: injection #I KIND: ...`, `fault injection:
//!   ...`, the kernel's `inject: driverhost[2.G] ...`: where, and when, it
//!   struck (the first such line; the start line if none);
//! - `... no visible effect ...; retiring`: the outcome "no effect";
//! - the kernel's `!!! TASK FAULT in driverhost[2.G]` and the supervisor's
//!   `driverhost[2.G] faulted|exited with code C|was killed`: the death;
//! - `driverhost: first I/O served`: the generation serves clients: the
//!   recovery of every earlier generation's death;
//! - `campaign: controller: ... seed S, F files in DIR`: the workload's
//!   parameters;
//! - `campaign: acked #A-#B gen=G`: writes A to B were acknowledged while
//!   the driver host's generation was G; `campaign: done: W writes
//!   acknowledged`: the total;
//! - `campaign: CORRUPT ... (write #N) ...`: a read-back that differs from
//!   its acknowledged write;
//!
//! Every acknowledged write is then checked on the disk image with
//! [`check_records`]: the records are computed from the seed
//! ([`record`], the guest's own code), so the log carries no data.
//! - the kernel's `KERNEL PANIC`: a kernel death.

use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use crate::campaign_records::{
    RecordCheck, check_image_records, check_records, describe, record,
};

/// How an injection ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// The driver host died and the next generation served I/O again.
    Recovered,
    /// The generation retired itself: nothing visible happened.
    NoEffect,
    /// The driver host died and nothing was served afterwards (the boot
    /// ended first).
    NotRecovered,
    /// The kernel died during it.
    KernelDeath,
    /// The host saw no progress for its bound, and ended the boot.
    Hang,
    /// An acknowledged write of its generation was lost or corrupted.
    DataLoss,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::Recovered,
        Outcome::NoEffect,
        Outcome::NotRecovered,
        Outcome::KernelDeath,
        Outcome::Hang,
        Outcome::DataLoss,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Recovered => "recovered",
            Outcome::NoEffect => "no effect",
            Outcome::NotRecovered => "not recovered",
            Outcome::KernelDeath => "kernel death",
            Outcome::Hang => "hang",
            Outcome::DataLoss => "data loss",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Injection {
    pub index: u64,
    pub kind: String,
    /// The driver host's generation that carried it.
    pub generation: u32,
    /// The first line saying where it struck.
    pub place: String,
    /// Log time it struck (s).
    pub struck: f64,
    /// Log time its generation logged its plan (its start, s).
    pub started: f64,
    /// The generation's driver was ready to serve (s).
    pub ready: Option<f64>,
    /// The next generation's start (s), if it is in the same boot.
    pub next_started: Option<f64>,
    /// How the generation died: "fault", "exit N", "killed".
    pub death: Option<String>,
    pub died: Option<f64>,
    /// The next generation's first I/O served, or the first acknowledged
    /// write, after the death (s).
    pub served_again: Option<f64>,
    pub outcome: Option<Outcome>,
}

impl Injection {
    /// Injection → a client served again, ms.
    pub fn recovery_ms(&self) -> Option<f64> {
        Some((self.served_again? - self.struck) * 1e3)
    }

    /// Where its generation's life went, ms, summing to its start → the
    /// next generation's start: starting (loading and compiling the
    /// driver, until it serves, or until a death before that), serving
    /// until the fault struck, the fault → the death (or the retirement),
    /// the death → the next generation's start. `None` without a next
    /// generation in the same boot.
    pub fn phases_ms(&self) -> Option<[f64; 4]> {
        let t4 = self.next_started?;
        let t3 = self.died.unwrap_or(t4).clamp(self.started, t4);
        let t1 = self.ready.unwrap_or(t3).clamp(self.started, t3);
        let t2 = self.struck.clamp(t1, t3);
        Some([t1 - self.started, t2 - t1, t3 - t2, t4 - t3].map(|s| s * 1e3))
    }
}

/// The phases of [`Injection::phases_ms`], for the report.
pub const PHASES: [&str; 4] = ["starting", "serving", "fault->death", "death->next"];

/// A run of acknowledged writes (`campaign: acked #A-#B gen=G`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AckRange {
    /// The first and last write number, inclusive.
    pub from: u64,
    pub to: u64,
    /// The driver host's generation when they were acknowledged (-1: none
    /// was running).
    pub generation: i64,
}

/// The controller's workload parameters (its start line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Workload {
    pub seed: u64,
    pub files: u32,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct BootLog {
    pub injections: Vec<Injection>,
    pub workload: Option<Workload>,
    pub acks: Vec<AckRange>,
    /// The total the controller's `campaign: done:` line gives.
    pub done_acked: Option<u64>,
    /// `campaign: CORRUPT` lines: (driver-host generation then, the write
    /// number if given, the line).
    pub corrupt: Vec<(u32, Option<u64>, String)>,
    pub kernel_died: bool,
    /// The controller's `campaign: done` line was seen.
    pub done: bool,
    /// The controller found the volume full and stopped writing.
    pub volume_full: bool,
}

impl BootLog {
    /// Writes `0..N` were acknowledged: N (every write before the highest
    /// acknowledged one was acknowledged first).
    pub fn acknowledged(&self) -> u64 {
        let ranges = self.acks.iter().map(|a| a.to + 1).max().unwrap_or(0);
        ranges.max(self.done_acked.unwrap_or(0))
    }
}

/// `[   12.345678] ...` → seconds.
pub fn stamp(line: &str) -> Option<f64> {
    crate::demos::stamp(line)
}

/// `driverhost[2.G]` anywhere in `line` → G.
fn dh_generation(line: &str, after: &str) -> Option<u32> {
    let at = line.find(after)? + after.len();
    let rest = line.get(at..)?.strip_prefix("driverhost[")?;
    let inner = rest.split(']').next()?;
    inner.split_once('.')?.1.parse().ok()
}

/// The generation of a line logged by the driver host itself.
fn from_driverhost(line: &str) -> Option<u32> {
    let at = line.find("user: driverhost[")?;
    dh_generation(line.get(at..)?, "user: ")
}

fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.split_ascii_whitespace()
        .find_map(|w| w.strip_prefix(key))
}

/// Reads one boot's log.
pub fn parse(log: &str) -> BootLog {
    let mut out = BootLog::default();
    let mut by_gen: BTreeMap<u32, usize> = BTreeMap::new();
    // The timestamp of the latest stamped line (the kernel's fault report
    // header has none: it takes the previous one's).
    let mut now = 0.0;
    let mut current_gen = 0u32;
    for line in log.lines() {
        if let Some(t) = stamp(line) {
            now = t;
        }
        if line.contains("!!! KERNEL") {
            out.kernel_died = true;
            if let Some(&i) = by_gen.get(&current_gen)
                && let Some(inj) = out.injections.get_mut(i)
                && inj.outcome.is_none()
            {
                inj.outcome = Some(Outcome::KernelDeath);
            }
            continue;
        }
        if let Some(g) = from_driverhost(line) {
            current_gen = current_gen.max(g);
            if let Some(rest) = line.split("campaign: injection #").nth(1) {
                let index = rest
                    .split(|c: char| !c.is_ascii_digit())
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let digits =
                    rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                if let Some(tail) = rest.get(digits..).and_then(|r| r.strip_prefix(" of ")) {
                    // The start line: `#I of N: KIND (...)`.
                    let kind = tail
                        .split_once(": ")
                        .map(|x| x.1)
                        .and_then(|k| k.split_ascii_whitespace().next())
                        .unwrap_or("?")
                        .to_string();
                    by_gen.insert(g, out.injections.len());
                    out.injections.push(Injection {
                        index,
                        kind,
                        generation: g,
                        place: String::new(),
                        struck: now,
                        started: now,
                        ready: None,
                        next_started: None,
                        death: None,
                        died: None,
                        served_again: None,
                        outcome: None,
                    });
                    continue;
                }
                if let Some(&i) = by_gen.get(&g)
                    && let Some(inj) = out.injections.get_mut(i)
                {
                    let what = rest.split_once(": ").map_or("", |x| x.1);
                    if what.starts_with("no visible effect") {
                        if inj.outcome.is_none() {
                            inj.outcome = Some(Outcome::NoEffect);
                        }
                        inj.death = Some("retired".into());
                        inj.died = Some(now);
                    } else if inj.place.is_empty() {
                        inj.place = what.to_string();
                        inj.struck = now;
                    }
                }
                continue;
            }
            if line.contains("driverhost: serving ") && line.contains(" ready ") {
                if let Some(&i) = by_gen.get(&g)
                    && let Some(inj) = out.injections.get_mut(i)
                {
                    inj.ready.get_or_insert(now);
                }
                continue;
            }
            if line.contains("driverhost: first I/O served ") {
                // The next generation served a client again: the recovery
                // of every earlier generation's death (the first write
                // acknowledged after it may already carry the next
                // injection, so the driver host's line is the measure).
                recover(&mut out.injections, now, g);
                continue;
            }
            if let Some(what) = line.split("driverhost: fault injection: ").nth(1)
                && let Some(&i) = by_gen.get(&g)
                && let Some(inj) = out.injections.get_mut(i)
            {
                if inj.place.is_empty() {
                    inj.place = what.to_string();
                }
                // The managed injection strikes now (the campaign's own
                // line may have come earlier, at the plan).
                inj.struck = now;
            }
            continue;
        }
        if let Some(g) = dh_generation(line, "inject: ")
            && let Some(&i) = by_gen.get(&g)
            && let Some(inj) = out.injections.get_mut(i)
        {
            inj.place = line
                .split("inject: ")
                .nth(1)
                .unwrap_or_default()
                .to_string();
            inj.struck = now;
            continue;
        }
        let death = if let Some(g) = dh_generation(line, "!!! TASK FAULT in ") {
            Some((g, "fault".to_string()))
        } else if let Some(g) = dh_generation(line, "supervisor[1.0]: ") {
            let rest = line.split("] ").last().unwrap_or_default();
            let after = line
                .split(&format!("driverhost[2.{g}] "))
                .nth(1)
                .unwrap_or(rest);
            if after.starts_with("faulted") {
                Some((g, "fault".to_string()))
            } else if let Some(c) = after.strip_prefix("exited with code ") {
                let code = c
                    .split(|ch: char| !ch.is_ascii_digit())
                    .next()
                    .unwrap_or("?");
                Some((g, format!("exit {code}")))
            } else if after.starts_with("was killed") {
                Some((g, "killed".to_string()))
            } else {
                None
            }
        } else {
            None
        };
        if let Some((g, how)) = death {
            if let Some(&i) = by_gen.get(&g)
                && let Some(inj) = out.injections.get_mut(i)
                && inj.death.is_none()
            {
                inj.death = Some(how);
                inj.died = Some(now);
            }
            continue;
        }
        if line.contains("campaign: the volume is full") {
            out.volume_full = true;
            continue;
        }
        if let Some(rest) = line.split("campaign: done: ").nth(1) {
            out.done = true;
            out.done_acked = rest
                .split_ascii_whitespace()
                .next()
                .and_then(|n| n.parse().ok());
            continue;
        }
        if let Some(rest) = line.split("campaign: CORRUPT ").nth(1) {
            let write = rest
                .split("(write #")
                .nth(1)
                .and_then(|r| r.split(')').next())
                .and_then(|n| n.parse().ok());
            out.corrupt.push((current_gen, write, line.to_string()));
            continue;
        }
        if let Some(rest) = line.split("campaign: controller: ").nth(1) {
            let seed = rest
                .split("seed ")
                .nth(1)
                .and_then(|r| r.split(',').next())
                .and_then(|n| n.trim().parse().ok());
            let files = rest
                .split(", ")
                .find(|w| w.contains(" files in "))
                .and_then(|w| w.split_ascii_whitespace().next())
                .and_then(|n| n.parse().ok());
            if let (Some(seed), Some(files)) = (seed, files) {
                out.workload = Some(Workload { seed, files });
            }
            continue;
        }
        if let Some(rest) = line.split("campaign: acked #").nth(1) {
            let mut w = rest.split_ascii_whitespace();
            let range = w.next().and_then(|r| r.split_once("-#"));
            let from = range.and_then(|r| r.0.parse().ok());
            let to = range.and_then(|r| r.1.parse().ok());
            let generation = field(rest, "gen=").and_then(|g| g.parse().ok());
            if let (Some(from), Some(to), Some(generation)) = (from, to, generation) {
                out.acks.push(AckRange {
                    from,
                    to,
                    generation,
                });
            }
        }
    }
    let starts: BTreeMap<u64, f64> = out
        .injections
        .iter()
        .map(|i| (i.index, i.started))
        .collect();
    for inj in &mut out.injections {
        inj.next_started = starts.get(&(inj.index + 1)).copied();
    }
    for inj in &mut out.injections {
        if inj.outcome.is_none() && inj.died.is_some() {
            inj.outcome = Some(Outcome::NotRecovered);
        }
    }
    for (g, _, _) in &out.corrupt {
        if let Some(&i) = by_gen.get(g)
            && let Some(inj) = out.injections.get_mut(i)
        {
            inj.outcome = Some(Outcome::DataLoss);
        }
    }
    out
}

/// Injections of generations before `generation` that died by `now` and
/// have no outcome yet: recovered at `now`.
fn recover(injections: &mut [Injection], now: f64, generation: u32) {
    for inj in injections {
        if inj.served_again.is_none()
            && inj.outcome.is_none()
            && inj.died.is_some_and(|d| d <= now)
            && generation > inj.generation
        {
            inj.served_again = Some(now);
            inj.outcome = Some(Outcome::Recovered);
        }
    }
}

/// Marks injections of generation `g` as having lost data (a write the
/// host found wrong on the image).
pub fn mark_data_loss(injections: &mut [Injection], generation: u32) {
    for inj in injections.iter_mut().filter(|i| i.generation == generation) {
        inj.outcome = Some(Outcome::DataLoss);
    }
}

/// The driver-host generation under which write `n` was acknowledged.
pub fn generation_of(acks: &[AckRange], n: u64) -> Option<i64> {
    acks.iter()
        .find(|a| (a.from..=a.to).contains(&n))
        .map(|a| a.generation)
}

/// `q`-quantile (0..=1) of `v` by nearest rank; 0 for an empty slice.
pub fn quantile(v: &[f64], q: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    if s.is_empty() {
        return 0.0;
    }
    let rank = ((q * s.len() as f64).ceil() as usize).clamp(1, s.len());
    s[rank - 1]
}

/// Everything the report says.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub injections: Vec<Injection>,
    /// Acknowledged writes the image or a read-back found wrong.
    pub lost_writes: usize,
    /// What was checked on the image, in words.
    pub image_checks: Vec<String>,
    pub kernel_deaths: usize,
    pub hangs: usize,
    pub wall_s: f64,
    pub boots: usize,
}

impl Summary {
    pub fn count(&self, o: Outcome) -> usize {
        self.injections
            .iter()
            .filter(|i| i.outcome == Some(o))
            .count()
    }

    pub fn recovery_times(&self) -> Vec<f64> {
        self.injections
            .iter()
            .filter(|i| i.outcome == Some(Outcome::Recovered))
            .filter_map(Injection::recovery_ms)
            .collect()
    }

    fn kinds(&self) -> Vec<String> {
        let mut k: Vec<String> = self.injections.iter().map(|i| i.kind.clone()).collect();
        k.sort();
        k.dedup();
        k
    }

    /// Recovered / (injections that were not "no effect").
    pub fn recovery_rate(&self) -> f64 {
        let effective = self.injections.len() - self.count(Outcome::NoEffect);
        if effective == 0 {
            return 1.0;
        }
        self.count(Outcome::Recovered) as f64 / effective as f64
    }

    /// The one-page text, ending with the lines a script reads.
    pub fn text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "fault-injection campaign: {} injections in {} boot(s), {:.0} s",
            self.injections.len(),
            self.boots,
            self.wall_s
        );
        let _ = write!(s, "{:<16}", "kind");
        for o in Outcome::ALL {
            let _ = write!(s, " {:>13}", o.name());
        }
        let _ = writeln!(s, " {:>10} {:>10} {:>10}", "median ms", "p99 ms", "max ms");
        for k in self.kinds() {
            let of: Vec<&Injection> = self.injections.iter().filter(|i| i.kind == k).collect();
            let _ = write!(s, "{k:<16}");
            for o in Outcome::ALL {
                let n = of.iter().filter(|i| i.outcome == Some(o)).count();
                let _ = write!(s, " {n:>13}");
            }
            let t: Vec<f64> = of
                .iter()
                .filter(|i| i.outcome == Some(Outcome::Recovered))
                .filter_map(|i| i.recovery_ms())
                .collect();
            let _ = writeln!(
                s,
                " {:>10.0} {:>10.0} {:>10.0}",
                quantile(&t, 0.5),
                quantile(&t, 0.99),
                quantile(&t, 1.0)
            );
        }
        let t = self.recovery_times();
        let _ = writeln!(
            s,
            "recovery (injection -> the next driver host serves a client), {} recoveries: median {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            t.len(),
            quantile(&t, 0.5),
            quantile(&t, 0.99),
            quantile(&t, 1.0)
        );
        let _ = writeln!(
            s,
            "recovery rate (recovered / injections with an effect): {:.1} %",
            self.recovery_rate() * 100.0
        );
        s.push_str(&self.phase_table());
        for c in &self.image_checks {
            let _ = writeln!(s, "{c}");
        }
        let _ = writeln!(s, "no effect: {}", self.count(Outcome::NoEffect));
        let _ = writeln!(s, "not recovered: {}", self.count(Outcome::NotRecovered));
        // The last five lines, exactly as the issue names them.
        let _ = writeln!(s, "injections: {}", self.injections.len());
        let _ = writeln!(s, "recovered: {}", self.count(Outcome::Recovered));
        let _ = writeln!(s, "kernel deaths: {}", self.kernel_deaths);
        let _ = writeln!(s, "hangs: {}", self.hangs);
        let _ = writeln!(s, "lost or corrupted writes: {}", self.lost_writes);
        s
    }

    /// Where an injection's time goes, by kind: the mean of each of
    /// [`PHASES`] (guest clock), and their sum.
    pub fn phase_table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "where an injection's time goes (mean ms by the guest's clock; starting = loading and compiling the driver):"
        );
        let _ = write!(s, "{:<16} {:>5}", "kind", "n");
        for p in PHASES {
            let _ = write!(s, " {p:>13}");
        }
        let _ = writeln!(s, " {:>13}", "total");
        let mut kinds = self.kinds();
        kinds.push("all".to_string());
        for k in kinds {
            let p: Vec<[f64; 4]> = self
                .injections
                .iter()
                .filter(|i| k == "all" || i.kind == k)
                .filter_map(Injection::phases_ms)
                .collect();
            if p.is_empty() {
                continue;
            }
            let n = p.len() as f64;
            let _ = write!(s, "{k:<16} {:>5}", p.len());
            let mut total = 0.0;
            for j in 0..4 {
                let m = p.iter().map(|x| x[j]).sum::<f64>() / n;
                total += m;
                let _ = write!(s, " {m:>13.0}");
            }
            let _ = writeln!(s, " {total:>13.0}");
        }
        s
    }

    /// A self-contained HTML page: an SVG chart of the recovery times (one
    /// dot per recovered injection, in order) and the table by kind.
    pub fn html(&self) -> String {
        let esc = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        };
        let (w, h, pad) = (900.0, 300.0, 40.0);
        let recovered: Vec<(usize, f64, &str)> = self
            .injections
            .iter()
            .enumerate()
            .filter(|(_, i)| i.outcome == Some(Outcome::Recovered))
            .filter_map(|(n, i)| Some((n, i.recovery_ms()?, i.kind.as_str())))
            .collect();
        let max = recovered.iter().map(|r| r.1).fold(1.0, f64::max);
        let n = self.injections.len().max(1) as f64;
        let kinds = self.kinds();
        let colour = |k: &str| {
            let i = kinds.iter().position(|x| x == k).unwrap_or(0);
            [
                "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                "#7f7f7f", "#bcbd22", "#17becf",
            ][i % 10]
        };
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n<line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>\n<text x=\"{pad}\" y=\"{}\">0</text><text x=\"2\" y=\"{}\">{:.0} ms</text>\n<text x=\"{}\" y=\"{}\">injection (in order)</text>\n",
            h - pad,
            w - 10.0,
            h - pad,
            h - pad,
            h - pad + 14.0,
            pad - 4.0,
            max,
            w / 2.0,
            h - 8.0
        );
        for (i, ms, k) in &recovered {
            let x = pad + (*i as f64 + 0.5) / n * (w - pad - 10.0);
            let y = h - pad - ms / max * (h - 2.0 * pad);
            let _ = writeln!(
                svg,
                "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"2.5\" fill=\"{}\"><title>{} {ms:.0} ms</title></circle>",
                colour(k),
                esc(k)
            );
        }
        for (j, k) in kinds.iter().enumerate() {
            let _ = writeln!(
                svg,
                "<rect x=\"{}\" y=\"{}\" width=\"8\" height=\"8\" fill=\"{}\"/><text x=\"{}\" y=\"{}\">{}</text>",
                w - 130.0,
                10.0 + j as f64 * 13.0,
                colour(k),
                w - 118.0,
                18.0 + j as f64 * 13.0,
                esc(k)
            );
        }
        svg.push_str("</svg>\n");
        let mut table = String::from("<table border=\"1\" cellpadding=\"3\"><tr><th>kind</th>");
        for o in Outcome::ALL {
            let _ = write!(table, "<th>{}</th>", o.name());
        }
        table.push_str("<th>median ms</th><th>p99 ms</th><th>max ms</th></tr>\n");
        for k in &kinds {
            let of: Vec<&Injection> = self.injections.iter().filter(|i| &i.kind == k).collect();
            let _ = write!(table, "<tr><td>{}</td>", esc(k));
            for o in Outcome::ALL {
                let c = of.iter().filter(|i| i.outcome == Some(o)).count();
                let _ = write!(table, "<td>{c}</td>");
            }
            let t: Vec<f64> = of
                .iter()
                .filter(|i| i.outcome == Some(Outcome::Recovered))
                .filter_map(|i| i.recovery_ms())
                .collect();
            let _ = writeln!(
                table,
                "<td>{:.0}</td><td>{:.0}</td><td>{:.0}</td></tr>",
                quantile(&t, 0.5),
                quantile(&t, 0.99),
                quantile(&t, 1.0)
            );
        }
        table.push_str("</table>\n");
        let mut rows = String::from(
            "<table border=\"1\" cellpadding=\"2\"><tr><th>#</th><th>kind</th><th>where</th><th>death</th><th>outcome</th><th>recovery ms</th></tr>\n",
        );
        for i in &self.injections {
            let _ = writeln!(
                rows,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                i.index,
                esc(&i.kind),
                esc(&i.place),
                esc(i.death.as_deref().unwrap_or("-")),
                i.outcome.map_or("?", Outcome::name),
                i.recovery_ms()
                    .map_or("-".to_string(), |m| format!("{m:.0}"))
            );
        }
        rows.push_str("</table>\n");
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Cordon fault-injection campaign</title></head><body>\n<h1>Cordon fault-injection campaign</h1>\n<pre>{}</pre>\n<h2>Recovery time per injection</h2>\n{svg}<h2>By fault kind</h2>\n{table}<h2>Every injection</h2>\n{rows}</body></html>\n",
            esc(&self.text())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
[    0.149724] INFO  user: driverhost[2.0]: campaign: injection #0 of 4: ldfld (after 0 requests, seed 0x9)
!!! TASK FAULT in driverhost[2.0]: #PF Page Fault (vector 14)
[    1.170189] INFO  user: supervisor[1.0]: driverhost[2.0] faulted (vector 14, RIP=0x2, CR2=0x300) in X
[    1.211778] INFO  user: driverhost[2.1]: campaign: injection #1 of 4: bitflip (after 30 requests, seed 0xd)
[    1.300000] INFO  user: campaign[5.0]: campaign: controller: 4 injections, seed 9, 8 files in /campaign
[    2.600000] INFO  user: driverhost[2.1]: driverhost: first I/O served 1300 ms after the driver host started; 12 methods
[    2.610000] INFO  user: campaign[5.0]: campaign: acked #0-#4 gen=1
[    2.622929] INFO  user: driverhost[2.1]: campaign: injection #1 bitflip: M+0x73 of 0x112 bit 3 (0x10 -> 0x18) at 0x2
[    2.659752] INFO  user: driverhost[2.1]: campaign: injection #1 bitflip: no visible effect after 32 more requests; retiring this generation
[    2.663305] INFO  user: supervisor[1.0]: driverhost[2.1] exited with code 75; restarting in 1 ms
[    2.690294] INFO  user: driverhost[2.2]: campaign: injection #2 of 4: hang (after 32 requests, seed 0xdc)
[    6.210743] INFO  user: driverhost[2.2]: driverhost: fault injection: hang after 32 requests (1 requests in flight): spinning
[    9.220231] INFO  user: supervisor[1.0]: driverhost[2.2] was killed; restarting in 0 ms
[    9.249450] INFO  user: driverhost[2.3]: campaign: injection #3 of 4: register (after 0 requests, seed 0x2f)
[    9.260000] INFO  user: driverhost[2.3]: driverhost: first I/O served 10 ms after the driver host started
[    9.300000] WARN  inject: driverhost[2.3] RIP bit 13 at rip=0x2 seed 3, 205 instructions after the interrupt
[   10.000000] INFO  user: campaign[5.0]: campaign: acked #5-#9 gen=3
[   10.100000] INFO  user: campaign[5.0]: campaign: CORRUPT /campaign/f002.bin record 1 (write #10) before appending: ...
";

    #[test]
    fn a_log_becomes_injections_and_outcomes() {
        let b = parse(LOG);
        assert_eq!(b.injections.len(), 4);
        let i0 = &b.injections[0];
        assert_eq!(
            (i0.kind.as_str(), i0.death.as_deref()),
            ("ldfld", Some("fault"))
        );
        assert_eq!(i0.outcome, Some(Outcome::Recovered));
        assert!((i0.recovery_ms().unwrap() - (2.6 - 0.149724) * 1e3).abs() < 1e-6);
        let i1 = &b.injections[1];
        assert_eq!(i1.outcome, Some(Outcome::NoEffect));
        let p = i1.phases_ms().unwrap();
        assert!((p.iter().sum::<f64>() - (2.690294 - 1.211778) * 1e3).abs() < 1e-6);
        assert!((p[3] - (2.690294 - 2.659752) * 1e3).abs() < 1e-6, "{p:?}");
        assert!(b.injections[3].phases_ms().is_none());
        assert!(i1.place.starts_with("M+0x73"));
        let i2 = &b.injections[2];
        assert_eq!(i2.death.as_deref(), Some("killed"));
        assert_eq!(i2.outcome, Some(Outcome::Recovered));
        // From the spin, not the plan: the watchdog's 3 s are in it; to
        // the next generation's first I/O.
        assert!((i2.recovery_ms().unwrap() - (9.26 - 6.210743) * 1e3).abs() < 1e-6);
        // The register injection fired but the generation neither died nor
        // retired, and a corrupt read-back happened in its generation.
        let i3 = &b.injections[3];
        assert!(i3.place.contains("RIP bit 13"));
        assert_eq!(i3.outcome, Some(Outcome::DataLoss));
        assert_eq!(
            b.acks,
            [
                AckRange {
                    from: 0,
                    to: 4,
                    generation: 1
                },
                AckRange {
                    from: 5,
                    to: 9,
                    generation: 3
                }
            ]
        );
        assert_eq!(b.acknowledged(), 10);
        assert_eq!(generation_of(&b.acks, 7), Some(3));
        assert_eq!(b.workload, Some(Workload { seed: 9, files: 8 }));
        assert_eq!(b.corrupt.len(), 1);
        assert_eq!(b.corrupt[0].1, Some(10));
        assert!(!b.kernel_died && !b.done);
    }

    #[test]
    fn a_death_without_a_later_write_is_not_recovered() {
        let log = "\
[    1.0] x
[    1.000000] INFO  user: driverhost[2.4]: campaign: injection #4 of 9: oom (after 3 requests, seed 0x1)
[    2.000000] INFO  user: supervisor[1.0]: driverhost[2.4] exited with code 70; restarting in 1 ms
";
        let b = parse(log);
        assert_eq!(b.injections[0].death.as_deref(), Some("exit 70"));
        assert_eq!(b.injections[0].outcome, Some(Outcome::NotRecovered));
    }

    #[test]
    fn a_kernel_panic_is_a_kernel_death() {
        let log = "\
[    1.000000] INFO  user: driverhost[2.0]: campaign: injection #0 of 9: register (after 3 requests, seed 0x1)
!!! KERNEL PANIC: at somewhere
";
        let b = parse(log);
        assert!(b.kernel_died);
        assert_eq!(b.injections[0].outcome, Some(Outcome::KernelDeath));
    }

    #[test]
    fn the_report_ends_with_the_script_lines() {
        let mut s = Summary {
            injections: parse(LOG).injections,
            boots: 1,
            ..Summary::default()
        };
        s.lost_writes = 1;
        let text = s.text();
        let tail: Vec<&str> = text.lines().rev().take(7).collect();
        assert_eq!(
            tail,
            [
                "lost or corrupted writes: 1",
                "hangs: 0",
                "kernel deaths: 0",
                "recovered: 2",
                "injections: 4",
                "not recovered: 0",
                "no effect: 1"
            ]
        );
        assert!(text.contains("ldfld"), "{text}");
        assert!(
            text.contains("where an injection's time goes") && text.contains("fault->death"),
            "{text}"
        );
        let html = s.html();
        assert!(
            html.contains("<svg") && html.contains("<td>hang</td>"),
            "{html}"
        );
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.5), 2.0);
        assert_eq!(quantile(&[3.0, 1.0, 2.0], 0.99), 3.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
    }
}
