//! Syscall error codes. A syscall returns status 0 in RAX on success, or one
//! of these (never 0) — see [`crate::syscall`] for where results go.

/// Why a syscall failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SyscallError {
    /// RAX named no syscall.
    UnknownSyscall = 1,
    /// A pointer argument is not mapped, not user memory, or lacks the
    /// needed permission (write for output buffers).
    BadPointer = 2,
    /// A length is out of range for this call.
    BadLength = 3,
    /// A message is longer than [`crate::syscall::MESSAGE_MAX`].
    MessageTooLarge = 4,
    /// No task has ever had this index.
    NoSuchTask = 5,
    /// The task this id named has died; RDI holds the slot's current id
    /// (a restarted task's new generation).
    Dead = 6,
    /// The caller may not do this (e.g. spawn, if it is not the supervisor).
    PermissionDenied = 7,
    /// Physical memory or a kernel table is exhausted.
    OutOfMemory = 8,
    /// An address is misaligned or outside the user half.
    BadAddress = 9,
    /// Part of the range is already mapped.
    AlreadyMapped = 10,
    /// Part of the range is not mapped.
    NotMapped = 11,
    /// No such grant, or not granted to the caller.
    NoSuchGrant = 12,
    /// `reply` to a task that is not waiting for the caller's reply.
    NotWaitingForReply = 13,
    /// The reply is longer than the caller's reply buffer; nothing was copied.
    ReplyTooLarge = 14,
    /// `recv` or `sleep`-like wait ended by its timeout.
    Timeout = 15,
    /// A named thing (program, file, task name) does not exist.
    NotFound = 16,
    /// A program is not a loadable static x86-64 ELF.
    BadProgram = 17,
    /// Every task slot is in use.
    TooManyTasks = 18,
    /// An argument has a value the call does not accept.
    InvalidArgument = 19,
    /// A task may not call itself (it would wait for its own reply forever).
    CallToSelf = 20,
    /// A call the kernel will not start because an earlier call of the
    /// caller's was abandoned after delivery (`CallTimeout` ran out while
    /// the server held the message): the same server is refused until it
    /// answers that call (its reply is discarded) or dies; and a
    /// `CallTimeout` is refused when the caller already has
    /// [`crate::syscall::ABANDONED_MAX`] such servers.
    Busy = 21,
}

impl SyscallError {
    pub const ALL: [SyscallError; 21] = [
        SyscallError::UnknownSyscall,
        SyscallError::BadPointer,
        SyscallError::BadLength,
        SyscallError::MessageTooLarge,
        SyscallError::NoSuchTask,
        SyscallError::Dead,
        SyscallError::PermissionDenied,
        SyscallError::OutOfMemory,
        SyscallError::BadAddress,
        SyscallError::AlreadyMapped,
        SyscallError::NotMapped,
        SyscallError::NoSuchGrant,
        SyscallError::NotWaitingForReply,
        SyscallError::ReplyTooLarge,
        SyscallError::Timeout,
        SyscallError::NotFound,
        SyscallError::BadProgram,
        SyscallError::TooManyTasks,
        SyscallError::InvalidArgument,
        SyscallError::CallToSelf,
        SyscallError::Busy,
    ];

    pub const fn code(self) -> u32 {
        self as u32
    }
}

impl TryFrom<u32> for SyscallError {
    type Error = u32;

    /// The error for a status word; `Err` carries an unknown code back.
    fn try_from(code: u32) -> Result<Self, u32> {
        let mut i = 0;
        while i < Self::ALL.len() {
            if Self::ALL[i] as u32 == code {
                return Ok(Self::ALL[i]);
            }
            i += 1;
        }
        Err(code)
    }
}

impl core::fmt::Display for SyscallError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_zero_is_not_an_error() {
        for e in SyscallError::ALL {
            assert_eq!(SyscallError::try_from(e.code()), Ok(e));
            assert_ne!(e.code(), 0);
        }
        assert_eq!(SyscallError::try_from(0), Err(0));
        assert_eq!(SyscallError::try_from(9999), Err(9999));
    }
}
