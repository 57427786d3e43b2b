#!/usr/bin/env bats
# The conflict resolver (issue 20) against the REAL Claude Code and Codex CLIs
# (tests/realcli/install.sh), offline, scripted by the model server on loopback
# (tests/realcli/model_server.ts): a textual conflict in an integration worktree is resolved
# by the CLI's own shell tool calls through resolveConflict (merge/resolver.ts, called as
# merge_build calls it, by tests/realcli/resolve_conflict.mjs on dist/), the prompt it got
# naming the files, both sides and the verify command (the server checks it); and a CLI that
# answers without resolving gives up, the merge still in progress. merge.resolver is not set:
# the builders' preset (ci.agent) resolves.
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
  conflict
}

teardown() {
  realcli_teardown
}

teardown_file() {
  load ../bats/helpers
  stop_shim_helper
}

GIT=(git -c user.name=t -c user.email=t@t)
INCOMING='{"id": "cli", "description": "The command line", "paths": ["app.txt"], "acceptance": "app.txt names cli"}'
MERGED='[{"id": "core", "description": "The calculator core", "paths": ["app.txt"], "acceptance": "app.txt names core"}]'
VERIFY='grep -qx core app.txt && grep -qx cli app.txt'

# conflict: cli's branch and the target both changed app.txt; the merge of cli stopped on it
# in an integration worktree detached at the target's tip
conflict() {
  TARGET=$(git symbolic-ref --short HEAD)
  echo base > app.txt && "${GIT[@]}" add app.txt && "${GIT[@]}" commit -qm base
  git checkout -qb argo-builder-cli && echo cli > app.txt && "${GIT[@]}" commit -qam cli
  git checkout -q "$TARGET" && echo core > app.txt && "${GIT[@]}" commit -qam 'Merge builder: core'
  START=$(git rev-parse HEAD) CLI=$(git rev-parse argo-builder-cli)
  INTEGRATION="$PROJ/.argo-project/merging/integration"
  git worktree add -q --detach "$INTEGRATION" "$TARGET"
  run ! "${GIT[@]}" -C "$INTEGRATION" merge --no-ff -m 'Merge builder: cli' argo-builder-cli
  [ "$(git -C "$INTEGRATION" diff --name-only --diff-filter=U)" = app.txt ]
}

# resolver_script TURNS_JSON: the resolver's conversation; its first request must name the
# file, both sides' descriptions, paths and acceptance lines, the target and the verify command
resolver_script() {
  jq -nc --argjson t "$1" --arg target "$TARGET" '{conversations: [{name: "resolver", match: "A merge of builder .cli.", turns: $t,
    expect: ["\"app\\.txt\"", "The command line", "app\\.txt names cli", "The calculator core", "app\\.txt names core", "into \($target)", "grep -qx core app\\.txt", "git commit"]}]}' > "$WORK/script.json"
}

resolve() {
  run -0 node "$BATS_TEST_DIRNAME/resolve_conflict.mjs" "$PROJ" "$INTEGRATION" "$TARGET" "$INCOMING" "$MERGED" "$VERIFY"
  RESULT=$output
}

RESOLVE_CMD="printf 'core\\ncli\\n' > app.txt && git add app.txt && git -c user.name=agent -c user.email=agent@example.com commit -qm 'Merge builder: cli' && echo resolved"

resolved_by() {
  resolver_script "$(jq -nc --arg c "$RESOLVE_CMD" '[{bash: $c, usage: {input: 900, output: 60}}, {text: "Resolved: both lines kept.", usage: {input: 1000, output: 20}}]')"
  "use_$1"
  resolve
  jq -e --arg a "$1" '.kind == "resolved" and .agent == $a' <<< "$RESULT"
  # HEAD is the merge commit concluding the merge: the target's tip, then cli's; the verify passes there
  [ "$(jq -r .commit <<< "$RESULT")" = "$(git -C "$INTEGRATION" rev-parse HEAD)" ]
  run -0 git -C "$INTEGRATION" rev-list --parents -n 1 HEAD
  [ "${output#* }" = "$START $CLI" ]
  (cd "$INTEGRATION" && bash -c "$VERIFY")
  run -1 git -C "$INTEGRATION" rev-parse -q --verify MERGE_HEAD
  # the CLI ran the command itself (the tool's output went back to the model)
  conv_requests resolver | sed -n 2p | tool_outputs | grep -qx resolved
  no_violations
  # its usage: root merge.usage, counted for the budget; the target itself did not move
  jq -e --arg a "$1" '.merge.usage.agent == $a and .merge.usage.input_tokens > 0 and .merge.usage.output_tokens > 0' .argo-project/state.json
  [ "$(git rev-parse "$TARGET")" = "$START" ]
}

@test "claude (real CLI): the builders' preset resolves a textual conflict in the integration worktree with its shell tool; HEAD the merge commit; usage in merge.usage" {
  resolved_by claude
}

@test "codex (real CLI): resolves the same conflict with its exec_command tool; HEAD the merge commit; usage in merge.usage" {
  resolved_by codex
}

@test "claude (real CLI): a resolver that answers without resolving gives up; the merge is still in progress, markers and all" {
  resolver_script '[{"text": "I cannot resolve this safely: both sides rewrite the same line.", "usage": {"input": 700, "output": 30}}]'
  use_claude
  resolve
  jq -e '.kind == "gave_up" and .agent == "claude" and .message == "files still unmerged: \"app.txt\""' <<< "$RESULT"
  [ "$(git -C "$INTEGRATION" rev-parse MERGE_HEAD)" = "$CLI" ]
  [ "$(git -C "$INTEGRATION" rev-parse HEAD)" = "$START" ]
  grep -q '^<<<<<<< ' "$INTEGRATION/app.txt"
  no_violations
  # spent all the same: counted
  jq -e '.merge.usage.input_tokens > 0' .argo-project/state.json
  grep -q 'resolver - builder cli: gave up - files still unmerged' .argo-project/logs/workflow.log
}
