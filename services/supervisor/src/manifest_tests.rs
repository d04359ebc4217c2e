use super::*;
use alloc::vec;

fn err(text: &str) -> ManifestError {
    Manifest::parse(text).unwrap_err()
}

fn kind(line: &str) -> ManifestErrorKind {
    err(line).kind
}

#[test]
fn a_full_manifest() {
    let text = r#"
# Cordon services
service driverhost program=bin/driverhost restart=always min-run=2000 backoff=100..10000 grant=ioports:0xc000-0xc03f grant=mmio:0xfebd0000+0x1000 grant=irq:11 files=managed/corlib.dll,managed/drivers/*.dll files=managed/ddk.dll args="--drivers drivers/virtio-blk.dll"

	service blk program=bin/blk   # trailing comment
service shell program=bin/shell restart=hold start=manual allow=shutdown,control args="a \"quoted\" # not a comment \\ end"
"#;
    let m = Manifest::parse(text).unwrap();
    assert_eq!(m.services.len(), 3);
    assert_eq!(
        m.services[0],
        ServiceSpec {
            name: "driverhost".into(),
            program: "bin/driverhost".into(),
            args: "--drivers drivers/virtio-blk.dll".into(),
            first_args: String::new(),
            fault_args: String::new(),
            give_up: 0,
            restart: RestartPolicy::Always,
            min_run_ms: 2000,
            backoff_base_ms: 100,
            backoff_max_ms: 10_000,
            start_at_boot: true,
            grants: vec![
                Grant::IoPorts {
                    first: 0xc000,
                    last: 0xc03f
                },
                Grant::Mmio {
                    phys: 0xfebd_0000,
                    len: 0x1000
                },
                Grant::Irq(11),
            ],
            files: vec![
                "managed/corlib.dll".into(),
                "managed/drivers/*.dll".into(),
                "managed/ddk.dll".into(),
            ],
            allow: crate::allow::Allow::default(),
            memory: None,
        }
    );
    let blk = m.get("blk").unwrap();
    assert_eq!(
        (
            blk.restart,
            blk.min_run_ms,
            blk.backoff_base_ms,
            blk.backoff_max_ms,
            blk.start_at_boot
        ),
        (RestartPolicy::Always, 1000, 50, 5000, true)
    );
    assert_eq!(blk.args, "");
    assert!(blk.grants.is_empty());
    assert!(blk.files.is_empty());
    let shell = m.get("shell").unwrap();
    assert_eq!(shell.restart, RestartPolicy::Hold);
    assert!(!shell.start_at_boot);
    assert_eq!(shell.args, r#"a "quoted" # not a comment \ end"#);
    assert!(shell.allow.shutdown && shell.allow.may_control("blk"));
    assert_eq!(
        Manifest::parse("service sh program=shell grant=console")
            .unwrap()
            .services[0]
            .grants,
        vec![Grant::Console]
    );
    assert_eq!(
        Manifest::parse("service a program=p memory=48M")
            .unwrap()
            .services[0]
            .memory,
        Some(48 << 20)
    );
    for bad in ["memory=0", "memory=1000", "memory=2G", "memory=lots"] {
        assert_eq!(
            kind(&alloc::format!("service a program=p {bad}")),
            ManifestErrorKind::BadMemory,
            "{bad}"
        );
    }
    assert_eq!(
        kind("service a program=p allow=reboot"),
        ManifestErrorKind::BadAllow
    );
    assert_eq!(
        kind("service a program=p allow=shutdown allow=control"),
        ManifestErrorKind::DuplicateKey
    );
    assert!(m.get("fs").is_none());
}

#[test]
fn empty_and_comment_only_manifests_have_no_services() {
    for text in ["", "\n\n", "# nothing\n   # indented\n\t\n"] {
        assert_eq!(Manifest::parse(text).unwrap().services, vec![]);
    }
}

#[test]
fn quoted_values_anywhere_and_empty_args() {
    let m = Manifest::parse(r#"service a program="bin/my prog" args="""#).unwrap();
    assert_eq!(m.services[0].program, "bin/my prog");
    assert_eq!(m.services[0].args, "");
}

#[test]
fn errors_name_the_line() {
    let text = "# header\nservice ok program=p\n\nservice bad program=p restart=sometimes\n";
    assert_eq!(
        err(text),
        ManifestError {
            line: 4,
            kind: ManifestErrorKind::BadValue
        }
    );
}

#[test]
fn each_error_kind() {
    use ManifestErrorKind::*;
    let cases: &[(&str, ManifestErrorKind)] = &[
        ("services a program=p", ExpectedService),
        ("program=p", ExpectedService),
        ("service", MissingName),
        ("service   # comment", MissingName),
        ("service seventeen_chars_xx program=p", NameTooLong),
        ("service a/b program=p", BadName),
        ("service é program=p", BadName),
        ("service \"\" program=p", BadName),
        ("service a program=p colour", ExpectedKeyValue),
        ("service a program=p colour=red", UnknownKey),
        ("service a program=p program=q", DuplicateKey),
        ("service a program=p min-run=1 min-run=2", DuplicateKey),
        ("service a", MissingProgram),
        ("service a program=", MissingProgram),
        ("service a restart=always", MissingProgram),
        ("service a program=p restart=never", BadValue),
        ("service a program=p start=later", BadValue),
        ("service a program=p min-run=ten", BadNumber),
        ("service a program=p min-run=-1", BadNumber),
        (
            "service a program=p min-run=99999999999999999999",
            BadNumber,
        ),
        ("service a program=p backoff=50", BadBackoff),
        ("service a program=p backoff=0..10", BadBackoff),
        ("service a program=p backoff=100..50", BadBackoff),
        ("service a program=p backoff=x..50", BadNumber),
        ("service a program=p backoff=50..", BadNumber),
        ("service a program=p grant=irq:300", BadGrant),
        ("service a program=p grant=ports:1-2", BadGrant),
        ("service a program=p files=", BadFiles),
        ("service a program=p files=a,,b", BadFiles),
        ("service a program=p files=/etc/x", BadFiles),
        ("service a program=p files=a/../b", BadFiles),
        ("service a program=p files=*/x.dll", BadFiles),
        ("service a program=p args=\"open", UnterminatedQuote),
        (
            "service a program=p args=\"ends in escape\\",
            UnterminatedQuote,
        ),
        ("service a program=p args=\"x\"y", JunkAfterQuote),
    ];
    for (line, expected) in cases {
        assert_eq!(kind(line), *expected, "{line:?}");
    }
}

