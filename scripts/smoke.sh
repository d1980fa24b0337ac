#!/usr/bin/env bash
# The whole pinned corpus as a test (issue 7): every rule, every fix, on a copy.
#
#   1. copy the corpus (scripts/corpus.sh) to a temporary folder;
#   2. note which files Python itself parses (`ast.parse`) and compiles (`compile`), and a hash
#      of every file;
#   3. asyncheck check --isolated --select ALL --fix --unsafe-fixes over the copy;
#   4. verify: no panic, no internal error, no write failure; every file that parsed before
#      still parses and every file that compiled before still compiles (checked in one Python
#      process for the changed files, then `python3 -m compileall -q` over them);
#   5. run the same command again: it must change nothing and fix nothing.
#
# Prints the counts (files, changed files, fixes, errors by kind) for docs/reliability.md and
# exits non-zero when a check fails. With RUN_100MB=1 it also runs the `#[ignore]`d 100 MB test
# of tests/reliability.rs in release mode.
#
# Env: ASYNCHECK (binary to test; unset: `cargo build --release`), CORPUS_DIR (default
#      .corpus), SMOKE_DIR (where to copy it, default a new temporary folder, removed at the
#      end unless KEEP=1), RUN_100MB=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export LC_ALL=C

CORPUS_DIR=${CORPUS_DIR:-.corpus}
ASYNCHECK=${ASYNCHECK:-}
KEEP=${KEEP:-0}

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'smoke: FAILED: %s\n' "$*" >&2; exit 1; }

log "corpus"
CORPUS_DIR=$CORPUS_DIR scripts/corpus.sh >&2

if [[ -z $ASYNCHECK ]]; then
  log "cargo build --release"
  cargo build --release
  ASYNCHECK=target/release/asyncheck
fi
[[ -x $ASYNCHECK ]] || die "$ASYNCHECK is not an executable"
ASYNCHECK=$(realpath "$ASYNCHECK")

SMOKE_DIR=${SMOKE_DIR:-$(mktemp -d -t asyncheck-smoke.XXXXXX)}
OUT=$SMOKE_DIR/out
TREE=$SMOKE_DIR/tree
[[ $KEEP == 1 ]] || trap 'rm -rf "$SMOKE_DIR"' EXIT
rm -rf "$TREE" "$OUT"
mkdir -p "$OUT"
log "copy $CORPUS_DIR to $TREE"
cp -r "$CORPUS_DIR" "$TREE"

# One Python process per pass over the tree: `state` records, per file, its hash and whether
# Python parses and compiles it; `verify` compares with a recorded state.
cat >"$OUT/pycheck.py" <<'PY'
import ast, hashlib, json, os, sys, warnings

warnings.simplefilter("ignore")  # SyntaxWarning for invalid escapes in old code

def files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith((".py", ".pyi")):
                yield os.path.join(dirpath, name)

def state(root, out):
    result = {}
    for path in files(root):
        data = open(path, "rb").read()
        entry = {"sha": hashlib.sha1(data).hexdigest(), "parses": False, "compiles": False}
        try:
            tree = ast.parse(data, path)
            entry["parses"] = True
            compile(tree, path, "exec", dont_inherit=True)
            entry["compiles"] = True
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            pass
        result[os.path.relpath(path, root)] = entry
    json.dump(result, open(out, "w"))
    print(f"{len(result)} files, {sum(e['parses'] for e in result.values())} parse, "
          f"{sum(e['compiles'] for e in result.values())} compile")

def verify(before_path, after_path, changed_out):
    before, after = json.load(open(before_path)), json.load(open(after_path))
    changed = sorted(p for p in after if before.get(p, {}).get("sha") != after[p]["sha"])
    broken_parse = [p for p in changed if before[p]["parses"] and not after[p]["parses"]]
    broken_compile = [p for p in changed if before[p]["compiles"] and not after[p]["compiles"]]
    fixed_broken = [p for p in changed if not before[p]["parses"]]
    missing = sorted(set(before) - set(after))
    with open(changed_out, "w") as f:
        for p in changed:
            if before[p]["compiles"]:
                f.write(p + "\n")
    print(f"changed files: {len(changed)}")
    print(f"changed files that no longer parse: {len(broken_parse)}")
    print(f"changed files that no longer compile: {len(broken_compile)}")
    print(f"changed files that did not parse before: {len(fixed_broken)}")
    print(f"files gone: {len(missing)}")
    for p in (broken_parse + broken_compile + fixed_broken + missing)[:50]:
        print(f"  {p}")
    return 1 if broken_parse or broken_compile or missing else 0

if __name__ == "__main__":
    if sys.argv[1] == "state":
        state(sys.argv[2], sys.argv[3])
    else:
        sys.exit(verify(sys.argv[2], sys.argv[3], sys.argv[4]))
PY

log "what Python makes of the corpus before"
(cd "$TREE" && python3 "$OUT/pycheck.py" state . "$OUT/before.json")

