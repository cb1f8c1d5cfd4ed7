#!/usr/bin/env bash
# The forklint benchmark (see bench/README.md).
#
#   bench/run.sh CORPUS_DIR [--rounds N] [--jobs "1 2"] [--out DIR] [--wait-idle] [--instructions]
#
# Vendors the pinned corpus of bench/corpus/ into CORPUS_DIR (outside the
# repository; reused when it already holds this lockfile's crates), builds
# forklint and the parse floor (bench/floor/) in release, then times, in
# alternating runs, the floor, `forklint DIR` and `forklint --full DIR` at
# each thread count, and prints a Markdown results block: lines/s, each
# mode's time ratio to the floor (median over rounds of mode/floor in the
# same round), peak RSS, parse failures, files parsed, whether the two
# modes' `--format json` findings are identical, and the editor-sized run
# (one crate, nix, by path, default mode).
#
# With --instructions, also counts the instructions each mode executes at
# one thread (valgrind's cachegrind, no cache simulation): the same on a
# loaded machine, where wall-time ratios move by 30% between rounds, so a
# change of a few percent shows. It takes a few minutes more.
set -euo pipefail

usage() {
    echo "usage: bench/run.sh CORPUS_DIR [--rounds N] [--jobs \"1 2\"] [--out DIR] [--wait-idle] [--instructions]" >&2
    exit 2
}

corpus=""
rounds=3
jobs_list="1 2"
out=""
wait_idle=0
instructions=0
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="${2:?}"; shift 2 ;;
        --jobs) jobs_list="${2:?}"; shift 2 ;;
        --out) out="${2:?}"; shift 2 ;;
        --wait-idle) wait_idle=1; shift ;;
        --instructions) instructions=1; shift ;;
        -h|--help) usage ;;
        -*) echo "unknown option $1" >&2; usage ;;
        *) [ -z "$corpus" ] || usage; corpus="$1"; shift ;;
    esac
done
[ -n "$corpus" ] || usage
case "$rounds" in ''|*[!0-9]*|0) echo "--rounds needs a positive number" >&2; exit 2 ;; esac

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mkdir -p "$corpus"
corpus="$(cd "$corpus" && pwd)"
case "$corpus/" in
    "$repo"/*) echo "error: CORPUS_DIR must be outside the repository ($repo)" >&2; exit 2 ;;
esac
out="${out:-$(mktemp -d /tmp/forklint-bench.XXXXXX)}"
# Dependency summaries are cached (~/.cache/forklint by default): the runs
# use a cache of their own, warm after the first run; the instruction
# counts measure a cold one too.
mkdir -p "$out"
export FORKLINT_CACHE_DIR="$out/summary-cache"
mkdir -p "$out"

log() { echo "bench: $*" >&2; }

# --- tools: GNU time for peak RSS, jq for cargo metadata ---------------------
need_pkgs=()
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 || need_pkgs+=(time)
command -v jq >/dev/null || need_pkgs+=(jq)
[ "$instructions" -eq 0 ] || command -v valgrind >/dev/null || need_pkgs+=(valgrind)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    log "installing ${need_pkgs[*]} (Debian packages)"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

# --- corpus -------------------------------------------------------------------
manifest="$repo/bench/corpus/Cargo.toml"
host="$(rustc -vV | sed -n 's/^host: //p')"
stamp="$( (cat "$repo/bench/corpus/Cargo.lock"; echo "$host") | sha256sum | cut -d' ' -f1)"
stamp_file="$corpus/.forklint-bench-stamp"
if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    log "reusing the corpus in $corpus"
else
    log "vendoring the corpus into $corpus"
    rm -f "$stamp_file"
    cargo vendor --quiet --locked --versioned-dirs --manifest-path "$manifest" "$corpus" >/dev/null
    # cargo vendor takes every platform's dependencies; keep what a build on
    # this host pulls in (drops windows-sys and friends, ~0.35 M lines of
    # bindings no Linux project compiles).
    cargo metadata --locked --format-version 1 --filter-platform "$host" --manifest-path "$manifest" \
        | jq -r '. as $m | [$m.resolve.nodes[].id] as $ids
                 | $m.packages[] | select(.id as $i | $ids | index($i)) | "\(.name)-\(.version)"' \
        | sort >"$out/host-packages.txt"
    for dir in "$corpus"/*/; do
        name="$(basename "$dir")"
        grep -qxF "$name" "$out/host-packages.txt" || rm -rf "$dir"
    done
    echo "$stamp" >"$stamp_file"
fi

