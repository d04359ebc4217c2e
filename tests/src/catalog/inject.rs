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
pub(super) fn judge_inject_register(s: &str) -> Result<(), String> {
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
    need(s, "50/50 calls to echo verified, 0 reconnects, 0 errors")?;
    need(s, "powering off")?;
    kernel_survived(s)
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
        assert!(judge_inject_register(&s).is_err());
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