#[test]
fn sixteen_byte_names_are_the_limit() {
    let m = Manifest::parse("service sixteen_chars_xx program=p").unwrap();
    assert_eq!(m.services[0].name.len(), NAME_MAX);
}

#[test]
fn duplicate_names_are_refused() {
    let text = "service a program=p\nservice b program=p\nservice a program=q\n";
    assert_eq!(
        err(text),
        ManifestError {
            line: 3,
            kind: ManifestErrorKind::DuplicateName
        }
    );
}

#[test]
fn at_most_max_services() {
    let mut text = String::new();
    for i in 0..MAX_SERVICES {
        text.push_str(&alloc::format!("service s{i} program=p\n"));
    }
    assert_eq!(Manifest::parse(&text).unwrap().services.len(), MAX_SERVICES);
    text.push_str("service one-more program=p\n");
    assert_eq!(
        err(&text),
        ManifestError {
            line: MAX_SERVICES + 1,
            kind: ManifestErrorKind::TooManyServices
        }
    );
}

#[test]
fn arbitrary_text_never_panics() {
    // A deterministic xorshift over an alphabet rich in the parser's
    // punctuation, so the odd paths (quotes, escapes, '=', '..') are hit.
    let alphabet = b"service program=restart=min-run=backoff=grant=args=start= \"\\#\t\n.:+-0x9az";
    let mut x: u64 = 0x1234_5678_9abc_def1;
    let mut parsed = 0;
    for _ in 0..3000 {
        let mut s = String::new();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let len = (x % 80) as usize;
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push(alphabet[(x % alphabet.len() as u64) as usize] as char);
        }
        if Manifest::parse(&s).is_ok() {
            parsed += 1;
        }
    }
    assert!(parsed > 0);
}

#[test]
fn first_args_only_for_the_first_start() {
    let m = Manifest::parse(
        "service dh program=driverhost args=\"mode=call\" first-args=\"jit-inject=ldfld-struct\"\n\
         service b program=b first-args=x\n\
         service c program=c args=y\n",
    )
    .unwrap();
    let dh = &m.services[0];
    assert_eq!(dh.args_for(false), "mode=call jit-inject=ldfld-struct");
    assert_eq!(dh.args_for(true), "mode=call");
    assert_eq!(m.services[1].args_for(false), "x");
    assert_eq!(m.services[1].args_for(true), "");
    assert_eq!(m.services[2].args_for(false), "y");
    let dup = Manifest::parse("service a program=a first-args=x first-args=y\n");
    assert!(dup.is_err());
}

#[test]
fn fault_args_until_an_operator_starts_it() {
    let m = Manifest::parse(
        "service dh program=driverhost args=\"mode=drivers\" fault-args=\"inject=always-fault\" give-up=4\n\
         service e program=e fault-args=x first-args=y\n",
    )
    .unwrap();
    let dh = &m.services[0];
    assert_eq!(dh.give_up, 4);
    assert_eq!(
        dh.args_for_start(false, false),
        "mode=drivers inject=always-fault"
    );
    // Automatic restarts keep the fault ...
    assert_eq!(
        dh.args_for_start(true, false),
        "mode=drivers inject=always-fault"
    );
    // ... a Start or Restart request clears it.
    assert_eq!(dh.args_for_start(true, true), "mode=drivers");
    let e = &m.services[1];
    assert_eq!(e.args_for_start(false, false), "y x");
    assert_eq!(e.args_for_start(true, false), "x");
    assert_eq!(e.args_for_start(true, true), "");
    assert!(Manifest::parse("service a program=a give-up=x\n").is_err());
    assert!(Manifest::parse("service a program=a give-up=1 give-up=2\n").is_err());
    assert!(Manifest::parse("service a program=a fault-args=1 fault-args=2\n").is_err());
}

#[test]
fn the_command_line_adds_service_args() {
    let mut m = Manifest::parse(
        "service driverhost program=driverhost args=\"mode=drivers\"\nservice campaign program=campaign\n",
    )
    .unwrap();
    m.apply_cmdline(
        "manifest=campaign inject=driverhost driverhost.campaign=7 campaign.faults=30 driverhost.=x driverhostx.y=1 campaign.novalue driverhost.kinds=hang,oom",
    );
    assert_eq!(m.services[0].args, "mode=drivers campaign=7 kinds=hang,oom");
    assert_eq!(m.services[1].args, "faults=30");
    assert_eq!(
        m.services[0].args_for(true),
        "mode=drivers campaign=7 kinds=hang,oom"
    );
}
