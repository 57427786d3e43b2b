#!/usr/bin/env bats
# Issue 22's "each runs to its end state": every built-in template but feature (templates.bats
# runs that one) started by name — `argo start --template NAME` — with the fake agent CLIs
# (tests/fixtures/agents), the project's config.json giving only what the template asks the
# user for (the test command, the paths, the range). Each test checks the template's own
# mark on the result, so a template whose defaults stopped reaching the workflow fails here.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  git branch -M main
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m base
}

teardown() {
  end_project_orchestrator
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# start_template NAME QUERY: argo start --template, then the plan approved as proposed.
start_template() {
  run -0 "$ROOT/compat/argo" start --template "$1" "$2" "$PROJ"
  assert_line --partial "Template: $1 (built-in: "
  [ "$(jq -r '.workflow.template' .argo-project/config.json)" = "$1" ]
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

@test "argo templates list: the seven built-ins" {
  run -0 "$ROOT/compat/argo" templates list
  for name in feature bugfix best-of-n review refactor tests docs; do assert_output --regexp "(^|[[:space:]])$name[[:space:]]"; done
}

@test "template bugfix: red on the base, green with the fix, to storage" {
  # bugfix-test.txt alone (the test's branch) fails the command; with bugfix-fix.txt it passes
  config '.ci.agent = "claude" | .verify = {command: "test ! -f bugfix-test.txt || test -f bugfix-fix.txt"}'
  start_template bugfix "the parser crashes on empty input"
  wait_state '.phase == "storage"' 90
  [ "$(state '.bugfix.red.passed, .bugfix.green.passed' | tr '\n' ,)" = false,true, ]
  [ -f bugfix-test.txt ] && [ -f bugfix-fix.txt ]
}

@test "template bugfix: a fix whose test never failed is refused, nothing merged" {
  config '.ci.agent = "claude" | .verify = {command: "true"}'
  start_template bugfix "the parser crashes on empty input"
  wait_state '.action_needed == "review_bugfix"' 60
  [ "$(state '.bugfix.red.passed')" = true ]
  [ -z "$(git log --merges --format=%s)" ]
}

@test "template best-of-n: two candidates (the template's count), one winner merged, the other kept, to storage" {
  config '.ci.agent = "codex" | .verify = {command: "true"}'
  start_template best-of-n "add a greeting"
  wait_state '.phase == "storage"' 90
  [ "$(state '.best_of_n.candidates | length')" = 2 ]
  winner=$(state '.best_of_n.winner')
  [[ $winner != null ]]
  loser=$(jq -r --arg w "$winner" '.best_of_n.candidates[] | select(.id != $w) | .kept_ref' .argo-project/state.json)
  git rev-parse -q --verify "$loser^{commit}" >/dev/null
  [ "$(git log --merges --format=%s | wc -l)" -eq 1 ]
}

@test "template review: findings written, nothing merged, no branch moved, to storage" {
  git checkout -q -b feature && commit_files calc.sh && git checkout -q main
  config '.ci.agent = "claude" | .review_run = {range: "main..feature"}'
  before=$(git for-each-ref --format='%(refname) %(objectname)')
  run -0 "$ROOT/compat/argo" start --template review "look for missing tests" "$PROJ"
  wait_state '.phase == "storage"' 60
  [ "$(state '.reviews.reviewers | length')" = 1 ]
  [ -s "$(state '.reviews.reviewers[0].file')" ]
  [ "$(state '.merge')" = null ]
  [ "$(git for-each-ref --format='%(refname) %(objectname)')" = "$before" ]
}

@test "template refactor: one builder per file of slices.paths, each merged, to storage" {
  commit_files src/a.txt src/b.txt
  config '.ci.agent = "claude" | .slices = {paths: ["src/*.txt"]}'
  start_template refactor "rename foo to bar"
  wait_state '.phase == "storage"' 90
  [ "$(state '[.design.components[].id] | join(",")')" = src-a.txt,src-b.txt ]
  [ "$(state '.merge.merged | sort | join(",")')" = src-a.txt,src-b.txt ]
}

@test "templates tests and docs: one builder per folder, told by the template's own prompt, each merged, to storage" {
  # each template its own folders (the fake agent writes <id>.txt: the same ids twice would change nothing)
  commit_files tests-a/x.txt tests-a/y.txt tests-b/z.txt docs-a/x.txt docs-b/y.txt
  for t in tests docs; do
    config '.ci.agent = "claude" | .slices = {paths: ["'"$t"'-a", "'"$t"'-b"]}'
    start_template "$t" "cover the edge cases"
    wait_state '.phase == "storage"' 90
    [ "$(state '[.design.components[].id] | join(",")')" = "$t-a,$t-b" ]
    [ "$(state '.merge.merged | sort | join(",")')" = "$t-a,$t-b" ]
  done
  # each template's builder prompt reached the agents (tests: coverage; docs: documentation)
  [ "$(grep -l -a -F 'raising the test coverage of one slice of this repository: tests-' "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 2 ]
  [ "$(grep -l -a -F 'You are documenting one slice of this repository: docs-' "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 2 ]
}
