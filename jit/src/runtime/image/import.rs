//! Reading an image into a runtime: check it whole, resolve every key
//! and symbol, patch every method's code, and only then install.

use alloc::vec::Vec;

use super::export::tag;
use super::keys::Keys;
use super::wire::Reader;
use super::{ImageError, ImageStats, MAGIC, Part, fingerprint};
use crate::compiler::Compiled;
use crate::compiler::eh_table::{ClauseKind, EhClause};
use crate::compiler::env::CompileEnv;
use crate::compiler::funclet::{FilterFrame, FrameHome};
use crate::compiler::ilmap::{IlMap, IlRange};
use crate::compiler::stackmaps::StackMap;
use crate::compiler::symbols::{self, Reloc, Sym};
use crate::metadata::Token;
use crate::runtime::{Cell, Runtime};
use crate::types::{AsmId, MethodId, MethodKind, content_hash};

// Imported methods are packed as staged ones are (a cache line apart).
use crate::runtime::staged::METHOD_ALIGN;

/// One method read from the image, its code patched for this runtime.
struct Ready {
    m: MethodId,
    compiled: Compiled,
    part: Part,
}

pub(super) fn read(rt: &mut Runtime, bytes: &[u8]) -> Result<ImageStats, ImageError> {
    let split = bytes.len().checked_sub(8).ok_or(ImageError::Truncated)?;
    let (body, tail) = bytes.split_at(split);
    if body.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        return Err(ImageError::BadMagic);
    }
    let mut t = Reader::new(tail);
    if t.u64()? != content_hash(body) {
        return Err(ImageError::Corrupt);
    }
    let mut r = Reader::new(body);
    r.take(MAGIC.len())?;
    if r.u64()? != fingerprint(rt) {
        return Err(ImageError::Fingerprint);
    }
    let nasm = r.count()?;
    if nasm != rt.types.assemblies.len() {
        return Err(ImageError::Assemblies);
    }
    for i in 0..nasm {
        let h = r.u64()?;
        if rt.types.assemblies.get(i).map(|a| a.hash) != Some(h) {
            return Err(ImageError::Assemblies);
        }
    }
    let nkeys = r.count()?;
    let keys = Keys::read(&mut r, nkeys, &mut rt.types)?;
    let n = r.count()?;
    let mut ready = Vec::with_capacity(n);
    for _ in 0..n {
        ready.push(method(rt, &keys, &mut r)?);
    }
    if r.left() != 0 {
        return Err(ImageError::Malformed);
    }
    // All the code in one piece of code memory (one mapping and one
    // protection change, not one per method), each method at an aligned
    // offset: the code refers to nothing by its own address but within
    // itself, so it runs anywhere.
    let mut all = Vec::new();
    let mut offsets = Vec::with_capacity(ready.len());
    for r in &ready {
        all.resize(all.len().next_multiple_of(METHOD_ALIGN), 0xcc);
        offsets.push(all.len());
        all.extend_from_slice(&r.compiled.code);
    }
    let mut cells = Vec::with_capacity(ready.len());
    for r in &ready {
        cells.push(rt.cell(r.m).map_err(|_| ImageError::Symbol)?);
    }
    let base = if all.is_empty() {
        0
    } else {
        rt.code.install(&all).map_err(|_| ImageError::CodeMemory)? as usize
    };
    let mut stats = ImageStats::default();
    for ((Ready { m, compiled, part }, off), cell) in ready.into_iter().zip(offsets).zip(cells) {
        stats.methods += 1;
        stats.code_bytes += compiled.code.len() as u64;
        stats.relocs += part.relocs.len() as u32;
        let Compiled {
            code,
            eh,
            frame,
            il_len,
            il_map,
            intrinsics,
            stack_maps,
            ..
        } = compiled;
        if !eh.is_empty() {
            rt.eh_tables.insert(m, eh);
        }
        if let Some(f) = frame {
            rt.filter_frames.insert(m, f);
        }
        let addr = base + off;
        rt.record_code(m, addr, code.len(), il_len, il_map, intrinsics, stack_maps);
        rt.stats.imported += 1;
        rt.image_parts.insert(m, part);
        // SAFETY: `cell` is a live Cell the runtime owns; its method has
        // no code yet (checked in `method`), so nothing runs through it.
        unsafe { (*(cell as *mut Cell)).code = addr };
    }
    Ok(stats)
}

