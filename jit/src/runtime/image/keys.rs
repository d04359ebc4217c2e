//! Types, methods and fields by name instead of by id: how an image says
//! what its code refers to.
//!
//! Ids are indices into one runtime's type system, in the order it
//! happened to load things; a key is what the id was made from — an
//! assembly and a metadata row, a generic definition and its arguments,
//! an element type. The exporter writes a table of keys, each entry
//! referring only to entries before it; the importer resolves the table
//! top to bottom in its own type system (loading what it has not loaded
//! yet) and checks that every answer is what the key describes.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::ImageError;
use super::wire::{Reader, Writer};
use crate::types::{AsmId, FieldId, MethodId, Prim, Ty, TypeId, TypeKind, TypeSystem};

/// A primitive is written as its index here.
const PRIMS: [Prim; 14] = Prim::ALL;

// Entry tags of the key table.
const TYPE_DEF: u8 = 0;
const TYPE_INST: u8 = 1;
const TYPE_ARRAY: u8 = 2;
const TYPE_MD_ARRAY: u8 = 3;
const METHOD: u8 = 4;
const FIELD: u8 = 5;

// Tags of a `Ty` inside an entry.
const TY_VOID: u8 = 0;
const TY_PRIM: u8 = 1;
const TY_REF: u8 = 2;
const TY_VALUE: u8 = 3;
const TY_PTR: u8 = 4;
const TY_BYREF: u8 = 5;

/// The exporter's side: ids to key-table indices, entries written as
/// they are first needed.
#[derive(Default)]
pub(super) struct KeyWriter {
    types: BTreeMap<TypeId, u32>,
    methods: BTreeMap<MethodId, u32>,
    fields: BTreeMap<FieldId, u32>,
    entries: u32,
    pub w: Writer,
}

impl KeyWriter {
    /// The number of entries written.
    pub fn entries(&self) -> u32 {
        self.entries
    }

    pub fn ty_index(&mut self, ts: &TypeSystem, t: TypeId) -> Result<u32, ImageError> {
        if let Some(&i) = self.types.get(&t) {
            return Ok(i);
        }
        let info = ts.ty(t);
        let mut body = Writer::default();
        if let Some(def) = info.generic_def {
            let args = info.type_args.clone();
            let d = self.ty_index(ts, def)?;
            let mut arg_bytes = Writer::default();
            for a in &args {
                self.write_ty(ts, *a, &mut arg_bytes)?;
            }
            body.out.push(TYPE_INST);
            body.var(u64::from(d));
            body.var(args.len() as u64);
            body.out.extend_from_slice(&arg_bytes.out);
        } else if let TypeKind::Array(elem) = info.kind {
            let rank = info.array_rank;
            let mut e = Writer::default();
            self.write_ty(ts, elem, &mut e)?;
            if rank == 0 {
                body.out.push(TYPE_ARRAY);
                body.out.extend_from_slice(&e.out);
            } else {
                body.out.push(TYPE_MD_ARRAY);
                body.out.extend_from_slice(&e.out);
                body.var(u64::from(rank));
            }
        } else if info.def != 0 {
            body.out.push(TYPE_DEF);
            body.var(u64::from(info.asm.0));
            body.var(u64::from(info.def));
        } else {
            return Err(ImageError::Unkeyable);
        }
        Ok(self.push(body, |k, i| k.types.insert(t, i)))
    }

    pub fn method_index(&mut self, ts: &TypeSystem, m: MethodId) -> Result<u32, ImageError> {
        if let Some(&i) = self.methods.get(&m) {
            return Ok(i);
        }
        let info = ts.method(m);
        let (owner, rid, args) = (info.owner, info.rid, info.method_args.clone());
        let o = self.ty_index(ts, owner)?;
        let mut body = Writer::default();
        body.out.push(METHOD);
        body.var(u64::from(o));
        body.var(u64::from(rid));
        body.var(args.len() as u64);
        for a in &args {
            self.write_ty(ts, *a, &mut body)?;
        }
        Ok(self.push(body, |k, i| k.methods.insert(m, i)))
    }

    pub fn field_index(&mut self, ts: &TypeSystem, f: FieldId) -> Result<u32, ImageError> {
        if let Some(&i) = self.fields.get(&f) {
            return Ok(i);
        }
        let info = ts.field(f);
        let (owner, rid) = (info.owner, info.rid);
        let o = self.ty_index(ts, owner)?;
        let mut body = Writer::default();
        body.out.push(FIELD);
        body.var(u64::from(o));
        body.var(u64::from(rid));
        Ok(self.push(body, |k, i| k.fields.insert(f, i)))
    }

    /// Append an entry whose dependencies are already written.
    fn push(&mut self, body: Writer, record: impl FnOnce(&mut Self, u32) -> Option<u32>) -> u32 {
        let i = self.entries;
        self.entries += 1;
        self.w.out.extend_from_slice(&body.out);
        record(self, i);
        i
    }