# --- builds -------------------------------------------------------------------
log "building forklint and the floor (release)"
(cd "$repo" && cargo build --quiet --release --bin forklint)
# The same target directory: syn and proc-macro2 with the same features
# are built once for both.
cargo build --quiet --release --manifest-path "$repo/bench/floor/Cargo.toml" --target-dir "$repo/target"
forklint="$repo/target/release/forklint"
floor="$repo/target/release/forklint-bench-floor"

# --- helpers ------------------------------------------------------------------
now_ns() { date +%s%N; }

load1() { cut -d' ' -f1 /proc/loadavg; }

# With --wait-idle, waits (up to 5 minutes) for the 1-minute load average to
# fall below 1: other work on a 2-core machine distorts the 2-thread runs.
maybe_wait_idle() {
    [ "$wait_idle" = 1 ] || return 0
    local waited=0
    while awk -v l="$(load1)" 'BEGIN { exit !(l >= 1) }' && [ "$waited" -lt 300 ]; do
        sleep 10
        waited=$((waited + 10))
    done
}

# run_timed NAME CMD...: runs CMD in the corpus directory (so paths print
# relative to it and no config of the repository applies) with stdout to
# $out/NAME.out, stderr to $out/NAME.err; sets WALL (seconds), CPU (user +
# system seconds), RSS_MB, LOAD (1-minute load average before), STATUS.
run_timed() {
    local name="$1"; shift
    local t0 t1
    LOAD="$(load1)"
    t0="$(now_ns)"
    set +e
    (cd "$corpus" && /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.out" 2>"$out/$name.err")
    STATUS=$?
    set -e
    t1="$(now_ns)"
    WALL="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
    CPU="$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$out/$name.time")"
    RSS_MB="$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out/$name.time")"
    if grep -q 'Command terminated by signal' "$out/$name.time"; then STATUS=signal; fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -g | tail -1; }

# A forklint exit status is fine at 0 (no deny finding) or 1 (deny findings);
# 2 is an internal error, a signal a crash.
check_status() {
    case "$STATUS" in
        0|1) ;;
        *) echo "CRASH/ERROR: $1 exited with $STATUS (see $out/$1.err)" | tee -a "$out/problems.txt" >&2 ;;
    esac
}

# --- corpus size and parse failures (also warms the page cache) --------------
run_timed warmup "$floor" . --jobs 2
floor_line="$(head -1 "$out/warmup.out")"
files="$(sed -n 's/.* files=\([0-9]*\).*/\1/p' <<<"$floor_line")"
lines="$(sed -n 's/.* lines=\([0-9]*\).*/\1/p' <<<"$floor_line")"
bytes="$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$floor_line")"
fork_files="$(grep -rlE --include='*.rs' '\b(fork|vfork|forkpty|pre_exec|before_exec)\b' "$corpus" | wc -l)"
log "corpus: $files files, $lines lines; $fork_files files name fork, vfork, forkpty, pre_exec or before_exec"

# --- timed runs -----------------------------------------------------------------
modes=(floor default full)
cmd_for() { # MODE JOBS
    case "$1" in
        floor) echo "$floor . --jobs $2" ;;
        default) echo "$forklint --stats --format json --jobs $2 ." ;;
        full) echo "$forklint --stats --full --format json --jobs $2 ." ;;
    esac
}
: >"$out/times.tsv"
for j in $jobs_list; do
    for r in $(seq 1 "$rounds"); do
        maybe_wait_idle
        # Rotate the order each round so no mode always runs first.
        for k in 0 1 2; do
            mode="${modes[$(((k + r) % 3))]}"
            read -r -a cmd <<<"$(cmd_for "$mode" "$j")"
            run_timed "$mode-j$j-r$r" "${cmd[@]}"
            [ "$mode" = floor ] || check_status "$mode-j$j-r$r"
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$j" "$r" "$WALL" "$RSS_MB" "$CPU" "$LOAD" >>"$out/times.tsv"
            log "jobs=$j round=$r $mode: ${WALL}s wall, ${CPU}s cpu, ${RSS_MB} MB, load $LOAD before"
        done
    done
done

# --- findings: the two modes, and 1 vs 2 threads --------------------------------
same() { # A B: "identical" or "DIFFER (...)"
    local d="$out/diff-$1-vs-$2.txt"
    if diff "$out/$1.out" "$out/$2.out" >"$d"; then
        echo "identical"
    else
        local pe
        pe="$(grep '^[<>]' "$d" | grep -c '"rule":"parse_error"' || true)"
        echo "DIFFER: $(grep -c '^<' "$d" || true) lines only in the first, $(grep -c '^>' "$d" || true) only in the second, $pe of them parse_error ($d)"
    fi
}
first_j="${jobs_list%% *}"
last_j="${jobs_list##* }"

