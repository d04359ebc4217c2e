//! Boot: the entry trampoline and the boot loader's hand-over — PVH (QEMU
//! `-kernel`, the primary path) or multiboot2 (GRUB, for ISOs).

pub mod info;
pub mod multiboot2;
pub mod pvh;
pub mod trampoline;
