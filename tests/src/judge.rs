//! What every judge is built from: a text the serial log must hold, one it
//! must not, and the checks all of them end with. One copy, so that every
//! judge words its findings the same way.

/// `s` holds `what`.
pub fn need(s: &str, what: &str) -> Result<(), String> {
    if s.contains(what) {
        Ok(())
    } else {
        Err(format!("serial output lacks {what:?}"))
    }
}

/// `s` does not hold `what`.
pub fn refuse(s: &str, what: &str) -> Result<(), String> {
    if s.contains(what) {
        Err(format!("serial output should not contain {what:?}"))
    } else {
        Ok(())
    }
}

/// No kernel fault, panic or halt anywhere in the log.
pub fn kernel_survived(s: &str) -> Result<(), String> {
    refuse(s, "!!! KERNEL")
}

/// No program reported `FAIL` and the kernel lived.
pub fn no_fail(s: &str) -> Result<(), String> {
    if s.contains("FAIL") {
        return Err("serial output contains FAIL".into());
    }
    kernel_survived(s)
}

/// The supervisor's line for the first driver host's (`driverhost[2.0]`)
/// page fault.
pub fn first_driverhost_fault(s: &str) -> Result<&str, String> {
    s.lines()
        .find(|l| l.contains("driverhost[2.0] faulted (vector 14, RIP="))
        .ok_or_else(|| "no supervisor line for driverhost[2.0]'s fault".into())
}

/// Exactly one task faulted in the whole boot (the one the test made
/// fault).
pub fn one_task_fault(s: &str) -> Result<(), String> {
    match s.matches("!!! TASK FAULT in ").count() {
        1 => Ok(()),
        n => Err(format!(
            "{n} task faults, want exactly the one driver host's"
        )),
    }
}

/// The number of lines of `s` that contain `what`.
pub fn count_lines(s: &str, what: &str) -> usize {
    s.lines().filter(|l| l.contains(what)).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_fails_on_its_own_finding() {
        assert_eq!(need("a PASS b", "PASS"), Ok(()));
        assert!(need("a b", "PASS").is_err());
        assert_eq!(refuse("a b", "panic"), Ok(()));
        assert!(refuse("a panic b", "panic").is_err());
        assert_eq!(no_fail("x: PASS\n"), Ok(()));
        assert!(no_fail("x: FAIL\n").is_err());
        assert!(no_fail("!!! KERNEL PANIC\n").is_err());
        assert_eq!(count_lines("a x\nb\nc x x\n", "x"), 2);
    }
}
