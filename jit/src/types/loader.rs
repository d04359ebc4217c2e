//! Loading assemblies and resolving tokens to ids, across assemblies by
//! `(namespace, name)` through AssemblyRef.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::metadata::tables::{FieldRow, MemberRefRow, MethodDefRow, TypeDefRow};
use crate::metadata::{
    CodedIndex, Image, MemberRefParent, MemberRefSig, MethodDefOrRef, MethodSig, TableId, Token,
    TypeDefOrRef, TypeRefScope, TypeSig,
};

use super::{
    AsmId, Assembly, FieldId, GenericCtx, MethodId, MethodInfo, MethodKind, MethodSigTy, Prim, Ty,
    TypeError, TypeId, TypeInfo, TypeKind, TypeSystem,
};

type Result<T> = core::result::Result<T, TypeError>;

const TYPE_INTERFACE: u32 = 0x20;
const IMPL_INTERNAL_CALL: u16 = 0x1000;
const IMPL_RUNTIME: u16 = 0x0003;

impl TypeSystem {
    /// Load an assembly. The first one loaded must be the corlib.
    pub fn load(&mut self, bytes: &'static [u8]) -> Result<AsmId> {
        let image = Image::parse(bytes)?;
        let name = image.assembly_name()?.to_string();
        if self.assemblies.iter().any(|a| a.name == name) {
            return Err(TypeError::DuplicateAssembly);
        }
        let id = AsmId(u16::try_from(self.assemblies.len()).map_err(|_| TypeError::TooLarge)?);
        let hash = content_hash(bytes);
        self.assemblies.push(Assembly { image, name, hash });
        Ok(id)
    }

    /// The assembly with simple name `name`.
    pub fn assembly_by_name(&self, name: &str) -> Option<AsmId> {
        let i = self.assemblies.iter().position(|a| a.name == name)?;
        Some(AsmId(u16::try_from(i).ok()?))
    }

    /// The corlib (the first assembly loaded).
    pub fn corlib(&self) -> AsmId {
        AsmId(0)
    }

    /// `System.<name>` from the corlib.
    pub fn corlib_type(&mut self, name: &'static str) -> Result<TypeId> {
        self.corlib_type_in("System", name)
    }

    /// `<ns>.<name>` from the corlib, cached.
    pub fn corlib_type_in(&mut self, ns: &'static str, name: &'static str) -> Result<TypeId> {
        if let Some(&t) = self.well_known.get(&(ns, name)) {
            return Ok(t);
        }
        let corlib = self.corlib();
        let rid = self
            .image(corlib)
            .find_type_def(ns, name)?
            .ok_or(TypeError::MissingCorlibType(name))?;
        let t = self.type_def(corlib, rid)?;
        self.well_known.insert((ns, name), t);
        Ok(t)
    }

    /// The corlib struct of a primitive (`System.Int32` for `I4`).
    pub fn prim_type(&mut self, p: Prim) -> Result<TypeId> {
        self.corlib_type(p.corlib_name())
    }

