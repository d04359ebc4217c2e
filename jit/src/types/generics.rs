//! Generic instantiations, compiled specialised: every closed type
//! (`List<int>`, `List<string>`) is a type of its own with its own fields,
//! statics, vtable, method table and methods, and every instantiation of a
//! generic method is a method of its own. Nothing is shared, so a value-type
//! argument is never boxed and a static field exists once per
//! instantiation (ECMA-335 II.9). The open definitions are loaded (their
//! names, kinds, methods) but never laid out or compiled.
//!
//! Signatures refer to type parameters by position (`!n` of the enclosing
//! type, `!!n` of the method); a [`GenericCtx`] gives the arguments they
//! stand for while a signature, a token in a method body, a field or an
//! interface list is resolved.

use alloc::string::String;
use alloc::vec::Vec;

use super::{MethodId, MethodInfo, Ty, TypeError, TypeId, TypeInfo, TypeSystem};

type Result<T> = core::result::Result<T, TypeError>;

/// The type arguments `!n` and `!!n` stand for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenericCtx {
    /// Arguments of the enclosing type (`!n`).
    pub type_args: Vec<Ty>,
    /// Arguments of the method (`!!n`).
    pub method_args: Vec<Ty>,
}

impl GenericCtx {
    /// `!n`.
    pub fn type_arg(&self, n: u32) -> Result<Ty> {
        self.type_args
            .get(n as usize)
            .copied()
            .ok_or(TypeError::Generic)
    }

    /// `!!n`.
    pub fn method_arg(&self, n: u32) -> Result<Ty> {
        self.method_args
            .get(n as usize)
            .copied()
            .ok_or(TypeError::Generic)
    }
}

impl TypeSystem {
    /// The context of code and fields belonging to type `t`.
    pub fn ctx_of_type(&self, t: TypeId) -> GenericCtx {
        GenericCtx {
            type_args: self.ty(t).type_args.clone(),
            method_args: Vec::new(),
        }
    }

    /// The context of method `m`'s signature and body.
    pub fn ctx_of_method(&self, m: MethodId) -> GenericCtx {
        let mi = self.method(m);
        GenericCtx {
            type_args: self.ty(mi.owner).type_args.clone(),
            method_args: mi.method_args.clone(),
        }
    }

    /// Whether `t` is an open generic definition (never laid out).
    pub fn is_open(&self, t: TypeId) -> bool {
        let ti = self.ty(t);
        ti.generic_params > 0 && ti.type_args.is_empty()
    }

    /// A short name of a type for instantiation names (`Int32`, `Foo[]`).
    pub fn ty_short_name(&self, ty: Ty) -> String {
        match ty {
            Ty::Prim(p) => p.corlib_name().into(),
            Ty::Ref(t) | Ty::Value(t) => self.ty(t).name.clone(),
            Ty::Void => "Void".into(),
            Ty::Ptr => "Ptr".into(),
            Ty::ByRef => "ByRef".into(),
        }
    }

    /// The closed type `def<args>`, made on first use with its own methods.
    pub fn instantiate(&mut self, def: TypeId, args: Vec<Ty>) -> Result<TypeId> {
        if args.is_empty() && self.ty(def).generic_params == 0 {
            return Ok(def);
        }
        let d = self.ty(def);
        if d.generic_params as usize != args.len() || !d.type_args.is_empty() {
            return Err(TypeError::Generic);
        }
        if let Some(&t) = self.instances.get(&(def, args.clone())) {
            return Ok(t);
        }
        let mut name = String::from(d.name.split('`').next().unwrap_or(""));
        name.push('<');
        for (i, a) in args.iter().enumerate() {
            if i > 0 {
                name.push(',');
            }
            name.push_str(&self.ty_short_name(*a));
        }
        name.push('>');
        let d = self.ty(def);
        let info = TypeInfo {
            type_args: args.clone(),
            generic_def: Some(def),
            generic_params: d.generic_params,
            ..TypeInfo::new(d.asm, d.def, d.namespace.clone(), name, d.kind, d.flags)
        };
        let def_methods = d.methods.clone();
        let def_cctor = d.cctor;
        let (asm, rid) = (d.asm, d.def);
        let id = self.push_type(info)?;
        // Registered before the parent is resolved: `class Node<T> :
        // IEquatable<Node<T>>` refers to itself.
        self.instances.insert((def, args), id);
        let mut methods = Vec::with_capacity(def_methods.len());
        let mut cctor = None;
        for m in def_methods {
            let copy = instance_copy(self.method(m), id, Vec::new());
            let mid = self.push_method(copy)?;
            if Some(m) == def_cctor {
                cctor = Some(mid);
            }
            methods.push(mid);
        }
        let ctx = self.ctx_of_type(id);
        let row = self
            .image(asm)
            .tables()
            .get::<crate::metadata::tables::TypeDefRow>(rid)?;
        let parent = match row.extends {
            Some(e) => Some(self.resolve_type_in(asm, e, &ctx)?),
            None => None,
        };
        let t = &mut self.types[id.0 as usize];
        t.methods = methods;
        t.cctor = cctor;
        t.parent = parent;
        Ok(id)
    }

    /// The instantiation `m<args>` of generic method definition `m` (a
    /// method of a closed or non-generic type).
    pub fn instantiate_method(&mut self, m: MethodId, args: Vec<Ty>) -> Result<MethodId> {
        let src = self.method(m);
        if src.generic_params as usize != args.len() || !src.method_args.is_empty() {
            return Err(TypeError::Generic);
        }
        if let Some(&i) = self.method_instances.get(&(m, args.clone())) {
            return Ok(i);
        }
        let copy = instance_copy(src, src.owner, args.clone());
        let id = self.push_method(copy)?;
        self.method_instances.insert((m, args), id);
        Ok(id)
    }

    fn push_method(&mut self, info: MethodInfo) -> Result<MethodId> {
        let id = MethodId(u32::try_from(self.methods.len()).map_err(|_| TypeError::TooLarge)?);
        self.methods.push(info);
        Ok(id)
    }

    /// The method of (possibly instantiated) type `t` made from MethodDef
    /// `rid`.
    pub fn method_of_type_by_rid(&self, t: TypeId, rid: u32) -> Option<MethodId> {
        self.ty(t)
            .methods
            .iter()
            .copied()
            .find(|&m| self.method(m).rid == rid)
    }
}

/// Definition `src` copied for an instantiation: owned by `owner`, with
/// `method_args`; its signature, vtable slot and cell are made afresh.
fn instance_copy(src: &MethodInfo, owner: TypeId, method_args: Vec<Ty>) -> MethodInfo {
    MethodInfo {
        owner,
        asm: src.asm,
        rid: src.rid,
        name: src.name.clone(),
        flags: src.flags,
        impl_flags: src.impl_flags,
        sig: None,
        kind: src.kind,
        slot: None,
        cell: 0,
        method_args,
        generic_params: src.generic_params,
    }
}
