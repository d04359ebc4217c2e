//! Cordon's QEMU integration tests.
//!
//! Each test boots a real kernel image under `-accel tcg`, reads the serial
//! console, and judges it: one failure mode per test, a timeout on every
//! boot, and the whole serial log printed when a test fails. `cargo xtask
//! qemu-test` and `cargo xtask test` drive them; the judging functions are
//! unit-tested here with `cargo test` against recorded logs.

pub mod blkdisk;
pub mod blkservice;
pub mod campaign;
pub mod campaign_records;
pub mod catalog;
pub mod demos;
pub mod disk;
pub mod fatdisk;
pub mod grantcopy;
pub mod jitcount;
pub mod judge;
pub mod qemu;
pub mod runner;
pub mod script;
pub mod shelldisk;

pub use catalog::{QemuTest, all};
pub use disk::Disk;
pub use qemu::{Images, QemuConfig};
pub use runner::{Outcome, run_test, run_test_with};
