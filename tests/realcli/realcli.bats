#!/usr/bin/env bats
# The claude and codex presets against the REAL CLIs from npm (installed by
# tests/realcli/install.sh into a cache folder), offline: each CLI talks to a scripted
# model server of ours on loopback (tests/realcli/model_server.ts) whose answers include
# real tool calls, so the CLI itself runs the commands that write and commit files in the
# builder's worktree. tests/run.sh runs this file when the CLIs are installed, and always
# under CI=true (which installs them): there their absence fails the run.
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
}

teardown_file() {
  load ../bats/helpers
  stop_shim_helper
}

# The design every script answers: three independent components, as a plan. Claude Code
# with --json-schema takes it as a StructuredOutput tool call, Codex's text is its JSON (a
# CLI asked without a schema gets the tool call refused, then the JSON as text: turn 1).
PLAN3=$(jq -nc '{overview: "Three parts.", components: [range(1; 4) | {id: "part-\(.)", description: "Part \(.)", paths: ["part-\(.).txt"], depends_on: [], acceptance: "part-\(.).txt exists"}]}')

# builder_conv ID [TURNS_JSON]: one builder's conversation (default: write, commit, say done)
builder_conv() { # ID [TURNS_JSON [AFTER_JSON]]
  local id=$1 turns=${2:-} after=${3:-null}
  [[ -n $turns ]] || turns=$(jq -nc --arg c "$(commit_cmd "$id" fixed)" --arg id "$id" '[{bash: $c, usage: {input: 1000, output: 200}}, {text: "Built \($id).", usage: {input: 1200, output: 300, cache_read: 50}}]')
  jq -nc --arg id "$id" --argjson t "$turns" --argjson a "$after" '{name: $id, match: "You are building the \u0027\($id)\u0027 component", turns: $t} + (if $a == null then {} else {after: $a} end)'
}

# write_script [CONVERSATION_JSON…]: the given builders' conversations, then the design's
# (last: a builder's prompt may quote the requirement too)
write_script() {
  local convs
  convs=$(printf '%s\n' "$@" | jq -sc '.')
  jq -n --argjson p "$PLAN3" --argjson c "$convs" '{conversations: ($c + [{name: "design", match: "high-level software design", turns: [{structured: $p, usage: {input: 500, output: 100}}, {text: ($p | tojson)}]}])}' > "$WORK/script.json"
}

