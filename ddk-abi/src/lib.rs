//! The ABI between Cordon's kernel and everything else, defined once.
//!
//! Syscall numbers, register conventions, argument structs, error codes and
//! the fault-report layout live here (filled in by the process/IPC work), so
//! no number is written twice. `no_std`, no in-tree dependencies: the kernel,
//! user programs and host tools all use the same definitions.

#![no_std]

pub mod debug_exit;
