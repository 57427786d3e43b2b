# Shared by the real-CLI test files (realcli.bats, plan.bats, limits.bats, resolver.bats): a git project with the
# demo config, the scripted model server of tests/realcli/model_server.ts on loopback, the
# claude / codex presets pointed at the real programs with a scratch HOME. Loaded from a
# test file's setup(); needs tests/bats/helpers.bash loaded first.
source "$BATS_TEST_DIRNAME/clis.bash"

realcli_setup() {
  require_tool "real agent CLIs in $REALCLI_CACHE" tests/realcli/install.sh realcli_installed
  unset CI_COMMAND ARGO_AGENT ANTHROPIC_API_KEY ANTHROPIC_BASE_URL OPENAI_API_KEY CODEX_API_KEY IS_SANDBOX
  git_work_project
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  AGENT_HOME="$WORK/home" # the CLIs' HOME: no real login or settings are read
  mkdir -p "$AGENT_HOME"
  MODEL_PID=
}

realcli_teardown() {
  end_project_orchestrator
  [[ -n $MODEL_PID ]] && kill "$MODEL_PID" 2>/dev/null || true
  true
}

config() {
  jq "$@" .argo-project/config.json > .argo-project/config.json.new && mv .argo-project/config.json.new .argo-project/config.json
}
limits() {
  jq ".limits += $1" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
}

# commit_cmd ID WORD: a shell command writing "<WORD> <ID>" to <ID>.txt and committing it
commit_cmd() { printf "echo '%s %s' > %s.txt && git add %s.txt && git -c user.name=agent -c user.email=agent@example.com commit -qm 'build %s' && echo committed" "$2" "$1" "$1" "$1" "$1"; }

# model_server_js: model_server.ts as JavaScript, made once per test file (esbuild strips the
# types: ≈ 0.1 s; through tsx every start cost ≈ 0.5 s of CPU); prints its path.
model_server_js() {
  local js="$BATS_FILE_TMPDIR/model_server.mjs"
  if [[ ! -s $js ]]; then # tests of one file may run at once: each writes its own, then renames
    "$ROOT/node_modules/.bin/esbuild" "$ROOT/tests/realcli/model_server.ts" --format=esm --platform=node --log-level=error --outfile="$js.$BASHPID" >&2 &&
      mv -f "$js.$BASHPID" "$js" || return 1
  fi
  echo "$js"
}

# start_model_server messages|responses: the scripted server ($WORK/script.json) on
# loopback; sets MODEL_DIR ($WORK/$MODEL_NAME, default $WORK/model: a second server for a
# second CLI) and MODEL_URL
start_model_server() {
  MODEL_DIR="$WORK/${MODEL_NAME:-model}"
  node "$(model_server_js)" --api "$1" --script "$WORK/script.json" --dir "$MODEL_DIR" 2> "$WORK/model.err" &
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

# conv_requests NAME: the model requests the server routed to conversation NAME, in order
# (one JSON document a line; DIR/routes says which request went where)
conv_requests() {
  local n _name _turn
  [[ -f $MODEL_DIR/routes ]] || return 0
  while read -r n _name _turn; do
    [[ $_name == "$1" ]] && jq -c . "$MODEL_DIR/requests/$n.json"
  done < "$MODEL_DIR/routes"
  return 0
}

# post PATH JSON: a request to the model server, its answer on stdout
post() {
  node -e 'fetch(process.argv[1], {method: "POST", headers: {"content-type": "application/json"}, body: process.argv[2]}).then((r) => r.text()).then((t) => process.stdout.write(t))' "$MODEL_URL$1" "$2"
}

# show_requests: every model request as one line, for a failure's output: its number, where
# the server routed it, and its messages (role, then the start of each block's text or its type)
show_requests() {
  local n name turn
  [[ -f $MODEL_DIR/routes ]] || return 0
  while read -r n name turn; do
    printf '%s %s %s: ' "$n" "$name" "$turn"
    jq -c '[(.body.messages // .body.input // [])[] | "\(.role // .type): " + (if (.content | type) == "string" then .content[0:60]
      else ([.content // [] | arrays | .[] | (.text // .type // "") | tostring | .[0:60]] | join(" | ")) end)]' "$MODEL_DIR/requests/$n.json"
  done < "$MODEL_DIR/routes"
}

# tool_outputs: the tool results a request (JSON on stdin) carries back to the model, one per line
tool_outputs() {
  jq -r '((.body.messages // []) | map(.content | arrays | .[] | select(.type == "tool_result") | .content | if type == "string" then . else (map(.text // "") | join("")) end))
    + ((.body.input // []) | map(select(.type == "function_call_output") | .output | tostring)) | .[]'
}

# no_violations: the server found everything its scripts expect (model_server.ts "expect")
no_violations() {
  if [[ -s $MODEL_DIR/violations ]]; then
    echo "the model server's violations:" >&2
    cat "$MODEL_DIR/violations" >&2
    return 1
  fi
}

# agent_out ID: what the CLI printed for builder ID (its stdout, kept in the logs)
agent_out() { cat ".argo-project/logs/builder-$1.agent.out"; }
