use super::*;
use ipc::FaultSummary;

#[test]
fn task_ids_are_index_dot_generation() {
    assert_eq!(task(TaskIdWire(0x0003_0007)), "7.3");
}

#[test]
fn exits_are_one_phrase() {
    let f = |vector, rip, cr2| {
        ExitCause::Faulted(FaultSummary {
            vector,
            error_code: 0,
            rip,
            cr2,
            rsp: 0,
            rflags: 0,
            regs: [0; 15],
        })
    };
    assert_eq!(exit(&ExitCause::Exited(70)), "exited 70");
    assert_eq!(exit(&ExitCause::Killed), "killed");
    assert_eq!(
        exit(&f(14, 0x1000, 0x300)),
        "#PF page fault at RIP=0x1000 CR2=0x300"
    );
    assert_eq!(
        exit(&f(13, 0x2000, 0)),
        "#GP general protection (vector 13) at RIP=0x2000"
    );
    assert_eq!(exit(&f(99, 1, 0)), "exception (vector 99) at RIP=0x1");
}

#[test]
fn ps_rows_line_up() {
    let s = |name: &str, state, task, restarts| ServiceStatus {
        name: name.into(),
        task,
        state,
        restarts,
        last_exit: None,
    };
    let out = ps(
        &[
            s(
                "driverhost",
                ServiceState::WaitingRestart { until_ms: 1250 },
                Some(TaskIdWire(0x2_0003)),
                2,
            ),
            s("fs", ServiceState::Held, None, 0),
        ],
        1000,
    );
    assert_eq!(
        out,
        "SERVICE          STATE              TASK     RESTARTS  LAST EXIT\n\
         driverhost       restart in 250 ms  3.2             2  -\n\
         fs               held               -               0  -\n"
    );
}

#[test]
fn ls_puts_directories_first_and_sorts() {
    let e = |name: &str, dir, size| DirEntry {
        name: name.into(),
        dir,
        size,
    };
    assert_eq!(
        ls(&[
            e("b.txt", false, 5),
            e("sub", true, 0),
            e("a.txt", false, 1_048_576)
        ]),
        "     <dir>  sub/\n   1048576  a.txt\n         5  b.txt\n"
    );
    assert_eq!(ls(&[]), "(empty)\n");
}

#[test]
fn df_handles_an_empty_and_a_huge_file_system() {
    let out = df(&FsStats {
        unit: 0,
        total_units: 0,
        free_units: 0,
        label: None,
    });
    assert!(out.contains("0%"), "{out}");
    let out = df(&FsStats {
        unit: u64::MAX,
        total_units: u64::MAX,
        free_units: 1,
        label: None,
    });
    assert!(out.contains("99%"), "{out}");
    let out = df(&FsStats {
        unit: 512,
        total_units: 3,
        free_units: 3,
        label: None,
    });
    assert!(out.contains("1.5 KiB"), "{out}");
}

#[test]
fn pci_classes_have_names() {
    assert_eq!(class_name(0x0100_0000), "SCSI storage");
    assert_eq!(class_name(0x0106_0100), "SATA storage");
    assert_eq!(class_name(0x0200_0000), "network");
    assert_eq!(class_name(0x0604_0000), "PCI bridge");
    assert_eq!(class_name(0x4200_0000), "device");
}
