use super::*;
use alloc::vec::Vec;

const FAULT: ExitCause = ExitCause::Exited(1);

fn always() -> ServicePolicy {
    // min-run 1000, backoff 50..5000: the manifest defaults.
    ServicePolicy::from_parts(RestartPolicy::Always, 1000, 50, 5000)
}

/// Runs a crash loop: each start dies `run_ms` later, each restart happens
/// when due. Returns the delays chosen.
fn crash_loop(p: &mut ServicePolicy, mut now: u64, deaths: usize, run_ms: u64) -> Vec<u64> {
    let mut delays = Vec::new();
    for _ in 0..deaths {
        p.on_started(now);
        now += run_ms;
        match p.on_death(now, FAULT) {
            Decision::RestartAt(at) => {
                delays.push(at - now);
                assert!(!p.due(at - 1));
                assert!(p.due(at));
                now = at;
            }
            other => panic!("{other:?}"),
        }
    }
    delays
}

#[test]
fn a_crash_loop_backs_off_exponentially_up_to_the_cap() {
    let mut p = always();
    let delays = crash_loop(&mut p, 0, 10, 5);
    assert_eq!(
        delays,
        [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]
    );
    assert_eq!(p.restarts(), 9);
}

#[test]
fn a_healthy_run_resets_the_delay() {
    let mut p = always();
    assert_eq!(crash_loop(&mut p, 0, 4, 5), [50, 100, 200, 400]);
    // Runs exactly min-run: healthy.
    let now = 10_000;
    p.on_started(now);
    assert_eq!(
        p.on_death(now + 1000, FAULT),
        Decision::RestartAt(now + 1050)
    );
    // And a crash right after starts doubling from base again.
    assert_eq!(crash_loop(&mut p, now + 1050, 3, 1), [100, 200, 400]);
}

#[test]
fn one_ms_short_of_min_run_is_a_crash() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.on_death(10, FAULT), Decision::RestartAt(60));
    p.on_started(60);
    assert_eq!(
        p.on_death(60 + 999, FAULT),
        Decision::RestartAt(60 + 999 + 100)
    );
}

#[test]
fn hold_holds_and_keeps_the_cause() {
    let mut p = ServicePolicy::from_parts(RestartPolicy::Hold, 1000, 50, 5000);
    assert_eq!(p.request_start(0), Ok(Action::None));
    assert!(p.due(0));
    p.on_started(0);
    assert_eq!(p.on_death(5000, ExitCause::Killed), Decision::Hold);
    assert_eq!(p.phase(), Phase::Held);
    assert!(!p.due(u64::MAX));
    assert_eq!(p.wake_at(), None);
    assert_eq!(p.last_exit(), Some(ExitCause::Killed));
    assert_eq!(p.wire_state(), ServiceState::Held);
    // A Start request revives it.
    assert_eq!(p.request_start(6000), Ok(Action::None));
    assert!(p.due(6000));
    p.on_started(6000);
    assert_eq!(p.restarts(), 1);
}

#[test]
fn boot_and_manual_start() {
    let spec = |start_at_boot| ServiceSpec {
        name: "a".into(),
        program: "p".into(),
        args: "".into(),
        first_args: String::new(),
        fault_args: String::new(),
        give_up: 0,
        restart: RestartPolicy::Always,
        min_run_ms: 1000,
        backoff_base_ms: 50,
        backoff_max_ms: 5000,
        start_at_boot,
        grants: Vec::new(),
        files: Vec::new(),
        allow: Default::default(),
        memory: None,
    };
    let boot = ServicePolicy::new(&spec(true));
    assert!(boot.due(0));
    assert_eq!(boot.wake_at(), Some(0));
    let manual = ServicePolicy::new(&spec(false));
    assert!(!manual.due(u64::MAX));
    assert_eq!(manual.phase(), Phase::Stopped);
    assert_eq!(manual.wire_state(), ServiceState::Stopped);
    assert_eq!(manual.restarts(), 0);
}

