//! Boot: the PVH entry trampoline and the `hvm_start_info` it hands over.

pub mod pvh;
pub mod trampoline;
