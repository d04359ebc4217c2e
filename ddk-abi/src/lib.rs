//! The ABI between Cordon's kernel and everything else, defined once.
//!
//! Syscall numbers and register conventions ([`syscall`]), error codes
//! ([`error`]), task identities ([`task`]) and the fault report a dying
//! process leaves behind ([`fault`]). `no_std`, no in-tree dependencies: the
//! kernel, user programs and host tools all use these definitions, so no
//! number is written twice.

#![no_std]

pub mod debug_exit;
pub mod error;
pub mod fault;
pub mod syscall;
pub mod task;

pub use error::SyscallError;
pub use fault::{DeathCause, DeathRecord, FaultReport};
pub use syscall::Syscall;
pub use task::TaskId;
