#!/usr/bin/env bats
# Issue 19's "Done when" against the REAL Claude Code and Codex CLIs (tests/realcli/install.sh),
# offline, each talking to the scripted model server on loopback (tests/realcli/model_server.ts):
# the model endpoint refuses a builder's first requests with HTTP 429 until the CLI gives up
# (its own retries cut short: CLAUDE_CODE_MAX_RETRIES, Codex's request_max_retries = 0), the
# builder waits (status `waiting`, `resume_at`), resumes its own session at resume_at and the
# workflow reaches storage with no person acting; and a fail-over run where claude's endpoint
# never recovers finishes on codex (ci.fallback). tests/run.sh runs this folder when the CLIs
# are installed (always under CI=true).
bats_require_minimum_version 1.5.0

setup_file() {
  load ../bats/require_tool
  source "$BATS_TEST_DIRNAME/clis.bash"
  require_tool "real agent CLIs in $REALCLI_CACHE" tests/realcli/install.sh realcli_installed
}

setup() {
  load ../bats/helpers
  load harness
  realcli_setup
}

teardown() {
  realcli_teardown
  [[ -n ${CODEX_PID:-} ]] && kill "$CODEX_PID" 2>/dev/null || true # the fail-over's second server
  true
}

teardown_file() {
  load ../bats/helpers
  stop_shim_helper
}

# Two independent components: part-1 is the one the endpoint limits, part-2 builds at once.
PLAN2=$(jq -nc '{overview: "Two parts.", components: [range(1; 3) | {id: "part-\(.)", description: "Part \(.)", paths: ["part-\(.).txt"], depends_on: [], acceptance: "part-\(.).txt exists"}]}')
REFUSED='API Error|429|rate limit'

# builder_conv ID [FIRST_TURNS_JSON]: ID's conversation: FIRST_TURNS (default none), then a
# tool call writing and committing ID.txt, then "done"
builder_conv() {
  local id=$1 first=${2:-[]}
  jq -nc --arg id "$id" --arg c "$(commit_cmd "$id" fixed)" --argjson f "$first" \
    '{name: $id, match: "You are building the \u0027\($id)\u0027 component", turns: ($f + [{bash: $c}, {text: "Built \($id)."}])}'
}

# write_script CONVERSATION_JSON…: the given conversations, then the design's (last: a
# builder's prompt quotes the requirement too)
write_script() {
  local convs
  convs=$(printf '%s\n' "$@" | jq -sc '.')
  jq -n --argjson p "$PLAN2" --argjson c "$convs" '{conversations: ($c + [{name: "design", match: "high-level software design", turns: [{structured: $p}, {text: ($p | tojson)}]}])}' > "$WORK/script.json"
}

# session_of: the session a model request (JSON on stdin) belongs to, as its CLI names it
session_of() { jq -r '.headers["x-claude-code-session-id"] // .headers["thread-id"] // .headers["session-id"]'; }

