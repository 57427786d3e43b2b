#!/usr/bin/env bats
# The integration engine (issue 20; docs/MERGE.md): merge_build with a gate command or a
# strategy other than `merge` integrates one builder at a time in an integration worktree,
# runs the gate there, and moves the target only on a pass. Real repositories; the
# builders' branches are made with git (no agents), merge_build run as the orchestrator
# runs it.

bats_require_minimum_version 1.5.0

setup() {
  load helpers
  [[ -f $ROOT/dist/merge/engine.js ]] || fail "dist/ is missing: run npx tsc -p tsconfig.json first"
  TMP=$(mktemp -d "$BATS_TEST_TMPDIR/gate.XXXXXX")
  PROJ=$TMP/repo
  export ARGO_PROJECTS_REGISTRY=$TMP/projects.json ARGO_SHIM_SERVER=0
  unset CI_COMMAND STANDIN_CI_FAIL STANDIN_CI_DELAY STANDIN_CI_COMPONENTS
  STARTED=()
  repo_with_project
}

teardown() {
  local pid
  for pid in "${STARTED[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  cd /
}

state() { jq -r "$1" "$PROJ/.argo-project/state.json"; }
set_state() { jq "$1" "$PROJ/.argo-project/state.json" > "$PROJ/.argo-project/state.json.tmp" && mv "$PROJ/.argo-project/state.json.tmp" "$PROJ/.argo-project/state.json"; }
config() { jq "$1" .argo-project/config.json > .argo-project/config.json.new && mv .argo-project/config.json.new .argo-project/config.json; }

# a repo on master with one commit and a committed .gitignore, cwd = repo
repo_with_project() {
  mkdir -p "$PROJ" && cd "$PROJ"
  git init -q -b master
  git config user.name Test && git config user.email test@example.invalid
  echo main > main.txt && git add main.txt && git commit -qm initial
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  git add .gitignore && git commit -qm ignore
}

