#!/usr/bin/env bats
# Notifications from a real orchestrator: a command hook is told when control passes to
# ci or user, when a builder fails and when the workflow ends - each once, also across
# a stop and `argo resume`.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project -b main
}

teardown() {
  end_project_orchestrator
}

teardown_file() {
  load helpers
  stop_shim_helper
}

wait_for() { # SECONDS COMMAND…
  local end=$((SECONDS + $1)); shift
  until "$@"; do ((SECONDS < end)) || { echo "timed out: $*; events: $(cat "$WORK/events" 2>/dev/null)" >&2; return 1; }; sleep 0.05; done
}
has_event() { grep -qx "$1" "$WORK/events" 2>/dev/null; }
count_event() { grep -cx "$1" "$WORK/events"; }
state_is() { [ "$(jq -r "$1" "$PROJ/.argo-project/state.json")" = "$2" ]; }

@test "control to ci, a failed builder, control to user, the end: each announced once, also across a restart" {
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  jq --arg out "$WORK/events" '.notify = {"command": ("echo \"$ARGO_EVENT $ARGO_ACTION_OWNER $ARGO_ACTION_NEEDED\" >> " + $out)}' \
    .argo-project/config.json > t && mv t .argo-project/config.json
  STANDIN_CI_FAIL=cli "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_for 30 has_event "control ci approve_design"

  # A stop and a resume: what was announced is not announced again.
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  STANDIN_CI_FAIL=cli "$ROOT/compat/argo" resume "$PROJ" >/dev/null
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_for 60 has_event "builder_failed code .*"
  wait_for 30 has_event "control user review_merge"
  [ "$(count_event "control ci approve_design")" -eq 1 ]

  # Retry the failed builder under an orchestrator whose stand-in now succeeds: the workflow ends.
  # (--env-from-here: the workflow recorded STANDIN_CI_FAIL=cli when it started; this
  # environment, without it, is what its agents run with from now on.)
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  "$ROOT/compat/argo" retry --env-from-here "$PROJ" cli >/dev/null   # starts an orchestrator (none runs)
  wait_for 60 has_event "workflow_ended user none"
  [ "$(count_event "builder_failed code .*")" -eq 1 ]
  [ "$(count_event "control user review_merge")" -eq 1 ]
  [ "$(grep -c . "$WORK/events")" -eq 4 ]
}