run() {
  local name=$1
  local start end code=0
  start=$(date +%s.%N)
  (cd "$TREE" && "$ASYNCHECK" check --isolated --select ALL --fix --unsafe-fixes --no-color \
    --output-format concise . >"$OUT/$name.stdout" 2>"$OUT/$name.stderr") || code=$?
  end=$(date +%s.%N)
  echo "$code" >"$OUT/$name.code"
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f\n", e - s }' >"$OUT/$name.seconds"
}

# Counts of the errors of a run, by kind.
errors() {
  local file=$1
  printf '  %-44s %s\n' \
    "syntax errors (lines):" "$(grep -c ': error: SyntaxError: ' "$file" || true)" \
    "files with syntax errors:" "$(grep ': error: SyntaxError: ' "$file" | cut -d: -f1 | sort -u | wc -l)" \
    "not UTF-8:" "$(grep -c ': error: not valid UTF-8' "$file" || true)" \
    "too deeply nested:" "$(grep -c ': error: too deeply nested' "$file" || true)" \
    "fix rejected (would produce invalid syntax):" "$(grep -c 'would produce invalid syntax' "$file" || true)" \
    "fixes did not converge:" "$(grep -c 'did not converge' "$file" || true)" \
    "internal errors:" "$(grep -c 'internal error' "$file" || true)" \
    "write failures:" "$(grep -c 'Failed to write fixes\|changed on disk' "$file" || true)" \
    "read failures:" "$(grep -c 'Failed to read' "$file" || true)"
}

log "asyncheck --select ALL --fix --unsafe-fixes (first run)"
run first
echo "exit $(cat "$OUT/first.code") in $(cat "$OUT/first.seconds") s"
tail -1 "$OUT/first.stdout"
errors "$OUT/first.stdout"

log "what Python makes of the fixed corpus"
(cd "$TREE" && python3 "$OUT/pycheck.py" state . "$OUT/after.json")
verify_code=0
(cd "$TREE" && python3 "$OUT/pycheck.py" verify "$OUT/before.json" "$OUT/after.json" "$OUT/changed.txt") || verify_code=$?
compile_code=0
if [[ -s $OUT/changed.txt ]]; then
  (cd "$TREE" && python3 -m compileall -q -i "$OUT/changed.txt" >"$OUT/compileall.txt" 2>&1) || compile_code=$?
fi
echo "compileall -q of the $(wc -l <"$OUT/changed.txt") changed files that compiled before: exit $compile_code"

log "asyncheck again: must change nothing"
(cd "$TREE" && find . -name '*.py' -o -name '*.pyi' | sort | xargs -d '\n' sha1sum >"$OUT/hash1.txt")
run second
(cd "$TREE" && find . -name '*.py' -o -name '*.pyi' | sort | xargs -d '\n' sha1sum >"$OUT/hash2.txt")
echo "exit $(cat "$OUT/second.code") in $(cat "$OUT/second.seconds") s"
tail -1 "$OUT/second.stdout"
changed_again=$(diff "$OUT/hash1.txt" "$OUT/hash2.txt" | grep -c '^>' || true)
echo "files changed by the second run: $changed_again"

if grep -q 'would produce invalid syntax' "$OUT/first.stdout"; then
  log "fixes rejected for breaking the syntax (never applied; each is a rule bug to fix)"
  grep 'would produce invalid syntax' "$OUT/first.stdout" | head -20
fi

status=0
fail() { printf 'smoke: FAILED: %s\n' "$*" >&2; status=1; }
for name in first second; do
  code=$(cat "$OUT/$name.code")
  [[ $code == 0 || $code == 1 || $code == 2 ]] || fail "$name run exited $code"
  if grep -q 'panicked\|RUST_BACKTRACE' "$OUT/$name.stderr" "$OUT/$name.stdout"; then
    fail "$name run panicked: $(grep -m1 'panicked' "$OUT/$name.stderr" "$OUT/$name.stdout")"
  fi
  grep -q 'internal error' "$OUT/$name.stdout" && fail "$name run: internal errors (grep 'internal error' $OUT/$name.stdout)"
  grep -q 'Failed to write fixes\|changed on disk' "$OUT/$name.stdout" && fail "$name run: write failures"
done
[[ $verify_code == 0 ]] || fail "fixed files that Python no longer parses or compiles (see above)"
[[ $compile_code == 0 ]] || fail "compileall failed: $(head -5 "$OUT/compileall.txt")"
[[ $changed_again == 0 ]] || fail "the second run changed $changed_again files"
grep -q '([1-9][0-9]* fixed' "$OUT/second.stdout" && fail "the second run applied fixes: $(tail -1 "$OUT/second.stdout")"
grep -q 'did not converge' "$OUT/first.stdout" && fail "fixes that did not converge: $(grep -m3 'did not converge' "$OUT/first.stdout")"

if [[ ${RUN_100MB:-0} == 1 ]]; then
  log "the 100 MB file test (release)"
  cargo test --release --test reliability -- --ignored a_100_mb || fail "the 100 MB test"
fi

if [[ $status == 0 ]]; then
  log "smoke: OK"
else
  [[ $KEEP == 1 ]] || echo "(re-run with KEEP=1 SMOKE_DIR=... to keep the tree and the outputs)" >&2
fi
exit $status
