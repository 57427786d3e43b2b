#!/usr/bin/env bats
# Whole workflows, from start_workflow.sh to storage, on real git repositories with
# the offline stand-in CI tool, approved with `argo approve` (no hand-edited JSON).

setup() {
  load helpers
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

run_workflow() { # ROOT_DIR
  "$1/templates/project_setup.sh" demo "$PROJ" >/dev/null
  "$1/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  [ "$(jq -r '.design.components | length' .argo-project/state.json)" = 3 ]
  "$1/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 60
}

@test "start_workflow.sh to storage: builders' commits merged, worktrees and branches gone" {
  run_workflow "$ROOT"
  [ "$(jq -r '.action_owner + "/" + .action_needed' .argo-project/state.json)" = user/none ]
  for f in core cli docs; do [ -f "$f.txt" ]; done
  [ "$(git log --merges --format=%s | sort | tr '\n' ,)" = "Merge builder: cli,Merge builder: core,Merge builder: docs," ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  [ "$(git worktree list | wc -l)" -eq 1 ]
  [ "$(jq -r '[.execution.builders[].status] | unique | join(",")' .argo-project/state.json)" = completed ]
  # the orchestrator exits at storage
  wait_gone "$ORCH" 10
}

@test "a legacy bash design_build.sh handler mixed with the TypeScript handlers reaches storage" {
  # An install whose phases/design_build.sh is an old-style bash script.
  INSTALL="$WORK/install"
  mkdir -p "$INSTALL/phases" "$INSTALL/templates"
  for f in dist lib compat node_modules start_workflow.sh orchestrator.sh status.sh stop_workflow.sh; do ln -s "$ROOT/$f" "$INSTALL/$f"; done
  for f in "$ROOT"/templates/*.sh; do ln -s "$f" "$INSTALL/templates/"; done
  for p in design_program execution merge_build; do ln -s "$ROOT/phases/$p.sh" "$INSTALL/phases/$p.sh"; done
  cp "$ROOT/tests/fixtures/legacy_design_build.sh" "$INSTALL/phases/design_build.sh"
  run_workflow "$INSTALL"
  grep -q '\[LEGACY\] legacy design_build made 3 builders' .argo-project/logs/workflow.log
  for f in core cli docs; do [ -f "$f.txt" ]; done
}

@test "a failing builder ends failed, is not merged, and the workflow stops for review" {
  export STANDIN_CI_FAIL=cli
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.execution.builders[] | select(.id == "cli") | "\(.status) \(.exit_code)"' .argo-project/state.json)" = "failed 3" ]
  [ "$(jq -c .merge.skipped .argo-project/state.json)" = '["cli"]' ]
  [ -f core.txt ]    # core merged
  [ ! -f cli.txt ]    # cli not
  [ "$(jq -r .phase .argo-project/state.json)" = merge_build ]
}
