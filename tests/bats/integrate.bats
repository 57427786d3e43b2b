#!/usr/bin/env bats
# Issue 20, "Done when", end to end through the shims and the orchestrator with the fake
# agent CLIs (claude preset): three builders, two of which write the same file (a textual
# conflict the resolver agent settles) and one whose first attempt breaks the merged tree's
# check (the gate sends it back to its own session, which fixes it). Then the same with a
# resolver that gives up: the person is shown files, worktree, branch and diff, resolves
# there, and `argo merge` finishes it.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  # part-1 and part-2 both write shared.txt (a conflict at the second merge); part-3's first
  # attempt writes "draft" (the gate's check fails with it merged), resumed it writes "fixed".
  export FAKE_AGENT_COMPONENTS=3 FAKE_AGENT_SHARED=part-1,part-2 FAKE_AGENT_DRAFT=part-3
  config '.ci.agent = "claude" | .verify = {"merge_command": "! grep -qx draft part-3.txt 2>/dev/null", "retries": 1}'
}

teardown() {
  end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

target() { git symbolic-ref --short HEAD; }
row() { jq -r --arg id "$1" ".execution.builders[] | select(.id == \$id) | $2" .argo-project/state.json; }

@test "builders that conflict and break each other's check reach storage: every component merged, each merge verified, the conflict resolved by the resolver agent, the breaker fixed in its own session; no person acting" {
  start_and_approve
  wait_state '.phase == "storage"' 120
  local t
  t=$(target)
  # every component merged onto the target, through the gate
  for id in part-1 part-2 part-3; do
    [ "$(jq -r --arg id "$id" '.merge.merged | index($id) != null' .argo-project/state.json)" = true ]
    (($(row "$id" '.merge.attempts') >= 1))
  done
  # the conflict: one of the two shared.txt writers was resolved by the agent, both lines kept
  [ "$(jq -r '[.execution.builders[].merge.status] | map(select(. == "resolved_by_agent")) | length' .argo-project/state.json)" -eq 1 ]
  [ "$(jq -r '.merge.resolved_by_agent | length' .argo-project/state.json)" -eq 1 ] # kept by the pass after the send-back
  run -0 git show "$t:shared.txt"
  assert_line 'part-1 was here'
  assert_line 'part-2 was here'
  # the breaker: sent back once (two gate runs), its fix on the target, no draft anywhere on it
  [ "$(row part-3 '.merge.attempts')" -eq 2 ]
  [ "$(row part-3 '.merge.status')" = merged ]
  [ "$(git show "$t:part-3.txt")" = 'fixed part-3 by claude' ]
  grep -l 'resume=sess-claude-part-3' "$FAKE_AGENT_LOG"/*.meta >/dev/null
  # the target moved only to verified commits: the merge gate's command passes on each
  # builder's merge commit on the first-parent line
  local c
  for c in $(git rev-list --first-parent --grep '^Merge builder: ' "$t"); do
    run ! bash -c "git show $c:part-3.txt 2>/dev/null | grep -qx draft"
  done
  # nobody was asked to act after the design approval
  run ! grep -q 'action_owner.*user' .argo-project/logs/workflow.log
  [ "$(jq -r '.merge_conflicts // [] | length' .argo-project/state.json)" -eq 0 ]
}

@test "a resolver that gives up: status shows the files, the worktree and branch, the diff; resolved there by a person, argo merge finishes it" {
  export FAKE_AGENT_RESOLVE=giveup FAKE_AGENT_DRAFT=
  start_and_approve
  # the hand-off, then merge_conflicts (COMPAT's order): both written before anything is read
  wait_state '.action_needed == "resolve_conflicts" and .action_owner == "ci" and (.merge_conflicts // [] | length) > 0' 120
  local id wt br t
  id=$(jq -r '.merge_conflicts[0]' .argo-project/state.json)
  [ "$(row "$id" '.merge.status')" = conflict ]
  [ "$(row "$id" '.merge.files | join(",")')" = shared.txt ]
  wt=$(row "$id" '.merge.worktree')
  br=$(row "$id" '.merge.branch')
  [ -d "$wt" ]
  [ "$br" = "argo-builder-$id" ]
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_output --partial 'shared.txt'
  assert_output --partial "$wt"
  assert_output --partial "merge $PROJ"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [[ $(jq -r --arg id "$id" '.builders[] | select(.id == $id) | .merge_detail.diff_text' <<< "$output") == *'shared.txt'* ]]
  # the person: brings the target into the builder's branch there, keeps both lines, commits
  t=$(target)
  run git -C "$wt" -c user.name=p -c user.email=p@p merge -q "$t"
  grep -v -e '^<<<<<<< ' -e '^=======$' -e '^>>>>>>> ' "$wt/shared.txt" > "$WORK/resolved" && cp "$WORK/resolved" "$wt/shared.txt"
  git -C "$wt" add shared.txt
  git -C "$wt" -c user.name=p -c user.email=p@p commit -qm 'resolved by a person'
  run -0 "$ROOT/compat/argo" merge "$PROJ"
  wait_state '.phase == "storage"' 60
  run -0 git show "$t:shared.txt"
  assert_line 'part-1 was here'
  assert_line 'part-2 was here'
  for id in part-1 part-2 part-3; do
    [ "$(jq -r --arg id "$id" '.merge.merged | index($id) != null' .argo-project/state.json)" = true ]
  done
}

@test "no gate, only the builders' preset: a conflict still goes to the resolver agent (merge.resolver's default) and the workflow reaches storage" {
  config '.ci.agent = "claude" | del(.verify)'
  export FAKE_AGENT_DRAFT=
  start_and_approve
  wait_state '.phase == "storage"' 120
  [ "$(jq -r '.merge.resolved_by_agent | length' .argo-project/state.json)" -eq 1 ]
  run -0 git show "$(target):shared.txt"
  assert_line 'part-1 was here'
  assert_line 'part-2 was here'
}

@test "merge.resolver none, no gate: the original's pass — the conflict goes to ci with resolve_conflicts" {
  config '.ci.agent = "claude" | del(.verify) | .merge.resolver = "none"'
  export FAKE_AGENT_DRAFT=
  start_and_approve
  # the hand-off, then merge_conflicts (COMPAT's order): both written before anything is read
  wait_state '.action_needed == "resolve_conflicts" and .action_owner == "ci" and (.merge_conflicts // [] | length) > 0' 120
  [ "$(jq -r '.action_owner' .argo-project/state.json)" = ci ]
  [ "$(jq -r '.merge_conflicts | length' .argo-project/state.json)" -eq 1 ]
  run ! grep -q 'stopped on conflicts' "$FAKE_AGENT_LOG"/*.argv
}
