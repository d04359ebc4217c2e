use super::*;

/// Feeds `input`; returns the events and everything echoed.
fn type_in(e: &mut Editor, input: &[u8]) -> (Vec<Event>, Vec<u8>) {
    let mut echo = Vec::new();
    let events = input.iter().filter_map(|&b| e.feed(b, &mut echo)).collect();
    (events, echo)
}

fn lines(input: &[u8]) -> Vec<Event> {
    type_in(&mut Editor::new(), input).0
}

fn line(s: &str) -> Event {
    Event::Line(s.into())
}

#[test]
fn cr_lf_and_crlf_each_end_one_line() {
    assert_eq!(lines(b"ls\r"), [line("ls")]);
    assert_eq!(lines(b"ls\n"), [line("ls")]);
    assert_eq!(lines(b"ls\r\ndf\r\n"), [line("ls"), line("df")]);
    // Two line ends in a row that are not CR LF are an empty line between.
    assert_eq!(
        lines(b"a\n\nb\r\rc\n\r"),
        [
            line("a"),
            line(""),
            line("b"),
            line(""),
            line("c"),
            line("")
        ]
    );
}

#[test]
fn typed_characters_are_echoed_and_the_line_end_is_a_newline() {
    let (ev, echo) = type_in(&mut Editor::new(), b"cat x\r\n");
    assert_eq!(ev, [line("cat x")]);
    assert_eq!(echo, b"cat x\n");
}

#[test]
fn backspace_and_del_erase_one_character() {
    let (ev, echo) = type_in(&mut Editor::new(), b"lsx\x08\r");
    assert_eq!(ev, [line("ls")]);
    assert_eq!(echo, b"lsx\x08 \x08\n");
    assert_eq!(lines(b"cax\x7ft\n"), [line("cat")]);
    // Backspace on an empty line echoes nothing and is harmless.
    let (ev, echo) = type_in(&mut Editor::new(), b"\x08\x7fdf\n");
    assert_eq!(ev, [line("df")]);
    assert_eq!(echo, b"df\n");
}

#[test]
fn backspace_erases_a_whole_utf8_character() {
    let (ev, echo) = type_in(&mut Editor::new(), "é€\x08\x08a\n".as_bytes());
    assert_eq!(ev, [line("a")]);
    // One rubout per character, not per byte.
    assert_eq!(echo.windows(3).filter(|w| *w == b"\x08 \x08").count(), 2);
    assert_eq!(lines("ñé\x7f\n".as_bytes()), [line("ñ")]);
}

#[test]
fn ctrl_u_erases_the_line() {
    let (ev, echo) = type_in(&mut Editor::new(), b"rm /x\x15ls\n");
    assert_eq!(ev, [line("ls")]);
    assert!(echo.starts_with(b"rm /x\x08 \x08\x08 \x08\x08 \x08\x08 \x08\x08 \x08ls"));
}

#[test]
fn ctrl_c_abandons_the_line() {
    let mut e = Editor::new();
    let (ev, echo) = type_in(&mut e, b"shutdown\x03");
    assert_eq!(ev, [Event::Interrupt]);
    assert_eq!(echo, b"shutdown^C\n");
    assert!(e.pending().is_empty());
    assert_eq!(type_in(&mut e, b"ps\r").0, [line("ps")]);
}

#[test]
fn escape_sequences_and_control_bytes_are_ignored() {
    // Up arrow, left arrow, a bare ESC x, NUL, ^D, bell.
    assert_eq!(lines(b"l\x1b[A\x1b[1;5Ds\x1bx\x00\x04\x07\n"), [line("ls")]);
    assert_eq!(lines(b"write\ta b\n"), [line("write a b")]);
}

#[test]
fn an_overlong_line_is_refused_not_cut() {
    let mut e = Editor::new();
    let mut input = vec![b'a'; LINE_MAX + 10];
    input.push(b'\n');
    let (ev, echo) = type_in(&mut e, &input);
    assert_eq!(ev, [Event::TooLong]);
    // The first LINE_MAX were echoed, each byte past them rang the bell.
    assert_eq!(echo.iter().filter(|&&b| b == b'a').count(), LINE_MAX);
    assert_eq!(echo.iter().filter(|&&b| b == 0x07).count(), 10);
    // The next line is normal again.
    assert_eq!(type_in(&mut e, b"ls\n").0, [line("ls")]);
    // Exactly LINE_MAX is accepted.
    let mut input = vec![b'b'; LINE_MAX];
    input.push(b'\r');
    assert_eq!(lines(&input), [Event::Line("b".repeat(LINE_MAX))]);
}

#[test]
fn ctrl_u_after_an_overflow_starts_afresh() {
    let mut input = vec![b'a'; LINE_MAX + 1];
    input.extend_from_slice(b"\x15df\n");
    assert_eq!(lines(&input), [line("df")]);
}

#[test]
fn invalid_utf8_does_not_break_the_line() {
    assert_eq!(lines(b"cat \xff\xfe\n"), [line("cat \u{fffd}\u{fffd}")]);
}
