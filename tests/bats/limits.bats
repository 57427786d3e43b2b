#!/usr/bin/env bats
# Limits that do not lie (workflow/limits.ts): a bad limit is refused where the user sees it
# (start_workflow, status, --json, argo doctor, the handlers), config.json wins over
# state.json, durations longer than a timer holds are clamped; and what a person sees of
# a workflow is that workflow: a new start hides the previous builders (kept in the
# history), a stop leaves builders interrupted, not running.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  # doctor's agent traps (root, no credential) are agents.bats' subject, not these tests'
  export ANTHROPIC_API_KEY=fake-key IS_SANDBOX=1
  fake_agents_project
}

teardown() {
  end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}


start_and_wait_design() {
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 30
}

now_at_least() { [ "$(date +%s)" -ge "$1" ]; }

# A fingerprint of everything start_workflow could write.
snapshot() { (cd .argo-project && find . -type f ! -name '*.lock' -printf '%p %s\n' | sort && cat state.json) | sha256sum; }

@test "start_workflow refuses a bad max_cost_usd (0, -1, \"abc\", \"\$1\"): one ERROR line naming key, value and what is accepted; exit 1; nothing written" {
  local bad before
  for bad in 0 -1 '"abc"' '"$1"'; do
    config ".limits.max_cost_usd = $bad"
    before=$(snapshot)
    run -1 "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ"
    assert_output "ERROR: limits.max_cost_usd is $bad in .argo-project/config.json; accepted: a positive number of US dollars (e.g. 20 or 0.5), or null for no limit; the workflow was not started (argo doctor lists every limit)"
    [ "$(snapshot)" = "$before" ]
    [ ! -e .argo-project/orchestrator.pid ]
  done
  # in state.json as well (update_state writes text)
  config 'del(.limits)'
  "$ROOT/compat/argo" state update limits.builder_timeout_seconds soon
  run -1 "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ"
  assert_output --partial 'ERROR: limits.builder_timeout_seconds is "soon" in .argo-project/state.json; accepted: a positive number of seconds'
  [ "$(jq -r .phase .argo-project/state.json)" = init ]
  [ "$(jq -r .user_query .argo-project/state.json)" = null ]
}

@test "status and --json show a bad limit after the original lines and hand to the user; argo doctor fails naming it" {
  config '.limits.max_cost_usd = "$1"'
  run -0 "$ROOT/status.sh" "$PROJ"
  # the original block is untouched and comes first
  [ "${lines[0]}" = "==========================================" ]
  orch=$(printf '%s\n' "$output" | grep -n '^Orchestrator: ' | cut -d: -f1)
  err=$(printf '%s\n' "$output" | grep -n '^ERROR: limits.max_cost_usd is "\$1" in .argo-project/config.json; accepted: a positive number of US dollars' | cut -d: -f1)
  [ -n "$orch" ] && [ -n "$err" ] && [ "$err" -gt "$orch" ]
  assert_line --regexp '^Next: user - Fix the limits before anything more runs'
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.limits.problems[0].key == "limits.max_cost_usd" and .limits.problems[0].value == "$1" and .next.who == "user"'
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'FAIL limit: ERROR: limits.max_cost_usd is "$1" in .argo-project/config.json; accepted: a positive number of US dollars'
}

@test "one precedence: config.json max_parallel_builders beats state.json's default; doctor shows each limit and where it came from" {
  config '.ci.agent = "claude" | .limits.max_parallel_builders = 1'
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'ok   limit: limits.max_parallel_builders = 1 (.argo-project/config.json)'
  assert_line 'ok   limit: limits.max_workflow_hours = 48 (.argo-project/state.json)'
  assert_line 'ok   limit: limits.max_cost_usd = no limit (built-in default)'
  assert_line 'note limit: limits.checkpoint_retention_days is not enforced (kept from the original'"'"'s initial state.json)'
  start_and_wait_design
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 60
  grep -q 'At most 1 builders run at once' .argo-project/logs/orchestrator.log
  # one at a time: each builder starts once the one before it completed
  jq -e '[.execution.builders[] | {s: .started, c: .completed}] as $b | [range(1; $b | length) | $b[.].s >= $b[. - 1].c] | all' .argo-project/state.json
}

