//! [`Image`]: one loaded assembly, the entry point of the metadata reader.
//!
//! It ties the PE container, the streams, the heaps and the tables together
//! and offers the lookups a loader and compiler need: names, signatures,
//! method bodies, and cross-assembly resolution data.

use super::coded_index::{ResolutionScope, TypeDefOrRef};
use super::error::{MetadataError, Result};
use super::heaps::{BlobHeap, GuidHeap, StringsHeap, UserStringIndex, UserStringsHeap};
use super::method_body::MethodBody;
use super::pe::{CliHeader, PeImage};
use super::signature::{FieldSig, LocalVarSig, MemberRefSig, MethodSig, StandAloneSig, TypeSig};
use super::streams::MetadataRoot;
use super::tables::{
    AssemblyRefRow, AssemblyRow, FieldRow, MemberRefRow, MethodDefRow, StandAloneSigRow, TableId,
    Tables, TypeDefRow, TypeRefRow, TypeSpecRow,
};
use super::token::Token;

/// Longest TypeRef nesting chain followed before assuming a cycle.
const MAX_TYPE_REF_CHAIN: u32 = 64;

/// A parsed assembly. Borrows the file bytes; parsing is lazy past the
/// headers (rows, signatures and bodies are decoded on request).
#[derive(Clone, Debug)]
pub struct Image<'a> {
    pe: PeImage<'a>,
    cli: CliHeader,
    root: MetadataRoot<'a>,
    tables: Tables<'a>,
}

/// The outermost scope of a `TypeRef`: where a loader must look for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeRefScope {
    /// Defined in this module (rare, but legal).
    ThisModule,
    /// Another module of this assembly (`ModuleRef` rid).
    ModuleRef(u32),
    /// Another assembly (`AssemblyRef` rid).
    AssemblyRef(u32),
    /// Null scope: look the type up in this assembly's `ExportedType` table.
    Exported,
}

