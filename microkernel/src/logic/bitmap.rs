//! The frame bitmap's logic: one bit per 4 KiB frame, 1 = in use, over a
//! word slice the caller provides (physical memory in the kernel, a `Vec`
//! in the host tests).

pub const FRAME_SIZE: u64 = 4096;

pub struct FrameBitmap<'a> {
    words: &'a mut [u64],
    frames: u64,
    free: u64,
    /// Where the next search for a single frame starts.
    hint: u64,
}

impl<'a> FrameBitmap<'a> {
    /// A bitmap of `frames` frames, all in use; `words` must hold at least
    /// `frames.div_ceil(64)` words (extra words are ignored; missing frames
    /// count as in use).
    pub fn new_all_used(words: &'a mut [u64], frames: u64) -> Self {
        words.fill(u64::MAX);
        let frames = frames.min(words.len() as u64 * 64);
        FrameBitmap {
            words,
            frames,
            free: 0,
            hint: 0,
        }
    }

    /// Words needed for `frames` frames.
    pub const fn words_for(frames: u64) -> u64 {
        frames.div_ceil(64)
    }

    pub fn frames(&self) -> u64 {
        self.frames
    }

    pub fn is_used(&self, frame: u64) -> bool {
        if frame >= self.frames {
            return true;
        }
        self.words
            .get((frame / 64) as usize)
            .is_none_or(|w| w & (1 << (frame % 64)) != 0)
    }

    fn set(&mut self, frame: u64, used: bool) {
        if frame >= self.frames {
            return;
        }
        let Some(w) = self.words.get_mut((frame / 64) as usize) else {
            return;
        };
        let bit = 1 << (frame % 64);
        let was_used = *w & bit != 0;
        if used && !was_used {
            *w |= bit;
            self.free -= 1;
        } else if !used && was_used {
            *w &= !bit;
            self.free += 1;
        }
    }

    /// Marks `[start, end)` (bytes, widened to whole frames) used.
    pub fn reserve(&mut self, start: u64, end: u64) {
        let last = end.div_ceil(FRAME_SIZE).min(self.frames);
        for f in start / FRAME_SIZE..last {
            self.set(f, true);
        }
    }

    /// Marks the whole frames inside `[start, end)` free.
    pub fn release(&mut self, start: u64, end: u64) {
        let last = (end / FRAME_SIZE).min(self.frames);
        for f in start.div_ceil(FRAME_SIZE)..last {
            self.set(f, false);
        }
    }

    /// Physical address of one free frame, marked used.
    pub fn alloc(&mut self) -> Option<u64> {
        let words = self.words.len() as u64;
        for i in 0..words {
            let wi = (self.hint / 64 + i) % words;
            let w = *self.words.get(wi as usize)?;
            if w != u64::MAX {
                let f = wi * 64 + u64::from((!w).trailing_zeros());
                if f < self.frames {
                    self.set(f, true);
                    self.hint = f;
                    return Some(f * FRAME_SIZE);
                }
            }
        }
        None
    }

    /// The first frame at or above `frame` whose state is `used`, searched
    /// a word at a time; `self.frames` if there is none.
    fn next_in_state(&self, frame: u64, used: bool) -> u64 {
        let mut wi = frame / 64;
        // Bits below `frame` in its word do not count.
        let mut below = (1u64 << (frame % 64)) - 1;
        while wi < self.words.len() as u64 && wi * 64 < self.frames {
            let Some(&w) = self.words.get(wi as usize) else {
                break;
            };
            let hits = (if used { w } else { !w }) & !below;
            if hits != 0 {
                return (wi * 64 + u64::from(hits.trailing_zeros())).min(self.frames);
            }
            below = 0;
            wi += 1;
        }
        self.frames
    }

    /// `count` contiguous free frames at or above `from` (bytes), the first
    /// aligned to `align_frames`; marked used. The lowest such run: found
    /// by skipping used and free stretches a word at a time (a frame at a
    /// time cost ~80 µs of TCG per DMA buffer once memory filled up, and a
    /// driver's start allocates 32 of them).
    pub fn alloc_contiguous(&mut self, count: u64, align_frames: u64, from: u64) -> Option<u64> {
        if count == 0 {
            return None;
        }
        let align = align_frames.max(1);
        let mut start = from / FRAME_SIZE;
        loop {
            start = self.next_in_state(start, false).div_ceil(align) * align;
            let end = start.checked_add(count)?;
            if end > self.frames {
                return None;
            }
            let used = self.next_in_state(start, true);
            if used >= end {
                for f in start..end {
                    self.set(f, true);
                }
                return Some(start * FRAME_SIZE);
            }
            start = used + 1;
        }
    }

