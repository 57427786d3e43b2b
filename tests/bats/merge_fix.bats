#!/usr/bin/env bats
# The fix run (issue 20): a builder the merge gate sent back — its row as merge_build leaves
# it (status failed, failure merge_verify, merge_feedback, execution.retry_only, the
# workflow at execution / owner code) — runs through the execution phase with the fake
# agent CLIs: the target at merge_feedback.base is merged into its branch in its worktree
# before the agent starts, the agent is told the verify command, its output's tail and the
# components merged since, its session is resumed, and merge_feedback is gone once it completes.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
}

teardown_file() {
  load helpers
  stop_shim_helper
}

GIT=(git -c user.name=t -c user.email=t@t)
edit_state() { jq "$@" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json; }

# sent_back: core merged onto the default branch after cli's work began; cli sent back by the gate
sent_back() {
  local target wt="$PROJ/.argo-project/builders/cli"
  target=$(git symbolic-ref --short HEAD)
  git worktree add -q -b argo-builder-cli "$wt"
  echo draft > "$wt/cli.txt"
  "${GIT[@]}" -C "$wt" add cli.txt
  "${GIT[@]}" -C "$wt" commit -qm 'cli: first attempt'
  echo core > core.txt
  "${GIT[@]}" add core.txt
  "${GIT[@]}" commit -qm 'Merge builder: core'
  BASE=$(git rev-parse HEAD)
  config '.ci.agent = "claude" | .verify = {"merge_command": "test -f core.txt && test -f cli.txt"}'
  edit_state --arg wt "$wt" --arg base "$BASE" --arg target "$target" '.phase = "execution" | .action_owner = "code" | .action_needed = "execution" | .user_query = "Build a calculator"
    | .merge = {merged: ["core"], target: $target}
    | .execution = {retry_only: ["cli"], builders: [
        {id: "core", description: "The calculator core", status: "completed", acceptance: "core.txt exists", paths: ["core.txt"]},
        {id: "cli", description: "The command line", status: "failed", failure: "merge_verify", exit_code: 1, worktree: $wt, branch: "argo-builder-cli",
         usage: {input_tokens: 10, output_tokens: 5, cache_read_tokens: null, cost_usd: 0.01, session_id: "sess-claude-cli", agent: "claude", model: null},
         merge_feedback: {kind: "verify", target: $target, base: $base, output: null, tail: "VERIFY-TAIL: cli.test fails: core() is undefined", merged_since: ["core"], files: [], attempt: 1}}]}'
}

@test "a builder sent back by the merge gate: the target merged into its worktree first, told the verify tail and the merged components, resumed; merge_feedback gone after" {
  sent_back
  run -0 "$ROOT/phases/execution.sh" "$PROJ"
  assert_line 'Builder cli completed'
  local wt="$PROJ/.argo-project/builders/cli"
  # the target at base is in the builder's branch: merged before the agent ran (its commit, then the agent's)
  git -C "$wt" merge-base --is-ancestor "$BASE" argo-builder-cli
  [ "$(cat "$wt/core.txt")" = core ]
  git -C "$wt" log --format=%s argo-builder-cli | grep -qx "argo: merge $(jq -r .merge.target .argo-project/state.json) into argo-builder-cli (sent back by the merge gate)"
  grep -q "merge_fix - .* merged into argo-builder-cli" .argo-project/logs/builder-cli.log
  # the agent: resumed in its session, told the fix (one call)
  [ "$(ls "$FAKE_AGENT_LOG"/*.meta | wc -l)" -eq 1 ]
  grep -qx 'resume=sess-claude-cli' "$FAKE_AGENT_LOG"/*.meta
  local prompt
  prompt=$(tr '\0' '\n' < "$(ls "$FAKE_AGENT_LOG"/*.argv)")
  [[ $prompt == *"VERIFY-TAIL: cli.test fails: core() is undefined"* ]]
  [[ $prompt == *"- core: The calculator core"* ]]
  [[ $prompt == *"acceptance: core.txt exists"* ]]
  [[ $prompt == *"The verify command: test -f core.txt && test -f cli.txt"* ]]
  [[ $prompt == *"Make the verify command pass"*"commit"* ]]
  # the row: completed, merge_feedback removed, the failure cleared; the hand-off to merge_build
  run -0 jq -c '.execution.builders[] | select(.id == "cli") | [.status, has("merge_feedback"), .failure]' .argo-project/state.json
  [ "$output" = '["completed",false,null]' ]
  run -0 jq -c '[.phase, .action_owner, (.execution | has("retry_only"))]' .argo-project/state.json
  [ "$output" = '["merge_build","code",false]' ]
}

@test "a conflict merging the target is left for the agent, its files in the prompt; an agent that leaves it unresolved fails the builder, merge_feedback kept" {
  sent_back
  local wt="$PROJ/.argo-project/builders/cli"
  # the builder also wrote core.txt: merging the target conflicts there
  echo "cli's core" > "$wt/core.txt"
  "${GIT[@]}" -C "$wt" add core.txt
  "${GIT[@]}" -C "$wt" commit -qm 'cli: its own core'
  run -0 "$ROOT/phases/execution.sh" "$PROJ"
  assert_line 'Builder cli failed (agent_error)'
  prompt=$(tr '\0' '\n' < "$(ls "$FAKE_AGENT_LOG"/*.argv)")
  [[ $prompt == *'conflicted; the merge is in progress. Resolve these files first'*'- "core.txt"'* ]]
  grep -q 'conflicts in core.txt: left for the agent' .argo-project/logs/builder-cli.log
  grep -q 'the merge of the target is still in progress' .argo-project/logs/builder-cli.log
  # nothing committed with its markers: the merge is still in progress for the next attempt
  git -C "$wt" rev-parse -q --verify MERGE_HEAD
  [ "$(git -C "$wt" ls-files -u | wc -l)" -gt 0 ]
  run -0 jq -c '.execution.builders[] | select(.id == "cli") | [.status, .failure, (.merge_feedback.base == "'"$BASE"'")]' .argo-project/state.json
  [ "$output" = '["failed","agent_error",true]' ]
}

@test "argo doctor: merge.resolver — the builders' preset by default, a bad value fails with the key, the value and what is accepted, \"none\" noted" {
  export ANTHROPIC_API_KEY=sk-test CODEX_API_KEY=sk-test IS_SANDBOX=1 # the agent checks pass: only the resolver's line decides
  config '.ci.agent = "claude"'
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial "ok   resolver: claude (agent preset claude) from ci.agent (the builders' agent; no merge.resolver)"
  config '.merge = {"resolver": 7}'
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "FAIL resolver: ERROR: merge.resolver is 7 in $PROJ/.argo-project/config.json: not a string; accepted: an agent preset (claude, codex, gemini, aider, opencode, cursor), a command line, or \"none\""
  config '.merge = {"resolver": "none"}'
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'note resolver: none (merge.resolver is "none"): merge conflicts go to you'
  config '.merge = {"resolver": "codex"}'
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'ok   resolver: codex (agent preset codex) from merge.resolver'
  assert_line --partial "found: $ROOT/tests/fixtures/agents/codex"
}
