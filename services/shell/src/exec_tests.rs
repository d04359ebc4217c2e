use super::*;
use crate::fake::{Fake, FakeError, Node};
use crate::system::PciFunction;
use ipc::supervisor::FaultRecord;
use ipc::{ExitCause, FaultSummary, TaskIdWire};

/// Runs `line` and returns what it printed.
fn sh(f: &mut Fake, line: &str) -> (Outcome, String) {
    let o = run_line(f, line);
    (o, f.take())
}

fn ok(f: &mut Fake, line: &str) -> String {
    let (o, out) = sh(f, line);
    assert_eq!(o, Outcome::Ok, "{line}: {out}");
    out
}

/// A failure is exactly one line.
fn err(f: &mut Fake, line: &str) -> String {
    let (o, out) = sh(f, line);
    assert_eq!(o, Outcome::Failed, "{line}: {out}");
    assert_eq!(
        out.matches('\n').count(),
        1,
        "{line}: not one line: {out:?}"
    );
    out.trim_end().to_string()
}

fn file(f: &Fake, path: &str) -> Option<Vec<u8>> {
    match f.nodes.get(path) {
        Some(Node::File(d)) => Some(d.clone()),
        _ => None,
    }
}

#[test]
fn paths_are_made_absolute() {
    assert_eq!(absolute("a.txt"), "/a.txt");
    assert_eq!(absolute("/docs//x/./y/"), "/docs/x/y");
    assert_eq!(absolute(""), "/");
    assert_eq!(absolute("/"), "/");
    assert_eq!(absolute("."), "/");
}

#[test]
fn files_written_copied_moved_and_removed() {
    let mut f = Fake::new();
    assert_eq!(ok(&mut f, "write notes.txt hello   from the shell"), "");
    assert_eq!(file(&f, "/notes.txt").unwrap(), b"hello from the shell\n");
    assert_eq!(ok(&mut f, "cat /notes.txt"), "hello from the shell\n");
    ok(&mut f, "mkdir /docs");
    ok(&mut f, "cp notes.txt /docs/copy.txt");
    assert_eq!(
        file(&f, "/docs/copy.txt").unwrap(),
        b"hello from the shell\n"
    );
    ok(&mut f, "mv /docs/copy.txt /docs/moved.txt");
    assert!(file(&f, "/docs/copy.txt").is_none());
    let ls = ok(&mut f, "ls /docs");
    assert_eq!(ls, "        21  moved.txt\n");
    let ls = ok(&mut f, "ls");
    assert_eq!(ls, "     <dir>  docs/\n        21  notes.txt\n");
    assert_eq!(
        ok(&mut f, "stat notes.txt"),
        "/notes.txt: file, 21 bytes\n  attributes: archive\n"
    );
    assert_eq!(ok(&mut f, "stat /docs"), "/docs: directory\n");
    ok(&mut f, "rm /docs/moved.txt");
    ok(&mut f, "rm /docs");
    assert_eq!(ok(&mut f, "ls /"), "        21  notes.txt\n");
    // Every handle was closed.
    assert!(f.open.is_empty());
    ok(&mut f, "sync");
    assert_eq!(f.syncs, 1);
    let df = ok(&mut f, "df");
    assert!(df.contains("64000.0 KiB"), "{df}");
    assert!(df.contains("16000.0 KiB"), "{df}");
    assert!(df.contains("25%"), "{df}");
    assert!(df.contains("FAT32 CORDON"), "{df}");
}

#[test]
fn write_replaces_and_cp_copies_more_than_one_chunk() {
    let mut f = Fake::new();
    ok(&mut f, "write a first");
    ok(&mut f, "write a second");
    assert_eq!(file(&f, "/a").unwrap(), b"second\n");
    let big: Vec<u8> = (0..3 * CHUNK + 17).map(|i| (i % 251) as u8 + 1).collect();
    f.nodes.insert("/big.bin".into(), Node::File(big.clone()));
    ok(&mut f, "cp big.bin big2.bin");
    assert_eq!(file(&f, "/big2.bin").unwrap(), big);
    assert_eq!(
        err(&mut f, "cp big.bin /big.bin"),
        "cp: /big.bin and /big.bin are the same file"
    );
    assert!(f.open.is_empty());
}