    /// The TypeId of TypeDef `rid` of `asm`, creating it on first use.
    pub fn type_def(&mut self, asm: AsmId, rid: u32) -> Result<TypeId> {
        if let Some(&t) = self.type_defs.get(&(asm, rid)) {
            return Ok(t);
        }
        let img = self.image(asm).clone();
        let row = img.tables().get::<TypeDefRow>(rid)?;
        let (namespace, name) = img.type_def_name(rid)?;
        let generic_params = img
            .tables()
            .generic_params_of(crate::metadata::TypeOrMethodDef::TypeDef(rid))?
            .len() as u32;
        let id = self.push_type(TypeInfo::new(
            asm,
            rid,
            namespace.to_string(),
            name.to_string(),
            TypeKind::Class,
            row.flags,
        ))?;
        self.type_defs.insert((asm, rid), id);
        let parent = match row.extends {
            // An open definition's base may use its parameters (`class
            // D<T> : B<T>`): only its instantiations resolve that.
            Some(TypeDefOrRef::TypeSpec(_)) if generic_params > 0 => None,
            Some(e) => Some(self.resolve_type(asm, e)?),
            None => None,
        };
        let is_corlib = asm == self.corlib();
        let kind = if row.flags & TYPE_INTERFACE != 0 {
            TypeKind::Interface
        } else if let Some(p) = Prim::ALL
            .iter()
            .find(|p| is_corlib && namespace == "System" && p.corlib_name() == name)
        {
            TypeKind::Primitive(*p)
        } else {
            match parent.map(|p| self.ty(p)) {
                Some(p) if p.namespace == "System" && p.name == "Enum" => {
                    TypeKind::Enum(self.enum_underlying(asm, rid)?)
                }
                Some(p)
                    if p.namespace == "System"
                        && p.name == "ValueType"
                        && !(namespace == "System" && name == "Enum") =>
                {
                    TypeKind::Struct
                }
                _ => TypeKind::Class,
            }
        };
        let mut methods = Vec::new();
        let mut cctor = None;
        for m in img.tables().methods_of(rid)? {
            let m = m?;
            let mrow = img.tables().get::<MethodDefRow>(m)?;
            let mname = img.strings().get(mrow.name)?;
            let kind = if mrow.impl_flags & (IMPL_INTERNAL_CALL | IMPL_RUNTIME) != 0 {
                MethodKind::Runtime
            } else if mrow.rva == 0 {
                MethodKind::Abstract
            } else {
                MethodKind::Il
            };
            let mid = MethodId(u32::try_from(self.methods.len()).map_err(|_| TypeError::TooLarge)?);
            self.methods.push(MethodInfo {
                owner: id,
                asm,
                rid: m,
                name: mname.to_string(),
                flags: mrow.flags,
                impl_flags: mrow.impl_flags,
                sig: None,
                kind,
                slot: None,
                cell: 0,
                method_args: Vec::new(),
                generic_params: img
                    .tables()
                    .generic_params_of(crate::metadata::TypeOrMethodDef::MethodDef(m))?
                    .len() as u32,
            });
            self.method_defs.insert((asm, m), mid);
            if mname == ".cctor" {
                cctor = Some(mid);
            }
            methods.push(mid);
        }
        let t = &mut self.types[id.0 as usize];
        t.parent = parent;
        t.kind = kind;
        t.methods = methods;
        t.cctor = cctor;
        t.generic_params = generic_params;
        Ok(id)
    }

    fn enum_underlying(&self, asm: AsmId, rid: u32) -> Result<Prim> {
        let img = self.image(asm);
        for f in img.tables().fields_of(rid)? {
            let f = f?;
            let row = img.tables().get::<FieldRow>(f)?;
            if row.flags & 0x0010 == 0
                && let Some(p) = prim_of_sig(img.field_sig(f)?.ty.unmodified())
            {
                return Ok(p);
            }
        }
        Err(TypeError::UnsupportedType)
    }

    /// Resolve a TypeDef/TypeRef/TypeSpec to a TypeId.
    pub fn resolve_type(&mut self, asm: AsmId, t: TypeDefOrRef) -> Result<TypeId> {
        self.resolve_type_in(asm, t, &GenericCtx::default())
    }

    /// [`Self::resolve_type`] with type parameters standing for `ctx`'s arguments.
    pub fn resolve_type_in(
        &mut self,
        asm: AsmId,
        t: TypeDefOrRef,
        ctx: &GenericCtx,
    ) -> Result<TypeId> {
        match t {
            TypeDefOrRef::TypeDef(rid) => self.type_def(asm, rid),
            TypeDefOrRef::TypeRef(rid) => self.type_ref(asm, rid),
            TypeDefOrRef::TypeSpec(rid) => {
                let sig = self.image(asm).type_spec(rid)?;
                match self.ty_of_sig_in(asm, &sig, ctx)? {
                    Ty::Ref(t) | Ty::Value(t) => Ok(t),
                    Ty::Prim(p) => self.prim_type(p),
                    _ => Err(TypeError::UnsupportedType),
                }
            }
        }
    }

