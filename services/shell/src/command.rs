//! Parsing one line into a [`Command`].
//!
//! Words are separated by spaces; a word may be put in double quotes to
//! hold spaces (`cat "long name.txt"`), and `\"` and `\\` inside quotes are
//! a quote and a backslash. `write FILE TEXT…` takes the rest of the line as
//! the text, words joined by one space (quoted words keep their spaces).

use alloc::string::String;
use alloc::vec::Vec;

/// Every command, with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Help,
    /// `ls [DIR]` (the root if none).
    Ls(Option<String>),
    Cat(String),
    Write {
        path: String,
        text: String,
    },
    Cp {
        from: String,
        to: String,
    },
    Mv {
        from: String,
        to: String,
    },
    Rm(String),
    Mkdir(String),
    Stat(String),
    Df,
    Sync,
    Ps,
    Faults,
    Restart(String),
    Kill(String),
    Lspci,
    /// `demo [NAME]` (none: list the demos).
    Demo(Option<String>),
    Shutdown,
}

/// Why a line is not a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParseError {
    Unknown(String),
    /// Wrong number of arguments; the command's name.
    Usage(&'static str),
    UnterminatedQuote,
}

/// One row of `help`: name, arguments, what it does.
pub const COMMANDS: &[(&str, &str, &str)] = &[
    ("help", "", "this list"),
    ("ls", "[DIR]", "list a directory (default /)"),
    ("cat", "FILE", "print a file"),
    (
        "write",
        "FILE TEXT...",
        "replace FILE with TEXT and a newline",
    ),
    ("cp", "FROM TO", "copy a file"),
    ("mv", "FROM TO", "rename a file or directory"),
    ("rm", "PATH", "remove a file or an empty directory"),
    ("mkdir", "DIR", "make a directory"),
    ("stat", "PATH", "size and kind of a file or directory"),
    ("df", "", "size and free space of the file system"),
    ("sync", "", "write every cached sector to the disk"),
    (
        "ps",
        "",
        "services: state, task.generation, restarts, last exit",
    ),
    ("faults", "", "the supervisor's recent fault reports"),
    ("restart", "NAME", "kill a service and start it again now"),
    (
        "kill",
        "NAME",
        "kill a service; its restart policy acts as on a crash",
    ),
    ("lspci", "", "PCI functions and the drivers bound to them"),
    (
        "demo",
        "[NAME]",
        "run a fault-isolation demo (none: list them)",
    ),
    ("shutdown", "", "sync and power off"),
];

/// The usage line of command `name`.
pub fn usage(name: &str) -> Option<(&'static str, &'static str)> {
    COMMANDS
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(n, args, _)| (*n, *args))
}

/// Splits a line into words (see the module comment for quoting).
pub fn words(line: &str) -> Result<Vec<String>, ParseError> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(out);
        };
        let mut word = String::new();
        if first == '"' {
            chars.next();
            loop {
                match chars.next() {
                    None => return Err(ParseError::UnterminatedQuote),
                    Some('"') => break,
                    Some('\\') => match chars.next_if(|c| *c == '"' || *c == '\\') {
                        Some(c) => word.push(c),
                        None => word.push('\\'),
                    },
                    Some(c) => word.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
        }
        out.push(word);
    }
}

/// Parses one line; `Ok(None)` for a blank line.
pub fn parse(line: &str) -> Result<Option<Command>, ParseError> {
    let words = words(line)?;
    let Some((name, args)) = words.split_first() else {
        return Ok(None);
    };
    let usage_of = |n: &str| {
        ParseError::Usage(
            COMMANDS
                .iter()
                .find(|(c, ..)| *c == n)
                .map_or("help", |(c, ..)| c),
        )
    };
    let none = |c: Command| {
        if args.is_empty() {
            Ok(c)
        } else {
            Err(usage_of(name))
        }
    };
    let one = |f: fn(String) -> Command| match args {
        [a] => Ok(f(a.clone())),
        _ => Err(usage_of(name)),
    };
    let optional = |f: fn(Option<String>) -> Command| match args {
        [] => Ok(f(None)),
        [a] => Ok(f(Some(a.clone()))),
        _ => Err(usage_of(name)),
    };
    let two = |f: fn(String, String) -> Command| match args {
        [a, b] => Ok(f(a.clone(), b.clone())),
        _ => Err(usage_of(name)),
    };
    let cmd = match name.as_str() {
        "help" => none(Command::Help),
        "ls" => optional(Command::Ls),
        "cat" => one(Command::Cat),
        "write" => match args {
            [path, text @ ..] if !text.is_empty() => Ok(Command::Write {
                path: path.clone(),
                text: text.join(" "),
            }),
            _ => Err(usage_of(name)),
        },
        "cp" => two(|from, to| Command::Cp { from, to }),
        "mv" => two(|from, to| Command::Mv { from, to }),
        "rm" => one(Command::Rm),
        "mkdir" => one(Command::Mkdir),
        "stat" => one(Command::Stat),
        "df" => none(Command::Df),
        "sync" => none(Command::Sync),
        "ps" => none(Command::Ps),
        "faults" => none(Command::Faults),
        "restart" => one(Command::Restart),
        "kill" => one(Command::Kill),
        "lspci" => none(Command::Lspci),
        "demo" => optional(Command::Demo),
        "shutdown" => none(Command::Shutdown),
        other => Err(ParseError::Unknown(other.into())),
    }?;
    Ok(Some(cmd))
}

#[cfg(test)]
#[path = "command_tests.rs"]
mod tests;
