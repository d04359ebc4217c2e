//! The byte format of code images: little-endian fixed words, LEB128
//! unsigned varints, zigzag signed varints, length-prefixed byte strings.
//! The reader is bounds-checked everywhere and caps every count by the
//! bytes left, so hostile lengths cannot make it allocate or loop much.

use alloc::vec::Vec;

use super::ImageError;

/// Appends values to an image.
#[derive(Default)]
pub(super) struct Writer {
    pub out: Vec<u8>,
}

impl Writer {
    pub fn u64(&mut self, v: u64) {
        self.out.extend_from_slice(&v.to_le_bytes());
    }

    pub fn var(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }

    pub fn svar(&mut self, v: i64) {
        self.var(((v << 1) ^ (v >> 63)) as u64);
    }

    pub fn bytes(&mut self, b: &[u8]) {
        self.var(b.len() as u64);
        self.out.extend_from_slice(b);
    }
}

/// Reads values back; every failure is [`ImageError::Truncated`] or
/// [`ImageError::Malformed`].
pub(super) struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }

    pub fn left(&self) -> usize {
        self.data.len() - self.at
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], ImageError> {
        let end = self.at.checked_add(n).ok_or(ImageError::Truncated)?;
        let s = self.data.get(self.at..end).ok_or(ImageError::Truncated)?;
        self.at = end;
        Ok(s)
    }

    pub fn u64(&mut self) -> Result<u64, ImageError> {
        let mut w = [0u8; 8];
        w.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(w))
    }

    pub fn var(&mut self) -> Result<u64, ImageError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.take(1)?.first().ok_or(ImageError::Truncated)?;
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(ImageError::Malformed)
    }

    pub fn svar(&mut self) -> Result<i64, ImageError> {
        let v = self.var()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub fn u32(&mut self) -> Result<u32, ImageError> {
        u32::try_from(self.var()?).map_err(|_| ImageError::Malformed)
    }

    pub fn i32(&mut self) -> Result<i32, ImageError> {
        i32::try_from(self.svar()?).map_err(|_| ImageError::Malformed)
    }

    /// A count of items each at least one byte long: never more than the
    /// bytes left.
    pub fn count(&mut self) -> Result<usize, ImageError> {
        let n = usize::try_from(self.var()?).map_err(|_| ImageError::Malformed)?;
        if n > self.left() {
            return Err(ImageError::Truncated);
        }
        Ok(n)
    }

    pub fn bytes(&mut self) -> Result<&'a [u8], ImageError> {
        let n = self.count()?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let mut w = Writer::default();
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            w.var(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            w.svar(v);
        }
        w.u64(0x0123_4567_89ab_cdef);
        w.bytes(b"code");
        let mut r = Reader::new(&w.out);
        for v in [0u64, 1, 127, 128, 300, u64::MAX] {
            assert_eq!(r.var(), Ok(v));
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX, -300] {
            assert_eq!(r.svar(), Ok(v));
        }
        assert_eq!(r.u64(), Ok(0x0123_4567_89ab_cdef));
        assert_eq!(r.bytes(), Ok(&b"code"[..]));
        assert_eq!(r.left(), 0);
        assert_eq!(r.var(), Err(ImageError::Truncated));
    }

    #[test]
    fn hostile_lengths_are_refused() {
        let mut w = Writer::default();
        w.var(1 << 40);
        assert_eq!(Reader::new(&w.out).bytes(), Err(ImageError::Truncated));
        let eleven = [0xffu8; 11];
        assert_eq!(Reader::new(&eleven).var(), Err(ImageError::Malformed));
    }
}
