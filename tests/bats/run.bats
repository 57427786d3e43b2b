#!/usr/bin/env bats
# `argo run` (issue 23, cicd/run.ts): one workflow unattended, in the foreground, through
# the real `argo` command on real git repositories — the offline stand-in CI tool or the
# fake agent CLIs (tests/fixtures/agents), no network. Each exit code from a real outcome,
# the report and the JUnit file, the progress lines and GitHub groups, a cancel mid-run.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT
  git_work_project
}

teardown() {
  end_project_orchestrator
  [[ -n ${RUN_PID:-} ]] && alive "$RUN_PID" && kill "$RUN_PID" || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

argo() { "$ROOT/compat/argo" "$@"; }
report() { jq -r "$1" "$WORK/report.json"; }
# orchestrator_gone: no orchestrator of $PROJ runs (its pid file gone or naming a dead process)
orchestrator_gone() {
  local pid
  pid=$(cat "$PROJ/.argo-project/orchestrator.pid" 2>/dev/null) || return 0
  ended "$pid"
}
# group_gone PGID: no live process in the process group
group_gone() {
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do alive "$p" && return 1; done
  return 0
}
# fake agents (claude preset) on PATH, the project set up beforehand so config can be edited
fake_claude_project() {
  export PATH="$ROOT/tests/fixtures/agents:$PATH" FAKE_AGENT_LOG="$WORK/calls"
  unset CI_COMMAND ARGO_AGENT
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  config '.ci.agent = "claude"'
}

@test "done: exit 0 from a checkout without .argo-project; the result on argo/<slug>-<id>, main untouched; report, JUnit and progress lines" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  local main_before
  main_before=$(git rev-parse HEAD)
  run -0 argo run "Build a calculator" "$PROJ" --report "$WORK/report.json" --junit "$WORK/out/junit.xml"
  assert_line --regexp '^argo: set up .*/\.argo-project \(the checkout had none\)$'
  assert_line --regexp '^argo: integration branch argo/build-a-calculator-[0-9a-f]{6} \(merge.target\)$'
  assert_line 'argo: approving the plan (3 component(s); --approve auto, --max-components 10)'
  assert_line 'argo: design: 3 component(s): core, cli, docs'
  assert_line 'argo: builder cli: completed'
  assert_line 'argo: builder cli: merge merged'
  assert_line --regexp '^argo: phase storage: user → '
  assert_line 'argo: done (exit 0): the workflow is finished (phase storage)'
  assert_line --regexp '^argo: result: 3 builder\(s\): 3 merged; branch argo/build-a-calculator-[0-9a-f]{6}$'
  refute_output --partial '::group::'
  # each event once: the design line is not repeated at every look
  [ "$(grep -c '^argo: design: ' <<< "$output")" -eq 1 ]
  local branch
  branch=$(jq -r .merge.target .argo-project/config.json)
  [[ $branch =~ ^argo/build-a-calculator-[0-9a-f]{6}$ ]]
  for f in core cli docs; do git cat-file -e "$branch:$f.txt"; done
  [ "$(git rev-parse --verify -q main || git rev-parse --verify -q master)" = "$main_before" ]
  orchestrator_gone
  # the report
  [ "$(report '.status, .exit_code, .branch, .phase' | tr '\n' ' ')" = "done 0 $branch storage " ]
  [ "$(report '[.plan[].id] | join(",")')" = core,cli,docs ]
  [ "$(report '[.builders[] | "\(.id):\(.status)"] | join(",")')" = core:merged,cli:merged,docs:merged ]
  [ "$(report '.builders[0].diffstat')" = '1 file changed, 1 insertion(+)' ]
  [ "$(report '.builders[0].summary')" = 'built core' ]
  [ "$(report '.query')" = 'Build a calculator' ]
  report .rerun | grep -q "^argo run 'Build a calculator' $PROJ --approve auto --max-components 10 --branch $branch\$"
  # the JUnit file: a case per builder and the workflow's, none failed
  local xml="$WORK/out/junit.xml"
  grep -q '<testsuite name="argo" tests="4" failures="0"' "$xml"
  [ "$(grep -c '<testcase ' "$xml")" -eq 4 ]
  grep -q '<testcase classname="argo" name="cli: A command-line front end">' "$xml"
  run ! grep -q '<failure' "$xml"
}

