//! Typed rows of every metadata table (ECMA-335 II.22).
//!
//! Each struct is generated together with its column schema from one field
//! list, so the row size used to locate tables and the decoder that reads a
//! row cannot disagree. Row references are 1-based rids; list columns
//! (`field_list`, ...) may be one past the end of their target table.

use super::{Column, Row, RowReader, TableId};
use crate::metadata::coded_index::{
    CodedIndexKind, CustomAttributeType, HasConstant, HasCustomAttribute, HasDeclSecurity,
    HasFieldMarshal, HasSemantics, Implementation, MemberForwarded, MemberRefParent,
    MethodDefOrRef, ResolutionScope, TypeDefOrRef, TypeOrMethodDef,
};
use crate::metadata::error::Result;
use crate::metadata::heaps::{BlobIndex, GuidIndex, StringIndex};

macro_rules! column {
    (u8) => {
        Column::U8
    };
    (u16) => {
        Column::U16
    };
    (u32) => {
        Column::U32
    };
    (string) => {
        Column::String
    };
    (guid) => {
        Column::Guid
    };
    (blob) => {
        Column::Blob
    };
    (index($t:ident)) => {
        Column::Table(TableId::$t)
    };
    (list($t:ident)) => {
        Column::Table(TableId::$t)
    };
    (coded($k:ident)) => {
        Column::Coded(CodedIndexKind::$k)
    };
    (coded_opt($k:ident)) => {
        Column::Coded(CodedIndexKind::$k)
    };
}

macro_rules! read_column {
    ($r:ident, u8) => {
        $r.u8()
    };
    ($r:ident, u16) => {
        $r.u16()
    };
    ($r:ident, u32) => {
        $r.u32()
    };
    ($r:ident, string) => {
        $r.string()
    };
    ($r:ident, guid) => {
        $r.guid()
    };
    ($r:ident, blob) => {
        $r.blob()
    };
    ($r:ident, index($t:ident)) => {
        $r.index(TableId::$t)
    };
    ($r:ident, list($t:ident)) => {
        $r.list(TableId::$t)
    };
    ($r:ident, coded($k:ident)) => {
        $r.coded::<$k>()
    };
    ($r:ident, coded_opt($k:ident)) => {
        $r.coded_opt::<$k>()
    };
}

macro_rules! rows {
    ($(
        $(#[$meta:meta])*
        $name:ident = $table:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $kind:ident $( ($arg:ident) )? ),+ $(,)?
        }
    )+) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Copy, Debug, PartialEq, Eq)]
            pub struct $name {
                $( $(#[$fmeta])* pub $field: $ty, )+
            }

            impl Row for $name {
                const TABLE: TableId = TableId::$table;
                const COLUMNS: &'static [Column] = &[ $( column!($kind $( ($arg) )?) ),+ ];

                fn read(r: &mut RowReader<'_, '_>) -> Result<Self> {
                    // Struct expressions evaluate fields in source order, which
                    // is the column order.
                    Ok(Self { $( $field: read_column!(r, $kind $( ($arg) )?)?, )+ })
                }
            }
        )+

        /// The column schema of `table`.
        pub fn columns(table: TableId) -> &'static [Column] {
            match table {
                $( TableId::$table => <$name as Row>::COLUMNS, )+
            }
        }
    };
}