# branch ID FILE TEXT [FILE TEXT]...: argo-builder-<id> from master, one commit per file
branch() {
  local id=$1
  shift
  git checkout -q -b "argo-builder-$id" master
  while (($# >= 2)); do
    printf '%s\n' "$2" > "$1" && git add "$1" && git commit -qm "$id: $1"
    shift 2
  done
  git checkout -q master
}

# builders 'id[@completed[@dep,dep]]'...: completed rows whose branches exist
builders() {
  local spec id when deps list=''
  for spec in "$@"; do
    IFS=@ read -r id when deps <<< "$spec"
    list+="${list:+,}{\"id\": \"$id\", \"description\": \"the $id\", \"status\": \"completed\", \"branch\": \"argo-builder-$id\", \"worktree\": null, \"completed\": \"${when:-2026-01-01T00:00:00Z}\", \"depends_on\": $(jq -nc --arg d "$deps" '$d | split(",") | map(select(. != ""))')}"
  done
  set_state ".execution = {\"builders\": [$list], \"status\": \"completed\"} | .phase = \"merge_build\" | .action_owner = \"code\" | .action_needed = \"merge_branches\""
}

merge_build() { "$ROOT/phases/merge_build.sh" "$PROJ"; }
subjects() { git log --first-parent --reverse --format=%s "${1:-master}" | tail -n +3 | tr '\n' '|'; }

@test "gated merges: in dependency then finish order, each verified in the integration worktree before master moves" {
  branch core core.txt core
  branch ui ui.txt ui
  branch cli cli.txt cli
  # ui finished first but depends on core; cli finished before core
  builders 'ui@2026-01-01T00:00:01Z@core' 'core@2026-01-01T00:00:09Z' 'cli@2026-01-01T00:00:05Z'
  config ".verify = {\"merge_command\": \"pwd >> $TMP/gate.where; ls *.txt | tr '\\\\n' ' ' >> $TMP/gate.files; echo >> $TMP/gate.files\"}"
  run -0 merge_build
  assert_output --partial 'Integrating into master one builder at a time (strategy merge; gate: verify.merge_command)'
  [ "$(subjects)" = 'Merge builder: cli|Merge builder: core|Merge builder: ui|' ]
  [ "$(state '[.phase, .action_owner, .action_needed] | join(" ")')" = 'storage user none' ]
  # the gate saw each builder on top of the ones before, and never ran in the project checkout
  [ "$(cat "$TMP/gate.files")" = "$(printf 'cli.txt main.txt \ncli.txt core.txt main.txt \ncli.txt core.txt main.txt ui.txt ')" ]
  run ! grep -qx "$PROJ" "$TMP/gate.where"
  grep -q '/.argo-project/merging/.integration$' "$TMP/gate.where"
  [ ! -e .argo-project/merging/.integration ]
  [ "$(git worktree list | wc -l)" = 1 ]
  # records: the root lists, and each row's merge
  [ "$(state '.merge | "\(.merged | join(",")) \(.order | join(",")) \(.strategy)"')" = 'cli,core,ui cli,core,ui merge' ]
  [ "$(state '[.execution.builders[].merge | "\(.status):\(.attempts):\(.commit | length)"] | join(" ")')" = 'merged:1:40 merged:1:40 merged:1:40' ]
  [ "$(state '.execution.builders[1].merge.output')" = "$PROJ/.argo-project/logs/merge-verify-core.log" ]
  [ "$(state '.execution.builders[1].merge.commit')" = "$(git rev-parse master~1)" ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
}

@test "a builder that breaks the tests is not merged and goes back to its agent (verify.retries 1)" {
  branch a a.txt a
  branch bad bad.txt bad
  branch c c.txt c
  builders 'a@2026-01-01T00:00:01Z' 'bad@2026-01-01T00:00:02Z' 'c@2026-01-01T00:00:03Z'
  config '.verify = {"command": "echo checking; ! test -e bad.txt", "retries": 1}'
  run -0 merge_build
  assert_output --partial 'Sent back to their agents (the gate failed): bad; execution comes next'
  [ "$(subjects)" = 'Merge builder: a|Merge builder: c|' ]
  run ! git cat-file -e master:bad.txt
  # the hand-off: one write, as argo retry
  [ "$(state '[.phase, .action_needed, .action_owner] | join(" ")')" = 'execution execution code' ]
  [ "$(state '.execution.retry_only | join(",")')" = bad ]
  [ "$(state '.execution.builders[1] | "\(.status) \(.failure) \(.merge.status) \(.merge.attempts)"')" = 'failed merge_verify verify_failed 1' ]
  # the fix run's brief
  local base_at_gate
  base_at_gate=$(git rev-parse master~1) # master after a, before c
  [ "$(state '.execution.builders[1].merge_feedback | "\(.kind) \(.target) \(.attempt) \(.merged_since | join(","))"')" = 'verify master 1 a' ]
  [ "$(state '.execution.builders[1].merge_feedback.base')" = "$base_at_gate" ]
  [ "$(state '.execution.builders[1].merge_feedback.output')" = "$PROJ/.argo-project/logs/merge-verify-bad.log" ]
  state '.execution.builders[1].merge_feedback.tail' | grep -qx checking
  [ "$(state '.merge.sent_back | join(",")')" = bad ]
  # its branch is kept, the others are gone
  [ "$(git branch --list 'argo-builder-*' | tr -d ' ')" = argo-builder-bad ]
}

@test "out of retries (verify.retries 0): verify_failed, not merged, the pass goes on, review_merge for the user" {
  branch bad bad.txt bad
  branch c c.txt c
  builders 'bad@2026-01-01T00:00:01Z' 'c@2026-01-01T00:00:03Z'
  config '.verify = {"command": "! test -e bad.txt"}'
  run -0 merge_build
  assert_output --partial 'Not merged: bad (verify failed: 1, skipped: 0, branch missing: 0, failed: 0)'
  [ "$(subjects)" = 'Merge builder: c|' ]
  [ "$(state '[.phase, .action_needed, .action_owner] | join(" ")')" = 'merge_build review_merge user' ]
  [ "$(state '.merge.verify_failed | join(",")')" = bad ]
  [ "$(state '.execution.builders[0] | "\(.status) \(.merge.status) \(.merge.attempts) \(.merge_feedback)"')" = 'completed verify_failed 1 null' ]
  state '.execution.builders[0].merge.message' | grep -q 'not merged (verify.retries: 0)'
  # a second builder's attempt counts on: 2 > retries 1 is out of retries too
  config '.verify.retries = 1'
  run -0 merge_build
  [ "$(state '.execution.builders[0].merge | "\(.status) \(.attempts)"')" = 'verify_failed 2' ]
  [ "$(state '.action_needed')" = review_merge ]
}

@test "squash: one commit per builder on master; its own commits kept under refs/argo/merged/<id> before the branch goes" {
  branch a a1.txt one a2.txt two
  builders a
  tip=$(git rev-parse argo-builder-a)
  config '.merge = {"strategy": "squash"}'
  run -0 merge_build
  [ "$(subjects)" = 'Builder a: the a|' ]
  [ "$(git rev-list --count --merges master)" = 0 ]
  [ "$(git show master:a2.txt)" = two ]
  [ "$(git rev-parse refs/argo/merged/a)" = "$tip" ]
  run ! git rev-parse -q --verify refs/heads/argo-builder-a
  [ "$(state '.merge.strategy + " " + .execution.builders[0].merge.status')" = 'squash merged' ]
}

@test "rebase: the builder's commits replayed onto master, linear; originals kept under refs/argo/merged/<id>" {
  branch a a1.txt one a2.txt two
  branch b b.txt b
  builders 'a@2026-01-01T00:00:01Z' 'b@2026-01-01T00:00:02Z'
  tip=$(git rev-parse argo-builder-b)
  config '.merge = {"strategy": "rebase"} | .verify = {"command": "test -e main.txt"}'
  run -0 merge_build
  [ "$(subjects)" = 'a: a1.txt|a: a2.txt|b: b.txt|' ]
  [ "$(git rev-list --count --merges master)" = 0 ]
  # a was on master's tip already (a fast-forward); b's commit was replayed, its original kept
  run ! git rev-parse -q --verify refs/argo/merged/a
  [ "$(git rev-parse refs/argo/merged/b)" = "$tip" ]
  [ "$(git rev-parse master)" != "$tip" ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  [ "$(state '.phase')" = storage ]
}

@test "merge.target argo/next: created at master's tip, builders land there, master untouched; a bad target refused with nothing merged" {
  branch a a.txt a
  builders a
  config '.merge = {"target": "main"}'
  run -1 merge_build
  assert_output --partial 'ERROR: merge.target is "main" in config.json; accepted: a branch name "argo/<slug>"'
  [ "$(state .action_owner)" = user ]
  run ! git rev-parse -q --verify refs/argo/merged/a
  git rev-parse -q --verify refs/heads/argo-builder-a
  before=$(git rev-parse master)
  config '.merge = {"target": "argo/next"} | .verify = {"command": "true"}'
  run -0 merge_build
  assert_output --partial "Created argo/next at master's tip"
  [ "$(git rev-parse master)" = "$before" ]
  [ "$(git symbolic-ref --short HEAD)" = master ]
  [ "$(subjects argo/next)" = 'Merge builder: a|' ]
  [ "$(state '.merge.target + " " + .execution.builders[0].merge.target')" = 'argo/next argo/next' ]
}

@test "merge.target without a gate: today's merge, into argo/next in a temporary worktree; master untouched" {
  branch a a.txt a
  builders a
  before=$(git rev-parse master)
  config '.merge = {"target": "argo/next"}'
  run -0 merge_build
  assert_output --partial 'Merging into argo/next in a temporary worktree'
  [ "$(git rev-parse master)" = "$before" ]
  [ "$(subjects argo/next)" = 'Merge builder: a|' ]
}

@test "a conflict the resolver gives up on: files, diff, worktree and branch recorded for the person; the others merge; ci resolve_conflicts" {
  branch a shared.txt 'from a'
  branch b shared.txt 'from b'
  branch c c.txt c
  builders 'a@2026-01-01T00:00:01Z' 'b@2026-01-01T00:00:02Z' 'c@2026-01-01T00:00:03Z'
  git worktree add -q .argo-project/builders/b argo-builder-b
  set_state ".execution.builders[1].worktree = \"$PROJ/.argo-project/builders/b\""
  config '.verify = {"command": "true"}'
  run -0 merge_build
  assert_output --partial 'Merge conflicts detected in builders: b'
  [ "$(subjects)" = 'Merge builder: a|Merge builder: c|' ]
  [ "$(state '[.phase, .action_needed, .action_owner] | join(" ")')" = 'merge_build resolve_conflicts ci' ]
  [ "$(state '.merge_conflicts | join(",")')" = b ]
  [ "$(state '.execution.builders[1].merge | "\(.status) \(.files | join(",")) \(.branch)"')" = 'conflict shared.txt argo-builder-b' ]
  [ "$(state '.execution.builders[1].merge.worktree')" = "$PROJ/.argo-project/builders/b" ]
  [ "$(state '.execution.builders[1].merge.diff')" = "$PROJ/.argo-project/logs/merge-b.diff" ]
  grep -q '^++<<<<<<< HEAD' .argo-project/logs/merge-b.diff
  grep -q '^++>>>>>>> refs/heads/argo-builder-b' .argo-project/logs/merge-b.diff
  state '.execution.builders[1].merge.message' | grep -q 'no merge.resolver configured'
  # kept for the person: the worktree and the branch
  [ -d .argo-project/builders/b ] && git rev-parse -q --verify refs/heads/argo-builder-b
  [ "$(git show master:shared.txt)" = 'from a' ]
}

@test "merge_build stopped (SIGTERM to its group) while the gate runs, run again: master never had the unverified merge, each builder merged once" {
  branch p1 p1.txt p1
  branch p2 p2.txt p2
  branch p3 p3.txt p3
  builders 'p1@2026-01-01T00:00:01Z' 'p2@2026-01-01T00:00:02Z' 'p3@2026-01-01T00:00:03Z'
  touch "$TMP/slow"
  config ".verify = {\"command\": \"if [ -e p2.txt ] && [ -e $TMP/slow ]; then echo \$\$ > $TMP/gate.pid; touch $TMP/gate-started; exec sleep 60; fi\"}"
  setsid "$ROOT/phases/merge_build.sh" "$PROJ" > "$TMP/first.out" 2>&1 &
  pid=$!; STARTED+=("$pid")
  wait_for 30 test -e "$TMP/gate-started"
  kill -TERM -- "-$pid"
  rc=0; wait "$pid" || rc=$?
  [ "$rc" = 143 ]
  # master moved only by the verified p1
  [ "$(subjects)" = 'Merge builder: p1|' ]
  [ "$(state '.merge.merged | join(",")')" = p1 ]
  [ "$(state '.merge.pending')" = null ]
  [ "$(state .phase)" = merge_build ]
  # the gate's process is gone with the stop
  wait_gone "$(cat "$TMP/gate.pid")" 10
  rm "$TMP/slow"
  run -0 merge_build
  [ "$(state '[.phase, .action_owner, .action_needed] | join(" ")')" = 'storage user none' ]
  [ "$(subjects)" = 'Merge builder: p1|Merge builder: p2|Merge builder: p3|' ]
  [ "$(state '.merge.merged | join(",")')" = p1,p2,p3 ]
  [ ! -e .argo-project/merging/.integration ]
}

@test "a squash whose target move was made but not recorded (stopped in between): recorded from merge.pending, not squashed twice, branch kept under refs/argo/merged" {
  branch a a.txt a
  branch b b.txt b
  builders 'a@2026-01-01T00:00:01Z' 'b@2026-01-01T00:00:02Z'
  config '.merge = {"strategy": "squash"}'
  tip=$(git rev-parse argo-builder-a)
  old=$(git rev-parse master)
  # what the stopped run did: the journal, then master moved to a's squash
  git merge -q --squash argo-builder-a && git commit -qm 'Builder a: the a'
  set_state ".merge = {\"merged\": [], \"pending\": {\"id\": \"a\", \"tip\": \"$tip\", \"old\": \"$old\", \"next\": \"$(git rev-parse master)\", \"row\": {\"status\": \"merged\", \"commit\": \"$(git rev-parse master)\", \"attempts\": 0}}}"
  run -0 merge_build
  [ "$(subjects)" = 'Builder a: the a|Builder b: the b|' ]
  [ "$(state '.merge.merged | join(",")')" = a,b ]
  [ "$(git rev-parse refs/argo/merged/a)" = "$tip" ]
  [ -z "$(git branch --list 'argo-builder-*')" ]
  grep -q "recovered - master has builder a's merge" .argo-project/logs/workflow.log
}

@test "without a gate (the original's pass): the same merges and lines, and each row's merge recorded; a conflict with its files, diff, worktree and branch" {
  branch a shared.txt 'from a'
  branch b shared.txt 'from b'
  branch c c.txt c
  builders a b c
  set_state '.execution.builders += [{"id": "d", "status": "failed", "branch": "argo-builder-d"}]'
  git worktree add -q .argo-project/builders/b argo-builder-b
  run -0 merge_build
  assert_line 'Merge conflicts detected in builders: b'
  run ! grep -q 'Integrating into' <<< "$output"
  [ "$(git log --first-parent --format=%s master | head -2 | tr '\n' '|')" = 'Merge builder: c|Merge builder: a|' ]
  [ "$(state '[.execution.builders[].merge.status] | join(",")')" = merged,conflict,merged,skipped ]
  [ "$(state '.execution.builders[0].merge.commit')" = "$(git rev-parse master~1)" ]
  [ "$(state '.execution.builders[1].merge | "\(.files | join(",")) \(.branch) \(.worktree)"')" = "shared.txt argo-builder-b $PROJ/.argo-project/builders/b" ]
  grep -q '^++<<<<<<< HEAD' "$(state '.execution.builders[1].merge.diff')"
  [ "$(state '.merge | has("strategy")')" = false ]
}

@test "a send-back written but not handed on (stopped in between) is handed on by the next run; a finished one is not sent again" {
  branch a a.txt a
  branch bad bad.txt bad
  builders 'a@2026-01-01T00:00:01Z' 'bad@2026-01-01T00:00:02Z'
  config '.verify = {"command": "true"}'
  set_state '.execution.builders[1] += {"status": "failed", "failure": "merge_verify", "merge_feedback": {"kind": "verify", "target": "master", "base": "x", "tail": "", "attempt": 1}} | .execution.retry_only = ["bad"]'
  run -0 merge_build
  [ "$(state '[.phase, .action_needed, .action_owner] | join(" ")')" = 'execution execution code' ]
  [ "$(state '.merge.sent_back | join(",")')" = bad ]
  # execution ran it (and dropped retry_only) and it failed again: not sent back a second time
  set_state 'del(.execution.retry_only) | .phase = "merge_build" | .action_needed = "merge_branches"'
  run -0 merge_build
  [ "$(state '[.phase, .action_needed, .action_owner] | join(" ")')" = 'merge_build review_merge user' ]
  [ "$(state '.merge.skipped | join(",")')" = bad ]
}

@test "the target checked out elsewhere, or with uncommitted changes: one ERROR before any gate runs, nothing merged, handed to the user" {
  branch a a.txt a
  builders a
  config ".verify = {\"command\": \"touch $TMP/gate-ran\"}"
  set_state '.merge = {"merged": ["earlier"], "target": "master"}'
  echo changed >> main.txt
  run -1 merge_build
  assert_output --partial "ERROR: $PROJ is on master with uncommitted changes"
  [ ! -e "$TMP/gate-ran" ]
  [ "$(state '.action_owner')" = user ]
  # what earlier runs recorded stays
  [ "$(state '.merge.merged | join(",")')" = earlier ]
  git checkout -q -- main.txt
  git checkout -q -b elsewhere
  git worktree add -q "$TMP/other" master
  run -1 merge_build
  assert_output --partial "ERROR: master is checked out in $TMP/other"
  [ ! -e "$TMP/gate-ran" ]
  [ "$(git rev-parse master)" = "$(git rev-parse elsewhere)" ]
}

@test "a bad limit refuses the gate instead of running it unbounded: ERROR naming the limit, nothing merged" {
  branch a a.txt a
  builders 'a'
  config '.verify = {"merge_command": "true"} | .limits = {"builder_timeout_seconds": "forever"}'
  local before
  before=$(git rev-parse master)
  run -1 merge_build
  assert_output --partial 'ERROR: refused to merge with a bad limit: limits.builder_timeout_seconds is "forever"'
  [ "$(git rev-parse master)" = "$before" ]
  [ "$(state '.action_owner')" = user ]
  [[ $(state '.error_recovery.last_error') == *'limits.builder_timeout_seconds is "forever"'* ]]
}
