//! `System.Console` output cut into log lines. The corlib ends every
//! `Console.Write*` in one `WriteCore(string)` (docs/managed.md), and a
//! program may write a line in pieces (`Write("a"); WriteLine(1)`), while
//! the driver host's log takes whole lines: text waits here until its
//! newline comes. A line longer than [`LINE_MAX`] bytes is logged in pieces
//! of at most that, each but the last ending in `…` — split, never dropped.

use alloc::string::String;

/// Longest piece of a line logged at once, in bytes.
pub const LINE_MAX: usize = 512;

/// Text written since the last newline.
#[derive(Default)]
pub struct LineBuffer {
    pending: String,
}

impl LineBuffer {
    pub const fn new() -> Self {
        LineBuffer {
            pending: String::new(),
        }
    }

    /// Adds `text`; calls `emit` for every line it completes (without its
    /// `\n` or `\r\n`) and for every full [`LINE_MAX`] piece of a longer one.
    pub fn write(&mut self, text: &str, mut emit: impl FnMut(&str)) {
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                let line = self.pending.strip_suffix('\r').unwrap_or(&self.pending);
                emit(line);
                self.pending.clear();
            }
            self.pending.push_str(part);
            while self.pending.len() > LINE_MAX {
                let mut cut = LINE_MAX;
                while !self.pending.is_char_boundary(cut) {
                    cut -= 1;
                }
                let rest = self.pending.split_off(cut);
                self.pending.push('…');
                emit(&self.pending);
                self.pending = rest;
            }
        }
    }

    /// What waits for its newline (logged as it is when the program ends,
    /// so a last `Write` without one is not lost).
    pub fn take_pending(&mut self) -> Option<String> {
        (!self.pending.is_empty()).then(|| core::mem::take(&mut self.pending))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;
    use alloc::{format, string::ToString};

    fn run(writes: &[&str]) -> (Vec<String>, Option<String>) {
        let mut b = LineBuffer::new();
        let mut out = Vec::new();
        for w in writes {
            b.write(w, |l| out.push(l.to_string()));
        }
        (out, b.take_pending())
    }

    #[test]
    fn pieces_wait_for_their_newline() {
        let (lines, rest) = run(&["device ", "reset ", "3", "\n", "next\r\nlast"]);
        assert_eq!(lines, ["device reset 3", "next"]);
        assert_eq!(rest.as_deref(), Some("last"));
    }

    #[test]
    fn empty_lines_are_kept() {
        let (lines, rest) = run(&["\n\na\n"]);
        assert_eq!(lines, ["", "", "a"]);
        assert_eq!(rest, None);
    }

    #[test]
    fn a_long_line_is_split_not_cut() {
        let long = format!("{}é{}", "x".repeat(LINE_MAX - 1), "y".repeat(LINE_MAX + 5));
        let (lines, rest) = run(&[&long, "\n"]);
        assert_eq!(rest, None);
        assert!(lines.iter().all(|l| l.len() <= LINE_MAX + '…'.len_utf8()));
        let joined: String = lines.iter().map(|l| l.trim_end_matches('…')).collect();
        assert_eq!(joined, long);
        // The multi-byte character is not split.
        assert!(lines[0].ends_with("x…"));
        assert!(lines[1].starts_with('é'));
    }
}
