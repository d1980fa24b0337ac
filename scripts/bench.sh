#!/usr/bin/env bash
# Benchmark asyncheck on the pinned corpus (scripts/corpus.sh):
#   - asyncheck parse-only vs full check (what the rules cost on top of parsing)
#   - asyncheck vs ruff --select ASYNC,RUF006 (the closest fast competitor)
#   - asyncheck vs flake8 + flake8-async on one small project (flake8 is too
#     slow to run over the whole corpus several times)
#   - peak memory (max RSS) of asyncheck vs ruff
#
# Env: RUNS (timed runs per command, default 5), CORPUS_DIR (default .corpus),
#      SUBSET (default the httpx project in the corpus), BENCH_VENV (virtualenv
#      for ruff/flake8, default target/bench-venv), ASYNCHECK (binary to test;
#      setting it skips `cargo build`), NO_HYPERFINE=1 (use the plain timer).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# EPOCHREALTIME and awk must use "." as the decimal separator.
export LC_ALL=C

RUNS=${RUNS:-5}
export CORPUS_DIR=${CORPUS_DIR:-.corpus}
SUBSET=${SUBSET:-$CORPUS_DIR/httpx-0.28.1}
BENCH_VENV=${BENCH_VENV:-target/bench-venv}
ASYNCHECK=${ASYNCHECK:-}
NO_HYPERFINE=${NO_HYPERFINE:-0}
# Pinned so numbers from different days compare like with like.
RUFF_VERSION=0.17.6
FLAKE8_VERSION=7.5.0
FLAKE8_ASYNC_VERSION=26.8.1
OUT=target/bench

log() { printf '\n==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Install a Debian package if we can (root + apt); return non-zero otherwise.
apt_install() {
  [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null || return 1
  # The package lists may be empty on a fresh machine: update once and retry.
  apt-get install -y -qq "$@" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq "$@" >/dev/null 2>&1; }
}

log "corpus"
# Logs go to stderr, so stdout carries only the results table.
scripts/corpus.sh >&2
[[ -d $SUBSET ]] || die "subset $SUBSET not found"

if [[ -z $ASYNCHECK ]]; then
  log "cargo build --release"
  cargo build --release
  ASYNCHECK=target/release/asyncheck
fi
[[ -x $ASYNCHECK ]] || die "$ASYNCHECK is not an executable"

log "ruff $RUFF_VERSION, flake8 $FLAKE8_VERSION, flake8-async $FLAKE8_ASYNC_VERSION in $BENCH_VENV"
[[ -x $BENCH_VENV/bin/python ]] || python3 -m venv "$BENCH_VENV"
# A no-op (no network) when the pinned versions are already installed.
"$BENCH_VENV/bin/python" -m pip install -q \
  "ruff==$RUFF_VERSION" "flake8==$FLAKE8_VERSION" "flake8-async==$FLAKE8_ASYNC_VERSION"
RUFF=$BENCH_VENV/bin/ruff
FLAKE8=$BENCH_VENV/bin/flake8

# Sanity check that ruff sees the whole corpus: it skips gitignored and
# "build"/"dist"-like paths by default, which would make it look faster.
corpus_files=$(find "$CORPUS_DIR" -type f \( -name '*.py' -o -name '*.pyi' \) | wc -l)
ruff_files=$("$RUFF" check --isolated --show-files "$CORPUS_DIR" | grep -c '\.pyi\?$' || true)
[[ $ruff_files == "$corpus_files" ]] ||
  echo "warning: ruff sees $ruff_files files, the corpus has $corpus_files" >&2

if [[ $NO_HYPERFINE != 1 ]] && ! command -v hyperfine >/dev/null; then
  apt_install hyperfine || echo "note: hyperfine unavailable, using the plain timer" >&2
fi
if [[ ! -x /usr/bin/time ]]; then
  apt_install time || die "/usr/bin/time is missing (apt-get install time)"
fi

mkdir -p "$OUT"
declare -A MEDIAN

# run_checked NAME CMD...: run CMD once, output discarded, but show its
# stderr and stop if it fails (hyperfine alone would not say why).
run_checked() {
  local name=$1
  shift
  "$@" >/dev/null 2>"$OUT/$name.stderr" || { cat "$OUT/$name.stderr" >&2; die "$name failed"; }
}

# bench NAME CMD...: time CMD (1 warm-up run to fill the page cache, then
# RUNS runs) and store the median wall time in seconds in MEDIAN[NAME].
bench() {
  local name=$1
  shift
  log "$name: $*"
  run_checked "$name" "$@"
  if [[ $NO_HYPERFINE != 1 ]] && command -v hyperfine >/dev/null; then
    # -N: run without a shell, so no shell start-up is measured.
    hyperfine -N --runs "$RUNS" --command-name "$name" \
      --export-json "$OUT/$name.json" "$(printf '%q ' "$@")" >&2
    MEDIAN[$name]=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$OUT/$name.json")
  else
    local i t0 times=()
    for ((i = 0; i < RUNS; i++)); do
      t0=$EPOCHREALTIME
      run_checked "$name" "$@"
      times+=("$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')")
    done
    MEDIAN[$name]=$(printf '%s\n' "${times[@]}" | sort -g |
      awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }')
    echo "  median of $RUNS: ${MEDIAN[$name]} s" >&2
  fi
}

# max_rss CMD...: peak resident memory of one run of CMD, in KiB.
max_rss() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': *' '/Maximum resident set size/ { print $2 }'
}

