//! Metadata tokens: the table number in the top byte, the 1-based row below.

use super::tables::TableId;

/// Table byte of a `#US` string token (`ldstr`), which is not a table.
pub const USER_STRING_TOKEN_TYPE: u8 = 0x70;

/// A metadata token as found in IL operands and the CLI header.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Token(u32);

impl Token {
    /// Token for row `rid` of `table`. Bits of `rid` above 24 are dropped.
    pub const fn new(table: TableId, rid: u32) -> Self {
        Self(((table as u32) << 24) | (rid & 0x00FF_FFFF))
    }

    /// Wrap a raw 32-bit token.
    pub const fn from_raw(raw: u32) -> Self {
        Self(raw)
    }

    /// The raw 32-bit value.
    pub const fn raw(self) -> u32 {
        self.0
    }

    /// The top byte: a table number or [`USER_STRING_TOKEN_TYPE`].
    pub const fn type_byte(self) -> u8 {
        self.0.to_be_bytes()[0]
    }

    /// The table, if the top byte names one.
    pub fn table(self) -> Option<TableId> {
        TableId::from_u8(self.type_byte())
    }

    /// The 1-based row (or `#US` offset for string tokens).
    pub const fn rid(self) -> u32 {
        self.0 & 0x00FF_FFFF
    }

    /// Whether this is an `ldstr` string token.
    pub const fn is_user_string(self) -> bool {
        self.type_byte() == USER_STRING_TOKEN_TYPE
    }

    /// Whether the token is a null reference (rid 0).
    pub const fn is_null(self) -> bool {
        self.rid() == 0
    }
}

impl core::fmt::Debug for Token {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.table() {
            Some(t) => write!(f, "Token({t:?}:{})", self.rid()),
            None => write!(f, "Token({:#010x})", self.0),
        }
    }
}
