#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
setup() { load compat_helpers; compat_setup; }
teardown() { compat_teardown; }

@test "test_start_requires_query" {
  run "$ROOT/start_workflow.sh"
  assert_failure
  assert_line --index 0 --partial "ERROR:"
}

@test "test_start_requires_project" {
  run "$ROOT/start_workflow.sh" "test query" /nonexistent/path
  assert_failure
  assert_output "ERROR: Invalid project path: /nonexistent/path"
}

@test "test_start_saves_query" {
  setup_project
  "$ROOT/start_workflow.sh" "Build a calculator" >/dev/null 2>&1
  [ "$(jq -r .user_query .argo-project/state.json)" = "Build a calculator" ]
}

@test "test_start_sets_initial_phase" {
  setup_project
  "$ROOT/start_workflow.sh" test >/dev/null 2>&1
  [ "$(jq -r .phase .argo-project/state.json)" = init ]
  [ "$(jq -r .action_owner .argo-project/state.json)" = code ]
  [ "$(jq -r .action_needed .argo-project/state.json)" = design_program ]
}

@test "test_start_launches_orchestrator" {
  setup_project
  "$ROOT/start_workflow.sh" test >/dev/null 2>&1
  wait_for 5 test -s .argo-project/orchestrator.pid
  pid=$(orchestrator_pid)
  [[ $pid =~ ^[0-9]+$ ]]
  alive "$pid"
  # it is the orchestrator (pattern kills of the original suite must reach it)
  grep -q "orchestrator.sh" "/proc/$pid/cmdline"
}

@test "test_start_returns_pid" {
  setup_project
  output=$(timeout 10 "$ROOT/start_workflow.sh" test 2>&1)
  [[ $output =~ Orchestrator\ PID:\ ([0-9]+) ]]
  [ "${BASH_REMATCH[1]}" = "$(orchestrator_pid)" ]
}

@test "test_start_idempotent" {
  setup_project
  "$ROOT/start_workflow.sh" test >/dev/null 2>&1
  wait_for 5 test -s .argo-project/orchestrator.pid
  pid1=$(orchestrator_pid)
  STARTED+=("$pid1")
  alive "$pid1"
  output=$("$ROOT/start_workflow.sh" test2 2>&1)
  wait_for 5 test -s .argo-project/orchestrator.pid
  pid2=$(orchestrator_pid)
  [ "$pid1" != "$pid2" ]
  # D20: the old one was stopped and waited for before start_workflow returned
  run ! alive "$pid1"
  alive "$pid2"
  [ "$(jq -r .user_query .argo-project/state.json)" = test2 ]
}

@test "test_start_with_project_path" {
  gone=$(mktemp -d "$TEST_TMP_DIR/gone.XXXX"); cd "$gone"; rmdir "$gone"   # cwd: a deleted folder
  mkdir -p "$TEST_TMP_DIR/custom_project"
  PROJ="$TEST_TMP_DIR/custom_project"
  "$ROOT/templates/project_setup.sh" custom_project "$PROJ" >/dev/null 2>&1
  "$ROOT/start_workflow.sh" test "$PROJ" >/dev/null 2>&1
  [ -f "$PROJ/.argo-project/state.json" ]
  [ "$(jq -r .user_query "$PROJ/.argo-project/state.json")" = test ]
}

@test "test_start_logs_event" {
  setup_project
  "$ROOT/start_workflow.sh" test >/dev/null 2>&1
  wait_for 5 grep -Eq '\[STATE\] Phase transition: idle -> init$' .argo-project/logs/workflow.log
}

teardown_file() { load compat_helpers; stop_shim_helper; }
