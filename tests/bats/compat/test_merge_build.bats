#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
setup() { load compat_helpers; compat_setup; source "$ROOT/lib/state_file.sh"; }
teardown() { compat_teardown; }

completed_backend() {
  set_state '.execution = {"builders": [{"id": "backend", "status": "completed", "branch": "argo-builder-backend"}], "status": "completed"} | .phase = "merge_build"'
}
clean_branch() {
  git_repo
  git checkout -q -b argo-builder-backend
  echo backend > backend.txt; git add backend.txt; git commit -q -m "Add backend"
  git checkout -q main 2>/dev/null || true   # as the original: fails silently on a master-default git
  "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  completed_backend
}

@test "test_merge_build_requires_path" {
  run "$ROOT/phases/merge_build.sh"
  assert_failure 1
  assert_line --index 0 "ERROR: Project path required"
  assert_line --index 1 "Usage: merge_build.sh <project_path>"
}

@test "test_merge_build_reads_builders" {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  completed_backend
  run "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_success
  # the branch does not exist: reported, not "all merged" (D13)
  [ "$(jq -r '.merge.missing[0]' .argo-project/state.json)" = backend ]
  [ "$(read_state phase)" = merge_build ]
  [ "$(read_state action_owner)" = user ]
}

@test "test_merge_build_merges_branches" {
  clean_branch
  "$ROOT/phases/merge_build.sh" "$PROJ" >/dev/null 2>&1
  git checkout -q main 2>/dev/null || git checkout -q master
  [ -f backend.txt ]
  git log -1 --format=%s | grep -qx "Merge builder: backend"
  run ! git rev-parse --verify -q argo-builder-backend
}

@test "test_merge_build_handles_conflicts" {
  git_repo
  git checkout -q -b argo-builder-backend
  echo theirs > conflict.txt; git add conflict.txt; git commit -q -m theirs
  git checkout -q - ; echo ours > conflict.txt; git add conflict.txt; git commit -q -m ours
  "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  completed_backend
  run "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_success
  assert_output --partial "Merge conflicts detected in builders: backend"
  [ "$(jq -c .merge_conflicts .argo-project/state.json)" = '["backend"]' ]
  [ "$(read_state action_needed)" = resolve_conflicts ]
  [ "$(read_state action_owner)" = ci ]
  [ -z "$(git status --porcelain --untracked-files=no)" ]   # the merge was aborted
}

@test "test_merge_build_transitions_phase" {
  clean_branch
  "$ROOT/phases/merge_build.sh" "$PROJ" >/dev/null 2>&1
  [ "$(read_state phase)" = storage ]
}

@test "test_merge_build_handoff_to_user" {
  clean_branch
  update_state action_owner code
  "$ROOT/phases/merge_build.sh" "$PROJ" >/dev/null 2>&1
  [ "$(read_state action_owner)" = user ]
  [ "$(read_state action_needed)" = none ]
}

@test "test_merge_build_handles_no_builders" {
  git_repo; "$ROOT/templates/project_setup.sh" test_project "$PROJ" >/dev/null
  set_state '.execution = {"builders": [], "status": "pending"} | .phase = "merge_build"'
  run timeout 10 "$ROOT/phases/merge_build.sh" "$PROJ"
  assert_success
  [ "$(read_state phase)" = storage ]
}

teardown_file() { load compat_helpers; stop_shim_helper; }
