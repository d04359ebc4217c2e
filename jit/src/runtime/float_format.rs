//! `Double.ToString()` / `Single.ToString()`: .NET's general ("G") format
//! with 15 / 7 significant digits, which is what mono prints: the value
//! rounded to that many digits, trailing zeros dropped, scientific
//! (`1E+20`, `1.5E-07`) when the decimal exponent is at least the
//! precision or below -4, fixed otherwise. `core`'s formatting rounds
//! correctly, so the digits are right. The value arrives as its bits (the
//! driver host is soft-float: no float arguments in InternalCalls); NaN
//! and the infinities are handled in C#.

use alloc::string::String;
use alloc::vec::Vec;

use super::current;

/// The "G" text of a finite value with `precision` significant digits.
pub fn general(value: f64, single: bool) -> String {
    let precision: usize = if single { 7 } else { 15 };
    if value == 0.0 {
        return String::from("0");
    }
    let sci = if single {
        alloc::format!("{:.*e}", precision - 1, (value as f32).abs())
    } else {
        alloc::format!("{:.*e}", precision - 1, value.abs())
    };
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mut digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    let mut out = String::new();
    if value < 0.0 {
        out.push('-');
    }
    if exp >= precision as i32 || exp < -4 {
        out.push(digits[0] as char);
        if digits.len() > 1 {
            out.push('.');
            out.extend(digits[1..].iter().map(|&d| d as char));
        }
        out.push('E');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&alloc::format!("{:02}", exp.unsigned_abs()));
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        for i in 0..int_len {
            out.push(*digits.get(i).unwrap_or(&b'0') as char);
        }
        if digits.len() > int_len {
            out.push('.');
            out.extend(digits[int_len..].iter().map(|&d| d as char));
        }
    } else {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.extend(digits.iter().map(|&d| d as char));
    }
    out
}

/// `Number.FormatFloatBits(long bits, bool single)`.
pub(super) extern "C" fn ic_format_float_bits(bits: i64, single: i32) -> usize {
    let rt = current();
    let text = general(f64::from_bits(bits as u64), single != 0);
    rt.string_from_utf16(text.encode_utf16().collect::<Vec<u16>>().into_iter())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::general;

    #[test]
    fn matches_mono() {
        // What mono prints for the same values (checked by hand).
        let cases: &[(f64, bool, &str)] = &[
            (1.0 / 3.0, false, "0.333333333333333"),
            (1e20, false, "1E+20"),
            (1e15, false, "1E+15"),
            (1e14, false, "100000000000000"),
            (123456789012345678.0, false, "1.23456789012346E+17"),
            (1e-7, false, "1E-07"),
            (0.0001, false, "0.0001"),
            (0.00001, false, "1E-05"),
            (123.456, false, "123.456"),
            (-0.0, false, "0"),
            (0.1 + 0.2, false, "0.3"),
            (1.7976931348623157E+308, false, "1.79769313486232E+308"),
            (5e-324, false, "4.94065645841247E-324"),
            (-2.5, false, "-2.5"),
            (0.1f32 as f64, true, "0.1"),
            ((1.0f32 / 3.0) as f64, true, "0.3333333"),
            (16777216.0, true, "1.677722E+07"),
            (3.4028235E+38f32 as f64, true, "3.402823E+38"),
        ];
        for &(v, single, want) in cases {
            assert_eq!(general(v, single), want, "{v}");
        }
    }
}