start_and_approve() {
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 60
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

# requests_of ID: the model requests of builder ID's conversation, in order (JSON lines);
# Claude's side requests without tools (a title for the session) are routed elsewhere
requests_of() { conv_requests "$1"; }

@test "claude (real CLI): a whole workflow to storage; each builder's Bash tool call writes and commits; usage and session as the CLI reports them" {
  write_script "$(builder_conv part-1)" "$(builder_conv part-2)" "$(builder_conv part-3)"
  use_claude
  start_and_approve
  wait_state '.phase == "storage"' 120
  [ "$(jq -r '.action_owner + "/" + .action_needed' .argo-project/state.json)" = user/none ]
  # the CLI ran our tool calls in the worktrees: the commits were merged
  for k in 1 2 3; do
    [ "$(cat "part-$k.txt")" = "fixed part-$k" ]
    git log --format=%s | grep -qx "build part-$k"
    # the tool's result went back to the model: the second request carries it
    requests_of "part-$k" | sed -n 2p | jq -e '[.body.messages[].content | arrays | .[] | select(.type == "tool_result")] | length == 1' >/dev/null
    # usage and session as the CLI reported them in its result document
    doc=$(agent_out "part-$k" | jq -c 'select(.type == "result")')
    [ "$(jq -r '.execution.builders['$((k - 1))'].usage | "\(.input_tokens) \(.output_tokens) \(.cache_read_tokens) \(.cost_usd) \(.session_id) \(.agent)"' .argo-project/state.json)" = \
      "$(jq -r '"\(.usage.input_tokens) \(.usage.output_tokens) \(.usage.cache_read_input_tokens) \(.total_cost_usd) \(.session_id) claude"' <<< "$doc")" ]
  done
  # the script's numbers, summed by the CLI over its two turns (the side request without tools is not in usage)
  [ "$(jq -r '[.execution.builders[].usage | "\(.input_tokens)/\(.output_tokens)/\(.cache_read_tokens)"] | unique | join(",")' .argo-project/state.json)" = 2200/500/50 ]
  jq -e '[.execution.builders[].usage.session_id | test("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")] | all' .argo-project/state.json >/dev/null
  [ "$(jq -r '[.execution.builders[].usage.session_id] | unique | length' .argo-project/state.json)" = 3 ]
  jq -e '.design.usage.cost_usd > 0 and .execution.usage.cost_usd > .design.usage.cost_usd' .argo-project/state.json >/dev/null
  # the design ran in plan mode in the project and its answer became the components
  [ "$(jq -r '[.design.components[].id] | join(",")' .argo-project/state.json)" = part-1,part-2,part-3 ]
  # what the CLI sent: streaming Messages API calls on our loopback server
  jq -e 'select(.method == "POST") | .url == "/v1/messages?beta=true" and .body.stream == true' "$MODEL_DIR"/requests/*.json >/dev/null
}

@test "codex (real CLI): a whole workflow to storage; each builder's exec_command commits from its linked worktree; tokens, thread id, cost from the price table" {
  write_script "$(builder_conv part-1)" "$(builder_conv part-2)" "$(builder_conv part-3)"
  use_codex
  start_and_approve
  wait_state '.phase == "storage"' 120
  for k in 1 2 3; do
    [ "$(cat "part-$k.txt")" = "fixed part-$k" ]
    # the agent's own commit (not the wrapper's leftover commit): the sandbox let it write the worktree's git folder
    git log --format=%s | grep -qx "build part-$k"
    requests_of "part-$k" | sed -n 2p | jq -e '[.body.input[] | select(.type == "function_call_output") | .output | test("committed")] == [true]' >/dev/null
    thread=$(agent_out "part-$k" | jq -r 'select(.type == "thread.started") | .thread_id')
    [ "$(jq -r '.execution.builders['$((k - 1))'].usage.session_id' .argo-project/state.json)" = "$thread" ]
  done
  [ -z "$(git log --format=%s --grep='uncommitted work left by builder')" ]
  # 2200 in (50 cached), 500 out at 2 / 10 / 1 USD per Mtok: 2150 × 2 + 500 × 10 + 50 × 1 = 0.00935
  [ "$(jq -r '[.execution.builders[].usage | "\(.input_tokens)/\(.output_tokens)/\(.cache_read_tokens)/\(.cost_usd)"] | unique | join(",")' .argo-project/state.json)" = 2200/500/50/0.00935 ]
  [ "$(jq -r '[.execution.builders[].usage.model] | unique | join(",")' .argo-project/state.json)" = gpt-5-codex ]
  [ "$(jq -r '.design.usage.input_tokens' .argo-project/state.json)" = 500 ]
  jq -e 'select(.method == "POST") | .url == "/v1/responses" and .body.stream == true and .body.model == "gpt-5-codex"' "$MODEL_DIR"/requests/*.json >/dev/null
}

@test "claude (real CLI): a model that never answers is ended by builder_stall_seconds (stalled), its process group gone" {
  write_script "$(builder_conv part-1 '[{"hang": true}]')" "$(builder_conv part-2)" "$(builder_conv part-3)"
  use_claude
  # Claude prints nothing before its result, so the limit also covers its start-up, which
  # under CI's load (everything runs at once on 2 cores) outlasted 8 s: the request below was
  # never made. Under CI the limit is WAIT_SCALE times longer.
  local stall=$((8 * WAIT_SCALE))
  limits '{"builder_stall_seconds": '"$stall"'}'
  start_and_approve
  local t0=$SECONDS
  wait_state '.execution.builders[0].status == "failed"' 60
  # ended by the stall limit, well before builder_timeout_seconds
  (( SECONDS - t0 <= 5 * stall ))
  [ "$(jq -r '.execution.builders[0].failure' .argo-project/state.json)" = stalled ]
  pgid=$(jq -r '.execution.builders[0].pid' .argo-project/state.json)
  wait_for 10 bash -c "! pgrep -g $pgid >/dev/null"
  # the request was made and left hanging: the CLI was waiting on the model, not on stdin
  [ "$(requests_of part-1 | wc -l)" -eq 1 ]
  wait_state '.action_needed == "review_merge"' 60
  # The other two are not asserted: they run under the same stall limit, and a start slower
  # still would end them too.
}

@test "claude (real CLI) as root without IS_SANDBOX: it refuses bypassPermissions; the builder fails and the refusal reaches failure_message and status.sh" {
  [[ $(id -u) -eq 0 ]] || skip "not running as root"
  write_script "$(builder_conv part-1)" "$(builder_conv part-2)" "$(builder_conv part-3)"
  use_claude ''
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  # the design (plan mode) is allowed as root; every builder (bypassPermissions) is refused
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | unique | join(",")' .argo-project/state.json)" = failed:agent_error ]
  # the CLI's own words: on stderr (the builder log), with an empty stdout
  grep -q 'cannot be used with root/sudo privileges' .argo-project/logs/builder-part-1.log
  [ ! -s .argo-project/logs/builder-part-1.agent.out ]
  [ "$(requests_of part-1 | wc -l)" -eq 0 ]
  # (needs failure_message from the agent's stderr: branch h/truth)
  jq -e '.execution.builders[0].failure_message | test("cannot be used with root/sudo privileges")' .argo-project/state.json >/dev/null
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --partial 'cannot be used with root/sudo privileges'
}

@test "verify retry (real CLIs): claude and codex resume the same session with the verify failure; the resumed request carries the earlier conversation" {
  local draft fix
  for agent in claude codex; do
    [[ $agent == claude ]] || { end_project_orchestrator; kill "$MODEL_PID"; wait_gone "$MODEL_PID" 10; git_work_project; "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null; AGENT_HOME="$WORK/home"; mkdir -p "$AGENT_HOME"; }
    # part-2 writes a draft first; only after the verify failure comes back does it fix it
    draft=$(commit_cmd part-2 draft) fix=$(commit_cmd part-2 fixed)
    # the fix answers the resumed prompt (the verify failure), however much of its earlier
    # conversation the CLI resumed with (model_server.ts "after")
    write_script "$(builder_conv part-1)" "$(builder_conv part-2 "$(jq -nc --arg d "$draft" '[{bash: $d}, {text: "Drafted."}]')" "$(jq -nc --arg f "$fix" '{match: "verify.command failed", turns: [{bash: $f}, {text: "Fixed."}]}')")" "$(builder_conv part-3)"
    "use_$agent"
    config '.verify = {"command": "grep -q fixed part-*.txt", "retries": 1}'
    start_and_approve
    wait_state '.phase == "storage"' 120 || { echo "agent $agent"; tail -n 30 .argo-project/logs/builder-part-2.log; show_requests; false; }
    [ "$(cat part-2.txt)" = "fixed part-2" ]
    grep -q 'verify_failed' .argo-project/logs/builder-part-2.log
    grep -q 'Resuming agent session' .argo-project/logs/builder-part-2.log
    # four model turns in one conversation: the resumed request carries the first attempt
    # (its tool call and the tool's output) and the verify failure as the new prompt
    [ "$(requests_of part-2 | wc -l)" -eq 4 ]
    last=$(requests_of part-2 | sed -n 3p)
    if [[ $agent == claude ]]; then
      # the first run's prompt, an answer, and the verify failure as the new prompt. Which of
      # its answers Claude Code keeps is its own affair: under heavy disk load it was seen
      # resuming without the last text turn, and once (CI) without any answer of the first
      # run, its stand-in "No response requested." in their place ("after" above copes)
      jq -e '.body.messages[0].content | tostring | test("You are building the .part-2. component")' <<< "$last" >/dev/null
      jq -e '[.body.messages[] | select(.role == "assistant")] | length >= 1' <<< "$last" >/dev/null
      jq -e '.body.messages[-1].content | tostring | test("verify.command failed")' <<< "$last" >/dev/null
    else
      jq -e '[.body.input[] | select(.type == "function_call") | .arguments] | .[0] | test("draft")' <<< "$last" >/dev/null
      jq -e '[.body.input[] | select(.role == "user")] | last | .content | tostring | test("verify.command failed")' <<< "$last" >/dev/null
    fi
    # one session over both attempts: the one resumed is the one the resumed run reports
    resumed=$(sed -n 's/.*Resuming agent session \([^ ]*\)$/\1/p' .argo-project/logs/builder-part-2.log)
    [[ $resumed =~ ^[0-9a-f-]{36}$ ]]
    [ "$(jq -r 'select(.type == "result" or .type == "thread.started") | .session_id // .thread_id' .argo-project/logs/builder-part-2.agent.out)" = "$resumed" ]
    [ "$(jq -r '.execution.builders[1].usage.session_id' .argo-project/state.json)" = "$resumed" ]
    # usage: each of the four model turns counted once (Codex reports the whole thread on resume)
    [ "$(jq -r '.execution.builders[1].usage.output_tokens' .argo-project/state.json)" = 200 ]
  done
}

@test "model server (no CLI): a resumed session's new prompt is answered from \"after\", however many answers of the first run the CLI kept, and a first prompt that matches it is still turn 0" {
  jq -nc '{conversations: [{name: "b", match: "build b", turns: [{text: "first"}], after: {match: "verify failed", turns: [{text: "fixed"}]}}]}' > "$WORK/script.json"
  start_model_server messages
  local prompt='{"role": "user", "content": "build b"}' retry='{"role": "user", "content": "verify failed: fix it"}'
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": ['"$prompt"']}'
  assert_output --partial '"text":"first"'
  # resumed with the first run's answer, then with none of it (Claude Code's stand-in instead)
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": ['"$prompt"', {"role": "assistant", "content": "first"}, '"$retry"']}'
  assert_output --partial '"text":"fixed"'
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": ['"$prompt"', {"role": "assistant", "content": [{"type": "text", "text": "No response requested."}]}, '"$retry"']}'
  assert_output --partial '"text":"fixed"'
  # one answer since the new prompt: past the "after" turns
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": ['"$prompt"', '"$retry"', {"role": "assistant", "content": "fixed"}, {"role": "user", "content": "more"}]}'
  assert_output --partial '"text":"ok"'
  # the first prompt itself saying "verify failed" is no new prompt
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "build b; last time verify failed"}]}'
  assert_output --partial '"text":"first"'
  [ "$(cat "$MODEL_DIR/routes")" = $'0001 b 0\n0002 b 1\n0003 b 1\n0004 other -\n0005 b 0' ]
}