    /// `count` contiguous free frames, the highest run that ends at or below
    /// `below` and starts at or above `from` (bytes); marked used. DMA
    /// memory is taken from the top so that what lies above a buffer is
    /// other DMA memory or the end of RAM, not the kernel's frames: a device
    /// told a length longer than its buffer then writes no kernel state,
    /// and one that runs past the end of RAM fails the request.
    pub fn alloc_contiguous_top(&mut self, count: u64, from: u64, below: u64) -> Option<u64> {
        if count == 0 {
            return None;
        }
        let low = from.div_ceil(FRAME_SIZE);
        let mut end = self.frames.min(below / FRAME_SIZE);
        // Word at a time, as `alloc_contiguous`: the DMA buffers already
        // taken sit at the top, and a frame-at-a-time walk down through
        // them cost a driver's start ~2 ms of TCG.
        loop {
            // The run ends just above the highest free frame below `end`.
            end = self.prev_in_state(end, false)? + 1;
            let start = end.checked_sub(count)?;
            if start < low {
                return None;
            }
            match self.prev_in_state(end, true) {
                Some(used) if used >= start => end = used,
                _ => {
                    for f in start..end {
                        self.set(f, true);
                    }
                    return Some(start * FRAME_SIZE);
                }
            }
        }
    }

    /// The highest frame below `frame` whose state is `used`, searched a
    /// word at a time; `None` if there is none.
    fn prev_in_state(&self, frame: u64, used: bool) -> Option<u64> {
        let frame = frame.min(self.frames);
        let last = frame.checked_sub(1)?;
        let mut wi = last / 64;
        // Bits above `last` in its word do not count.
        let mut mask = u64::MAX >> (63 - last % 64);
        loop {
            let w = *self.words.get(wi as usize)?;
            let hits = (if used { w } else { !w }) & mask;
            if hits != 0 {
                return Some(wi * 64 + 63 - u64::from(hits.leading_zeros()));
            }
            wi = wi.checked_sub(1)?;
            mask = u64::MAX;
        }
    }

    /// Frees the frame at `addr` (bytes); freeing a free frame changes nothing.
    pub fn free(&mut self, addr: u64) {
        self.set(addr / FRAME_SIZE, false);
    }