# --full leaves out entry points that can change no finding: once, the same
# with every entry point walked, whose findings must be the same.
run_timed every-entry "$forklint" --stats --full --walk-every-entry --format json --jobs "$last_j" .
check_status every-entry

# `--stats` prints "forklint: N files read, M parsed" on stderr.
parsed_of() { # RUN
    sed -n 's/^forklint: \([0-9]* files read, [0-9]* parsed\( ([0-9]* parsed again)\)\?\)$/\1/p' "$out/$1.err" | tail -1
}

# --- editor-sized run: one crate by path, default mode ---------------------------
nix_dir="$(cd "$corpus" && for d in nix-*/; do echo "${d%/}"; break; done)"
run_timed nix-size "$floor" "$nix_dir" --jobs 1
nix_files="$(sed -n 's/.* files=\([0-9]*\).*/\1/p' "$out/nix-size.out" | head -1)"
nix_lines="$(sed -n 's/.* lines=\([0-9]*\).*/\1/p' "$out/nix-size.out" | head -1)"
nix_src_lines="$(find "$corpus/$nix_dir/src" -name '*.rs' -print0 | xargs -0 cat | wc -l)"
maybe_wait_idle
nix_walls=()
for r in $(seq 1 10); do
    run_timed "nix-r$r" "$forklint" --format json "$nix_dir"
    check_status "nix-r$r"
    nix_walls+=("$WALL")
    nix_rss="$RSS_MB"
done
nix_ms="$(printf '%s\n' "${nix_walls[@]}" | median | awk '{ printf "%.0f", $1 * 1000 }')"
nix_src_walls=()
for r in $(seq 1 10); do
    run_timed "nixsrc-r$r" "$forklint" --format json "$nix_dir/src"
    nix_src_walls+=("$WALL")
done
nix_src_ms="$(printf '%s\n' "${nix_src_walls[@]}" | median | awk '{ printf "%.0f", $1 * 1000 }')"

