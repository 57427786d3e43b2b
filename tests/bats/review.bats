#!/usr/bin/env bats
# Issue 21: review what the agents did — `argo diff` (a builder's changes against the base
# it started from, before and after its merge) and `argo say` (a message to one builder's
# agent session). Values from state are data: a bad commit, branch or target is refused
# with one ERROR line naming the key and the value, and never reaches git.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  git_work_project -b main
  "$ROOT/compat/argo" state init demo "$PROJ" >/dev/null
  g() { git -c user.name=t -c user.email=t@t "$@"; }
  echo base > base.txt && g add base.txt && g commit -qm base
  # core: a builder branch with one commit; main moves on meanwhile (not core's change).
  g branch argo-builder-core
  echo other > other.txt && g add other.txt && g commit -qm 'main moves on'
  g checkout -q argo-builder-core
  echo 'core work' > core.txt && g add core.txt && g commit -qm 'core work'
  g checkout -q main
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# $1: the builders list (JSON).
builders() {
  jq --argjson b "$1" '.execution = {"status": "completed", "builders": $b}' .argo-project/state.json > t && mv t .argo-project/state.json
}

@test "diff: before the merge, the builder's branch against its merge-base with main (main's own later commits left out)" {
  builders '[{"id": "core", "status": "completed", "branch": "argo-builder-core"}]'
  run "$ROOT/compat/argo" diff "$PROJ" core
  assert_success
  assert_line --partial '# core: branch argo-builder-core against its merge-base with main'
  assert_line '+core work'
  refute_output --partial 'other.txt'
  run "$ROOT/compat/argo" diff "$PROJ" core --stat
  assert_success
  assert_line --regexp '^ core.txt \| 1 \+$'
}

@test "diff: after the merge (branch gone), the recorded merge commit against its first parent; no ref created or deleted" {
  g() { git -c user.name=t -c user.email=t@t "$@"; }
  g merge -q --no-ff -m 'Merge builder: core' argo-builder-core
  commit=$(git rev-parse HEAD)
  g branch -D argo-builder-core >/dev/null
  echo later > later.txt && g add later.txt && g commit -qm 'later on main'
  builders "[{\"id\": \"core\", \"status\": \"completed\", \"merge\": {\"status\": \"merged\", \"commit\": \"$commit\", \"target\": \"main\", \"attempts\": 0, \"files\": []}}]"
  refs=$(git for-each-ref | sort)
  run "$ROOT/compat/argo" diff "$PROJ" core
  assert_success
  assert_line --partial "# core: merge commit ${commit:0:12} against its first parent"
  assert_line '+core work'
  refute_output --partial 'later'
  [[ $(git for-each-ref | sort) == "$refs" ]]
}

@test "diff: without an id, every builder's --stat; a builder without changes to show says why" {
  builders '[{"id": "core", "status": "completed"}, {"id": "ui", "status": "pending"}]'
  run "$ROOT/compat/argo" diff "$PROJ"
  assert_failure
  assert_line --partial '# core: branch argo-builder-core'
  assert_line --regexp '^ core.txt \| 1 \+$'
  assert_line --partial "ERROR: builder 'ui': no branch argo-builder-ui"
}

@test "diff: a hostile merge.commit, branch or target is refused by name and never reaches git" {
  builders '[{"id": "core", "status": "completed", "merge": {"status": "merged", "commit": "--output=/tmp/pwned", "target": "main", "attempts": 0, "files": []}}]'
  run "$ROOT/compat/argo" diff "$PROJ" core
  assert_failure
  assert_output "ERROR: builder 'core': merge.commit \"--output=/tmp/pwned\" is not a commit id (accepted: 7 to 64 hexadecimal digits)"
  builders '[{"id": "core", "status": "completed", "branch": "main"}]'
  run "$ROOT/compat/argo" diff "$PROJ" core
  assert_failure
  assert_output --partial "ERROR: builder 'core': branch \"main\" is not a builder branch"
  builders '[{"id": "core", "status": "completed", "merge": {"status": "conflict", "target": "--all", "attempts": 0, "files": []}}]'
  run "$ROOT/compat/argo" diff "$PROJ" core
  assert_failure
  assert_output --partial "ERROR: builder 'core': merge.target \"--all\" is not a branch name"
}

@test "diff: an unknown builder id and an unknown option get one ERROR line" {
  builders '[{"id": "core", "status": "completed"}]'
  run "$ROOT/compat/argo" diff "$PROJ" nope
  assert_failure
  assert_output "ERROR: builder-id 'nope' names no builder (builders: core)"
  run "$ROOT/compat/argo" diff "$PROJ" --color
  assert_failure 2
  assert_output "ERROR: unknown option: --color (accepted: --stat)"
}

# ---- argo say ---------------------------------------------------------------------