    /// Resolve a type token (TypeDef, TypeRef or TypeSpec).
    pub fn resolve_type_token(&mut self, asm: AsmId, tok: Token) -> Result<TypeId> {
        self.resolve_type_token_in(asm, tok, &GenericCtx::default())
    }

    /// [`Self::resolve_type_token`] in a generic context.
    pub fn resolve_type_token_in(
        &mut self,
        asm: AsmId,
        tok: Token,
        ctx: &GenericCtx,
    ) -> Result<TypeId> {
        let t = match tok.table() {
            Some(TableId::TypeDef) => TypeDefOrRef::TypeDef(tok.rid()),
            Some(TableId::TypeRef) => TypeDefOrRef::TypeRef(tok.rid()),
            Some(TableId::TypeSpec) => TypeDefOrRef::TypeSpec(tok.rid()),
            _ => return Err(self.unresolved(asm, tok)),
        };
        self.resolve_type_in(asm, t, ctx)
    }

    /// The `Ty` of a type token as a value (`box`, `ldobj`, `sizeof`, ...).
    pub fn ty_of_token(&mut self, asm: AsmId, tok: Token) -> Result<Ty> {
        self.ty_of_token_in(asm, tok, &GenericCtx::default())
    }

    /// [`Self::ty_of_token`] in a generic context.
    pub fn ty_of_token_in(&mut self, asm: AsmId, tok: Token, ctx: &GenericCtx) -> Result<Ty> {
        if tok.table() == Some(TableId::TypeSpec) {
            let sig = self.image(asm).type_spec(tok.rid())?;
            return self.ty_of_sig_in(asm, &sig, ctx);
        }
        let t = self.resolve_type_token_in(asm, tok, ctx)?;
        Ok(self.ty_of_type(t))
    }

    fn unresolved(&self, asm: AsmId, tok: Token) -> TypeError {
        TypeError::Unresolved {
            asm,
            token: tok.raw(),
        }
    }

    fn type_ref(&mut self, asm: AsmId, rid: u32) -> Result<TypeId> {
        if let Some(&t) = self.type_refs.get(&(asm, rid)) {
            return Ok(t);
        }
        let t = self.type_ref_uncached(asm, rid)?;
        self.type_refs.insert((asm, rid), t);
        Ok(t)
    }

    fn type_ref_uncached(&mut self, asm: AsmId, rid: u32) -> Result<TypeId> {
        let img = self.image(asm).clone();
        let row = img
            .tables()
            .get::<crate::metadata::tables::TypeRefRow>(rid)?;
        let (ns, name) = img.type_ref_name(rid)?;
        let tok = Token::new(TableId::TypeRef, rid);
        match row.resolution_scope {
            Some(crate::metadata::ResolutionScope::TypeRef(outer)) => {
                let outer = self.type_ref(asm, outer)?;
                let o = self.ty(outer);
                let (oasm, odef) = (o.asm, o.def);
                let nested = self
                    .image(oasm)
                    .find_nested_type(odef, name)?
                    .ok_or(self.unresolved(asm, tok))?;
                self.type_def(oasm, nested)
            }
            _ => {
                let target = match img.type_ref_scope(rid)? {
                    TypeRefScope::AssemblyRef(r) => {
                        let (_, aname) = img.assembly_ref(r)?;
                        // mono's assemblies name the corlib `mscorlib`.
                        let aname = if aname == "mscorlib" { "corlib" } else { aname };
                        self.assembly_by_name(aname)
                            .ok_or(TypeError::MissingAssembly {
                                asm,
                                assembly_ref: r,
                            })?
                    }
                    TypeRefScope::ThisModule => asm,
                    _ => return Err(self.unresolved(asm, tok)),
                };
                let def = self
                    .image(target)
                    .find_type_def(ns, name)?
                    .ok_or(self.unresolved(asm, tok))?;
                self.type_def(target, def)
            }
        }
    }