#[test]
fn errors_name_the_command_the_path_and_the_typed_error() {
    let mut f = Fake::new();
    for (line, want) in [
        ("cat /missing.txt", "cat: /missing.txt: NotFound"),
        ("ls /nope", "ls: /nope: NotFound"),
        ("rm nope", "rm: /nope: NotFound"),
        ("stat nope", "stat: /nope: NotFound"),
        ("cp nope b", "cp: /nope: NotFound"),
        ("mv nope b", "mv: /nope -> /b: NotFound"),
        ("write /no/dir/x hi", "write: /no/dir/x: NotFound"),
    ] {
        assert_eq!(err(&mut f, line), want);
    }
    ok(&mut f, "mkdir d");
    assert_eq!(err(&mut f, "mkdir d"), "mkdir: /d: AlreadyExists");
    assert_eq!(err(&mut f, "cat d"), "cat: /d: IsADirectory");
    ok(&mut f, "write d/x y");
    assert_eq!(err(&mut f, "rm d"), "rm: /d: DirectoryNotEmpty");
    // cp's destination refused: the source handle is closed all the same.
    assert_eq!(err(&mut f, "cp d/x d"), "cp: /d: IsADirectory");
    assert!(f.open.is_empty());
}

#[test]
fn parse_errors_are_one_line() {
    let mut f = Fake::new();
    for (line, want) in [
        ("frobnicate", "unknown command `frobnicate` (try `help`)"),
        ("cp onlyone", "usage: cp FROM TO"),
        ("df extra", "usage: df"),
        ("cat \"x", "a quote is not closed"),
    ] {
        assert_eq!(err(&mut f, line), want);
    }
    // A blank line does nothing and prints nothing.
    assert_eq!(ok(&mut f, "   "), "");
}

#[test]
fn a_dead_file_service_is_an_error_not_the_end() {
    let mut f = Fake::new();
    f.fs_dead = true;
    assert_eq!(err(&mut f, "ls"), "ls: /: Dead");
    assert_eq!(err(&mut f, "df"), "df: Dead");
    assert_eq!(err(&mut f, "sync"), "sync: Dead");
    f.fs_dead = false;
    ok(&mut f, "ls");
}

#[test]
fn cat_shows_text_and_refuses_to_dump_binary() {
    let mut f = Fake::new();
    f.nodes
        .insert("/t".into(), Node::File(b"no newline".to_vec()));
    assert_eq!(ok(&mut f, "cat t"), "no newline\n");
    f.nodes.insert("/b".into(), Node::File(vec![1, 0, 2, 3]));
    assert_eq!(
        ok(&mut f, "cat b"),
        "cat: /b: binary file, 4 bytes (not shown)\n"
    );
    f.nodes.insert("/e".into(), Node::File(Vec::new()));
    assert_eq!(ok(&mut f, "cat e"), "");
}

#[test]
fn help_lists_every_command() {
    let mut f = Fake::new();
    let out = ok(&mut f, "help");
    for (name, ..) in COMMANDS {
        assert!(
            out.contains(&format!("\n  {name} ")),
            "{name} missing: {out}"
        );
    }
}

#[test]
fn ps_shows_state_task_generation_and_restarts() {
    let mut f = Fake::new();
    let out = ok(&mut f, "ps");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("SERVICE"));
    assert!(
        lines[1].starts_with("driverhost       running            2.0"),
        "{out}"
    );
    assert!(
        lines[5].starts_with("demo-ok          stopped            -"),
        "{out}"
    );
}