# A fake-agent project whose builder `core` ran claude (session recorded) in a real worktree
# and wrote a draft; $1: its status (completed).
say_project() {
  fake_agents_project
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m base
  git worktree add -q -b argo-builder-core .argo-project/builders/core
  echo draft > .argo-project/builders/core/core.txt
  git -C .argo-project/builders/core add core.txt
  git -C .argo-project/builders/core -c user.name=t -c user.email=t@t commit -qm 'core draft'
  export FAKE_AGENT_DRAFT=core
  jq --arg wt "$PROJ/.argo-project/builders/core" --arg st "${1:-completed}" '.phase = "execution" | .action_owner = "user" | .action_needed = "review_merge"
    | .execution = {"status": "completed", "builders": [{"id": "core", "status": $st, "worktree": $wt, "branch": "argo-builder-core",
        "usage": {"input_tokens": 1, "output_tokens": 1, "cache_read_tokens": 0, "cost_usd": 0.01, "session_id": "sess-claude-core", "agent": "claude", "model": null}},
      {"id": "plain", "status": "completed", "worktree": $wt}]}' .argo-project/state.json > t && mv t .argo-project/state.json
}

@test "say: resumes the builder's agent session in its worktree with the text; the reply and the new commit in its log; usage added" {
  say_project
  run "$ROOT/compat/argo" say "$PROJ" core "Please use fixed wording in core.txt"
  assert_success
  assert_line 'built core'
  assert_line --partial 'New commits on argo-builder-core:'
  # The fake claude was resumed with the builder's session, in its worktree, with the text as its prompt.
  meta=$(grep -l '^resume=sess-claude-core$' "$FAKE_AGENT_LOG"/*.meta)
  grep -qx "workdir=$PROJ/.argo-project/builders/core" "$meta"
  tr '\0' '\n' < "${meta%.meta}.argv" > argv.txt
  grep -qx 'Please use fixed wording in core.txt' argv.txt
  grep -qx 'A message from the person overseeing your work on this component:' argv.txt # framed: never an option
  [[ $(cat .argo-project/builders/core/core.txt) == 'fixed core by claude' ]]
  [[ -z $(git -C .argo-project/builders/core status --porcelain) ]]   # the wrapper committed it (and .build_result is not left behind)
  log=.argo-project/logs/builder-core.log
  grep -q 'say - Message to agent session sess-claude-core: Please use fixed wording in core.txt' "$log"
  grep -q 'say_reply - built core' "$log"
  grep -q 'say_commits - New commits on argo-builder-core:' "$log"
  [[ $(state '.execution.builders[0].usage.cost_usd') == 0.0223 ]]
}

@test "say: a running builder, a plain tool, an unknown id, no text: one ERROR line each, the agent never started" {
  say_project running
  run "$ROOT/compat/argo" say "$PROJ" core "hello"
  assert_failure
  assert_output --partial "ERROR: builder 'core' is running: argo say does not talk to a builder that may be running (it refuses, it does not queue)"
  run "$ROOT/compat/argo" say "$PROJ" plain "hello"
  assert_failure
  assert_output "ERROR: builder 'plain' ran a plain CI tool (no agent preset recorded in usage.agent): there is no agent session to resume"
  run "$ROOT/compat/argo" say "$PROJ" nope "hello"
  assert_failure
  assert_output "ERROR: builder-id 'nope' names no builder (builders: core, plain)"
  run "$ROOT/compat/argo" say "$PROJ" core "  "
  assert_failure 2
  assert_output --partial 'ERROR: the text is empty'
  run ! ls "$FAKE_AGENT_LOG"
}

@test "say: a worktree gone after the merge, or one outside the builders folder, is refused with why" {
  say_project
  state_edit ".execution.builders[0].worktree = \"$BATS_TEST_TMPDIR\""
  run "$ROOT/compat/argo" say "$PROJ" core "hello"
  assert_failure
  assert_output --partial "ERROR: builder 'core': its worktree cannot be used ("
  run ! ls "$FAKE_AGENT_LOG"
}

@test "say: waits for the project's start lock (a start, stop or retry in progress) and sends nothing meanwhile" {
  say_project
  exec {fd}> .argo-project/start.lock
  flock -x "$fd"
  "$ROOT/compat/argo" say "$PROJ" core "hello" > say.out 2>&1 {fd}>&- &
  pid=$!
  wait_for 10 grep -q 'Waiting for' say.out
  run ! ls "$FAKE_AGENT_LOG"
  exec {fd}>&-
  wait "$pid" || { cat say.out; false; }
  grep -q 'built core' say.out
}

@test "say: waits for the merge lock (merge_build or a wave merging) and sends nothing meanwhile" {
  say_project
  exec {fd}> .argo-project/merge.lock
  flock -x "$fd"
  "$ROOT/compat/argo" say "$PROJ" core "hello" > say.out 2>&1 {fd}>&- &
  pid=$!
  wait_for 10 grep -q 'merge.lock' say.out
  run ! ls "$FAKE_AGENT_LOG"
  exec {fd}>&-
  wait "$pid" || { cat say.out; false; }
  grep -q 'built core' say.out
}
