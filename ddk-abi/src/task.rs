//! Task identities: a slot index plus a generation.
//!
//! A slot is reused when its task dies, with the generation bumped, so a
//! stale identity can never reach the slot's next occupant: the kernel
//! answers it with [`crate::SyscallError::Dead`] and the current identity.

/// A task's identity: `index | generation << 16`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(transparent)]
pub struct TaskId(pub u32);

impl TaskId {
    pub const fn new(index: u16, generation: u16) -> Self {
        TaskId(index as u32 | (generation as u32) << 16)
    }

    pub const fn index(self) -> u16 {
        self.0 as u16
    }

    pub const fn generation(self) -> u16 {
        (self.0 >> 16) as u16
    }

    /// The same slot, one generation on (wrapping).
    pub const fn next_generation(self) -> Self {
        TaskId::new(self.index(), self.generation().wrapping_add(1))
    }
}

/// Longest task name, in bytes (names come from the manifest).
pub const NAME_MAX: usize = 16;

/// Slot 0 never holds a task (so a zeroed id is never valid); the
/// supervisor, the first process, is always slot 1.
pub const SUPERVISOR_INDEX: u16 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_and_generation_round_trip() {
        let t = TaskId::new(7, 0xfffe);
        assert_eq!((t.index(), t.generation()), (7, 0xfffe));
        assert_eq!(t.next_generation().generation(), 0xffff);
        assert_eq!(t.next_generation().next_generation().generation(), 0);
        assert_eq!(t.next_generation().index(), 7);
    }
}
