#!/usr/bin/env bats
# workflow.kind "slices" and "review" (issue 22) end to end with the fake agent CLIs
# (tests/fixtures/agents): slices planned from slices.paths with no design agent, each slice
# built and merged through the integration gate; a review of a range whose findings are
# written while every branch stays where it was; and their one-line refusals.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  git branch -M main
}

teardown() {
  end_project_orchestrator
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# prompts_with TEXT: the number of agent calls whose argv holds TEXT
prompts_with() { grep -l -a -F -- "$1" "$FAKE_AGENT_LOG"/*.argv 2>/dev/null | wc -l; }

@test "slices: one builder per file from slices.paths, no design agent, each told its files, merged through the integration gate" {
  commit_files src/a.txt src/b.txt lib/c.txt docs/readme.md
  config '.ci.agent = "claude" | .merge.resolver = "none" | .workflow.kind = "slices" | .slices = {"paths": ["src/*.txt", "lib"], "per": "file"}'
  start_and_approve "Rename foo to bar"
  wait_state '.phase == "storage"' 60
  [ "$(state '[.design.components[].id] | join(",")')" = 'lib-c.txt,src-a.txt,src-b.txt' ]
  [ "$(state '.design.components[2].paths | join(",")')" = 'src/b.txt' ]
  [ "$(prompts_with 'Requirement:')" -eq 0 ] # no design agent was asked
  [ "$(prompts_with "You are applying a change to the 'src-a.txt' slice")" -eq 1 ]
  [ "$(prompts_with 'Your slice - change these files, and only these: src/a.txt')" -eq 1 ]
  [ "$(prompts_with 'Rename foo to bar')" -eq 3 ]
  [ "$(state '.merge.merged | sort | join(",")')" = 'lib-c.txt,src-a.txt,src-b.txt' ]
  [ "$(state '.merge.order | length')" = 3 ] # the integration engine's record
  for id in lib-c.txt src-a.txt src-b.txt; do git cat-file -e "main:$id.txt"; done
}

@test "slices per dir: one builder per folder owning its files; the ids are safe branch names" {
  commit_files 'app/x y.txt' app/z.txt 'odd..dir/w.txt'
  config '.ci.agent = "claude" | .workflow.kind = "slices" | .slices = {"paths": ["**/*.txt"], "per": "dir"}'
  "$ROOT/compat/argo" state update user_query "Add a header" >/dev/null
  run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line 'Design saved to state (2 components)'
  [ "$(state '[.design.components[] | .id + "=" + (.paths | join("+"))] | join(",")')" = 'app=app/x y.txt+app/z.txt,odd.dir=odd..dir/w.txt' ]
  [ "$(state '.action_needed')" = approve_design ]
  [ ! -d "$FAKE_AGENT_LOG" ]
}

@test "slices: a glob matching nothing, a path outside the repository, a bad per: one ERROR line each, nothing saved" {
  commit_files src/a.txt
  "$ROOT/compat/argo" state update user_query "Add a header" >/dev/null
  config '.ci.agent = "claude" | .workflow.kind = "slices" | .slices = {"paths": ["src/*.rs"]}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: slices.paths entry "src/*.rs" matches no file committed at HEAD; accepted: files, folders or globs (*, ? within a name, ** any depth) naming files of the repository' ]
  config '.slices = {"paths": ["../elsewhere"]}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: slices.paths entry "../elsewhere" is outside the repository; accepted: paths relative to the repository (no leading "/", "~" or "..")' ]
  config '.slices = {"paths": ["src"], "per": "module"}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: slices.per is "module" in config.json; accepted: "file" (one builder per file, the default) or "dir" (one builder per folder)' ]
  [ "$(state '.design')" = null ]
  [ ! -d "$FAKE_AGENT_LOG" ]
}

# a feature branch with one change over main; the checkout back on main
feature_branch() {
  git checkout -q -b feature
  commit_files calc.sh
  git checkout -q main
}

