//! Every C# test suite in jit/tests/cs through the JIT, in-process: each test
//! must return its expected value, except those listed in
//! jit/tests/expected_failures.txt, which must still fail (an XPASS fails
//! this test so the list only shrinks).

mod jit_support;

use jit::testrun::{Outcome, run_assembly, runtime};

#[test]
fn all_cs_suites_match_expectations() {
    let dir = "jit-cs-suites";
    let corlib = jit_support::leak(&jit_support::corlib(dir));
    let expected = jit_support::expected_failures();
    let mut sources: Vec<_> = std::fs::read_dir(jit_support::root().join("jit/tests/cs"))
        .expect("jit/tests/cs")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "cs"))
        .collect();
    sources.sort();
    assert!(sources.len() >= 16, "expected the 16 C# suites");
    let (mut passed, mut xfail, mut problems) = (0, 0, Vec::new());
    for src in sources {
        let name = src
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let dll = jit_support::compile(dir, &src, &name);
        let mut rt = runtime(corlib, &[]).expect("runtime");
        let asm = rt
            .types
            .load(jit_support::leak(&dll))
            .expect("load test assembly");
        let results = run_assembly(&mut rt, asm, None);
        assert!(!results.is_empty(), "{name}: no tests found");
        for r in results {
            match (r.outcome == Outcome::Pass, expected.contains_key(&r.name)) {
                (true, false) => passed += 1,
                (false, true) => xfail += 1,
                (true, true) => problems.push(format!(
                    "XPASS {} (remove it from expected_failures.txt)",
                    r.name
                )),
                (false, false) => problems.push(r.line()),
            }
        }
    }
    println!("{passed} passed, {xfail} xfail");
    assert!(
        problems.is_empty(),
        "JIT test failures:\n{}",
        problems.join("\n")
    );
    assert!(passed > 200, "suspiciously few passing tests: {passed}");
}
