#!/usr/bin/env bats
setup() { load compat_helpers; compat_setup; source "$ROOT/lib/state_file.sh"; }
teardown() { compat_teardown; }

design() { set_state '.design = {"components": [{"id": "backend", "description": "API server"}'"${1:-}"']} | .phase = "design"'; }

@test "test_design_build_requires_path" {
  run "$ROOT/phases/design_build.sh"
  assert_failure 1
  assert_line --index 0 "ERROR: Project path required"
  assert_line --index 1 "Usage: design_build.sh <project_path>"
}

@test "test_design_build_reads_design" {
  setup_project
  design ', {"id": "frontend", "description": "UI"}'
  run "$ROOT/phases/design_build.sh" "$PROJ"
  # vacuous in the original (V); issue 6: a folder that is not a git repository is refused
  assert_failure
  assert_line --partial "ERROR: $PROJ is not a git repository"
  [ "$(jq -r '.execution' .argo-project/state.json)" = null ]
}

@test "test_design_build_creates_builders" {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  design
  "$ROOT/phases/design_build.sh" "$PROJ" >/dev/null 2>&1
  [ -d .argo-project/builders/backend ]
  git rev-parse --verify -q argo-builder-backend >/dev/null
  [ "$(jq -r '.execution.builders[0].worktree' .argo-project/state.json)" = "$PROJ/.argo-project/builders/backend" ]
  [ "$(jq -r '.execution.builders[0].branch' .argo-project/state.json)" = argo-builder-backend ]
}

@test "test_design_build_transitions_phase" {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  design
  "$ROOT/phases/design_build.sh" "$PROJ" >/dev/null 2>&1
  [ "$(read_state phase)" = execution ]
  [ "$(read_state action_needed)" = spawn_builders ]
}

@test "test_design_build_keeps_code_owner" {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  design; update_state action_owner code
  run "$ROOT/phases/design_build.sh" "$PROJ"
  assert_success
  [ "$(read_state action_owner)" = code ]
  [ "$(read_state phase)" = execution ]
}

@test "test_design_build_handles_missing_design" {
  setup_project
  update_state phase design
  run "$ROOT/phases/design_build.sh" "$PROJ"
  assert_failure
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = "Missing design" ]
}

teardown_file() { load compat_helpers; stop_shim_helper; }