    fn write_ty(&mut self, ts: &TypeSystem, ty: Ty, w: &mut Writer) -> Result<(), ImageError> {
        match ty {
            Ty::Void => w.out.push(TY_VOID),
            Ty::Prim(p) => {
                let code = PRIMS
                    .iter()
                    .position(|&x| x == p)
                    .ok_or(ImageError::Unkeyable)?;
                w.out.push(TY_PRIM);
                w.out.push(code as u8);
            }
            Ty::Ref(t) => {
                let i = self.ty_index(ts, t)?;
                w.out.push(TY_REF);
                w.var(u64::from(i));
            }
            Ty::Value(t) => {
                let i = self.ty_index(ts, t)?;
                w.out.push(TY_VALUE);
                w.var(u64::from(i));
            }
            Ty::Ptr => w.out.push(TY_PTR),
            Ty::ByRef => w.out.push(TY_BYREF),
        }
        Ok(())
    }
}

/// One resolved entry of the key table.
#[derive(Clone, Copy)]
enum Resolved {
    Type(TypeId),
    Method(MethodId),
    Field(FieldId),
}

/// The importer's side: the key table resolved in this runtime's type
/// system.
pub(super) struct Keys {
    entries: Vec<Resolved>,
}

impl Keys {
    /// Read and resolve `n` entries.
    pub fn read(r: &mut Reader<'_>, n: usize, ts: &mut TypeSystem) -> Result<Self, ImageError> {
        let mut k = Keys {
            entries: Vec::with_capacity(n.min(r.left())),
        };
        for _ in 0..n {
            let tag = *r.take(1)?.first().ok_or(ImageError::Truncated)?;
            let e = match tag {
                TYPE_DEF => {
                    let asm = u16::try_from(r.var()?).map_err(|_| ImageError::Malformed)?;
                    let rid = r.u32()?;
                    if usize::from(asm) >= ts.assemblies.len() {
                        return Err(ImageError::Key);
                    }
                    Resolved::Type(ts.type_def(AsmId(asm), rid).map_err(|_| ImageError::Key)?)
                }
                TYPE_INST => {
                    let def = k.ty(r.u32()?)?;
                    let n = r.count()?;
                    let mut args = Vec::with_capacity(n);
                    for _ in 0..n {
                        args.push(k.read_ty(r)?);
                    }
                    Resolved::Type(ts.instantiate(def, args).map_err(|_| ImageError::Key)?)
                }
                TYPE_ARRAY => {
                    let elem = k.read_ty(r)?;
                    Resolved::Type(ts.array_of(elem).map_err(|_| ImageError::Key)?)
                }
                TYPE_MD_ARRAY => {
                    let elem = k.read_ty(r)?;
                    let rank = r.u32()?;
                    Resolved::Type(ts.md_array_of(elem, rank).map_err(|_| ImageError::Key)?)
                }
                METHOD => {
                    let owner = k.ty(r.u32()?)?;
                    let rid = r.u32()?;
                    let n = r.count()?;
                    let mut args = Vec::with_capacity(n);
                    for _ in 0..n {
                        args.push(k.read_ty(r)?);
                    }
                    let def = ts
                        .method_of_type_by_rid(owner, rid)
                        .ok_or(ImageError::Key)?;
                    let m = if args.is_empty() {
                        def
                    } else {
                        ts.instantiate_method(def, args)
                            .map_err(|_| ImageError::Key)?
                    };
                    Resolved::Method(m)
                }
                FIELD => {
                    let owner = k.ty(r.u32()?)?;
                    let rid = r.u32()?;
                    ts.ensure_layout(owner).map_err(|_| ImageError::Key)?;
                    let t = ts.ty(owner);
                    let f = t
                        .fields
                        .iter()
                        .chain(t.static_fields.iter())
                        .copied()
                        .find(|&f| ts.field(f).rid == rid)
                        .ok_or(ImageError::Key)?;
                    Resolved::Field(f)
                }
                _ => return Err(ImageError::Malformed),
            };
            k.entries.push(e);
        }
        Ok(k)
    }

    pub fn ty(&self, i: u32) -> Result<TypeId, ImageError> {
        match self.entries.get(i as usize) {
            Some(Resolved::Type(t)) => Ok(*t),
            _ => Err(ImageError::Malformed),
        }
    }

    pub fn method(&self, i: u32) -> Result<MethodId, ImageError> {
        match self.entries.get(i as usize) {
            Some(Resolved::Method(m)) => Ok(*m),
            _ => Err(ImageError::Malformed),
        }
    }

    pub fn field(&self, i: u32) -> Result<FieldId, ImageError> {
        match self.entries.get(i as usize) {
            Some(Resolved::Field(f)) => Ok(*f),
            _ => Err(ImageError::Malformed),
        }
    }

    fn read_ty(&self, r: &mut Reader<'_>) -> Result<Ty, ImageError> {
        let tag = *r.take(1)?.first().ok_or(ImageError::Truncated)?;
        Ok(match tag {
            TY_VOID => Ty::Void,
            TY_PRIM => {
                let c = *r.take(1)?.first().ok_or(ImageError::Truncated)?;
                Ty::Prim(*PRIMS.get(usize::from(c)).ok_or(ImageError::Malformed)?)
            }
            TY_REF => Ty::Ref(self.ty(r.u32()?)?),
            TY_VALUE => Ty::Value(self.ty(r.u32()?)?),
            TY_PTR => Ty::Ptr,
            TY_BYREF => Ty::ByRef,
            _ => return Err(ImageError::Malformed),
        })
    }
}
