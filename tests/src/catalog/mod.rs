//! The QEMU tests: what each boots and how it is judged.
//!
//! Judges are plain functions of the serial text so they can be unit-tested
//! against recorded logs (see the tests at the bottom).

use crate::judge::{kernel_survived, need, refuse};
use crate::qemu::{Images, QemuConfig};
use ddk_abi::debug_exit::{KERNEL_DIED, TEST_PASSED, qemu_status};
use std::time::Duration;

mod campaign;
mod codeimage;
mod devices;
mod driverhost;
mod inject;
mod kernel;
mod services;
mod shell;
mod storage;

use codeimage::*;
use devices::*;
use driverhost::*;
use inject::*;
use kernel::*;
use services::*;
use shell::*;

/// How a test's boot ends.
#[derive(Clone, Copy, Debug)]
pub enum Ending {
    /// QEMU exits by itself with this status.
    Exit(i32),
    /// The harness stops QEMU once this text has been printed.
    WhenPrinted(&'static str),
}

type Judge = fn(&str) -> Result<(), String>;

/// One QEMU test.
pub struct QemuTest {
    pub name: &'static str,
    pub about: &'static str,
    /// Boot the `selftest` kernel rather than the one users run.
    pub selftest_kernel: bool,
    pub append: &'static str,
    pub smp: u8,
    /// When the first string has been printed, type the second on the console.
    pub input: Option<(&'static str, &'static str)>,
    /// More (trigger, text) steps after `input`, in order: each is typed
    /// once its trigger has been printed after the previous step was typed.
    pub inputs: &'static [(&'static str, &'static str)],
    /// Lines typed into the user shell as `cargo xtask run` types a pipe:
    /// one at a time, each after the shell's prompt (`crate::script`);
    /// the boot must end by powering off (`Ending::Exit`).
    pub script: Option<&'static str>,
    pub ending: Ending,
    pub judge: Judge,
    pub timeout: Duration,
    /// Boot the GRUB ISO (multiboot2) instead of PVH `-kernel`.
    pub iso: bool,
    /// Extra QEMU arguments (devices), after the common ones.
    pub qemu_args: &'static [&'static str],
    /// virtio-blk disks, made before the boot and checked after QEMU exits.
    pub disks: &'static [crate::disk::Disk],
}

impl QemuTest {
    pub fn config(&self, images: &Images) -> QemuConfig {
        let kernel = if self.selftest_kernel {
            &images.kernel_selftest
        } else {
            &images.kernel
        };
        let mut c = QemuConfig::new(kernel.clone());
        c.initrd = Some(images.initrd.clone());
        c.append = self.append.to_string();
        c.smp = self.smp;
        if self.iso {
            c.cdrom = Some(images.iso.clone());
        }
        c.extra
            .extend(self.qemu_args.iter().map(|a| (*a).to_string()));
        c
    }

    /// Where this test's disk images are made (beside the initrd).
    pub fn disk_dir(images: &Images) -> std::path::PathBuf {
        images
            .initrd
            .parent()
            .map_or_else(|| "disks".into(), |p| p.join("disks"))
    }
}

const BOOT_TIMEOUT: Duration = Duration::from_secs(60);