fn method(rt: &mut Runtime, keys: &Keys, r: &mut Reader<'_>) -> Result<Ready, ImageError> {
    let m = keys.method(r.u32()?)?;
    if rt.types.method(m).kind != MethodKind::Il {
        return Err(ImageError::Key);
    }
    let cell = rt.cell(m).map_err(|_| ImageError::Symbol)?;
    // SAFETY: `cell` is a live Cell the runtime owns.
    if !rt.is_stub(unsafe { (*(cell as *const Cell)).code }) {
        return Err(ImageError::AlreadyCompiled);
    }
    let il_len = r.u32()?;
    let intrinsics = r.u32()?;
    let unpatched = r.bytes()?;
    let mut code = unpatched.to_vec();
    let nsyms = r.count()?;
    let mut syms = Vec::with_capacity(nsyms);
    for _ in 0..nsyms {
        let s = read_sym(keys, r)?;
        let v = value(rt, s)?;
        syms.push((s, v));
    }
    let nrel = r.count()?;
    let mut relocs = Vec::with_capacity(nrel);
    for _ in 0..nrel {
        relocs.push(Reloc {
            offset: r.u32()?,
            sym: r.u32()?,
            addend: r.svar()?,
        });
    }
    symbols::patch(&mut code, &relocs, |i| {
        syms.get(i as usize).map(|&(_, v)| v)
    })
    .ok_or(ImageError::Malformed)?;
    let len = u32::try_from(code.len()).map_err(|_| ImageError::Malformed)?;
    let nranges = r.count()?;
    let mut ranges = Vec::with_capacity(nranges);
    for _ in 0..nranges {
        let x = IlRange {
            start: r.u32()?,
            end: r.u32()?,
            il: r.u32()?,
        };
        if x.end > len {
            return Err(ImageError::Malformed);
        }
        ranges.push(x);
    }
    let il_map = IlMap::from_ranges(ranges).ok_or(ImageError::Malformed)?;
    let neh = r.count()?;
    let mut eh = Vec::with_capacity(neh);
    for _ in 0..neh {
        let kind = match *r.take(1)?.first().ok_or(ImageError::Truncated)? {
            0 => ClauseKind::Catch(keys.ty(r.u32()?)?),
            1 => ClauseKind::Filter(r.u32()?),
            2 => ClauseKind::Finally,
            3 => ClauseKind::Fault,
            _ => return Err(ImageError::Malformed),
        };
        eh.push(EhClause {
            kind,
            try_start: r.u32()?,
            try_end: r.u32()?,
            handler_start: r.u32()?,
            handler_end: r.u32()?,
        });
    }
    let frame = match *r.take(1)?.first().ok_or(ImageError::Truncated)? {
        0 => None,
        1 => Some(FilterFrame {
            args: homes(r)?,
            locals: homes(r)?,
        }),
        _ => return Err(ImageError::Malformed),
    };
    let nmaps = r.count()?;
    let mut stack_maps: Vec<StackMap> = Vec::with_capacity(nmaps);
    for _ in 0..nmaps {
        let ret = r.u32()?;
        // Return addresses ascend and lie inside the code (the collector's
        // frame walk searches them).
        if ret > len || stack_maps.last().is_some_and(|p| p.ret >= ret) {
            return Err(ImageError::Malformed);
        }
        let ns = r.count()?;
        let mut slots = Vec::with_capacity(ns);
        for _ in 0..ns {
            slots.push(r.u32()?);
        }
        // Pinned slots (their objects stay put in a minor collection) are
        // some of the slots.
        let np = r.count()?;
        let mut pinned = Vec::with_capacity(np);
        for _ in 0..np {
            let p = r.u32()?;
            if !slots.contains(&p) {
                return Err(ImageError::Malformed);
            }
            pinned.push(p);
        }
        stack_maps.push(StackMap { ret, slots, pinned });
    }
    let part = Part {
        code: unpatched.to_vec(),
        syms,
        relocs,
        il_len,
        intrinsics,
    };
    Ok(Ready {
        m,
        compiled: Compiled {
            code,
            // Kept once, in `part` (what a later export reads).
            syms: Vec::new(),
            relocs: Vec::new(),
            keepable: true,
            il_len: il_len as usize,
            il_map,
            eh,
            frame,
            intrinsics,
            stack_maps,
        },
        part,
    })
}

fn homes(r: &mut Reader<'_>) -> Result<Vec<FrameHome>, ImageError> {
    let n = r.count()?;
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(match *r.take(1)?.first().ok_or(ImageError::Truncated)? {
            0 => FrameHome::At(r.i32()?),
            1 => FrameHome::PtrAt(r.i32()?),
            _ => return Err(ImageError::Malformed),
        });
    }
    Ok(v)
}