impl<'a> Image<'a> {
    /// Parse the PE headers, CLI header, metadata root, and tables header.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let pe = PeImage::parse(data)?;
        let cli = pe.cli_header()?;
        let metadata = pe.slice_at_rva(cli.metadata.rva, cli.metadata.size)?;
        let root = MetadataRoot::parse(metadata)?;
        let tables = Tables::parse(root.tables, root.uncompressed_tables)?;
        Ok(Self {
            pe,
            cli,
            root,
            tables,
        })
    }

    /// The PE container (sections, RVA mapping).
    pub fn pe(&self) -> &PeImage<'a> {
        &self.pe
    }

    /// The CLI header (entry point token, flags).
    pub fn cli_header(&self) -> &CliHeader {
        &self.cli
    }

    /// The metadata root (version string, raw streams).
    pub fn root(&self) -> &MetadataRoot<'a> {
        &self.root
    }

    /// The metadata tables.
    pub fn tables(&self) -> &Tables<'a> {
        &self.tables
    }

    /// `#Strings`.
    pub fn strings(&self) -> StringsHeap<'a> {
        StringsHeap::new(self.root.strings)
    }

    /// `#US`.
    pub fn user_strings(&self) -> UserStringsHeap<'a> {
        UserStringsHeap::new(self.root.user_strings)
    }

    /// `#Blob`.
    pub fn blobs(&self) -> BlobHeap<'a> {
        BlobHeap::new(self.root.blob)
    }

    /// `#GUID`.
    pub fn guids(&self) -> GuidHeap<'a> {
        GuidHeap::new(self.root.guid)
    }

    /// The literal of an `ldstr` token.
    pub fn user_string(&self, token: Token) -> Result<super::heaps::UserString<'a>> {
        if !token.is_user_string() {
            return Err(MetadataError::UnexpectedToken(token.raw()));
        }
        self.user_strings().get(UserStringIndex(token.rid()))
    }

    /// This assembly's `Assembly` row, if it has one (modules do not).
    pub fn assembly(&self) -> Result<Option<AssemblyRow>> {
        if self.tables.row_count(TableId::Assembly) == 0 {
            return Ok(None);
        }
        self.tables.get::<AssemblyRow>(1).map(Some)
    }

    /// The simple name of the assembly (`mscorlib`), or of the module if it
    /// has no Assembly row.
    pub fn assembly_name(&self) -> Result<&'a str> {
        match self.assembly()? {
            Some(a) => self.strings().get(a.name),
            None => {
                let m = self.tables.get::<super::tables::ModuleRow>(1)?;
                self.strings().get(m.name)
            }
        }
    }

    /// `(namespace, name)` of a TypeDef.
    pub fn type_def_name(&self, type_def: u32) -> Result<(&'a str, &'a str)> {
        let row = self.tables.get::<TypeDefRow>(type_def)?;
        Ok((
            self.strings().get(row.namespace)?,
            self.strings().get(row.name)?,
        ))
    }

    /// `(namespace, name)` of a TypeRef.
    pub fn type_ref_name(&self, type_ref: u32) -> Result<(&'a str, &'a str)> {
        let row = self.tables.get::<TypeRefRow>(type_ref)?;
        Ok((
            self.strings().get(row.namespace)?,
            self.strings().get(row.name)?,
        ))
    }

    /// Find a top-level (non-nested) TypeDef by namespace and name, as a
    /// loader resolving another assembly's TypeRef against this one does.
    pub fn find_type_def(&self, namespace: &str, name: &str) -> Result<Option<u32>> {
        let strings = self.strings();
        for item in self.tables.iter::<TypeDefRow>() {
            let (rid, row) = item?;
            if strings.get(row.name)? == name
                && strings.get(row.namespace)? == namespace
                && self.tables.enclosing_class(rid)?.is_none()
            {
                return Ok(Some(rid));
            }
        }
        Ok(None)
    }

    /// Find a type nested directly in `enclosing` by name.
    pub fn find_nested_type(&self, enclosing: u32, name: &str) -> Result<Option<u32>> {
        for nested in self.tables.nested_classes_of(enclosing)? {
            if self.type_def_name(nested)?.1 == name {
                return Ok(Some(nested));
            }
        }
        Ok(None)
    }

    /// Follow a TypeRef's resolution scope through enclosing TypeRefs (for
    /// nested types) to the module or assembly that defines the outermost type.
    pub fn type_ref_scope(&self, type_ref: u32) -> Result<TypeRefScope> {
        let mut current = type_ref;
        for _ in 0..MAX_TYPE_REF_CHAIN {
            let row = self.tables.get::<TypeRefRow>(current)?;
            match row.resolution_scope {
                None => return Ok(TypeRefScope::Exported),
                Some(ResolutionScope::Module(_)) => return Ok(TypeRefScope::ThisModule),
                Some(ResolutionScope::ModuleRef(r)) => return Ok(TypeRefScope::ModuleRef(r)),
                Some(ResolutionScope::AssemblyRef(r)) => return Ok(TypeRefScope::AssemblyRef(r)),
                Some(ResolutionScope::TypeRef(outer)) => current = outer,
            }
        }
        Err(MetadataError::ChainTooLong)
    }

    /// An `AssemblyRef` row and its simple name.
    pub fn assembly_ref(&self, rid: u32) -> Result<(AssemblyRefRow, &'a str)> {
        let row = self.tables.get::<AssemblyRefRow>(rid)?;
        Ok((row, self.strings().get(row.name)?))
    }

    /// `(namespace, name)` of any TypeDefOrRef that names a type (a TypeSpec
    /// has no name and is rejected).
    pub fn type_name(&self, ty: TypeDefOrRef) -> Result<(&'a str, &'a str)> {
        match ty {
            TypeDefOrRef::TypeDef(r) => self.type_def_name(r),
            TypeDefOrRef::TypeRef(r) => self.type_ref_name(r),
            TypeDefOrRef::TypeSpec(_) => Err(MetadataError::UnexpectedToken(ty_token(ty))),
        }
    }

    /// Name of a MethodDef.
    pub fn method_name(&self, method: u32) -> Result<&'a str> {
        let row = self.tables.get::<MethodDefRow>(method)?;
        self.strings().get(row.name)
    }

    /// Decoded signature of a MethodDef.
    pub fn method_sig(&self, method: u32) -> Result<MethodSig> {
        let row = self.tables.get::<MethodDefRow>(method)?;
        MethodSig::parse(self.blobs().get(row.signature)?)
    }

    /// Decoded signature of a Field.
    pub fn field_sig(&self, field: u32) -> Result<FieldSig> {
        let row = self.tables.get::<FieldRow>(field)?;
        FieldSig::parse(self.blobs().get(row.signature)?)
    }

    /// Decoded signature of a MemberRef.
    pub fn member_ref_sig(&self, member_ref: u32) -> Result<MemberRefSig> {
        let row = self.tables.get::<MemberRefRow>(member_ref)?;
        MemberRefSig::parse(self.blobs().get(row.signature)?)
    }

    /// Decoded signature of a TypeSpec.
    pub fn type_spec(&self, type_spec: u32) -> Result<TypeSig> {
        let row = self.tables.get::<TypeSpecRow>(type_spec)?;
        TypeSig::parse_type_spec(self.blobs().get(row.signature)?)
    }

    /// Decoded StandAloneSig (locals or `calli` signature).
    pub fn stand_alone_sig(&self, rid: u32) -> Result<StandAloneSig> {
        let row = self.tables.get::<StandAloneSigRow>(rid)?;
        StandAloneSig::parse(self.blobs().get(row.signature)?)
    }

    /// The body of a MethodDef, or `None` when it has no IL (RVA 0:
    /// abstract, `InternalCall`, P/Invoke, runtime-implemented).
    pub fn method_body(&self, method: u32) -> Result<Option<MethodBody<'a>>> {
        let row = self.tables.get::<MethodDefRow>(method)?;
        if row.rva == 0 {
            return Ok(None);
        }
        let bytes = self.pe.slice_from_rva(row.rva)?;
        MethodBody::parse(bytes, row.rva).map(Some)
    }

    /// The locals of a method body (empty when it declares none).
    pub fn locals(&self, body: &MethodBody<'_>) -> Result<LocalVarSig> {
        let Some(token) = body.local_var_sig else {
            return Ok(LocalVarSig {
                locals: alloc::vec::Vec::new(),
            });
        };
        if token.table() != Some(TableId::StandAloneSig) {
            return Err(MetadataError::UnexpectedToken(token.raw()));
        }
        let row = self.tables.get::<StandAloneSigRow>(token.rid())?;
        LocalVarSig::parse(self.blobs().get(row.signature)?)
    }

    /// `len` bytes of a field's initial data (FieldRVA), e.g. for
    /// `RuntimeHelpers.InitializeArray`.
    pub fn field_data(&self, field: u32, len: u32) -> Result<Option<&'a [u8]>> {
        match self.tables.field_rva(field)? {
            Some(rva) => self.pe.slice_at_rva(rva, len).map(Some),
            None => Ok(None),
        }
    }
}

fn ty_token(ty: TypeDefOrRef) -> u32 {
    use super::coded_index::CodedIndex;
    ty.token().raw()
}
