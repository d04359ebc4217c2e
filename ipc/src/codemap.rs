//! `codemap`: the driver host's record of its JIT-compiled code, kept in a
//! writable grant of the supervisor's memory so that a fault report can name
//! managed code after the driver host has died (docs/driverhost.md, "Fault
//! reports").
//!
//! The driver host appends one record per compiled method; the supervisor
//! reads the region only when the driver host is dead. The writer is the
//! untrusted side: a dying (or buggy) driver host may leave a record
//! half-written or the region garbage, so the reader bounds-checks
//! everything, stops at the first bad record and says so.
//!
//! ```text
//! region:  [managed stack: STACK_LEN bytes][code map]
//! header (24 bytes): magic "CMAP" | version u16 | 0 u16 | used u32 | records u32
//!          | base u64 (where the writer mapped the region)
//! record:  len u32 (the whole record) | code_start u64 | code_len u32
//!          | name_len u16 | n_ops u16 | n_ranges u32
//!          | name (UTF-8, `Namespace.Type::Method`)
//!          | n_ops x (len u8, mnemonic)              -- distinct IL mnemonics
//!          | n_ranges x (start u32, end u32, il u32, op u16)
//! ```
//!
//! All integers little-endian. `used` counts the record bytes after the
//! header; the writer stores a record first and only then advances `used`,
//! so a record the writer died inside is not counted. A range says native
//! bytes `start..end` (from `code_start`) came from the IL instruction at
//! offset `il`, whose mnemonic is the record's `op`-th one.
//!
//! The region's first [`STACK_LEN`] bytes are the stack the driver host runs
//! managed code on, so that after its death the supervisor still has the
//! frames: [`backtrace`] follows the frame-pointer chain from the fault's
//! RBP through that copy (addresses translated with the header's `base`;
//! every read bounds-checked, the chain must climb).

use alloc::string::String;
use alloc::vec::Vec;

/// `"CMAP"`.
pub const MAGIC: [u8; 4] = *b"CMAP";
/// Bumped on any change of the layout above.
pub const VERSION: u16 = 1;
/// Header bytes before the first record.
pub const HEADER: usize = 24;
/// The managed stack at the start of a code-map grant.
pub const STACK_LEN: usize = 512 << 10;
/// The code map after it.
pub const MAP_LEN: usize = 512 << 10;
/// Most frames [`backtrace`] returns.
pub const MAX_FRAMES: usize = 16;
/// Fixed part of a record.
const RECORD_FIXED: usize = 24;
/// Bytes of one range.
const RANGE: usize = 14;

/// One compiled method, as the driver host describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Method<'a> {
    /// `Namespace.Type::Method`.
    pub name: &'a str,
    /// First byte of its machine code.
    pub code_start: u64,
    /// Machine code length.
    pub code_len: u32,
    /// `(start, end, il offset, mnemonic)`, sorted by `start`.
    pub ranges: &'a [(u32, u32, u32, &'a str)],
}

/// Why [`append`] wrote nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteError {
    /// The region has no room for the record.
    Full,
    /// A name or mnemonic too long for its length field, or too many ranges.
    TooLarge,
    /// The region is smaller than the header or its header is not ours.
    BadRegion,
}

/// Why the reader stopped before `used`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// Shorter than the header, or wrong magic/version.
    BadHeader,
    /// `used` points past the region (it is clamped).
    UsedOutOfRange,
    /// Record at this offset (from the header's end) is malformed.
    BadRecord(u32),
}

fn rd_u16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn rd_u32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn rd_u64(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}
fn put(b: &mut [u8], at: usize, v: &[u8]) -> Option<()> {
    b.get_mut(at..at + v.len())?.copy_from_slice(v);
    Some(())
}

/// Make `region` an empty code map (the supervisor, before each grant).
pub fn init(region: &mut [u8]) -> Result<(), WriteError> {
    let h = region.get_mut(..HEADER).ok_or(WriteError::BadRegion)?;
    h.fill(0);
    h[..4].copy_from_slice(&MAGIC);
    h[4..6].copy_from_slice(&VERSION.to_le_bytes());
    Ok(())
}

/// Record where the writer mapped the region (its first byte, the stack's
/// lowest address): the supervisor translates stack addresses with it.
pub fn set_base(map: &mut [u8], base: u64) -> Result<(), WriteError> {
    if map.get(..4) != Some(&MAGIC[..]) {
        return Err(WriteError::BadRegion);
    }
    put(map, 16, &base.to_le_bytes()).ok_or(WriteError::BadRegion)
}

/// The `base` the writer recorded (0 if none or no header).
pub fn base(map: &[u8]) -> u64 {
    if map.get(..4) != Some(&MAGIC[..]) {
        return 0;
    }
    rd_u64(map, 16).unwrap_or(0)
}