@test "review: two reviewers write their findings, the summary is in state and status, nothing is merged and no branch moves" {
  feature_branch
  config '.ci.agent = "claude" | .workflow.kind = "review" | .review_run = {"range": "main..feature", "reviewers": ["claude", "codex"]}'
  before=$(git for-each-ref --format='%(refname) %(objectname)')
  "$ROOT/start_workflow.sh" "Look for missing tests" "$PROJ" >/dev/null
  wait_state '.phase == "storage"' 60
  [ "$(state '.action_owner')" = user ]
  [ "$(state '[.reviews.reviewers[] | .reviewer + ":" + .status + ":" + (.findings | tostring)] | join(",")')" = 'claude:done:2,codex:done:2' ]
  [ "$(state '.reviews.unmoved')" = true ]
  [ "$(state '.merge')" = null ]
  [ "$(state '.execution')" = null ]
  for f in $(state '.reviews.reviewers[].file'); do
    [[ $f == "$PROJ/.argo-project/reviews/"*.md ]]
    grep -q -- '- \[high\] calc.sh:1 - the change has no test' "$f"
  done
  [ "$(prompts_with 'The diff:')" -eq 2 ]
  [ "$(prompts_with '+content of calc.sh')" -eq 2 ]
  [ "$(prompts_with 'bypassPermissions')" -eq 0 ] # read-only runs: claude in plan mode, codex in its read-only sandbox
  [ "$(prompts_with 'plan')" -eq 1 ]
  [ "$(prompts_with 'read-only')" -eq 1 ]
  [ "$(git for-each-ref --format='%(refname) %(objectname)')" = "$before" ]
  [ "$(git worktree list | wc -l)" -eq 1 ] # the reviewers' checkouts are gone
  run -0 "$ROOT/compat/argo" status "$PROJ"
  echo "$output" > "$BATS_TEST_TMPDIR/status.txt"
  assert_line --regexp '^Review of main\.\.feature \([0-9a-f]{12}\.\.[0-9a-f]{12}\): nothing is merged$'
  assert_line --regexp "^  claude: 2 findings \(1 high, 1 low\) - $PROJ/\.argo-project/reviews/.*-claude\.md$"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -c '[.reviews.reviewers[].by_severity.high]' <<< "$output")" = '[1,1]' ]
  [ "$(jq -c '.totals.input_tokens' <<< "$output")" = 2000 ] # the reviewers' usage counts in the totals
}

@test "review: a reviewer that commits in its checkout is named and its checkout kept; the branches stay where they were" {
  feature_branch
  config '.ci.agent = "claude" | .workflow.kind = "review" | .review_run = {"range": "feature"}'
  before=$(git for-each-ref --format='%(refname) %(objectname)')
  "$ROOT/compat/argo" state update user_query "Review it" >/dev/null
  FAKE_AGENT_REVIEW_MEDDLE=claude run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line --regexp "^WARNING: reviewer .*-claude: its checkout's HEAD moved from [0-9a-f]{12} to [0-9a-f]{12}$"
  [ "$(state '.reviews.unmoved')" = false ]
  kept=$(state '.reviews.reviewers[0].moved[-1]')
  [[ $kept == "its checkout is kept at $PROJ/.argo-project/reviews/worktrees/"* ]]
  [ -f "${kept#its checkout is kept at }/meddled.txt" ]
  grep -q 'WARNING: the reviewer changed the repository' "$(state '.reviews.reviewers[0].file')"
  [ "$(git for-each-ref --format='%(refname) %(objectname)')" = "$before" ]
  [ "$(state '.phase')" = storage ]
}

