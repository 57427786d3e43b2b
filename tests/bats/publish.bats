#!/usr/bin/env bats
# Issue 23: publishing an `argo run` result (cicd/publish.ts publishResult) against a bare
# repository as origin: the pushed branch's content, the pull request command and body (a
# stand-in `gh` on PATH that records its arguments), the default branch refused, and the
# compare page printed when gh is missing or has no token.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export ROOT
  git_work_project -b main
  BARE="$WORK/origin.git"
  git init -q --bare -b main "$BARE"
  # The remote's URL is GitHub's; git is told to reach it at the bare repository instead.
  git remote add origin https://github.com/acme/widgets.git
  git config url."$BARE".insteadOf https://github.com/acme/widgets.git
  git push -q origin main
  git checkout -q -b argo/calc-1a2b
  echo 'result of the run' > calc.txt
  git add calc.txt && git -c user.name=t -c user.email=t@t commit -qm 'Merge builder: calc'
  git checkout -q main
  export GH_STANDIN_LOG="$WORK/gh" PUBLISH_OUT="$WORK/published.json"
  BIN="$WORK/bin"
  mkdir -p "$BIN"
  ln -s "$ROOT/tests/fixtures/ci/gh" "$BIN/gh"
  unset GH_TOKEN GITHUB_TOKEN GITLAB_TOKEN GITHUB_REPOSITORY GITHUB_SERVER_URL CI_SERVER_HOST CI_PROJECT_PATH
  report argo/calc-1a2b done
}

# report BRANCH STATUS: the run's report (cicd/report.ts) in $WORK/report.json.
report() {
  jq -n --arg b "$1" --arg s "$2" --arg p "$PROJ" '{status: $s, exit_code: 0, reason: "every component merged", project: $p,
    query: "Build a calculator", template: null, phase: "storage", action_owner: "user", action_needed: "none",
    branch: (if $b == "" then null else $b end), pr_url: null,
    plan: [{id: "calc", description: "The calculator", paths: ["calc.txt"], depends_on: []}],
    builders: [{id: "calc", description: "The calculator", status: "merged", failure: null,
      verify: {command: "test -f calc.txt", passed: true, output_tail: "ok: calc.txt"}, cost_usd: 0.12,
      tokens: {input: 900, output: 100}, diffstat: "1 file changed, 1 insertion(+)", summary: "Wrote calc.txt."}],
    cost_usd: 0.12, tokens: {input: 900, output: 100}, started: "2026-12-03T10:00:00Z", ended: "2026-12-03T10:01:00Z",
    rerun: "argo run --approve auto --push --pr \"Build a calculator\""}' > "$WORK/report.json"
}

publish() { node "$ROOT/tests/fixtures/ci/publish_result.mjs" "$WORK/report.json" "$PROJ" "$@"; }

