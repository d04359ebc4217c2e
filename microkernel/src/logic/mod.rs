//! See the crate docs: host-testable kernel logic.

pub mod abandon;
pub mod bitmap;
pub mod cmdline;
pub mod droplog;
pub mod exceptions;
pub mod generation;
pub mod inject;
pub mod logfilter;
pub mod multiboot2;
pub mod pageprot;
pub mod pci;
pub mod prt;
pub mod rxring;
pub mod shortcopy;
pub mod tick;
pub mod txring;
