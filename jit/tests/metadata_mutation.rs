//! Robustness: mutated real assemblies must make the reader return `Ok` or
//! `Err`, never panic. Deterministic (a fixed-seed xorshift PRNG), so a
//! failure names a case that reproduces.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::arithmetic_side_effects,
    reason = "test code: failing by panicking is the point"
)]

#[path = "metadata_cs/support.rs"]
mod support;

use jit::metadata::tables::TypeDefRow;
use jit::metadata::{Image, TableId};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// How far a mutated input got.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Outcome {
    /// Refused by `Image::parse` (headers, streams, table layout).
    Refused,
    /// Parsed, but the full walk found an error.
    WalkError,
    /// Parsed and walked cleanly (the mutation hit something unchecked,
    /// such as a constant or an unused byte).
    Clean,
}

/// The full reader walk, plus the lookups a loader does per type.
fn walk(bytes: &[u8]) -> Outcome {
    let Ok(img) = Image::parse(bytes) else {
        return Outcome::Refused;
    };
    let outcome = if img.check_all().is_ok() {
        Outcome::Clean
    } else {
        Outcome::WalkError
    };
    let t = img.tables();
    let _ = img.assembly_name();
    let _ = img.find_type_def("System", "Object");
    for rid in 1..=t.row_count(TableId::TypeDef).min(64) {
        let _ = t.get::<TypeDefRow>(rid);
        let _ = t.fields_of(rid).map(|l| l.for_each(drop));
        let _ = t.methods_of(rid).map(|l| {
            for m in l.flatten() {
                let _ = t.declaring_type_of_method(m);
                let _ = img.method_body(m).map(|b| b.map(|b| img.locals(&b)));
            }
        });
        let _ = t.properties_of(rid).map(|l| l.for_each(drop));
        let _ = t.events_of(rid).map(|l| l.for_each(drop));
        let _ = t.nested_classes_of(rid);
        let _ = t.interfaces_of(rid);
    }
    outcome
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn run_case(name: &str, case: usize, bytes: &[u8]) -> Outcome {
    match catch_unwind(AssertUnwindSafe(|| walk(bytes))) {
        Ok(outcome) => outcome,
        Err(_) => {
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
                .join(format!("{name}-{case}.dll"));
            std::fs::write(&path, bytes).unwrap();
            panic!(
                "reader panicked on {name} case {case}; input saved to {}",
                path.display()
            );
        }
    }
}

/// File offset range of the metadata (where most mutations should land to
/// get past the PE headers).
fn metadata_range(bytes: &[u8]) -> std::ops::Range<usize> {
    let img = Image::parse(bytes).unwrap();
    let md = img.cli_header().metadata;
    let start = img.pe().rva_to_offset(md.rva).unwrap();
    start..start + md.size as usize
}

#[test]
fn truncations_never_panic() {
    let base = support::sample();
    // Every length: the sample is a few KiB.
    let mut refused = 0;
    for len in 0..base.len() {
        if run_case("truncate", len, &base[..len]) == Outcome::Refused {
            refused += 1;
        }
    }
    // Every truncation cuts into the metadata or the section padding after it.
    assert!(refused > base.len() / 2, "{refused} of {}", base.len());
}

#[test]
fn byte_flips_never_panic() {
    let base = support::sample();
    let md = metadata_range(base);
    let mut rng = XorShift(0x00C0_FFEE_D00D_F00D);
    let mut buf = base.to_vec();
    let mut outcomes = [0usize; 3];
    for case in 0..4000 {
        buf.copy_from_slice(base);
        let flips = 1 + rng.below(4);
        for _ in 0..flips {
            // Three quarters of the flips land in the metadata.
            let pos = if rng.below(4) == 0 {
                rng.below(buf.len())
            } else {
                md.start + rng.below(md.len())
            };
            // Mix small perturbations and arbitrary values.
            buf[pos] = match rng.below(3) {
                0 => buf[pos] ^ (1 << rng.below(8)),
                1 => buf[pos].wrapping_add(1),
                _ => rng.next() as u8,
            };
        }
        outcomes[run_case("flip", case, &buf) as usize] += 1;
    }
    // The mutations must reach the deep decoders, not just bounce off the
    // headers, or this test proves little.
    let [refused, walk_error, clean] = outcomes;
    println!("refused {refused}, walk error {walk_error}, clean {clean}");
    assert!(walk_error > 1000, "{outcomes:?}");
    assert!(refused + clean > 100, "{outcomes:?}");
}

#[test]
fn mscorlib_table_flips_never_panic() {
    // Fewer cases: each full walk of mscorlib decodes ~100k rows.
    let base = support::mscorlib();
    let md = metadata_range(base);
    let mut rng = XorShift(0x5EED_0000_0000_0001);
    let mut buf = base.to_vec();
    for case in 0..24 {
        let pos = md.start + rng.below(md.len().min(64 * 1024));
        let old = buf[pos];
        buf[pos] = rng.next() as u8;
        run_case("corlib-flip", case, &buf);
        buf[pos] = old;
    }
}
