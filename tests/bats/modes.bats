#!/usr/bin/env bats
# workflow.kind bugfix and best_of_n (issue 22), end to end with the fake agent CLIs
# (tests/fixtures/agents: each builder writes <id>.txt saying "fixed <id> by <agent>"):
# bugfix red → green (both runs kept as evidence and shown), a fix whose test never failed
# refused (nothing merged, handed to the person), best-of-n across claude and codex where
# claude's candidate fails verify and codex's wins (the loser kept under refs/argo/kept/…),
# and the smallest diff winning when both pass.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  git commit -q --allow-empty -m base
}

teardown() {
  [[ -n ${ORCH:-} ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

start_and_approve() { # QUERY
  "$ROOT/start_workflow.sh" "$1" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

# On the test's branch bugfix-test.txt exists and bugfix-fix.txt does not: the command fails (red);
# with the fix both exist: it passes (green).
BUG_TEST='test ! -f bugfix-test.txt || test -f bugfix-fix.txt'

@test "bugfix: the test fails on the base (red), the fix makes it pass (green); evidence kept and shown; the fix merged with its test" {
  config ".ci.agent = \"claude\" | .workflow = {kind: \"bugfix\"} | .verify = {command: \"$BUG_TEST\"}"
  start_and_approve "the parser crashes on empty input"
  [ "$(jq -r '.design.components | map(.id) | join(",")' .argo-project/state.json)" = bugfix-test,bugfix-fix ]
  wait_state '.phase == "storage"' 90
  [ "$(state '.bugfix.red.passed')" = false ]
  [ "$(state '.bugfix.red.builder')" = bugfix-test ]
  [ "$(state '.bugfix.red.command')" = "$BUG_TEST" ]
  [ "$(state '.bugfix.green.passed')" = true ]
  [ "$(state '.bugfix.green.builder')" = bugfix-fix ]
  [ "$(state '.bugfix.refused')" = null ]
  # the fix's branch started at the test's: both files are on main, through one merge (the fix's)
  grep -q 'fixed bugfix-test by claude' bugfix-test.txt
  grep -q 'fixed bugfix-fix by claude' bugfix-fix.txt
  [ "$(git log --merges --format=%s | tr '\n' ,)" = "Merge builder: bugfix-fix," ]
  [ "$(state '[.execution.builders[] | .id + ":" + .status] | join(",")')" = bugfix-test:completed,bugfix-fix:completed ]
  [ "$(state '.execution.builders[1].based_on')" = bugfix-test ]
  # the test's branch is on the fix's: both worktrees and branches are gone
  [ -z "$(git branch --list 'argo-builder-*')" ]
  [ "$(git worktree list | wc -l)" -eq 1 ]
  run "$ROOT/status.sh" "$PROJ"
  assert_output --partial 'Bugfix (test first)'
  assert_line --partial "red: $BUG_TEST failed (exit status 1) in bugfix-test"
  assert_line --partial "green: $BUG_TEST passed in bugfix-fix"
  run "$ROOT/status.sh" --json "$PROJ"
  [ "$(jq -r '.bugfix.red.passed, .bugfix.green.passed' <<< "$output" | tr '\n' ,)" = false,true, ]
}

@test "bugfix: a fix whose test never failed is refused: no fix built, nothing merged, the person told why" {
  config '.ci.agent = "claude" | .workflow = {kind: "bugfix"} | .bugfix = {test_command: "true"} | .verify = {command: "false"}'
  start_and_approve "the parser crashes on empty input"
  wait_state '.action_needed == "review_bugfix"' 60
  [ "$(state '.action_owner')" = user ]
  [ "$(state '.phase')" = merge_build ]
  [ "$(state '.bugfix.red.passed')" = true ]
  [[ $(state '.bugfix.refused') == *"does not fail on the base (true passed), so it does not reproduce the bug: the fix is refused, nothing merged"* ]]
  [[ $(state '.error_recovery.last_error') == *"does not reproduce the bug"* ]]
  [ "$(state '[.execution.builders[].id] | join(",")')" = bugfix-test ]
  [ ! -e bugfix-test.txt ]
  [ -z "$(git log --merges --format=%s)" ]
  run "$ROOT/status.sh" "$PROJ"
  assert_line --partial 'red: true passed in bugfix-test'
  assert_output --partial 'refused: the test written by bugfix-test does not fail on the base'
  assert_output --partial 'Next: user - Bugfix stopped, nothing merged: the test written by bugfix-test does not fail on the base'
  assert_line --partial "compat/argo merge $PROJ"
}

@test "bugfix: no test command at all is one ERROR line naming the keys; nothing designed" {
  config '.ci.agent = "claude" | .workflow = {kind: "bugfix"} | .verify = {} | .bugfix = {test_command: 7}'
  state_edit '.user_query = "q" | .phase = "init" | .action_owner = "code" | .action_needed = "design_program"'
  run -1 "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ERROR')" -eq 1 ]
  assert_line 'ERROR: bugfix.test_command is 7 in config.json; accepted: a non-empty shell command, or absent (verify.command)'
  [ "$(state '.design')" = null ]
}

@test "best_of_n across claude and codex: claude's candidate fails verify, codex's wins and is merged; the loser kept under refs/argo/kept" {
  config '.ci.agent = "claude" | .workflow = {kind: "best_of_n"} | .best_of_n = {builders: ["claude", "codex"]}
          | .verify = {command: "grep -q \"by codex\" candidate-*.txt", retries: 0}'
  start_and_approve "add a greeting"
  [ "$(jq -r '.design.components | map(.id + "=" + .agent) | join(",")' .argo-project/state.json)" = candidate-1-claude=claude,candidate-2-codex=codex ]
  wait_state '.phase == "storage"' 90
  [ "$(state '.best_of_n.winner')" = candidate-2-codex ]
  [[ $(state '.best_of_n.reason') == "the only candidate that passed verify; 1 did not pass (candidate-1-claude)" ]]
  [ "$(state '[.best_of_n.candidates[] | .id + ":" + .agent + ":" + (.verify_passed|tostring)] | join(",")')" = candidate-1-claude:claude:false,candidate-2-codex:codex:true ]
  [ "$(state '.best_of_n.candidates[0].cost_usd')" = 0.0123 ]
  # only the winner is merged
  grep -q 'fixed candidate-2-codex by codex' candidate-2-codex.txt
  [ ! -e candidate-1-claude.txt ]
  [ "$(git log --merges --format=%s | tr '\n' ,)" = "Merge builder: candidate-2-codex," ]
  # the loser is kept: its ref holds its work; its worktree and branch are gone
  local wf ref
  wf=$(state '.best_of_n.workflow_id')
  ref="refs/argo/kept/$wf/candidate-1-claude"
  [ "$(state '.best_of_n.candidates[0].kept_ref')" = "$ref" ]
  [ "$(git show "$ref:candidate-1-claude.txt")" = "fixed candidate-1-claude by claude" ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  [ "$(git worktree list | wc -l)" -eq 1 ]
  # each builder ran with its own agent
  grep -l '^agent=codex$' "$FAKE_AGENT_LOG"/*.meta | xargs grep -l "workdir=.*candidate-2-codex" >/dev/null
  run "$ROOT/status.sh" "$PROJ"
  assert_output --partial 'Best of 2: candidate-2-codex won'
  assert_line --partial "candidate-1-claude (claude): verify failed"
  assert_output --partial "$ref"
  run "$ROOT/status.sh" --json "$PROJ"
  [ "$(jq -r '.best_of_n.winner' <<< "$output")" = candidate-2-codex ]
}

@test "best_of_n: both candidates pass verify, the smallest diff wins; count x ci.agent" {
  config '.ci.agent = "codex" | .workflow = {kind: "best_of_n"} | .best_of_n = {count: 2} | .verify = {command: "true"}'
  export FAKE_AGENT_SHARED=candidate-1   # candidate-1 also writes shared.txt: the larger diff
  start_and_approve "add a greeting"
  wait_state '.phase == "storage"' 90
  [ "$(state '.best_of_n.winner')" = candidate-2 ]
  [[ $(state '.best_of_n.reason') == "the smallest diff (1 lines) among the 2 that passed verify" ]]
  [ "$(state '[.best_of_n.candidates[].diff_lines] | join(",")')" = 2,1 ]
  [ -e candidate-2.txt ] && [ ! -e candidate-1.txt ] && [ ! -e shared.txt ]
  git rev-parse -q --verify "refs/argo/kept/$(state '.best_of_n.workflow_id')/candidate-1" >/dev/null
}

@test "best_of_n: bad settings are one ERROR line naming the key, the value and what is accepted" {
  state_edit '.user_query = "q" | .phase = "init" | .action_owner = "code" | .action_needed = "design_program"'
  config '.ci.agent = "claude" | .workflow = {kind: "best_of_n"} | .best_of_n = {builders: ["claude", "gpt"]}'
  run -1 "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ERROR')" -eq 1 ]
  assert_line --partial 'ERROR: best_of_n.builders is ["claude","gpt"] in config.json; accepted: a list of 2 to 8 agent preset names'
  config '.best_of_n = {count: 1}'
  run -1 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line --partial 'ERROR: best_of_n.count is 1 in config.json; accepted: a whole number from 2 to 8'
  [ "$(state '.design')" = null ]
}

@test "best_of_n.judge: the judge reads each candidate's diff and its pick wins over the smallest diff; its answer recorded and shown" {
  cat > "$WORK/judge" <<'SH'
#!/usr/bin/env bash
printf '%s\n' "$@" > "$JUDGE_ARGS"
printf '{"session_id": "s-judge", "response": "WINNER: candidate-1\\nWHY: it also shares the greeting", "stats": {"models": {"gemini-2.5-pro": {"api": {"totalRequests": 1}, "tokens": {"input": 100, "prompt": 100, "candidates": 20, "total": 120, "cached": 0, "thoughts": 0, "tool": 0}}}}}\n'
SH
  chmod +x "$WORK/judge"
  export JUDGE_ARGS="$WORK/judge.args" FAKE_AGENT_SHARED=candidate-1
  config ".ci.agent = \"codex\" | .workflow = {kind: \"best_of_n\"} | .best_of_n = {count: 2, judge: \"gemini\"} | .verify = {command: \"true\"} | .ci.agents.gemini = {program: \"$WORK/judge\"}"
  start_and_approve "add a greeting"
  wait_state '.phase == "storage"' 90
  [ "$(state '.best_of_n.winner')" = candidate-1 ]
  [ "$(state '.best_of_n.reason')" = "chosen by the judge (gemini) among the 2 that passed verify: it also shares the greeting" ]
  [ "$(state '.best_of_n.judge.pick')" = candidate-1 ]
  # the judge was shown both candidates' diffs
  grep -q '<candidate id="candidate-1">' "$JUDGE_ARGS" && grep -q '<candidate id="candidate-2">' "$JUDGE_ARGS"
  grep -q '+fixed candidate-2 by codex' "$JUDGE_ARGS"
  [ -e candidate-1.txt ] && [ -e shared.txt ] && [ ! -e candidate-2.txt ]
  run "$ROOT/status.sh" "$PROJ"
  assert_line --partial 'judge gemini: picked candidate-1 (it also shares the greeting)'
}
