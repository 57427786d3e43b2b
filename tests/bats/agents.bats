#!/usr/bin/env bats
# Real AI coding assistants as builders, with fake executables under the real names
# (tests/fixtures/agents, first on PATH): whole workflows per preset, time limits,
# stall, budget, the verify gate, argo retry, argo doctor. No network anywhere.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null || true
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

limits() {
  jq ".limits += $1" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
}


# calls_of AGENT: the argv files of every call the fake AGENT recorded
calls_of() { grep -l "^agent=$1\$" "$FAKE_AGENT_LOG"/*.meta | sed 's/\.meta$//'; }
argv_has() { tr '\0' '\n' < "$1.argv" | grep -qxF -- "$2"; }
meta() { sed -n "s/^$2=//p" "$1.meta"; }

# One whole workflow with preset $1 (program $2): flags, stdin, worktrees, usage, merge.
workflow_with() {
  local agent=$1 program=$2 c n=0 wt
  config ".ci.agent = \"$agent\" | .ci.model = \"fake-model\" | .pricing[\"fake-model\"] = {\"input_per_mtok\": 2, \"output_per_mtok\": 10}"
  start_and_approve
  wait_state '.phase == "storage"' 60
  [ "$(jq -r '.action_owner + "/" + .action_needed' .argo-project/state.json)" = user/none ]
  # the merged result is on main
  for k in 1 2 3; do grep -q "fixed part-$k by $program" "part-$k.txt"; done
  [ -z "$(git branch --list 'argo-builder-*')" ]
  # every call: its flags, stdin /dev/null; builders in their worktrees
  for c in $(calls_of "$program"); do
    n=$((n + 1))
    [ "$(meta "$c" stdin)" = /dev/null ]
    "expect_$agent" "$c"
    # builders work in their worktrees (the design in the project)
    wt=$(meta "$c" workdir)
    if [[ $(meta "$c" cwd) == "$PROJ" ]]; then
      [[ $wt == "$PROJ" ]]
    else
      [[ $wt == "$PROJ/.argo-project/builders/part-"* ]]
      [[ $(meta "$c" cwd) == "$wt" ]]
    fi
  done
  [ "$n" -eq 4 ]  # one design, three builders
  # usage and cost: design, each builder, totals
  local want=$3
  [ "$(jq -r '.design.usage.cost_usd' .argo-project/state.json)" = "$want" ]
  [ "$(jq -r '.design.usage.agent' .argo-project/state.json)" = "$agent" ]
  [ "$(jq -r '[.execution.builders[].usage.cost_usd] | unique | join(",")' .argo-project/state.json)" = "$want" ]
  [ "$(jq -r '[.execution.builders[].usage.agent] | unique | join(",")' .argo-project/state.json)" = "$agent" ]
  [ "$(jq -r '[.execution.builders[].usage.model] | unique | join(",")' .argo-project/state.json)" = fake-model ]
  [ "$(jq -r '.execution.usage.cost_usd' .argo-project/state.json)" = "$(jq -n "$want * 3 * 100000000 | round / 100000000")" ]
  [ "$(jq -r '.execution.usage.output_tokens' .argo-project/state.json)" = 1500 ]
}

# has_flags CALL FLAG…: every FLAG is one argv element of the call
has_flags() {
  local c=$1 f
  shift
  for f in "$@"; do argv_has "$c" "$f" || { echo "call $c lacks $f: $(tr '\0' ' ' < "$c.argv" | cut -c1-300)" >&2; return 1; }; done
}
expect_claude() { has_flags "$1" -p --output-format json --model fake-model; }
expect_codex() { has_flags "$1" exec --json -C -m fake-model; }
expect_gemini() { has_flags "$1" -p -o json --skip-trust -m fake-model; }
expect_aider() { has_flags "$1" --message-file --yes-always --no-stream -m fake-model; }
expect_opencode() { has_flags "$1" run --format json --dir -m fake-model; }
expect_cursor() { has_flags "$1" -p --trust --output-format json --workspace; }

@test "claude: a whole workflow to storage (-p, --output-format json, cost as reported)" {
  workflow_with claude claude 0.0123
  for c in $(calls_of claude); do
    if tr '\0' '\n' < "$c.argv" | grep -q Implement; then argv_has "$c" bypassPermissions; else argv_has "$c" plan; fi
  done
}
@test "codex: a whole workflow to storage (exec --json, cost from the price table)" {
  # 1000 in (200 cached), 500 out at 2 / 10 USD per Mtok: 0.002 + 0.005
  workflow_with codex codex 0.007
  for c in $(calls_of codex); do
    if tr '\0' '\n' < "$c.argv" | grep -q Implement; then
      has_flags "$c" workspace-write
      # the common git folder and the worktree's own (Codex keeps the latter read-only otherwise)
      tr '\0' '\n' < "$c.argv" | grep -qxF "sandbox_workspace_write.writable_roots=[\"$PROJ/.git\",\"$PROJ/.git/worktrees/$(basename "$(meta "$c" workdir)")\"]"
    fi
  done
}
@test "gemini: a whole workflow to storage (-p, -o json, yolo for builders)" {
  workflow_with gemini gemini 0.007
}
@test "aider: a whole workflow to storage (--message-file, its own commits, cost from its text)" {
  workflow_with aider aider 0.004
}
@test "opencode: a whole workflow to storage (run --format json, cost summed over steps)" {
  workflow_with opencode opencode 0.01
}
@test "cursor: a whole workflow to storage (cursor-agent -p --force, cost from the price table)" {
  # cursor reports no tokens: no cost either (never a guess)
  config '.ci.agent = "cursor"'
  start_and_approve
  wait_state '.phase == "storage"' 60
  for k in 1 2 3; do grep -q "fixed part-$k by cursor-agent" "part-$k.txt"; done
  for c in $(calls_of cursor-agent); do expect_cursor "$c"; [ "$(meta "$c" stdin)" = /dev/null ]; done
  [ "$(jq -r '.design.usage.cost_usd, .execution.usage.cost_usd' .argo-project/state.json | sort -u)" = null ]
  [ "$(jq -r '[.execution.builders[].usage.session_id] | join(",")' .argo-project/state.json)" = "sess-cursor-agent-part-1,sess-cursor-agent-part-2,sess-cursor-agent-part-3" ]
}

# ------------------------------------------------------------------ limits

# group_gone PGID: no live (non-zombie) process left in the group
group_gone() {
  local p
  for p in $(pgrep -g "$1" 2>/dev/null); do
    alive "$p" && return 1
  done
  return 0
}

@test "a hung builder with builder_timeout_seconds = 6 fails (timeout) within seconds, its group gone, the others unaffected" {
  config '.ci.agent = "claude"'
  # 6 s: the other builders run under the same limit, and on a loaded 2-core machine 3 s was
  # sometimes too little for a fake agent's run and commit (seen once in CI under heavy load:
  # another builder than the hung one did not end completed).
  limits '{"builder_timeout_seconds": 6}'
  echo 'FAKE_AGENT_HANG=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  local t0=$SECONDS
  wait_state '.execution.builders[1].status == "failed"' 30
  (( SECONDS - t0 <= 20 ))
  [ "$(jq -r '.execution.builders[1].failure' .argo-project/state.json)" = timeout ]
  pgid=$(jq -r '.execution.builders[1].pid' .argo-project/state.json)
  group_gone "$pgid"
  wait_state '.action_needed == "review_merge"' 30
  [ "$(jq -r '[.execution.builders[] | .status] | join(",")' .argo-project/state.json)" = completed,failed,completed ] || { jq -c '[.execution.builders[] | {id, status, failure}]' .argo-project/state.json; false; }
  [ -f part-1.txt ]
  [ -f part-3.txt ]
  [ ! -f part-2.txt ]
  grep -q 'failed - timeout' .argo-project/logs/builder-part-2.log
}

@test "a builder that stops making progress is failed (stalled) after builder_stall_seconds" {
  config '.ci.agent = "codex"'
  limits '{"builder_stall_seconds": 2}'
  echo 'FAKE_AGENT_HANG=part-1' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.execution.builders[0].status == "failed"' 30
  [ "$(jq -r '.execution.builders[0].failure' .argo-project/state.json)" = stalled ]
  group_gone "$(jq -r '.execution.builders[0].pid' .argo-project/state.json)"
}

@test "an error reported with exit 0 fails the builder (agent_error); a builder that changed nothing fails (no_changes)" {
  config '.ci.agent = "gemini"'
  echo 'FAKE_AGENT_ERROR=part-1 FAKE_AGENT_NOCHANGE=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | join(",")' .argo-project/state.json)" = "failed:agent_error,failed:no_changes,completed:null" ]
  grep -q 'invalid API key' .argo-project/logs/builder-part-1.log
}

@test "budget: once the cost passes max_cost_usd no builder starts, running ones stop, the user decides" {
  config '.ci.agent = "claude"'
  # design 0.0123 + part-1 0.0123 passes 0.02; part-2 hangs and is stopped; part-3 never starts
  limits '{"max_cost_usd": 0.02, "max_parallel_builders": 2}'
  echo 'FAKE_AGENT_HANG=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_budget"' 30
  [ "$(jq -r '.action_owner' .argo-project/state.json)" = user ]
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | join(",")' .argo-project/state.json)" = "completed:null,failed:budget,failed:budget" ]
  jq -r '.execution.halt_reason' .argo-project/state.json | grep -q 'max_cost_usd (0.02 USD)'
  group_gone "$(jq -r '.execution.builders[1].pid' .argo-project/state.json)"
  # part-3 was never started (the others' prompts name it as a sibling: look for its own first line)
  [ "$(grep -l "building the 'part-3' component" "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 0 ]
  [ "$(grep -l "building the 'part-1' component" "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 1 ]
}

# ------------------------------------------------------------------ verify

@test "verify: a failing check is fed back to the same session (resume) and then passes" {
  config '.ci.agent = "claude" | .verify = {"command": "grep -q fixed *.txt", "retries": 1}'
  echo 'FAKE_AGENT_DRAFT=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.phase == "storage"' 60
  grep -q 'fixed part-2' part-2.txt
  # the second call for part-2 resumed its session with the verify output
  resumed=$(grep -l '^resume=sess-claude-part-2$' "$FAKE_AGENT_LOG"/*.meta | wc -l)
  [ "$resumed" -eq 1 ]
  grep -q 'verify_failed' .argo-project/logs/builder-part-2.log
  # usage adds up both attempts
  [ "$(jq -r '.execution.builders[1].usage.cost_usd' .argo-project/state.json)" = 0.0246 ]
}

@test "verify with codex: a resumed thread reports the whole thread's usage; each attempt is counted once" {
  config '.ci.agent = "codex" | .verify = {"command": "grep -q fixed *.txt", "retries": 1}'
  echo 'FAKE_AGENT_DRAFT=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.phase == "storage"' 60
  [ "$(grep -l '^resume=sess-codex-part-2$' "$FAKE_AGENT_LOG"/*.meta | wc -l)" -eq 1 ]
  # 1000/500 per attempt; the resumed run printed 2000/1000 (the thread)
  [ "$(jq -r '.execution.builders[1].usage | "\(.input_tokens)/\(.output_tokens)/\(.cache_read_tokens)"' .argo-project/state.json)" = 2000/1000/400 ]
}

@test "argo retry of a codex builder: the resumed thread's total less what was recorded before, each attempt counted once" {
  config '.ci.agent = "codex" | .verify = {"command": "grep -q fixed *.txt", "retries": 0}'
  echo 'FAKE_AGENT_DRAFT=part-2' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.execution.builders[1] | "\(.status):\(.failure)"' .argo-project/state.json)" = failed:verify ]
  run -0 "$ROOT/compat/argo" retry "$PROJ" part-2
  wait_state '.execution.builders[1].status == "completed"' 60
  [ "$(grep -l '^resume=sess-codex-part-2$' "$FAKE_AGENT_LOG"/*.meta | wc -l)" -eq 1 ]
  # 1000/500/200 per attempt; the resumed run printed the thread's 2000/1000/400
  [ "$(jq -r '.execution.builders[1].usage | "\(.input_tokens)/\(.output_tokens)/\(.cache_read_tokens)"' .argo-project/state.json)" = 2000/1000/400 ]
}

@test "verify: without retries the builder fails (verify) with the output in its log" {
  config '.ci.agent = "claude" | .verify = {"command": "echo checking; grep -q fixed *.txt"}'
  echo 'FAKE_AGENT_DRAFT=part-3' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.execution.builders[2] | "\(.status):\(.failure)"' .argo-project/state.json)" = failed:verify ]
  grep -q checking .argo-project/logs/builder-part-3.log
}

@test "verify at the merge gate: the builder whose merge breaks it is not merged; out of retries, review_merge, not storage" {
  # passes in every worktree (one file each), fails once the three are merged
  config '.ci.agent = "claude" | .verify = {"command": "[ $(ls part-*.txt | wc -l) -lt 3 ]"}'
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.phase + "/" + .action_owner' .argo-project/state.json)" = merge_build/user ]
  [ "$(jq -r '.merge.merged | length' .argo-project/state.json)" = 2 ]
  [ "$(jq -r '.merge.verify_failed | length' .argo-project/state.json)" = 1 ]
  id=$(jq -r '.merge.verify_failed[0]' .argo-project/state.json)
  [ -f ".argo-project/logs/merge-verify-$id.log" ]
  [ "$(ls part-*.txt | wc -l)" = 2 ]
}

# ------------------------------------------------------------------ commands

@test "argo retry part-2: only that failed builder runs again, resuming its session, and the workflow reaches storage" {
  config '.ci.agent = "claude"'
  echo 'FAKE_AGENT_ERROR=part-2,part-3' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  : > "$WORK/fake.env"  # the agent works now
  run -0 "$ROOT/compat/argo" retry "$PROJ" part-2
  assert_output --partial 'Retrying 1 builder(s): part-2'
  wait_state '.execution.builders[1].status == "completed"' 60
  wait_state '.action_needed == "review_merge" and .phase == "merge_build"' 60
  [ "$(jq -r '.execution.builders[2].status' .argo-project/state.json)" = failed ]
  [ "$(grep -l '^resume=sess-claude-part-2$' "$FAKE_AGENT_LOG"/*.meta | wc -l)" -eq 1 ]
  [ -f part-2.txt ]
  # the rest: every failed one
  run -0 "$ROOT/compat/argo" retry "$PROJ"
  wait_state '.phase == "storage"' 60
  [ -f part-3.txt ]
  run -1 "$ROOT/compat/argo" retry "$PROJ" part-1
  assert_output --partial "ERROR: builder 'part-1' has not failed"
}

@test "argo doctor: versions, the agent and its version, the credential without its value, project sanity" {
  config '.ci.agent = "codex"'
  CODEX_API_KEY=sk-secret-value run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --regexp '^ok   node: v[0-9]+'
  assert_line --regexp '^ok   bash: '
  assert_line --regexp '^ok   git: git version'
  assert_line --partial "found: $ROOT/tests/fixtures/agents/codex"
  assert_line 'note agent version: codex 9.9.9 (fake)'
  assert_line 'ok   credential: CODEX_API_KEY set'
  refute_output --partial sk-secret-value
  assert_line --partial 'state: '
  # broken config and unknown agent: FAIL lines, exit 1
  echo '{"ci": {"agent": "nope"}}' > .argo-project/config.json
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial "FAIL agent: unknown agent 'nope' in ci.agent"
  echo '{' > .argo-project/config.json
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'FAIL config: config file'
}

@test "CI_COMMAND with arguments: split like shell words, {prompt_file} holds the prompt, never evaluated" {
  cat > "$WORK/my-agent" <<'SH'
#!/usr/bin/env bash
# argv recorded beside this script, one file per role (never in a repository, and not
# told apart by pid: pids wrap, so their order says nothing)
if [[ $(cat "$3") == *Requirement:* ]]; then
  printf '%s\n' "$@" > "${0%/*}/args.design"
  printf 'Design\n[{"id": "only", "description": "x"}]\n'; exit 0
fi
printf '%s\n' "$@" > "${0%/*}/args.builder"
echo "$1 $2" > built.txt && git add built.txt && git -c user.name=a -c user.email=a@a commit -qm built
SH
  chmod +x "$WORK/my-agent"
  export CI_COMMAND="$WORK/my-agent --fast 'two words' {prompt_file} \$HOME"
  start_and_approve
  wait_state '.phase == "storage"' 60
  [ "$(cat built.txt)" = "--fast two words" ]
  [ "$(sed -n 1,2p "$WORK/args.design")" = $'--fast\ntwo words' ]
  [ "$(sed -n 3p "$WORK/args.design")" = "$PROJ/.argo-project/prompts/design.txt" ]
  [ "$(sed -n 4p "$WORK/args.design")" = '$HOME' ]
  [ "$(wc -l < "$WORK/args.design")" -eq 4 ]
  [ "$(sed -n 3p "$WORK/args.builder")" = "$PROJ/.argo-project/prompts/builder-only.txt" ]
  [ "$(sed -n 4p "$WORK/args.builder")" = '$HOME' ]
  [ "$(wc -l < "$WORK/args.builder")" -eq 4 ]
}

@test "huge agent output: the builder completes, the output stays in its file, the state stays small" {
  config '.ci.agent = "opencode"'
  echo 'FAKE_AGENT_HUGE=part-1' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.phase == "storage"' 60
  [ "$(stat -c %s .argo-project/logs/builder-part-1.agent.out)" -gt 5000000 ]
  [ "$(stat -c %s .argo-project/state.json)" -lt 100000 ]
  [ "$(jq -r '.execution.builders[0].usage.cost_usd' .argo-project/state.json)" = 0.01 ]
}

@test "max_workflow_hours: a workflow past its time starts no builder and hands to the user" {
  config '.ci.agent = "claude"'
  limits '{"max_workflow_hours": 1}'
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  # the design was made long ago
  jq '.design.created = "2000-01-01T00:00:00Z"' .argo-project/state.json > s.json && mv s.json .argo-project/state.json
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_needed == "review_time_limit"' 30
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | unique | join(",")' .argo-project/state.json)" = failed:time_limit ]
  [ "$(grep -l 'Implement' "$FAKE_AGENT_LOG"/*.argv | wc -l)" -eq 0 ]
}

@test "huge design answer from a preset: design.summary stays bounded, the whole text in design.answer_file, usage recorded" {
  config '.ci.agent = "claude"'
  echo 'FAKE_AGENT_HUGE=design' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  "$ROOT/compat/argo" state update user_query "Build a calculator" >/dev/null
  run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$(jq -r '.design.summary | length' .argo-project/state.json)" -le 65536 ]
  file=$(jq -r '.design.answer_file' .argo-project/state.json)
  [ "$(stat -c %s "$file")" -gt 5000000 ]
  [ "$(jq -r '.design.components | length' .argo-project/state.json)" = 3 ]
  [ "$(jq -r '.design.usage.cost_usd' .argo-project/state.json)" = 0.0123 ]
}

@test "a preset's design error reported with exit 0: ERROR with the agent's message, last_error, no design" {
  config '.ci.agent = "cursor"'
  echo 'FAKE_AGENT_ERROR=design' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  "$ROOT/compat/argo" state update user_query "Build a calculator" >/dev/null
  run -1 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_output --partial 'ERROR: CI query failed with exit code 1: cursor-agent reported an error (error_during_execution)'
  [ "$(jq -r '.error_recovery.last_error' .argo-project/state.json)" = 'CI query failed' ]
  [ "$(jq -r '.design' .argo-project/state.json)" = null ]
}

# ------------------------------------------------------------------ why an agent failed

@test "claude run by root refuses bypassPermissions: each builder's failure_message is its stderr line (state, status, --json)" {
  config '.ci.agent = "claude"'
  echo 'FAKE_AGENT_AS_ROOT=1' > "$WORK/fake.env"
  export FAKE_AGENT_ENV="$WORK/fake.env"
  start_and_approve
  wait_state '.action_needed == "review_merge"' 60
  local refusal='--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons'
  [ "$(jq -r '[.execution.builders[] | "\(.status):\(.failure)"] | unique | join(",")' .argo-project/state.json)" = failed:agent_error ]
  [ "$(jq -r '.execution.builders[1].failure_message' .argo-project/state.json)" = "claude exited with status 1: $refusal" ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line "  part-2: claude exited with status 1: $refusal"
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -r '.builders[0].failure_message' <<< "$output")" = "claude exited with status 1: $refusal" ]
  # a retry that works clears it
  : > "$WORK/fake.env"
  run -0 "$ROOT/compat/argo" retry "$PROJ" part-1
  wait_state '.execution.builders[0].status == "completed"' 60
  [ "$(jq -r '.execution.builders[0].failure_message' .argo-project/state.json)" = null ]
}

@test "every preset's own error report becomes the builder's failure_message" {
  local agent program want
  for agent in codex gemini opencode cursor aider; do
    config ".ci.agent = \"$agent\""
    jq '.phase = "execution" | .action_owner = "user" | .execution = {"builders": [{"id": "part-1", "description": "x", "status": "pending", "worktree": "'"$PROJ"'/.argo-project/builders/part-1"}]}' .argo-project/state.json > s && mv s .argo-project/state.json
    git worktree add -q -b argo-builder-part-1 .argo-project/builders/part-1 2>/dev/null || true
    echo 'FAKE_AGENT_ERROR=part-1' > "$WORK/fake.env"
    FAKE_AGENT_ENV="$WORK/fake.env" run "$ROOT/phases/execution.sh" "$PROJ"
    case $agent in
      codex) want='codex reported: stream disconnected | unexpected status 401 Unauthorized' ;;
      gemini) want='gemini reported FatalAuthenticationError: invalid API key' ;;
      opencode) want='opencode reported: bad request' ;;
      cursor) want='cursor-agent reported an error (error_during_execution): API Error: 500 Internal server error' ;;
      aider) want='aider reported: litellm.AuthenticationError: AnthropicException - invalid x-api-key' ;;
    esac
    [ "$(jq -r '.execution.builders[0] | "\(.failure)|\(.failure_message)"' .argo-project/state.json)" = "agent_error|$want" ] || { echo "$agent: $(jq -c '.execution.builders[0]' .argo-project/state.json)"; return 1; }
  done
}

# ------------------------------------------------------------------ usage over attempts

@test "usage over attempts: a retry adds its cost to the builder's and the project's, and the budget counts the sum" {
  config '.ci.agent = "claude"'
  export FAKE_AGENT_ENV="$WORK/fake.env" FAKE_AGENT_COMPONENTS=1
  echo 'FAKE_AGENT_COST=0.05' > "$WORK/fake.env"
  limits '{"max_cost_usd": 0.4}'
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  echo 'FAKE_AGENT_COST=0.24 FAKE_AGENT_ERROR=part-1' > "$WORK/fake.env"
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_needed == "review_merge"' 60
  [ "$(jq -r '.execution.builders[0].usage.cost_usd' .argo-project/state.json)" = 0.24 ]
  echo 'FAKE_AGENT_COST=0.12' > "$WORK/fake.env"
  run -0 "$ROOT/compat/argo" retry "$PROJ" part-1
  wait_state '.execution.builders[0].status == "completed"' 60
  # 0.24 + 0.12 on the builder and in execution.usage; 0.05 + 0.36 in the totals
  [ "$(jq -r '.execution.builders[0].usage.cost_usd' .argo-project/state.json)" = 0.36 ]
  [ "$(jq -r '.execution.usage.cost_usd' .argo-project/state.json)" = 0.36 ]
  [ "$(jq -r '.execution.builders[0].usage.input_tokens' .argo-project/state.json)" = 1010 ]
  run -0 "$ROOT/compat/argo" status --json "$PROJ"
  [ "$(jq -r '.totals.cost_usd' <<< "$output")" = 0.41 ]
  # the sum (0.41) reached max_cost_usd (0.4): nothing is merged, the user decides
  wait_state '.action_needed == "review_budget"' 30
  jq -r '.execution.halt_reason' .argo-project/state.json | grep -q '(0.41 USD)'
}

# crashed STATUS RESULT: part-1 as a dead handler left it (attempt started now, pid gone),
# 0.1 USD recorded before, its output file holding a result of 0.2 USD.
crashed_builder() {
  config '.ci.agent = "claude"'
  git worktree add -q -b argo-builder-part-1 .argo-project/builders/part-1
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  jq --arg wt "$PROJ/.argo-project/builders/part-1" --arg now "$now" '.phase = "execution" | .action_owner = "user" | .execution = {"builders": [{"id": "part-1", "description": "x", "status": "running", "pid": "999999999", "started": $now, "worktree": $wt, "usage": {"input_tokens": 5, "output_tokens": 5, "cache_read_tokens": 0, "cost_usd": 0.1, "session_id": "s0", "agent": "claude", "model": null}}]}' .argo-project/state.json > s && mv s .argo-project/state.json
  echo '{"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s1","total_cost_usd":0.2,"usage":{"input_tokens":100,"output_tokens":50}}' > .argo-project/logs/builder-part-1.agent.out
  echo "fixed" > .argo-project/builders/part-1/part-1.txt
  [[ -z $1 ]] || echo "$1" > .argo-project/builders/part-1/.build_result
}

@test "usage over attempts: a re-run after a crash adds the dead handler's attempt (with or without its result) to what was recorded" {
  crashed_builder 0
  run -0 "$ROOT/phases/execution.sh" "$PROJ"
  [ "$(jq -r '.execution.builders[0] | "\(.status) \(.usage.cost_usd) \(.usage.input_tokens)"' .argo-project/state.json)" = "completed 0.3 105" ]
  [ "$(jq -r '.execution.usage.cost_usd' .argo-project/state.json)" = 0.3 ]
}

@test "usage over attempts: an attempt interrupted without a result is counted, and the builder runs again on top" {
  crashed_builder ''
  run -0 "$ROOT/phases/execution.sh" "$PROJ"
  # 0.1 recorded + 0.2 of the interrupted attempt + 0.0123 of the new one
  [ "$(jq -r '.execution.builders[0] | "\(.status) \(.usage.cost_usd)"' .argo-project/state.json)" = "completed 0.3123" ]
}

# ------------------------------------------------------------------ the workflow's environment

@test "the workflow's environment: a retry from a bare environment (as the dashboard's) runs agents with the one the workflow started with; --env-from-here replaces it; the file is 0600" {
  config '.ci.agent = "claude"'
  export FAKE_AGENT_ENV="$WORK/fake.env" FAKE_AGENT_RECORD_ENV=FOO_KEY
  echo 'FAKE_AGENT_FAIL=part-1,part-2' > "$WORK/fake.env"
  FOO_KEY=1 "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  [ "$(stat -c %a .argo-project/agent-env.json)" = 600 ]
  [ "$(jq -r .FOO_KEY .argo-project/agent-env.json)" = 1 ]
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
  wait_state '.action_needed == "review_merge"' 60
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  : > "$WORK/fake.env"
  # neither FOO_KEY nor the fake agents' folder in this environment
  run -0 env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$HOME" "$ROOT/compat/argo" retry "$PROJ" part-1
  wait_state '.execution.builders[0].status == "completed"' 60
  ORCH=$(cat .argo-project/orchestrator.pid 2>/dev/null || true) # for teardown; it may have ended already (seen under load)
  last=$(grep -l 'part-1' "$FAKE_AGENT_LOG"/*.argv | sort | tail -1)
  [ "$(meta "${last%.argv}" env.FOO_KEY)" = 1 ]
  wait_state '.action_needed == "review_merge"' 60
  "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
  # deliberately from here: the agents see FOO_KEY=2 from now on
  FOO_KEY=2 run -0 "$ROOT/compat/argo" retry --env-from-here "$PROJ" part-2
  wait_state '.execution.builders[1].status == "completed"' 60
  ORCH=$(cat .argo-project/orchestrator.pid 2>/dev/null || true) # for teardown; it may have ended already (seen under load)
  last=$(grep -l 'part-2' "$FAKE_AGENT_LOG"/*.argv | sort | tail -1)
  [ "$(meta "${last%.argv}" env.FOO_KEY)" = 2 ]
  [ "$(stat -c %a .argo-project/agent-env.json)" = 600 ]
  wait_state '.phase == "storage"' 60
}

@test "the workflow's environment: a recorded file others can read is refused with one ERROR, nothing started" {
  "$ROOT/compat/argo" state update action_owner user >/dev/null
  echo '{"PATH": "/usr/bin:/bin", "FOO_KEY": "1"}' > .argo-project/agent-env.json
  chmod 644 .argo-project/agent-env.json
  run -1 "$ROOT/compat/argo" resume "$PROJ"
  assert_output "ERROR: $PROJ/.argo-project/agent-env.json is readable or writable by others (mode 644); it holds credentials: chmod 600 it, or record it again with --env-from-here"
  [ ! -e .argo-project/orchestrator.pid ]
  run -0 "$ROOT/compat/argo" resume --env-from-here "$PROJ"
  assert_line "The workflow's agents now run with this environment (recorded in .argo-project/agent-env.json)"
  ORCH=$(cat .argo-project/orchestrator.pid)
  [ "$(stat -c %a .argo-project/agent-env.json)" = 600 ]
  [ "$(jq -r .FOO_KEY .argo-project/agent-env.json)" = null ]
}

@test "argo doctor knows the traps: claude as root, no credential at all, a CLI too old for our flags (non-zero exit for each)" {
  export HOME="$WORK/home"
  mkdir -p "$HOME"
  unset ANTHROPIC_API_KEY CLAUDE_CODE_OAUTH_TOKEN CODEX_API_KEY OPENAI_API_KEY IS_SANDBOX
  config '.ci.agent = "claude"'
  # as root (these tests run as root): the refusal every builder would meet
  if [[ $(id -u) == 0 ]]; then
    ANTHROPIC_API_KEY=k run -1 "$ROOT/compat/argo" doctor "$PROJ"
    assert_line --partial "FAIL root: claude refuses --permission-mode bypassPermissions when run as root (uid 0)"
    refute_output --partial 'Ready.'
    ANTHROPIC_API_KEY=k IS_SANDBOX=1 run -0 "$ROOT/compat/argo" doctor "$PROJ"
    assert_line --partial 'note root: IS_SANDBOX=1 lets claude bypass permissions as root'
    assert_line 'Ready.'
  fi
  export IS_SANDBOX=1
  # no key and no login
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'FAIL credential: none of ANTHROPIC_API_KEY, CLAUDE_CODE_OAUTH_TOKEN, ANTHROPIC_AUTH_TOKEN, CLAUDE_CODE_USE_BEDROCK, CLAUDE_CODE_USE_VERTEX is set and there is no claude login'
  mkdir -p "$HOME/.claude" && echo '{}' > "$HOME/.claude/.credentials.json"
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   credential: claude's own login ($HOME/.claude/.credentials.json)"
  # too old for the flags we pass
  FAKE_AGENT_VERSION='0.2.9 (Claude Code)' run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line 'FAIL agent version: 0.2.9 (Claude Code) (need 1.0.0 or newer for --permission-mode bypassPermissions / plan, --output-format json)'
  FAKE_AGENT_VERSION='2.1.197 (Claude Code)' run -0 "$ROOT/compat/argo" doctor "$PROJ"
  # codex: its login file counts too
  config '.ci.agent = "codex"'
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'FAIL credential: none of CODEX_API_KEY, OPENAI_API_KEY is set and there is no codex login'
  mkdir -p "$HOME/.codex" && echo '{}' > "$HOME/.codex/auth.json"
  run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   credential: codex's own login ($HOME/.codex/auth.json)"
}

@test "argo doctor checks the workflow's recorded environment, which its agents get" {
  config '.ci.agent = "codex"'
  CODEX_API_KEY=k "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  HOME="$WORK/home" CODEX_API_KEY= run -0 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial "note environment: the workflow's recorded one ($PROJ/.argo-project/agent-env.json"
  assert_line 'ok   credential: CODEX_API_KEY set'
}

@test "a 200 MB result line from claude: the execution handler reads its cost and session in bounded memory (it crashed with RangeError at 560 MB)" {
  config '.ci.agent = "claude"'
  git worktree add -q -b argo-builder-part-1 .argo-project/builders/part-1
  jq --arg wt "$PROJ/.argo-project/builders/part-1" '.phase = "execution" | .action_owner = "user" | .execution = {"builders": [{"id": "part-1", "description": "x", "status": "pending", "worktree": $wt}]}' .argo-project/state.json > s && mv s .argo-project/state.json
  echo 'FAKE_AGENT_HUGE=part-1 FAKE_AGENT_HUGE_MB=200 FAKE_AGENT_COST=0.65' > "$WORK/fake.env"
  FAKE_AGENT_ENV="$WORK/fake.env" run -0 /usr/bin/time -f 'maxrss_kib=%M' "$ROOT/phases/execution.sh" "$PROJ"
  [ "$(stat -c %s .argo-project/logs/builder-part-1.agent.out)" -gt 209715200 ]
  rm -f .argo-project/logs/builder-part-1.agent.out
  [ "$(jq -r '.execution.builders[0] | "\(.status) \(.usage.cost_usd) \(.usage.session_id)"' .argo-project/state.json)" = "completed 0.65 sess-claude-part-1" ]
  [ "$(jq -r '.execution.usage.cost_usd' .argo-project/state.json)" = 0.65 ]
  # The handler's peak memory stays below the line's size: a handler that held the line (as the
  # one that crashed at 560 MB did: past V8's longest string) would be over 200 MB here, so
  # this proves the bound without writing half a gigabyte (≈ 85 MB seen, Node 20).
  rss=$(grep -o 'maxrss_kib=[0-9]*' <<< "$output" | tail -1 | cut -d= -f2)
  echo "execution handler max RSS: $rss KiB" >&3
  (( rss < 150 * 1024 ))
}