# --- instructions (deterministic, one thread) -------------------------------------
instructions_of() { # NAME CMD...: instructions executed, from cachegrind's summary
    local name="$1"
    shift
    (cd "$corpus" && valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$@" \
        >/dev/null 2>"$out/$name.vg") || true
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' "$out/$name.vg" | tr -d , | tail -1
}
if [ "$instructions" -eq 1 ]; then
    log "counting instructions (valgrind, 1 thread)"
    ins_floor="$(instructions_of ins-floor "$floor" . --jobs 1)"
    rm -rf "$FORKLINT_CACHE_DIR"
    ins_cold="$(instructions_of ins-cold "$forklint" --format json --jobs 1 .)"
    ins_default="$(instructions_of ins-default "$forklint" --format json --jobs 1 .)"
    ins_nodeps="$(instructions_of ins-nodeps "$forklint" --format json --no-deps --jobs 1 .)"
    ins_full="$(instructions_of ins-full "$forklint" --format json --full --jobs 1 .)"
fi

# --- report ----------------------------------------------------------------------
col() { # MODE JOBS FIELD(4=wall,5=rss,6=cpu,7=load)
    awk -F'\t' -v m="$1" -v j="$2" -v f="$3" '$1 == m && $2 == j { print $f }' "$out/times.tsv"
}
ratio_median() { # MODE JOBS [FIELD]: median over rounds of mode/floor (wall; 6: cpu)
    awk -F'\t' -v m="$1" -v j="$2" -v f="${3:-4}" '
        $2 == j && $1 == "floor" { fl[$3] = $f }
        $2 == j && $1 == m { mo[$3] = $f }
        END { for (r in mo) if (fl[r] > 0) printf "%.3f\n", mo[r] / fl[r] }' "$out/times.tsv" | median
}
ratio_range() { # MODE JOBS: lowest and highest per-round mode/floor (wall)
    awk -F'\t' -v m="$1" -v j="$2" '
        $2 == j && $1 == "floor" { fl[$3] = $4 }
        $2 == j && $1 == m { mo[$3] = $4 }
        END { for (r in mo) if (fl[r] > 0) printf "%.3f\n", mo[r] / fl[r] }' "$out/times.tsv" |
        sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'
}
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
parse_failures="$(grep -c '^parse failure' "$out/warmup.out" || true)"
{
    echo "### Results, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores ($cpu), $(free -g | awk '/^Mem:/ { print $2 }') GiB RAM, $(uname -sr)."
    echo "forklint $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo '+changes'), $(rustc --version)."
    echo "Corpus: $files files, $lines lines, $((bytes / 1024 / 1024)) MiB; $fork_files files name fork, vfork, forkpty, pre_exec or before_exec; $parse_failures file(s) fail to parse."
    echo "Rounds: $rounds per thread count, modes alternating; time = median wall, ratio = median over rounds of (mode / floor of the same round), range = its lowest and highest round, cpu = median user+system, RSS = max."
    echo "1-minute load average before the timed runs: $(cut -f7 "$out/times.tsv" | sort -g | head -1) to $(cut -f7 "$out/times.tsv" | sort -g | tail -1) (other work on the machine inflates the times)."
    echo
    echo "| threads | mode | time (s) | lines/s | ratio to floor | ratio range | cpu (s) | cpu ratio | peak RSS (MB) |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for j in $jobs_list; do
        for mode in floor default full; do
            t="$(col "$mode" "$j" 4 | median)"
            rss="$(col "$mode" "$j" 5 | maxof)"
            cpu_s="$(col "$mode" "$j" 6 | median)"
            lps="$(awk -v l="$lines" -v t="$t" 'BEGIN { if (t > 0) printf "%.0f k", l / t / 1000; else print "-" }')"
            if [ "$mode" = floor ]; then
                ratio=1 range=- cpu_ratio=1
            else
                ratio="$(ratio_median "$mode" "$j")" cpu_ratio="$(ratio_median "$mode" "$j" 6)"
                range="$(ratio_range "$mode" "$j")"
            fi
            label="$mode"
            [ "$mode" = default ] && label="forklint (default)"
            [ "$mode" = full ] && label="forklint --full"
            echo "| $j | $label | $t | $lps | $ratio | $range | $cpu_s | $cpu_ratio | $rss |"
        done
    done
    if [ "$instructions" -eq 1 ]; then
        echo
        echo "Instructions executed at 1 thread (valgrind cachegrind; the same on a loaded machine):"
        for pair in "floor:$ins_floor" "forklint (default, warm summary cache):$ins_default" \
            "forklint (default, cold summary cache):$ins_cold" "forklint --no-deps:$ins_nodeps" \
            "forklint --full:$ins_full"; do
            awk -v label="${pair%%:*}" -v n="${pair##*:}" -v f="$ins_floor" \
                'BEGIN { if (n > 0 && f > 0) printf "- %s: %.2f G (%.3fx the floor)\n", label, n / 1e9, n / f; else printf "- %s: not measured\n", label }'
        done
    fi
    echo
    echo "Findings (\`--format json\`, last round):"
    for j in $jobs_list; do
        echo "- $j thread(s): default vs --full: $(same "default-j$j-r$rounds" "full-j$j-r$rounds")" \
            "($(wc -l <"$out/default-j$j-r$rounds.out") / $(wc -l <"$out/full-j$j-r$rounds.out") findings)"
    done
    if [ "$first_j" != "$last_j" ]; then
        echo "- default, $first_j vs $last_j threads: $(same "default-j$first_j-r$rounds" "default-j$last_j-r$rounds")"
        echo "- --full, $first_j vs $last_j threads: $(same "full-j$first_j-r$rounds" "full-j$last_j-r$rounds")"
    fi
    echo "- --full vs --full --walk-every-entry ($last_j threads): $(same "full-j$last_j-r$rounds" every-entry)"
    pe_default="$(grep -c '"parse_error"' "$out/default-j$last_j-r$rounds.out" || true)"
    pe_full="$(grep -c '"parse_error"' "$out/full-j$last_j-r$rounds.out" || true)"
    echo "- parse_error diagnostics: default $pe_default, --full $pe_full (the floor: $parse_failures)"
    echo
    echo "Files parsed (\`--stats\`, $last_j threads): floor $files; default $(parsed_of "default-j$last_j-r$rounds"); --full $(parsed_of "full-j$last_j-r$rounds")."
    echo
    echo "Editor-sized run: \`forklint --format json $nix_dir\` (default mode, all cores; $nix_files files, $nix_lines lines, src/ alone $nix_src_lines lines):"
    echo "median of 10 runs **${nix_ms} ms** wall (peak RSS ${nix_rss} MB); \`$nix_dir/src\` alone ${nix_src_ms} ms."
    if [ -s "$out/problems.txt" ]; then
        echo
        echo "Problems:"
        sed 's/^/- /' "$out/problems.txt"
    fi
    if [ "$parse_failures" -gt 0 ]; then
        echo
        echo "Files the floor cannot parse:"
        grep '^parse failure' "$out/warmup.out" | sed 's/^parse failure: /- /'
    fi
} | tee "$out/results.md"
log "raw outputs and results.md in $out"