    /// The array type `elem[]`.
    pub fn array_of(&mut self, elem: Ty) -> Result<TypeId> {
        if let Some(&t) = self.arrays.get(&elem) {
            return Ok(t);
        }
        let name = alloc::format!("{}[]", self.array_elem_name(elem));
        let id = self.push_array_type(elem, name, 0)?;
        self.arrays.insert(elem, id);
        Ok(id)
    }

    /// Append `info` as a new type.
    pub(super) fn push_type(&mut self, info: TypeInfo) -> Result<TypeId> {
        let id = TypeId(u32::try_from(self.types.len()).map_err(|_| TypeError::TooLarge)?);
        self.types.push(info);
        Ok(id)
    }

    /// The element part of an array type's name (`Int32` in `Int32[]`).
    pub(super) fn array_elem_name(&self, elem: Ty) -> &str {
        match elem {
            Ty::Ref(t) | Ty::Value(t) => self.ty(t).name.as_str(),
            Ty::Prim(p) => p.corlib_name(),
            _ => "Ptr",
        }
    }

    /// Append a corlib `System` array type of `elem` deriving from
    /// `System.Array`; `rank` 0 is a vector `T[]`.
    pub(super) fn push_array_type(&mut self, elem: Ty, name: String, rank: u32) -> Result<TypeId> {
        let array = self.corlib_type("Array")?;
        self.push_type(TypeInfo {
            parent: Some(array),
            array_rank: rank,
            ..TypeInfo::new(
                self.corlib(),
                0,
                "System".to_string(),
                name,
                TypeKind::Array(elem),
                0,
            )
        })
    }

    /// Resolve a signature type.
    pub fn ty_of_sig(&mut self, asm: AsmId, sig: &TypeSig) -> Result<Ty> {
        self.ty_of_sig_in(asm, sig, &GenericCtx::default())
    }

    /// [`Self::ty_of_sig`] with `!n`/`!!n` standing for `ctx`'s arguments.
    pub fn ty_of_sig_in(&mut self, asm: AsmId, sig: &TypeSig, ctx: &GenericCtx) -> Result<Ty> {
        if let Some(p) = prim_of_sig(sig) {
            return Ok(Ty::Prim(p));
        }
        Ok(match sig {
            TypeSig::Void => Ty::Void,
            TypeSig::String => Ty::Ref(self.corlib_type("String")?),
            TypeSig::Object => Ty::Ref(self.corlib_type("Object")?),
            TypeSig::Class(t) => Ty::Ref(self.resolve_type_in(asm, *t, ctx)?),
            TypeSig::ValueType(t) => {
                let id = self.resolve_type_in(asm, *t, ctx)?;
                self.ty_of_type(id)
            }
            TypeSig::Ptr(_) | TypeSig::FnPtr(_) => Ty::Ptr,
            TypeSig::ByRef(_) => Ty::ByRef,
            TypeSig::SzArray(e) => {
                let e = self.ty_of_sig_in(asm, e, ctx)?;
                Ty::Ref(self.array_of(e)?)
            }
            TypeSig::Modified { ty, .. } | TypeSig::Pinned(ty) => {
                self.ty_of_sig_in(asm, ty, ctx)?
            }
            TypeSig::Array(e, shape) => {
                // Zero lower bounds only (what C# makes).
                if shape.lower_bounds.iter().any(|&b| b != 0) {
                    return Err(TypeError::UnsupportedType);
                }
                let e = self.ty_of_sig_in(asm, e, ctx)?;
                Ty::Ref(self.md_array_of(e, shape.rank)?)
            }
            TypeSig::Var(n) => ctx.type_arg(*n)?,
            TypeSig::MVar(n) => ctx.method_arg(*n)?,
            TypeSig::GenericInst { generic, args, .. } => {
                let def = self.resolve_type_in(asm, *generic, ctx)?;
                let mut targs = Vec::with_capacity(args.len());
                for a in args {
                    targs.push(self.ty_of_sig_in(asm, a, ctx)?);
                }
                let t = self.instantiate(def, targs)?;
                self.ty_of_type(t)
            }
            _ => return Err(TypeError::UnsupportedType),
        })
    }

