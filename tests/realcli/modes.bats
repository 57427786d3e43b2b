#!/usr/bin/env bats
# workflow.kind best_of_n and bugfix (issue 22) against the REAL Claude Code and Codex CLIs
# (tests/realcli/install.sh), offline, each talking to the scripted model server on loopback
# (tests/realcli/model_server.ts). Few and fast: one best-of-n across both CLIs where claude's
# candidate fails verify and codex's wins, and one bugfix red → green with Claude Code.
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
  [[ -n ${CODEX_PID:-} ]] && kill "$CODEX_PID" 2>/dev/null || true
  true
}

teardown_file() {
  load ../bats/helpers
  stop_shim_helper
}

# builder ID COMMAND: the builder conversation of component ID: it runs COMMAND, then is done
builder() {
  jq -nc --arg id "$1" --arg c "$2" '{name: $id, match: "You are building the \u0027\($id)\u0027 component", turns: [{bash: $c}, {text: "Done: \($id)."}]}'
}

write_script() { printf '%s\n' "$@" | jq -sc '{conversations: .}' > "$WORK/script.json"; }

start_and_approve() { # QUERY
  "$ROOT/start_workflow.sh" "$1" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 60
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

@test "best_of_n across Claude Code and Codex (real CLIs): claude's candidate fails verify, codex's passes and is merged; claude's kept under refs/argo/kept with its cost" {
  # one script for both servers: each CLI only ever sees its own candidate's prompt
  write_script "$(builder candidate-1-claude "$(commit_cmd candidate-1-claude wrong)")" "$(builder candidate-2-codex "$(commit_cmd candidate-2-codex right)")"
  MODEL_NAME=model-codex use_codex
  CODEX_DIR=$MODEL_DIR CODEX_PID=$MODEL_PID
  use_claude
  CLAUDE_DIR=$MODEL_DIR
  config '.ci.agent = "claude" | .ci.model = null | .ci.agents.codex.model = "gpt-5-codex"
    | .workflow = {kind: "best_of_n"} | .best_of_n = {builders: ["claude", "codex"]}
    | .verify = {command: "grep -q right candidate-*.txt", retries: 0}'
  start_and_approve "Write the greeting"
  wait_state '.phase == "storage" or .action_owner == "user" and .action_needed != "none"' 180
  [ "$(jq -r '.phase' .argo-project/state.json)" = storage ]
  [ "$(jq -r '[.execution.builders[] | "\(.id):\(.status):\(.agent):\(.usage.agent)"] | join(",")' .argo-project/state.json)" = "candidate-1-claude:failed:claude:claude,candidate-2-codex:completed:codex:codex" ]
  [ "$(jq -r .best_of_n.winner .argo-project/state.json)" = candidate-2-codex ]
  [ "$(jq -r '[.best_of_n.candidates[] | "\(.id):\(.verify_passed)"] | join(",")' .argo-project/state.json)" = "candidate-1-claude:false,candidate-2-codex:true" ]
  [ "$(cat candidate-2-codex.txt)" = "right candidate-2-codex" ] && [ ! -e candidate-1-claude.txt ]
  local ref
  ref=$(jq -r '.best_of_n.candidates[0].kept_ref' .argo-project/state.json)
  [[ $ref == refs/argo/kept/*/candidate-1-claude ]]
  [ "$(git show "$ref:candidate-1-claude.txt")" = "wrong candidate-1-claude" ]
  # each CLI built only its own candidate
  MODEL_DIR=$CLAUDE_DIR
  [ "$(conv_requests candidate-1-claude | wc -l)" -ge 2 ] && [ "$(conv_requests candidate-2-codex | wc -l)" -eq 0 ]
  MODEL_DIR=$CODEX_DIR
  [ "$(conv_requests candidate-2-codex | wc -l)" -ge 2 ] && [ "$(conv_requests candidate-1-claude | wc -l)" -eq 0 ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_output --partial 'Best of 2: candidate-2-codex won - the only candidate that passed verify'
  assert_line --regexp '^  candidate-1-claude \(claude\): verify failed, diff 1 lines, cost \$[0-9.]+ - kept as refs/argo/kept/'
}

@test "bugfix with Claude Code (real CLI): the test fails on the base (red), the fix makes it pass (green), both runs kept and shown" {
  local GA="git -c user.name=agent -c user.email=agent@example.com"
  write_script \
    "$(builder bugfix-test "echo 'test -f fixed.txt' > check.sh && git add check.sh && $GA commit -qm 'test: reproduce the bug' && echo committed")" \
    "$(builder bugfix-fix "test -f check.sh && echo ok > fixed.txt && git add fixed.txt && $GA commit -qm 'fix the bug' && echo committed")"
  use_claude
  config '.workflow = {kind: "bugfix"} | .verify = {command: "bash check.sh", retries: 0}'
  start_and_approve "the greeting is missing"
  wait_state '.phase == "storage" or .action_owner == "user" and .action_needed != "none"' 180
  [ "$(jq -r '.phase' .argo-project/state.json)" = storage ]
  [ "$(jq -r '[.bugfix.red.passed, .bugfix.red.exit_code, .bugfix.green.passed] | map(tostring) | join(",")' .argo-project/state.json)" = false,1,true ]
  [ -f check.sh ] && [ -f fixed.txt ]
  git log --format=%s | grep -qx 'test: reproduce the bug'
  git log --format=%s | grep -qx 'fix the bug'
  [ "$(git log --merges --format=%s | tr '\n' ,)" = "Merge builder: bugfix-fix," ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line --partial 'red: bash check.sh failed (exit status 1) in bugfix-test'
  assert_line --partial 'green: bash check.sh passed in bugfix-fix'
}
