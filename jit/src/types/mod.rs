//! The type system: loaded assemblies, their types, fields and methods, as
//! ids the compiler and runtime share.
//!
//! Everything is created lazily: resolving a token makes a [`TypeInfo`]
//! (names and kind only); [`TypeSystem::prepare`] computes its layout,
//! vtable, interface map and statics on first real use.

mod array_interfaces;
mod error;
mod generics;
mod layout;
mod loader;
mod md_array;
mod members;
mod ty;
mod vtable;

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use crate::metadata::Image;

pub use error::TypeError;
pub use generics::GenericCtx;
pub use layout::{ARRAY_DATA_OFFSET, ARRAY_LENGTH_OFFSET, OBJECT_HEADER_SIZE};
pub use loader::content_hash;
pub use md_array::MdArrayOp;
pub use members::{FieldInfo, MethodInfo, MethodKind, MethodSigTy};
pub use ty::{Prim, Ty};

/// Index of a loaded assembly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AsmId(pub u16);

/// Index of a type in [`TypeSystem::types`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TypeId(pub u32);

/// Index of a method in [`TypeSystem::methods`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MethodId(pub u32);

/// Index of a field in [`TypeSystem::fields`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldId(pub u32);

/// What sort of type a [`TypeInfo`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    /// A reference type (including `System.Object`, `String`, `Array`).
    Class,
    /// An interface.
    Interface,
    /// A user struct (no header; passed by value).
    Struct,
    /// An enum with its underlying primitive.
    Enum(Prim),
    /// A corlib primitive struct (`System.Int32`, ...).
    Primitive(Prim),
    /// A single-dimensional zero-based array of the element type.
    Array(Ty),
}

/// The computed layout of a type.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    /// Classes: bytes of an instance including the header. Value types: the
    /// size of the value (no header). Arrays: the fixed part (header + length).
    pub size: u32,
    /// Alignment of a value-type value (1..=8).
    pub align: u32,
    /// Offsets of reference fields in an instance (for the GC, and tests).
    pub ref_offsets: Vec<u32>,
}

/// One loaded type.
#[derive(Debug)]
pub struct TypeInfo {
    /// Defining assembly (corlib for arrays).
    pub asm: AsmId,
    /// TypeDef rid, 0 for arrays.
    pub def: u32,
    /// Namespace (empty for nested types and arrays).
    pub namespace: String,
    /// Simple name (`Foo`, `Int32[]`).
    pub name: String,
    /// Kind.
    pub kind: TypeKind,
    /// `TypeAttributes`.
    pub flags: u32,
    /// Base type (`None` for `Object` and interfaces).
    pub parent: Option<TypeId>,
    /// Set once [`TypeSystem::prepare`] has run.
    pub prepared: bool,
    /// Layout, valid when `prepared` (or after `ensure_layout`).
    pub layout: Option<Layout>,
    /// Instance fields in declaration order (after layout).
    pub fields: Vec<FieldId>,
    /// Static fields (after layout).
    pub static_fields: Vec<FieldId>,
    /// Address of the zeroed static storage block (0 when there are none).
    pub statics: usize,
    /// Methods declared by the type.
    pub methods: Vec<MethodId>,
    /// Virtual slots: the method each slot currently dispatches to.
    pub vtable: Vec<MethodId>,
    /// Interfaces implemented (transitively) and, per interface method in
    /// declaration order, the vtable slot that implements it.
    pub interfaces: Vec<(TypeId, Vec<u32>)>,
    /// The type's `.cctor`, if any.
    pub cctor: Option<MethodId>,
    /// Address of the method table the runtime built (0 until then).
    pub method_table: usize,
    /// A generic instantiation's type arguments (empty otherwise).
    pub type_args: Vec<Ty>,
    /// A generic instantiation's definition; `Some(self)`-like marker for
    /// an open definition is `generic_params > 0 && type_args.is_empty()`.
    pub generic_def: Option<TypeId>,
    /// Number of generic parameters the definition declares.
    pub generic_params: u32,
    /// Dimensions of a multi-dimensional array type (0 otherwise, and for
    /// a vector `T[]`).
    pub array_rank: u32,
}

impl TypeInfo {
    /// A type not yet prepared: no parent, members, layout or generic
    /// arguments; callers override what they know with `..`.
    pub fn new(
        asm: AsmId,
        def: u32,
        namespace: String,
        name: String,
        kind: TypeKind,
        flags: u32,
    ) -> Self {
        TypeInfo {
            asm,
            def,
            namespace,
            name,
            kind,
            flags,
            parent: None,
            prepared: false,
            layout: None,
            fields: Vec::new(),
            static_fields: Vec::new(),
            statics: 0,
            methods: Vec::new(),
            vtable: Vec::new(),
            interfaces: Vec::new(),
            cctor: None,
            method_table: 0,
            type_args: Vec::new(),
            generic_def: None,
            generic_params: 0,
            array_rank: 0,
        }
    }