#[test]
fn stop_kills_and_does_not_restart() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.request_start(1), Err(SupervisorError::AlreadyRunning));
    assert_eq!(p.request_stop(), Ok(Action::Kill));
    assert_eq!(p.wire_state(), ServiceState::Running);
    assert_eq!(p.on_death(5, ExitCause::Killed), Decision::Stopped);
    assert_eq!(p.phase(), Phase::Stopped);
    assert!(!p.due(u64::MAX));
    assert_eq!(p.request_stop(), Err(SupervisorError::NotRunning));
}

#[test]
fn stop_cancels_a_pending_restart() {
    let mut p = always();
    p.on_started(0);
    assert!(matches!(p.on_death(1, FAULT), Decision::RestartAt(51)));
    assert_eq!(p.request_stop(), Ok(Action::None));
    assert!(!p.due(51));
}

#[test]
fn restart_kills_then_starts_at_once_with_the_backoff_reset() {
    let mut p = always();
    assert_eq!(crash_loop(&mut p, 0, 5, 1), [50, 100, 200, 400, 800]);
    p.on_started(5000);
    assert_eq!(p.request_restart(6000), Action::Kill);
    // A second request while the kill is in flight does not kill twice.
    assert_eq!(p.request_restart(6001), Action::None);
    assert_eq!(
        p.on_death(6002, ExitCause::Killed),
        Decision::RestartAt(6002)
    );
    assert!(p.due(6002));
    // The backoff starts over.
    assert_eq!(crash_loop(&mut p, 6002, 2, 1), [50, 100]);
}

#[test]
fn restart_of_a_dead_service_starts_it_now() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.on_death(1, FAULT), Decision::RestartAt(51));
    assert_eq!(p.request_restart(10), Action::None);
    assert!(p.due(10));
}

#[test]
fn start_during_a_stop_becomes_a_restart() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.request_stop(), Ok(Action::Kill));
    assert_eq!(p.request_start(2), Ok(Action::None));
    assert_eq!(p.request_start(2), Err(SupervisorError::AlreadyRunning));
    assert_eq!(p.on_death(3, ExitCause::Killed), Decision::RestartAt(3));
}

#[test]
fn failed_spawns_back_off_like_crashes() {
    let mut p = always();
    assert_eq!(p.request_start(0), Ok(Action::None));
    let mut now = 0;
    let mut delays = Vec::new();
    for _ in 0..4 {
        assert!(p.due(now));
        let Decision::RestartAt(at) = p.on_spawn_failed(now) else {
            panic!()
        };
        delays.push(at - now);
        now = at;
    }
    assert_eq!(delays, [50, 100, 200, 400]);
    assert_eq!(p.restarts(), 0);
}

#[test]
fn stale_deaths_change_nothing() {
    let mut p = always();
    p.on_started(0);
    let d = p.on_death(1, FAULT);
    assert_eq!(p.on_death(2, FAULT), d);
    let mut s = ServicePolicy::from_parts(RestartPolicy::Always, 0, 1, 1);
    assert_eq!(s.on_death(0, FAULT), Decision::Stopped);
}

#[test]
fn times_near_the_end_of_time_saturate() {
    let mut p = ServicePolicy::from_parts(RestartPolicy::Always, 0, u64::MAX / 2, u64::MAX);
    p.on_started(u64::MAX - 10);
    assert_eq!(
        p.on_death(u64::MAX - 5, FAULT),
        Decision::RestartAt(u64::MAX)
    );
    p.on_started(u64::MAX);
    assert_eq!(p.on_death(u64::MAX, FAULT), Decision::RestartAt(u64::MAX));
    // Deaths "before" the start (clock confusion) count as quick, not panics.
    p.on_started(100);
    assert!(matches!(p.on_death(50, FAULT), Decision::RestartAt(_)));
}

#[test]
fn degenerate_parameters_are_made_sane() {
    let mut p = ServicePolicy::from_parts(RestartPolicy::Always, 10, 0, 0);
    assert_eq!(crash_loop(&mut p, 0, 3, 1), [1, 1, 1]);
}

