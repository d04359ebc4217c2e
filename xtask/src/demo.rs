//! `cargo xtask demo NAME`: the end-to-end demos of the restartable driver
//! host (docs/demos.md). Each is the QEMU test `demo-NAME`: the harness makes
//! its disk, boots it with the serial log printed live on this terminal,
//! judges the log and checks the disk image after QEMU exits, and says so.
//! The older interactive demos (`run::DEMOS`) boot `cargo xtask run` with
//! their manifest.

use crate::build::{build_images, parse_profile};
use crate::util::{Error, Result};

/// The issue-9 demos: each runs the QEMU test `demo-NAME`.
pub const E2E: &[&str] = &[
    "jit-ldfld",
    "driver-hang",
    "wild-store",
    "oom",
    "crash-loop",
];

fn list() {
    let all = cordon_tests::all();
    println!(
        "end-to-end demos (a 1.5 MiB FAT file copied through fs, blk and the driver host while it fails; mtools and fsck.fat check the image):"
    );
    for name in E2E {
        let test = format!("demo-{name}");
        match all.iter().find(|t| t.name == test) {
            Some(t) => println!("  {name:<12} {}", t.about.trim_start_matches("demo: ")),
            None => println!("  {name:<12} (not built yet)"),
        }
    }
    println!("interactive demos (boot to a console; quit with Ctrl-A X):");
    for (n, _, about) in crate::run::DEMOS {
        println!("  {n:<12} {about}");
    }
}

pub fn cmd(args: &[String]) -> Result<()> {
    let Some(name) = args.first() else {
        list();
        return Ok(());
    };
    if name == "--list" {
        list();
        return Ok(());
    }
    if !E2E.contains(&name.as_str()) {
        return crate::run::demo(args);
    }
    let test_name = format!("demo-{name}");
    let Some(test) = cordon_tests::all()
        .into_iter()
        .find(|t| t.name == test_name)
    else {
        return Err(Error::Usage(format!(
            "demo: `{name}` has no QEMU test `{test_name}` yet"
        )));
    };
    let (profile, rest) = parse_profile(args.get(1..).unwrap_or(&[]))?;
    if let Some(a) = rest.first() {
        return Err(Error::Usage(format!("demo: unexpected `{a}`")));
    }
    crate::setup::ensure(false)?;
    let images = build_images(profile)?;
    println!(
        "== demo {name}: {}",
        test.about.trim_start_matches("demo: ")
    );
    println!("== the serial log follows (the test `{test_name}`)");
    let outcome = cordon_tests::run_test_with(&test, &images, true);
    println!();
    if outcome.passed {
        println!(
            "== demo {name}: PASS ({:.1} s): the log tells the story above, and mtools reads the copy from the disk image with /BIG.BIN's checksum; fsck.fat -n finds the image clean",
            outcome.elapsed.as_secs_f64()
        );
        Ok(())
    } else {
        println!("== demo {name}: FAIL: {}", outcome.reason);
        Err(Error::TestsFailed(1))
    }
}
