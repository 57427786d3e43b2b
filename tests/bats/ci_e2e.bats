#!/usr/bin/env bats
# Issue 23, "Done when", in a simulated GitHub Actions job: the GITHUB_* variables and
# files, a bare repository as origin (reached under a GitHub URL), a stand-in `gh` on PATH
# that records its arguments and prints a URL, and the offline agents. `argo run --approve
# auto --push --pr "…"` goes from a requirement to a pushed branch and a pull-request call
# with its evidence (exit 0); a conflict that needs a person exits 2 with the summary saying
# why; nothing is ever pushed to the default branch.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  require_tool "argo run (dist/cicd/run.js)" "merge the run helper's branch (cicd/run.ts, issue 23 item 1) and npm run build" test -f "$ROOT/dist/cicd/run.js"
  unset GH_TOKEN GITHUB_TOKEN GITLAB_TOKEN CI_COMMAND ARGO_AGENT
}

teardown() {
  [[ -n ${PROJ:-} ]] && end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# actions_job: the project ($PROJ, main) with origin a bare repository at GitHub's URL, and
# the Actions job's environment: its files, its variables, gh on PATH with a token.
actions_job() {
  BARE="$WORK/origin.git"
  git init -q --bare -b main "$BARE"
  git remote add origin https://github.com/acme/widgets.git
  git config url."$BARE".insteadOf https://github.com/acme/widgets.git
  git push -q origin main
  MAIN_BEFORE=$(git rev-parse main)
  RUNNER="$WORK/runner"
  mkdir -p "$RUNNER"
  : > "$RUNNER/output"
  : > "$RUNNER/summary.md"
  export GITHUB_ACTIONS=true GITHUB_OUTPUT="$RUNNER/output" GITHUB_STEP_SUMMARY="$RUNNER/summary.md" \
    GITHUB_REPOSITORY=acme/widgets GITHUB_SERVER_URL=https://github.com GITHUB_RUN_ID=1 RUNNER_TEMP="$RUNNER" \
    GH_TOKEN=ghs_standin GH_STANDIN_LOG="$WORK/gh" PATH="$ROOT/tests/fixtures/ci:$PATH"
}

output_of() { sed -n "s/^$1=//p" "$GITHUB_OUTPUT"; }

# origin holds main as it was, and nothing else but the branches listed.
origin_branches() { git --git-dir="$BARE" for-each-ref --format='%(refname:short)' refs/heads | sort | tr '\n' ' '; }

@test "a requirement to a pushed branch and a pull request with its evidence, exit 0; the step summary and outputs written; origin's main untouched" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project -b main
  actions_job
  run -0 "$ROOT/compat/argo" run --approve auto --push --pr --report "$RUNNER/report.json" "Build a calculator" "$PROJ"
  local branch
  branch=$(output_of branch)
  [[ $branch == argo/* ]]
  assert_line --partial "pushed $branch to origin"
  assert_line --partial 'pull request: https://github.com/acme/widgets/pull/17'
  # origin: main as before, the result branch with every component's work
  [ "$(git --git-dir="$BARE" rev-parse main)" = "$MAIN_BEFORE" ]
  [ "$(origin_branches)" = "$branch main " ]
  for f in core cli docs; do
    [ "$(git --git-dir="$BARE" show "$branch:$f.txt")" = "Built by the stand-in CI for component $f" ]
  done
  # the pull-request call and its evidence
  grep -qx -- "--head=$branch" "$GH_STANDIN_LOG/args"
  grep -qx -- '--base=main' "$GH_STANDIN_LOG/args"
  grep -qx -- '--title=argo: Build a calculator' "$GH_STANDIN_LOG/args"
  run -0 cat "$GH_STANDIN_LOG/stdin"
  assert_output --partial '> Build a calculator'
  for id in core cli docs; do assert_output --partial "### \`$id\`: merged"; done
  assert_output --partial '## Tokens and cost'
  assert_output --partial 'argo run'
  # the job's outputs and summary
  [ "$(output_of status)" = done ]
  [ "$(output_of pr_url)" = https://github.com/acme/widgets/pull/17 ]
  grep -q '^cost_usd=' "$GITHUB_OUTPUT"
  grep -q '## argo run: done (exit 0)' "$GITHUB_STEP_SUMMARY"
  [ "$(jq -r .pr_url "$RUNNER/report.json")" = https://github.com/acme/widgets/pull/17 ]
  # the pipeline's token stayed with argo run (the PR call above used it): the workflow's
  # recorded environment, which every agent gets, and its logs hold none of it
  [ -s "$PROJ/.argo-project/agent-env.json" ]
  run ! grep -rqF ghs_standin "$PROJ/.argo-project"
}

@test "a conflict the resolver leaves to a person: exit 2, the summary says why, nothing pushed, no pull request" {
  fake_agents_project
  git branch -m main 2>/dev/null || true
  export FAKE_AGENT_COMPONENTS=2 FAKE_AGENT_SHARED=part-1,part-2 FAKE_AGENT_RESOLVE=giveup FAKE_AGENT_DRAFT=
  config '.ci.agent = "claude" | del(.verify)'
  actions_job
  run -2 "$ROOT/compat/argo" run --approve auto --push --pr "Build a calculator" "$PROJ"
  [ "$(output_of status)" = needs_person ]
  run -0 cat "$GITHUB_STEP_SUMMARY"
  assert_output --partial '## argo run: a person is needed (exit 2)'
  assert_output --partial 'conflict'
  [ "$(origin_branches)" = "main " ]
  [ "$(git --git-dir="$BARE" rev-parse main)" = "$MAIN_BEFORE" ]
  [ ! -e "$GH_STANDIN_LOG/args" ]
}

@test "the default branch is never a target: --branch main is refused, origin's main untouched, no pull request" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  git_work_project -b main
  actions_job
  run "$ROOT/compat/argo" run --approve auto --push --pr --branch main "Build a calculator" "$PROJ"
  [ "$status" -ne 0 ]
  assert_output --partial 'ERROR:'
  [ "$(origin_branches)" = "main " ]
  [ "$(git --git-dir="$BARE" rev-parse main)" = "$MAIN_BEFORE" ]
  [ ! -e "$GH_STANDIN_LOG/args" ]
}
