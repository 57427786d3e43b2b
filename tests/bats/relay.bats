#!/usr/bin/env bats
# Issue 17, item 4: a person's relay actions hold the project's start lock where they
# may start an orchestrator. `argo retry` hands off and starts the orchestrator under
# the start lock, through the one launcher (steer/launch.ts): while a start or stop of
# the project holds the lock, retry waits and changes nothing; and a retry racing a
# start never leaves two orchestrators. Processes are ended by PID in teardown.

bats_require_minimum_version 1.5.0

setup() {
  load helpers
  TMP=$(mktemp -d)
  PROJ=$TMP/proj
  export ARGO_PROJECTS_REGISTRY=$TMP/projects.json ARGO_SHIM_SERVER=0 CI_COMMAND=$TMP/no-such-ci
  SENTINELS=()
  mkdir -p "$PROJ" && cd "$PROJ"
  "$ROOT/templates/project_setup.sh" proj "$PROJ" >/dev/null
  # a failed builder and control with the user; the project is no repository, so the
  # execution a retry hands to fails at once and hands back to the user
  set_state '.phase = "merge_build" | .action_owner = "user" | .action_needed = "review" | .execution = {"builders": [{"id": "a", "status": "failed", "exit_code": 1}]}'
}

teardown() {
  [[ -d $PROJ/.argo-project ]] && "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null 2>&1
  local pid
  for pid in "${SENTINELS[@]}"; do kill "$pid" 2>/dev/null; done
  cd /
  rm -rf "$TMP"
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

set_state() { jq "$1" "$PROJ/.argo-project/state.json" > "$PROJ/.argo-project/state.json.tmp" && mv "$PROJ/.argo-project/state.json.tmp" "$PROJ/.argo-project/state.json"; }

@test "argo retry waits for the project's start lock: nothing changes while it is held, then it hands off and starts the orchestrator" {
  flock -x .argo-project/start.lock -c "touch '$TMP/held'; while [ ! -e '$TMP/release' ]; do sleep 0.05; done" &
  SENTINELS+=("$!")
  wait_for 10 test -e "$TMP/held"
  "$ROOT/compat/argo" retry "$PROJ" > "$TMP/retry.out" 2>&1 &
  retry=$!
  wait_for 10 grep -q "Waiting for a start or stop of this project to finish ($PROJ/.argo-project/start.lock)" "$TMP/retry.out"
  [ "$(state .action_owner)/$(state .action_needed)" = user/review ]
  [ ! -e .argo-project/orchestrator.pid ]
  touch "$TMP/release"
  wait "$retry"
  grep -q '^Retrying 1 builder(s): a; execution comes next$' "$TMP/retry.out"
  grep -Eq '^Orchestrator started \(PID [0-9]+\)$' "$TMP/retry.out"
  pid=$(sed -nE 's/^Orchestrator started \(PID ([0-9]+)\)$/\1/p' "$TMP/retry.out")
  [ "$(cat .argo-project/orchestrator.pid)" = "$pid" ]
}
