#!/usr/bin/env bats
# Builders told enough, in worktrees that run (issue 18, items 3 and 5), through the shims
# and the orchestrator: the builder prompt with its context and .argo/design.md (never
# committed), a project's builder.md, worktree.setup before the agent (its failure, its time
# limit), worktree.copy (never committed), ARGO_BUILDER_ID/INDEX/PORT_BASE for the agent and
# for verify.command, and bad worktree.* values refused.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  fake_agents_project
  # An agent as a command line: a design answer with a plan; as a builder it records its
  # prompt, its environment and what its worktree holds, then commits with git add -A.
  cat > "$WORK/agent" <<'SH'
#!/usr/bin/env bash
rec=${0%/*}
prompt=${!#}
if [[ $prompt != "You are building the '"* ]]; then
  printf 'Design\n```json\n[{"id": "core", "description": "The core", "paths": ["src/core/**"], "acceptance": "core tests pass"},
 {"id": "ui", "description": "The UI", "paths": ["src/ui/**"], "depends_on": ["core"]}]\n```\n'
  exit 0
fi
[[ $prompt =~ \'([^\']+)\' ]] && id=${BASH_REMATCH[1]}
printf '%s' "$prompt" > "$rec/prompt.$id"
printf '%s %s %s\n' "$ARGO_BUILDER_ID" "$ARGO_BUILDER_INDEX" "$ARGO_PORT_BASE" > "$rec/env.$id"
echo "agent $id" >> "$rec/order"
ls -A . .argo > "$rec/files.$id" 2>&1
mkdir -p "src/$id" && echo "$id" > "src/$id/main.txt"
git add -A && git -c user.name=a -c user.email=a@a commit -qm "agent: $id"
SH
  chmod +x "$WORK/agent"
}

teardown() {
  end_project_orchestrator
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}



# never_committed PATH…: no commit reachable from any ref touches PATH
never_committed() {
  local p
  for p in "$@"; do
    [ -z "$(git log --all --format=%H -- "$p")" ] || { echo "$p was committed: $(git log --all --name-only --format=%s -- "$p")" >&2; return 1; }
  done
}

@test "a command line builder is told the requirement, the design file, its paths, its siblings, acceptance, verify, commit; .argo/design.md and copied files never reach a commit" {
  echo 'SECRET=1' > .env.local
  config '.verify.command = "echo \"$ARGO_BUILDER_ID $ARGO_BUILDER_INDEX $ARGO_PORT_BASE\" >> '"$WORK"'/verify.env" | .worktree = {"copy": [".env*"], "setup": "bash -c \"echo setup $ARGO_BUILDER_ID >> '"$WORK"'/order\"", "port_base": 31000, "port_block": 50}'
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  local p=$WORK/prompt.ui
  [ "$(sed -n 1p "$p")" = "You are building the 'ui' component." ]
  [ "$(sed -n 3p "$p")" = 'Description: The UI' ]
  grep -qxF 'Build a calculator CLI' "$p"
  grep -qF '.argo/design.md' "$p"
  grep -qxF 'Files this component owns: src/ui/**' "$p"
  grep -qF 'do not edit these; if you must, say so in your final message' "$p"
  grep -qxF -- '- core: src/core/**' "$p"
  grep -qF "\`echo \"\$ARGO_BUILDER_ID" "$p"
  grep -qxF 'Commit your changes when done.' "$p"
  run ! grep -q 'Record completion' "$p"
  grep -qxF 'Done when: core tests pass' "$WORK/prompt.core"
  # the design file and the copied .env were in the worktree when the agent ran
  grep -qxF design.md "$WORK/files.core"
  grep -qxF .env.local "$WORK/files.core"
  # setup ran before each agent
  [ "$(grep -c . "$WORK/order")" -eq 4 ]
  for id in core ui; do
    (($(grep -nx "setup $id" "$WORK/order" | cut -d: -f1) < $(grep -nx "agent $id" "$WORK/order" | cut -d: -f1)))
  done
  # ARGO_BUILDER_ID/INDEX/PORT_BASE: the agent and verify saw the same, distinct per builder
  [ "$(cat "$WORK/env.core")" = 'core 0 31000' ]
  [ "$(cat "$WORK/env.ui")" = 'ui 1 31050' ]
  # (the merged tree's verify, no builder's, runs without them)
  [ "$(grep '[a-z]' "$WORK/verify.env" | sort | tr '\n' ,)" = 'core 0 31000,ui 1 31050,' ]
  # the work is merged; neither the agent's git add -A nor the wrapper committed .argo/ or .env*
  [ "$(cat src/ui/main.txt)" = ui ]
  never_committed .argo .env.local
  [ "$(cat .env.local)" = 'SECRET=1' ]
  grep -qxF '/.argo/' "$(git rev-parse --git-common-dir)/info/exclude"
}

@test "the wrapper's own commit leaves .argo/ and copied files out too (an agent that commits nothing)" {
  echo 'K=1' > .env
  config '.worktree = {"copy": [".env"]}'
  sed -i 's/^git add -A.*$/: leaves its work uncommitted/' "$WORK/agent"
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  [ "$(cat src/core/main.txt)" = core ]
  never_committed .argo .env
  git log --all --format=%s | grep -q 'argo: uncommitted work left by builder core'
}

@test "a single-word CI tool keeps the original prompt and gets no design file, no info/exclude block" {
  cp "$WORK/agent" "$WORK/word-agent"
  export CI_COMMAND="$WORK/word-agent"
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  [ "$(cat "$WORK/prompt.core")" = "You are building the 'core' component.

Description: The core

Tasks:
1. Implement this component following the design
2. Add tests for it
3. Make sure every test passes
4. Record completion in the workflow state

Work in the directory: $PROJ/.argo-project/builders/core
Commit your changes when done." ]
  run ! grep -qxF design.md "$WORK/files.core"
  [ ! -e "$(git rev-parse --git-common-dir)/info/exclude" ] || run ! grep -q argo-ts "$(git rev-parse --git-common-dir)/info/exclude"
  # argo doctor says which prompt, and that a builder.md would not be used
  mkdir -p .argo-project/prompts && echo 'Build {{id}}' > .argo-project/prompts/builder.md
  run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "note builder prompt: the original's (a single-word CI tool; config design.plan: true gives it the requirement, the design and its boundaries; $PROJ/.argo-project/prompts/builder.md is not used)"
}

@test "a single-word CI tool with design.plan: true is told the context and gets the design file" {
  cp "$WORK/agent" "$WORK/word-agent"
  export CI_COMMAND="$WORK/word-agent"
  config '.design.plan = true'
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  grep -qxF 'Build a calculator CLI' "$WORK/prompt.core"
  grep -qxF design.md "$WORK/files.core"
  never_committed .argo
}

@test "a preset builder (claude) is told its context; ARGO_BUILDER_* reach it; the design file is never committed" {
  config '.ci.agent = "claude"'
  export FAKE_AGENT_RECORD_ENV='ARGO_BUILDER_ID ARGO_BUILDER_INDEX ARGO_PORT_BASE'
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  local c n=0 prompt
  for c in $(grep -l '^agent=claude$' "$FAKE_AGENT_LOG"/*.meta); do
    c=${c%.meta}
    prompt=$(tr '\0' '\n' < "$c.argv")
    [[ $prompt == *"You are building the 'part-"* ]] || continue
    n=$((n + 1))
    [[ $prompt == *'Build a calculator CLI'* ]]
    [[ $prompt == *'.argo/design.md'* ]]
    [[ $prompt == *'do not edit these'* ]]
    [[ $prompt != *'Record completion'* ]]
    grep -qx "env.ARGO_BUILDER_ID=part-[123]" "$c.meta"
    grep -qx "env.ARGO_PORT_BASE=20[012]00" "$c.meta"
  done
  [ "$n" -eq 3 ]
  [ "$(grep -h "^env.ARGO_BUILDER_INDEX=." "$FAKE_AGENT_LOG"/*.meta | sort | tr '\n' ,)" = 'env.ARGO_BUILDER_INDEX=0,env.ARGO_BUILDER_INDEX=1,env.ARGO_BUILDER_INDEX=2,' ]
  never_committed .argo
}

@test "worktree.setup fails: the builder fails (setup) with the end of its output, its agent never runs" {
  config '.worktree = {"setup": "bash -c \"echo npm ERR! no lockfile; exit 7\""}'
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  wait_state '.action_needed == "review_failures" or .phase == "storage" or (.execution.builders | length > 0 and all(.status == "failed"))' 60
  # ui depends on core (the fake agent's plan): it never starts and fails for its dependency
  [ "$(state '[.execution.builders[] | "\(.id):\(.failure)"] | join(",")')" = core:setup,ui:dependency ]
  [[ $(state '.execution.builders[0].failure_message') == *'worktree.setup (bash -c "echo npm ERR! no lockfile; exit 7") failed with exit status 7; the end of its output: npm ERR! no lockfile'* ]]
  [ ! -e "$WORK/order" ]
  grep -q 'npm ERR! no lockfile' .argo-project/logs/builder-core.setup.log
}

@test "worktree.setup_timeout_seconds is enforced: a hung setup fails the builder (setup) within seconds" {
  config '.worktree = {"setup": "bash -c \"echo installing; sleep 300\"", "setup_timeout_seconds": 1}'
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  local t0=$SECONDS
  wait_state '.execution.builders | length > 0 and all(.status == "failed")' 60
  ((SECONDS - t0 < 30))
  [[ $(state '.execution.builders[0].failure_message') == *'ran out of time (worktree.setup_timeout_seconds = 1); the end of its output: installing'* ]]
  [ ! -e "$WORK/order" ]
}

# execution_ready: a project in the execution phase with two builders (no orchestrator)
execution_ready() {
  jq '.phase = "execution" | .action_owner = "code" | .action_needed = "execution" | .user_query = "q"
      | .execution = {builders: [{id: "a", description: "A", status: "pending", worktree: null}, {id: "b", description: "B", status: "pending", worktree: null}]}' \
    .argo-project/state.json > .argo-project/state.json.new && mv .argo-project/state.json.new .argo-project/state.json
  cp .argo-project/state.json "$WORK/state.before"
}

@test "a builder.md with an unknown placeholder is refused before any builder starts; argo doctor flags it" {
  export CI_COMMAND="$WORK/agent --quiet" ANTHROPIC_API_KEY=k
  execution_ready
  mkdir -p .argo-project/prompts
  printf 'Build {{id}} for {{requirment}}\n' > .argo-project/prompts/builder.md
  run -1 "$ROOT/phases/execution.sh" "$PROJ"
  assert_line --partial "ERROR: $PROJ/.argo-project/prompts/builder.md: unknown placeholder {{requirment}}; accepted: {{id}}"
  cmp .argo-project/state.json "$WORK/state.before"
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial "FAIL builder prompt: ERROR: $PROJ/.argo-project/prompts/builder.md: unknown placeholder {{requirment}}"
  printf 'Build {{id}} for {{requirement}}; own {{paths}}\n' > .argo-project/prompts/builder.md
  run "$ROOT/compat/argo" doctor "$PROJ"
  assert_line "ok   builder prompt: $PROJ/.argo-project/prompts/builder.md (the project's template)"
}

@test "a project's builder.md is what a command line builder is told" {
  mkdir -p .argo-project/prompts
  printf "You are building the '{{id}}' component.\nOWN {{paths}} | SIB {{siblings}} | REQ {{requirement}} | DESIGN {{design_file}}\n" > .argo-project/prompts/builder.md
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  wait_state '.phase == "storage"' 60
  [ "$(cat "$WORK/prompt.core")" = "You are building the 'core' component.
OWN src/core/** | SIB - ui: src/ui/** | REQ Build a calculator CLI | DESIGN .argo/design.md" ]
}

@test "bad worktree.* values: one ERROR line naming the key, the value and what is accepted; nothing written" {
  export CI_COMMAND="$WORK/agent --quiet"
  execution_ready
  local bad
  for bad in '{"setup": "npm ci && rm -rf /"}' '{"setup_timeout_seconds": "ten"}' '{"copy": ["../outside"]}' '{"copy": ["/etc/passwd"]}' '{"port_base": 80}' '{"port_base": 65500, "port_block": 100}'; do
    config ".worktree = $bad"
    run -1 "$ROOT/phases/execution.sh" "$PROJ"
    [ "$(printf '%s\n' "${lines[@]}" | grep -c '^ERROR')" -eq 1 ]
    [[ $(printf '%s\n' "${lines[@]}" | grep '^ERROR') == "ERROR: worktree."*" in $PROJ/.argo-project/config.json; accepted: "* ]]
    cmp .argo-project/state.json "$WORK/state.before"
  done
  config '.worktree = {"setup_timeout_seconds": "ten"}'
  run -1 "$ROOT/phases/execution.sh" "$PROJ"
  assert_line "ERROR: worktree.setup_timeout_seconds is \"ten\" in $PROJ/.argo-project/config.json; accepted: a number of seconds from 0 (no limit) to 2000000"
  run -1 "$ROOT/compat/argo" doctor "$PROJ"
  assert_line --partial 'FAIL worktree: ERROR: worktree.setup_timeout_seconds is "ten"'
}

@test "argo retry runs worktree.setup again before the agent" {
  config '.worktree = {"setup": "bash -c \"echo setup $ARGO_BUILDER_ID >> '"$WORK"'/order; test -e '"$WORK"'/ok\""}'
  export CI_COMMAND="$WORK/agent --quiet"
  start_and_approve "Build a calculator CLI"
  wait_state '.action_needed == "review_merge"' 60
  # ui depends on core (the fake agent's plan): it never starts and fails for its dependency
  [ "$(state '[.execution.builders[] | "\(.id):\(.failure)"] | join(",")')" = core:setup,ui:dependency ]
  touch "$WORK/ok"
  run -0 "$ROOT/compat/argo" retry "$PROJ"
  wait_state '.phase == "storage"' 60
  [ "$(grep -cx 'setup core' "$WORK/order")" -eq 2 ]
  (($(grep -nx 'setup core' "$WORK/order" | tail -1 | cut -d: -f1) < $(grep -nx 'agent core' "$WORK/order" | cut -d: -f1)))
  [ "$(cat src/core/main.txt)" = core ]
}

@test "worktree.copy with builders on workers is refused (the files would travel through the database)" {
  export CI_COMMAND="$WORK/agent --quiet" ARGO_DATABASE_URL=postgres://argo@127.0.0.1:1/argo
  execution_ready
  config ".execution.backend = \"postgres\" | .git.remote = \"$WORK/remote.git\" | .worktree = {\"copy\": [\".env\"]}"
  run -1 "$ROOT/phases/execution.sh" "$PROJ"
  assert_line "ERROR: worktree.copy is [\".env\"] in $PROJ/.argo-project/config.json, but execution.backend is \"postgres\"; accepted: no worktree.copy with workers (the files would travel through the database) - use worktree.setup on the worker instead"
  cmp .argo-project/state.json "$WORK/state.before"
}
