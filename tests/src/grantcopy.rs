//! Judging `grant-revoke-race` (`services/demo/src/bin/grantrace.rs`): a
//! grant's owner revokes it while the grantee copies it with
//! `GrantRead`/`GrantWrite`; the grantee must answer typed errors and keep
//! serving, never fault.

/// The owner logged `PASS` (the server answered every request and the
/// final count request, saw grants revoked mid-copy, answered a revoked
/// grant with `NoSuchGrant`, never copied a wrong byte), and no task
/// faulted.
pub fn judge_race(s: &str) -> Result<(), String> {
    if s.contains("!!! TASK FAULT") {
        return Err("a task faulted".into());
    }
    if s.contains("!!! KERNEL") {
        return Err("the kernel died".into());
    }
    if s.contains("grantrace: FAIL") {
        return Err("grantrace reported FAIL".into());
    }
    if !s.contains("grantrace: PASS") {
        return Err("grantrace never passed".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSED: &str = "[    1.2] INFO  grantrace-owner: grantrace: 120 rounds (60 answered in time, 30 abandoned, 30 revoked first and answered NoSuchGrant): server copied 70 in full, 30 revoked before, 20 revoked mid-copy, 0 wrong bytes, 0 other errors\n\
        [    1.3] INFO  grantrace-owner: grantrace: PASS\n";

    #[test]
    fn a_pass_passes_and_a_fault_or_fail_does_not() {
        assert_eq!(judge_race(PASSED), Ok(()));
        let faulted = format!("{PASSED}!!! TASK FAULT in grantrace-server[3]: page fault\n");
        assert!(judge_race(&faulted).is_err());
        assert!(judge_race("grantrace: FAIL\n").is_err());
        assert!(judge_race("").is_err());
    }
}
