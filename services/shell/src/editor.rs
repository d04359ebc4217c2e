//! The line editor: turns the bytes a terminal (or a pipe) sends into
//! lines, echoing what it accepts.
//!
//! - printable ASCII and UTF-8 are appended and echoed;
//! - Backspace (0x08) and DEL (0x7f) erase the last character;
//! - ^U (0x15) erases the whole line;
//! - ^C (0x03) abandons the line (`^C` and a fresh prompt);
//! - CR, LF and CR LF each end one line (a terminal sends CR, a pipe LF,
//!   some both: the LF right after a CR is not a second, empty line);
//! - a tab is a space; escape sequences (arrow keys: `ESC [ A`) and other
//!   control bytes are ignored;
//! - a line is at most [`LINE_MAX`] bytes: further bytes ring the bell and
//!   are dropped, and the line is refused when it ends — never cut into a
//!   different command.

use alloc::string::String;
use alloc::vec::Vec;

/// The longest line accepted, in bytes.
pub const LINE_MAX: usize = 256;

const BS: u8 = 0x08;
const DEL: u8 = 0x7f;
const CTRL_C: u8 = 0x03;
const CTRL_U: u8 = 0x15;
const ESC: u8 = 0x1b;
const BELL: u8 = 0x07;
/// Erases one character on a terminal: back, blank, back.
const RUBOUT: &[u8] = b"\x08 \x08";

/// What a byte completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A line was entered (without its line end; may be empty).
    Line(String),
    /// ^C: the line was abandoned.
    Interrupt,
    /// The line ended after more than [`LINE_MAX`] bytes were typed; it is
    /// refused.
    TooLong,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Escape {
    None,
    /// After ESC.
    Start,
    /// Inside `ESC [ ...` until its final byte.
    Csi,
}

/// One line being typed.
#[derive(Clone, Debug)]
pub struct Editor {
    line: Vec<u8>,
    overflow: bool,
    after_cr: bool,
    escape: Escape,
}

impl Default for Editor {
    fn default() -> Self {
        Self::new()
    }
}

impl Editor {
    pub const fn new() -> Self {
        Editor {
            line: Vec::new(),
            overflow: false,
            after_cr: false,
            escape: Escape::None,
        }
    }

    /// The bytes of the line typed so far.
    pub fn pending(&self) -> &[u8] {
        &self.line
    }

    /// Takes one byte; appends what to echo to `echo`; returns the event the
    /// byte completed, if any.
    pub fn feed(&mut self, byte: u8, echo: &mut Vec<u8>) -> Option<Event> {
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.escape {
            Escape::Start => {
                self.escape = if byte == b'[' {
                    Escape::Csi
                } else {
                    Escape::None
                };
                return None;
            }
            Escape::Csi => {
                // Parameter and intermediate bytes go on; a final byte ends it.
                if (0x40..=0x7e).contains(&byte) {
                    self.escape = Escape::None;
                }
                return None;
            }
            Escape::None => {}
        }
        match byte {
            b'\n' if after_cr => None,
            b'\r' | b'\n' => {
                self.after_cr = byte == b'\r';
                echo.extend_from_slice(b"\n");
                let overflow = core::mem::replace(&mut self.overflow, false);
                let line = core::mem::take(&mut self.line);
                Some(if overflow {
                    Event::TooLong
                } else {
                    // Only whole UTF-8 characters are ever kept (see below),
                    // but a terminal may send invalid sequences: replace them.
                    Event::Line(String::from_utf8_lossy(&line).into_owned())
                })
            }
            BS | DEL => {
                if self.erase_char() {
                    echo.extend_from_slice(RUBOUT);
                }
                None
            }
            CTRL_U => {
                while self.erase_char() {
                    echo.extend_from_slice(RUBOUT);
                }
                self.overflow = false;
                None
            }
            CTRL_C => {
                self.line.clear();
                self.overflow = false;
                echo.extend_from_slice(b"^C\n");
                Some(Event::Interrupt)
            }
            ESC => {
                self.escape = Escape::Start;
                None
            }
            b'\t' => self.insert(b' ', echo),
            b if b >= 0x20 => self.insert(b, echo),
            _ => None,
        }
    }

    fn insert(&mut self, b: u8, echo: &mut Vec<u8>) -> Option<Event> {
        if self.line.len() >= LINE_MAX {
            self.overflow = true;
            echo.push(BELL);
        } else {
            self.line.push(b);
            echo.push(b);
        }
        None
    }

    /// Removes the last character (all its UTF-8 bytes: continuation
    /// bytes `10xxxxxx`, then the byte that led them); false if the line is
    /// empty.
    fn erase_char(&mut self) -> bool {
        if self.line.is_empty() {
            return false;
        }
        while let Some(b) = self.line.pop() {
            if b & 0xc0 != 0x80 {
                break;
            }
        }
        true
    }
}

#[cfg(test)]
#[path = "editor_tests.rs"]
mod tests;