@test "--push --pr: the branch is on origin with its content; gh pr create gets base, head, title and the body with the evidence; pr_url in the report" {
  PATH="$BIN:$PATH" GH_TOKEN=test-token run -0 publish push pr
  assert_line 'argo run: pushed argo/calc-1a2b to origin'
  assert_line 'argo run: pull request: https://github.com/acme/widgets/pull/17'
  [ "$(git --git-dir="$BARE" show argo/calc-1a2b:calc.txt)" = 'result of the run' ]
  [ "$(git --git-dir="$BARE" rev-parse argo/calc-1a2b)" = "$(git rev-parse argo/calc-1a2b)" ]
  [ "$(git --git-dir="$BARE" rev-parse main)" = "$(git rev-parse main)" ]
  run -0 cat "$GH_STANDIN_LOG/args"
  assert_output "pr
create
--repo=github.com/acme/widgets
--base=main
--head=argo/calc-1a2b
--title=argo: Build a calculator
--body-file=-"
  run -0 cat "$GH_STANDIN_LOG/stdin"
  assert_output --partial '> Build a calculator'
  assert_output --partial '### `calc`: merged'
  assert_output --partial 'ok: calc.txt'
  assert_output --partial 'Tokens: 900 in / 100 out; cost: $0.12'
  assert_output --partial 'argo run --approve auto --push --pr "Build a calculator"'
  [ "$(cat "$GH_STANDIN_LOG/token")" = yes ]
  [ "$(jq -r .pr_url "$PUBLISH_OUT")" = https://github.com/acme/widgets/pull/17 ]
}

@test "the default branch is refused with one ERROR line: main, master, and whatever origin's HEAD names; nothing pushed" {
  local before
  before=$(git --git-dir="$BARE" rev-parse main)
  git checkout -q -b trunk && echo x > x.txt && git add x.txt && git -c user.name=t -c user.email=t@t commit -qm x && git checkout -q main
  git push -q origin main:trunk
  git --git-dir="$BARE" symbolic-ref HEAD refs/heads/trunk
  report main done
  PATH="$BIN:$PATH" GH_TOKEN=test-token run -1 publish push pr
  assert_output "ERROR: branch 'main' refused: it is the default branch of remote 'origin' (protected: main, master, trunk); accepted: a branch of its own (argo run --branch argo/…)"
  report trunk done
  PATH="$BIN:$PATH" GH_TOKEN=test-token run -1 publish push pr
  assert_output --partial "ERROR: branch 'trunk' refused: it is the default branch of remote 'origin'"
  [ "$(git --git-dir="$BARE" rev-parse main)" = "$before" ]
  [ "$(git --git-dir="$BARE" rev-parse trunk)" != "$(git rev-parse trunk)" ]
  [ ! -e "$GH_STANDIN_LOG/args" ]
}

@test "no gh on PATH, or gh without a token: the compare page is printed (the token in the remote URL is not), nothing opened" {
  git remote set-url origin https://x-access-token:SECRET-TOKEN@github.com/acme/widgets.git
  git config url."$BARE".insteadOf https://x-access-token:SECRET-TOKEN@github.com/acme/widgets.git
  # PATH without gh: node and git by their folders only.
  PATH="$(dirname "$(command -v node)"):$(dirname "$(command -v git)")" GH_TOKEN=t run -0 publish push pr
  assert_line 'argo run: open the pull request at https://github.com/acme/widgets/compare/main...argo/calc-1a2b?expand=1 (gh is not on PATH)'
  refute_output --partial SECRET
  [ "$(git --git-dir="$BARE" show argo/calc-1a2b:calc.txt)" = 'result of the run' ]
  PATH="$BIN:$PATH" run -0 publish no-push pr
  assert_output 'argo run: open the pull request at https://github.com/acme/widgets/compare/main...argo/calc-1a2b?expand=1 (GH_TOKEN / GITHUB_TOKEN / GH_ENTERPRISE_TOKEN is not set)'
  [ ! -e "$GH_STANDIN_LOG/args" ]
  [ "$(jq -r .pr_url "$PUBLISH_OUT")" = null ]
}

@test "a pull request already open for the branch (a re-run): gh says so, its URL is the report's pr_url, no problem" {
  git push -q origin argo/calc-1a2b
  PATH="$BIN:$PATH" GH_TOKEN=t GH_STANDIN_FAIL=exists GH_STANDIN_URL=https://github.com/acme/widgets/pull/9 run -0 publish no-push pr
  assert_output 'argo run: pull request: https://github.com/acme/widgets/pull/9'
  [ "$(jq -r .pr_url "$PUBLISH_OUT")" = https://github.com/acme/widgets/pull/9 ]
}

@test "a plain-path origin in Actions: the repository comes from GITHUB_REPOSITORY and GITHUB_SERVER_URL" {
  git remote set-url origin "$BARE"
  PATH="$BIN:$PATH" GITHUB_TOKEN=t GITHUB_SERVER_URL=https://github.com GITHUB_REPOSITORY=acme/widgets run -0 publish push pr
  assert_line 'argo run: pull request: https://github.com/acme/widgets/pull/17'
  grep -qx -- '--repo=github.com/acme/widgets' "$GH_STANDIN_LOG/args"
}

@test "GitLab: glab mr create with source and target branch and the body as its description" {
  git remote set-url origin https://gitlab.com/grp/widgets.git
  git config url."$BARE".insteadOf https://gitlab.com/grp/widgets.git
  ln -s "$ROOT/tests/fixtures/ci/gh" "$BIN/glab"
  rm "$BIN/gh"
  PATH="$BIN:$PATH" GITLAB_TOKEN=t GH_STANDIN_URL=https://gitlab.com/grp/widgets/-/merge_requests/3 run -0 publish push pr
  assert_line 'argo run: merge request: https://gitlab.com/grp/widgets/-/merge_requests/3'
  run -0 head -5 "$GH_STANDIN_LOG/args"
  assert_output "mr
create
--repo=https://gitlab.com/grp/widgets
--target-branch=main
--source-branch=argo/calc-1a2b"
  grep -q 'ok: calc.txt' "$GH_STANDIN_LOG/args"
}

@test "--pr without --push and the branch not on origin; gh failing; a run that did not end done: ERROR lines or a note, nothing pushed" {
  PATH="$BIN:$PATH" GH_TOKEN=t run -1 publish no-push pr
  assert_output "ERROR: --pr: branch 'argo/calc-1a2b' is not on remote 'origin'; accepted: add --push, or push it first"
  PATH="$BIN:$PATH" GH_TOKEN=t GH_STANDIN_FAIL=1 run -1 publish push pr
  assert_line 'argo run: open the pull request at https://github.com/acme/widgets/compare/main...argo/calc-1a2b?expand=1'
  assert_line 'ERROR: gh pr create failed (exit 1): pull request create failed: GraphQL: Resource not accessible by integration (createPullRequest)'
  git --git-dir="$BARE" update-ref -d refs/heads/argo/calc-1a2b
  report argo/calc-1a2b needs_person
  PATH="$BIN:$PATH" GH_TOKEN=t run -0 publish push pr
  assert_output 'argo run: not publishing: the run ended "needs_person" (every component merged)'
  run ! git --git-dir="$BARE" rev-parse --verify --quiet argo/calc-1a2b
}
