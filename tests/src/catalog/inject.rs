//! Judges of the register fault injection tests (`docs/faultinject.md`).

use crate::judge::{kernel_survived, need, refuse};

/// `(generation, line number)` of each kernel injection line for `name`
/// (`WARN  inject: NAME[i.g] REG bit B at rip=…`).
fn injections(s: &str, name: &str) -> Vec<(u32, usize)> {
    let key = format!(" inject: {name}[");
    s.lines()
        .enumerate()
        .filter_map(|(n, l)| Some((generation(l.split_once(&key)?.1)?, n)))
        .collect()
}

/// `(generation, line number)` of each kernel death line for `name`.
fn deaths(s: &str, name: &str) -> Vec<(u32, usize)> {
    let key = format!("task {name}[");
    s.lines()
        .enumerate()
        .filter(|(_, l)| l.contains("] ended: "))
        .filter_map(|(n, l)| Some((generation(l.split_once(&key)?.1)?, n)))
        .collect()
}

/// The generation in `i.g]…`.
fn generation(rest: &str) -> Option<u32> {
    let (id, _) = rest.split_once(']')?;
    id.split_once('.')?.1.parse().ok()
}

pub(super) const INJECTIONS: usize = 30;

/// `tfsetter`, a task the injection does not target, set TF on itself and
/// was ended by the kernel with a #DB report — with `inject=` on as
/// without it (the facility forgives only its own target's traps).
fn tfsetter_faulted(s: &str) -> Result<(), String> {
    need(s, "tfsetter: setting RFLAGS.TF")?;
    refuse(s, "tfsetter: FAIL")?;
    if !s
        .lines()
        .any(|l| l.contains("TASK FAULT in tfsetter[") && l.contains("(vector 1)"))
    {
        return Err("tfsetter's TF was not reported as a #DB fault".into());
    }
    if !s
        .lines()
        .any(|l| l.contains("task tfsetter[") && l.contains("] ended: Faulted"))
    {
        return Err("tfsetter was not ended as faulted".into());
    }
    Ok(())
}

/// inject-register: 30 injections logged by the kernel, each victim death
/// caused by one (no death without an injection into that generation), the
/// victim restarted, the refusals checked, echo still answering.
pub(super) fn judge_inject_register(log: &str) -> Result<(), String> {
    // The flood after the 30 is judged on its own; the rules below hold
    // for the part before it.
    let Some(at) = log.find(FLOOD_START) else {
        return Err(format!("serial output lacks {FLOOD_START:?}"));
    };
    // Split at the start of the marker's line, so the flood starts with
    // its stamp.
    let line_start = log
        .get(..at)
        .and_then(|h| h.rfind('\n'))
        .map_or(0, |n| n + 1);
    let (s, flood) = log.split_at(line_start);
    need(
        s,
        "register fault injection is ON for tasks named \"injvictim\"",
    )?;
    need(s, "injector: refusals checked")?;
    refuse(s, "injector: FAIL")?;
    need(s, &format!("injector: {INJECTIONS} injections fired: "))?;
    need(s, "stale id refused: true")?;
    // One kernel line per injection. A death later than the injector's
    // watch (a slow host) takes the next injection, already armed, with
    // it; such a loss is rare, and two in one run would point at a bug.
    let inj = injections(s, "injvictim");
    if !(INJECTIONS - 2..=INJECTIONS).contains(&inj.len()) {
        return Err(format!(
            "{} kernel injection lines, expected {INJECTIONS}",
            inj.len()
        ));
    }
    // The single-stepping spreads the flips over the loop's code; without
    // it TCG delivers every tick at one or two block starts.
    let mut rips: Vec<&str> = s
        .lines()
        .filter(|l| l.contains(" inject: injvictim["))
        .filter_map(|l| l.split_once("at rip=")?.1.split_whitespace().next())
        .collect();
    rips.sort_unstable();
    rips.dedup();
    if rips.len() < 6 {
        return Err(format!(
            "injections landed at only {} distinct instructions",
            rips.len()
        ));
    }
    let died = deaths(s, "injvictim");
    for &(g, at) in &died {
        if !inj.iter().any(|&(ig, n)| ig == g && n < at) {
            return Err(format!(
                "injvictim generation {g} died without an injection"
            ));
        }
    }
    // Ten RIP flips alone all but surely end a few generations.
    if died.len() < 3 {
        return Err(format!(
            "only {} victim deaths in {INJECTIONS} injections",
            died.len()
        ));
    }
    let last = inj.iter().map(|&(g, _)| g).max().unwrap_or(0);
    if last < 3 {
        return Err(format!(
            "injections reached only generation {last}: the victim was not restarted"
        ));
    }
    tfsetter_faulted(s)?;
    judge_flood(flood)?;
    need(log, "50/50 calls to echo verified, 0 reconnects, 0 errors")?;
    need(log, "powering off")?;
    kernel_survived(log)
}