fn read_sym(keys: &Keys, r: &mut Reader<'_>) -> Result<Sym, ImageError> {
    let t = *r.take(1)?.first().ok_or(ImageError::Truncated)?;
    Ok(match t {
        tag::HELPER => Sym::Helper(
            *crate::abi::Helper::ALL
                .get(usize::try_from(r.var()?).map_err(|_| ImageError::Malformed)?)
                .ok_or(ImageError::Malformed)?,
        ),
        tag::IN_FLIGHT => Sym::InFlight,
        tag::WRITE_BARRIER => Sym::WriteBarrier,
        tag::METHOD_CELL => Sym::MethodCell(keys.method(r.u32()?)?),
        tag::UNBOXING_CELL => Sym::UnboxingCell(keys.method(r.u32()?)?),
        tag::METHOD_TABLE => Sym::MethodTable(keys.ty(r.u32()?)?),
        tag::CCTOR_STATE => Sym::CctorState(keys.ty(r.u32()?)?),
        tag::STATICS => Sym::Statics(keys.ty(r.u32()?)?),
        tag::FIELD_DATA => Sym::FieldData(keys.field(r.u32()?)?),
        tag::STRING_LITERAL => {
            let asm = u16::try_from(r.var()?).map_err(|_| ImageError::Malformed)?;
            Sym::StringLiteral(AsmId(asm), Token::from_raw(r.u32()?))
        }
        tag::CALL_SITE_CACHE => Sym::CallSiteCache(r.u32()?),
        tag::ALLOC_BUDGET => Sym::AllocBudget,
        tag::NURSERY_BUMP => Sym::NurseryBump,
        tag::NURSERY_LIMIT => Sym::NurseryLimit,
        tag::YOUNG_BASE => Sym::YoungBase,
        tag::REMEMBER => Sym::Remember,
        tag::ALLOC_FREE_LIST => Sym::AllocFreeList(r.u32()?),
        tag::TYPE_NUM => Sym::TypeNum(keys.ty(r.u32()?)?),
        tag::METHOD_NUM => Sym::MethodNum(keys.method(r.u32()?)?),
        tag::FIELD_NUM => Sym::FieldNum(keys.field(r.u32()?)?),
        _ => return Err(ImageError::Malformed),
    })
}

/// What `s` is in this runtime: what the compiler would have been told.
fn value(rt: &mut Runtime, s: Sym) -> Result<usize, ImageError> {
    match s {
        Sym::CctorState(t) => Ok(rt.cctor_flag(t)),
        Sym::Statics(t) => {
            rt.types.ensure_layout(t).map_err(|_| ImageError::Key)?;
            match rt.types.ty(t).statics {
                0 => Err(ImageError::Symbol),
                a => Ok(a),
            }
        }
        Sym::FieldData(f) => {
            let (asm, rid, ty) = {
                let fi = rt.types.field(f);
                (fi.asm, fi.rid, fi.ty)
            };
            let size = rt.types.size_of(ty).map_err(|_| ImageError::Key)?;
            match rt.types.image(asm).field_data(rid, size) {
                Ok(Some(d)) => Ok(d.as_ptr() as usize),
                _ => Err(ImageError::Symbol),
            }
        }
        Sym::AllocBudget => rt
            // One budget serves every size: ask for the smallest class's.
            .alloc_fast_path(16)
            .map(|f| f.budget)
            .ok_or(ImageError::Symbol),
        Sym::AllocFreeList(size) => rt
            .alloc_fast_path(size)
            .map(|f| f.free_list)
            .ok_or(ImageError::Symbol),
        // One bump pointer and chunk end serve every size.
        Sym::NurseryBump => rt
            .nursery_fast_path(16)
            .map(|n| n.bump)
            .ok_or(ImageError::Symbol),
        Sym::NurseryLimit => rt
            .nursery_fast_path(16)
            .map(|n| n.limit)
            .ok_or(ImageError::Symbol),
        Sym::YoungBase => rt
            .remember_barrier()
            .map(|b| b.young_base)
            .ok_or(ImageError::Symbol),
        Sym::Remember => rt
            .remember_barrier()
            .map(|b| b.remember)
            .ok_or(ImageError::Symbol),
        Sym::StringLiteral(asm, _) if usize::from(asm.0) >= rt.types.assemblies.len() => {
            Err(ImageError::Key)
        }
        Sym::MethodCell(m) | Sym::UnboxingCell(m)
            if rt.types.method(m).kind == MethodKind::Runtime && !rt.has_internal_call(m) =>
        {
            // The exporter had a body for this InternalCall (its caller
            // compiled); this runtime would have refused to compile the
            // caller. Refuse the image rather than call a missing body.
            Err(ImageError::Symbol)
        }
        _ => symbols::resolve(rt, s).map_err(|_| ImageError::Symbol),
    }
}
