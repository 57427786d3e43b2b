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
  # what a test started itself, by PID: a hung hook's group, a webhook receiver
  [[ -n ${HOOK_PID:-} ]] && kill -KILL -- "-$HOOK_PID" 2>/dev/null || true
  [[ -n ${RECEIVER_PID:-} ]] && kill "$RECEIVER_PID" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

wait_for() { # SECONDS COMMAND…
  local end=$((SECONDS + $1 * WAIT_SCALE)); shift
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

@test "argo retry under a running orchestrator: no false 'user must act: execution'; the real hand-off back to the user is announced once" {
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  jq --arg out "$WORK/events" '.notify = {"command": ("echo \"$ARGO_EVENT $ARGO_ACTION_OWNER $ARGO_ACTION_NEEDED $ARGO_PHASE\" >> " + $out)}' \
    .argo-project/config.json > t && mv t .argo-project/config.json
  STANDIN_CI_FAIL=cli "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_for 30 has_event "control ci approve_design design"
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_for 60 has_event "control user review_merge merge_build"
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --partial "Running (PID"   # the orchestrator waits for the user

  # cli fails again (the orchestrator still has STANDIN_CI_FAIL=cli): back to the user, for real
  run -0 "$ROOT/compat/argo" retry "$PROJ" cli
  wait_for 60 eval '[ "$(count_event "control user review_merge merge_build")" -eq 2 ]'
  wait_for 10 eval '[ "$(jq ".pending | length" "$PROJ/.argo-project/notify.json")" -eq 0 ]'
  run ! grep -E "^control user .* execution$|^control user execution" "$WORK/events"
  [ "$(count_event "builder_failed code .*")" -eq 2 ]
  [ "$(grep -c . "$WORK/events")" -eq 5 ]
}

# orchestrator_pid: the pid in $PROJ's pid file, when /proc shows our orchestrator of $PROJ
orchestrator_pid() {
  local pid cmd
  pid=$(cat "$PROJ/.argo-project/orchestrator.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 1
  [[ $cmd == *orchestrator* && $cmd == *" $PROJ"* ]] && echo "$pid"
}
gone() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 0; s=${s##*) }; [[ $s == [ZX]* ]]; }
line_count() { [ "$(grep -c "$1" "$WORK/events" 2>/dev/null)" -ge "$2" ]; }

@test "kill -9 during notify.command: after argo resume the event comes again with the same ARGO_EVENT_ID" {
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  # the first delivery hangs (its pid recorded), later ones return at once
  jq --arg w "$WORK" '.notify = {"command": ("echo \"$ARGO_EVENT_ID $ARGO_EVENT $ARGO_ACTION_NEEDED\" >> " + $w + "/events; if mkdir " + $w + "/once 2>/dev/null; then echo $$ > " + $w + "/hook.pid; sleep 300; fi")}' \
    .argo-project/config.json > t && mv t .argo-project/config.json
  "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_for 30 line_count " control approve_design$" 1
  wait_for 5 test -s "$WORK/hook.pid"
  HOOK_PID=$(cat "$WORK/hook.pid")
  orch=$(orchestrator_pid)
  kill -KILL "$orch"
  wait_for 5 gone "$orch"
  # A node orchestrator killed leaves the hook running; the supervisor, which outlives the
  # anchor, gives the delivery up (it stays pending) and ends the hook itself.
  kill -KILL -- "-$HOOK_PID" 2>/dev/null || true

  run -0 "$ROOT/compat/argo" resume "$PROJ"
  wait_for 30 line_count " control approve_design$" 2
  id1=$(sed -n 1p "$WORK/events" | cut -d' ' -f1)
  id2=$(sed -n 2p "$WORK/events" | cut -d' ' -f1)
  [[ $id1 =~ ^control-[0-9a-f]{24}$ ]]
  [ "$id2" = "$id1" ]
  [ "$(grep -c . "$WORK/events")" -eq 2 ]
}

@test "a webhook that never answers: after a stop the orchestrator is gone within the 2 s notification grace" {
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  # a receiver on loopback that reads requests and never answers
  node -e '
    const fs = require("fs");
    const s = require("http").createServer((req) => { req.resume(); fs.appendFileSync(process.argv[1] + "/requests", "1\n"); });
    s.listen(0, "127.0.0.1", () => fs.writeFileSync(process.argv[1] + "/port", String(s.address().port)));
  ' "$WORK" &
  RECEIVER_PID=$!
  wait_for 10 test -s "$WORK/port"
  jq --arg url "http://127.0.0.1:$(cat "$WORK/port")/hook" '.notify = {"webhook": $url}' .argo-project/config.json > t && mv t .argo-project/config.json
  "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_for 30 test -s "$WORK/requests"   # the hand-off to ci is being delivered, and hangs
  orch=$(orchestrator_pid)
  local t0=$(date +%s%N)
  kill -TERM "$orch"
  wait_for 4 gone "$orch"
  echo "gone after $((($(date +%s%N) - t0) / 1000000)) ms" >&3
  grep -q "\[orchestrator\] Stopped (PID $orch)" .argo-project/logs/orchestrator.log
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --partial "Not running"
  # not delivered: still pending, for the next orchestrator
  [ "$(jq '.pending | length' .argo-project/notify.json)" -eq 1 ]
}