const FLOOD: u64 = 150;
const FLOOD_START: &str = "injector: flood of 150 injections starts";

/// The uptime stamp `[   1.234567]` of a line, in seconds.
fn stamp(line: &str) -> Option<f64> {
    line.strip_prefix('[')?
        .split_once(']')?
        .0
        .trim()
        .parse()
        .ok()
}

/// The flood: 150 injections armed back to back. The kernel logs a burst
/// of 32 and then about 10 a second; the rest shows in
/// `(K more injections not logged)` lines, so logged + counted covers
/// every injection that fired (one armed while the victim was dying goes
/// with it, unfired: at least half fire).
fn judge_flood(s: &str) -> Result<(), String> {
    need(s, "injector: flood of 150 injections done")?;
    refuse(s, "injector: FAIL")?;
    let lines: Vec<&str> = s.lines().collect();
    let logged = lines
        .iter()
        .filter(|l| l.contains(" inject: injvictim["))
        .count() as u64;
    let counted: u64 = lines
        .iter()
        .filter_map(|l| {
            let rest = l.split_once(" inject: (")?.1;
            let (k, tail) = rest.split_once(' ')?;
            tail.starts_with("more injections not logged)")
                .then(|| k.parse::<u64>().ok())
                .flatten()
        })
        .sum();
    if counted == 0 {
        return Err(format!(
            "a flood of {FLOOD} injections logged {logged} lines and held none back"
        ));
    }
    if !(FLOOD / 2..=FLOOD).contains(&(logged + counted)) {
        return Err(format!(
            "{logged} logged + {counted} counted injections of a flood of {FLOOD}"
        ));
    }
    let first = lines.first().and_then(|l| stamp(l)).unwrap_or(0.0);
    let last = lines
        .iter()
        .find(|l| l.contains("injections done"))
        .and_then(|l| stamp(l))
        .unwrap_or(first);
    let allowed = 32.0 + 10.0 * (last - first) + 2.0;
    if logged as f64 > allowed {
        return Err(format!(
            "{logged} injection lines in {:.1} s of flood: the rate limit allows {allowed:.0}",
            last - first
        ));
    }
    Ok(())
}

/// inject-off: without `inject=` the call is refused and nothing fires.
pub(super) fn judge_inject_off(s: &str) -> Result<(), String> {
    need(
        s,
        "injector: refused without inject= on the command line: PermissionDenied",
    )?;
    refuse(s, "register fault injection is ON")?;
    refuse(s, "injector: FAIL")?;
    if !injections(s, "injvictim").is_empty() {
        return Err("an injection fired without inject=".into());
    }
    tfsetter_faulted(s)?;
    need(s, "5/5 calls to echo verified")?;
    need(s, "powering off")?;
    kernel_survived(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deaths_must_follow_an_injection_into_their_generation() {
        let inj = "[ 1.0] WARN  inject: injvictim[1.0] RBX bit 3 at rip=0x1 (0x0 -> 0x8) seed 1\n";
        let death =
            "[ 1.1] INFO  task::lifecycle: task injvictim[1.0] ended: Faulted (code 0), ran 5 ms\n";
        let stray =
            "[ 1.2] INFO  task::lifecycle: task injvictim[1.1] ended: Exited (code 3), ran 5 ms\n";
        let s = format!("{inj}{death}{stray}");
        assert_eq!(injections(&s, "injvictim"), vec![(0, 0)]);
        assert_eq!(deaths(&s, "injvictim"), vec![(0, 1), (1, 2)]);
        let e = judge_inject_register(&format!("{s}[ 2.0] {FLOOD_START}\n"));
        assert!(e.is_err());
    }

    #[test]
    fn a_swallowed_trap_of_another_task_fails() {
        let ok = "[ 1.0] INFO  user: tfsetter[7.0]: tfsetter: setting RFLAGS.TF\n\
                  !!! TASK FAULT in tfsetter[7.0]: #DB Debug (vector 1)\n\
                  [ 1.1] INFO  task::lifecycle: task tfsetter[7.0] ended: Faulted (code 0), ran 1 ms\n";
        assert_eq!(tfsetter_faulted(ok), Ok(()));
        let swallowed = "[ 1.0] INFO  user: tfsetter[7.0]: tfsetter: setting RFLAGS.TF\n\
                         [ 1.0] INFO  user: tfsetter[7.0]: tfsetter: FAIL still running\n\
                         [ 1.1] INFO  task::lifecycle: task tfsetter[7.0] ended: Exited (code 1), ran 1 ms\n";
        assert!(tfsetter_faulted(swallowed).is_err());
    }
}
