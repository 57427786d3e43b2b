#!/usr/bin/env bats
# Real AI coding assistants as builders, with fake executables under the real names
# (tests/fixtures/agents, first on PATH): whole workflows per preset, time limits,
# stall, budget, the verify gate, argo retry, argo doctor. No network anywhere.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  WORK=$(mktemp -d "$BATS_TEST_TMPDIR/agents.XXXXXX")
  export ARGO_PROJECTS_REGISTRY="$WORK/projects.json"
  unset CI_COMMAND ARGO_AGENT
  export PATH="$ROOT/tests/fixtures/agents:$PATH"
  export FAKE_AGENT_LOG="$WORK/calls"
  PROJ="$WORK/repo"
  mkdir -p "$PROJ" && cd "$PROJ"
  git init -q
  git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
  "$ROOT/templates/project_setup.sh" demo "$PROJ" >/dev/null
  ORCH=
}

teardown() {
  [[ -n $ORCH ]] && kill "$ORCH" 2>/dev/null
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# config KEY_JQ: edits .argo-project/config.json with a jq assignment
config() {
  jq "$1" .argo-project/config.json > .argo-project/config.json.new && mv .argo-project/config.json.new .argo-project/config.json
}
limits() {
  jq ".limits += $1" .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
}

wait_state() { # JQ_CONDITION SECONDS
  local end=$((SECONDS + $2))
  until jq -e "$1" "$PROJ/.argo-project/state.json" >/dev/null 2>&1; do
    ((SECONDS < end)) || { echo "timed out waiting for $1; state: $(jq -c '{phase,action_owner,action_needed,error_recovery,b:[.execution.builders[]?|{id,status,failure}]}' "$PROJ/.argo-project/state.json")" >&2; return 1; }
    sleep 0.05
  done
}

start_and_approve() {
  "$ROOT/start_workflow.sh" "Build a calculator" "$PROJ" >/dev/null
  ORCH=$(cat .argo-project/orchestrator.pid)
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
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
    if tr '\0' '\n' < "$c.argv" | grep -q "Implement"; then
      wt=$(meta "$c" workdir)
      [[ $wt == "$PROJ/.argo-project/builders/part-"* ]]
    elif [[ $agent != aider ]] || ! grep -q "Implement" "$PROJ/.argo-project/prompts/"builder-*.txt 2>/dev/null || true; then
      :
    fi
  done
  [ "$n" -eq 4 ]  # one design, three builders
  # usage and cost: design, each builder, totals
  local want=$3
  [ "$(jq -r '.design.usage.cost_usd' .argo-project/state.json)" = "$want" ]
  [ "$(jq -r '.design.usage.agent' .argo-project/state.json)" = "$agent" ]
  [ "$(jq -r '[.execution.builders[].usage.cost_usd] | unique | join(",")' .argo-project/state.json)" = "$want" ]
  [ "$(jq -r '[.execution.builders[].usage | .agent, .model] | unique | join(",")' .argo-project/state.json)" = "$agent,fake-model" ]
  [ "$(jq -r '.execution.usage.cost_usd' .argo-project/state.json)" = "$(jq -n "$want * 3 * 100000000 | round / 100000000")" ]
  [ "$(jq -r '.execution.usage.output_tokens' .argo-project/state.json)" = 1500 ]
}

expect_claude() { argv_has "$1" -p && argv_has "$1" --output-format && argv_has "$1" json && argv_has "$1" --model && argv_has "$1" fake-model; [ "$(meta "$1" cwd)" = "$(meta "$1" workdir)" ]; }
expect_codex() { argv_has "$1" exec && argv_has "$1" --json && argv_has "$1" -C && argv_has "$1" -m; }
expect_gemini() { argv_has "$1" -p && argv_has "$1" -o && argv_has "$1" --skip-trust; }
expect_aider() { argv_has "$1" --message-file && argv_has "$1" --yes-always && argv_has "$1" --no-stream; }
expect_opencode() { argv_has "$1" run && argv_has "$1" --format && argv_has "$1" --dir; }
expect_cursor() { argv_has "$1" -p && argv_has "$1" --trust && argv_has "$1" --output-format && argv_has "$1" --workspace; }

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
    if tr '\0' '\n' < "$c.argv" | grep -q Implement; then argv_has "$c" workspace-write && tr '\0' '\n' < "$c.argv" | grep -q 'writable_roots=\["/'; fi
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