    /// `TypeAttributes.BeforeFieldInit`.
    pub fn before_field_init(&self) -> bool {
        self.flags & 0x0010_0000 != 0
    }

    /// Whether instances are value types (unboxed: no header).
    pub fn is_value_type(&self) -> bool {
        matches!(
            self.kind,
            TypeKind::Struct | TypeKind::Enum(_) | TypeKind::Primitive(_)
        )
    }
}

/// A loaded assembly.
pub struct Assembly {
    /// The parsed image (its bytes live as long as the type system).
    pub image: Image<'static>,
    /// Simple assembly name.
    pub name: String,
    /// [`loader::content_hash`] of its bytes.
    pub hash: u64,
}

/// All loaded assemblies and the types, methods and fields made from them.
pub struct TypeSystem {
    /// Assemblies in load order; the first is the corlib.
    pub assemblies: Vec<Assembly>,
    /// Types.
    pub types: Vec<TypeInfo>,
    /// Methods.
    pub methods: Vec<MethodInfo>,
    /// Fields.
    pub fields: Vec<FieldInfo>,
    type_defs: BTreeMap<(AsmId, u32), TypeId>,
    /// TypeRefs already resolved (each resolution scans the target's
    /// TypeDef table by name).
    type_refs: BTreeMap<(AsmId, u32), TypeId>,
    method_defs: BTreeMap<(AsmId, u32), MethodId>,
    field_defs: BTreeMap<(AsmId, u32), FieldId>,
    arrays: BTreeMap<Ty, TypeId>,
    instances: BTreeMap<(TypeId, Vec<Ty>), TypeId>,
    md_arrays: BTreeMap<(Ty, u32), TypeId>,
    method_instances: BTreeMap<(MethodId, Vec<Ty>), MethodId>,
    well_known: BTreeMap<(&'static str, &'static str), TypeId>,
}

impl TypeSystem {
    /// An empty type system; load the corlib first with [`TypeSystem::load`].
    pub fn new() -> Self {
        Self {
            assemblies: Vec::new(),
            types: Vec::new(),
            methods: Vec::new(),
            fields: Vec::new(),
            type_defs: BTreeMap::new(),
            type_refs: BTreeMap::new(),
            method_defs: BTreeMap::new(),
            field_defs: BTreeMap::new(),
            arrays: BTreeMap::new(),
            instances: BTreeMap::new(),
            md_arrays: BTreeMap::new(),
            method_instances: BTreeMap::new(),
            well_known: BTreeMap::new(),
        }
    }

    /// The type with id `id`.
    pub fn ty(&self, id: TypeId) -> &TypeInfo {
        &self.types[id.0 as usize]
    }

    /// The method with id `id`.
    pub fn method(&self, id: MethodId) -> &MethodInfo {
        &self.methods[id.0 as usize]
    }

    /// The field with id `id`.
    pub fn field(&self, id: FieldId) -> &FieldInfo {
        &self.fields[id.0 as usize]
    }

    /// The image of an assembly.
    pub fn image(&self, asm: AsmId) -> &Image<'static> {
        &self.assemblies[usize::from(asm.0)].image
    }

    /// `Namespace.Name` of a type, for messages and `Type.FullName`.
    pub fn type_name(&self, id: TypeId) -> String {
        let t = self.ty(id);
        if t.namespace.is_empty() {
            t.name.clone()
        } else {
            alloc::format!("{}.{}", t.namespace, t.name)
        }
    }

    /// `Type::Method` for messages.
    pub fn method_name(&self, id: MethodId) -> String {
        let m = self.method(id);
        alloc::format!("{}::{}", self.type_name(m.owner), m.name)
    }

    /// Whether `sub` is `sup` or derives from it (classes only).
    pub fn is_subclass(&self, mut sub: TypeId, sup: TypeId) -> bool {
        loop {
            if sub == sup {
                return true;
            }
            match self.ty(sub).parent {
                Some(p) => sub = p,
                None => return false,
            }
        }
    }

    /// The primitive a value-type `Ty` normalises to, if any.
    pub fn prim_of(&self, ty: Ty) -> Option<Prim> {
        match ty {
            Ty::Prim(p) => Some(p),
            Ty::Value(t) => match self.ty(t).kind {
                TypeKind::Enum(p) | TypeKind::Primitive(p) => Some(p),
                _ => None,
            },
            _ => None,
        }
    }

    /// The `Ty` a value of type `id` has when it is unboxed / stored.
    pub fn ty_of_type(&self, id: TypeId) -> Ty {
        match self.ty(id).kind {
            TypeKind::Enum(p) | TypeKind::Primitive(p) => Ty::Prim(p),
            TypeKind::Struct => Ty::Value(id),
            _ => Ty::Ref(id),
        }
    }
}

impl Default for TypeSystem {
    fn default() -> Self {
        Self::new()
    }
}
