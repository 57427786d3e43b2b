#!/usr/bin/env bats
setup() {
  load compat_helpers; compat_setup
  source "$ROOT/lib/state_file.sh"; source "$ROOT/lib/logging_enhanced.sh"
  export PATH="$TEST_TMP_DIR:$PATH" CI_COMMAND=$TEST_TMP_DIR/mock_ci.sh
}
teardown() { compat_teardown; }

mock_ci() { # mock_ci BODY: the original's /tmp/mock_ci.sh, in this test's own folder
  printf '#!/bin/bash\n%s\n' "$1" > "$TEST_TMP_DIR/mock_ci.sh"
  chmod +x "$TEST_TMP_DIR/mock_ci.sh"
}
ready() { setup_project; update_state user_query "Build a calculator"; update_state phase init; update_state action_owner code; }

@test "test_design_program_requires_path" {
  run "$ROOT/phases/design_program.sh"
  assert_failure 1
  assert_line --index 0 "ERROR: Project path required"
  assert_line --index 1 "Usage: design_program.sh <project_path>"
}

@test "test_design_program_reads_query" {
  ready
  mock_ci "echo \"CI called with: \$*\" > '$TEST_TMP_DIR/ci_was_called'; echo '{\"design\": \"ok\"}'"
  run "$ROOT/phases/design_program.sh" "$PROJ"
  assert_success
  [ -f "$TEST_TMP_DIR/ci_was_called" ]
  grep -q calculator "$TEST_TMP_DIR/ci_was_called"
}

@test "test_design_program_transitions_phase" {
  ready
  mock_ci 'echo "Design: a calculator"'
  "$ROOT/phases/design_program.sh" "$PROJ" >/dev/null 2>&1
  [ "$(read_state phase)" = design ]
}

@test "test_design_program_handoff_to_ci" {
  ready
  mock_ci 'echo "Design: a calculator"'
  "$ROOT/phases/design_program.sh" "$PROJ" >/dev/null 2>&1
  [ "$(read_state action_owner)" = ci ]
  [ "$(read_state action_needed)" = approve_design ]
}

@test "test_design_program_saves_design" {
  setup_project; update_state user_query "Build a calculator"; update_state phase init
  mock_ci 'echo "Design: a calculator"'
  "$ROOT/phases/design_program.sh" "$PROJ" >/dev/null 2>&1
  [ "$(jq -r .design .argo-project/state.json)" != null ]
  [ "$(jq -r .design.summary .argo-project/state.json)" = "Design: a calculator" ]
  [ "$(jq -r .design.approved .argo-project/state.json)" = false ]
}

@test "test_design_program_handles_ci_failure" {
  ready
  mock_ci 'echo "ERROR: model unavailable"; exit 1'
  run "$ROOT/phases/design_program.sh" "$PROJ"
  assert_failure
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = "CI query failed" ]
  [ "$(read_state phase)" = init ]
}

@test "test_design_program_logs" {
  ready
  mock_ci 'echo "Design: a calculator"'
  "$ROOT/phases/design_program.sh" "$PROJ" >/dev/null 2>&1
  [ -f .argo-project/logs/workflow.log ]
  grep -Eq 'STATE.*design' .argo-project/logs/workflow.log
}

teardown_file() { load compat_helpers; stop_shim_helper; }
