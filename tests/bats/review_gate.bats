#!/usr/bin/env bats
# The review gate (issue 21, review.required): merge_build holds every completed builder a
# person has not approved (review_builder for the user), merges the approved ones, and
# `argo review` approves or sends comments back to the builder's own agent session (the
# fake agent CLIs record each call), whose new commit meets the gate again.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  # part-2's first attempt writes "draft"; resumed, it writes "fixed"
  export FAKE_AGENT_COMPONENTS=2 FAKE_AGENT_DRAFT=part-2
  config '.ci.agent = "claude" | .review = {"required": true}'
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
edit_state() { jq "$@" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json; }

@test "the gate holds every builder until approved; requested changes reach the agent's session, its fix is held again, then approved into the target" {
  start_and_approve
  wait_state '.action_needed == "review_builder"' 90
  local t
  t=$(target)
  # held: nothing merged, each row says why, the user acts
  [ "$(jq -r '.action_owner' .argo-project/state.json)" = user ]
  [ "$(jq -c '.merge.merged' .argo-project/state.json)" = '[]' ]
  for id in part-1 part-2; do
    [ "$(row "$id" '.review.status')" = pending ]
    [ "$(row "$id" '.merge.status + "/" + .merge.message')" = 'skipped/waiting for review' ]
    run ! git cat-file -e "$t:$id.txt"
  done
  # status names the commands
  run -0 "$ROOT/compat/argo" status "$PROJ"
  assert_output --partial "review $PROJ part-2 --approve"
  assert_output --partial "review $PROJ part-2 --request-changes"
  assert_output --partial "diff $PROJ part-1"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -r '.builders[0].review.status' <<<"$output")" = pending ]
  # the list
  run -0 "$ROOT/compat/argo" review "$PROJ"
  assert_line '  part-1: completed, review pending (0 comments)'
  # approve one: the other still waits, nothing handed on
  run -0 "$ROOT/compat/argo" review "$PROJ" part-1 --approve
  assert_output --partial 'others still wait for review'
  [ "$(row part-1 '.review.status')" = approved ]
  [ "$(jq -r '.action_needed' .argo-project/state.json)" = review_builder ]
  # request changes: sent back to its own session with the comments
  local calls
  calls=$(ls "$FAKE_AGENT_LOG"/*.argv | wc -l)
  printf '[{"file": "part-2.txt", "line": 1, "text": "draft is not done: finish it"}, {"file": null, "line": null, "text": "and say what changed"}]' > "$BATS_TEST_TMPDIR/comments.json"
  run -0 "$ROOT/compat/argo" review "$PROJ" part-2 --comments "$BATS_TEST_TMPDIR/comments.json"
  assert_output --partial "Sent 2 comment(s) back to part-2's agent"
  wait_state '.action_needed == "review_builder" and (.merge.merged | index("part-1")) != null' 90
  local last prompt
  [ "$(ls "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq $((calls + 1)) ]
  last=$(ls "$FAKE_AGENT_LOG"/*.argv | sort -V | tail -1)
  last=${last%.argv}
  prompt=$(tr '\0' '\n' < "$last.argv")
  [[ $prompt == *"A person reviewed your work on the 'part-2' component and asks for these changes:"* ]]
  [[ $prompt == *"part-2.txt:1: draft is not done: finish it"*"and say what changed"* ]]
  grep -qx 'resume=sess-claude-part-2' "$last.meta"
  # its new commit, the review back to pending with the agent's answer; still not merged
  [ "$(git show argo-builder-part-2:part-2.txt)" = 'fixed part-2 by claude' ]
  [ "$(row part-2 '.review.status')" = pending ]
  [ "$(row part-2 '.review.reply')" = 'built part-2' ]
  # the comments and the agent's answer are in the builder's log too
  grep -q 'review_changes - Changes requested (argo review): part-2.txt:1: draft is not done' .argo-project/logs/builder-part-2.log
  grep -q 'review_reply - built part-2' .argo-project/logs/builder-part-2.log
  [ "$(row part-2 '.review.comments | length')" -eq 2 ]
  [ "$(row part-2 'has("merge_feedback")')" = false ]
  [ "$(row part-2 '.merge.message')" = 'waiting for review' ]
  run ! git cat-file -e "$t:part-2.txt"
  [ "$(git show "$t:part-1.txt")" = 'fixed part-1 by claude' ]
  # approved: merged, the workflow finishes
  run -0 "$ROOT/compat/argo" review "$PROJ" part-2 --approve
  assert_output --partial 'merge_build comes next'
  wait_state '.phase == "storage"' 60
  [ "$(git show "$t:part-2.txt")" = 'fixed part-2 by claude' ]
  [ "$(row part-2 '.merge.status')" = merged ]
}

# held: a state as merge_build leaves it with two builders, one waiting for review, one failed
held() {
  edit_state '.phase = "merge_build" | .action_owner = "user" | .action_needed = "review_builder"
    | .execution = {builders: [
        {id: "core", description: "The core", status: "completed", review: {status: "pending", comments: [], reply: null, updated: null}, merge: {status: "skipped", message: "waiting for review"}},
        {id: "cli", description: "The cli", status: "failed"}]}'
}

@test "bad input: one ERROR line, exit 1, nothing changed" {
  held
  local before
  before=$(sha256sum .argo-project/state.json)
  printf '[{"file": null, "line": 0, "text": "x"}]' > "$BATS_TEST_TMPDIR/line0.json"
  printf 'not json' > "$BATS_TEST_TMPDIR/bad.json"
  printf '[{"text": "x", "colour": "red"}]' > "$BATS_TEST_TMPDIR/extra.json"
  jq -n '[range(101) | {file: null, line: null, text: "x"}]' > "$BATS_TEST_TMPDIR/many.json"
  jq -n '[{file: null, line: null, text: ("y" * 2049)}]' > "$BATS_TEST_TMPDIR/long.json"
  local cases=(
    "nope --approve|no builder 'nope'"
    "cli --approve|builder 'cli' is not waiting for review"
    "core --request-changes|--request-changes needs a value"
    "core --comments $BATS_TEST_TMPDIR/bad.json|is not JSON"
    "core --comments $BATS_TEST_TMPDIR/line0.json|line is 0"
    "core --comments $BATS_TEST_TMPDIR/extra.json|has the key \"colour\""
    "core --comments $BATS_TEST_TMPDIR/many.json|holds 101 comments"
    "core --comments $BATS_TEST_TMPDIR/long.json|is 2049 bytes"
    "core --comments $BATS_TEST_TMPDIR/missing.json|cannot be read"
    "core --approve --request-changes x|one of --approve, --request-changes, --comments at a time"
    "core|a builder id needs --approve"
  )
  local c args want
  for c in "${cases[@]}"; do
    IFS='|' read -r args want <<<"$c"
    # shellcheck disable=SC2086
    run -1 --separate-stderr "$ROOT/compat/argo" review "$PROJ" $args
    [ "${#stderr_lines[@]}" -eq 1 ] || { echo "$args: $stderr"; false; }
    [[ ${stderr_lines[0]} == "ERROR: "*"$want"* ]] || { echo "$args: $stderr"; false; }
    [ "$(sha256sum .argo-project/state.json)" = "$before" ]
  done
  # an empty text given as one argument
  run -1 --separate-stderr "$ROOT/compat/argo" review "$PROJ" core --request-changes '  '
  [[ $stderr == "ERROR: the --request-changes text is empty"* ]]
  [ "$(sha256sum .argo-project/state.json)" = "$before" ]
  [ ! -e .argo-project/orchestrator.pid ] || [ -z "$(cat .argo-project/orchestrator.pid)" ]
}

@test "review.required must be true or false: merge_build refuses, naming the key, the value and what is accepted" {
  config '.review = {"required": "yes"}'
  edit_state '.phase = "merge_build" | .action_owner = "code" | .action_needed = "merge_branches" | .execution = {builders: [{id: "core", status: "completed"}]}'
  run -1 --separate-stderr "$ROOT/phases/merge_build.sh" "$PROJ"
  [[ $stderr == *'review.required is "yes" in config.json; accepted: true or false, or absent'* ]] || { echo "$stderr"; false; }
  [ "$(jq -r .action_owner .argo-project/state.json)" = user ]
}

@test "approving the last builder waiting hands to merge_build and starts an orchestrator when none runs" {
  held
  edit_state '.execution.builders |= map(select(.id == "core"))'
  [ ! -s .argo-project/orchestrator.pid ]
  run -0 "$ROOT/compat/argo" review "$PROJ" core --approve
  assert_line 'Approved core; no builder waits for review: merge_build comes next'
  assert_line --regexp '^Orchestrator started \(PID [0-9]+\)$'
  [ "$(row core '.review.status')" = approved ]
  # merge_build ran for it: approved, so not held again (its branch was never made: missing)
  wait_state '.action_needed == "review_merge"' 60
  [ "$(row core '.merge.status')" = skipped ]
  [[ $(row core '.merge.message') == 'branch '*' not found' ]]
}
