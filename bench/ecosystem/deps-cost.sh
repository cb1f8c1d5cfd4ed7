#!/usr/bin/env bash
# What reading dependencies costs (see bench/README.md, "Dependency summaries").
#
#   bench/ecosystem/deps-cost.sh [CORPUS_DIR] [--forklint BIN]
#
# On each crate of the ecosystem check (vendored by run.sh into CORPUS_DIR,
# default ~/.cache/forklint-ecosystem, each crate's dependencies beside it),
# counts the instructions of one default-mode run at one thread (valgrind's
# cachegrind, no cache simulation) three ways: with --no-deps (the tables
# alone), with dependency summaries on an empty cache (cold), and again on
# the cache the cold run left (warm). Prints a Markdown table: the totals,
# each mode's ratio to --no-deps, and the crates where the cold run costs
# most, with the dependency files each parsed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus=""
forklint=""
while [ $# -gt 0 ]; do
    case "$1" in
        --forklint) forklint="${2:?}"; shift 2 ;;
        -h|--help) sed -n 2,14p "$0"; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) corpus="$1"; shift ;;
    esac
done
corpus="${corpus:-${XDG_CACHE_HOME:-$HOME/.cache}/forklint-ecosystem}"
[ -d "$corpus/vendor" ] || { echo "error: no vendored corpus in $corpus (run bench/ecosystem/run.sh first)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "error: valgrind is needed" >&2; exit 2; }
if [ -z "$forklint" ]; then
    (cd "$repo" && cargo build --quiet --release --bin forklint)
    forklint="$repo/target/release/forklint"
fi
forklint="$(cd "$(dirname "$forklint")" && pwd)/$(basename "$forklint")"
cache="$(mktemp -d /tmp/forklint-deps-cost.XXXXXX)"
trap 'rm -rf "$cache"' EXIT

count() { # dir, args...: instructions of one run
    local dir="$1"; shift
    (cd "$dir" && FORKLINT_CACHE_DIR="$cache" valgrind --tool=cachegrind --cache-sim=no \
        --cachegrind-out-file=/dev/null "$forklint" --format json -j 1 "$@" . 2>&1 >/dev/null || true) |
        sed -n 's/.*I *refs: *//p' | tr -d ,
}

rows=()
while IFS=$'\t' read -r name version; do
    dir="$corpus/vendor/$name-$version"
    [ -d "$dir" ] || { echo "error: $dir missing" >&2; exit 2; }
    none=$(count "$dir" --no-deps)
    cold=$(count "$dir")
    warm=$(count "$dir")
    files=$(cd "$dir" && { FORKLINT_CACHE_DIR="$cache.x" "$forklint" --format json --stats . 2>&1 >/dev/null || true; } |
        sed -n 's/.*, \([0-9]*\) dependency files parsed.*/\1/p')
    rm -rf "$cache.x"
    rows+=("$name	$none	$cold	$warm	${files:-0}")
done < <(python3 "$here/report.py" list-crates --lock "$here/Cargo.lock" --manifest "$here/Cargo.toml")

printf '%s\n' "${rows[@]}" | python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin if l.strip()]
rows = [(n, int(a), int(b), int(c), int(f)) for n, a, b, c, f in rows]
none = sum(r[1] for r in rows); cold = sum(r[2] for r in rows); warm = sum(r[3] for r in rows)
print(f"| {len(rows)} crates | instructions | ratio to --no-deps |")
print("|---|---:|---:|")
print(f"| --no-deps | {none/1e9:.2f} G | 1.00x |")
print(f"| cold cache | {cold/1e9:.2f} G | {cold/none:.2f}x |")
print(f"| warm cache | {warm/1e9:.2f} G | {warm/none:.2f}x |")
print()
print("| crate | --no-deps | cold | warm | dependency files parsed (cold) |")
print("|---|---:|---:|---:|---:|")
for n, a, b, c, f in sorted(rows, key=lambda r: r[1] - r[2])[:10]:
    print(f"| {n} | {a/1e6:.0f} M | {b/1e6:.0f} M ({b/a:.2f}x) | {c/1e6:.0f} M ({c/a:.2f}x) | {f} |")
'