/// Every QEMU test, in the order they run.
pub fn all() -> Vec<QemuTest> {
    let t = |name, about, selftest_kernel, append, ending, judge| QemuTest {
        name,
        about,
        selftest_kernel,
        append,
        smp: 2,
        input: None,
        inputs: &[],
        script: None,
        ending,
        judge,
        timeout: BOOT_TIMEOUT,
        iso: false,
        qemu_args: &[],
        disks: &[],
    };
    let passed = Ending::Exit(qemu_status(TEST_PASSED));
    let died = Ending::Exit(qemu_status(KERNEL_DIED));
    let ready = Ending::WhenPrinted("kernel ready in ");
    let off = Ending::Exit(0);
    let m = |name, about, append, judge| t(name, about, false, append, off, judge);
    let mut all = vec![
        t(
            "boot-banner",
            "boots to the banner, memory map summary and ready line",
            false,
            "",
            ready,
            judge_banner,
        ),
        t(
            "heap-stress",
            "allocates/frees many sizes, checks contents, grows the heap",
            true,
            "test=heap",
            passed,
            judge_heap,
        ),
        t(
            "frame-allocator",
            "single frames and aligned contiguous runs, all returned",
            true,
            "test=frames",
            passed,
            judge_frames,
        ),
        t(
            "timer-ticks",
            "LAPIC timer ticks advance",
            true,
            "test=timer",
            passed,
            judge_timer,
        ),
        t(
            "acpi-smp2",
            "ACPI finds 2 CPUs, the IOAPIC, MCFG and the FADT under -smp 2",
            false,
            "",
            ready,
            judge_acpi_smp2,
        ),
        QemuTest {
            qemu_args: &["-device", "edu,addr=05.0", "-device", "edu,addr=1c.0"],
            ..t(
                "acpi-prt",
                "q35's _PRT decoded; edu INTx at slots 5 and 0x1c arrives on the GSIs it names",
                true,
                "test=prt",
                passed,
                judge_acpi_prt,
            )
        },
        t(
            "kernel-pf-0x300",
            "a kernel read at 0x300 gives a report with CR2=0x300",
            true,
            "test=pf300",
            died,
            judge_pf300,
        ),
        t(
            "kernel-stack-overflow",
            "a kernel stack overflow gives a double-fault report",
            true,
            "test=stack-overflow",
            died,
            judge_stack_overflow,
        ),
        t(
            "task-stack-overflow",
            "an overflow of a task's kernel stack hits its guard page and is reported",
            true,
            "test=task-stack-overflow",
            died,
            judge_task_stack_overflow,
        ),
        QemuTest {
            input: Some(("cordon> ", "shutdown\r")),
            ..t(
                "console-shutdown",
                "`shutdown` on the boot console powers off through \\_S5",
                false,
                "manifest=bootconsole",
                Ending::Exit(0),
                judge_shutdown,
            )
        },
        QemuTest {
            input: Some(("serial-irq: type a line", "hello cordon\r")),
            ..t(
                "serial-irq",
                "COM1 input arrives through the IOAPIC",
                true,
                "test=serial-irq",
                passed,
                judge_serial_irq,
            )
        },
        t(
            "generation-retire",
            "a slot whose 16-bit generations are spent is retired, never wrapped",
            true,
            "test=generation-retire",
            passed,
            judge_generation_retire,
        ),
        t(
            "nmi-in-ring0",
            "an NMI arriving while the task table is locked is logged and ignored; no deadlock",
            true,
            "test=nmi",
            passed,
            judge_nmi,
        ),
        t(
            "exception-vector-irq",
            "an external interrupt on exception vector 20 is dropped, not taken for a kernel fault",
            true,
            "test=exception-vector",
            passed,
            judge_exception_vector,
        ),
        t(
            "log-filter",
            "log=warn,kernel=info,mem=info filters by source",
            false,
            "log=warn,kernel=info,mem=info",
            ready,
            judge_log_filter,
        ),
        t(
            "supervisor-boot",
            "the supervisor starts as the first process and starts the default manifest",
            false,
            "",
            Ending::WhenPrinted("task shell started as"),
            judge_supervisor_boot,
        ),
        m(
            "ipc-pingpong",
            "200 call/reply round trips with checked payloads",
            "manifest=ipc-pingpong",
            judge_ipc_pingpong,
        ),
        m(
            "ipc-4k-messages",
            "4096-byte messages and replies; 4097 bytes and short reply buffers refused",
            "manifest=ipc-big",
            judge_ipc_big,
        ),
        m(
            "ipc-grant-64k",
            "a 64 KiB shared-memory grant read and written by the server; revocation",
            "manifest=ipc-grant",
            judge_ipc_grant,
        ),
        m(
            "ipc-malformed",
            "a garbage request is rejected with a typed error; the server keeps serving",
            "manifest=ipc-malformed",
            judge_ipc_malformed,
        ),
        m(
            "ipc-call-dead",
            "calling a task that exited returns Dead with the next generation",
            "manifest=ipc-dead",
            judge_ipc_dead,
        ),
        m(
            "ipc-blocked-woken",
            "a caller blocked on a server that faults is woken with Dead",
            "manifest=ipc-blocked",
            judge_ipc_blocked,
        ),
        m(
            "ipc-timeout",
            "CallTimeout: timeouts while queued and after delivery; the late reply is discarded, the server refused with Busy until then; its next generation answers",
            "manifest=ipc-timeout",
            judge_ipc_timeout,
        ),
        QemuTest {
            inputs: &[
                ("consoletest: ready (generation 0)", "hello cordon\r"),
                ("echo: hello cordon", "pause\r"),
                ("pausing", CONSOLE_FLOOD),
                ("bytes after the pause", "quit\r"),
                ("the kernel console has the input again", "uptime\r"),
                ("consoletest: ready (generation 1)", "again\r"),
                ("echo: again", "off\r"),
            ],
            ..m(
                "console-grant",
                "grant=console: a ring-3 program reads typed lines and answers with ConsoleWrite; input it does not read is kept up to 1 KiB, the rest dropped and counted; a second holder and an ungranted task are refused; when it exits the kernel console answers `uptime`; its next generation gets the console back",
                "manifest=console-grant",
                judge_console_grant,
            )
        },
        m(
            "demo-cr2-0x300",
            "a server faults at CR2=0x300, is restarted; its client reconnects; others never notice",
            "manifest=demo-0x300",
            judge_demo_0x300,
        ),
        m(
            "crashloop-backoff",
            "a service faulting at start is restarted with doubling delays; others stay responsive",
            "manifest=crashloop",
            judge_crashloop,
        ),
        m(
            "sse-preemption",
            "two tasks preempted mid-loop keep all 16 XMM registers",
            "manifest=sse",
            judge_sse,
        ),
        m(
            "supervisor-protocol",
            "Status, FaultReports, Stop, Start, Restart, RestartTask and KillTask (Stale for a replaced task) over ipc::supervisor; garbage rejected",
            "manifest=supervisor-protocol",
            judge_supervisor_protocol,
        ),
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,disable-legacy=on",
            ],
            ..m(
                "device-grants",
                "granted ports, a PCI BAR and IRQ 8 drive the RTC and a virtio-blk from ring 3; ungranted access, the HPET, reset and SMI ports refused",
                "manifest=devgrant",
                judge_device_grants,
            )
        },
        m(
            "memory-exhaustion",
            "tasks mapping memory until refused get OutOfMemory; the kernel and other tasks carry on",
            "manifest=memhog",
            judge_memhog,
        ),
        QemuTest {
            iso: true,
            ..m(
                "grub-iso-multiboot2",
                "a GRUB ISO boots the same kernel through its multiboot2 header and runs ring 3",
                "",
                judge_grub_iso,
            )
        },
        QemuTest {
            input: Some(("pci 00:02.0: granted to regrant[3.1]", "lspci\rshutdown\r")),
            qemu_args: PCI_ENUM_DEVICES,
            ..m(
                "pci-enumerate",
                "every PCI function, behind bridges too, is listed at boot and by `lspci` with its owner; a restarted owner is granted its function again",
                "manifest=pcienum",
                judge_pci_enumerate,
            )
        },
        QemuTest {
            qemu_args: PCI_FILTER_DEVICES,
            ..m(
                "pci-config-filter",
                "a PCI function's owner: BAR, MSI-X and command-bit writes refused, MSI-X table unmappable, MSI-X bound; others refused",
                "manifest=pcifilter",
                judge_pci_config_filter,
            )
        },
        QemuTest {
            qemu_args: &[
                "-device",
                "edu,addr=05.0",
                "-device",
                "edu,addr=09.0",
                "-device",
                "edu,addr=0a.0",
                "-device",
                "pcie-root-port,id=rp1,chassis=1,slot=1,addr=0x6",
                "-device",
                "edu,bus=rp1",
                "-device",
                "pci-bridge,id=br1,chassis_nr=2,addr=0x7",
                "-device",
                "edu,bus=br1,addr=0x1",
            ],
            ..m(
                "pci-interrupts",
                "edu INTx on a shared GSI notifies both owners and unmasks only after both acked; INTx behind a root port and a bridge (swizzled); edu MSI",
                "manifest=pciirq",
                judge_pci_interrupts,
            )
        },
        m(
            "ring0-rules",
            "the top user page is never mappable; a refused Unmap revokes no grant; an unentitled service cannot power off or control services; grants are charged to their owner (9 tasks x 32); work per syscall is bounded",
            "manifest=rules",
            judge_rules,
        ),
        m(
            "wx-code",
            "Protect: written code runs as RX; executing RW, writing RX/RO pages fault; W+X refused",
            "manifest=wx",
            judge_wx,
        ),
        m(
            "dma-alloc",
            "DmaAlloc without a PCI grant is PermissionDenied; bad lengths, addresses, cache modes refused",
            "manifest=dma",
            judge_dma_refused,
        ),
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,addr=0x5,disable-legacy=on",
            ],
            ..m(
                "dma-granted",
                "a task holding a PCI function allocates DMA regions; its death frees them after bus mastering is off",
                "manifest=dma-granted",
                judge_dma_granted,
            )
        },
        QemuTest {
            timeout: Duration::from_secs(240),
            ..m(
                "jit-ring3",
                "the JIT's C# test suites in the ring-3 driver host (W^X code pages): all pass, as many as on the host",
                "manifest=jit-ring3",
                judge_jit_ring3,
            )
        },
        QemuTest {
            timeout: Duration::from_secs(600),
            ..m(
                "jit-ring3-gc-stress",
                "the JIT's C# test suites in the ring-3 driver host in GC stress mode (a collection at every allocation): all pass, as many as on the host",
                "manifest=jit-ring3-gc-stress",
                judge_jit_ring3_gc_stress,
            )
        },
        m(
            "jit-ring3-fault",
            "a fault in JIT-compiled code in ring 3 kills only the driver host; restarted, it maps the kept assemblies",
            "manifest=jit-ring3-fault",
            judge_jit_ring3_fault,
        ),
        m(
            "jit-fault-ldfld",
            "the seed's ldfld bug by JIT fault injection: the driver host dies at CR2=0x300, the report names method, IL offset and ldfld; restarted without it, the method runs",
            "manifest=jit-fault-ldfld",
            judge_jit_fault_ldfld,
        ),
        QemuTest {
            disks: crate::blkdisk::FAULT_DISKS,
            ..m(
                "jit-fault-ldfld-driver",
                "the seed's ldfld bug on the real C# virtio-blk driver (disk at 00:03.0, its PciAddress read in Start): #PF at CR2=0x300 named at the driver's ldfld; restarted without it, the driver serves (the harness checks the image)",
                "manifest=jit-fault-ldfld-driver",
                judge_jit_fault_ldfld_driver,
            )
        },
        m(
            "code-image-store",
            "the supervisor keeps one code image per service: a generation started with a code switch is refused store and fetch, a store over the bound or not backed by its grant is refused, one store per generation, the next generation gets the same bytes and hash read-only; no allow=code-image, no access",
            "manifest=code-image-store",
            judge_code_image_store,
        ),
        QemuTest {
            disks: crate::blkdisk::RW_DISKS,
            ..m(
                "code-image-aot",
                "the first start installs the code image the build compiled ahead of time (managed/aot/driverhost.img) instead of compiling, compiles nothing after it, and serves driverhost-blk-rw's clients (the harness checks the image)",
                "manifest=code-image-aot",
                judge_code_image_aot,
            )
        },
        QemuTest {
            disks: crate::blkdisk::INJECT_DISKS,
            timeout: Duration::from_secs(300),
            ..m(
                "code-image-driver",
                "compiled code kept across driver-host generations: the ldfld-struct generation keeps nothing and dies; the next compiles Start right and hands its image over; later ones import it, serve checked I/O and their faults still name method and IL offset",
                "manifest=code-image-driver log=task=debug",
                judge_code_image_driver,
            )
        },
        QemuTest {
            disks: crate::blkdisk::INJECT_DISKS,
            timeout: Duration::from_secs(300),
            ..m(
                "code-image-corrupt",
                "a damaged code image (image-corrupt=0) is refused by the JIT's importer with a typed reason; the generation compiles and serves checked I/O",
                "manifest=code-image-corrupt",
                judge_code_image_corrupt,
            )
        },
        QemuTest {
            qemu_args: &[
                "-drive",
                "driver=null-co,if=none,id=d0",
                "-device",
                "virtio-blk-pci,drive=d0,disable-legacy=on,queue-size=64",
            ],
            ..m(
                "driverhost-exception",
                "mode=drivers: the C# driver's Start throws (queue too small) and nothing catches it: type, message, managed stack trace, exit code 70, restart",
                "manifest=driverhost-exception",
                judge_driverhost_exception,
            )
        },
        // --- The end-to-end demos (`cargo xtask demo NAME` runs `demo-NAME`; dev-demos).
        QemuTest {
            disks: crate::demos::LDFLD_DISKS,
            ..m(
                "demo-jit-ldfld",
                "demo: a 1.5 MiB FAT file copied through fs and the block service while the driver host runs the seed's ldfld miscompile: #PF at 0x300 named at Start's ldfld, restart, the waiting mount and copy are served (mtools and fsck.fat check the image)",
                "manifest=demo-jit-ldfld",
                crate::demos::judge_jit_ldfld,
            )
        },
        QemuTest {
            disks: crate::demos::DEMO_DISKS,
            ..m(
                "demo-driver-hang",
                "demo: the driver host hangs mid-copy; the block service's watchdog has it restarted; the block service replays the request in flight; the copy completes (mtools and fsck.fat check the image)",
                "manifest=demo-driver-hang",
                crate::demos::judge_driver_hang,
            )
        },
        QemuTest {
            disks: crate::demos::DEMO_DISKS,
            ..m(
                "demo-wild-store",
                "demo: a store into the driver's own code mid-copy kills only the driver host; the block service replays the request in flight; the copy completes (mtools and fsck.fat check the image)",
                "manifest=demo-wild-store",
                crate::demos::judge_wild_store,
            )
        },
        QemuTest {
            disks: crate::demos::DEMO_DISKS,
            ..m(
                "demo-oom",
                "demo: the driver host exhausts its memory mid-copy (OutOfMemoryException, exit 70); the block service replays the request in flight; the copy completes (mtools and fsck.fat check the image)",
                "manifest=demo-oom",
                crate::demos::judge_oom,
            )
        },
        QemuTest {
            disks: crate::demos::DEMO_DISKS,
            ..m(
                "demo-crash-loop",
                "demo: a driver host that faults on every start: backoff, held after 4; fs answers the copy Io(Unavailable) within 1 s of the hold; a Restart clears the fault, fs mounts and the copy completes (mtools and fsck.fat check the image)",
                "manifest=demo-crash-loop",
                crate::demos::judge_crash_loop,
            )
        },
        // --- The driver host's fault injections (dev-demos).
        QemuTest {
            disks: crate::blkdisk::INJECT_DISKS,
            ..m(
                "driverhost-inject-hang",
                "inject=hang: after 100 requests the DDK spins forever in compiled code with a batch in flight; a watcher has it restarted; the batch is resubmitted and the image checked",
                "manifest=driverhost-inject-hang",
                judge_driverhost_inject_hang,
            )
        },
        QemuTest {
            disks: crate::blkdisk::INJECT_DISKS,
            ..m(
                "driverhost-inject-wild-store",
                "inject=wild-store: after 100 requests a store into the driver's own compiled code (RX) faults; only the driver host dies; the batch is resubmitted and the image checked; the disk id (GET_ID) from both generations",
                "manifest=driverhost-inject-wild-store",
                judge_driverhost_inject_wild_store,
            )
        },
        QemuTest {
            disks: crate::blkdisk::INJECT_DISKS,
            ..m(
                "driverhost-inject-oom",
                "inject=oom: after 100 requests managed allocations exhaust the driver host's quota: OutOfMemoryException, exit 70, restart; the batch is resubmitted and the image checked",
                "manifest=driverhost-inject-oom",
                judge_driverhost_inject_oom,
            )
        },
        QemuTest {
            disks: crate::blkdisk::ALWAYS_FAULT_DISKS,
            ..m(
                "driverhost-inject-always-fault",
                "inject=always-fault in args: every generation faults in VirtioBlkDriver::Start (ldfld-struct at 0x400); backoff 50, 100, 200 ms",
                "manifest=driverhost-inject-always-fault",
                judge_driverhost_inject_always_fault,
            )
        },
        m(
            "managed-exception",
            "an uncaught managed exception: type, message, managed stack trace, exit code 70, restart",
            "manifest=managed-exception",
            judge_managed_exception,
        ),
        QemuTest {
            disks: crate::blkdisk::RW_DISKS,
            ..m(
                "blk-native-rw",
                "the native virtio-blk driver reads, writes and flushes a patterned disk (the harness checks the image); bad requests get typed errors",
                "manifest=blk-native",
                crate::blkdisk::judge_rw,
            )
        },
        QemuTest {
            disks: crate::blkdisk::RW_DISKS,
            ..m(
                "driverhost-blk-rw",
                "the C# virtio-blk driver, bound by its [PciDriver] in the driver host, serves the blk-native-rw client work (the harness checks the image)",
                "manifest=driverhost-blk",
                crate::blkdisk::judge_driverhost_rw,
            )
        },
        QemuTest {
            disks: crate::blkdisk::COMPARE_DISKS,
            ..m(
                "managed-vs-native",
                "one boot, two disks: the same seeded 1,200 random reads, writes and flushes through the native and the C# driver; reads agree and the harness finds the images identical",
                "manifest=managed-vs-native",
                crate::blkdisk::judge_compare,
            )
        },
        m(
            "driverhost-nodev",
            "a driver host with no driver for its granted function refuses block I/O with NotReady and reports NoDriver / UnknownDevice on ipc::driverhost; never a hang",
            "manifest=driverhost-nodev",
            judge_driverhost_nodev,
        ),
        // ddk: the DDK's port ranges on a real I/O BAR.
        QemuTest {
            disks: PORT_DISKS,
            ..t(
                "ddk-port-range",
                "the DDK's PortRange on a transitional virtio-blk's legacy I/O BAR: the probe driver reads the header and the capacity through ports; out-of-range accesses refused",
                false,
                "manifest=ddk-ports",
                Ending::WhenPrinted(" as blkdev: "),
                judge_ddk_port_range,
            )
        },
        QemuTest {
            disks: crate::blkdisk::INTX_DISKS,
            ..m(
                "intx-prt",
                "the same disk I/O with MSI-X off: interrupts through the _PRT-routed, level-triggered IOAPIC line",
                "manifest=blk-native",
                crate::blkdisk::judge_intx,
            )
        },
        QemuTest {
            disks: crate::blkdisk::QUIESCE_DISKS,
            ..m(
                "dma-quiesce",
                "the driver dies with requests in flight: bus mastering off before its DMA is freed; the restarted driver resets the device and serves",
                "manifest=dma-quiesce",
                crate::blkdisk::judge_quiesce,
            )
        },
        m(
            "hostile-syscalls",
            "20,000 random syscalls with hostile pointers; the kernel answers all and keeps serving",
            "manifest=hostile",
            judge_hostile,
        ),
        // The user shell (docs/shell.md): the default manifest, the data disk.
        QemuTest {
            input: Some((crate::script::PROMPT, SESSION_INPUT)),
            disks: crate::shelldisk::SESSION_DISKS,
            timeout: Duration::from_secs(240),
            ..m(
                "shell-session",
                "a script typed ahead into the user shell: files written, copied, moved, removed (mtools finds them in the image, fsck.fat clean), ps, faults, kill and restart of fs, lspci, errors one line each, shutdown",
                "",
                judge_shell_session,
            )
        },
        QemuTest {
            script: Some(PIPE_SCRIPT),
            disks: crate::shelldisk::PIPE_DISKS,
            timeout: Duration::from_secs(240),
            ..m(
                "shell-pipe",
                "`printf 'ls\\nshutdown\\n' | cargo xtask run`: piped lines wait for the shell's prompt, none reaches the boot console, the shell powers off",
                "",
                judge_shell_pipe,
            )
        },
        QemuTest {
            script: Some(DEMO_SCRIPT),
            disks: crate::shelldisk::DEMO_DISKS,
            timeout: Duration::from_secs(360),
            ..m(
                "shell-demo",
                "`printf 'demo\\ndemo wild-store\\ndemo driver-hang\\ndemo crash-loop\\nps\\nrestart driverhost\\ncp /BIG.BIN /LOOP.BIN\\n…' | cargo xtask run`: the shell lists the demos; `demo wild-store` restarts the running driver host with the fault for one generation, it faults mid-copy, the block service replays, the copy passes and the shell reports exit 0; `demo driver-hang`: the hang, the watchdog, the restart, the copy passes again; `demo crash-loop`: the driver host faults on every start (CrashLoop), backoff 50, 100, 200 ms, held, a waiting read gets Unavailable within 1 s of the hold; `ps` shows it held; `restart driverhost` clears it and the shell's cp goes through; mtools finds both copies with /BIG.BIN's checksum and fsck.fat -n is clean",
                "",
                judge_shell_demo,
            )
        },
        // The block service (services/blk): tests/src/blkservice.rs.
        QemuTest {
            disks: crate::blkservice::RW_DISKS,
            timeout: Duration::from_secs(120),
            ..m(
                "blk-service-rw",
                "the block service over the C# driver (three clients at once, one revoking its grants mid-request) and over the native driver: checked reads, writes + flush, typed refusals, no fault; the harness checks both images",
                "manifest=blk-service",
                crate::blkservice::judge_rw,
            )
        },
        QemuTest {
            disks: crate::blkservice::WRITER_DISKS,
            timeout: Duration::from_secs(240),
            ..m(
                "blk-replay",
                "the driver host is restarted 3 times mid-I/O: the block service replays what was in flight, the verifying clients see no error, every acknowledged write is on the image",
                "manifest=blk-replay",
                crate::blkservice::judge_replay,
            )
        },
        QemuTest {
            disks: crate::blkservice::WRITER_DISKS,
            timeout: Duration::from_secs(120),
            ..m(
                "blk-replay-native",
                "the native driver faults with a batch on the device: the block service replays it to the restarted driver; the writer sees no error and the image holds every round",
                "manifest=blk-replay-native",
                crate::blkservice::judge_replay_native,
            )
        },
        QemuTest {
            disks: crate::blkservice::WRITER_DISKS,
            timeout: Duration::from_secs(120),
            ..m(
                "blk-watchdog",
                "a backend hangs with a batch in flight: the block service's watchdog has it restarted, replays, and the writer finishes; the harness checks the image",
                "manifest=blk-watchdog",
                crate::blkservice::judge_watchdog,
            )
        },
        QemuTest {
            disks: crate::blkservice::WRITER_DISKS,
            timeout: Duration::from_secs(180),
            ..m(
                "blk-zero-length",
                "the first driver host hands the device a zero-length descriptor (inject=zero-length): QEMU marks it broken (NEEDS_RESET) and does not exit; the block service's watchdog has the generation restarted, the next one's reset clears the device, the writer finishes; the harness checks the image",
                "manifest=blk-zero-length",
                crate::blkservice::judge_zero_length,
            )
        },
        QemuTest {
            disks: crate::blkservice::UNAVAILABLE_DISKS,
            timeout: Duration::from_secs(120),
            ..m(
                "blk-unavailable",
                "a held backend: Unavailable within 1 s, never a hang; a Restart brings service back; a crash-looping backend gives Unavailable after unavailable-ms",
                "manifest=blk-unavailable",
                crate::blkservice::judge_unavailable,
            )
        },
        // Register fault injection (`docs/faultinject.md`).
        m(
            "inject-register",
            "inject=injvictim: 30 register bit flips (GPR, RSP, RIP) at random instructions of a self-checking victim; each death follows an injection, the victim is restarted, the refusals hold, echo still answers",
            "manifest=inject-register inject=injvictim",
            judge_inject_register,
        ),
        m(
            "inject-off",
            "without inject= on the command line InjectFault is refused to everyone and nothing fires",
            "manifest=inject-off",
            judge_inject_off,
        ),
        // GrantRead/GrantWrite against a revoking owner: tests/src/grantcopy.rs.
        QemuTest {
            timeout: Duration::from_secs(120),
            ..m(
                "grant-revoke-race",
                "an owner revokes its grants while the grantee copies them with GrantRead/GrantWrite: revoked mid-copy at least once, answered with NoSuchGrant, never a fault or a wrong byte; a read-only grant's write is PermissionDenied, a read past the end BadLength; the grantee keeps serving",
                "manifest=grant-race",
                crate::grantcopy::judge_race,
            )
        },
    ];
    // The FAT service's tests (storage.rs).
    all.extend(storage::tests(m));
    // The short fault-injection campaign (campaign.rs).
    all.extend(campaign::tests(m));
    all
}

#[cfg(test)]
mod tests;
