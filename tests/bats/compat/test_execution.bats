#!/usr/bin/env bats
setup() { load compat_helpers; compat_setup; source "$ROOT/lib/state_file.sh"; export CI_COMMAND=$TEST_TMP_DIR/mock_ci.sh; }
teardown() { compat_teardown; }

# the original's /tmp/mock_ci.sh, in this test's own folder
mock_ci() { printf '#!/bin/bash\n%s\n' "$1" > "$TEST_TMP_DIR/mock_ci.sh"; chmod +x "$TEST_TMP_DIR/mock_ci.sh"; }
builders() { set_state ".execution = {\"builders\": [$1], \"status\": \"pending\"} | .phase = \"execution\""; }

# A real worktree so the CI really runs (the original's builders had none: its CI never ran).
with_worktree() {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  git worktree add -q .argo-project/builders/backend -b argo-builder-backend
  builders "{\"id\": \"backend\", \"status\": \"pending\", \"branch\": \"argo-builder-backend\", \"pid\": null, \"worktree\": \"$PROJ/.argo-project/builders/backend\"}"
}

start_handler() { "$@" >/dev/null 2>&1 & HANDLER=$!; STARTED+=("$HANDLER"); }

@test "test_execution_requires_path" {
  run "$ROOT/phases/execution.sh"
  assert_failure 1
  assert_line --index 0 "ERROR: Project path required"
  assert_line --index 1 "Usage: execution.sh <project_path>"
}

@test "test_execution_reads_builders" {
  setup_project
  builders '{"id": "backend", "status": "pending", "branch": "argo-builder-backend"}'
  mock_ci 'sleep 0.1; exit 0'
  start_handler "$ROOT/phases/execution.sh" "$PROJ"
  wait_for 10 bash -c '[ "$(jq -r ".execution.builders[0].status" .argo-project/state.json)" = failed ]'
  kill -TERM "$HANDLER" 2>/dev/null || true
  wait "$HANDLER" || true
  # no worktree: the builder cannot run and is failed, never "completed" (D11)
  [ "$(jq -r '.execution.builders[0].status' .argo-project/state.json)" = failed ]
}

@test "test_execution_spawns_builders" {
  with_worktree
  mock_ci "touch '$TEST_TMP_DIR/builder_was_spawned'; sleep 0.2"
  start_handler "$ROOT/phases/execution.sh" "$PROJ"
  wait_for 5 test -f "$TEST_TMP_DIR/builder_was_spawned"
  kill -TERM "$HANDLER" 2>/dev/null || true
  wait "$HANDLER" || true
}

@test "test_execution_updates_status" {
  with_worktree
  mock_ci 'sleep 0.1; exit 0'
  start_handler "$ROOT/phases/execution.sh" "$PROJ"
  wait_for 5 bash -c '[ "$(jq -r ".execution.builders[0].status" .argo-project/state.json)" = completed ]'
  [ "$(jq -r '.execution.builders[0].pid | type' .argo-project/state.json)" = string ]
  [ "$(jq -r '.execution.builders[0].progress' .argo-project/state.json)" = 100 ]
  [ "$(cat .argo-project/builders/backend/.build_result)" = 0 ]
  wait "$HANDLER"
}

@test "test_execution_waits_for_completion" {
  setup_project
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  git worktree add -q .argo-project/builders/fast -b argo-builder-fast
  builders "{\"id\": \"fast\", \"status\": \"pending\", \"branch\": \"argo-builder-fast\", \"worktree\": \"$PROJ/.argo-project/builders/fast\"}"
  mock_ci 'sleep 0.2; echo finished > "$PWD/ci_done"'
  start_handler timeout 20 "$ROOT/phases/execution.sh" "$PROJ"
  wait "$HANDLER"
  # the handler returned only after the builder had finished
  [ "$(cat .argo-project/builders/fast/ci_done)" = finished ]
  [ "$(jq -r '.execution.builders[0].status' .argo-project/state.json)" = completed ]
  [ "$(cat .argo-project/builders/fast/.build_result)" = 0 ]
  # and it handed on only after that: completion logged before the phase transition
  run grep -e '\[BUILDER\] \[fast\] completed' -e 'Phase transition: execution -> merge_build' .argo-project/logs/workflow.log
  assert_line --index 0 --partial '[BUILDER] [fast] completed'
  assert_line --index 1 --partial 'Phase transition: execution -> merge_build'
  [ "$(jq -r .phase .argo-project/state.json)" = merge_build ]
  [ "$(jq -r .action_needed .argo-project/state.json)" = merge_branches ]
  [ "$(jq -r .execution.status .argo-project/state.json)" = completed ]
}

@test "test_execution_handles_no_builders" {
  setup_project
  builders ''
  run timeout 10 "$ROOT/phases/execution.sh" "$PROJ"
  assert_success
  [ "$(read_state phase)" = merge_build ]
  [ "$(read_state action_needed)" = merge_branches ]   # D9: a complete hand-off
}

teardown_file() { load compat_helpers; stop_shim_helper; }
