//! Disk images a QEMU test boots with: made by the harness before the boot,
//! and — for tests whose claim is about what reached the disk — read back by
//! the harness after QEMU has exited, so the judgement rests on the image
//! file and not on what the guest says it wrote.

use std::path::{Path, PathBuf};

/// Makes or judges an image file.
pub type ImageFn = fn(&Path) -> Result<(), String>;

/// One virtio-blk disk of a test.
#[derive(Clone, Copy)]
pub struct Disk {
    /// The QEMU drive id (`-drive …,id=ID`); unique within the test.
    pub id: &'static str,
    /// Extra `virtio-blk-pci` properties after `drive=ID`, e.g.
    /// `"addr=0x5,disable-legacy=on"` or `"vectors=0,disable-legacy=on"`.
    pub device: &'static str,
    /// Creates the image file at the given path (it does not exist yet).
    pub make: ImageFn,
    /// Judges the image after QEMU exited (`None`: nothing to check).
    pub check: Option<ImageFn>,
}

impl Disk {
    /// Where this disk's image lives for a run of test `test`.
    pub fn path(&self, dir: &Path, test: &str) -> PathBuf {
        dir.join(format!("{test}-{}.img", self.id))
    }

    /// The QEMU arguments that attach the image at `path`.
    pub fn qemu_args(&self, path: &Path) -> Vec<String> {
        let mut device = format!("virtio-blk-pci,drive={}", self.id);
        if !self.device.is_empty() {
            device.push(',');
            device.push_str(self.device);
        }
        vec![
            "-drive".into(),
            format!("file={},if=none,id={},format=raw", path.display(), self.id),
            "-device".into(),
            device,
        ]
    }
}

pub use ipc::blkdev::sector_pattern;

/// `sectors` sectors of `seed`'s pattern from `first` on.
pub fn pattern(seed: u64, first: u64, sectors: u64) -> Vec<u8> {
    let mut data = vec![0u8; (sectors * 512) as usize];
    for (i, sector) in data.chunks_mut(512).enumerate() {
        sector_pattern(seed, first + i as u64, sector);
    }
    data
}

/// Writes a `blocks`-sector image filled with `sector_pattern(seed, …)`.
pub fn make_pattern_image(path: &Path, blocks: u64, seed: u64) -> Result<(), String> {
    std::fs::write(path, pattern(seed, 0, blocks))
        .map_err(|e| format!("writing {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_differ_by_seed_and_sector() {
        let (mut a, mut b, mut c) = ([0u8; 512], [0u8; 512], [0u8; 512]);
        sector_pattern(1, 7, &mut a);
        sector_pattern(2, 7, &mut b);
        sector_pattern(1, 8, &mut c);
        assert_ne!(a, b);
        assert_ne!(a, c);
        let mut again = [0u8; 512];
        sector_pattern(1, 7, &mut again);
        assert_eq!(a, again);
    }

    #[test]
    fn qemu_args_name_the_drive() {
        let d = Disk {
            id: "d0",
            device: "addr=0x5",
            make: |_| Ok(()),
            check: None,
        };
        let args = d.qemu_args(Path::new("/tmp/x.img"));
        assert_eq!(args[1], "file=/tmp/x.img,if=none,id=d0,format=raw");
        assert_eq!(args[3], "virtio-blk-pci,drive=d0,addr=0x5");
    }
}
