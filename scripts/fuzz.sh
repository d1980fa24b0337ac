#!/usr/bin/env bash
# Fuzz asyncheck with cargo-fuzz (libFuzzer): two targets, see fuzz/fuzz_targets/.
#
#   bytes   arbitrary bytes as a file: decode, check and fix with every rule, every report format
#   python  grammar-shaped mutations of real Python (custom mutator: tests/reliability/mutate.rs)
#
# Both assert the invariants of tests/reliability/harness.rs: no panic, no internal error, fixes
# converge and re-parse, a second fix changes nothing, line endings are kept.
#
# Usage: scripts/fuzz.sh [TARGET...]       (default: bytes python)
# Env:   SECONDS_PER_TARGET (default 60), JOBS (parallel targets, default 1),
#        SAMPLE (corpus files seeded into the python target, default 1500).
#
# cargo-fuzz needs nightly-only compiler flags. On a stable toolchain RUSTC_BOOTSTRAP=1 makes
# rustc accept them (set here); `cargo install cargo-fuzz` once. The build has no sanitizer
# (`-s none`: the crate is safe Rust, and ASan would halve the speed) but keeps debug
# assertions (overflow checks). Crashes land in fuzz/artifacts/<target>/; copy each into
# tests/fixtures/fuzz-regressions/ (tests/reliability.rs runs them all).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-60}
SAMPLE=${SAMPLE:-1500}
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(bytes python)
export RUSTC_BOOTSTRAP=1

command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

# Seeds: every `python` block of the rule catalog, the test fixtures, the fuzz regressions, and
# (python target) a fixed sample of the pinned corpus, small files first.
seed() {
  local dir=$1 sample=$2
  mkdir -p "$dir"
  python3 - "$dir" "$sample" <<'PY'
import hashlib, os, pathlib, re, sys
out, sample = pathlib.Path(sys.argv[1]), int(sys.argv[2])
def put(data):
    (out / hashlib.sha1(data).hexdigest()).write_bytes(data)
for page in sorted(pathlib.Path("rules").glob("*.md")):
    for block in re.findall(r"```python[^\n]*\n(.*?)```", page.read_text(), re.S):
        put(block.encode())
for root in ("tests/fixtures", "examples"):
    for path in sorted(pathlib.Path(root).rglob("*")):
        if path.is_file() and (path.suffix in (".py", ".pyi") or "fuzz-regressions" in path.parts):
            put(path.read_bytes())
corpus = pathlib.Path(".corpus")
if sample and corpus.is_dir():
    files = sorted(p for p in corpus.rglob("*.py") if 0 < p.stat().st_size <= 16384)
    step = max(1, len(files) // sample)
    for path in files[::step][:sample]:
        put(path.read_bytes())
PY
}

for target in "${TARGETS[@]}"; do
  cargo fuzz build -s none --debug-assertions "$target"
done

pids=()
for target in "${TARGETS[@]}"; do
  if [ "$target" = python ]; then seed "fuzz/corpus/$target" "$SAMPLE"; else seed "fuzz/corpus/$target" 200; fi
  mkdir -p "fuzz/artifacts/$target" target/fuzz-logs
  log="target/fuzz-logs/$target.log"
  echo "fuzzing $target for ${SECONDS_PER_TARGET}s (log: $log)"
  nice cargo fuzz run -s none --debug-assertions "$target" "fuzz/corpus/$target" -- \
    -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -dict=fuzz/python.dict -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 >"$log" 2>&1 &
  pids+=($!)
  if [ "${JOBS:-1}" -le 1 ]; then wait "${pids[-1]}" || true; fi
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

for target in "${TARGETS[@]}"; do
  log="target/fuzz-logs/$target.log"
  echo "== $target"
  grep -E '^#[0-9]+: ' "$log" | tail -1 || tail -3 "$log"
  echo "artifacts: $(find "fuzz/artifacts/$target" -type f | wc -l)"
done
