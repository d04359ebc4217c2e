//! Keeping compiled code across driver-host generations
//! (docs/driverhost.md, "Restart time, and keeping compiled code across
//! generations"): the supervisor's bookkeeping from a client, the driver
//! host's hand-over and import, and the importer's refusal.

use super::*;

/// The supervisor's line for `task`'s fault (`driverhost[2.N] faulted ...`).
fn fault_line<'a>(s: &'a str, task: &str) -> Result<&'a str, String> {
    s.lines()
        .find(|l| l.contains(&format!("{task} faulted (vector 14, RIP=")))
        .ok_or_else(|| format!("no supervisor line for {task}'s fault"))
}

/// `code-image-store`: `imgtest`'s three generations and the service
/// without the entitlement (see `services/demo/src/bin/imgtest.rs`).
pub(super) fn judge_code_image_store(s: &str) -> Result<(), String> {
    need(
        s,
        "imgtest: PASS (first generation (jit-inject): store and fetch refused ImageInjected)",
    )?;
    need(s, " not kept: it was started with jit-inject=ldfld-struct")?;
    need(
        s,
        "imgtest: PASS (second generation: NoImage, ImageTooLarge, ImageUnavailable, 13289 bytes kept, ImageAlreadyStored)",
    )?;
    need(s, "code image of imgtest from ")?;
    need(s, " kept: 13289 bytes, hash ")?;
    need(
        s,
        "imgtest: PASS (third generation: the kept 13289 bytes and their hash, through a read-only grant)",
    )?;
    need(
        s,
        "imgtest: PASS (without allow=code-image: store and fetch PermissionDenied)",
    )?;
    refuse(s, "FAIL")?;
    refuse(s, "!!! TASK FAULT")?;
    kernel_survived(s)
}

/// dhinject rode out the deaths, its reads were checked and it passed.
fn served(s: &str) -> Result<(), String> {
    need(s, "dhinject: PASS (16 batches of 32 and their read-back")?;
    refuse(s, "FAIL")?;
    refuse(s, "TASK FAULT in dhinject")?;
    kernel_survived(s)
}

/// `code-image-driver`: generation 2.0 (the ldfld-struct switch) neither
/// uses nor hands over an image and dies in `Start`; 2.1 compiles — so
/// its `Start` is right — and hands its image over; 2.2 imports it, serves
/// checked I/O, hands nothing over, and its wild-store fault is named by
/// managed method and IL offset from the code map the import filled.
pub(super) fn judge_code_image_driver(s: &str) -> Result<(), String> {
    shared_text(s)?;
    need(
        s,
        "driverhost[2.0]: driverhost: code image: not used (jit-inject=ldfld-struct): compiling",
    )?;
    need(
        s,
        "driverhost[2.0]: driverhost: code image: not handed over (jit-inject=ldfld-struct)",
    )?;
    let first = fault_line(s, "driverhost[2.0]")?;
    if !first.contains("in Cordon.Drivers.VirtioBlk.VirtioBlkDriver::Start at IL_")
        || !first.contains("(ldfld)")
    {
        return Err(format!("2.0 did not die at Start's ldfld: {first:?}"));
    }
    refuse(s, "code image of driverhost from 2.0")?;
    need(
        s,
        "driverhost[2.1]: driverhost: code image: none kept yet: compiling",
    )?;
    if !s
        .lines()
        .any(|l| l.contains("driverhost[2.1]") && l.contains("virtio-blk (C#) at 00:04.0"))
    {
        return Err("2.1 did not run Start to its address line".into());
    }
    need(s, "driverhost[2.1]: driverhost: code image handed over: ")?;
    need(s, "code image of driverhost from 2.1 kept: ")?;
    need(s, "driverhost[2.2]: driverhost: code image imported: ")?;
    if !s.lines().any(|l| {
        l.contains("driverhost[2.2]: driverhost: code image: ") && l.contains("not handed over")
    }) {
        return Err("2.2 did not skip handing over the image it imported".into());
    }
    refuse(s, "code image of driverhost from 2.2")?;
    // The kept image was taken after 2.1's up-front compile: 2.2 does not
    // walk the assemblies again (and still compiles nothing).
    need(
        s,
        "driverhost[2.2]: driverhost: up-front compile skipped: the kept image holds it",
    )?;
    refuse(s, "driverhost[2.1]: driverhost: up-front compile skipped")?;
    // 2.2 installed an image, so it holds the client's `Info` until its
    // driver is ready (blkhost::hold_info) instead of refusing it.
    let back = s
        .lines()
        .find(|l| l.contains("dhinject: driverhost is back as 2.2; "))
        .ok_or("the client did not reconnect to 2.2")?;
    if !back.contains("(Info refused NotReady 0 times while it started)") {
        return Err(format!(
            "2.2 refused the client's Info while it started (it should hold it): {back:?}"
        ));
    }
    need(s, "dhinject: 2.2 reports the disk's id \"cordon-inject\"")?;
    let line = fault_line(s, "driverhost[2.2]")?;
    if !line.contains("in Cordon.Ddk.FaultInjection::Store at IL_")
        || !line.contains("called from ")
    {
        return Err(format!(
            "2.2's fault (imported code) is not named by method, IL offset and callers: {line:?}"
        ));
    }
    served(s)
}

