//! Every runtime address or id that compiled code embeds, as a relocation.
//!
//! Compiled code refers to the runtime it was compiled for: helper
//! entry points, indirection cells, method tables, static blocks,
//! interned strings, type and method ids passed to helpers. The
//! translator never writes one as an immediate. It asks for a [`Sym`]
//! ([`Tr::sym`]), which becomes a Cranelift `symbol_value` of an
//! external name; Cranelift emits `movabs reg, 0` with an `Abs8`
//! relocation, and [`patch`] writes the address the environment gave.
//!
//! The point is that the code then says *what* it refers to, not only
//! *where* that was in one runtime: a later runtime over the same
//! assemblies resolves the same symbols to its own addresses and ids and
//! patches a copy of the code instead of compiling it again
//! (`runtime/image`, docs/driverhost.md "Keeping compiled code across
//! generations"). Numbers that do not depend on the runtime's state
//! (field offsets, sizes, vtable slots, exception kinds) stay immediates.

use alloc::vec::Vec;

use cranelift_codegen::binemit::Reloc as ClReloc;
use cranelift_codegen::entity::PrimaryMap;
use cranelift_codegen::ir::{
    ExternalName, GlobalValue, GlobalValueData, InstBuilder, UserExternalName, UserExternalNameRef,
    Value, immediates::Imm64, types,
};
use cranelift_codegen::{MachReloc, RelocTarget};

use super::env::CompileEnv;
use super::error::ErrorKind;
use super::func::{R, Tr};
use crate::abi::Helper;
use crate::metadata::Token;
use crate::types::{AsmId, FieldId, MethodId, TypeId};

/// The namespace of our external names (`UserExternalName::namespace`).
const NAMESPACE: u32 = 1;

/// What a relocation in compiled code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sym {
    /// The entry point of a runtime helper.
    Helper(Helper),
    /// The exception-in-flight word.
    InFlight,
    /// The write-barrier helper the runtime installed.
    WriteBarrier,
    /// A method's indirection cell.
    MethodCell(MethodId),
    /// A value-type method's unboxing cell.
    UnboxingCell(MethodId),
    /// A type's method table.
    MethodTable(TypeId),
    /// A type's static-constructor state byte.
    CctorState(TypeId),
    /// A type's block of static fields (the relocation's addend is the
    /// field's offset).
    Statics(TypeId),
    /// The initial data of a field with an RVA, in its assembly's image.
    FieldData(FieldId),
    /// The interned string of a user-string token.
    StringLiteral(AsmId, Token),
    /// An interface call site's cache (two words), the n-th of the method.
    CallSiteCache(u32),
    /// The inline allocation path's budget word.
    AllocBudget,
    /// The free-list head word of the size class of objects of this size.
    AllocFreeList(u32),
    /// The nursery's bump-pointer word (generational).
    NurseryBump,
    /// The nursery's chunk-end word (generational).
    NurseryLimit,
    /// The word holding the nursery's start (the generational barrier's
    /// filter).
    YoungBase,
    /// The generational barrier's `remember(slot)` helper.
    Remember,
    /// A type's id as the helpers take it.
    TypeNum(TypeId),
    /// A method's id as the helpers take it.
    MethodNum(MethodId),
    /// A field's id (`ldtoken` of a field).
    FieldNum(FieldId),
}

/// A relocation of compiled code: at `offset`, the 8-byte address (or
/// number) of symbol `sym` (an index into [`super::Compiled::syms`]) plus
/// `addend`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reloc {
    /// Byte offset of the 8-byte field in the code.
    pub offset: u32,
    /// Index of the symbol in the method's symbol list.
    pub sym: u32,
    /// Added to the symbol's value.
    pub addend: i64,
}

/// The symbols one translation used, each with the value the environment
/// gave it, and the global value that names it in the function.
#[derive(Default)]
pub(super) struct Symbols {
    pub list: Vec<(Sym, usize)>,
    gvs: Vec<(u32, i64, GlobalValue)>,
}

