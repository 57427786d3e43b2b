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
  source "$BATS_TEST_DIRNAME/clis.bash"
  require_tool "real agent CLIs in $REALCLI_CACHE" tests/realcli/install.sh realcli_installed
  unset CI_COMMAND ARGO_AGENT ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY CODEX_API_KEY IS_SANDBOX
  git_work_project
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  AGENT_HOME="$WORK/home"  # the CLIs' HOME: no real login or settings are read
  mkdir -p "$AGENT_HOME"
  MODEL_PID=
}

teardown() {
  end_project_orchestrator
  [[ -n $MODEL_PID ]] && kill "$MODEL_PID" 2>/dev/null
  true
}

teardown_file() {
  load ../bats/helpers
  stop_shim_helper
}

config() {
  jq "$@" .argo-project/config.json > .argo-project/config.json.new && mv .argo-project/config.json.new .argo-project/config.json
}
limits() {
  jq ".limits += $1" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
}

# The design every script answers: three components, as the design phase parses them.
DESIGN_TEXT=$'Design: three parts.\n\n```json\n[{"id": "part-1", "description": "Part 1"}, {"id": "part-2", "description": "Part 2"}, {"id": "part-3", "description": "Part 3"}]\n```'

# commit_cmd ID WORD: a shell command writing "<WORD> <ID>" to <ID>.txt and committing it
commit_cmd() { printf "echo '%s %s' > %s.txt && git add %s.txt && git -c user.name=agent -c user.email=agent@example.com commit -qm 'build %s' && echo committed" "$2" "$1" "$1" "$1" "$1"; }

# builder_script ID [TURNS_JSON]: one builder's conversation (default: write, commit, say done)
builder_conv() {
  local id=$1 turns=${2:-}
  [[ -n $turns ]] || turns=$(jq -nc --arg c "$(commit_cmd "$id" fixed)" --arg id "$id" '[{bash: $c, usage: {input: 1000, output: 200}}, {text: "Built \($id).", usage: {input: 1200, output: 300, cache_read: 50}}]')
  jq -nc --arg id "$id" --argjson t "$turns" '{match: "\u0027\($id)\u0027 component", turns: $t}'
}

# write_script [CONVERSATION_JSON…]: the design, then the given builders' conversations
write_script() {
  local convs
  convs=$(printf '%s\n' "$@" | jq -sc '.')
  jq -n --arg d "$DESIGN_TEXT" --argjson c "$convs" '{conversations: ([{match: "Requirement:", turns: [{text: $d, usage: {input: 500, output: 100}}]}] + $c)}' > "$WORK/script.json"
}

# start_model_server messages|responses: the scripted server on loopback; sets MODEL_URL
start_model_server() {
  MODEL_DIR="$WORK/model"
  node --import "file://$ROOT/node_modules/tsx/dist/loader.mjs" "$BATS_TEST_DIRNAME/model_server.ts" \
    --api "$1" --script "$WORK/script.json" --dir "$MODEL_DIR" 2> "$WORK/model.err" &
  MODEL_PID=$!
  wait_for 30 test -s "$MODEL_DIR/port"
  MODEL_URL="http://127.0.0.1:$(cat "$MODEL_DIR/port")"
}

use_claude() { # [IS_SANDBOX value]: the preset on the real program, its env from config
  local sandbox=${1-1}
  start_model_server messages
  config --arg p "$REALCLI_BIN/claude" --arg h "$AGENT_HOME" --arg u "$MODEL_URL" --arg s "$sandbox" \
    '.ci.agent = "claude" | .ci.agents.claude = {program: $p, env: ({HOME: $h, ANTHROPIC_BASE_URL: $u, ANTHROPIC_API_KEY: "sk-test-not-a-key"} + (if $s == "" then {} else {IS_SANDBOX: $s} end))}'
}

use_codex() {
  start_model_server responses
  mkdir -p "$AGENT_HOME/.codex"
  cat > "$AGENT_HOME/.codex/config.toml" <<TOML
model_provider = "local"

[model_providers.local]
name = "local"
base_url = "$MODEL_URL/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"
supports_websockets = false
request_max_retries = 0
stream_max_retries = 0
TOML
  config --arg p "$REALCLI_BIN/codex" --arg h "$AGENT_HOME" \
    '.ci.agent = "codex" | .ci.model = "gpt-5-codex" | .pricing["gpt-5-codex"] = {input_per_mtok: 2, output_per_mtok: 10, cache_read_per_mtok: 1} | .ci.agents.codex = {program: $p, env: {HOME: $h, OPENAI_API_KEY: "sk-test-not-a-key"}}'
}

start_and_approve() {
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 60
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

# requests_of ID: the model requests of builder ID's conversation, in order (JSON lines);
# Claude's side request without tools (a title for the session) also quotes the prompt
requests_of() {
  jq -c --arg m "'$1' component" 'select((.body | type) == "object" and (.body.tools | length) > 0) | select((.body.messages // .body.input) | tostring | test($m))' "$MODEL_DIR"/requests/*.json
}

# agent_doc ID: what the CLI printed for builder ID (its stdout, kept in the logs)
agent_out() { cat ".argo-project/logs/builder-$1.agent.out"; }

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
  limits '{"builder_stall_seconds": 8}'
  start_and_approve
  local t0=$SECONDS
  wait_state '.execution.builders[0].status == "failed"' 60
  (( SECONDS - t0 <= 40 ))
  [ "$(jq -r '.execution.builders[0].failure' .argo-project/state.json)" = stalled ]
  pgid=$(jq -r '.execution.builders[0].pid' .argo-project/state.json)
  wait_for 10 bash -c "! pgrep -g $pgid >/dev/null"
  # the request was made and left hanging: the CLI was waiting on the model, not on stdin
  [ "$(requests_of part-1 | wc -l)" -eq 1 ]
  wait_state '.action_needed == "review_merge"' 60
  # The other two are not asserted: Claude prints nothing on stdout before its result, so
  # under a loaded CI a slow start can outlast any short stall limit (seen at load 10).
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
    write_script "$(builder_conv part-1)" "$(builder_conv part-2 "$(jq -nc --arg d "$draft" --arg f "$fix" '[{bash: $d}, {text: "Drafted."}, {bash: $f}, {text: "Fixed."}]')")" "$(builder_conv part-3)"
    "use_$agent"
    config '.verify = {"command": "grep -q fixed part-*.txt", "retries": 1}'
    start_and_approve
    wait_state '.phase == "storage"' 120
    [ "$(cat part-2.txt)" = "fixed part-2" ]
    grep -q 'verify_failed' .argo-project/logs/builder-part-2.log
    grep -q 'Resuming agent session' .argo-project/logs/builder-part-2.log
    # four model turns in one conversation: the resumed request carries the first attempt
    # (its tool call and the tool's output) and the verify failure as the new prompt
    [ "$(requests_of part-2 | wc -l)" -eq 4 ]
    last=$(requests_of part-2 | sed -n 3p)
    if [[ $agent == claude ]]; then
      jq -e '[.body.messages[] | select(.role == "assistant")] | length == 2' <<< "$last" >/dev/null
      jq -e '[.body.messages[].content | arrays | .[] | select(.type == "tool_use") | .input.command] | .[0] | test("draft")' <<< "$last" >/dev/null
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
