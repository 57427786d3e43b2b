#!/usr/bin/env bats
# Seeing and steering a workflow from the CLI: status (original lines unchanged, then
# builders, errors, next step, totals), --json, --watch, list, logs, resume, and what
# the orchestrator keeps in orchestrator.log and last_error.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  new_project
  export ARGO_PROJECTS_REGISTRY="$PROJ/projects.json"
  source "$ROOT/lib/state_file.sh"
  BG=()
  HANDLER_NAME="observe_test_$$_$BATS_TEST_NUMBER"
}

teardown() {
  local pid
  for pid in "${BG[@]}"; do kill "$pid" 2>/dev/null; done
  end_project_orchestrator
  rm -f "$ROOT/phases/$HANDLER_NAME.sh"
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

state_is() { [ "$(jq -r "$1" "$PROJ/.argo-project/state.json")" = "$2" ]; }

wait_for() { # SECONDS COMMAND…
  local end=$((SECONDS + $1 * WAIT_SCALE)); shift
  until "$@"; do ((SECONDS < end)) || return 1; sleep 0.05; done
}

# A state with builders in every condition, usage and a merge result.
rich_state() {
  jq '.phase = "merge_build" | .action_owner = "user" | .action_needed = "review_merge" | .user_query = "Build it"
      | .execution = {"status": "completed", "builders": [
          {"id": "core", "status": "completed", "started": "2026-11-25T10:00:00Z", "completed": "2026-11-25T10:02:05Z", "exit_code": 0,
           "usage": {"input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 5, "cost_usd": 0.12, "session_id": "s1", "agent": "claude", "model": "sonnet"}},
          {"id": "cli", "status": "failed", "started": "2026-11-25T10:00:00Z", "completed": "2026-11-25T10:00:30Z", "exit_code": 124, "failure": "timeout"}]}
      | .merge = {"target": "main", "merged": ["core"], "conflicts": [], "skipped": ["cli"], "missing": [], "failed": []}
      | .error_recovery.last_error = "execution: CI tool timed out"' .argo-project/state.json > t && mv t .argo-project/state.json
  mkdir -p .argo-project/logs
  echo "[2026-11-25T10:00:30Z] failed - Builder exited with status 124" > .argo-project/logs/builder-cli.log
}

@test "status keeps the original lines in order, then builders, merge, error, next step and totals" {
  rich_state
  run --keep-empty-lines "$ROOT/status.sh" "$PROJ"
  assert_success
  expected=("==========================================" "Argo Workflow Status" "==========================================" ""
    "Project: demo" "Path: $PROJ" "" "Current Phase: merge_build" "Action Owner: user" "Action Needed: review_merge"
    "Last Update: $(jq -r .last_update .argo-project/state.json)" "" "User Query: Build it" "" "Orchestrator: Not running" ""
    "==========================================")
  for i in "${!expected[@]}"; do assert_line --index "$i" "${expected[$i]}"; done
  assert_line --regexp '^  core +completed +2m05s +0 +- +1000/200 +\$0\.1200 +merged'
  assert_line --regexp '^  cli +failed +30s +124 +timeout +- +- +skipped +failed - Builder exited with status 124$'
  assert_line "Merge into main: merged: core; skipped: cli"
  assert_line "Last error: execution: CI tool timed out"
  assert_line "Next: user - Some builders were not merged (failed: cli): retry them or merge again."
  assert_line "  $ROOT/compat/argo retry $PROJ cli"
  assert_line "  $ROOT/compat/argo resume $PROJ"
  assert_line "Totals: 2 builders (1 completed, 1 failed), tokens 1000 in / 200 out, cost \$0.1200"
  [[ $output != *$'\e['* ]]   # no colour on a pipe
}

@test "status: colour only on a terminal, never with NO_COLOR" {
  rich_state
  run script -qec "$ROOT/status.sh $PROJ" /dev/null
  [[ $output == *$'\e[31m'* ]]
  run script -qec "NO_COLOR=1 $ROOT/status.sh $PROJ" /dev/null
  [[ $output != *$'\e['* ]]
  [[ $output == *"Argo Workflow Status"* ]]
}

@test "status --json prints the documented view model" {
  rich_state
  run "$ROOT/compat/argo" status --json "$PROJ"
  assert_success
  echo "$output" | jq -e '
    .version == 1 and .project == {"name": "demo", "path": $p} and .phase == "merge_build"
    and .action_owner == "user" and .action_needed == "review_merge" and .ended == false
    and (.orchestrator | .running == false and .pid == null and .text == "Not running")
    and (.next | .who == "user" and (.commands | type == "array"))
    and (.builders | length == 2)
    and (.builders[0] | keys == ["agent","completed","description","elapsed_seconds","exit_code","failure","failure_message","id","last_log_line","max_waits","merge","merge_detail","model","resume_at","review","run_token","session_id","started","status","usage","usage_by_agent","waiting_for","waiting_reason","waits","wave"])
    and .quota == {}
    and .builders[0].usage == {"input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 5, "cost_usd": 0.12}
    and .builders[1].failure == "timeout" and .builders[1].elapsed_seconds == 30
    and .merge.target == "main" and .conflicts == []
    and .error.last_error == "execution: CI tool timed out"
    and (.totals | del(.by_agent, .by_merge)) == {"builders": 2, "by_status": {"completed": 1, "failed": 1}, "input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 5, "cost_usd": 0.12}
    and .totals.by_agent == {"claude": {"input_tokens": 1000, "output_tokens": 200, "cache_read_tokens": 5, "cost_usd": 0.12}}
    and (.log_tail | type == "array")' --arg p "$PROJ"
  run "$ROOT/compat/argo" status --bogus "$PROJ"
  assert_failure 2
  assert_output "ERROR: unknown option: --bogus (expected --json, --watch)"
}

@test "status --watch on a pipe prints one line per change" {
  "$ROOT/compat/argo" status --watch "$PROJ" > watch.out 2>&1 &
  BG+=($!)
  wait_for 10 grep -q "phase=init owner=ci" watch.out
  update_state phase design
  wait_for 10 grep -q "phase=design owner=ci" watch.out
  update_state action_needed approve_design
  wait_for 10 grep -q "needed=approve_design" watch.out
  [ "$(wc -l < watch.out)" -eq 3 ]   # no line without a change
}

@test "status --watch on a terminal redraws the whole status on every change" {
  script -qfec "$ROOT/compat/argo status --watch $PROJ" "$PROJ/tty.out" >/dev/null 2>&1 &
  BG+=($!)
  wait_for 10 grep -q "Current Phase: init" tty.out
  update_state phase design
  wait_for 10 grep -q "Current Phase: design" tty.out
  [ "$(grep -o $'\e\[2J' tty.out | wc -l)" -eq 2 ]   # cleared and redrawn once per change
  grep -q $'\e\[1mNext:' tty.out                      # colour on a terminal
}

@test "argo list shows every registered project with phase and owner" {
  run "$ROOT/compat/argo" list
  assert_output "No registered projects (templates/project_setup.sh registers one)"
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  update_state phase design
  run "$ROOT/compat/argo" list
  assert_success
  assert_line --index 0 --regexp '^ID +PHASE +OWNER +NEEDED +ORCHESTRATOR +PATH$'
  assert_line --index 1 --regexp "^demo-[0-9]+ +design +ci +gather_requirements +stopped +$PROJ\$"
  run "$ROOT/compat/argo" list --json
  echo "$output" | jq -e '.[0].phase == "design" and .[0].action_owner == "ci" and .[0].path == $p' --arg p "$PROJ"
}

@test "argo logs: the workflow log, a builder's, -f follows new lines; bad ids are refused" {
  source "$ROOT/lib/logging_enhanced.sh"
  write_log INFO "first line"
  log_builder api started "go"
  run "$ROOT/compat/argo" logs "$PROJ"
  assert_success
  assert_line --partial "[INFO] first line"
  run "$ROOT/compat/argo" logs api "$PROJ"
  assert_output --regexp '^\[[0-9TZ:-]+\] started - go$'
  run "$ROOT/compat/argo" logs nobody "$PROJ"
  assert_failure 1
  assert_output "ERROR: no log for builder 'nobody': $PROJ/.argo-project/logs/builder-nobody.log"
  run "$ROOT/compat/argo" logs ../x "$PROJ"
  assert_failure 1
  assert_output --partial "invalid builder id"
  "$ROOT/compat/argo" logs -f api "$PROJ" > follow.out &
  BG+=($!)
  wait_for 10 grep -q "started - go" follow.out
  log_builder api finished "done"
  wait_for 10 grep -q "finished - done" follow.out
}

@test "argo resume starts the orchestrator without resetting anything and refuses a second one" {
  handler_file="$ROOT/phases/$HANDLER_NAME.sh"
  printf '#!/bin/bash\nupdate_state handled yes\nupdate_state action_owner ci\n' > "$handler_file"; chmod +x "$handler_file"
  update_state user_query "keep me"
  update_state action_needed "$HANDLER_NAME"
  update_state action_owner code
  run "$ROOT/compat/argo" resume "$PROJ"
  assert_success
  assert_output --regexp "^Orchestrator resumed \(PID [0-9]+\) at phase init, action $HANDLER_NAME owned by code$"
  wait_for 10 state_is .handled yes
  [ "$(jq -r .user_query .argo-project/state.json)" = "keep me" ]
  run "$ROOT/compat/argo" resume "$PROJ"
  assert_failure 1
  assert_output --regexp "^ERROR: an orchestrator already runs for $PROJ \(PID [0-9]+\); nothing to resume$"
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  update_state phase storage
  run "$ROOT/compat/argo" resume "$PROJ"
  assert_failure 1
  assert_output --partial "is finished (phase storage)"
  run "$ROOT/compat/argo" resume "$PROJ/nope"
  assert_failure 1
  assert_output "ERROR: not an Argo project (no .argo-project/): $PROJ/nope"
}

@test "handler output reaches orchestrator.log and the specific cause stays in last_error" {
  # merge_build outside a git repository: "ERROR: Not a git repository", no retries allowed.
  jq '.limits.max_builder_retries = 0 | .execution = {"builders": []} | .phase = "merge_build" | .action_needed = "merge_branches" | .action_owner = "code"' \
    .argo-project/state.json > t && mv t .argo-project/state.json
  "$ROOT/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  BG+=($!)
  wait_for 15 state_is .action_owner user
  [ "$(jq -r .error_recovery.last_error .argo-project/state.json)" = "merge_branches: Not a git repository" ]
  jq -r .error_recovery.recovery_action .argo-project/state.json | grep -q "^Handler merge_branches failed with exit status 1; handed to user"
  grep -q '\[merge_branches\] === merge_build phase ===' .argo-project/logs/orchestrator.log
  grep -q '\[merge_branches\] ERROR: Not a git repository' .argo-project/logs/orchestrator.log
  run "$ROOT/compat/argo" logs --orchestrator "$PROJ"
  assert_line --partial "[orchestrator] Started (PID"
}

@test "start_workflow keeps the original hint lines and then names commands that exist" {
  export CI_COMMAND=/nonexistent/ci
  run "$ROOT/start_workflow.sh" "Build it" "$PROJ"
  assert_success
  for line in "Monitor progress:" "  ./workflows/status.sh" "  tail -f .argo-project/logs/workflow.log" "Stop workflow:" "  ./workflows/stop_workflow.sh" "Commands of this install:"; do
    assert_line "$line"
  done
  n=0
  while read -r cmd _; do
    [ -x "$cmd" ]; n=$((n + 1))
  done < <(printf '%s\n' "$output" | sed -n '/^Commands of this install:/,$p' | tail -n +2)
  [ "$n" -eq 6 ]
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
}

@test "status after a workflow with an agent preset (fake claude): tokens and cost per builder and in total" {
  rm -rf "$PROJ/.argo-project"
  git init -q "$PROJ" && git -C "$PROJ" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  jq '.ci.agent = "claude" | .ci.model = "fake-model"' .argo-project/config.json > c && mv c .argo-project/config.json
  export PATH="$ROOT/tests/fixtures/agents:$PATH" FAKE_AGENT_LOG="$PROJ/calls"
  unset CI_COMMAND ARGO_AGENT
  "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_for 60 state_is .action_needed approve_design
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_for 60 state_is .phase storage
  run "$ROOT/status.sh" "$PROJ"
  assert_line --regexp '^  part-1 +completed +[0-9]+s +0 +- +1000/500 +\$0\.0123 +merged '
  # in the order they merged (each as it completed): any order, each once
  assert_line --regexp '^Merge into (main|master): merged: part-[123], part-[123], part-[123]$'
  [ "$(grep '^Merge into' <<< "$output" | grep -o 'part-[0-9]' | sort | tr '\n' ' ')" = "part-1 part-2 part-3 " ]
  assert_line 'Totals: 3 builders (3 completed), tokens 4000 in / 2000 out, cost $0.0492'
  run "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.builders[0].agent == "claude" and .builders[0].model == "fake-model" and .design.usage.cost_usd == 0.0123 and .totals.cost_usd == 0.0492'
}
