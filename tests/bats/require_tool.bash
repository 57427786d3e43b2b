# require_tool NAME INSTALL CMD...: the test needs NAME, which is there when CMD succeeds
# (its output is not shown). The bats side of tests/unit/require_tool.ts: under CI=true a
# missing tool fails the test, naming it and how to install it (CI installs every tool,
# so a skip there would hide a gap); elsewhere the test is skipped with the reason
# "no NAME: INSTALL", which TAP shows as `# skip …` and tests/summarize.mjs counts.
# Works in setup_file, setup and a test.
require_tool() {
  local name=$1 install=$2
  shift 2
  "$@" >/dev/null 2>&1 && return 0
  if [[ ${CI:-} == true ]]; then
    echo "ERROR: CI=true and this test cannot run: no $name: $install (under CI a missing tool fails the run instead of skipping)" >&2
    return 1
  fi
  skip "no $name: $install"
}
