//! PE/COFF container: just enough to find the CLI header and map RVAs.
//!
//! A managed assembly is a PE file whose data directory 14 points at the CLI
//! header (ECMA-335 II.25). Everything the metadata reader needs is addressed
//! by RVA, so this module's job is the section table and RVA -> file offset
//! translation, with every offset checked against the file.

use alloc::vec::Vec;

use super::cursor::Cursor;
use super::error::{MetadataError, Region, Result};

/// Index of the CLI header in the optional header's data directories.
const CLI_HEADER_DIRECTORY: u32 = 14;

/// One entry of the section table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section {
    /// Section name, nul-padded (e.g. `.text\0\0\0`).
    pub name: [u8; 8],
    /// Size of the section when loaded.
    pub virtual_size: u32,
    /// RVA of the section when loaded.
    pub virtual_address: u32,
    /// Size of the section's initialised data in the file.
    pub raw_size: u32,
    /// File offset of the section's data.
    pub raw_offset: u32,
}

/// An RVA + size pair from a data directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DataDirectory {
    /// RVA of the data (0 when absent).
    pub rva: u32,
    /// Size of the data in bytes.
    pub size: u32,
}

/// The CLI header (ECMA-335 II.25.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CliHeader {
    /// Runtime major version (2 for all current assemblies).
    pub major_runtime_version: u16,
    /// Runtime minor version.
    pub minor_runtime_version: u16,
    /// Where the metadata root lives.
    pub metadata: DataDirectory,
    /// `COMIMAGE_FLAGS_*` (IL only, 32-bit required, strong-name signed, ...).
    pub flags: u32,
    /// MethodDef or File token of the entry point, or 0.
    pub entry_point_token: u32,
    /// Managed resources.
    pub resources: DataDirectory,
    /// Strong-name signature hash.
    pub strong_name_signature: DataDirectory,
    /// VTable fixups (mixed-mode images only).
    pub vtable_fixups: DataDirectory,
}

/// A parsed PE image: the file bytes plus its section table.
#[derive(Clone, Debug)]
pub struct PeImage<'a> {
    data: &'a [u8],
    sections: Vec<Section>,
    pe32_plus: bool,
    cli_directory: DataDirectory,
}

impl<'a> PeImage<'a> {
    /// Parse the DOS stub, PE signature, COFF header, optional header and
    /// section table of `data`.
    pub fn parse(data: &'a [u8]) -> Result<Self> {
        let mut c = Cursor::new(data, Region::File);
        let mz = c.u16()?;
        if mz != 0x5A4D {
            return Err(MetadataError::BadMagic {
                region: Region::File,
                found: u32::from(mz),
            });
        }
        // e_lfanew: file offset of the PE signature.
        let mut c = Cursor::at(data, 0x3C, Region::File);
        let lfanew = to_usize(c.u32()?);
        let mut c = Cursor::at(data, lfanew, Region::File);
        let sig = c.u32()?;
        if sig != 0x0000_4550 {
            return Err(MetadataError::BadMagic {
                region: Region::File,
                found: sig,
            });
        }
        // COFF file header (20 bytes).
        let _machine = c.u16()?;
        let section_count = c.u16()?;
        c.skip(12)?; // time stamp, symbol table pointer, symbol count
        let optional_size = c.u16()?;
        let _characteristics = c.u16()?;

        let optional_start = c.pos();
        let optional = c.bytes(usize::from(optional_size))?;
        let mut o = Cursor::new(optional, Region::File);
        let magic = o.u16()?;
        // The data directory array sits after the standard + Windows fields,
        // whose size differs between PE32 and PE32+ (64-bit ImageBase and
        // stack/heap sizes).
        let (pe32_plus, dir_count_at) = match magic {
            0x10B => (false, 92),
            0x20B => (true, 108),
            other => return Err(MetadataError::BadOptionalHeaderMagic(other)),
        };
        let mut o = Cursor::at(optional, dir_count_at, Region::File);
        let dir_count = o.u32()?;
        let cli_directory = if dir_count > CLI_HEADER_DIRECTORY {
            // Each directory entry is 8 bytes; CLI is entry 14.
            o.skip(8 * 14)?;
            DataDirectory {
                rva: o.u32()?,
                size: o.u32()?,
            }
        } else {
            DataDirectory::default()
        };

        let mut c = Cursor::at(
            data,
            optional_start
                .checked_add(usize::from(optional_size))
                .ok_or(MetadataError::Overflow)?,
            Region::File,
        );
        // Section headers are 40 bytes; the count is a u16 so this is bounded,
        // and a short file fails the reads below before the loop grows large.
        let mut sections = Vec::with_capacity(usize::from(section_count).min(c.remaining() / 40));
        for _ in 0..section_count {
            let name = c.array::<8>()?;
            let virtual_size = c.u32()?;
            let virtual_address = c.u32()?;
            let raw_size = c.u32()?;
            let raw_offset = c.u32()?;
            c.skip(16)?; // relocations, line numbers, counts, characteristics
            sections.push(Section {
                name,
                virtual_size,
                virtual_address,
                raw_size,
                raw_offset,
            });
        }
        Ok(Self {
            data,
            sections,
            pe32_plus,
            cli_directory,
        })
    }

