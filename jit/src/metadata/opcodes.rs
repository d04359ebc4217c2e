//! The CIL opcode table (ECMA-335 Partition III), one line per opcode.

/// The kind of inline operand an opcode carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OperandKind {
    /// No operand.
    None,
    /// `int8` (ldc.i4.s).
    ShortI,
    /// `uint8` (unaligned., no.).
    UnsignedByte,
    /// `int32`.
    I,
    /// `int64`.
    I8,
    /// `float32`.
    ShortR,
    /// `float64`.
    R,
    /// A metadata token (method, field, type, signature, string).
    Token,
    /// `int8` branch displacement.
    ShortBr,
    /// `int32` branch displacement.
    Br,
    /// `uint32` count followed by that many `int32` displacements.
    Switch,
    /// `uint8` argument or local index.
    ShortVar,
    /// `uint16` argument or local index.
    Var,
}

macro_rules! opcodes {
    ($( $name:ident = $value:literal, $mnemonic:literal, $kind:ident; )+) => {
        /// A CIL opcode. Two-byte opcodes (0xFE prefix) have values `0xFE00 | b`.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u16)]
        pub enum Opcode {
            $(
                #[doc = concat!("`", $mnemonic, "`")]
                $name = $value,
            )+
        }

        impl Opcode {
            /// The opcode with encoded value `v` (`0xFE00 | b` for two-byte ones).
            pub const fn from_u16(v: u16) -> Option<Self> {
                match v {
                    $( $value => Some(Self::$name), )+
                    _ => None,
                }
            }

            /// The ILAsm mnemonic.
            pub const fn mnemonic(self) -> &'static str {
                match self {
                    $( Self::$name => $mnemonic, )+
                }
            }

            /// The kind of inline operand.
            pub const fn operand_kind(self) -> OperandKind {
                match self {
                    $( Self::$name => OperandKind::$kind, )+
                }
            }
        }
    };
}

