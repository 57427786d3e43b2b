#!/usr/bin/env bash
# `npm test`: unit tests (vitest) then shell-level tests (bats). Every test works in
# its own temp folders; bats runs its files one after the other because the compat
# suites drop handler scripts into this checkout's phases/ (as the original suite does).
# Parts: docs/TESTING.md.
# Ends with one plain summary line "N passed, N failed" over both runners.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

npx vitest run --reporter=default --reporter=json --outputFile="$out/vitest.json"
vitest_rc=$?

node_modules/bats/bin/bats --tap -r tests/bats | tee "$out/bats.tap"
bats_rc=${PIPESTATUS[0]}

# The presets against the real agent CLIs: only where tests/realcli/install.sh put them
# (0.7 GB, not a dependency); CI installs them first.
source tests/realcli/clis.bash
if realcli_installed; then
  node_modules/bats/bin/bats --tap tests/realcli | tee -a "$out/bats.tap"
  ((PIPESTATUS[0] == 0)) || bats_rc=1
else
  echo "real agent CLI tests not run: tests/realcli/install.sh installs Claude Code and Codex (0.7 GB) into $REALCLI_CACHE; then npm test runs them"
fi

node - "$out/vitest.json" "$out/bats.tap" <<'JS'
const fs = require('node:fs');
const [vitestFile, tapFile] = process.argv.slice(2);
let passed = 0, failed = 0, skipped = 0;
try {
  const v = JSON.parse(fs.readFileSync(vitestFile, 'utf8'));
  passed += v.numPassedTests; failed += v.numFailedTests;
  skipped += (v.numPendingTests ?? 0) + (v.numTodoTests ?? 0);
} catch { failed += 1; console.log('vitest: no result file'); }
for (const line of fs.readFileSync(tapFile, 'utf8').split('\n')) {
  if (/^ok .*# skip/.test(line)) skipped++;
  else if (/^ok /.test(line)) passed++;
  else if (/^not ok /.test(line)) failed++;
}
console.log(`${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
JS
[[ $vitest_rc -eq 0 && $bats_rc -eq 0 ]]