@test "--approve never stops at the plan for a person: exit 2, the plan in the report, nothing built; GitHub Actions log groups; --template goes to workflow.template" {
  export CI_COMMAND="$ROOT/compat/standin_ci" GITHUB_ACTIONS=true
  run -2 argo run "Build a calculator" "$PROJ" --approve never --template feature --report "$WORK/report.json"
  assert_line --regexp '^argo: needs_person \(exit 2\): --approve never: the plan \(3 components\) waits for a person: argo approve '
  assert_line '::group::argo: init'
  assert_line '::group::argo: design'
  # groups open and close in pairs, the last one closed before the final line
  [ "$(grep -c '^::group::' <<< "$output")" -eq "$(grep -c '^::endgroup::$' <<< "$output")" ]
  [ "$(grep -n '' <<< "$output" | grep -E '::endgroup::$' | tail -1 | cut -d: -f1)" -lt "$(grep -n 'needs_person (exit 2)' <<< "$output" | cut -d: -f1)" ]
  [ "$(jq -r '.workflow.template' .argo-project/config.json)" = feature ]
  [ "$(report '.status, .exit_code, .action_needed' | tr '\n' ' ')" = "needs_person 2 approve_design " ]
  [ "$(report '.plan | length')" -eq 3 ]
  [ "$(report '.builders | length')" -eq 0 ]
  [ "$(report '.branch')" = null ]
  [ "$(state .design.approved)" != true ]
  # the orchestrator does not outlive the run
  orchestrator_gone
  assert_line --regexp '^argo: ended needs_person: stopping the workflow \(argo resume .* continues it\)$'
}

@test "--approve auto refuses a plan larger than --max-components: exit 2, not approved" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  touch "$WORK/a-file"
  run -2 argo run "Build a calculator" "$PROJ" --max-components 2 --junit "$WORK/a-file/j.xml"
  assert_line --regexp '^argo: needs_person \(exit 2\): the plan was not approved automatically: the plan has 3 components, more than --max-components 2; a person must review it'
  # a file that cannot be written is said, and the run's own outcome kept
  assert_line --regexp "^ERROR: could not write $WORK/a-file/j.xml: "
  assert_line 'argo: result: no builders; branch (nothing merged)'
  [ "$(state .design.approved)" != true ]
}

@test "a builder whose verify fails: exit 1; the report and the JUnit case say so" {
  export CI_COMMAND="$ROOT/compat/standin_ci"
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  config '.verify = {"command": "test ! -f cli.txt"}'
  run -1 argo run "Build a calculator" "$PROJ" --report "$WORK/report.json" --junit "$WORK/junit.xml"
  assert_line --regexp '^argo: builder cli: failed \(verify'
  assert_line --regexp '^argo: failed \(exit 1\): Some builders were not merged \(failed: cli'
  [ "$(report '.builders[] | select(.id == "cli") | "\(.status) \(.verify.passed) \(.verify.command)"')" = 'failed false test ! -f cli.txt' ]
  [ "$(report '.builders[] | select(.id == "core") | "\(.status) \(.verify.passed)"')" = 'merged true' ]
  grep -q '<testsuite name="argo" tests="4" failures="2"' "$WORK/junit.xml"
  grep -q '<failure message="verify failed: test ! -f cli.txt" type="verify">' "$WORK/junit.xml"
  grep -q '<property name="verify_command" value="test ! -f cli.txt"/>' "$WORK/junit.xml"
  orchestrator_gone
}

@test "a merge conflict the resolver leaves to a person: exit 2, the reason names it" {
  fake_claude_project
  export FAKE_AGENT_COMPONENTS=3 FAKE_AGENT_SHARED=part-1,part-2
  config '.merge.resolver = "none"'
  run -2 argo run "Build a calculator" "$PROJ" --report "$WORK/report.json"
  assert_line --regexp '^argo: needs_person \(exit 2\): Resolve the merge conflicts of part-[12] '
  [ "$(report '.action_needed')" = resolve_conflicts ]
  [ "$(report '[.builders[].cost_usd] | map(select(. != null)) | length')" -eq 3 ]
  report .cost_usd | grep -Eq '^0\.0[0-9]+$'
  orchestrator_gone
}