    /// The whole file.
    pub fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The section table.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// Whether the optional header is PE32+ (64-bit layout).
    pub fn is_pe32_plus(&self) -> bool {
        self.pe32_plus
    }

    /// Translate an RVA to a file offset.
    ///
    /// The RVA must fall inside a section's *raw* data: bytes that exist only
    /// in memory (virtual size beyond raw size) have nothing to read.
    pub fn rva_to_offset(&self, rva: u32) -> Result<usize> {
        let unmapped = MetadataError::RvaNotMapped { rva, len: 0 };
        for s in &self.sections {
            let Some(delta) = rva.checked_sub(s.virtual_address) else {
                continue;
            };
            let extent = if s.virtual_size == 0 {
                s.raw_size
            } else {
                s.virtual_size.min(s.raw_size)
            };
            if delta < extent {
                let off = s.raw_offset.checked_add(delta).ok_or(unmapped)?;
                return Ok(to_usize(off));
            }
        }
        Err(unmapped)
    }

    /// The bytes from `rva` to the end of its section's raw data: what a
    /// reader of a variable-length structure (a method body) may look at.
    pub fn slice_from_rva(&self, rva: u32) -> Result<&'a [u8]> {
        let unmapped = MetadataError::RvaNotMapped { rva, len: 0 };
        for s in &self.sections {
            let Some(delta) = rva.checked_sub(s.virtual_address) else {
                continue;
            };
            let extent = if s.virtual_size == 0 {
                s.raw_size
            } else {
                s.virtual_size.min(s.raw_size)
            };
            if delta < extent {
                let start = to_usize(s.raw_offset.checked_add(delta).ok_or(unmapped.clone())?);
                let end = to_usize(s.raw_offset.checked_add(extent).ok_or(unmapped.clone())?);
                return self.data.get(start..end).ok_or(unmapped);
            }
        }
        Err(unmapped)
    }

    /// Exactly `len` bytes at `rva`, which must all lie in one section.
    pub fn slice_at_rva(&self, rva: u32, len: u32) -> Result<&'a [u8]> {
        let tail = self
            .slice_from_rva(rva)
            .map_err(|_| MetadataError::RvaNotMapped { rva, len })?;
        tail.get(..to_usize(len))
            .ok_or(MetadataError::RvaNotMapped { rva, len })
    }

    /// Read and parse the CLI header.
    pub fn cli_header(&self) -> Result<CliHeader> {
        let dir = self.cli_directory;
        if dir.rva == 0 || dir.size == 0 {
            return Err(MetadataError::NoCliHeader);
        }
        let bytes = self.slice_at_rva(dir.rva, dir.size.max(72))?;
        let mut c = Cursor::new(bytes, Region::CliHeader);
        let _cb = c.u32()?;
        let major_runtime_version = c.u16()?;
        let minor_runtime_version = c.u16()?;
        let metadata = read_dir(&mut c)?;
        let flags = c.u32()?;
        let entry_point_token = c.u32()?;
        let resources = read_dir(&mut c)?;
        let strong_name_signature = read_dir(&mut c)?;
        let _code_manager_table = read_dir(&mut c)?;
        let vtable_fixups = read_dir(&mut c)?;
        Ok(CliHeader {
            major_runtime_version,
            minor_runtime_version,
            metadata,
            flags,
            entry_point_token,
            resources,
            strong_name_signature,
            vtable_fixups,
        })
    }
}

fn read_dir(c: &mut Cursor<'_>) -> Result<DataDirectory> {
    Ok(DataDirectory {
        rva: c.u32()?,
        size: c.u32()?,
    })
}

/// `u32` -> `usize`; lossless on the 32- and 64-bit targets this crate builds for.
pub(crate) fn to_usize(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}