opcodes! {
    Nop = 0x00, "nop", None;
    Break = 0x01, "break", None;
    Ldarg0 = 0x02, "ldarg.0", None;
    Ldarg1 = 0x03, "ldarg.1", None;
    Ldarg2 = 0x04, "ldarg.2", None;
    Ldarg3 = 0x05, "ldarg.3", None;
    Ldloc0 = 0x06, "ldloc.0", None;
    Ldloc1 = 0x07, "ldloc.1", None;
    Ldloc2 = 0x08, "ldloc.2", None;
    Ldloc3 = 0x09, "ldloc.3", None;
    Stloc0 = 0x0A, "stloc.0", None;
    Stloc1 = 0x0B, "stloc.1", None;
    Stloc2 = 0x0C, "stloc.2", None;
    Stloc3 = 0x0D, "stloc.3", None;
    LdargS = 0x0E, "ldarg.s", ShortVar;
    LdargaS = 0x0F, "ldarga.s", ShortVar;
    StargS = 0x10, "starg.s", ShortVar;
    LdlocS = 0x11, "ldloc.s", ShortVar;
    LdlocaS = 0x12, "ldloca.s", ShortVar;
    StlocS = 0x13, "stloc.s", ShortVar;
    Ldnull = 0x14, "ldnull", None;
    LdcI4M1 = 0x15, "ldc.i4.m1", None;
    LdcI40 = 0x16, "ldc.i4.0", None;
    LdcI41 = 0x17, "ldc.i4.1", None;
    LdcI42 = 0x18, "ldc.i4.2", None;
    LdcI43 = 0x19, "ldc.i4.3", None;
    LdcI44 = 0x1A, "ldc.i4.4", None;
    LdcI45 = 0x1B, "ldc.i4.5", None;
    LdcI46 = 0x1C, "ldc.i4.6", None;
    LdcI47 = 0x1D, "ldc.i4.7", None;
    LdcI48 = 0x1E, "ldc.i4.8", None;
    LdcI4S = 0x1F, "ldc.i4.s", ShortI;
    LdcI4 = 0x20, "ldc.i4", I;
    LdcI8 = 0x21, "ldc.i8", I8;
    LdcR4 = 0x22, "ldc.r4", ShortR;
    LdcR8 = 0x23, "ldc.r8", R;
    Dup = 0x25, "dup", None;
    Pop = 0x26, "pop", None;
    Jmp = 0x27, "jmp", Token;
    Call = 0x28, "call", Token;
    Calli = 0x29, "calli", Token;
    Ret = 0x2A, "ret", None;
    BrS = 0x2B, "br.s", ShortBr;
    BrfalseS = 0x2C, "brfalse.s", ShortBr;
    BrtrueS = 0x2D, "brtrue.s", ShortBr;
    BeqS = 0x2E, "beq.s", ShortBr;
    BgeS = 0x2F, "bge.s", ShortBr;
    BgtS = 0x30, "bgt.s", ShortBr;
    BleS = 0x31, "ble.s", ShortBr;
    BltS = 0x32, "blt.s", ShortBr;
    BneUnS = 0x33, "bne.un.s", ShortBr;
    BgeUnS = 0x34, "bge.un.s", ShortBr;
    BgtUnS = 0x35, "bgt.un.s", ShortBr;
    BleUnS = 0x36, "ble.un.s", ShortBr;
    BltUnS = 0x37, "blt.un.s", ShortBr;
    Br = 0x38, "br", Br;
    Brfalse = 0x39, "brfalse", Br;
    Brtrue = 0x3A, "brtrue", Br;
    Beq = 0x3B, "beq", Br;
    Bge = 0x3C, "bge", Br;
    Bgt = 0x3D, "bgt", Br;
    Ble = 0x3E, "ble", Br;
    Blt = 0x3F, "blt", Br;
    BneUn = 0x40, "bne.un", Br;
    BgeUn = 0x41, "bge.un", Br;
    BgtUn = 0x42, "bgt.un", Br;
    BleUn = 0x43, "ble.un", Br;
    BltUn = 0x44, "blt.un", Br;
    Switch = 0x45, "switch", Switch;
    LdindI1 = 0x46, "ldind.i1", None;
    LdindU1 = 0x47, "ldind.u1", None;
    LdindI2 = 0x48, "ldind.i2", None;
    LdindU2 = 0x49, "ldind.u2", None;
    LdindI4 = 0x4A, "ldind.i4", None;
    LdindU4 = 0x4B, "ldind.u4", None;
    LdindI8 = 0x4C, "ldind.i8", None;
    LdindI = 0x4D, "ldind.i", None;
    LdindR4 = 0x4E, "ldind.r4", None;
    LdindR8 = 0x4F, "ldind.r8", None;
    LdindRef = 0x50, "ldind.ref", None;
    StindRef = 0x51, "stind.ref", None;
    StindI1 = 0x52, "stind.i1", None;
    StindI2 = 0x53, "stind.i2", None;
    StindI4 = 0x54, "stind.i4", None;
    StindI8 = 0x55, "stind.i8", None;
    StindR4 = 0x56, "stind.r4", None;
    StindR8 = 0x57, "stind.r8", None;
    Add = 0x58, "add", None;
    Sub = 0x59, "sub", None;
    Mul = 0x5A, "mul", None;
    Div = 0x5B, "div", None;
    DivUn = 0x5C, "div.un", None;
    Rem = 0x5D, "rem", None;
    RemUn = 0x5E, "rem.un", None;
    And = 0x5F, "and", None;
    Or = 0x60, "or", None;
    Xor = 0x61, "xor", None;
    Shl = 0x62, "shl", None;
    Shr = 0x63, "shr", None;
    ShrUn = 0x64, "shr.un", None;
    Neg = 0x65, "neg", None;
    Not = 0x66, "not", None;
    ConvI1 = 0x67, "conv.i1", None;
    ConvI2 = 0x68, "conv.i2", None;
    ConvI4 = 0x69, "conv.i4", None;
    ConvI8 = 0x6A, "conv.i8", None;
    ConvR4 = 0x6B, "conv.r4", None;
    ConvR8 = 0x6C, "conv.r8", None;
    ConvU4 = 0x6D, "conv.u4", None;
    ConvU8 = 0x6E, "conv.u8", None;
    Callvirt = 0x6F, "callvirt", Token;
    Cpobj = 0x70, "cpobj", Token;
    Ldobj = 0x71, "ldobj", Token;
    Ldstr = 0x72, "ldstr", Token;
    Newobj = 0x73, "newobj", Token;
    Castclass = 0x74, "castclass", Token;
    Isinst = 0x75, "isinst", Token;
    ConvRUn = 0x76, "conv.r.un", None;
    Unbox = 0x79, "unbox", Token;
    Throw = 0x7A, "throw", None;
    Ldfld = 0x7B, "ldfld", Token;
    Ldflda = 0x7C, "ldflda", Token;
    Stfld = 0x7D, "stfld", Token;
    Ldsfld = 0x7E, "ldsfld", Token;
    Ldsflda = 0x7F, "ldsflda", Token;
    Stsfld = 0x80, "stsfld", Token;
    Stobj = 0x81, "stobj", Token;
    ConvOvfI1Un = 0x82, "conv.ovf.i1.un", None;
    ConvOvfI2Un = 0x83, "conv.ovf.i2.un", None;
    ConvOvfI4Un = 0x84, "conv.ovf.i4.un", None;
    ConvOvfI8Un = 0x85, "conv.ovf.i8.un", None;
    ConvOvfU1Un = 0x86, "conv.ovf.u1.un", None;
    ConvOvfU2Un = 0x87, "conv.ovf.u2.un", None;
    ConvOvfU4Un = 0x88, "conv.ovf.u4.un", None;
    ConvOvfU8Un = 0x89, "conv.ovf.u8.un", None;
    ConvOvfIUn = 0x8A, "conv.ovf.i.un", None;
    ConvOvfUUn = 0x8B, "conv.ovf.u.un", None;
    Box = 0x8C, "box", Token;
    Newarr = 0x8D, "newarr", Token;
    Ldlen = 0x8E, "ldlen", None;
    Ldelema = 0x8F, "ldelema", Token;
    LdelemI1 = 0x90, "ldelem.i1", None;
    LdelemU1 = 0x91, "ldelem.u1", None;
    LdelemI2 = 0x92, "ldelem.i2", None;
    LdelemU2 = 0x93, "ldelem.u2", None;
    LdelemI4 = 0x94, "ldelem.i4", None;
    LdelemU4 = 0x95, "ldelem.u4", None;
    LdelemI8 = 0x96, "ldelem.i8", None;
    LdelemI = 0x97, "ldelem.i", None;
    LdelemR4 = 0x98, "ldelem.r4", None;
    LdelemR8 = 0x99, "ldelem.r8", None;
    LdelemRef = 0x9A, "ldelem.ref", None;
    StelemI = 0x9B, "stelem.i", None;
    StelemI1 = 0x9C, "stelem.i1", None;
    StelemI2 = 0x9D, "stelem.i2", None;
    StelemI4 = 0x9E, "stelem.i4", None;
    StelemI8 = 0x9F, "stelem.i8", None;
    StelemR4 = 0xA0, "stelem.r4", None;
    StelemR8 = 0xA1, "stelem.r8", None;
    StelemRef = 0xA2, "stelem.ref", None;
    Ldelem = 0xA3, "ldelem", Token;
    Stelem = 0xA4, "stelem", Token;
    UnboxAny = 0xA5, "unbox.any", Token;
    ConvOvfI1 = 0xB3, "conv.ovf.i1", None;
    ConvOvfU1 = 0xB4, "conv.ovf.u1", None;
    ConvOvfI2 = 0xB5, "conv.ovf.i2", None;
    ConvOvfU2 = 0xB6, "conv.ovf.u2", None;
    ConvOvfI4 = 0xB7, "conv.ovf.i4", None;
    ConvOvfU4 = 0xB8, "conv.ovf.u4", None;
    ConvOvfI8 = 0xB9, "conv.ovf.i8", None;
    ConvOvfU8 = 0xBA, "conv.ovf.u8", None;
    Refanyval = 0xC2, "refanyval", Token;
    Ckfinite = 0xC3, "ckfinite", None;
    Mkrefany = 0xC6, "mkrefany", Token;
    Ldtoken = 0xD0, "ldtoken", Token;
    ConvU2 = 0xD1, "conv.u2", None;
    ConvU1 = 0xD2, "conv.u1", None;
    ConvI = 0xD3, "conv.i", None;
    ConvOvfI = 0xD4, "conv.ovf.i", None;
    ConvOvfU = 0xD5, "conv.ovf.u", None;
    AddOvf = 0xD6, "add.ovf", None;
    AddOvfUn = 0xD7, "add.ovf.un", None;
    MulOvf = 0xD8, "mul.ovf", None;
    MulOvfUn = 0xD9, "mul.ovf.un", None;
    SubOvf = 0xDA, "sub.ovf", None;
    SubOvfUn = 0xDB, "sub.ovf.un", None;
    Endfinally = 0xDC, "endfinally", None;
    Leave = 0xDD, "leave", Br;
    LeaveS = 0xDE, "leave.s", ShortBr;
    StindI = 0xDF, "stind.i", None;
    ConvU = 0xE0, "conv.u", None;
    Arglist = 0xFE00, "arglist", None;
    Ceq = 0xFE01, "ceq", None;
    Cgt = 0xFE02, "cgt", None;
    CgtUn = 0xFE03, "cgt.un", None;
    Clt = 0xFE04, "clt", None;
    CltUn = 0xFE05, "clt.un", None;
    Ldftn = 0xFE06, "ldftn", Token;
    Ldvirtftn = 0xFE07, "ldvirtftn", Token;
    Ldarg = 0xFE09, "ldarg", Var;
    Ldarga = 0xFE0A, "ldarga", Var;
    Starg = 0xFE0B, "starg", Var;
    Ldloc = 0xFE0C, "ldloc", Var;
    Ldloca = 0xFE0D, "ldloca", Var;
    Stloc = 0xFE0E, "stloc", Var;
    Localloc = 0xFE0F, "localloc", None;
    Endfilter = 0xFE11, "endfilter", None;
    Unaligned = 0xFE12, "unaligned.", UnsignedByte;
    Volatile = 0xFE13, "volatile.", None;
    Tail = 0xFE14, "tail.", None;
    Initobj = 0xFE15, "initobj", Token;
    Constrained = 0xFE16, "constrained.", Token;
    Cpblk = 0xFE17, "cpblk", None;
    Initblk = 0xFE18, "initblk", None;
    No = 0xFE19, "no.", UnsignedByte;
    Rethrow = 0xFE1A, "rethrow", None;
    Sizeof = 0xFE1C, "sizeof", Token;
    Refanytype = 0xFE1D, "refanytype", None;
    Readonly = 0xFE1E, "readonly.", None;
}
