#!/usr/bin/env bats
# Issue 18 against the REAL Claude Code and Codex CLIs (tests/realcli/install.sh), offline,
# each talking to the scripted model server on loopback (tests/realcli/model_server.ts):
# a requirement becomes a plan through the CLIs' structured output (Claude `--json-schema`,
# Codex `--output-schema`), a prose design gets one follow-up question in the same session,
# the builders are told the requirement, the design file, their paths and their siblings'
# (the server checks their first request: DIR/violations), dependency waves run in order,
# and `worktree.setup` / `worktree.copy` / the ARGO_* variables reach the agent. No JSON is
# typed by hand: `argo approve` without --components. tests/run.sh runs this folder when the
# CLIs are installed (always under CI=true).
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

REQ='Build a calculator: a core module and a ui on top of it'
# The plan the model returns: ui depends on core, each owns one file.
PLAN=$(jq -nc '{overview: "A core, and a ui on top of it.", components: [
  {id: "core", description: "The calculator core", paths: ["core.txt"], depends_on: [], acceptance: "core.txt says core"},
  {id: "ui", description: "The ui on the core", paths: ["ui.txt"], depends_on: ["core"], acceptance: "ui.txt says ui"}]}')
GIT_AGENT="git -c user.name=agent -c user.email=agent@example.com"
# What every builder must have been told (regexes on its first request; model_server.ts "expect")
NOT_TOLD='["Record completion in the workflow state"]' # an instruction no agent can follow

# design_conv TURNS_JSON: the design's conversation, last in the script (a builder's
# prompt quotes the requirement too); its first request must ask for the plan's fields
design_conv() {
  jq -nc --arg r "$REQ" --argjson t "$1" '{name: "design", match: "high-level software design", expect: [$r, "paths", "depends_on", "acceptance"], turns: $t}'
}

# builder_conv ID SIBLING COMMAND: a builder that runs COMMAND, then says it is done; its
# first request must carry the requirement, the design file, its paths, its sibling with
# the sibling's paths, its acceptance line, the verify command and "commit"
builder_conv() {
  local id=$1 sib=$2
  jq -nc --arg id "$id" --arg sib "$sib" --arg r "$REQ" --arg c "$3" --argjson no "$NOT_TOLD" '{
    name: $id, match: "You are building the \u0027\($id)\u0027 component",
    expect: [$r, "\\.argo/design\\.md", "\($id)\\.txt", "\($sib)[^\\n]*\($sib)\\.txt", "\($id)\\.txt says \($id)", "test -f core\\.txt", "[Cc]ommit"],
    expect_not: $no,
    turns: [{bash: $c}, {text: "Built \($id)."}]}'
}

# write_script CONVERSATION_JSON…
write_script() { printf '%s\n' "$@" | jq -sc '{conversations: .}' > "$WORK/script.json"; }

# The builders of the plan: core checks the design file is there and knows its sibling;
# ui's command works only where core's work already is (its worktree made from the
# main that core was merged into)
plan_script() {
  write_script \
    "$(builder_conv core ui "test -s .argo/design.md && grep -q ui.txt .argo/design.md && echo core > core.txt && git add core.txt && $GIT_AGENT commit -qm 'build core' && echo committed")" \
    "$(builder_conv ui core "test -f core.txt && echo ui > ui.txt && git add ui.txt && $GIT_AGENT commit -qm 'build ui' && echo committed-on-top-of-core")" \
    "$(design_conv "$1")"
}

# The plan as structured output; a CLI asked without a schema (a tree before issue 18)
# refuses the StructuredOutput call and gets the same JSON as text (turn 1).
STRUCTURED=$(jq -nc --argjson p "$PLAN" '[{structured: $p, usage: {input: 500, output: 100}}, {text: ($p | tojson)}]')

start_design() {
  "$ROOT/start_workflow.sh" "$REQ" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 90
}

# The components saved are the plan's, and the plan check found nothing to warn about
plan_saved() {
  [ "$(jq -c '[.design.components[] | {id, description, paths, depends_on, acceptance}]' .argo-project/state.json)" = "$(jq -c '.components' <<< "$PLAN")" ]
  jq -e '(.design.warnings // []) == [] and (.design.rejected_components // []) == []' .argo-project/state.json >/dev/null
}

