//! The fake block host: the other half of `Cordon.Ddk.BlockHost`. It
//! starts planned operations in the driver's slots (write data copied into
//! the slot's DMA buffer first, as the driver host does), never two
//! conflicting ones at once (a write never overlaps anything in flight; a
//! flush waits until nothing is), and checks each completion against a
//! shadow of what the disk must hold.

use std::collections::VecDeque;

use ddk_native::block;

use super::dma::Dma;
use super::virtio_blk::SECTOR;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read {
        lba: u64,
        sectors: u32,
    },
    /// Data derived from `seed`.
    Write {
        lba: u64,
        sectors: u32,
        seed: u32,
    },
    Flush,
}

impl Op {
    fn range(self) -> Option<(u64, u64)> {
        match self {
            Op::Read { lba, sectors } | Op::Write { lba, sectors, .. } => {
                Some((lba, lba + u64::from(sectors)))
            }
            Op::Flush => None,
        }
    }

    fn overlaps(self, other: Op) -> bool {
        match (self.range(), other.range()) {
            (Some((a, b)), Some((c, d))) => a < d && c < b,
            _ => false,
        }
    }
}

/// The bytes a planned write puts on the disk.
pub fn data(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ready {
    pub blocks: i64,
    pub block_size: i32,
    pub read_only: bool,
    pub max_transfer: i32,
    pub depth: i32,
}

pub struct Started {
    pub slot: i32,
    pub op: i32,
    pub lba: i64,
    pub len: i32,
}

#[derive(Default)]
pub struct Host {
    /// The driver object `BoundDriver` returns.
    pub driver: usize,
    pub ready: Option<Ready>,
    slots: Vec<usize>,
    live: Vec<Option<Op>>,
    pub plan: VecDeque<Op>,
    pub shadow: Vec<u8>,
    /// Every completion: the operation and its `BlockStatus`.
    pub results: Vec<(Op, i32)>,
    pub max_in_flight: usize,
    pub mismatches: Vec<String>,
}

impl Host {
    pub fn new(plan: Vec<Op>, disk: &[u8]) -> Host {
        Host {
            plan: plan.into(),
            shadow: disk.to_vec(),
            ..Host::default()
        }
    }

    pub fn ready(
        &mut self,
        blocks: i64,
        block_size: i32,
        read_only: i32,
        max_transfer: i32,
        depth: i32,
    ) {
        self.ready = Some(Ready {
            blocks,
            block_size,
            read_only: read_only != 0,
            max_transfer,
            depth,
        });
        self.live = vec![None; depth.max(0) as usize];
    }

    pub fn slot(&mut self, slot: i32, va: i64) {
        let i = slot.max(0) as usize;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, 0);
        }
        self.slots[i] = va as usize;
    }

    pub fn in_flight(&self) -> usize {
        self.live.iter().filter(|l| l.is_some()).count()
    }

    pub fn finished(&self) -> bool {
        self.plan.is_empty() && self.in_flight() == 0
    }

    /// The next planned operation, if it may start now.
    pub fn start(&mut self, dma: &Dma) -> Option<Started> {
        self.ready?;
        let op = *self.plan.front()?;
        let busy: Vec<Op> = self.live.iter().flatten().copied().collect();
        let conflict = match op {
            Op::Flush => !busy.is_empty(),
            Op::Read { .. } => busy
                .iter()
                .any(|b| matches!(b, Op::Write { .. }) && b.overlaps(op)),
            Op::Write { .. } => busy.iter().any(|b| b.overlaps(op)),
        };
        let slot = self.live.iter().position(Option::is_none)?;
        if conflict {
            return None;
        }
        self.plan.pop_front();
        let (kind, lba, len) = match op {
            Op::Read { lba, sectors } => (block::OP_READ, lba, sectors as usize * SECTOR),
            Op::Write { lba, sectors, seed } => {
                let len = sectors as usize * SECTOR;
                let bytes = data(seed, len);
                let buf = self.slots.get(slot).copied().unwrap_or(0);
                if !dma.contains(buf, len) {
                    self.mismatches
                        .push(format!("slot {slot} has no DMA buffer of {len} bytes"));
                    return None;
                }
                // SAFETY: inside the slot's live DMA buffer (checked).
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), buf as *mut u8, len) };
                (block::OP_WRITE, lba, len)
            }
            Op::Flush => (block::OP_FLUSH, 0, 0),
        };
        self.live[slot] = Some(op);
        self.max_in_flight = self.max_in_flight.max(self.in_flight());
        Some(Started {
            slot: slot as i32,
            op: kind,
            lba: lba as i64,
            len: len as i32,
        })
    }

    /// A completion from the driver: recorded, and checked against the shadow.
    pub fn complete(&mut self, slot: i32, status: i32) -> Result<(), String> {
        let i = usize::try_from(slot).map_err(|_| format!("completion of slot {slot}"))?;
        let op = self
            .live
            .get_mut(i)
            .and_then(Option::take)
            .ok_or_else(|| format!("completion of idle slot {slot}"))?;
        self.results.push((op, status));
        if status != block::STATUS_OK {
            return Ok(());
        }
        match op {
            Op::Write { lba, sectors, seed } => {
                let at = lba as usize * SECTOR;
                let len = sectors as usize * SECTOR;
                self.shadow[at..at + len].copy_from_slice(&data(seed, len));
            }
            Op::Read { lba, sectors } => {
                let at = lba as usize * SECTOR;
                let len = sectors as usize * SECTOR;
                let buf = self.slots.get(i).copied().unwrap_or(0);
                // SAFETY: the slot's DMA buffer holds max_transfer >= len
                // bytes (the plan never asks for more).
                let got = unsafe { std::slice::from_raw_parts(buf as *const u8, len) };
                if got != &self.shadow[at..at + len] && self.mismatches.len() < 16 {
                    self.mismatches.push(format!(
                        "read of {sectors} sectors at {lba} returned other data"
                    ));
                }
            }
            Op::Flush => {}
        }
        Ok(())
    }
}

/// A seeded random plan of `n` operations on a disk of `capacity`
/// sectors, at most `max_sectors` each (most 16 or fewer), ending with
/// a flush.
pub fn random_plan(seed: u64, n: usize, capacity: u64, max_sectors: u32) -> Vec<Op> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let mut plan: Vec<Op> = (0..n)
        .map(|i| {
            let r = next();
            // Mostly short, one in eight up to the largest, so that 32
            // non-overlapping requests are usually there to start.
            let limit = if next() % 8 == 0 {
                max_sectors
            } else {
                max_sectors.min(16)
            };
            let sectors = 1 + (next() % u64::from(limit)) as u32;
            let lba = next() % (capacity - u64::from(sectors) + 1);
            match r % 100 {
                0..=3 => Op::Flush,
                4..=51 => Op::Write {
                    lba,
                    sectors,
                    seed: i as u32,
                },
                _ => Op::Read { lba, sectors },
            }
        })
        .collect();
    plan.push(Op::Flush);
    plan
}
