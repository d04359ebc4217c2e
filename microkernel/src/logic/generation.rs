//! What a task slot's generation does when its occupant dies.
//!
//! A `TaskId` carries a 16-bit generation. Wrapping it would let an old id
//! name a new occupant of the same slot — and a loop of restarts reaches
//! 65,536 in minutes. So a slot is never wrapped: once its generation would
//! reach the last value, the slot is retired for good. Its final id answers
//! `Dead` forever; the service's next incarnation takes a fresh slot (with a
//! different index, so no id of the old slot can name it).

/// The generation a retired slot keeps; no task ever runs with it.
pub const RETIRED: u16 = u16::MAX;

/// What happens to a slot whose occupant with generation `current` died.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterDeath {
    /// The slot may host the same service again, with this generation.
    Reuse(u16),
    /// The generations are spent: the slot keeps [`RETIRED`] and is never
    /// reused.
    Retire,
}

pub fn after_death(current: u16) -> AfterDeath {
    match current.checked_add(1) {
        Some(next) if next != RETIRED => AfterDeath::Reuse(next),
        _ => AfterDeath::Retire,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_count_up_then_the_slot_retires() {
        assert_eq!(after_death(0), AfterDeath::Reuse(1));
        assert_eq!(after_death(0xfffc), AfterDeath::Reuse(0xfffd));
        assert_eq!(after_death(0xfffd), AfterDeath::Reuse(0xfffe));
        // 0xfffe is the last generation a task runs with.
        assert_eq!(after_death(0xfffe), AfterDeath::Retire);
        assert_eq!(after_death(RETIRED), AfterDeath::Retire);
    }

    #[test]
    fn no_generation_is_ever_handed_out_twice() {
        let mut seen = std::collections::HashSet::new();
        let mut g = 0u16;
        assert!(seen.insert(g));
        while let AfterDeath::Reuse(next) = after_death(g) {
            assert!(seen.insert(next), "generation {next} handed out twice");
            g = next;
        }
        assert_eq!(seen.len(), 0xffff);
        assert!(!seen.contains(&RETIRED));
    }
}
