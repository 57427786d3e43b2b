#!/usr/bin/env bash
# `npm test`: unit tests (vitest) then shell-level tests (bats). Every test works in
# its own temp folders; bats runs its files one after the other because the compat
# suites drop handler scripts into this checkout's phases/ (as the original suite does).
# Parts: docs/TESTING.md.
# Ends with one plain summary line "N passed, N failed" (", N skipped") over both
# runners, after a line saying what was skipped and why. Under CI=true a test whose
# tool is missing fails instead of skipping (tests/unit/require_tool.ts, tests/bats/require_tool.bash).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json"
vitest_rc=$?

node_modules/bats/bin/bats --tap -r tests/bats | tee "$out/bats.tap"
bats_rc=${PIPESTATUS[0]}

# The presets against the real agent CLIs: only where tests/realcli/install.sh put them
# (0.7 GB, not a dependency); CI installs them first, so under CI=true they run anyway
# and their absence fails there (tests/bats/require_tool.bash).
source tests/realcli/clis.bash
if realcli_installed || [[ ${CI:-} == true ]]; then
  node_modules/bats/bin/bats --tap tests/realcli | tee -a "$out/bats.tap"
  ((PIPESTATUS[0] == 0)) || bats_rc=1
else
  echo "real agent CLI tests not run: tests/realcli/install.sh installs Claude Code and Codex (0.7 GB) into $REALCLI_CACHE; then npm test runs them"
fi

# What was skipped and why, then the closing line.
node tests/summarize.mjs "$out/vitest.json" "$out/bats.tap"
[[ $vitest_rc -eq 0 && $bats_rc -eq 0 ]]
