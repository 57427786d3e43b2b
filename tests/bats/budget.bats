#!/usr/bin/env bats
# Budgets that pause and ask (steer/budget.ts, workflow/budget.ts), through the real
# `argo` command: a workflow the budget stopped continues after `argo budget --raise` with
# nobody doing anything else; a refused raise is one ERROR line and changes nothing; the
# raise goes where the limit in force comes from. Fake agents (tests/fixtures/agents), no network.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  export FAKE_AGENT_ENV="$WORK/fake.env"
  config '.ci.agent = "claude"'
}

teardown() {
  end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

fingerprint() { cat .argo-project/state.json .argo-project/config.json | sha256sum; }
calls_for() { grep -l "$1" "$FAKE_AGENT_LOG"/*.argv 2>/dev/null | wc -l; }

# The design (0.0123) and part-1 (0.0123) pass 0.02 while part-2 hangs: part-2 is stopped,
# part-3 never starts, control goes to the user with review_budget.
halt_on_budget() {
  state_edit '.limits += {"max_cost_usd": 0.02, "max_parallel_builders": 2}'
  echo 'FAKE_AGENT_HANG=part-2' > "$WORK/fake.env"
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_needed == "review_budget"' 60
  [ "$(jq -r '[.execution.builders[] | "\(.id):\(.status):\(.failure)"] | join(",")' .argo-project/state.json)" = "part-1:completed:null,part-2:failed:budget,part-3:failed:budget" ]
}

@test "a workflow stopped by the budget: argo budget shows the spend per agent; --raise continues it to storage with nobody doing anything else" {
  halt_on_budget
  run -0 "$ROOT/compat/argo" budget "$PROJ"
  assert_line 'Budget (limits.max_cost_usd): 0.02 USD (.argo-project/state.json)'
  assert_line 'Spent so far: 0.0246 USD'
  assert_line '  claude: 0.0246 USD, tokens 2000 in / 1000 out (part-1, part-2, design)'
  assert_line --partial "The workflow waits on review_budget: argo budget $PROJ --raise 0.05"
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_line --partial "argo budget $PROJ --raise 0.05"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -c '.budget | [.limit_usd, .spent_usd, (.by_agent | map("\(.agent)=\(.cost_usd)"))]' <<< "$output")" = '[0.02,0.0246,["claude=0.0246"]]' ]

  : > "$WORK/fake.env" # part-2 no longer hangs
  run -0 "$ROOT/compat/argo" budget "$PROJ" --raise 1
  assert_line 'limits.max_cost_usd raised from 0.02 USD to 1 USD in .argo-project/state.json (spent so far: 0.0246 USD)'
  assert_line 'Continuing: 2 builder(s) stopped by the budget run again: part-2 part-3; execution comes next'
  wait_state '.phase == "storage"' 90
  [ "$(jq -r '.limits.max_cost_usd' .argo-project/state.json)" = 1 ]
  [ "$(jq -r '[.execution.builders[] | .status] | unique | join(",")' .argo-project/state.json)" = completed ]
  [ "$(jq -r '.execution.halt_reason // "none"' .argo-project/state.json)" = none ]
  # part-1 ran once, the two the budget stopped ran again
  [ "$(calls_for "'part-1'")" -eq 1 ]
  [ "$(calls_for "'part-3'")" -eq 1 ]
  [ "$(git log --format=%s | grep -c '^Merge builder: part-')" -eq 3 ]
  grep -q 'BUDGET.*raised from 0.02 USD to 1 USD' .argo-project/logs/workflow.log
}

@test "a raise not above the spend, a non-number, an increment: one ERROR line each, exit 1, nothing changed" {
  halt_on_budget
  before=$(fingerprint)
  run -1 "$ROOT/compat/argo" budget "$PROJ" --raise 0.0246
  [ "${#lines[@]}" -eq 1 ]
  assert_output 'ERROR: --raise "0.0246" for limits.max_cost_usd: not above the spend so far; spent so far: 0.0246 USD; accepted: the new total limit in US dollars, a plain number (e.g. 0.05) above the spend so far (0.0246 USD)'
  run -1 "$ROOT/compat/argo" budget "$PROJ" --raise abc
  [ "${#lines[@]}" -eq 1 ]
  assert_output --regexp '^ERROR: --raise "abc" for limits.max_cost_usd: not a number of US dollars; spent so far: 0.0246 USD; accepted: the new total limit in US dollars'
  run -1 "$ROOT/compat/argo" budget "$PROJ" --raise +1
  assert_output --regexp '^ERROR: --raise "\+1" for limits.max_cost_usd: an increment \(\+N\) is not taken'
  run -2 "$ROOT/compat/argo" budget "$PROJ" --raise
  assert_output --regexp '^ERROR: --raise needs the new total limit of limits.max_cost_usd in US dollars'
  [ "$(fingerprint)" = "$before" ]
  [ "$(jq -r '"\(.action_owner) \(.action_needed)"' .argo-project/state.json)" = "user review_budget" ]
}

@test "config.json sets the limit: the raise is written there (it wins) and state.json is not touched when nothing waits" {
  config '.limits = {"max_cost_usd": 2}'
  state_edit '.limits.max_cost_usd = 1 | .execution = {"builders": [{"id": "a", "status": "completed", "usage": {"cost_usd": 1.5, "agent": "codex"}}]}'
  state=$(sha256sum < .argo-project/state.json)
  run -1 "$ROOT/compat/argo" budget "$PROJ" --raise 1.8
  assert_output --partial 'below the limit in force (2 USD in .argo-project/config.json): --raise never lowers the budget'
  run -0 "$ROOT/compat/argo" budget "$PROJ" --raise 3
  assert_line 'limits.max_cost_usd raised from 2 USD to 3 USD in .argo-project/config.json (spent so far: 1.5 USD)'
  [ "$(jq -c .limits .argo-project/config.json)" = '{"max_cost_usd":3}' ]
  [ "$(sha256sum < .argo-project/state.json)" = "$state" ]
  run -0 "$ROOT/compat/argo" budget "$PROJ"
  assert_line 'Budget (limits.max_cost_usd): 3 USD (.argo-project/config.json)'
  assert_line '  codex: 1.5 USD (a)'
}

@test "no orchestrator runs (stopped after the halt): --raise starts one, under the start lock, and the workflow reaches storage" {
  halt_on_budget
  "$ROOT/compat/argo" stop "$PROJ" >/dev/null
  wait_for 10 eval '! "$ROOT/compat/argo" status "$PROJ" | grep -q "^Orchestrator: Running"'
  : > "$WORK/fake.env"
  run -0 "$ROOT/compat/argo" budget "$PROJ" --raise 0.5
  assert_line --regexp '^Orchestrator started \(PID [0-9]+\)$'
  wait_state '.phase == "storage"' 90
  [ "$(jq -r '[.execution.builders[] | .status] | unique | join(",")' .argo-project/state.json)" = completed ]
}

@test "the state write refused after config.json was raised: config.json gets its old value back, nothing changed" {
  config '.limits = {"max_cost_usd": 2}'
  # waiting on review_budget, but no execution to continue: the relay's own check refuses
  state_edit '.phase = "execution" | .action_owner = "user" | .action_needed = "review_budget" | .execution = null | .design = {"usage": {"cost_usd": 2.5, "agent": "claude"}}'
  before=$(fingerprint)
  run -1 "$ROOT/compat/argo" budget "$PROJ" --raise 3
  assert_output 'ERROR: no execution in the state: nothing to continue'
  [ "$(fingerprint)" = "$before" ]
}
