#!/usr/bin/env bash
# The ecosystem check (see bench/ecosystem/README.md).
#
#   bench/ecosystem/run.sh [CORPUS_DIR] [--out DIR] [--crate NAME]... [--forklint BIN] [-- FORKLINT_ARGS...]
#
# Vendors the crates pinned in bench/ecosystem/Cargo.lock into CORPUS_DIR
# (outside the repository; default ~/.cache/forklint-ecosystem; reused while
# the lockfile is unchanged), builds forklint in release, runs it on each
# crate of the manifest as a user would (`forklint --format json .` inside
# the crate's directory, so paths and fingerprints are the crate's own), and
# hands the findings to report.py, which compares them with triage.toml and
# sites.toml and prints the tables. Exits non-zero when a finding is not
# judged yet, or a run crashed.
set -euo pipefail

usage() {
    echo "usage: bench/ecosystem/run.sh [CORPUS_DIR] [--out DIR] [--crate NAME]... [--forklint BIN] [-- FORKLINT_ARGS...]" >&2
    exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus=""
out=""
forklint=""
crates=()
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out="${2:?}"; shift 2 ;;
        --crate) crates+=("${2:?}"); shift 2 ;;
        --forklint) forklint="${2:?}"; shift 2 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$corpus" ] || usage; corpus="$1"; shift ;;
    esac
done
corpus="${corpus:-${XDG_CACHE_HOME:-$HOME/.cache}/forklint-ecosystem}"
mkdir -p "$corpus"
corpus="$(cd "$corpus" && pwd)"
case "$corpus/" in
    "$repo"/*) echo "error: CORPUS_DIR must be outside the repository ($repo)" >&2; exit 2 ;;
esac
out="${out:-$(mktemp -d /tmp/forklint-ecosystem.XXXXXX)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log() { echo "ecosystem: $*" >&2; }

# --- the corpus ---------------------------------------------------------------
manifest="$here/Cargo.toml"
stamp="$(sha256sum "$here/Cargo.lock" | cut -d' ' -f1)"
stamp_file="$corpus/.forklint-ecosystem-stamp"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    log "reusing the corpus in $corpus"
else
    log "vendoring the corpus into $corpus (cargo vendor, ~1.6 GB with every dependency)"
    rm -f "$stamp_file"
    cargo vendor --quiet --locked --versioned-dirs --manifest-path "$manifest" "$corpus/vendor" >/dev/null
    echo "$stamp" >"$stamp_file"
fi

# The crates to lint: the manifest's direct dependencies, at the locked
# version (vendor directories are NAME-VERSION).
python3 "$here/report.py" list-crates --lock "$here/Cargo.lock" --manifest "$manifest" >"$out/crates.tsv"
if [ ${#crates[@]} -gt 0 ]; then
    grep -E "^($(IFS='|'; echo "${crates[*]}"))	" "$out/crates.tsv" >"$out/crates.sel" || { echo "error: no such crate in the manifest: ${crates[*]}" >&2; exit 2; }
    mv "$out/crates.sel" "$out/crates.tsv"
fi

# --- forklint -----------------------------------------------------------------
if [ -z "$forklint" ]; then
    log "building forklint (release)"
    (cd "$repo" && cargo build --quiet --release --bin forklint)
    forklint="$repo/target/release/forklint"
fi
forklint="$(cd "$(dirname "$forklint")" && pwd)/$(basename "$forklint")"

mkdir -p "$out/runs"
: >"$out/runs.tsv"
while IFS=$'\t' read -r name version; do
    dir="$corpus/vendor/$name-$version"
    [ -d "$dir" ] || { echo "error: $dir missing: delete $stamp_file and run again" >&2; exit 2; }
    start=$(date +%s%N)
    set +e
    # As a user runs it on a checkout: by path, default levels. A timeout of
    # 60 s stops a hang (the target is 5 s; report.py flags anything over).
    (cd "$dir" && timeout 60 "$forklint" --format json "${extra[@]}" . \
        >"$out/runs/$name.json" 2>"$out/runs/$name.stderr")
    code=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    # Every group on (pedantic included), for recall of all hazards.
    (cd "$dir" && timeout 60 "$forklint" --format json -W pedantic "${extra[@]}" . \
        >"$out/runs/$name.all.json" 2>/dev/null)
    set -e
    printf '%s\t%s\t%s\t%s\n' "$name" "$version" "$code" "$ms" >>"$out/runs.tsv"
done <"$out/crates.tsv"
log "raw output in $out"

python3 "$here/report.py" report --runs "$out" --triage "$here/triage.toml" --sites "$here/sites.toml" \
    --skeleton "$out/unjudged.toml"
