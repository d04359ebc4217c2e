//! Writing an image of what a runtime compiled.

use alloc::vec::Vec;

use super::keys::KeyWriter;
use super::wire::Writer;
use super::{ImageError, MAGIC, Part, fingerprint};
use crate::compiler::eh_table::ClauseKind;
use crate::compiler::funclet::FrameHome;
use crate::compiler::symbols::Sym;
use crate::runtime::{Cell, CodeRange, Runtime};
use crate::types::content_hash;

/// Symbol tags (the importer's `import::read_sym` reads them back).
pub(super) mod tag {
    pub const HELPER: u8 = 0;
    pub const IN_FLIGHT: u8 = 1;
    pub const WRITE_BARRIER: u8 = 2;
    pub const METHOD_CELL: u8 = 3;
    pub const UNBOXING_CELL: u8 = 4;
    pub const METHOD_TABLE: u8 = 5;
    pub const CCTOR_STATE: u8 = 6;
    pub const STATICS: u8 = 7;
    pub const FIELD_DATA: u8 = 8;
    pub const STRING_LITERAL: u8 = 9;
    pub const CALL_SITE_CACHE: u8 = 10;
    pub const ALLOC_BUDGET: u8 = 11;
    pub const ALLOC_FREE_LIST: u8 = 12;
    pub const TYPE_NUM: u8 = 13;
    pub const METHOD_NUM: u8 = 14;
    pub const FIELD_NUM: u8 = 15;
    pub const NURSERY_BUMP: u8 = 16;
    pub const NURSERY_LIMIT: u8 = 17;
    pub const YOUNG_BASE: u8 = 18;
    pub const REMEMBER: u8 = 19;
}

pub(super) fn write(rt: &Runtime) -> Result<Vec<u8>, ImageError> {
    let mut keys = KeyWriter::default();
    let mut methods = Writer::default();
    let mut count = 0u64;
    for r in &rt.code_ranges {
        let Some(part) = rt.image_parts.get(&r.method) else {
            continue;
        };
        // The method's own code, not one of its filter funclets (those
        // are compiled when first needed, in every runtime).
        let cell = rt.types.method(r.method).cell;
        // SAFETY: a non-zero `cell` is a live Cell the runtime owns.
        if cell == 0 || unsafe { (*(cell as *const Cell)).code } != r.start {
            continue;
        }
        let mut w = Writer::default();
        match method(rt, &mut keys, &mut w, r, part) {
            Ok(()) => {
                methods.out.extend_from_slice(&w.out);
                count += 1;
            }
            Err(ImageError::Unkeyable) => {}
            Err(e) => return Err(e),
        }
    }
    let mut out = Writer::default();
    out.out.extend_from_slice(MAGIC);
    out.u64(fingerprint(rt));
    out.var(rt.types.assemblies.len() as u64);
    for a in &rt.types.assemblies {
        out.u64(a.hash);
    }
    out.var(u64::from(keys.entries()));
    out.out.extend_from_slice(&keys.w.out);
    out.var(count);
    out.out.extend_from_slice(&methods.out);
    let h = content_hash(&out.out);
    out.u64(h);
    Ok(out.out)
}

fn method(
    rt: &Runtime,
    keys: &mut KeyWriter,
    w: &mut Writer,
    r: &CodeRange,
    part: &Part,
) -> Result<(), ImageError> {
    let ts = &rt.types;
    w.var(u64::from(keys.method_index(ts, r.method)?));
    w.var(u64::from(part.il_len));
    w.var(u64::from(part.intrinsics));
    // The code as compiled, not as it is in code memory now: whatever
    // happened to the installed copy since (a fault injection flipping its
    // bits) does not reach the image.
    w.bytes(&part.code);
    w.var(part.syms.len() as u64);
    for &(s, _) in &part.syms {
        sym(rt, keys, w, s)?;
    }
    w.var(part.relocs.len() as u64);
    for rel in &part.relocs {
        w.var(u64::from(rel.offset));
        w.var(u64::from(rel.sym));
        w.svar(rel.addend);
    }
    let ranges = r.il_map.ranges();
    w.var(ranges.len() as u64);
    for x in ranges {
        w.var(u64::from(x.start));
        w.var(u64::from(x.end));
        w.var(u64::from(x.il));
    }
    let eh = rt
        .eh_tables
        .get(&r.method)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    w.var(eh.len() as u64);
    for c in eh {
        match c.kind {
            ClauseKind::Catch(t) => {
                w.out.push(0);
                w.var(u64::from(keys.ty_index(ts, t)?));
            }
            ClauseKind::Filter(off) => {
                w.out.push(1);
                w.var(u64::from(off));
            }
            ClauseKind::Finally => w.out.push(2),
            ClauseKind::Fault => w.out.push(3),
        }
        for v in [c.try_start, c.try_end, c.handler_start, c.handler_end] {
            w.var(u64::from(v));
        }
    }
    match rt.filter_frames.get(&r.method) {
        None => w.out.push(0),
        Some(f) => {
            w.out.push(1);
            for homes in [&f.args, &f.locals] {
                w.var(homes.len() as u64);
                for h in homes {
                    match *h {
                        FrameHome::At(o) => {
                            w.out.push(0);
                            w.svar(i64::from(o));
                        }
                        FrameHome::PtrAt(o) => {
                            w.out.push(1);
                            w.svar(i64::from(o));
                        }
                    }
                }
            }
        }
    }
    w.var(r.stack_maps.len() as u64);
    for m in &r.stack_maps {
        w.var(u64::from(m.ret));
        w.var(m.slots.len() as u64);
        for &s in &m.slots {
            w.var(u64::from(s));
        }
        w.var(m.pinned.len() as u64);
        for &s in &m.pinned {
            w.var(u64::from(s));
        }
    }
    Ok(())
}