@test "a budget limit: exit 3; the hung builder's group and the orchestrator are gone" {
  fake_claude_project
  # the design (0.0123) and part-1 (0.0123) pass 0.02 while part-2 hangs
  config '.limits = {"max_cost_usd": 0.02, "max_parallel_builders": 2}'
  export FAKE_AGENT_HANG=part-2
  run -3 argo run "Build a calculator" "$PROJ" --report "$WORK/report.json"
  assert_line --regexp '^argo: limit \(exit 3\): the cost so far \(.* USD\) reached limits.max_cost_usd \(0.02 USD\)'
  [ "$(report '.status, .action_needed' | tr '\n' ' ')" = "limit review_budget " ]
  orchestrator_gone
  local pgid
  pgid=$(state '.execution.builders[] | select(.id == "part-2") | .pid')
  [[ $pgid =~ ^[0-9]+$ ]] && wait_for 10 group_gone "$pgid"
}

@test "set-up errors exit 4 and change nothing: not a git repository, a bad option, a default branch as --branch, no query" {
  local plain="$WORK/plain"
  mkdir -p "$plain"
  run -4 argo run "Build a calculator" "$plain"
  assert_output --partial "ERROR: $plain is not a git repository"
  assert_line --regexp '^argo: setup_error \(exit 4\): '
  [ ! -e "$plain/.argo-project" ]
  run -4 argo run "Build a calculator" "$PROJ" --approve sometimes
  assert_line 'ERROR: --approve is "sometimes"; accepted: auto, never'
  run -4 argo run "Build a calculator" "$PROJ" --branch main
  assert_line --regexp '^ERROR: --branch is "main"; accepted: a branch name "argo/<slug>"'
  run -4 argo run "Build a calculator" "$PROJ" --max-components 0
  assert_line 'ERROR: --max-components is "0"; accepted: a whole number from 1 to 9999'
  run -4 argo run
  assert_line 'ERROR: the query is missing; accepted: what to build, as one argument'
  run -0 argo run --help
  assert_line --index 0 --regexp '^Usage: argo run "<what to build>" \[project_path\] \[--approve auto\|never\]'
  [ ! -e "$PROJ/.argo-project" ]
  # a bad config is a set-up error too, and nothing starts
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  echo '{not json' > .argo-project/config.json
  run -4 argo run "Build a calculator" "$PROJ"
  assert_output --partial 'is not valid JSON'
  [ "$(state .phase)" = init ] && [ "$(state .user_query)" = null ]
}

@test "cancel mid-run (SIGTERM to argo run): the workflow is stopped, no orchestrator or builder left, a non-zero exit" {
  fake_claude_project
  export FAKE_AGENT_HANG=part-1
  # started directly (compat/argo execs node), so $! is the argo run process itself
  "$ROOT/compat/argo" run "Build a calculator" "$PROJ" --report "$WORK/report.json" > "$WORK/run.out" 2>&1 &
  RUN_PID=$!
  wait_state '.execution.builders[0].status == "running" and .execution.builders[0].pid != null' 60
  local orch pgid status=0
  orch=$(cat .argo-project/orchestrator.pid)
  pgid=$(state '.execution.builders[0].pid')
  alive "$orch" && alive "$pgid"
  kill -TERM "$RUN_PID"
  wait "$RUN_PID" || status=$?
  RUN_PID=
  [ "$status" -eq 143 ] || { cat "$WORK/run.out"; false; }
  ended "$orch" || { cat "$WORK/run.out"; cat /proc/$orch/status | head -5; false; }
  wait_for 10 group_gone "$pgid"
  grep -q '^argo: cancelled by SIGTERM: stopping the workflow' "$WORK/run.out"
  grep -q '^argo: failed (exit 143): cancelled (SIGTERM): the workflow was stopped$' "$WORK/run.out"
  [ "$(report '.status, .reason' | tr '\n' '|')" = 'failed|cancelled (SIGTERM): the workflow was stopped|' ]
}

@test "Ctrl-C (SIGINT to argo run) during the design: stopped, exit 130, the report says cancelled" {
  export CI_COMMAND="$ROOT/compat/standin_ci" STANDIN_CI_DELAY=30
  "$ROOT/compat/argo" run "Build a calculator" "$PROJ" --report "$WORK/report.json" > "$WORK/run.out" 2>&1 &
  RUN_PID=$!
  wait_state '.phase == "init" and .action_owner == "code"' 30
  wait_for 10 test -s .argo-project/orchestrator.pid
  local orch status=0
  orch=$(cat .argo-project/orchestrator.pid)
  kill -INT "$RUN_PID"
  wait "$RUN_PID" || status=$?
  RUN_PID=
  [ "$status" -eq 130 ] || { cat "$WORK/run.out"; false; }
  ended "$orch"
  [ "$(report '.reason')" = 'cancelled (SIGINT): the workflow was stopped' ]
}
