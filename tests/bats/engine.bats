#!/usr/bin/env bats
bats_require_minimum_version 1.5.0
# The orchestrator beyond the original suite: refusals, retries with back-off,
# relative paths, and the status / stop / approve commands.

setup() {
  load helpers
  new_project
  export ARGO_PROJECTS_REGISTRY="$PROJ/projects.json"
  source "$ROOT/lib/state_file.sh"
  HANDLER_NAME="engine_test_$$_$BATS_TEST_NUMBER"
  ORCH=
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null || true
  rm -f "$ROOT/phases/$HANDLER_NAME.sh" "$ROOT/phases/${HANDLER_NAME}_after.sh"
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

handler() { # BODY
  printf '#!/bin/bash\n%s\n' "$1" > "$ROOT/phases/$HANDLER_NAME.sh"
  chmod +x "$ROOT/phases/$HANDLER_NAME.sh"
}

start_orchestrator() {
  "$ROOT/orchestrator.sh" "${1:-$PROJ}" >/dev/null 2>&1 &
  ORCH=$!
}

wait_state() { # JQ_CONDITION SECONDS
  local end=$((SECONDS + $2 * WAIT_SCALE))
  until jq -e "$1" .argo-project/state.json >/dev/null 2>&1; do
    ((SECONDS < end)) || { jq -c . .argo-project/state.json >&2; return 1; }
    sleep 0.05
  done
}

@test "a handler name that could leave phases/ is refused and control goes to user (D4)" {
  mkdir -p "$PROJ/x"
  printf '#!/bin/bash\ntouch %s/escaped\n' "$PROJ" > "$PROJ/x/y.sh"; chmod +x "$PROJ/x/y.sh"
  update_state action_needed "../../../../../../..$PROJ/x/y"
  update_state action_owner code
  start_orchestrator
  wait_state '.action_owner == "user"' 5
  [ ! -f "$PROJ/escaped" ]
  jq -r .error_recovery.last_error .argo-project/state.json | grep -q "Refused action name"
  grep -q '\[ERROR\] Refused action name' .argo-project/logs/workflow.log
}

@test "a failing handler is retried with back-off, counted, then handed to user with the error" {
  handler "echo run >> '$PROJ/runs'; exit 4"
  jq '.limits.max_builder_retries = 2' .argo-project/state.json > t && mv t .argo-project/state.json
  update_state action_needed "$HANDLER_NAME"
  update_state action_owner code
  start_orchestrator
  wait_state '.action_owner == "user"' 15
  [ "$(wc -l < runs)" -eq 3 ]   # the first run and 2 retries, no more
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = "Handler $HANDLER_NAME failed with exit status 4" ]
  [ "$(jq -r .error_recovery.retry_count .argo-project/state.json)" = 2 ]
  # And nothing runs while the user owns it: the user hands control back for another
  # handler, and once the orchestrator has run that one (a later event, processed in
  # order), the failed handler must not have run in between.
  printf '#!/bin/bash\necho after >> %q\nupdate_state action_owner ci\n' "$PROJ/runs" > "$ROOT/phases/${HANDLER_NAME}_after.sh"
  chmod +x "$ROOT/phases/${HANDLER_NAME}_after.sh"
  update_state action_needed "${HANDLER_NAME}_after"
  update_state action_owner code
  wait_state '.action_owner == "ci"' 10
  [ "$(cat runs)" = $'run\nrun\nrun\nafter' ]
}

@test "a handler that succeeds clears the error bookkeeping, and gets the absolute path and library functions (D5, D24)" {
  handler 'echo "$1" > "$1/arg"; update_state from_handler yes; update_state action_owner ci'
  update_state error_recovery.last_error "old"
  update_state action_needed "$HANDLER_NAME"
  update_state action_owner code
  cd "$PROJ/.."
  start_orchestrator "$(basename "$PROJ")"
  cd "$PROJ"
  wait_state '.action_owner == "ci"' 5
  [ "$(cat arg)" = "$PROJ" ]
  [ "$(read_state from_handler)" = yes ]
  wait_state '.error_recovery.last_error == null' 5
}

@test "one orchestrator per project: a second one warns and exits 1" {
  update_state action_owner ci
  start_orchestrator
  wait_for 5 test -s .argo-project/orchestrator.pid
  run "$ROOT/orchestrator.sh" "$PROJ"
  assert_failure 1
  assert_output "WARNING: Orchestrator already running (PID $ORCH)"
  kill -0 "$ORCH"
}

@test "the orchestrator exits when its project folder disappears (D21)" {
  update_state action_owner ci
  start_orchestrator
  wait_for 5 test -s .argo-project/orchestrator.pid
  # rm -rf fails ("Directory not empty") when the starting orchestrator writes a file
  # into the folder meanwhile: delete until it is gone, as a user would
  wait_for 5 rm -rf "$PROJ/.argo-project"
  wait_gone "$ORCH" 10
}

@test "status.sh prints the original layout; a missing state file is one error and exit 1 (D24)" {
  update_state user_query "Build it"
  run "$ROOT/status.sh" "$PROJ"
  assert_success
  assert_line --index 0 "=========================================="
  assert_line --index 1 "Argo Workflow Status"
  assert_line "Project: demo"
  assert_line "Path: $PROJ"
  assert_line "Current Phase: init"
  assert_line "User Query: Build it"
  assert_line "Orchestrator: Not running"
  echo 99999999 > .argo-project/orchestrator.pid
  run "$ROOT/status.sh" "$PROJ"
  assert_line "Orchestrator: Not running (stale PID file)"
  rm .argo-project/state.json
  run "$ROOT/status.sh" "$PROJ"
  assert_failure 1
  assert_output "ERROR: state file not found: $PROJ/.argo-project/state.json"
}

@test "stop_workflow.sh ends the orchestrator by its pid" {
  update_state action_owner ci
  start_orchestrator
  wait_for 5 test -s .argo-project/orchestrator.pid
  run "$ROOT/stop_workflow.sh" "$PROJ"
  assert_success
  assert_line "Stopping orchestrator (PID $ORCH)..."
  run ! alive "$ORCH"   # gone (or a zombie we have not reaped) when stop returns
  [ ! -f .argo-project/orchestrator.pid ]
}

@test "argo approve sets approval, optional components, and hands to design_build; bad input changes nothing" {
  run "$ROOT/compat/argo" approve "$PROJ"
  assert_failure
  assert_output --partial "ERROR: no design to approve"
  jq '.design = {"summary": "s", "components": [], "created": "t", "approved": false} | .action_owner = "ci" | .phase = "design" | .action_needed = "approve_design"' .argo-project/state.json > t && mv t .argo-project/state.json
  echo '[{"id": "../evil", "description": "x"}]' > bad.json
  before=$(cat .argo-project/state.json)
  run "$ROOT/compat/argo" approve --components bad.json "$PROJ"
  assert_failure
  assert_output --partial "invalid component id '../evil'"
  [ "$(cat .argo-project/state.json)" = "$before" ]
  echo '[{"id": "api", "description": "the API"}]' > good.json
  run "$ROOT/compat/argo" approve --components good.json "$PROJ"
  assert_success
  [ "$(jq -c '[.design.approved, .design.components[0].id, .action_owner, .action_needed]' .argo-project/state.json)" = '[true,"api","code","design_build"]' ]
}
