#!/usr/bin/env bats
# The README's tools: `npm run demo` itself, and compat/run_original_suite.sh on a
# small fake "original suite".
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  T=$(mktemp -d "$BATS_TEST_TMPDIR/tools.XXXXXX")
  DECOY=
}

teardown() {
  [[ -n $DECOY ]] && kill "$DECOY" 2>/dev/null || true
  true
}

# no process whose command line contains $1 (pgrep leaves itself out; this shell's
# does not match), and no shim helper started with its runtime folder under $1
none_matching() {
  local p
  pgrep -f "$1" >/dev/null && return 1
  for p in $(pgrep -f dist/compat/shim_server.js); do
    grep -qz "^XDG_RUNTIME_DIR=$1" "/proc/$p/environ" 2>/dev/null && return 1
  done
  return 0
}

@test "npm run demo -- --clean: a whole workflow to storage, then nothing left behind" {
  mkdir -p "$T/tmp"
  cd "$ROOT"
  # NODE_DISABLE_COMPILE_CACHE: npm on Node >= 22 keeps a node-compile-cache/ under TMPDIR,
  # which is node's and not something the demo left behind.
  TMPDIR=$T/tmp NODE_DISABLE_COMPILE_CACHE=1 run -0 timeout 120 npm run --silent demo -- --clean
  assert_line '   phase / owner / action: design / ci / approve_design'
  assert_line '   phase / owner / action: storage / user / none'
  assert_line --regexp '^   core\.txt: '
  assert_line '   Current Phase: storage'
  # --clean: the throwaway repository is gone, and so is every process it started
  [ -z "$(ls -A "$T/tmp")" ]
  wait_for 10 none_matching "$T/tmp"
}

# An install root of our own: run_original_suite.sh copies the suite to <root>/orig-tests.
private_install() {
  mkdir -p "$T/install/compat"
  cp "$ROOT/compat/run_original_suite.sh" "$T/install/compat/"
  for f in start_workflow.sh orchestrator.sh status.sh stop_workflow.sh dist lib phases templates node_modules; do
    ln -s "$ROOT/$f" "$T/install/$f"
  done
}

@test "run_original_suite.sh: the suite runs from <root>/orig-tests in a PID namespace; its pkill reaches nothing outside" {
  private_install
  mkdir -p "$T/orig"
  cat > "$T/orig/run_phase2_tests.sh" <<'SH'
#!/bin/bash
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
echo "dir=$SCRIPT_DIR"
echo "pid=$$"
[ -x "$SCRIPT_DIR/../start_workflow.sh" ] && echo "layout ok"
pkill -f "$DECOY_NAME"; echo "pkill=$?"
exit 3
SH
  # a process outside whose command line the suite's pkill pattern matches
  export DECOY_NAME="argo_decoy_$$_$RANDOM"
  bash -c "exec -a $DECOY_NAME sleep 120" &
  DECOY=$!
  wait_for 5 pgrep -f "$DECOY_NAME" >/dev/null
  run -3 "$T/install/compat/run_original_suite.sh" "$T/orig"
  assert_line "dir=$T/install/orig-tests"
  assert_line "pid=1"
  assert_line "layout ok"
  assert_line "pkill=1"   # nothing matched inside the namespace
  alive "$DECOY"
  [ -f "$T/install/orig-tests/run_phase2_tests.sh" ]
}

@test "run_original_suite.sh: a missing folder or runner is one ERROR line and exit 2" {
  private_install
  run -2 "$T/install/compat/run_original_suite.sh" "$T/nope"
  assert_output "ERROR: usage: $T/install/compat/run_original_suite.sh <original tests folder> [runner script name] (got: '$T/nope')"
  mkdir -p "$T/empty"
  run -2 "$T/install/compat/run_original_suite.sh" "$T/empty"
  assert_output "ERROR: runner not found: $T/install/orig-tests/run_phase2_tests.sh"
}