#[test]
fn kill_lets_the_restart_policy_act_and_restart_starts_at_once() {
    let mut f = Fake::new();
    f.now_ms = 5_000;
    let out = ok(&mut f, "kill driverhost");
    assert_eq!(
        out,
        "kill: driverhost: killed; its restart policy decides what follows (see `ps`)\n"
    );
    assert_eq!(
        f.requests.last(),
        Some(&Request::Kill {
            name: "driverhost".into()
        })
    );
    // The death arrives; the policy restarts it after the base delay (50 ms).
    let ps = ok(&mut f, "ps");
    let row = ps.lines().find(|l| l.starts_with("driverhost")).unwrap();
    assert!(row.contains("restart in 50 ms"), "{row}");
    assert!(row.contains("killed"), "{row}");
    f.sleep_ms(50);
    let ps = ok(&mut f, "ps");
    let row = ps.lines().find(|l| l.starts_with("driverhost")).unwrap();
    assert!(row.contains("running"), "{row}");
    assert!(row.contains(" 20.1 "), "{row}");
    assert!(row.contains("       1  killed"), "{row}");
    // blk is restart=hold: killed, it stays held.
    ok(&mut f, "kill blk");
    let ps = ok(&mut f, "ps");
    assert!(
        ps.lines()
            .any(|l| l.starts_with("blk") && l.contains("held")),
        "{ps}"
    );
    // ...until restarted.
    assert_eq!(ok(&mut f, "restart blk"), "restart: blk: restarted\n");
    let ps = ok(&mut f, "ps");
    assert!(
        ps.lines()
            .any(|l| l.starts_with("blk") && l.contains("running")),
        "{ps}"
    );
    // Errors by their typed names.
    assert_eq!(err(&mut f, "kill nosuch"), "kill: nosuch: NoSuchService");
    assert_eq!(err(&mut f, "kill demo-ok"), "kill: demo-ok: NotRunning");
    assert_eq!(
        err(&mut f, "restart nosuch"),
        "restart: nosuch: NoSuchService"
    );
}

#[test]
fn a_shell_without_control_is_refused_by_name() {
    let mut f = Fake::new();
    // Pretend to be `meek`, which has no allow=.
    f.me = TaskIdWire(6);
    assert_eq!(err(&mut f, "kill fs"), "kill: fs: PermissionDenied");
    let (o, out) = sh(&mut f, "shutdown");
    assert_eq!(o, Outcome::Failed);
    assert_eq!(out, "shutdown: powering off\nshutdown: PermissionDenied\n");
}

#[test]
fn faults_show_the_report_and_the_managed_location() {
    let mut f = Fake::new();
    assert_eq!(ok(&mut f, "faults"), "no faults recorded\n");
    let fault = ExitCause::Faulted(FaultSummary {
        vector: 14,
        error_code: 4,
        rip: 0x4000_1234,
        cr2: 0x300,
        rsp: 0x7fff_f000,
        rflags: 0x246,
        regs: [0; 15],
    });
    let managed = "Cordon.Drivers.VirtioBlk::Start+0x85 IL_0008 ldfld".to_string();
    f.table.on_death(
        TaskIdWire(2),
        1_500_000,
        fault,
        Some(managed.clone()),
        1_500,
    );
    let out = ok(&mut f, "faults");
    assert_eq!(
        out,
        format!(
            "at 1.500000 s: driverhost[2.0] #PF page fault at RIP=0x40001234 CR2=0x300\n    \
             error code 0x4, RSP=0x7ffff000, RFLAGS=0x246\n    managed: {managed}\n"
        )
    );
}

#[test]
fn faults_formats_every_record_kind() {
    let r = |cause| FaultRecord {
        service: "x".into(),
        task: TaskIdWire(0x2_0003),
        uptime_us: 12,
        cause,
        managed: None,
    };
    let out = crate::format::faults(&[r(ExitCause::Killed), r(ExitCause::Exited(-3))]);
    assert_eq!(
        out,
        "at 0.000012 s: x[3.2] killed\nat 0.000012 s: x[3.2] exited -3\n"
    );
}

