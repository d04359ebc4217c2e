use super::*;

fn p(line: &str) -> Result<Option<Command>, ParseError> {
    parse(line)
}

fn s(x: &str) -> String {
    x.into()
}

#[test]
fn blank_lines_are_no_command() {
    assert_eq!(p(""), Ok(None));
    assert_eq!(p("   \t "), Ok(None));
}

#[test]
fn every_command_parses() {
    assert_eq!(p("help"), Ok(Some(Command::Help)));
    assert_eq!(p("ls"), Ok(Some(Command::Ls(None))));
    assert_eq!(p("ls /docs"), Ok(Some(Command::Ls(Some(s("/docs"))))));
    assert_eq!(p("cat a.txt"), Ok(Some(Command::Cat(s("a.txt")))));
    assert_eq!(
        p("write /n.txt hello   there world"),
        Ok(Some(Command::Write {
            path: s("/n.txt"),
            text: s("hello there world")
        }))
    );
    assert_eq!(
        p("cp a b"),
        Ok(Some(Command::Cp {
            from: s("a"),
            to: s("b")
        }))
    );
    assert_eq!(
        p("mv a b"),
        Ok(Some(Command::Mv {
            from: s("a"),
            to: s("b")
        }))
    );
    assert_eq!(p("rm x"), Ok(Some(Command::Rm(s("x")))));
    assert_eq!(p("mkdir d"), Ok(Some(Command::Mkdir(s("d")))));
    assert_eq!(p("stat d"), Ok(Some(Command::Stat(s("d")))));
    assert_eq!(p("df"), Ok(Some(Command::Df)));
    assert_eq!(p("sync"), Ok(Some(Command::Sync)));
    assert_eq!(p("  ps  "), Ok(Some(Command::Ps)));
    assert_eq!(p("faults"), Ok(Some(Command::Faults)));
    assert_eq!(p("restart fs"), Ok(Some(Command::Restart(s("fs")))));
    assert_eq!(p("kill blk"), Ok(Some(Command::Kill(s("blk")))));
    assert_eq!(p("lspci"), Ok(Some(Command::Lspci)));
    assert_eq!(p("demo"), Ok(Some(Command::Demo(None))));
    assert_eq!(p("demo oom"), Ok(Some(Command::Demo(Some(s("oom"))))));
    assert_eq!(p("shutdown"), Ok(Some(Command::Shutdown)));
}

#[test]
fn wrong_argument_counts_name_the_command() {
    for (line, name) in [
        ("cat", "cat"),
        ("cat a b", "cat"),
        ("cp a", "cp"),
        ("cp a b c", "cp"),
        ("mv", "mv"),
        ("write f", "write"),
        ("write", "write"),
        ("ls a b", "ls"),
        ("df now", "df"),
        ("shutdown -h", "shutdown"),
        ("kill", "kill"),
        ("demo a b", "demo"),
    ] {
        assert_eq!(p(line), Err(ParseError::Usage(name)), "{line}");
    }
}

#[test]
fn unknown_commands_are_named() {
    assert_eq!(p("frobnicate x"), Err(ParseError::Unknown(s("frobnicate"))));
    assert_eq!(p("LS"), Err(ParseError::Unknown(s("LS"))));
}

#[test]
fn quotes_hold_spaces_and_escapes() {
    assert_eq!(
        words(r#"cp "long name.txt" b"#),
        Ok(vec![s("cp"), s("long name.txt"), s("b")])
    );
    assert_eq!(
        words(r#"write f "a  b" \x "q\"\\""#),
        Ok(vec![s("write"), s("f"), s("a  b"), s(r"\x"), s(r#"q"\"#)])
    );
    assert_eq!(
        p(r#"write f "two  spaces" kept"#),
        Ok(Some(Command::Write {
            path: s("f"),
            text: s("two  spaces kept")
        }))
    );
    assert_eq!(words(r#""""#), Ok(vec![s("")]));
    assert_eq!(p(r#"cat "open"#), Err(ParseError::UnterminatedQuote));
}

#[test]
fn every_command_has_a_help_row() {
    for (name, ..) in COMMANDS {
        // Parsing the bare name gives the command or its usage, never Unknown.
        assert!(
            !matches!(p(name), Err(ParseError::Unknown(_))),
            "{name} is in help but not parsed"
        );
        assert!(usage(name).is_some());
    }
}
