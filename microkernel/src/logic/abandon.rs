//! Calls a caller gave up on after delivery, and what that means for the
//! server's late reply and the caller's next calls.
//!
//! `CallTimeout` may run out after its message was delivered: the server
//! holds the message and may still reply, later, after other messages
//! (servers like the blkdev backends answer out of order). Were that late
//! reply given to whatever call the caller makes next to the same server, it
//! would be taken as that call's answer. So the caller remembers the server
//! (its full id, generation included) as *abandoned*:
//!
//! - the server's next reply to the caller is consumed and discarded (the
//!   server's `Reply` succeeds; it cannot tell, and need not);
//! - until then, any call of the caller to that server is refused at once
//!   with `Busy`, so the late reply can never meet a new call;
//! - the server's death forgets it (its next generation is another id, and
//!   has no message of the caller).
//!
//! A caller has [`ABANDONED_MAX`] slots; a `CallTimeout` starts only if one
//! is free, so a call that runs out after delivery can always be recorded.

use ddk_abi::TaskId;
pub use ddk_abi::syscall::ABANDONED_MAX;

/// Why a call may not start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The server still holds an abandoned call of the caller.
    PartnerAbandoned,
    /// A `CallTimeout`, and every slot is taken: were it to run out after
    /// delivery, it could not be recorded.
    Full,
}

/// What a server's reply to a caller does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyAction {
    /// The caller waits for this server's reply: copy it.
    Deliver,
    /// The reply answers a call the caller abandoned: discard it (the
    /// server's reply succeeds) and forget the abandonment.
    Discard,
    /// Neither: `NotWaitingForReply`.
    Refuse,
}

/// The servers a task abandoned a delivered call with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Abandoned {
    ids: [Option<TaskId>; ABANDONED_MAX],
}

impl Abandoned {
    pub const fn new() -> Self {
        Abandoned {
            ids: [None; ABANDONED_MAX],
        }
    }

    pub fn contains(&self, server: TaskId) -> bool {
        self.ids.contains(&Some(server))
    }

    /// Whether a call to `to` may start; `timed` for `CallTimeout`, which
    /// needs a free slot in case it runs out after delivery.
    pub fn admit(&self, to: TaskId, timed: bool) -> Result<(), Refusal> {
        if self.contains(to) {
            return Err(Refusal::PartnerAbandoned);
        }
        if timed && !self.ids.contains(&None) {
            return Err(Refusal::Full);
        }
        Ok(())
    }

    /// Records that a call delivered to `server` ran out. `Err` if no slot
    /// is free (a `CallTimeout` admitted by [`Abandoned::admit`] always
    /// finds one: a task has one call at a time).
    pub fn record(&mut self, server: TaskId) -> Result<(), Refusal> {
        if self.contains(server) {
            return Ok(());
        }
        let free = self
            .ids
            .iter_mut()
            .find(|s| s.is_none())
            .ok_or(Refusal::Full)?;
        *free = Some(server);
        Ok(())
    }

    /// What `server`'s reply to this task does, given whether the task
    /// waits for that server's reply; a discarded reply frees the slot.
    pub fn on_reply(&mut self, server: TaskId, waiting_for_server: bool) -> ReplyAction {
        if waiting_for_server {
            // `admit` refuses a call to an abandoned server, so a task never
            // waits for one it abandoned: this reply is the current call's.
            return ReplyAction::Deliver;
        }
        match self.ids.iter_mut().find(|s| **s == Some(server)) {
            Some(slot) => {
                *slot = None;
                ReplyAction::Discard
            }
            None => ReplyAction::Refuse,
        }
    }

    /// `server` died: it will never reply, and no later id names it.
    pub fn forget(&mut self, server: TaskId) {
        for s in self.ids.iter_mut().filter(|s| **s == Some(server)) {
            *s = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: TaskId = TaskId(2); // slot 2, generation 0
    const S_NEXT: TaskId = TaskId(2 | 1 << 16); // its next generation
    const T: TaskId = TaskId(3);

    #[test]
    fn an_abandoned_server_is_refused_until_its_late_reply_is_discarded() {
        let mut a = Abandoned::new();
        assert_eq!(a.admit(S, true), Ok(()));
        assert_eq!(a.record(S), Ok(()));
        assert_eq!(a.admit(S, true), Err(Refusal::PartnerAbandoned));
        assert_eq!(a.admit(S, false), Err(Refusal::PartnerAbandoned));
        // Other servers are not affected.
        assert_eq!(a.admit(T, true), Ok(()));
        assert_eq!(a.admit(T, false), Ok(()));
        // The late reply (the caller waits for nobody, or for T) is eaten…
        assert_eq!(a.on_reply(S, false), ReplyAction::Discard);
        // …once: a second reply is refused as before the feature.
        assert_eq!(a.on_reply(S, false), ReplyAction::Refuse);
        assert_eq!(a.admit(S, false), Ok(()));
        assert_eq!(a, Abandoned::new());
    }

    #[test]
    fn a_reply_to_a_waiting_caller_is_delivered() {
        let mut a = Abandoned::new();
        assert_eq!(a.on_reply(S, true), ReplyAction::Deliver);
        assert_eq!(a.on_reply(S, false), ReplyAction::Refuse);
        assert_eq!(a.record(T), Ok(()));
        assert_eq!(a.on_reply(S, true), ReplyAction::Deliver);
        assert!(a.contains(T));
    }

    #[test]
    fn the_servers_next_generation_is_another_partner() {
        let mut a = Abandoned::new();
        assert_eq!(a.record(S), Ok(()));
        assert_eq!(a.admit(S_NEXT, false), Ok(()));
        assert_eq!(a.on_reply(S_NEXT, false), ReplyAction::Refuse);
        // Its death forgets the old one, freeing the slot.
        a.forget(S);
        assert_eq!(a.admit(S, false), Ok(()));
        assert_eq!(a, Abandoned::new());
    }

    #[test]
    fn a_timed_call_needs_a_free_slot_a_plain_one_does_not() {
        let mut a = Abandoned::new();
        for i in 0..ABANDONED_MAX as u32 {
            assert_eq!(a.admit(TaskId(10 + i), true), Ok(()));
            assert_eq!(a.record(TaskId(10 + i)), Ok(()));
        }
        assert_eq!(a.admit(T, true), Err(Refusal::Full));
        assert_eq!(a.admit(T, false), Ok(()));
        assert_eq!(a.record(T), Err(Refusal::Full));
        // Recording one already there needs no slot.
        assert_eq!(a.record(TaskId(10)), Ok(()));
        a.forget(TaskId(11));
        assert_eq!(a.admit(T, true), Ok(()));
    }
}