# user_texts: the user messages of a request (JSON on stdin), one JSON string a line
user_texts() { jq -c '(.body.messages // .body.input)[] | select(.role == "user") | .content | if type == "string" then . else (map(.text // "") | join("")) end'; }
assistant_texts() { jq -c '(.body.messages // .body.input)[] | select(.role == "assistant") | .content | if type == "string" then . else (map(.text // "") | join("")) end'; }

# session_of: the session a request (JSON on stdin) belongs to, as its CLI names it
session_of() { jq -r '.headers["x-claude-code-session-id"] // .headers["thread-id"] // .headers["session-id"]'; }

# model_requests: how many model requests offered tools (a CLI's real turns; Claude's
# side requests without tools are not turns of any conversation)
model_requests() {
  jq -s '[.[] | select(.method == "POST" and (.body | type) == "object" and ((.body.tools // []) | length) > 0)] | length' "$MODEL_DIR"/requests/*.json
}

# turn_seen NAME TURN: the server answered conversation NAME's turn TURN
turn_seen() { grep -q " $1 $2\$" "$MODEL_DIR/routes"; }

# a requirement becomes a plan (the schema offered, answered once), approved as it is,
# built in waves to storage: what (a) and (b) share
plan_to_storage() {
  plan_script "$STRUCTURED"
  "use_$1"
  config '.verify = {"command": "test -f core.txt", "retries": 0}'
  start_design
  plan_saved
  # the design was asked for the plan through the CLI's structured output, once
  [ "$(conv_requests design | wc -l)" -eq 1 ]
  local first
  first=$(conv_requests design | head -1)
  if [[ $1 == claude ]]; then
    jq -e '[.body.tools[] | select(.name == "StructuredOutput") | .input_schema.properties.components.items.properties | keys] | length == 1 and (["id", "description", "paths", "depends_on", "acceptance"] - .[0] == [])' <<< "$first" >/dev/null
  else
    jq -e '.body.text.format.type == "json_schema" and (["id", "description", "paths", "depends_on", "acceptance"] - (.body.text.format.schema.properties.components.items.properties | keys) == [])' <<< "$first" >/dev/null
  fi
  # approved as the plan stands: no JSON typed by hand
  run -0 "$ROOT/compat/argo" approve "$PROJ"
  wait_state '.phase == "storage" or .action_needed == "review_merge"' 180
  [ "$(jq -r .phase .argo-project/state.json)" = storage ]
  [ "$(jq -r '[.execution.builders[] | "\(.id):\(.depends_on | join("+")):\(.paths | join("+"))"] | join(",")' .argo-project/state.json)" = "core::core.txt,ui:core:ui.txt" ]
  [ "$(cat core.txt)" = core ] && [ "$(cat ui.txt)" = ui ]
  git log --format=%s | grep -qx 'build core'
  git log --format=%s | grep -qx 'build ui'
  # each builder was told what it had to be (the server's checks of their first requests)
  turn_seen core 0 && turn_seen ui 0
  no_violations
  # waves: ui's first request came after core's last, and its worktree already held core's work
  awk '$2 == "core" && $3 == 1 {c = NR} $2 == "ui" && $3 == 0 {u = NR} END {exit !(c && u && c < u)}' "$MODEL_DIR/routes"
  conv_requests ui | sed -n 2p | tool_outputs | grep -q committed-on-top-of-core
  # the design file was in core's worktree (its command checked it), and never reached a commit
  conv_requests core | sed -n 2p | tool_outputs | grep -qx committed
  [ -z "$(git log --all --format= --name-only | grep -E '^\.argo/')" ]
}

@test "claude (real CLI): a requirement becomes a plan via --json-schema (StructuredOutput), approved as it is, built in waves (ui after core, on core's work) to storage; each builder was told its requirement, paths and siblings" {
  plan_to_storage claude
}

@test "codex (real CLI): a requirement becomes a plan via exec --output-schema, approved as it is, built in waves to storage; each builder was told its requirement, paths and siblings" {
  plan_to_storage codex
}

@test "codex (real CLI): a design answered in prose gets exactly one follow-up in the same session (resumed, carrying the prose answer); the plan it returns is saved" {
  plan_script "$(jq -nc --argjson p "$PLAN" '[{text: "A prose design: a core, and a ui on top of it."}, {structured: $p}]')"
  use_codex
  start_design
  plan_saved
  # two model requests in all, both the design's: the question and the one follow-up
  [ "$(conv_requests design | wc -l)" -eq 2 ]
  [ "$(model_requests)" -eq 2 ]
  first=$(conv_requests design | sed -n 1p) second=$(conv_requests design | sed -n 2p)
  # the same session: the follow-up carries the prose answer, under the same thread
  assistant_texts <<< "$second" | grep -q 'A prose design'
  user_texts <<< "$second" | tail -1 | grep -q 'component list'
  [ "$(session_of <<< "$second")" = "$(session_of <<< "$first")" ]
  [ -n "$(session_of <<< "$first")" ]
  # the follow-up asked for the schema too (the structured turn would be a violation otherwise)
  no_violations
}

@test "codex (real CLI): a design still in prose after the one follow-up: no third request, no components, and status offers only the editor (never the plain approve that fails)" {
  plan_script '[{"text": "A prose design: a core, and a ui on top of it."}, {"text": "Still prose, no list."}, {"text": "A third answer nobody should ask for."}]'
  use_codex
  start_design
  [ "$(conv_requests design | wc -l)" -eq 2 ]
  [ "$(model_requests)" -eq 2 ]
  [ "$(jq -r '.design.components | length' .argo-project/state.json)" = 0 ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --partial 'no component list'
  assert_output --partial 'approve --components'
  run ! grep -E "approve ['\"]?$PROJ['\"]?\$" <<< "$output"
}

@test "claude (real CLI): a design answered in prose — the CLI's own StructuredOutput reminder answered in prose too — gets exactly one follow-up of argo's in the same session; the plan it returns is saved" {
  plan_script "$(jq -nc --argjson p "$PLAN" '[{text: "A prose design: a core, and a ui on top of it."}, {text: "Still prose, no list."}, {structured: $p}]')"
  use_claude
  start_design
  plan_saved
  # three turns: the question, the CLI's own reminder (one run), argo's one follow-up (a resumed run)
  [ "$(conv_requests design | wc -l)" -eq 3 ]
  [ "$(model_requests)" -eq 3 ]
  first=$(conv_requests design | sed -n 1p) second=$(conv_requests design | sed -n 2p) third=$(conv_requests design | sed -n 3p)
  user_texts <<< "$second" | tail -1 | grep -q 'structured-output-enforce'
  user_texts <<< "$third" | tail -1 | grep -q 'component list'
  run ! grep -q 'structured-output-enforce' <<< "$(user_texts <<< "$third" | tail -1)"
  # the follow-up carries both earlier answers, in the same session
  [ "$(assistant_texts <<< "$third" | grep -c 'prose')" -eq 2 ]
  [ "$(session_of <<< "$third")" = "$(session_of <<< "$first")" ]
  [ -n "$(session_of <<< "$first")" ]
  no_violations
}

@test "codex (real CLI): worktree.setup runs before the agent, a worktree.copy file is in the worktree but in no commit, ARGO_BUILDER_ID/INDEX/PORT_BASE reach the agent and verify" {
  local plan1 cmd
  plan1=$(jq -nc '{overview: "One app.", components: [{id: "app", description: "The app", paths: ["app.txt", "left.txt"], depends_on: [], acceptance: "app.txt says app"}]}')
  # the agent's first command reports what it finds, commits app.txt and leaves left.txt for
  # the wrapper to commit. The setup's marker is an empty folder: git never commits one (and
  # Codex refuses an `rm -f`)
  cmd="if test -d setup-ran; then echo setup-ran-before-agent; fi; cat .env.local; echo \"env id=\$ARGO_BUILDER_ID index=\$ARGO_BUILDER_INDEX ports=\$ARGO_PORT_BASE\"; echo app > app.txt && git add app.txt && $GIT_AGENT commit -qm 'build app' && echo left > left.txt && echo committed"
  write_script \
    "$(jq -nc --arg c "$cmd" '{name: "app", match: "You are building the \u0027app\u0027 component", turns: [{bash: $c}, {text: "Built app."}]}')" \
    "$(jq -nc --argjson p "$plan1" '{name: "design", match: "high-level software design", turns: [{structured: $p}, {text: ($p | tojson)}]}')"
  use_codex
  printf 'SECRET=from-the-main-checkout\n' > .env.local # untracked, not ignored
  config --arg v "$WORK/verify-env" '.worktree = {setup: "mkdir setup-ran", copy: [".env.local"], port_base: 31000, port_block: 10}
    | .verify = {command: ("echo \"id=$ARGO_BUILDER_ID index=$ARGO_BUILDER_INDEX ports=$ARGO_PORT_BASE\" >> " + $v), retries: 0}'
  start_design
  run -0 "$ROOT/compat/argo" approve "$PROJ"
  wait_state '.phase == "storage" or .action_needed == "review_merge"' 120
  [ "$(jq -r .phase .argo-project/state.json)" = storage ]
  out=$(conv_requests app | sed -n 2p | tool_outputs)
  # setup had run when the agent's first tool call ran; the copy was there; the variables set
  grep -qx setup-ran-before-agent <<< "$out"
  grep -qx SECRET=from-the-main-checkout <<< "$out"
  grep -qx 'env id=app index=0 ports=31000' <<< "$out"
  grep -qx 'id=app index=0 ports=31000' "$WORK/verify-env"
  # the agent's commit and the wrapper's commit of what it left: merged, without the copy
  [ "$(cat app.txt)" = app ] && [ "$(cat left.txt)" = left ]
  git log --format=%s | grep -qx 'argo: uncommitted work left by builder app'
  [ -z "$(git log --all --format= --name-only | grep -E '^(\.env\.local|setup-ran|\.argo/)')" ]
  # the main checkout's file untouched and still not tracked (argo may list it in the
  # repository's info/exclude, which the worktrees share: then git status calls it ignored)
  [ -z "$(git ls-files -- .env.local)" ]
  [ "$(cat .env.local)" = SECRET=from-the-main-checkout ]
  no_violations
}

@test "model server (no CLI): structured turns for both APIs; expect / expect_not / a structured turn the request cannot take are written to violations; routes name each request's conversation and turn" {
  jq -nc '{conversations: [{name: "b", match: "hello", expect: ["hello", "missing-word"], expect_not: ["forbidden"], turns: [{structured: {a: 1}}, {text: "second"}]}]}' > "$WORK/script.json"
  start_model_server messages
  # turn 0 without a StructuredOutput tool: answered as scripted, one violation for it, two for the prompt
  run -0 post /v1/messages '{"tools": [{"name": "Bash"}], "messages": [{"role": "user", "content": "hello forbidden"}]}'
  assert_output --partial '"name":"StructuredOutput"'
  assert_output --partial '"partial_json":"{\"a\":1}"'
  # turn 1 (the request carries one answer): no first-request checks again
  run -0 post /v1/messages '{"tools": [{"name": "StructuredOutput"}], "messages": [{"role": "user", "content": "hello forbidden"}, {"role": "assistant", "content": "x"}, {"role": "user", "content": "more"}]}'
  assert_output --partial '"text":"second"'
  # a side request without tools: "other"
  run -0 post /v1/messages '{"messages": [{"role": "user", "content": "hello"}]}'
  assert_output --partial '"text":"ok"'
  [ "$(cat "$MODEL_DIR/routes")" = $'0001 b 0\n0002 b 1\n0003 other -' ]
  [ "$(cat "$MODEL_DIR/violations")" = $'b: first request lacks /missing-word/\nb: first request has /forbidden/\nb: turn 0 answers structured output, but the request offers no StructuredOutput tool' ]
  run ! no_violations
  kill "$MODEL_PID" && wait_gone "$MODEL_PID" 10 && MODEL_PID=
  # Responses API: the object's JSON as the message text; a request with text.format json_schema is no violation
  rm -rf "$MODEL_DIR"
  jq -nc '{conversations: [{name: "c", match: "plan", expect: ["plan"], turns: [{structured: {components: []}}]}]}' > "$WORK/script.json"
  start_model_server responses
  run -0 post /v1/responses '{"text": {"format": {"type": "json_schema", "schema": {}}}, "input": [{"role": "user", "content": [{"type": "input_text", "text": "a plan"}]}]}'
  assert_output --partial '"text":"{\"components\":[]}"'
  [ "$(cat "$MODEL_DIR/routes")" = '0001 c 0' ]
  no_violations
}
