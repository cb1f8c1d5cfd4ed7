#!/usr/bin/env bash
# The lint step of the GitHub Action (action.yml), as a script so that the
# tests run exactly what the action runs. One forklint run writes SARIF for
# code scanning and prints annotations (or human output) to the log.
#
# Environment (from the action's inputs):
#   FORKLINT_ARGS        extra arguments, split on spaces (paths, -D warnings, ...)
#   FORKLINT_SARIF_FILE  where to write SARIF ("" for none)
#   FORKLINT_ANNOTATE    "true": GitHub annotations on the pull request's diff
#   GITHUB_OUTPUT        the step's outputs file (set by the runner)
#
# Exit: 0 even when forklint found deny-level findings (exit 1), so that
# the SARIF upload still runs; the action's last step fails the job from
# the `exit-code` output. An error (exit 2) fails at once.
set -uo pipefail

read -r -a extra <<< "${FORKLINT_ARGS:-}"
sarif="${FORKLINT_SARIF_FILE-forklint.sarif}"
format=human
[ "${FORKLINT_ANNOTATE:-true}" = "true" ] && format=github

cmd=(forklint --output-format "$format")
[ -n "$sarif" ] && cmd+=(--output-format sarif --output-file "$sarif")
cmd+=("${extra[@]}")

echo "::group::${cmd[*]}"
echo "::endgroup::"
"${cmd[@]}"
code=$?

out="${GITHUB_OUTPUT:-/dev/null}"
echo "exit-code=$code" >> "$out"
if [ -n "$sarif" ] && [ -f "$sarif" ]; then
    echo "sarif-file=$sarif" >> "$out"
fi
if [ "$code" -ge 2 ]; then
    echo "::error title=forklint::forklint could not run (exit $code): see the log above"
    exit "$code"
fi
exit 0
