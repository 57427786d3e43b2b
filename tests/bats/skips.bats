#!/usr/bin/env bats
# Skips that cannot hide (issue 16): a test whose tool is missing says so in one way
# (require_tool in bats, requireTool in vitest). Without CI it is skipped and npm test
# says above its last line what was skipped and why; under CI=true it fails, naming the
# tool and how to install it. .ci/run fails when it cannot install chromium.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  T=$(mktemp -d "$BATS_TEST_TMPDIR/skips.XXXXXX")
}

# A miniature checkout at $T: the real tests/run.sh, its summary, both require_tool
# helpers, helpers.bash and the real-CLI tests, around a tiny suite of our own; the
# dependencies are this checkout's. No real agent CLIs: their cache folder is empty.
mini_checkout() {
  mkdir -p "$T/tests/unit" "$T/tests/bats" "$T/tests/realcli"
  ln -s "$ROOT/node_modules" "$T/node_modules"
  echo '{ "type": "module" }' > "$T/package.json"
  cp "$ROOT/tests/run.sh" "$ROOT/tests/run_bats.mjs" "$ROOT/tests/summarize.mjs" "$T/tests/"
  cp "$ROOT/tests/unit/require_tool.ts" "$T/tests/unit/"
  cp "$ROOT/tests/bats/helpers.bash" "$ROOT/tests/bats/require_tool.bash" "$T/tests/bats/"
  cp "$ROOT/tests/realcli/clis.bash" "$ROOT/tests/realcli/realcli.bats" "$T/tests/realcli/"
  cat > "$T/tests/unit/tiny.test.ts" <<'TS'
import { expect, it } from 'vitest';
import { requireTool } from './require_tool.js';
const gone = { name: 'frobnicator', have: false, install: 'apt-get install -y frobnicator' };
it('needs the frobnicator', (ctx) => {
  requireTool(ctx, gone);
  expect.unreachable('ran without its tool');
});
it('needs it too', (ctx) => requireTool(ctx, gone));
it('has its tool', (ctx) => requireTool(ctx, { name: 'sh', have: true, install: '-' }));
it('needs nothing', () => expect(1).toBe(1));
it.skip('skipped bare', () => {});
TS
  cat > "$T/tests/bats/tiny.bats" <<'BATS'
setup() { load helpers; }
@test "needs the wibbler" {
  require_tool wibbler "apt-get install -y wibbler" command -v argo-test-no-such-wibbler
  echo "ran without its tool"; false
}
@test "needs nothing" { true; }
@test "bare skip" { skip; }
BATS
}

# Runs the miniature's tests/run.sh with CI=$1 (empty: unset); vitest colours its output
# under CI, so NO_COLOR.
run_mini() {
  run env -u CI ${1:+CI=$1} NO_COLOR=1 ARGO_AGENT_CLI_CACHE="$T/no-clis" timeout 300 bash "$T/tests/run.sh"
}

@test "require_tool (bats): a missing tool skips with its reason, or under CI=true fails naming it and how to install it; a present one runs" {
  cat > "$T/t.bats" <<BATS
load "$ROOT/tests/bats/require_tool"
@test "missing" { require_tool wibbler "apt-get install -y wibbler" command -v argo-test-no-such-wibbler; echo ran; false; }
@test "present" { require_tool bash "apt-get install -y bash" command -v bash; echo ran > "$T/present.ran"; }
BATS
  run -0 env -u CI "$ROOT/node_modules/bats/bin/bats" --tap "$T/t.bats"
  assert_line 'ok 1 missing # skip no wibbler: apt-get install -y wibbler'
  assert_line 'ok 2 present'
  [ -f "$T/present.ran" ]
  rm "$T/present.ran"
  run -1 env CI=true "$ROOT/node_modules/bats/bin/bats" --tap "$T/t.bats"
  assert_line 'not ok 1 missing'
  assert_line '# ERROR: CI=true and this test cannot run: no wibbler: apt-get install -y wibbler (under CI a missing tool fails the run instead of skipping)'
  refute_line '# ran'
  assert_line 'ok 2 present'
  [ -f "$T/present.ran" ]
}

@test "npm test without CI: the skips counted, and why, on the line above 'N passed, N failed, N skipped'; the real-CLI line" {
  mini_checkout
  run_mini ''
  assert_success
  [ "${lines[-1]}" = '3 passed, 0 failed, 5 skipped' ]
  [ "${lines[-2]}" = 'Skipped 5: no frobnicator: apt-get install -y frobnicator (×2); skipped without a reason: tests/unit/tiny.test.ts > skipped bare (×1); no wibbler: apt-get install -y wibbler (×1); skipped without a reason: bare skip (×1)' ]
  # above them the slowest tests that ran (here all three), each with its seconds and file
  [ "${lines[-6]}" = 'Slowest tests:' ]
  printf '%s\n' "${lines[@]: -5:3}" | grep -Eq '^ +[0-9]+\.[0-9] s  tests/bats/tiny\.bats  needs nothing$'
  printf '%s\n' "${lines[@]: -5:3}" | grep -Eq '^ +[0-9]+\.[0-9] s  tests/unit/tiny\.test\.ts  has its tool$'
  printf '%s\n' "${lines[@]: -5:3}" | grep -Eq '^ +[0-9]+\.[0-9] s  tests/unit/tiny\.test\.ts  needs nothing$'
  assert_line "real agent CLI tests not run: tests/realcli/install.sh installs Claude Code and Codex (0.7 GB) into $T/no-clis; then npm test runs them"
  refute_output --partial 'ran without its tool'
  refute_line --partial 'Failed'
}