/// The value of `s` in `env`, for the symbols the translator resolves
/// through the environment alone.
pub(crate) fn resolve(env: &mut dyn CompileEnv, s: Sym) -> R<usize> {
    Ok(match s {
        Sym::Helper(h) => env.helper_addr(h),
        Sym::InFlight => env.in_flight_addr(),
        Sym::WriteBarrier => env.write_barrier().ok_or(ErrorKind::Codegen)?,
        Sym::MethodCell(m) => env.method_cell(m)?,
        Sym::UnboxingCell(m) => env.unboxing_cell(m)?,
        Sym::MethodTable(t) => env.method_table(t)?,
        Sym::Statics(t) => env.types().ty(t).statics,
        Sym::StringLiteral(asm, tok) => env.string_literal(asm, tok)?,
        Sym::CallSiteCache(_) => env.call_site_cache()?,
        Sym::TypeNum(t) => t.0 as usize,
        Sym::MethodNum(m) => m.0 as usize,
        Sym::FieldNum(f) => f.0 as usize,
        // Known only together with the decision that uses them
        // (`Tr::sym_known`).
        Sym::CctorState(_)
        | Sym::FieldData(_)
        | Sym::AllocBudget
        | Sym::AllocFreeList(_)
        | Sym::NurseryBump
        | Sym::NurseryLimit
        | Sym::YoungBase
        | Sym::Remember => {
            return Err(ErrorKind::Codegen);
        }
    })
}

impl Tr<'_, '_> {
    /// The value of symbol `s` (an address or id of the runtime compiled
    /// for), as a relocated constant.
    pub(super) fn sym(&mut self, s: Sym) -> R<Value> {
        self.sym_at(s, 0)
    }

    /// `s`'s value plus `offset`.
    pub(super) fn sym_at(&mut self, s: Sym, offset: i64) -> R<Value> {
        let idx = match self.syms.list.iter().position(|&(x, _)| x == s) {
            Some(i) => i,
            None => {
                let v = resolve(self.env, s)?;
                self.syms.list.push((s, v));
                self.syms.list.len() - 1
            }
        };
        Ok(self.sym_value(idx, offset))
    }

    /// Symbol `s`, whose value `v` the caller already had from the
    /// environment.
    pub(super) fn sym_known(&mut self, s: Sym, v: usize) -> Value {
        let idx = match self.syms.list.iter().position(|&(x, _)| x == s) {
            Some(i) => i,
            None => {
                self.syms.list.push((s, v));
                self.syms.list.len() - 1
            }
        };
        self.sym_value(idx, 0)
    }

    /// A helper's entry point.
    pub(super) fn helper_value(&mut self, h: Helper) -> Value {
        let addr = self.env.helper_addr(h);
        self.sym_known(Sym::Helper(h), addr)
    }

    /// An id symbol as the `i32` the helpers take.
    pub(super) fn sym_i32(&mut self, s: Sym) -> R<Value> {
        let v = self.sym(s)?;
        Ok(self.b.ins().ireduce(types::I32, v))
    }

    fn sym_value(&mut self, idx: usize, offset: i64) -> Value {
        let idx = idx as u32;
        let gv = match self
            .syms
            .gvs
            .iter()
            .find(|&&(i, o, _)| i == idx && o == offset)
        {
            Some(&(_, _, gv)) => gv,
            None => {
                let name = self
                    .b
                    .func
                    .declare_imported_user_function(UserExternalName::new(NAMESPACE, idx));
                let gv = self.b.create_global_value(GlobalValueData::Symbol {
                    name: ExternalName::user(name),
                    offset: Imm64::new(offset),
                    colocated: false,
                    tls: false,
                });
                self.syms.gvs.push((idx, offset, gv));
                gv
            }
        };
        self.b.ins().symbol_value(types::I64, gv)
    }
}

/// The relocations of finished code, as indices into the symbol list.
/// Anything but an absolute 8-byte reference to one of our names is a
/// code-generation error: the code could not be moved or patched.
pub(super) fn relocs(
    names: &PrimaryMap<UserExternalNameRef, UserExternalName>,
    found: &[MachReloc],
    nsyms: usize,
) -> Result<Vec<Reloc>, ErrorKind> {
    let mut out = Vec::with_capacity(found.len());
    for r in found {
        let RelocTarget::ExternalName(ExternalName::User(name)) = &r.target else {
            return Err(ErrorKind::Codegen);
        };
        let n = names.get(*name).ok_or(ErrorKind::Codegen)?;
        if r.kind != ClReloc::Abs8 || n.namespace != NAMESPACE || n.index as usize >= nsyms {
            return Err(ErrorKind::Codegen);
        }
        out.push(Reloc {
            offset: r.offset,
            sym: n.index,
            addend: r.addend,
        });
    }
    Ok(out)
}

/// Write each relocation's value (`value(sym) + addend`) into `code`.
pub fn patch(
    code: &mut [u8],
    relocs: &[Reloc],
    mut value: impl FnMut(u32) -> Option<usize>,
) -> Option<()> {
    for r in relocs {
        let v = (value(r.sym)? as u64).wrapping_add(r.addend as u64);
        let at = r.offset as usize;
        code.get_mut(at..at.checked_add(8)?)?
            .copy_from_slice(&v.to_le_bytes());
    }
    Some(())
}