@test "review: a range naming no commit, or a bad reviewer, is one ERROR line and no agent runs" {
  feature_branch
  "$ROOT/compat/argo" state update user_query "Review it" >/dev/null
  config '.ci.agent = "claude" | .workflow.kind = "review" | .review_run = {"range": "main..nope"}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: review_run.range is "main..nope" in config.json: "nope" is not a commit of this repository; accepted: branches, tags or commits that exist' ]
  config '.review_run = {"range": "--output=x..main"}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: review_run.range is "--output=x..main" in config.json ("--output=x": a branch name must not start with "-"); accepted: a branch or commit ("feature": its changes since main/master), "A..B" or "A...B" (branches, tags or commits)' ]
  config '.review_run = {"range": "main..feature", "reviewers": ["clod"]}'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = "ERROR: review_run.reviewers: unknown agent 'clod' (known: claude, codex, gemini, aider, opencode, cursor)" ]
  [ ! -d "$FAKE_AGENT_LOG" ]
  [ "$(state '.reviews')" = null ]
}

@test "argo doctor says what slices.paths and review_run.range come to here, and names a bad one" {
  commit_files src/a.txt src/b.txt
  feature_branch
  config '.ci.agent = "claude" | .workflow.kind = "slices" | .slices = {"paths": ["src"]}'
  run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'ok   workflow: slices - 2 slice(s), one per file, from slices.paths ["src"] (no design agent)'
  config '.slices.paths = ["nothing/**"]'
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'FAIL workflow: ERROR: slices.paths entry "nothing/**" matches no file committed at HEAD; accepted: files, folders or globs (*, ? within a name, ** any depth) naming files of the repository'
  config '.workflow.kind = "review" | .review_run = {"range": "main..feature", "reviewers": ["codex"]}'
  run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --regexp '^ok   workflow: review of main\.\.feature \([0-9a-f]{12}\.\.[0-9a-f]{12}\) by codex; nothing is merged$'
  config '.review_run.range = "main..gone"'
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'FAIL workflow: ERROR: review_run.range is "main..gone" in config.json: "gone" is not a commit of this repository; accepted: branches, tags or commits that exist'
}

@test "with the stand-in CI: slices per folder each change their own files, merged; a review writes its (empty) findings" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  commit_files src/a.txt src/b.txt docs/guide.md
  config '.workflow.kind = "slices" | .slices = {"paths": ["src", "docs"], "per": "dir"}'
  start_and_approve "Add a licence header"
  wait_state '.phase == "storage"' 60
  [ "$(state '.merge.merged | sort | join(",")')" = 'docs,src' ]
  for f in src/a.txt src/b.txt docs/guide.md; do
    [ "$(git show "main:$f")" = "$(printf 'content of %s\nchanged by the stand-in CI (slice %s)' "$f" "${f%%/*}")" ]
  done
  git checkout -q -b feature
  commit_files calc.sh
  git checkout -q main
  config '.workflow.kind = "review" | .review_run = {"range": "feature"}'
  "$ROOT/start_workflow.sh" "Review it" "$PROJ" >/dev/null
  wait_state '.phase == "storage" and .reviews != null' 30
  [ "$(state '[.reviews.reviewers[] | .reviewer + ":" + .status + ":" + (.findings | tostring)] | join(",")')" = "$ROOT/compat/standin_ci:done:0" ]
  grep -qx 'No findings.' "$(state '.reviews.reviewers[0].file')"
  [ "$(state '.design')" = null ]
}

@test "a workflow.kind that does not exist: design_program refuses with one ERROR line, nothing asked" {
  "$ROOT/compat/argo" state update user_query "Anything" >/dev/null
  config '.ci.agent = "claude" | .workflow.kind = "refactor"'
  run -1 --separate-stderr "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$stderr" = 'ERROR: workflow.kind is "refactor" in config.json; accepted: feature, bugfix, best_of_n, slices, review, or absent (feature)' ]
  [ "$(state '.error_recovery.last_error')" = 'workflow.kind is "refactor" in config.json; accepted: feature, bugfix, best_of_n, slices, review, or absent (feature)' ]
  [ ! -d "$FAKE_AGENT_LOG" ]
}