@test "a time limit longer than a timer holds is clamped: builders complete and the merged verify passes (it used to fire after 1 ms)" {
  config '.ci.agent = "claude" | .limits.builder_timeout_seconds = 3000000 | .verify.command = "true"'
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'note limit: limits.builder_timeout_seconds = 2147483.647 (.argo-project/config.json) - clamped: a timer holds at most 2147483.647 s'
  start_and_wait_design
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage" or .action_owner == "user"' 60
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | unique | join(",")' .argo-project/state.json)" = completed:null ]
  [ "$(jq -r .phase .argo-project/state.json)" = storage ]
}

@test "a limit made bad while the workflow runs: execution refuses, hands to the user with the error, no builder starts" {
  config '.ci.agent = "claude"'
  start_and_wait_design
  config '.limits.max_cost_usd = 0'
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_owner == "user"' 30
  jq -r .error_recovery.last_error .argo-project/state.json | grep -qF 'Refused to run with a bad limit: limits.max_cost_usd is 0 in .argo-project/config.json'
  [ "$(jq -r '[.execution.builders[].status] | unique | join(",")' .argo-project/state.json)" = pending ]
  [ "$(grep -l 'Implement' "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 0 ]
  grep -q 'ERROR: limits.max_cost_usd is 0 in .argo-project/config.json' .argo-project/logs/orchestrator.log
}

@test "a new workflow on the same project shows none of the previous one's builders; they are kept in the history" {
  config '.ci.agent = "claude"'
  start_and_wait_design
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 60
  end_project_orchestrator
  run -0 "$ROOT/start_workflow.sh" "Build a second thing" "$PROJ"
  assert_line --regexp "^The previous workflow's design, builders and merge were moved to $PROJ/.argo-project/history/workflow-[0-9TZ]+\.json$"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.builders == [] and .merge == null and .totals.builders == 0 and .user_query == "Build a second thing"'
  run -0 "$ROOT/status.sh" "$PROJ"
  refute_output --partial 'part-1'
  refute_output --partial 'merged'
  # the old records, whole
  jq -e '.user_query == "Build a calculator" and .phase == "storage" and ([.execution.builders[].status] | unique) == ["completed"] and (.merge.merged | length) == 3 and .design.usage.cost_usd > 0' .argo-project/history/workflow-*.json
  # the new workflow runs on: its own design, and later its own builders only
  wait_state '.action_needed == "approve_design"' 30
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.builders == []'
}

@test "after a stop, running builders read interrupted and their elapsed time stops at the stop" {
  config '.ci.agent = "claude"'
  echo 'FAKE_AGENT_HANG=part-1' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_wait_design
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.execution.builders[0].status == "running" and (.execution.builders[0].pid // null) != null' 30
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  wait_state '(.execution.builders[0].stopped // null) != null' 30
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  echo "$output" | jq -e '.builders[0].status == "interrupted" and .orchestrator.running == false'
  first=$(echo "$output" | jq '.builders[0].elapsed_seconds')
  # time passes (a condition, not a fixed sleep)
  local t=$(date +%s)
  wait_for 5 now_at_least $((t + 2))
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(echo "$output" | jq '.builders[0].elapsed_seconds')" = "$first" ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line --regexp '^  part-1 +interrupted '
  refute_line --regexp '^  part-1 +running '
  # the state keeps `running` (argo resume restarts or adopts it, as before)
  [ "$(jq -r '.execution.builders[0].status' .argo-project/state.json)" = running ]
}

@test "design_program with a bad limit does not ask the CI tool: ERROR lines, last_error, control to the user" {
  config '.ci.agent = "claude"'
  "$ROOT/compat/argo" state update user_query "Build a calculator"
  "$ROOT/compat/argo" state update limits.max_workflow_hours -3
  "$ROOT/compat/argo" state update action_owner code
  run -1 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line 'ERROR: limits.max_workflow_hours is "-3" in .argo-project/state.json; accepted: a positive number of hours, or null for no limit'
  [ "$(jq -r .action_owner .argo-project/state.json)" = user ]
  jq -r .error_recovery.last_error .argo-project/state.json | grep -qF 'Refused to run with a bad limit: limits.max_workflow_hours is "-3"'
  [ "$(jq -r .design .argo-project/state.json)" = null ]
  [ ! -e "$FAKE_AGENT_LOG" ] || [ -z "$(ls "$FAKE_AGENT_LOG")" ]
}