    fn sig_ty(&mut self, asm: AsmId, sig: &MethodSig, ctx: &GenericCtx) -> Result<MethodSigTy> {
        let mut params = Vec::with_capacity(sig.params.len());
        for p in &sig.params {
            params.push(self.ty_of_sig_in(asm, p, ctx)?);
        }
        Ok(MethodSigTy {
            has_this: sig.has_this,
            params,
            ret: self.ty_of_sig_in(asm, &sig.ret, ctx)?,
        })
    }

    /// The signature of a `calli` site: StandAloneSig `tok` of `asm`,
    /// resolved in `ctx`. `None` when the token names no StandAloneSig, or
    /// one that is a locals signature or not of the managed default
    /// calling convention (varargs and unmanaged conventions are not
    /// compiled).
    pub fn calli_sig(
        &mut self,
        asm: AsmId,
        tok: Token,
        ctx: &GenericCtx,
    ) -> Result<Option<MethodSigTy>> {
        if tok.table() != Some(TableId::StandAloneSig) {
            return Ok(None);
        }
        let crate::metadata::StandAloneSig::Method(raw) =
            self.image(asm).stand_alone_sig(tok.rid())?
        else {
            return Ok(None);
        };
        if raw.calling_convention != crate::metadata::CallingConvention::Default
            || raw.explicit_this
            || raw.generic_param_count != 0
        {
            return Ok(None);
        }
        self.sig_ty(asm, &raw, ctx).map(Some)
    }

    /// The resolved signature of a method (cached).
    pub fn method_sig(&mut self, m: MethodId) -> Result<&MethodSigTy> {
        if self.method(m).sig.is_none() {
            let (asm, rid) = (self.method(m).asm, self.method(m).rid);
            let raw = self.image(asm).method_sig(rid)?;
            let ctx = self.ctx_of_method(m);
            let sig = self.sig_ty(asm, &raw, &ctx)?;
            self.methods[m.0 as usize].sig = Some(sig);
        }
        self.method(m)
            .sig
            .as_ref()
            .ok_or(TypeError::UnsupportedType)
    }

    /// The MethodId of MethodDef `rid` of `asm`.
    pub fn method_def(&mut self, asm: AsmId, rid: u32) -> Result<MethodId> {
        if let Some(&m) = self.method_defs.get(&(asm, rid)) {
            return Ok(m);
        }
        let owner = self
            .image(asm)
            .tables()
            .declaring_type_of_method(rid)?
            .ok_or(self.unresolved(asm, Token::new(TableId::MethodDef, rid)))?;
        self.type_def(asm, owner)?;
        self.method_defs
            .get(&(asm, rid))
            .copied()
            .ok_or(self.unresolved(asm, Token::new(TableId::MethodDef, rid)))
    }

    /// Resolve a method token (MethodDef or MemberRef).
    pub fn resolve_method_token(&mut self, asm: AsmId, tok: Token) -> Result<MethodId> {
        self.resolve_method_token_in(asm, tok, &GenericCtx::default())
    }

    /// [`Self::resolve_method_token`] in a generic context; also MethodSpec.
    pub fn resolve_method_token_in(
        &mut self,
        asm: AsmId,
        tok: Token,
        ctx: &GenericCtx,
    ) -> Result<MethodId> {
        match tok.table() {
            Some(TableId::MethodDef) => self.method_def(asm, tok.rid()),
            Some(TableId::MemberRef) => self.member_ref_method(asm, tok.rid(), ctx),
            Some(TableId::MethodSpec) => {
                let img = self.image(asm).clone();
                let row = img
                    .tables()
                    .get::<crate::metadata::tables::MethodSpecRow>(tok.rid())?;
                let def = self.resolve_method_def_or_ref_in(asm, row.method, ctx)?;
                let spec =
                    crate::metadata::MethodSpecSig::parse(img.blobs().get(row.instantiation)?)?;
                let mut args = Vec::with_capacity(spec.args.len());
                for a in &spec.args {
                    args.push(self.ty_of_sig_in(asm, a, ctx)?);
                }
                self.instantiate_method(def, args)
            }
            _ => Err(self.unresolved(asm, tok)),
        }
    }