/// Return addresses of the frame-pointer chain starting at frame pointer
/// `rbp`, read from `stack` (the stack area's bytes, whose first byte was at
/// address `base` in the dead writer): for each frame, `[rbp + 8]` is the
/// return address and `[rbp]` the caller's frame pointer. Stops at an
/// address outside the area, a chain that does not climb, or [`MAX_FRAMES`].
pub fn backtrace(stack: &[u8], base: u64, mut rbp: u64) -> Vec<u64> {
    let mut out = Vec::new();
    while out.len() < MAX_FRAMES {
        let Some(off) = rbp.checked_sub(base) else {
            break;
        };
        let Ok(off) = usize::try_from(off) else {
            break;
        };
        let (Some(next), Some(ret)) = (rd_u64(stack, off), rd_u64(stack, off.saturating_add(8)))
        else {
            break;
        };
        out.push(ret);
        if next <= rbp {
            break;
        }
        rbp = next;
    }
    out
}

/// The encoded record of `m`.
pub fn encode(m: &Method<'_>) -> Result<Vec<u8>, WriteError> {
    let mut ops: Vec<&str> = Vec::new();
    let mut idx: Vec<u16> = Vec::with_capacity(m.ranges.len());
    for &(_, _, _, op) in m.ranges {
        // Mnemonics usually come from one static table: the same text is
        // the same pointer, a cheap first test (a driver host records
        // thousands of ranges per code image); equal text elsewhere is
        // still found by the second.
        let same = |o: &&str| core::ptr::eq(o.as_ptr(), op.as_ptr()) && o.len() == op.len();
        let found = ops
            .iter()
            .position(same)
            .or_else(|| ops.iter().position(|o| *o == op));
        let i = match found {
            Some(i) => i,
            None => {
                ops.push(op);
                ops.len() - 1
            }
        };
        idx.push(u16::try_from(i).map_err(|_| WriteError::TooLarge)?);
    }
    let name_len = u16::try_from(m.name.len()).map_err(|_| WriteError::TooLarge)?;
    let n_ops = u16::try_from(ops.len()).map_err(|_| WriteError::TooLarge)?;
    let n_ranges = u32::try_from(m.ranges.len()).map_err(|_| WriteError::TooLarge)?;
    let mut out = Vec::with_capacity(RECORD_FIXED + m.name.len() + m.ranges.len() * RANGE);
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&m.code_start.to_le_bytes());
    out.extend_from_slice(&m.code_len.to_le_bytes());
    out.extend_from_slice(&name_len.to_le_bytes());
    out.extend_from_slice(&n_ops.to_le_bytes());
    out.extend_from_slice(&n_ranges.to_le_bytes());
    out.extend_from_slice(m.name.as_bytes());
    for op in &ops {
        let l = u8::try_from(op.len()).map_err(|_| WriteError::TooLarge)?;
        out.push(l);
        out.extend_from_slice(op.as_bytes());
    }
    for (&(start, end, il, _), &i) in m.ranges.iter().zip(&idx) {
        out.extend_from_slice(&start.to_le_bytes());
        out.extend_from_slice(&end.to_le_bytes());
        out.extend_from_slice(&il.to_le_bytes());
        out.extend_from_slice(&i.to_le_bytes());
    }
    let len = u32::try_from(out.len()).map_err(|_| WriteError::TooLarge)?;
    out[..4].copy_from_slice(&len.to_le_bytes());
    Ok(out)
}

/// Append an encoded record (from [`encode`]) to `region`: the bytes first,
/// then `used` — a writer that dies in between leaves the record uncounted.
pub fn append(region: &mut [u8], record: &[u8]) -> Result<(), WriteError> {
    if region.get(..4) != Some(&MAGIC[..]) {
        return Err(WriteError::BadRegion);
    }
    let used = rd_u32(region, 8).ok_or(WriteError::BadRegion)? as usize;
    let count = rd_u32(region, 12).ok_or(WriteError::BadRegion)?;
    let at = HEADER
        .checked_add(used)
        .and_then(|a| a.checked_add(record.len()).map(|e| (a, e)));
    let Some((at, end)) = at else {
        return Err(WriteError::Full);
    };
    if end > region.len() {
        return Err(WriteError::Full);
    }
    let new_used = u32::try_from(end - HEADER).map_err(|_| WriteError::Full)?;
    put(region, at, record).ok_or(WriteError::Full)?;
    put(region, 12, &count.wrapping_add(1).to_le_bytes()).ok_or(WriteError::BadRegion)?;
    put(region, 8, &new_used.to_le_bytes()).ok_or(WriteError::BadRegion)
}

