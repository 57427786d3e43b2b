#!/usr/bin/env bats
# Limits an agent reports (issue 19): a builder Claude Code reports rate-limited (its
# captured HTTP 429 result, tests/fixtures/agents/limits/claude-429.out) waits, shows as
# waiting, then resumes its own session and the workflow reaches storage with no person
# acting; a stop during the wait keeps it, and `argo resume` waits on until resume_at.
# Fake agents under the real names (tests/fixtures/agents); no network.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  echo 'FAKE_AGENT_LIMITED=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
}

teardown() {
  [[ -n ${ORCH:-} ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}



SESSION=8048155b-9d2d-4f44-9fd7-21dfaa313fcb # the captured result's session
resumed_calls() { grep -l "^resume=$SESSION\$" "$FAKE_AGENT_LOG"/*.meta 2>/dev/null | sed 's/\.meta$//'; }

@test "rate-limited (429): the builder waits (status, --json), resumes the SAME session with the short prompt, keeps its work, and the workflow reaches storage with no person acting" {
  # A wait longer than the builder's time and stall limits: waiting counts against neither.
  config '.ci.agent = "claude" | .limits = {"rate_limit_backoff_seconds": 4, "builder_timeout_seconds": 3, "builder_stall_seconds": 3}'
  start_and_approve
  wait_state '.execution.builders[1].status == "waiting"' 60
  [ "$(jq -r '.execution.builders[1] | "\(.waiting_reason) \(.waits) \(.resume_at | test("^[0-9-]+T[0-9:]+Z$"))"' .argo-project/state.json)" = "rate_limit 1 true" ]
  [ "$(jq -r '.execution.builders[1].usage.session_id' .argo-project/state.json)" = "$SESSION" ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --regexp 'part-2 +waiting \(rate_limit\) until [0-9]{2}:[0-9]{2}, wait 1 of 8'
  assert_output --regexp 'claude: [0-9]+ of 3 running \(at most [0-9]+ at once\), rate-limited until [0-9]{2}:[0-9]{2}'
  run -0 "$ROOT/status.sh" --json "$PROJ"
  [ "$(jq -r '.builders[1] | "\(.status) \(.waiting_reason) \(.waits)"' <<< "$output")" = "waiting rate_limit 1" ]
  [ "$(jq -r '.quota.claude.limited_until | type' <<< "$output")" = string ]
  wait_state '.phase == "storage"' 60
  [ "$(jq -r '.action_owner + "/" + .action_needed' .argo-project/state.json)" = user/none ]
  # one resumed call, of that session, with the short prompt
  [ "$(resumed_calls | wc -l)" -eq 1 ]
  c=$(resumed_calls)
  tr '\0' '\n' < "$c.argv" | grep -qxF -- --resume
  tr '\0' '\n' < "$c.argv" | grep -qxF -- "$SESSION"
  tr '\0' '\n' < "$c.argv" | grep -qF 'You were interrupted by a rate limit; continue the task where you left off, then commit.'
  # the work of the limited attempt was kept, the resumed one's added, both merged
  [ "$(cat part-2.partial)" = "partial part-2" ]
  grep -q 'fixed part-2 by claude' part-2.txt
  [ "$(jq -r '.execution.builders[1] | "\(.status) \(.waits) \(.failure)"' .argo-project/state.json)" = "completed 1 null" ]
  [ "$(jq -r '.execution.quota.claude.limited_until' .argo-project/state.json)" = null ]
  grep -q 'waiting' .argo-project/logs/builder-part-2.log
}

@test "still rate-limited after limits.rate_limit_max_waits: the builder fails (rate_limited) and the others merge as before" {
  config '.ci.agent = "claude" | .limits = {"rate_limit_backoff_seconds": 0.2, "rate_limit_max_waits": 1}'
  echo 'FAKE_AGENT_LIMITED=part-2; FAKE_AGENT_LIMITED_ALWAYS=1' > "$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.execution.builders[1] | "\(.status) \(.failure) \(.waits)"' .argo-project/state.json)" = "failed rate_limited 1" ]
  jq -r '.execution.builders[1].failure_message' .argo-project/state.json | grep -qF 'limits.rate_limit_max_waits is 1'
  [ "$(resumed_calls | wc -l)" -eq 1 ]
}

@test "a stop during the wait keeps it (status waiting, resume_at); argo resume waits on until the recorded resume_at, then resumes the session" {
  config '.ci.agent = "claude" | .limits = {"rate_limit_backoff_seconds": 3}'
  start_and_approve
  wait_state '.execution.builders[1].status == "waiting"' 60
  resume_at=$(jq -r '.execution.builders[1].resume_at' .argo-project/state.json)
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  ORCH=
  [ "$(jq -r '.execution.builders[1] | "\(.status) \(.resume_at) \(.waits)"' .argo-project/state.json)" = "waiting $resume_at 1" ]
  # the restart reads the time from state: moved 6 s ahead, it is waited for
  resume_at=$(date -u -d '+6 seconds' +%Y-%m-%dT%H:%M:%SZ)
  jq --arg t "$resume_at" '.execution.builders[1].resume_at = $t' .argo-project/state.json > s && mv s .argo-project/state.json
  run -0 "$ROOT/compat/argo" resume "$PROJ"
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.phase == "storage"' 60
  [ "$(resumed_calls | wc -l)" -eq 1 ]
  # resumed no earlier than the recorded resume time (a call's time is its file name, in ns)
  c=$(resumed_calls)
  c=${c##*/}
  [ "$(( ${c%%.*} / 1000000000 ))" -ge "$(date -d "$resume_at" +%s)" ]
  [ "$(jq -r '.execution.builders[1].waits' .argo-project/state.json)" = 1 ]
}
