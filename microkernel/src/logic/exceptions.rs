//! CPU exception names and error-code decoding for fault reports (Intel
//! SDM vol. 3, chapter 6: which vectors push an error code, and what its
//! bits mean).

use core::fmt;

pub const EXCEPTION_NAMES: [(&str, &str); 32] = [
    ("#DE", "Divide Error"),
    ("#DB", "Debug"),
    ("NMI", "Non-Maskable Interrupt"),
    ("#BP", "Breakpoint"),
    ("#OF", "Overflow"),
    ("#BR", "Bound Range Exceeded"),
    ("#UD", "Invalid Opcode"),
    ("#NM", "Device Not Available"),
    ("#DF", "Double Fault"),
    ("---", "Coprocessor Segment Overrun"),
    ("#TS", "Invalid TSS"),
    ("#NP", "Segment Not Present"),
    ("#SS", "Stack-Segment Fault"),
    ("#GP", "General Protection"),
    ("#PF", "Page Fault"),
    ("---", "Reserved 15"),
    ("#MF", "x87 Floating-Point"),
    ("#AC", "Alignment Check"),
    ("#MC", "Machine Check"),
    ("#XM", "SIMD Floating-Point"),
    ("#VE", "Virtualization"),
    ("#CP", "Control Protection"),
    ("---", "Reserved 22"),
    ("---", "Reserved 23"),
    ("---", "Reserved 24"),
    ("---", "Reserved 25"),
    ("---", "Reserved 26"),
    ("---", "Reserved 27"),
    ("#HV", "Hypervisor Injection"),
    ("#VC", "VMM Communication"),
    ("#SX", "Security"),
    ("---", "Reserved 31"),
];

pub fn exception_name(vector: u64) -> (&'static str, &'static str) {
    usize::try_from(vector)
        .ok()
        .and_then(|v| EXCEPTION_NAMES.get(v))
        .copied()
        .unwrap_or(("???", "Unknown"))
}

/// The error code of `vector`, decoded for a person.
pub struct DecodedError {
    pub vector: u64,
    pub code: u64,
}

impl fmt::Display for DecodedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.code;
        match self.vector {
            14 => {
                f.write_str(if c & 1 != 0 {
                    "protection violation"
                } else {
                    "page not present"
                })?;
                f.write_str(if c & 2 != 0 { ", write" } else { ", read" })?;
                f.write_str(if c & 4 != 0 {
                    ", user mode"
                } else {
                    ", kernel mode"
                })?;
                if c & 8 != 0 {
                    f.write_str(", reserved bit set")?;
                }
                if c & 16 != 0 {
                    f.write_str(", instruction fetch")?;
                }
                if c & 32 != 0 {
                    f.write_str(", protection key")?;
                }
                if c & 64 != 0 {
                    f.write_str(", shadow stack")?;
                }
                Ok(())
            }
            10 | 11 | 12 | 13 | 17 | 21 => {
                if c == 0 {
                    return f.write_str("no selector");
                }
                let table = match (c >> 1) & 3 {
                    0 => "GDT",
                    2 => "LDT",
                    _ => "IDT",
                };
                write!(f, "{table} index {}", (c >> 3) & 0x1fff)?;
                if c & 1 != 0 {
                    f.write_str(", external event")?;
                }
                Ok(())
            }
            8 => f.write_str("always 0"),
            _ => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(vector: u64, code: u64) -> String {
        DecodedError { vector, code }.to_string()
    }

    #[test]
    fn page_fault_bits() {
        assert_eq!(decode(14, 0), "page not present, read, kernel mode");
        assert_eq!(decode(14, 0b111), "protection violation, write, user mode");
        assert_eq!(
            decode(14, 0x10),
            "page not present, read, kernel mode, instruction fetch"
        );
        assert_eq!(
            decode(14, 0x14),
            "page not present, read, user mode, instruction fetch"
        );
        assert_eq!(
            decode(14, 0x8),
            "page not present, read, kernel mode, reserved bit set"
        );
    }

    #[test]
    fn selector_errors() {
        assert_eq!(decode(13, 0), "no selector");
        assert_eq!(decode(13, (5 << 3) | 0b010), "IDT index 5");
        assert_eq!(decode(11, (3 << 3) | 1), "GDT index 3, external event");
        assert_eq!(decode(10, (2 << 3) | 0b100), "LDT index 2");
    }

    #[test]
    fn names_cover_every_exception_vector() {
        assert_eq!(exception_name(14), ("#PF", "Page Fault"));
        assert_eq!(exception_name(8), ("#DF", "Double Fault"));
        assert_eq!(exception_name(31).0, "---");
        assert_eq!(exception_name(32), ("???", "Unknown"));
        assert_eq!(exception_name(u64::MAX), ("???", "Unknown"));
    }
}