/// What the reader found at an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Symbol {
    /// `Namespace.Type::Method`.
    pub method: String,
    /// Offset of the address from the method's first byte.
    pub offset: u64,
    /// The IL offset and mnemonic of the instruction the byte came from;
    /// `None` for code of no single instruction (prologue, shared blocks).
    pub il: Option<(u32, String)>,
}

/// A checked view of one record.
struct Rec<'a> {
    code_start: u64,
    code_len: u32,
    name: &'a str,
    ops: Vec<&'a str>,
    ranges: &'a [u8],
}

fn record(b: &[u8]) -> Option<Rec<'_>> {
    let len = rd_u32(b, 0)? as usize;
    let b = b.get(..len)?;
    let code_start = rd_u64(b, 4)?;
    let code_len = rd_u32(b, 12)?;
    let name_len = usize::from(rd_u16(b, 16)?);
    let n_ops = usize::from(rd_u16(b, 18)?);
    let n_ranges = rd_u32(b, 20)? as usize;
    let mut at = RECORD_FIXED;
    let name = core::str::from_utf8(b.get(at..at.checked_add(name_len)?)?).ok()?;
    at += name_len;
    let mut ops = Vec::new();
    for _ in 0..n_ops {
        let l = usize::from(*b.get(at)?);
        ops.push(core::str::from_utf8(b.get(at + 1..at + 1 + l)?).ok()?);
        at += 1 + l;
    }
    let ranges = b.get(at..at.checked_add(n_ranges.checked_mul(RANGE)?)?)?;
    if at + ranges.len() != len {
        return None;
    }
    Some(Rec {
        code_start,
        code_len,
        name,
        ops,
        ranges,
    })
}

/// The records of `region` that parse, and why reading stopped early (if it
/// did). Never panics, whatever the bytes.
fn walk<'a>(region: &'a [u8], mut f: impl FnMut(Rec<'a>) -> bool) -> Option<ReadError> {
    if region.get(..4) != Some(&MAGIC[..]) || rd_u16(region, 4) != Some(VERSION) {
        return Some(ReadError::BadHeader);
    }
    let Some(used) = rd_u32(region, 8) else {
        return Some(ReadError::BadHeader);
    };
    let body = region.get(HEADER..).unwrap_or(&[]);
    let (body, clamped) = match body.get(..used as usize) {
        Some(b) => (b, false),
        None => (body, true),
    };
    let mut at = 0usize;
    while at < body.len() {
        let Some(r) = body.get(at..).and_then(record) else {
            return Some(ReadError::BadRecord(at as u32));
        };
        let len = rd_u32(body, at).unwrap_or(0) as usize;
        if !f(r) {
            return None;
        }
        at += len;
    }
    clamped.then_some(ReadError::UsedOutOfRange)
}

/// The method whose code contains `addr`, with the IL instruction, if the
/// map records it; and the reader's complaint about the region, if any.
pub fn symbolize(region: &[u8], addr: u64) -> (Option<Symbol>, Option<ReadError>) {
    let mut hit = None;
    let err = walk(region, |r| {
        let Some(off) = addr.checked_sub(r.code_start) else {
            return true;
        };
        if off >= u64::from(r.code_len) {
            return true;
        }
        let mut il = None;
        for c in r.ranges.as_chunks::<RANGE>().0 {
            let (Some(s), Some(e), Some(i), Some(op)) =
                (rd_u32(c, 0), rd_u32(c, 4), rd_u32(c, 8), rd_u16(c, 12))
            else {
                break;
            };
            if u64::from(s) <= off && off < u64::from(e) {
                let name = r.ops.get(usize::from(op)).copied().unwrap_or("?");
                il = Some((i, String::from(name)));
                break;
            }
        }
        hit = Some(Symbol {
            method: String::from(r.name),
            offset: off,
            il,
        });
        false
    });
    (hit, err)
}