#[test]
fn wire_state_of_a_pending_restart_says_when() {
    let mut p = always();
    p.on_started(0);
    p.on_death(1, FAULT);
    assert_eq!(
        p.wire_state(),
        ServiceState::WaitingRestart { until_ms: 51 }
    );
}

#[test]
fn kill_is_a_crash_the_policy_handles() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.request_kill(), Ok(Action::Kill));
    // The phase stays Running until the death arrives: a second kill asks
    // for another TaskKill (harmless: the first one already ended it).
    assert_eq!(p.wire_state(), ServiceState::Running);
    // A kill after a healthy run restarts after the base delay, like a crash.
    assert_eq!(
        p.on_death(2000, ExitCause::Killed),
        Decision::RestartAt(2050)
    );
    assert_eq!(p.last_exit(), Some(ExitCause::Killed));
    // Not running now: nothing to kill.
    assert_eq!(p.request_kill(), Err(SupervisorError::NotRunning));
    // Quick kills back off like a crash loop (Restart would reset it).
    p.on_started(2050);
    assert_eq!(p.request_kill(), Ok(Action::Kill));
    assert_eq!(
        p.on_death(2060, ExitCause::Killed),
        Decision::RestartAt(2160)
    );
}

#[test]
fn kill_of_a_hold_service_holds_it() {
    let mut p = ServicePolicy::from_parts(RestartPolicy::Hold, 1000, 50, 5000);
    p.on_started(0);
    assert_eq!(p.request_kill(), Ok(Action::Kill));
    assert_eq!(p.on_death(5, ExitCause::Killed), Decision::Hold);
    assert_eq!(p.request_kill(), Err(SupervisorError::NotRunning));
}

#[test]
fn kill_during_a_stop_leaves_the_stop_alone() {
    let mut p = always();
    p.on_started(0);
    assert_eq!(p.request_stop(), Ok(Action::Kill));
    assert_eq!(p.request_kill(), Ok(Action::None));
    assert_eq!(p.on_death(3, ExitCause::Killed), Decision::Stopped);
}

// --- give-up (dev-demos: the crash-loop demo).

#[test]
fn give_up_holds_after_that_many_quick_deaths_and_a_restart_revives() {
    let mut p = always();
    p.set_give_up(4);
    // Three quick deaths back off as usual ...
    assert_eq!(crash_loop(&mut p, 0, 3, 5), [50, 100, 200]);
    assert!(!p.requested());
    // ... the fourth in a row holds.
    p.on_started(1000);
    assert_eq!(p.on_death(1005, FAULT), Decision::GaveUp { deaths: 4 });
    assert_eq!(p.phase(), Phase::Held);
    assert_eq!(p.wire_state(), ServiceState::Held);
    assert!(!p.due(u64::MAX));
    // An operator's Restart starts it now, and counts from zero again.
    assert_eq!(p.request_restart(2000), Action::None);
    assert!(p.due(2000));
    assert!(p.requested());
    p.on_started(2000);
    assert_eq!(p.on_death(2005, FAULT), Decision::RestartAt(2055));
}

#[test]
fn a_healthy_run_resets_the_give_up_count() {
    let mut p = always();
    p.set_give_up(2);
    p.on_started(0);
    assert_eq!(p.on_death(5, FAULT), Decision::RestartAt(55));
    p.on_started(55);
    // Ran for min-run: healthy, so the count starts again.
    assert_eq!(p.on_death(2000, FAULT), Decision::RestartAt(2050));
    p.on_started(2050);
    assert_eq!(p.on_death(2055, FAULT), Decision::RestartAt(2155));
    p.on_started(2155);
    assert_eq!(p.on_death(2160, FAULT), Decision::GaveUp { deaths: 2 });
}

#[test]
fn without_give_up_a_crash_loop_never_holds() {
    let mut p = always();
    let delays = crash_loop(&mut p, 0, 40, 1);
    assert_eq!(delays.len(), 40);
}
