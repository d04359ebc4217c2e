//! Keeping compiled code across driver-host generations
//! (docs/driverhost.md, "Restart time, and keeping compiled code across
//! generations"): the supervisor's bookkeeping from a client, the driver
//! host's hand-over and import, and the importer's refusal.

use super::*;

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