/// How many records parse (diagnostics).
pub fn count(region: &[u8]) -> (usize, Option<ReadError>) {
    let mut n = 0;
    let e = walk(region, |_| {
        n += 1;
        true
    });
    (n, e)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut region = alloc::vec![0u8; 4096];
        init(&mut region).unwrap();
        let r1 = [
            (4, 10, 0, "ldc.i4.0"),
            (10, 20, 2, "ldfld"),
            (20, 24, 7, "ret"),
        ];
        let a = Method {
            name: "Cordon.Drivers.Dev::Start",
            code_start: 0x2000_0000_0000,
            code_len: 32,
            ranges: &r1,
        };
        append(&mut region, &encode(&a).unwrap()).unwrap();
        let r2 = [(0, 8, 0, "ldfld"), (8, 9, 5, "ret")];
        let b = Method {
            name: "B::M",
            code_start: 0x2000_0000_1000,
            code_len: 16,
            ranges: &r2,
        };
        append(&mut region, &encode(&b).unwrap()).unwrap();
        region
    }

    #[test]
    fn finds_method_il_offset_and_instruction() {
        let region = sample();
        let (s, e) = symbolize(&region, 0x2000_0000_0000 + 12);
        assert_eq!(e, None);
        let s = s.unwrap();
        assert_eq!(s.method, "Cordon.Drivers.Dev::Start");
        assert_eq!(s.offset, 12);
        assert_eq!(s.il, Some((2, String::from("ldfld"))));
        // Prologue: the method, no instruction.
        let (s, _) = symbolize(&region, 0x2000_0000_0000 + 1);
        assert_eq!(s.unwrap().il, None);
        // Second record, ops table of its own.
        let (s, _) = symbolize(&region, 0x2000_0000_1008);
        assert_eq!(s.unwrap().il, Some((5, String::from("ret"))));
        // Outside every method.
        assert_eq!(symbolize(&region, 0x2000_0000_0020).0, None);
        assert_eq!(count(&region), (2, None));
    }

    #[test]
    fn backtrace_follows_the_chain_within_the_stack() {
        let base = 0x7000_0000u64;
        let mut stack = alloc::vec![0u8; 256];
        fn frame(stack: &mut [u8], at: usize, next: u64, ret: u64) {
            stack[at..at + 8].copy_from_slice(&next.to_le_bytes());
            stack[at + 8..at + 16].copy_from_slice(&ret.to_le_bytes());
        }
        frame(&mut stack, 0x10, base + 0x40, 0x1111);
        frame(&mut stack, 0x40, base + 0x80, 0x2222);
        frame(&mut stack, 0x80, 0, 0x3333); // outermost: chain ends (does not climb)
        assert_eq!(
            backtrace(&stack, base, base + 0x10),
            [0x1111, 0x2222, 0x3333]
        );
        // A loop, an address below the area, one past its end: no panic, bounded.
        frame(&mut stack, 0x80, base + 0x10, 0x3333);
        assert_eq!(backtrace(&stack, base, base + 0x10).len(), 3);
        assert!(backtrace(&stack, base, base - 8).is_empty());
        assert!(backtrace(&stack, base, base + 250).is_empty());
        assert!(backtrace(&stack, base, u64::MAX).is_empty());
        let mut m = alloc::vec![0u8; 64];
        init(&mut m).unwrap();
        assert_eq!(base_of(&m), 0);
        set_base(&mut m, base).unwrap();
        assert_eq!(base_of(&m), base);
    }

    fn base_of(m: &[u8]) -> u64 {
        base(m)
    }

    #[test]
    fn full_region_refuses_and_keeps_what_it_has() {
        let mut region = alloc::vec![0u8; 72];
        init(&mut region).unwrap();
        let r = [(0, 4, 0, "nop")];
        let m = Method {
            name: "A::B",
            code_start: 0x1000,
            code_len: 4,
            ranges: &r,
        };
        let rec = encode(&m).unwrap();
        append(&mut region, &rec).unwrap();
        assert_eq!(append(&mut region, &rec), Err(WriteError::Full));
        assert_eq!(count(&region), (1, None));
        assert_eq!(
            append(&mut [0u8; 8], &rec),
            Err(WriteError::BadRegion),
            "no header"
        );
    }

    #[test]
    fn half_written_record_is_not_counted() {
        let mut region = sample();
        let used = rd_u32(&region, 8).unwrap() as usize;
        // A writer that died after storing part of a third record.
        region[HEADER + used..HEADER + used + 12].fill(0xAB);
        assert_eq!(count(&region), (2, None));
    }

    #[test]
    fn truncations_and_bit_flips_never_panic() {
        let region = sample();
        let used = rd_u32(&region, 8).unwrap() as usize;
        for cut in 0..HEADER + used {
            let _ = symbolize(&region[..cut], 0x2000_0000_000c);
            let _ = count(&region[..cut]);
        }
        for i in 0..(HEADER + used) * 8 {
            let mut r = region.clone();
            r[i / 8] ^= 1 << (i % 8);
            let _ = symbolize(&r, 0x2000_0000_000c);
            let (n, _) = count(&r);
            assert!(n <= 2);
        }
        // Garbage `used` is clamped to the region, and said.
        let mut r = region.clone();
        r[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(
            count(&r).1,
            Some(ReadError::UsedOutOfRange | ReadError::BadRecord(_))
        ));
        // Wrong magic or version: nothing.
        let mut r = region.clone();
        r[4] = 9;
        assert_eq!(count(&r), (0, Some(ReadError::BadHeader)));
        // A record whose length lies: bad, reader stops there.
        let mut r = region.clone();
        r[HEADER..HEADER + 4].copy_from_slice(&3u32.to_le_bytes());
        assert_eq!(count(&r), (0, Some(ReadError::BadRecord(0))));
    }
}
