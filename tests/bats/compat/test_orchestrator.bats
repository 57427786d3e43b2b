#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
setup() { load compat_helpers; compat_setup; source "$ROOT/lib/state_file.sh"; }
teardown() { compat_teardown; }

start_orchestrator() {  # output in $OUT
  OUT=$TEST_TMP_DIR/orchestrator.out
  "$ROOT/orchestrator.sh" "$@" >"$OUT" 2>&1 &
  ORCH=$!
  STARTED+=("$ORCH")
}

@test "test_orchestrator_requires_path" {
  run timeout 5 "$ROOT/orchestrator.sh"
  assert_failure 1
  assert_line --index 0 "ERROR: Project path required"
  assert_line --index 1 "Usage: orchestrator.sh <project_path>"
}

@test "test_orchestrator_dispatches_phase" {
  setup_project
  update_state phase test_phase; update_state action_owner code; update_state action_needed test_phase
  printf '#!/bin/bash\ntouch %q\n' "$TEST_TMP_DIR/argo_phase_was_called" > "$ORIG_PHASES/test_phase.sh"
  chmod +x "$ORIG_PHASES/test_phase.sh"
  start_orchestrator "$PROJ"
  wait_for 7 test -f "$TEST_TMP_DIR/argo_phase_was_called"
}

@test "test_orchestrator_waits_for_ci" {
  setup_project
  # action_needed names the handler, so only the owner keeps it from running
  update_state phase design; update_state action_owner ci; update_state action_needed design
  printf '#!/bin/bash\ntouch %q\n' "$TEST_TMP_DIR/argo_phase_should_not_be_called" > "$ORIG_PHASES/design.sh"
  chmod +x "$ORIG_PHASES/design.sh"
  start_orchestrator "$PROJ"
  wait_for 5 test -s .argo-project/orchestrator.pid
  # Instead of a fixed window: wait until the orchestrator has looked at this state. Its
  # look records the hand-off to ci in notify.json, and the notice is marked delivered
  # only after that look's decision (and a wrong dispatch's "Running handler" line) is done.
  wait_for 10 jq -e '.delivered | any(startswith("control:design:ci:design:"))' .argo-project/notify.json
  alive "$ORCH"
  run ! grep -q 'Running handler design' .argo-project/logs/orchestrator.log
  [ ! -f "$TEST_TMP_DIR/argo_phase_should_not_be_called" ]
  # the same orchestrator runs it once the owner is code: the handler was selectable
  update_state action_owner code
  wait_for 10 test -f "$TEST_TMP_DIR/argo_phase_should_not_be_called"
}

@test "test_orchestrator_exits_on_storage" {
  setup_project
  update_state phase storage; update_state action_owner code
  start_orchestrator "$PROJ"
  wait_gone "$ORCH" 10
  rc=0; wait "$ORCH" || rc=$?
  [ "$rc" = 0 ]   # a normal end, not a refusal or a crash
  [ ! -f .argo-project/orchestrator.pid ]
  [ -z "$(cat "$OUT")" ]
}

@test "test_orchestrator_handles_sigterm" {
  setup_project
  update_state phase init; update_state action_owner ci
  start_orchestrator "$PROJ"
  wait_for 5 test -s .argo-project/orchestrator.pid
  # and its signal handlers are in place (the original slept 1 s): a SIGTERM in the moment
  # between writing the pid file and installing them ends it with the file left behind
  wait_for 5 grep -qs '\[orchestrator\] Started (PID' .argo-project/logs/orchestrator.log
  alive "$ORCH"
  kill -TERM "$ORCH"
  wait_gone "$ORCH" 2
  [ ! -f .argo-project/orchestrator.pid ]
}

@test "test_orchestrator_pid_file" {
  setup_project
  update_state phase init; update_state action_owner ci
  start_orchestrator "$PROJ"
  wait_for 2 test -s .argo-project/orchestrator.pid
  [ "$(cat .argo-project/orchestrator.pid)" = "$ORCH" ]
}

@test "test_orchestrator_polling" {
  setup_project
  update_state phase test_poll; update_state action_owner ci; update_state action_needed test_poll
  cat > "$ORIG_PHASES/test_poll.sh" <<'SH'
#!/bin/bash
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/../lib/state_file.sh"
update_state phase storage
SH
  chmod +x "$ORIG_PHASES/test_poll.sh"
  start_orchestrator "$PROJ"
  wait_for 5 test -s .argo-project/orchestrator.pid
  update_state action_owner code
  wait_for 8 bash -c '[ "$(jq -r .phase .argo-project/state.json)" = storage ]'
  wait_gone "$ORCH" 2
}

@test "test_orchestrator_validates_project" {
  gone=$(mktemp -d "$TEST_TMP_DIR/gone.XXXX"); cd "$gone"; rmdir "$gone"
  mkdir -p "$TEST_TMP_DIR/invalid_project"
  start_orchestrator "$TEST_TMP_DIR/invalid_project"
  wait_gone "$ORCH" 10
  rc=0; wait "$ORCH" || rc=$?
  [ "$rc" = 1 ]
  # it is the project check that refused it, naming the path (bash adds getcwd noise for the deleted cwd)
  [ "$(grep '^ERROR' "$OUT")" = "ERROR: .argo-project not found in $TEST_TMP_DIR/invalid_project" ]
  [ ! -e "$TEST_TMP_DIR/invalid_project/.argo-project" ]
}

teardown_file() { load compat_helpers; stop_shim_helper; }