    /// Resolve a MethodDefOrRef coded index (MethodImpl rows).
    pub fn resolve_method_def_or_ref(&mut self, asm: AsmId, m: MethodDefOrRef) -> Result<MethodId> {
        self.resolve_method_def_or_ref_in(asm, m, &GenericCtx::default())
    }

    /// [`Self::resolve_method_def_or_ref`] in a generic context.
    pub fn resolve_method_def_or_ref_in(
        &mut self,
        asm: AsmId,
        m: MethodDefOrRef,
        ctx: &GenericCtx,
    ) -> Result<MethodId> {
        match m {
            MethodDefOrRef::MethodDef(r) => self.method_def(asm, r),
            MethodDefOrRef::MemberRef(r) => self.member_ref_method(asm, r, ctx),
        }
    }

    fn member_ref_parent(&mut self, asm: AsmId, rid: u32, ctx: &GenericCtx) -> Result<TypeId> {
        let row = self.image(asm).tables().get::<MemberRefRow>(rid)?;
        match row.class {
            MemberRefParent::TypeDef(r) => self.type_def(asm, r),
            MemberRefParent::TypeRef(r) => self.type_ref(asm, r),
            MemberRefParent::TypeSpec(r) => {
                self.resolve_type_in(asm, TypeDefOrRef::TypeSpec(r), ctx)
            }
            other => Err(TypeError::Unresolved {
                asm,
                token: other.token().raw(),
            }),
        }
    }

    fn member_ref_method(&mut self, asm: AsmId, rid: u32, ctx: &GenericCtx) -> Result<MethodId> {
        let tok = Token::new(TableId::MemberRef, rid);
        let owner = self.member_ref_parent(asm, rid, ctx)?;
        let img = self.image(asm).clone();
        let row = img.tables().get::<MemberRefRow>(rid)?;
        let name = img.strings().get(row.name)?;
        let MemberRefSig::Method(raw) = img.member_ref_sig(rid)? else {
            return Err(self.unresolved(asm, tok));
        };
        let mut t = Some(owner);
        // The signature's `!n` are the parent instantiation's arguments.
        // A generic method's (with `!!n`) is matched by name and counts.
        let generic = raw.generic_param_count;
        let want = if generic == 0 {
            let pctx = self.ctx_of_type(owner);
            Some(self.sig_ty(asm, &raw, &pctx)?)
        } else {
            None
        };
        while let Some(cur) = t {
            for m in self.ty(cur).methods.clone() {
                let mi = self.method(m);
                if mi.name != name || mi.generic_params != generic {
                    continue;
                }
                match &want {
                    Some(w) => {
                        if *self.method_sig(m)? == *w {
                            return Ok(m);
                        }
                    }
                    None => {
                        let (masm, mrid) = (mi.asm, mi.rid);
                        let def_sig = self.image(masm).method_sig(mrid)?;
                        if def_sig.params.len() == raw.params.len()
                            && def_sig.has_this == raw.has_this
                        {
                            return Ok(m);
                        }
                    }
                }
            }
            t = self.ty(cur).parent;
        }
        Err(self.unresolved(asm, tok))
    }

    /// Resolve a field token (Field or MemberRef); lays out the owner.
    pub fn resolve_field_token(&mut self, asm: AsmId, tok: Token) -> Result<FieldId> {
        self.resolve_field_token_in(asm, tok, &GenericCtx::default())
    }

