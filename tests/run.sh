#!/usr/bin/env bash
# `npm test`: unit tests (vitest) and shell-level tests (bats), at the same time. Every
# test works in its own temp folders. bats files run several at once (tests/run_bats.mjs,
# ARGO_TEST_JOBS of them, the long ones split too), except the compat suite test_orchestrator.bats, which drops
# handler scripts named after real phases (design.sh) into this checkout's phases/ (as
# the original suite does): it runs first, alone, before anything else starts.
# Parts and timings: docs/TESTING.md.
# Ends with one plain summary line "N passed, N failed" (", N skipped") over both
# runners, after a line saying what was skipped and why and the ten slowest tests. Under
# CI=true a test whose tool is missing fails instead of skipping
# (tests/unit/require_tool.ts, tests/bats/require_tool.bash).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# No test reads the caller's stdin; a socket there (a CI runner's, an agent's tool) makes
# a `bash -c` without SHLVL source ~/.bashrc as if sshd ran it.
exec < /dev/null
out=$(mktemp -d)
vitest_pid=
trap '[[ -n $vitest_pid ]] && kill "$vitest_pid" 2>/dev/null; rm -rf "$out"' EXIT

alone=tests/bats/compat/test_orchestrator.bats
bats_rc=0
touch "$out/bats.tap"
if [[ -f $alone ]]; then
  node tests/run_bats.mjs "$alone" | tee "$out/bats.tap"
  ((PIPESTATUS[0] == 0)) || bats_rc=1
fi

# vitest in the background, its report printed once the bats stream is done.
npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json" > "$out/vitest.out" 2>&1 &
vitest_pid=$!

# The presets against the real agent CLIs: only where tests/realcli/install.sh put them
# (0.7 GB, not a dependency); CI installs them first, so under CI=true they run anyway
# and their absence fails there (tests/bats/require_tool.bash). They run alongside the rest.
source tests/realcli/clis.bash
paths=(tests/bats)
if realcli_installed || [[ ${CI:-} == true ]]; then
  paths+=(tests/realcli)
  realcli_note=
else
  realcli_note="real agent CLI tests not run: tests/realcli/install.sh installs Claude Code and Codex (0.7 GB) into $REALCLI_CACHE; then npm test runs them"
fi
# Long files whose tests share nothing also run three of their own tests at once.
split=()
for f in agents safety_data safety_proc phases context limits; do split+=(--split "tests/bats/$f.bats"); done
node tests/run_bats.mjs --except "$alone" "${split[@]}" "${paths[@]}" | tee -a "$out/bats.tap"
((PIPESTATUS[0] == 0)) || bats_rc=1

wait "$vitest_pid"
vitest_rc=$?
vitest_pid=
cat "$out/vitest.out"
[[ -z $realcli_note ]] || echo "$realcli_note"

# The ten slowest tests, what was skipped and why, then the closing line.
node tests/summarize.mjs "$out/vitest.json" "$out/bats.tap"
[[ $vitest_rc -eq 0 && $bats_rc -eq 0 ]]