@test "npm test under CI=true: each missing tool fails its test, the real agent CLIs too; only reasonless skips stay skips" {
  mini_checkout
  run_mini true
  assert_failure
  [ "${lines[-1]}" = '3 passed, 4 failed, 2 skipped' ]
  [ "${lines[-2]}" = 'Skipped 2: skipped without a reason: tests/unit/tiny.test.ts > skipped bare (×1); skipped without a reason: bare skip (×1)' ]
  # the failed tests named again at the end, where CI's part of the output shows them, each
  # with why: vitest's first line of the error and the test file's line, bats' failed
  # command (not its call stack) and line
  [ "${lines[-11]}" = 'Failed 4:' ]
  [ "${lines[-10]}" = '  tests/unit/tiny.test.ts  needs the frobnicator' ]
  [ "${lines[-9]}" = '      Error: CI=true and this test cannot run: no frobnicator: apt-get install -y frobnicator (under CI a missing tool fails the run instead of skipping) (line 5)' ]
  [ "${lines[-8]}" = '  tests/unit/tiny.test.ts  needs it too' ]
  [ "${lines[-7]}" = '      Error: CI=true and this test cannot run: no frobnicator: apt-get install -y frobnicator (under CI a missing tool fails the run instead of skipping) (line 8)' ]
  [ "${lines[-6]}" = '  tests/bats/tiny.bats  needs the wibbler' ]
  [ "${lines[-5]}" = "      \`require_tool wibbler \"apt-get install -y wibbler\" command -v argo-test-no-such-wibbler' failed (tests/bats/tiny.bats, line 3)" ]
  [ "${lines[-4]}" = '  tests/realcli/realcli.bats  setup_file failed' ]
  [ "${lines[-3]}" = "      \`require_tool \"real agent CLIs in \$REALCLI_CACHE\" tests/realcli/install.sh realcli_installed' failed (tests/realcli/realcli.bats, line 13)" ]
  assert_output --partial 'Error: CI=true and this test cannot run: no frobnicator: apt-get install -y frobnicator (under CI a missing tool fails the run instead of skipping)'
  assert_line '# ERROR: CI=true and this test cannot run: no wibbler: apt-get install -y wibbler (under CI a missing tool fails the run instead of skipping)'
  assert_line "# ERROR: CI=true and this test cannot run: no real agent CLIs in $T/no-clis: tests/realcli/install.sh (under CI a missing tool fails the run instead of skipping)"
  refute_output --partial 'real agent CLI tests not run'
  refute_output --partial 'ran without its tool'
}

@test ".ci/run: no chromium and apt-get cannot install it: ERROR, exit 1, before anything else runs" {
  mkdir -p "$T/bin"
  printf '#!/bin/sh\necho "apt-get $*" >> "%s/calls"; exit 100\n' "$T" > "$T/bin/apt-get"
  printf '#!/bin/sh\necho "npm $*" >> "%s/calls"; exit 1\n' "$T" > "$T/bin/npm"
  chmod +x "$T/bin/apt-get" "$T/bin/npm"
  run env PATH="$T/bin:$PATH" ARGO_CHROMIUM="$T/no-chromium" bash "$ROOT/.ci/run"
  assert_failure 1
  assert_line "ERROR: no chromium at $T/no-chromium and it could not be installed (as root: apt-get install -y chromium); the dashboard browser test needs it"
  if [[ $(id -u) -eq 0 ]]; then grep -qx 'apt-get update -qq' "$T/calls"; fi  # it tried
  run ! grep -q '^npm' "$T/calls"
}

@test "the dashboard browser test without chromium: skipped with the reason, under CI=true failed" {
  cd "$ROOT"
  run -0 env -u CI NO_COLOR=1 ARGO_CHROMIUM="$T/no-chromium" timeout 120 npx vitest run tests/unit/dashboard_browser.test.ts
  assert_output --regexp "Tests +[0-9]+ skipped \(" # every test of the file skipped: none passed or failed
  assert_output --partial "[no chromium at $T/no-chromium: apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium)]"
  run -1 env CI=true NO_COLOR=1 ARGO_CHROMIUM="$T/no-chromium" timeout 120 npx vitest run tests/unit/dashboard_browser.test.ts
  assert_output --regexp "Tests +[0-9]+ failed \(" # every test of the file failed
  assert_output --partial "Error: CI=true and this test cannot run: no chromium at $T/no-chromium: apt-get install -y chromium (or set ARGO_CHROMIUM=/path/to/chromium) (under CI a missing tool fails the run instead of skipping)"
}