fn sym(rt: &Runtime, keys: &mut KeyWriter, w: &mut Writer, s: Sym) -> Result<(), ImageError> {
    let ts = &rt.types;
    match s {
        Sym::Helper(h) => {
            let i = crate::abi::Helper::ALL
                .iter()
                .position(|&x| x == h)
                .ok_or(ImageError::Unkeyable)?;
            w.out.push(tag::HELPER);
            w.var(i as u64);
        }
        Sym::InFlight => w.out.push(tag::IN_FLIGHT),
        Sym::WriteBarrier => w.out.push(tag::WRITE_BARRIER),
        Sym::MethodCell(m) => {
            let i = keys.method_index(ts, m)?;
            w.out.push(tag::METHOD_CELL);
            w.var(u64::from(i));
        }
        Sym::UnboxingCell(m) => {
            let i = keys.method_index(ts, m)?;
            w.out.push(tag::UNBOXING_CELL);
            w.var(u64::from(i));
        }
        Sym::MethodTable(t) => type_sym(keys, ts, w, tag::METHOD_TABLE, t)?,
        Sym::CctorState(t) => type_sym(keys, ts, w, tag::CCTOR_STATE, t)?,
        Sym::Statics(t) => type_sym(keys, ts, w, tag::STATICS, t)?,
        Sym::TypeNum(t) => type_sym(keys, ts, w, tag::TYPE_NUM, t)?,
        Sym::FieldData(f) => {
            let i = keys.field_index(ts, f)?;
            w.out.push(tag::FIELD_DATA);
            w.var(u64::from(i));
        }
        Sym::FieldNum(f) => {
            let i = keys.field_index(ts, f)?;
            w.out.push(tag::FIELD_NUM);
            w.var(u64::from(i));
        }
        Sym::MethodNum(m) => {
            let i = keys.method_index(ts, m)?;
            w.out.push(tag::METHOD_NUM);
            w.var(u64::from(i));
        }
        Sym::StringLiteral(asm, tok) => {
            w.out.push(tag::STRING_LITERAL);
            w.var(u64::from(asm.0));
            w.var(u64::from(tok.raw()));
        }
        Sym::CallSiteCache(n) => {
            w.out.push(tag::CALL_SITE_CACHE);
            w.var(u64::from(n));
        }
        Sym::AllocBudget => w.out.push(tag::ALLOC_BUDGET),
        Sym::NurseryBump => w.out.push(tag::NURSERY_BUMP),
        Sym::NurseryLimit => w.out.push(tag::NURSERY_LIMIT),
        Sym::YoungBase => w.out.push(tag::YOUNG_BASE),
        Sym::Remember => w.out.push(tag::REMEMBER),
        Sym::AllocFreeList(size) => {
            w.out.push(tag::ALLOC_FREE_LIST);
            w.var(u64::from(size));
        }
    }
    Ok(())
}

fn type_sym(
    keys: &mut KeyWriter,
    ts: &crate::types::TypeSystem,
    w: &mut Writer,
    tag: u8,
    t: crate::types::TypeId,
) -> Result<(), ImageError> {
    let i = keys.ty_index(ts, t)?;
    w.out.push(tag);
    w.var(u64::from(i));
    Ok(())
}