/// `code-image-corrupt`: 2.0 hands its image over; 2.1 flips its first
/// byte after the hash check, the JIT's importer refuses it with a typed
/// reason, 2.1 compiles and serves.
pub(super) fn judge_code_image_corrupt(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: code image: none kept yet: compiling",
    )?;
    need(s, "code image of driverhost from 2.0 kept: ")?;
    need(
        s,
        "driverhost[2.1]: driverhost: code image: byte 0 flipped (image-corrupt)",
    )?;
    let refused = s
        .lines()
        .find(|l| l.contains("driverhost[2.1]: driverhost: code image refused ("))
        .ok_or("2.1 did not log the importer's refusal")?;
    if refused.contains("hash differs") || refused.contains("NotBuilt") {
        return Err(format!("not the importer's own refusal: {refused:?}"));
    }
    refuse(s, "driverhost[2.1]: driverhost: code image imported")?;
    need(
        s,
        "dhinject: driverhost is back as 2.1; resubmitting batch ",
    )?;
    need(s, "dhinject: 2.1 reports the disk's id \"cordon-inject\"")?;
    served(s)
}

/// `code-image-aot`: the first start imports the build's ahead-of-time
/// image (nothing kept by the supervisor yet) and compiles nothing at all:
/// the image was made by the driver host's own up-front rule
/// (`Runtime::compile_up_front`), so there is nothing to add before the
/// driver runs and nothing to hand over, nothing afterwards; and it serves
/// `driverhost-blk-rw`'s clients.
pub(super) fn judge_code_image_aot(s: &str) -> Result<(), String> {
    need(
        s,
        "driverhost[2.0]: driverhost: code image imported (ahead of time, managed/aot/driverhost.img): ",
    )?;
    need(
        s,
        "driverhost[2.0]: driverhost: code image: nothing compiled since the import",
    )?;
    refuse(s, "compiled after the code image was taken")?;
    // The ahead-of-time image is not a kept one: the up-front compile runs.
    refuse(s, "up-front compile skipped")?;
    crate::blkdisk::judge_driverhost_rw(s)
}

/// A restarted driver host maps most of its program from the pages an
/// earlier generation's start filled (`log=task=debug`: the kernel's
/// `N of its M program pages mapped from an earlier task's`), rather than
/// a fresh copy: the first start has none, a later one most.
fn shared_text(s: &str) -> Result<(), String> {
    let counts: Vec<(u64, u64)> = s
        .lines()
        .filter_map(|l| {
            let rest = l.split("driverhost: ").nth(1)?;
            let rest = rest.strip_suffix(" program pages mapped from an earlier task's")?;
            let (n, m) = rest.split_once(" of its ")?;
            Some((n.trim().parse().ok()?, m.trim().parse().ok()?))
        })
        .collect();
    match (counts.first(), counts.get(1..)) {
        (Some(&(0, _)), Some(later)) if !later.is_empty() => {
            if later.iter().all(|&(n, m)| n > 0 && n * 2 > m) {
                Ok(())
            } else {
                Err(format!(
                    "later driver hosts shared too few program pages: {later:?}"
                ))
            }
        }
        _ => Err(format!(
            "want a first driver-host start sharing nothing, then later ones sharing most: {counts:?}"
        )),
    }
}
