//! Arbitrary bytes as a Python file: decode (UTF-8, BOM), check and fix with every rule, render
//! every report format. See `tests/reliability/harness.rs` for the invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/reliability/harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| {
    // The target version varies with the input, so version-gated rules run too.
    let minor = 8 + (data.len() % 7) as u8;
    harness::exercise(data, &harness::all_rules(minor));
});