    pub fn free_count(&self) -> u64 {
        self.free
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frees runs of 1–90 frames of `bm`, each with a probability the
    /// first draw sets (0–99 %): patterns of every density.
    fn free_random_runs(bm: &mut FrameBitmap<'_>, frames: u64, next: &mut impl FnMut() -> u64) {
        let density = next() % 100;
        let mut f = 0;
        while f < frames {
            let run = 1 + next() % 90;
            if next() % 100 >= density {
                bm.release(f * FRAME_SIZE, (f + run) * FRAME_SIZE);
            }
            f += run;
        }
    }

    /// A pseudo-random sequence (xorshift64) for the randomized searches.
    fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// The frame-at-a-time search `alloc_contiguous` replaced.
    fn naive(bm: &FrameBitmap<'_>, count: u64, align: u64, from: u64) -> Option<u64> {
        let mut start = (from / FRAME_SIZE).div_ceil(align) * align;
        while start + count <= bm.frames() {
            match (start..start + count).find(|&f| bm.is_used(f)) {
                None => return Some(start * FRAME_SIZE),
                Some(used) => start = (used + 1).div_ceil(align) * align,
            }
        }
        None
    }

    #[test]
    fn contiguous_runs_match_the_frame_at_a_time_search() {
        // Pseudo-random patterns of used frames, runs of every length.
        let mut next = xorshift(0x1234_5678_9abc_def0);
        for round in 0..300 {
            let frames = 1 + next() % 700;
            let mut words = vec![0u64; FrameBitmap::words_for(frames) as usize];
            let mut bm = FrameBitmap::new_all_used(&mut words, frames);
            free_random_runs(&mut bm, frames, &mut next);
            for _ in 0..8 {
                let count = 1 + next() % 40;
                let align = [1, 1, 2, 4, 16][(next() % 5) as usize];
                let from = (next() % (frames + 2)) * FRAME_SIZE + next() % 4096;
                let want = naive(&bm, count, align, from);
                let free = bm.free_count();
                let got = bm.alloc_contiguous(count, align, from);
                assert_eq!(
                    got, want,
                    "round {round}: {count} frames aligned {align} from {from:#x}"
                );
                if let Some(a) = got {
                    assert_eq!(bm.free_count(), free - count);
                    assert!((a / FRAME_SIZE..a / FRAME_SIZE + count).all(|f| bm.is_used(f)));
                }
            }
        }
    }

    /// The frame-at-a-time top search `alloc_contiguous_top` replaced.
    fn naive_top(bm: &FrameBitmap<'_>, count: u64, from: u64, below: u64) -> Option<u64> {
        let low = from.div_ceil(FRAME_SIZE);
        let mut end = bm.frames().min(below / FRAME_SIZE);
        while end >= low.checked_add(count)? {
            let start = end - count;
            match (start..end).rev().find(|&f| bm.is_used(f)) {
                None => return Some(start * FRAME_SIZE),
                Some(used) => end = used,
            }
        }
        None
    }

    #[test]
    fn top_runs_match_the_frame_at_a_time_search() {
        let mut next = xorshift(0x0fed_cba9_8765_4321);
        for round in 0..300 {
            let frames = 1 + next() % 700;
            let mut words = vec![0u64; FrameBitmap::words_for(frames) as usize];
            let mut bm = FrameBitmap::new_all_used(&mut words, frames);
            free_random_runs(&mut bm, frames, &mut next);
            for _ in 0..8 {
                let count = 1 + next() % 40;
                let from = (next() % (frames + 2)) * FRAME_SIZE + next() % 4096;
                let below = if next() % 3 == 0 {
                    u64::MAX
                } else {
                    (next() % (frames + 2)) * FRAME_SIZE + next() % 4096
                };
                let want = naive_top(&bm, count, from, below);
                let free = bm.free_count();
                let got = bm.alloc_contiguous_top(count, from, below);
                assert_eq!(
                    got, want,
                    "round {round}: {count} frames from {from:#x} below {below:#x}"
                );
                if let Some(a) = got {
                    assert_eq!(bm.free_count(), free - count);
                    assert!((a / FRAME_SIZE..a / FRAME_SIZE + count).all(|f| bm.is_used(f)));
                }
            }
        }
    }

    fn with_bitmap<R>(frames: u64, f: impl FnOnce(&mut FrameBitmap<'_>) -> R) -> R {
        let mut words = vec![0u64; FrameBitmap::words_for(frames) as usize];
        let mut bm = FrameBitmap::new_all_used(&mut words, frames);
        f(&mut bm)
    }

    #[test]
    fn starts_full_and_releases_only_whole_frames() {
        with_bitmap(100, |bm| {
            assert_eq!(bm.free_count(), 0);
            assert_eq!(bm.alloc(), None);
            bm.release(100, 4096 * 3 + 5); // frames 1 and 2 are whole; 0 and 3 are partial
            assert_eq!(bm.free_count(), 2);
            assert!(bm.is_used(0) && !bm.is_used(1) && !bm.is_used(2) && bm.is_used(3));
        });
    }

    #[test]
    fn reserve_widens_to_whole_frames_and_counts_once() {
        with_bitmap(64, |bm| {
            bm.release(0, 64 * 4096);
            bm.reserve(4095, 4097); // touches frames 0 and 1
            assert_eq!(bm.free_count(), 62);
            bm.reserve(0, 8192); // again: no double counting
            assert_eq!(bm.free_count(), 62);
        });
    }

    #[test]
    fn single_frames_are_distinct_until_exhausted() {
        with_bitmap(130, |bm| {
            bm.release(0, 130 * 4096);
            let mut got: Vec<u64> = std::iter::from_fn(|| bm.alloc()).collect();
            assert_eq!(got.len(), 130);
            got.sort_unstable();
            got.dedup();
            assert_eq!(got.len(), 130, "a frame was handed out twice");
            assert_eq!(bm.free_count(), 0);
            bm.free(5 * 4096);
            assert_eq!(bm.alloc(), Some(5 * 4096));
        });
    }

    #[test]
    fn contiguous_runs_are_aligned_and_skip_used_frames() {
        with_bitmap(256, |bm| {
            bm.release(0, 256 * 4096);
            bm.reserve(16 * 4096, 17 * 4096); // a hole-breaker at frame 16
            assert_eq!(bm.alloc_contiguous(16, 16, 0), Some(0));
            assert_eq!(
                bm.alloc_contiguous(16, 16, 0),
                Some(32 * 4096),
                "frame 16 is used, so the next aligned run starts at 32"
            );
            assert!((32..48).all(|f| bm.is_used(f)));
            assert_eq!(bm.alloc_contiguous(300, 1, 0), None);
            assert_eq!(bm.alloc_contiguous(0, 1, 0), None);
        });
    }

    #[test]
    fn top_runs_come_from_the_highest_free_frames() {
        with_bitmap(256, |bm| {
            bm.release(0, 256 * 4096);
            assert_eq!(bm.alloc_contiguous_top(4, 0, u64::MAX), Some(252 * 4096));
            assert_eq!(bm.alloc_contiguous_top(4, 0, u64::MAX), Some(248 * 4096));
            bm.reserve(245 * 4096, 246 * 4096);
            assert_eq!(
                bm.alloc_contiguous_top(4, 0, u64::MAX),
                Some(241 * 4096),
                "frame 245 is used, so the next run ends below it"
            );
            assert!((241..245).all(|f| bm.is_used(f)));
            // A ceiling (DMA stays below 4 GiB) and a floor (the low frames).
            assert_eq!(bm.alloc_contiguous_top(2, 0, 100 * 4096), Some(98 * 4096));
            assert_eq!(bm.alloc_contiguous_top(2, 99 * 4096, 100 * 4096), None);
            assert_eq!(bm.alloc_contiguous_top(241, 1, u64::MAX), None);
            assert_eq!(bm.alloc_contiguous_top(0, 0, u64::MAX), None);
            assert_eq!(bm.alloc_contiguous_top(u64::MAX, 0, u64::MAX), None);
        });
    }

    #[test]
    fn out_of_range_frames_read_as_used_and_are_ignored() {
        with_bitmap(10, |bm| {
            bm.release(0, 1 << 40);
            assert_eq!(bm.free_count(), 10);
            assert!(bm.is_used(10) && bm.is_used(u64::MAX / 4096));
            bm.free(1 << 40);
            assert_eq!(bm.free_count(), 10);
        });
    }
}
