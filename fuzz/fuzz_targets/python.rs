//! Grammar-shaped mutations of real Python (the corpus is seeded from the rules' catalog
//! examples and a sample of the pinned corpus by `scripts/fuzz.sh`): lines moved, duplicated,
//! re-indented and wrapped in new blocks, API names swapped in, tokens and hostile characters
//! inserted, line endings changed; libFuzzer's own byte mutations a third of the time.
#![no_main]

use libfuzzer_sys::{fuzz_mutator, fuzz_target, fuzzer_mutate};

#[path = "../../tests/reliability/harness.rs"]
mod harness;
#[path = "../../tests/reliability/mutate.rs"]
mod mutate;

fuzz_target!(|data: &[u8]| {
    let minor = 8 + (data.len() % 7) as u8;
    harness::exercise(data, &harness::all_rules(minor));
});

fuzz_mutator!(|data: &mut [u8], size: usize, max_size: usize, seed: u32| {
    let mut rng = mutate::Rng::new(u64::from(seed));
    if rng.below(3) == 0 {
        return fuzzer_mutate(data, size, max_size);
    }
    let mut source = data[..size].to_vec();
    let donor = source.clone();
    for _ in 0..=rng.below(3) {
        mutate::mutate(&mut source, &donor, &mut rng);
    }
    source.truncate(max_size);
    data[..source.len()].copy_from_slice(&source);
    source.len()
});