    /// [`Self::resolve_field_token`] in a generic context.
    pub fn resolve_field_token_in(
        &mut self,
        asm: AsmId,
        tok: Token,
        ctx: &GenericCtx,
    ) -> Result<FieldId> {
        match tok.table() {
            Some(TableId::Field) => self.field_def(asm, tok.rid()),
            Some(TableId::MemberRef) => {
                let owner = self.member_ref_parent(asm, tok.rid(), ctx)?;
                let img = self.image(asm).clone();
                let row = img.tables().get::<MemberRefRow>(tok.rid())?;
                let name = img.strings().get(row.name)?;
                self.ensure_layout(owner)?;
                let mut t = Some(owner);
                while let Some(cur) = t {
                    self.ensure_layout(cur)?;
                    let ti = self.ty(cur);
                    for &f in ti.fields.iter().chain(ti.static_fields.iter()) {
                        if self.field(f).name == name {
                            return Ok(f);
                        }
                    }
                    t = self.ty(cur).parent;
                }
                Err(self.unresolved(asm, tok))
            }
            _ => Err(self.unresolved(asm, tok)),
        }
    }

    /// The FieldId of Field `rid` of `asm`.
    pub fn field_def(&mut self, asm: AsmId, rid: u32) -> Result<FieldId> {
        if let Some(&f) = self.field_defs.get(&(asm, rid)) {
            return Ok(f);
        }
        let tok = Token::new(TableId::Field, rid);
        let owner = self
            .image(asm)
            .tables()
            .declaring_type_of_field(rid)?
            .ok_or(self.unresolved(asm, tok))?;
        let owner = self.type_def(asm, owner)?;
        self.ensure_layout(owner)?;
        self.field_defs
            .get(&(asm, rid))
            .copied()
            .ok_or(self.unresolved(asm, tok))
    }

    pub(super) fn register_field(&mut self, info: super::FieldInfo) -> Result<FieldId> {
        let id = FieldId(u32::try_from(self.fields.len()).map_err(|_| TypeError::TooLarge)?);
        // A Field token names the definition's field; instantiations' fields
        // are found by name through their MemberRef parents.
        if self.ty(info.owner).type_args.is_empty() {
            self.field_defs.insert((info.asm, info.rid), id);
        }
        self.fields.push(info);
        Ok(id)
    }

    /// Find a method of `t` (not its parents) by name and parameter count.
    pub fn find_method(&self, t: TypeId, name: &str, params: Option<usize>) -> Option<MethodId> {
        self.ty(t).methods.iter().copied().find(|&m| {
            let mi = self.method(m);
            mi.name == name
                && params.is_none_or(|n| mi.sig.as_ref().is_some_and(|s| s.params.len() == n))
        })
    }

    /// Find an instance field of `t` or its parents by name (after layout).
    pub fn find_field(&self, t: TypeId, name: &str) -> Option<FieldId> {
        let mut cur = Some(t);
        while let Some(c) = cur {
            let ti = self.ty(c);
            if let Some(&f) = ti
                .fields
                .iter()
                .chain(ti.static_fields.iter())
                .find(|&&f| self.field(f).name == name)
            {
                return Some(f);
            }
            cur = ti.parent;
        }
        None
    }
}

fn prim_of_sig(sig: &TypeSig) -> Option<Prim> {
    Some(match sig {
        TypeSig::Boolean => Prim::Bool,
        TypeSig::Char => Prim::Char,
        TypeSig::I1 => Prim::I1,
        TypeSig::U1 => Prim::U1,
        TypeSig::I2 => Prim::I2,
        TypeSig::U2 => Prim::U2,
        TypeSig::I4 => Prim::I4,
        TypeSig::U4 => Prim::U4,
        TypeSig::I8 => Prim::I8,
        TypeSig::U8 => Prim::U8,
        TypeSig::R4 => Prim::R4,
        TypeSig::R8 => Prim::R8,
        TypeSig::I => Prim::I,
        TypeSig::U => Prim::U,
        _ => return None,
    })
}

/// A 64-bit hash of an assembly's bytes (not cryptographic: it tells a
/// code image made for other assemblies from one made for these,
/// `runtime/image`). Eight bytes a step, then the tail.
pub fn content_hash(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let (words, tail) = bytes.as_chunks::<8>();
    for w in words {
        h = (h ^ u64::from_le_bytes(*w)).wrapping_mul(K).rotate_left(29);
    }
    for &b in tail {
        h = (h ^ u64::from(b)).wrapping_mul(K).rotate_left(29);
    }
    h ^ (h >> 32)
}