# The only commands a person types: start, then approve the design as it stands.
start_and_approve() {
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 90
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

# status_shows_waiting ID: `argo status --json` shows builder ID waiting on a rate limit, with
# a resume time; its line goes to $WORK/seen-waiting
status_shows_waiting() {
  local out
  out=$("$ROOT/compat/argo" status --json "$PROJ" 2>/dev/null) || return 1
  jq -ce --arg id "$1" '.builders[] | select(.id == $id and .status == "waiting" and .waiting_reason == "rate_limit" and (.resume_at | type) == "string") | {status, waiting_reason, resume_at, waits}' <<< "$out" > "$WORK/seen-waiting"
}

# reached_storage_unattended: storage, every component merged by its own commit, nobody asked
reached_storage_unattended() {
  wait_state '.phase == "storage" or .action_owner == "user" and .action_needed != "none"' 180
  [ "$(jq -r '.phase + " " + .action_owner + "/" + .action_needed' .argo-project/state.json)" = "storage user/none" ]
  for k in 1 2; do
    [ "$(cat "part-$k.txt")" = "fixed part-$k" ]
    git log --format=%s | grep -qx "build part-$k"
  done
  [ "$(jq -r '[.execution.builders[] | "\(.id):\(.status)"] | join(",")' .argo-project/state.json)" = "part-1:completed,part-2:completed" ]
}

@test "claude (real CLI): 429s until the CLI gives up — part-1 waits (status: waiting, resume_at), resumes its own session at resume_at and the workflow reaches storage, no person acting" {
  # part-1's first two requests are refused: the CLI's one retry (CLAUDE_CODE_MAX_RETRIES=1,
  # after retry-after: 1) is refused too, so it gives up; the resumed session is answered
  write_script "$(builder_conv part-1 '[{"status": 429, "retry_after": 1, "times": 2, "message": "Number of requests has exceeded your rate limit"}]')" "$(builder_conv part-2)"
  use_claude
  config '.ci.agents.claude.env.CLAUDE_CODE_MAX_RETRIES = "1" | .limits = {"rate_limit_backoff_seconds": 4}'
  start_and_approve
  # while it waited, status showed it waiting with a resume time
  wait_for 90 status_shows_waiting part-1
  reached_storage_unattended
  jq -e '.waits == 1' "$WORK/seen-waiting" >/dev/null
  [ "$(jq -r '.execution.builders[0] | "\(.waits) \(.status) \(.agent // .usage.agent)"' .argo-project/state.json)" = "1 completed claude" ]
  grep -q 'Builder part-1 hit a rate limit - waiting until' .argo-project/logs/*.log
  # the refused run: the CLI's own request and its retry, both refused, then it gave up
  [ "$(awk '$2 == "part-1" && $3 == 0' "$MODEL_DIR/routes" | wc -l)" -eq 2 ]
  # the resumed run: the same session, its first request carrying the original task and the
  # short "continue" prompt, answered by the tool call (turn 1), then done (turn 2)
  first=$(conv_requests part-1 | sed -n 1p) resumed=$(conv_requests part-1 | sed -n 3p)
  session=$(session_of <<< "$first")
  [[ $session =~ ^[0-9a-f-]{36}$ ]]
  [ "$(session_of <<< "$resumed")" = "$session" ]
  jq -e '.body.messages | tostring | test("You are building the \u0027part-1\u0027 component") and test("interrupted by a rate limit")' <<< "$resumed" >/dev/null
  grep -q "Resuming agent session $session" .argo-project/logs/builder-part-1.log
  [ "$(jq -r '.execution.builders[0].usage.session_id' .argo-project/state.json)" = "$session" ]
  awk '$2 == "part-1" {print $3}' "$MODEL_DIR/routes" | paste -sd, | grep -qx '0,0,1,2'
  no_violations
}

@test "codex (real CLI): a 429 fails it at once (request_max_retries = 0) — part-1 waits (status: waiting, resume_at), resumes its own thread at resume_at and the workflow reaches storage, no person acting" {
  write_script "$(builder_conv part-1 '[{"status": 429, "retry_after": 1, "times": 1, "message": "Rate limit reached for requests"}]')" "$(builder_conv part-2)"
  use_codex
  config '.limits = {"rate_limit_backoff_seconds": 4}'
  start_and_approve
  wait_for 90 status_shows_waiting part-1
  reached_storage_unattended
  jq -e '.waits == 1' "$WORK/seen-waiting" >/dev/null
  [ "$(jq -r '.execution.builders[0] | "\(.waits) \(.status) \(.agent // .usage.agent)"' .argo-project/state.json)" = "1 completed codex" ]
  grep -q 'Builder part-1 hit a rate limit - waiting until' .argo-project/logs/*.log
  # the resumed run: the same thread, its first request carrying the original task and the
  # short "continue" prompt, answered by the tool call (turn 1), then done (turn 2)
  awk '$2 == "part-1" {print $3}' "$MODEL_DIR/routes" | paste -sd, | grep -qx '0,1,2'
  first=$(conv_requests part-1 | sed -n 1p) resumed=$(conv_requests part-1 | sed -n 2p)
  thread=$(agent_out part-1 | jq -r 'select(.type == "thread.started") | .thread_id')
  [[ $thread =~ ^[0-9a-f-]{36}$ ]]
  [ "$(session_of <<< "$first")" = "$thread" ] && [ "$(session_of <<< "$resumed")" = "$thread" ]
  grep -q "Resuming agent session $thread" .argo-project/logs/builder-part-1.log
  jq -e '.body.input | tostring | test("You are building the \u0027part-1\u0027 component") and test("interrupted by a rate limit")' <<< "$resumed" >/dev/null
  [ "$(jq -r '.execution.builders[0].usage.session_id' .argo-project/state.json)" = "$thread" ]
  no_violations
}

# takeover_conv ID: ID's conversation in the fresh session of the fallback that takes it over
# (its prompt says so, and carries the original task)
takeover_conv() {
  jq -nc --arg id "$1" --arg c "$(commit_cmd "$1" fixed)" \
    '{name: "\($id)-takeover", match: "You are taking over the \u0027\($id)\u0027 component from another coding agent \\(claude\\)",
      expect: ["You are building the \u0027\($id)\u0027 component"], turns: [{bash: $c}, {text: "Built \($id)."}]}'
}

@test "fail-over (real CLIs): claude's endpoint never recovers (every builder request 429), ci.fallback codex takes each builder over after one wait (fallback_after_waits 1) in a fresh session; storage, no person acting" {
  # one script for both servers: claude only ever sees the builders' own prompts (always
  # refused), codex only the take-over prompts (listed first: they quote the task too)
  local refused='[{"status": 429, "retry_after": 1, "message": "Number of requests has exceeded your rate limit"}]'
  write_script "$(takeover_conv part-1)" "$(takeover_conv part-2)" \
    "$(jq -nc --argjson t "$refused" '{name: "part-1", match: "You are building the \u0027part-1\u0027 component", turns: $t}')" \
    "$(jq -nc --argjson t "$refused" '{name: "part-2", match: "You are building the \u0027part-2\u0027 component", turns: $t}')"
  MODEL_NAME=model-codex use_codex
  CODEX_DIR=$MODEL_DIR CODEX_PID=$MODEL_PID
  use_claude
  CLAUDE_DIR=$MODEL_DIR
  # claude is the agent; codex the fallback with its own model; claude gives up at the first 429
  config '.ci.agent = "claude" | .ci.model = null | .ci.agents.codex.model = "gpt-5-codex" | .ci.fallback = ["codex"]
    | .ci.agents.claude.env.CLAUDE_CODE_MAX_RETRIES = "0"
    | .limits = {"rate_limit_backoff_seconds": 4, "fallback_after_waits": 1}'
  start_and_approve
  wait_for 90 status_shows_waiting part-1
  reached_storage_unattended
  # each builder: one wait on claude, then finished by codex
  [ "$(jq -r '[.execution.builders[] | "\(.id):\(.agent):\(.waits):\(.usage.agent)"] | join(",")' .argo-project/state.json)" = "part-1:codex:1:codex,part-2:codex:1:codex" ]
  # usage per agent: claude's refused runs (no tokens; the CLI still prices its side request)
  # and codex's two turns of the script's default 100/50 tokens
  [ "$(jq -r '[.execution.builders[].usage_by_agent | keys | join("+")] | unique | join(",")' .argo-project/state.json)" = claude+codex ]
  [ "$(jq -r '[.execution.builders[].usage_by_agent | "\(.claude.input_tokens)/\(.codex.input_tokens)/\(.codex.output_tokens)"] | unique | join(",")' .argo-project/state.json)" = 0/200/100 ]
  for k in 1 2; do
    grep -q "failover - claude waited 1 time(s) on a limit (limits.fallback_after_waits = 1): .*codex (agent preset codex, model gpt-5-codex) takes over in a fresh session" ".argo-project/logs/builder-part-$k.log"
    run ! grep -q 'Resuming agent session' ".argo-project/logs/builder-part-$k.log"
    # claude was refused (one request a run, no retries); codex got the take-over in a fresh thread
    MODEL_DIR=$CLAUDE_DIR
    [ "$(conv_requests "part-$k" | wc -l)" -ge 1 ]
    MODEL_DIR=$CODEX_DIR
    awk -v c="part-$k-takeover" '$2 == c {print $3}' "$MODEL_DIR/routes" | paste -sd, | grep -qx '0,1'
    [ "$(conv_requests "part-$k" | wc -l)" -eq 0 ]
    first=$(conv_requests "part-$k-takeover" | sed -n 1p)
    [ "$(jq '[.body.input[] | select(.type == "function_call" or .role == "assistant")] | length' <<< "$first")" -eq 0 ]
  done
  MODEL_DIR=$CLAUDE_DIR no_violations
  MODEL_DIR=$CODEX_DIR no_violations
}

@test "model server (no CLI): an error turn with times answers that many requests, then the next turn answers; Claude's stand-in \"No response requested.\" is no answer" {
  jq -nc '{conversations: [{name: "b", match: "hello", turns: [{status: 429, retry_after: 1, times: 2}, {text: "after"}]}]}' > "$WORK/script.json"
  start_model_server messages
  local ask='{"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hello"}]}'
  # the request and its retry carry no answer: both refused, then the third is answered
  run -0 post /v1/messages "$ask"
  assert_output --partial '"type":"rate_limit_error"'
  run -0 post /v1/messages "$ask"
  assert_output --partial '"type":"rate_limit_error"'
  run -0 post /v1/messages "$ask"
  assert_output --partial '"text":"after"'
  # a resumed session with the CLI's stand-in for the refused answer: still the first live turn
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": [{"type": "text", "text": "No response requested."}]}, {"role": "user", "content": "continue"}]}'
  assert_output --partial '"text":"after"'
  # one real answer on: past the live turns
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "after"}, {"role": "user", "content": "more"}]}'
  assert_output --partial '"text":"ok"'
  [ "$(cat "$MODEL_DIR/routes")" = $'0001 b 0\n0002 b 0\n0003 b 1\n0004 b 1\n0005 other -' ]
  kill "$MODEL_PID" && wait_gone "$MODEL_PID" 10 && MODEL_PID=
  # a "times" that is no count of requests is refused, naming it
  jq -nc '{conversations: [{name: "b", match: "hello", turns: [{status: 429, times: 0}]}]}' > "$WORK/script.json"
  run -2 node "$(model_server_js)" --api messages --script "$WORK/script.json" --dir "$WORK/m2"
  assert_output 'ERROR: conversation b turn 0: "times" is 0; accepted: a whole number, 1 or more'
}