bench parse-only "$ASYNCHECK" check --parse-only --isolated --exit-zero --quiet "$CORPUS_DIR"
bench full "$ASYNCHECK" check --isolated --exit-zero --quiet "$CORPUS_DIR"
bench ruff "$RUFF" check --no-cache --isolated --select ASYNC,RUF006 --exit-zero --quiet "$CORPUS_DIR"
bench subset-asyncheck "$ASYNCHECK" check --isolated --exit-zero --quiet "$SUBSET"
bench subset-flake8 "$FLAKE8" --isolated --select ASYNC --exit-zero "$SUBSET"

log "peak memory"
rss_asyncheck=$(max_rss "$ASYNCHECK" check --isolated --exit-zero --quiet "$CORPUS_DIR")
rss_ruff=$(max_rss "$RUFF" check --no-cache --isolated --select ASYNC,RUF006 --exit-zero --quiet "$CORPUS_DIR")

corpus_lines=$(find "$CORPUS_DIR" -type f \( -name '*.py' -o -name '*.pyi' \) -print0 | xargs -0 cat | wc -l)
awk -v runs="$RUNS" -v files="$corpus_files" -v lines="$corpus_lines" -v subset="$SUBSET" \
  -v p="${MEDIAN[parse-only]}" -v f="${MEDIAN[full]}" -v r="${MEDIAN[ruff]}" \
  -v sa="${MEDIAN[subset-asyncheck]}" -v sf="${MEDIAN[subset-flake8]}" \
  -v ma="$rss_asyncheck" -v mr="$rss_ruff" 'BEGIN {
  printf "\nResults: median of %d runs over %d files, %d lines; subset %s\n", runs, files, lines, subset
  printf "  asyncheck parse-only       %8.3f s\n", p
  printf "  asyncheck full check       %8.3f s  (%.0f lines/s)\n", f, lines / f
  printf "  ruff ASYNC,RUF006          %8.3f s\n", r
  printf "  asyncheck on subset        %8.3f s\n", sa
  printf "  flake8-async on subset     %8.3f s\n", sf
  printf "Ratios\n"
  printf "  full / parse-only          %8.2fx\n", f / p
  printf "  asyncheck / ruff           %8.2fx\n", f / r
  printf "  flake8 / asyncheck, subset %8.1fx\n", sf / sa
  printf "Max RSS (full corpus)\n"
  printf "  asyncheck                  %8.1f MiB\n", ma / 1024
  printf "  ruff                       %8.1f MiB\n", mr / 1024
}'