#[test]
fn lspci_names_owners_by_service() {
    let mut f = Fake::new();
    f.pci = vec![
        PciFunction {
            bdf: 0,
            vendor: 0x8086,
            device: 0x29c0,
            class: 0x0600_0000,
            owner: None,
        },
        PciFunction {
            bdf: 0x28,
            vendor: 0x1af4,
            device: 0x1042,
            class: 0x0100_0001,
            owner: Some(TaskIdWire(2)),
        },
        PciFunction {
            bdf: 0x0110,
            vendor: 0x1b36,
            device: 0x0005,
            class: 0x00ff_0000,
            owner: Some(TaskIdWire(0x9_0009)),
        },
    ];
    assert_eq!(
        ok(&mut f, "lspci"),
        "00:00.0 8086:29c0 0600 host bridge\n\
         00:05.0 1af4:1042 0100 SCSI storage, owner driverhost[2.0]\n\
         01:02.0 1b36:0005 00ff unclassified, owner task 9.9\n"
    );
}

#[test]
fn demo_lists_starts_and_waits_for_the_demo_service() {
    let mut f = Fake::new();
    assert_eq!(
        ok(&mut f, "demo"),
        "demos (run one with `demo NAME`):\n  ok           ready\n"
    );
    assert_eq!(
        err(&mut f, "demo nope"),
        "demo: nope: no such demo (try `demo`)"
    );
    assert_eq!(
        err(&mut f, "demo a-name-far-too-long"),
        "demo: a-name-far-too-long: no such demo (try `demo`)"
    );
    // demo-ok (index 4) will exit 0 at the first poll.
    let task = TaskIdWire(0x1_0000 | 24);
    f.deaths_at_sleep.push((task, ExitCause::Exited(0)));
    let out = ok(&mut f, "demo ok");
    assert_eq!(
        out,
        "demo ok: started demo-ok; its output follows (^C stops waiting)\n\
         demo ok: finished (exited 0)\n"
    );
    assert!(f.requests.contains(&Request::Start {
        name: "demo-ok".into()
    }));
    // A failing demo is a failure, one line after the start line.
    f.deaths_at_sleep.push((task, ExitCause::Exited(3)));
    let (o, out) = sh(&mut f, "demo ok");
    assert_eq!(o, Outcome::Failed);
    assert!(out.ends_with("demo ok: ended: exited 3\n"), "{out}");
    // ^C stops the waiting; the demo goes on.
    f.interrupt_after = Some(2);
    let out = ok(&mut f, "demo ok");
    assert!(
        out.ends_with("demo ok: no longer waiting; it goes on (see `ps`)\n"),
        "{out}"
    );
}

#[test]
fn shutdown_syncs_first_and_reports_a_refusal() {
    let mut f = Fake::new();
    let (o, out) = sh(&mut f, "shutdown");
    assert_eq!(f.syncs, 1);
    assert_eq!(f.requests.last(), Some(&Request::Shutdown));
    // The fake supervisor answers (the real one powers off instead).
    assert_eq!(o, Outcome::Failed);
    assert!(out.starts_with("shutdown: powering off\n"), "{out}");
    // A dead file service does not keep the machine on.
    f.fs_dead = true;
    let (_, out) = sh(&mut f, "shutdown");
    assert!(
        out.starts_with("shutdown: sync: Dead\nshutdown: powering off\n"),
        "{out}"
    );
    assert_eq!(f.requests.last(), Some(&Request::Shutdown));
}

#[test]
fn no_line_takes_the_shell_down() {
    // Deterministic junk: every command name with random arguments and bytes.
    let mut f = Fake::new();
    f.nodes.insert("/x".into(), Node::File(b"data\n".to_vec()));
    let mut seed = 0x1234_5678_u64;
    let mut rnd = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let alphabet: Vec<char> = " /\"\\.x-ab\u{e9}\t".chars().collect();
    for _ in 0..3000 {
        let (name, ..) = COMMANDS[(rnd() % COMMANDS.len() as u64) as usize];
        if name == "shutdown" || name == "demo" {
            continue;
        }
        let mut line = String::from(name);
        for _ in 0..rnd() % 12 {
            line.push(alphabet[(rnd() % alphabet.len() as u64) as usize]);
        }
        let _ = run_line(&mut f, &line);
        let _ = f.take();
    }
    ok(&mut f, "cat x");
}

#[test]
fn fake_errors_print_their_names() {
    assert_eq!(format!("{}", FakeError::NotFound), "NotFound");
}
