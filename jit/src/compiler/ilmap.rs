//! Native offset -> IL offset maps, for fault reports ("method + IL
//! offset") and debugging.
//!
//! The translator tags the IR of each IL instruction with its offset as a
//! Cranelift source location (`FunctionBuilder::set_srcloc`); Cranelift
//! carries the tags through lowering, and the finished code buffer lists the
//! native ranges each one produced (`MachSrcLoc`). Code the translator adds
//! outside any instruction (the prologue, zeroing locals, the cold dispatch
//! and raise blocks shared by several instructions) carries no tag and maps
//! to no IL offset.

use alloc::vec::Vec;

use cranelift_codegen::MachSrcLoc;

/// One method's map: sorted, non-overlapping native ranges and their IL
/// offsets.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IlMap {
    ranges: Vec<IlRange>,
}

/// Native bytes `start..end` (from the method's first byte) came from the
/// IL instruction at `il`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IlRange {
    /// First native byte.
    pub start: u32,
    /// One past the last native byte.
    pub end: u32,
    /// IL offset of the instruction.
    pub il: u32,
}

impl IlMap {
    /// The map from Cranelift's source locations (sorted by start).
    pub(super) fn from_srclocs(srclocs: &[MachSrcLoc]) -> Self {
        let mut ranges: Vec<IlRange> = Vec::with_capacity(srclocs.len());
        for s in srclocs {
            if !s.loc.is_abs() {
                continue;
            }
            let loc = s.loc.as_abs();
            if loc.is_default() || s.start >= s.end {
                continue;
            }
            match ranges.last_mut() {
                // Adjacent pieces of one instruction: merge.
                Some(r) if r.end == s.start && r.il == loc.bits() => r.end = s.end,
                _ => ranges.push(IlRange {
                    start: s.start,
                    end: s.end,
                    il: loc.bits(),
                }),
            }
        }
        Self { ranges }
    }

    /// The IL offset of the instruction whose code contains native offset
    /// `off`, if any.
    pub fn il_offset(&self, off: u32) -> Option<u32> {
        let i = self.ranges.partition_point(|r| r.start <= off);
        let r = self.ranges.get(i.checked_sub(1)?)?;
        (off < r.end).then_some(r.il)
    }

    /// The ranges, sorted by native offset.
    pub fn ranges(&self) -> &[IlRange] {
        &self.ranges
    }

    /// A map of `ranges` (a code image's), if they are sorted, each
    /// non-empty and not overlapping the next.
    pub fn from_ranges(ranges: Vec<IlRange>) -> Option<Self> {
        let ok = ranges.iter().all(|r| r.start < r.end)
            && ranges.windows(2).all(|w| w[0].end <= w[1].start);
        ok.then_some(Self { ranges })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_between_and_inside_ranges() {
        let m = IlMap {
            ranges: alloc::vec![
                IlRange {
                    start: 4,
                    end: 10,
                    il: 0
                },
                IlRange {
                    start: 10,
                    end: 12,
                    il: 2
                },
                IlRange {
                    start: 20,
                    end: 24,
                    il: 7
                },
            ],
        };
        assert_eq!(m.il_offset(0), None);
        assert_eq!(m.il_offset(4), Some(0));
        assert_eq!(m.il_offset(9), Some(0));
        assert_eq!(m.il_offset(10), Some(2));
        assert_eq!(m.il_offset(12), None);
        assert_eq!(m.il_offset(23), Some(7));
        assert_eq!(m.il_offset(24), None);
    }
}
