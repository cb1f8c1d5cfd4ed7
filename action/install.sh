#!/usr/bin/env bash
# The install step of the GitHub Action (action.yml): builds forklint from
# the action's own checkout, so `uses: forklint/forklint@REF` runs the
# forklint of REF. Skipped when that version is already on PATH (a cached
# ~/.cargo/bin).
set -euo pipefail
root="${FORKLINT_ACTION_PATH:?set to the action checkout}"
want="$(sed -n 's/^version = "\(.*\)"/\1/p' "$root/Cargo.toml" | head -n 1)"
if have="$(forklint --version 2>/dev/null)" && [ "$have" = "forklint $want" ]; then
    echo "forklint $want is installed"
    exit 0
fi
cargo install --locked --path "$root" --bins