rows! {
    /// 0x00: the one row describing this module.
    ModuleRow = Module {
        /// Reserved, zero.
        generation: u16 = u16,
        /// Module file name.
        name: StringIndex = string,
        /// Module version id.
        mvid: GuidIndex = guid,
        /// Edit-and-continue id, zero.
        enc_id: GuidIndex = guid,
        /// Edit-and-continue base id, zero.
        enc_base_id: GuidIndex = guid,
    }
    /// 0x01: a reference to a type defined in another module or assembly.
    TypeRefRow = TypeRef {
        /// Where to look for the type; `None` means "look in ExportedType".
        resolution_scope: Option<ResolutionScope> = coded_opt(ResolutionScope),
        /// Simple name.
        name: StringIndex = string,
        /// Namespace (empty for nested types).
        namespace: StringIndex = string,
    }
    /// 0x02: a type defined in this module.
    TypeDefRow = TypeDef {
        /// `TypeAttributes` (see [`crate::metadata::flags::type_attributes`]).
        flags: u32 = u32,
        /// Simple name.
        name: StringIndex = string,
        /// Namespace (empty for nested types).
        namespace: StringIndex = string,
        /// Base type; `None` for `System.Object`, interfaces and `<Module>`.
        extends: Option<TypeDefOrRef> = coded_opt(TypeDefOrRef),
        /// First field; the run ends at the next row's `field_list`.
        field_list: u32 = list(Field),
        /// First method; the run ends at the next row's `method_list`.
        method_list: u32 = list(MethodDef),
    }
    /// 0x03: `#-` indirection to a Field row.
    FieldPtrRow = FieldPtr {
        /// The field.
        field: u32 = index(Field),
    }
    /// 0x04: a field definition.
    FieldRow = Field {
        /// `FieldAttributes`.
        flags: u16 = u16,
        /// Name.
        name: StringIndex = string,
        /// Field signature (decode with `FieldSig::parse`).
        signature: BlobIndex = blob,
    }
    /// 0x05: `#-` indirection to a MethodDef row.
    MethodPtrRow = MethodPtr {
        /// The method.
        method: u32 = index(MethodDef),
    }
    /// 0x06: a method definition.
    MethodDefRow = MethodDef {
        /// RVA of the method body; 0 for abstract, runtime and P/Invoke methods.
        rva: u32 = u32,
        /// `MethodImplAttributes` (IL/native/runtime, InternalCall, ...).
        impl_flags: u16 = u16,
        /// `MethodAttributes` (static, virtual, ...).
        flags: u16 = u16,
        /// Name.
        name: StringIndex = string,
        /// Method signature (decode with `MethodSig::parse`).
        signature: BlobIndex = blob,
        /// First parameter row; the run ends at the next row's `param_list`.
        param_list: u32 = list(Param),
    }
    /// 0x07: `#-` indirection to a Param row.
    ParamPtrRow = ParamPtr {
        /// The parameter.
        param: u32 = index(Param),
    }
    /// 0x08: a parameter (or return value when `sequence` is 0).
    ParamRow = Param {
        /// `ParamAttributes`.
        flags: u16 = u16,
        /// 1-based parameter position; 0 is the return value.
        sequence: u16 = u16,
        /// Name.
        name: StringIndex = string,
    }
    /// 0x09: `class` implements `interface`.
    InterfaceImplRow = InterfaceImpl {
        /// The implementing type.
        class: u32 = index(TypeDef),
        /// The interface.
        interface: TypeDefOrRef = coded(TypeDefOrRef),
    }
    /// 0x0A: a reference to a field or method of another type.
    MemberRefRow = MemberRef {
        /// Where the member lives.
        class: MemberRefParent = coded(MemberRefParent),
        /// Member name.
        name: StringIndex = string,
        /// Field or method signature (decode with `MemberRefSig::parse`).
        signature: BlobIndex = blob,
    }
    /// 0x0B: a compile-time constant value.
    ConstantRow = Constant {
        /// `ELEMENT_TYPE_*` of the value (CLASS for null).
        kind: u8 = u8,
        /// Padding, zero.
        padding: u8 = u8,
        /// The field, parameter or property.
        parent: HasConstant = coded(HasConstant),
        /// The value bytes.
        value: BlobIndex = blob,
    }
    /// 0x0C: a custom attribute application.
    CustomAttributeRow = CustomAttribute {
        /// What the attribute is applied to.
        parent: HasCustomAttribute = coded(HasCustomAttribute),
        /// The attribute constructor.
        constructor: CustomAttributeType = coded(CustomAttributeType),
        /// Constructor arguments and named arguments.
        value: BlobIndex = blob,
    }
    /// 0x0D: marshalling information for a field or parameter.
    FieldMarshalRow = FieldMarshal {
        /// The field or parameter.
        parent: HasFieldMarshal = coded(HasFieldMarshal),
        /// Native type descriptor.
        native_type: BlobIndex = blob,
    }
    /// 0x0E: declarative security.
    DeclSecurityRow = DeclSecurity {
        /// `SecurityAction`.
        action: u16 = u16,
        /// What it applies to.
        parent: HasDeclSecurity = coded(HasDeclSecurity),
        /// The permission set.
        permission_set: BlobIndex = blob,
    }
    /// 0x0F: explicit packing and size of a type.
    ClassLayoutRow = ClassLayout {
        /// `StructLayout.Pack` (0 = default).
        packing_size: u16 = u16,
        /// `StructLayout.Size` (0 = computed).
        class_size: u32 = u32,
        /// The type.
        parent: u32 = index(TypeDef),
    }
    /// 0x10: explicit offset of a field (`[FieldOffset]`).
    FieldLayoutRow = FieldLayout {
        /// Byte offset within the instance (no object header).
        offset: u32 = u32,
        /// The field.
        field: u32 = index(Field),
    }
    /// 0x11: a stand-alone signature (locals, or a `calli` site).
    StandAloneSigRow = StandAloneSig {
        /// The signature (decode with `StandAloneSig::parse`).
        signature: BlobIndex = blob,
    }
    /// 0x12: the events of a type start at `event_list`.
    EventMapRow = EventMap {
        /// The type.
        parent: u32 = index(TypeDef),
        /// First event; the run ends at the next row's `event_list`.
        event_list: u32 = list(Event),
    }
    /// 0x13: `#-` indirection to an Event row.
    EventPtrRow = EventPtr {
        /// The event.
        event: u32 = index(Event),
    }
    /// 0x14: an event.
    EventRow = Event {
        /// `EventAttributes`.
        flags: u16 = u16,
        /// Name.
        name: StringIndex = string,
        /// Delegate type.
        event_type: Option<TypeDefOrRef> = coded_opt(TypeDefOrRef),
    }
    /// 0x15: the properties of a type start at `property_list`.
    PropertyMapRow = PropertyMap {
        /// The type.
        parent: u32 = index(TypeDef),
        /// First property; the run ends at the next row's `property_list`.
        property_list: u32 = list(Property),
    }
    /// 0x16: `#-` indirection to a Property row.
    PropertyPtrRow = PropertyPtr {
        /// The property.
        property: u32 = index(Property),
    }
    /// 0x17: a property.
    PropertyRow = Property {
        /// `PropertyAttributes`.
        flags: u16 = u16,
        /// Name.
        name: StringIndex = string,
        /// Property signature (decode with `PropertySig::parse`).
        signature: BlobIndex = blob,
    }
    /// 0x18: ties a getter/setter/adder/... method to its property or event.
    MethodSemanticsRow = MethodSemantics {
        /// `MethodSemanticsAttributes` (setter 1, getter 2, other 4, add 8, remove 0x10, fire 0x20).
        semantics: u16 = u16,
        /// The method.
        method: u32 = index(MethodDef),
        /// The property or event.
        association: HasSemantics = coded(HasSemantics),
    }
    /// 0x19: `body` implements interface or base method `declaration` in `class`.
    MethodImplRow = MethodImpl {
        /// The implementing type.
        class: u32 = index(TypeDef),
        /// The implementing method.
        body: MethodDefOrRef = coded(MethodDefOrRef),
        /// The implemented method.
        declaration: MethodDefOrRef = coded(MethodDefOrRef),
    }
    /// 0x1A: a reference to another module (P/Invoke DLLs, multi-module assemblies).
    ModuleRefRow = ModuleRef {
        /// Module name.
        name: StringIndex = string,
    }
    /// 0x1B: a constructed type (generic instance, array, pointer, ...).
    TypeSpecRow = TypeSpec {
        /// Type signature (decode with `TypeSig::parse_type_spec`).
        signature: BlobIndex = blob,
    }
    /// 0x1C: P/Invoke information.
    ImplMapRow = ImplMap {
        /// `PInvokeAttributes`.
        mapping_flags: u16 = u16,
        /// The forwarded method (or field).
        member_forwarded: MemberForwarded = coded(MemberForwarded),
        /// Entry point name in the native module.
        import_name: StringIndex = string,
        /// The native module.
        import_scope: u32 = index(ModuleRef),
    }
    /// 0x1D: initial data of a static field (`static readonly byte[] = {...}`).
    FieldRvaRow = FieldRva {
        /// RVA of the data.
        rva: u32 = u32,
        /// The field.
        field: u32 = index(Field),
    }
    /// 0x1E: edit-and-continue log.
    EncLogRow = EncLog {
        /// Token.
        token: u32 = u32,
        /// Function code.
        func_code: u32 = u32,
    }
    /// 0x1F: edit-and-continue map.
    EncMapRow = EncMap {
        /// Token.
        token: u32 = u32,
    }
    /// 0x20: this assembly's identity.
    AssemblyRow = Assembly {
        /// `AssemblyHashAlgorithm`.
        hash_alg_id: u32 = u32,
        /// Version major.
        major_version: u16 = u16,
        /// Version minor.
        minor_version: u16 = u16,
        /// Version build.
        build_number: u16 = u16,
        /// Version revision.
        revision_number: u16 = u16,
        /// `AssemblyFlags`.
        flags: u32 = u32,
        /// Public key.
        public_key: BlobIndex = blob,
        /// Simple name (e.g. `mscorlib`).
        name: StringIndex = string,
        /// Culture.
        culture: StringIndex = string,
    }
    /// 0x21: unused, ignored.
    AssemblyProcessorRow = AssemblyProcessor {
        /// Processor.
        processor: u32 = u32,
    }
    /// 0x22: unused, ignored.
    AssemblyOsRow = AssemblyOs {
        /// OS platform id.
        os_platform_id: u32 = u32,
        /// OS major version.
        os_major_version: u32 = u32,
        /// OS minor version.
        os_minor_version: u32 = u32,
    }
    /// 0x23: a referenced assembly.
    AssemblyRefRow = AssemblyRef {
        /// Version major.
        major_version: u16 = u16,
        /// Version minor.
        minor_version: u16 = u16,
        /// Version build.
        build_number: u16 = u16,
        /// Version revision.
        revision_number: u16 = u16,
        /// `AssemblyFlags`.
        flags: u32 = u32,
        /// Public key or token.
        public_key_or_token: BlobIndex = blob,
        /// Simple name (e.g. `mscorlib`).
        name: StringIndex = string,
        /// Culture.
        culture: StringIndex = string,
        /// Hash of the referenced assembly.
        hash_value: BlobIndex = blob,
    }
    /// 0x24: unused, ignored.
    AssemblyRefProcessorRow = AssemblyRefProcessor {
        /// Processor.
        processor: u32 = u32,
        /// The reference.
        assembly_ref: u32 = index(AssemblyRef),
    }
    /// 0x25: unused, ignored.
    AssemblyRefOsRow = AssemblyRefOs {
        /// OS platform id.
        os_platform_id: u32 = u32,
        /// OS major version.
        os_major_version: u32 = u32,
        /// OS minor version.
        os_minor_version: u32 = u32,
        /// The reference.
        assembly_ref: u32 = index(AssemblyRef),
    }
    /// 0x26: another file of a multi-file assembly.
    FileRow = File {
        /// `FileAttributes`.
        flags: u32 = u32,
        /// File name.
        name: StringIndex = string,
        /// Hash of the file.
        hash_value: BlobIndex = blob,
    }
    /// 0x27: a type exported (or forwarded) by this assembly.
    ExportedTypeRow = ExportedType {
        /// `TypeAttributes`.
        flags: u32 = u32,
        /// TypeDef rid in the other module (a hint).
        type_def_id: u32 = u32,
        /// Simple name.
        name: StringIndex = string,
        /// Namespace.
        namespace: StringIndex = string,
        /// Where the type really lives.
        implementation: Implementation = coded(Implementation),
    }
    /// 0x28: a managed resource.
    ManifestResourceRow = ManifestResource {
        /// Offset into the resources directory (when in this file).
        offset: u32 = u32,
        /// `ManifestResourceAttributes`.
        flags: u32 = u32,
        /// Name.
        name: StringIndex = string,
        /// Where the resource lives; `None` means this file.
        implementation: Option<Implementation> = coded_opt(Implementation),
    }
    /// 0x29: `nested_class` is nested in `enclosing_class`.
    NestedClassRow = NestedClass {
        /// The nested type.
        nested_class: u32 = index(TypeDef),
        /// Its enclosing type.
        enclosing_class: u32 = index(TypeDef),
    }
    /// 0x2A: a generic parameter of a type or method.
    GenericParamRow = GenericParam {
        /// 0-based position.
        number: u16 = u16,
        /// `GenericParamAttributes` (variance, constraints).
        flags: u16 = u16,
        /// Owning type or method.
        owner: TypeOrMethodDef = coded(TypeOrMethodDef),
        /// Name.
        name: StringIndex = string,
    }
    /// 0x2B: a generic method instantiation.
    MethodSpecRow = MethodSpec {
        /// The generic method.
        method: MethodDefOrRef = coded(MethodDefOrRef),
        /// Type arguments (decode with `MethodSpecSig::parse`).
        instantiation: BlobIndex = blob,
    }
    /// 0x2C: a constraint on a generic parameter.
    GenericParamConstraintRow = GenericParamConstraint {
        /// The parameter.
        owner: u32 = index(GenericParam),
        /// The constraining type.
        constraint: TypeDefOrRef = coded(TypeDefOrRef),
    }
}
