#!/usr/bin/env bats
# README and COMPAT.md claims that had no test: each test here failed when the
# claim was broken on purpose (docs/TESTING.md lists what was broken).
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  T=$(mktemp -d "$BATS_TEST_TMPDIR/claims.XXXXXX")
  export ARGO_PROJECTS_REGISTRY="$T/projects.json"
  unset CI_COMMAND STATE_FILE STATE_LOCK LOG_DIR WORKFLOW_LOG
  STARTED=()
  HANDLER_NAME="claims_test_$$_$BATS_TEST_NUMBER"
}

teardown() {
  local pid
  for pid in "${STARTED[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  rm -f "$ROOT/phases/$HANDLER_NAME.sh"
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# a git repository at $1 with one commit on main
repo() {
  mkdir -p "$1"
  git -C "$1" init -q -b main
  git -C "$1" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
}

registry_ids() { jq -r '.projects | keys[]' "$ARGO_PROJECTS_REGISTRY"; }

# ------------------------------------------------------------------ D17 project_setup

@test "D17: re-running project_setup keeps a workflow in progress and the registry id" {
  mkdir -p "$T/p"
  run -0 "$ROOT/templates/project_setup.sh" demo "$T/p"
  [[ $output =~ Project\ registered\ with\ ID:\ (demo-[0-9]+(-[0-9]+)?) ]]
  id=${BASH_REMATCH[1]}
  jq '.phase = "execution" | .user_query = "Build it" | .action_owner = "code"' "$T/p/.argo-project/state.json" > "$T/s" && mv "$T/s" "$T/p/.argo-project/state.json"
  run -0 "$ROOT/templates/project_setup.sh" demo "$T/p"
  assert_line "Project registered with ID: $id"
  [ "$(jq -r '[.phase, .user_query, .action_owner] | join(" ")' "$T/p/.argo-project/state.json")" = "execution Build it code" ]
  [ "$(registry_ids)" = "$id" ]   # one entry, the same id
}

# ------------------------------------------------------------------ D18 project_cleanup

@test "D18: cleanup keeps a held state.lock and removes a free lock file" {
  mkdir -p "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  touch "$T/p/.argo-project/state.lock" "$T/p/.argo-project/other.lock"
  # hold state.lock (as a running with_state_lock would) until the test says so
  flock "$T/p/.argo-project/state.lock" bash -c "touch '$T/held'; for ((i = 0; i < 1200; i++)); do [[ -e '$T/release' ]] && break; sleep 0.05; done" &
  STARTED+=($!)
  wait_for 10 test -e "$T/held"
  run -0 "$ROOT/templates/project_cleanup.sh" "$T/p" partial
  touch "$T/release"
  [ -f "$T/p/.argo-project/state.lock" ]
  [ ! -e "$T/p/.argo-project/other.lock" ]
  [ -f "$T/p/.argo-project/state.json" ]
}

@test "D18: cleanup outside a git repository prints no git noise" {
  mkdir -p "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  for type in partial full nuclear; do
    "$ROOT/templates/project_cleanup.sh" "$T/p" "$type" >"$T/out" 2>"$T/err"
    [ ! -s "$T/err" ] || fail "stderr of $type cleanup: $(cat "$T/err")"
    run grep -ci 'git' "$T/out"
    [ "$output" = 0 ]
  done
}

@test "D18: nuclear cleanup removes .argo-project and deregisters the project" {
  repo "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  mkdir -p "$T/q" && "$ROOT/templates/project_setup.sh" other "$T/q" >/dev/null
  [ "$(registry_ids | wc -l)" = 2 ]
  run -0 "$ROOT/templates/project_cleanup.sh" "$T/p" nuclear
  [ ! -e "$T/p/.argo-project" ]
  [ "$(jq -r '[.projects[].path] | join(",")' "$ARGO_PROJECTS_REGISTRY")" = "$T/q" ]
}

@test "D18: cleanup removes the worktree of a merged builder through git" {
  repo "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  git -C "$T/p" worktree add -q "$T/p/.argo-project/builders/core" -b argo-builder-core
  echo core > "$T/p/.argo-project/builders/core/core.txt"
  git -C "$T/p/.argo-project/builders/core" add core.txt
  git -C "$T/p/.argo-project/builders/core" -c user.name=t -c user.email=t@t commit -qm core
  git -C "$T/p" -c user.name=t -c user.email=t@t merge -q --no-ff -m "Merge builder: core" argo-builder-core
  [ "$(git -C "$T/p" worktree list | wc -l)" = 2 ]
  run -0 "$ROOT/templates/project_cleanup.sh" "$T/p" partial
  [ "$(git -C "$T/p" worktree list | wc -l)" = 1 ]
  [ ! -e "$T/p/.argo-project/builders/core" ]
  [ -f "$T/p/core.txt" ]   # the merged work stays
}

# ------------------------------------------------------------------ D20 signals

# A handler that starts a child and records both pids, then waits (bounded).
group_handler() {
  printf '#!/bin/bash\necho $$ > %q/handler.pid\nsleep 120 &\necho $! > %q/child.pid\nwait\n' "$T" "$T" > "$ROOT/phases/$HANDLER_NAME.sh"
  chmod +x "$ROOT/phases/$HANDLER_NAME.sh"
}

# orchestrator in the background (bash ignores SIGINT for it, as for any background job)
orchestrator_running_handler() {
  mkdir -p "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  group_handler
  jq --arg n "$HANDLER_NAME" '.action_owner = "code" | .action_needed = $n' "$T/p/.argo-project/state.json" > "$T/s" && mv "$T/s" "$T/p/.argo-project/state.json"
  "$ROOT/orchestrator.sh" "$T/p" >/dev/null 2>&1 &
  ORCH=$!
  STARTED+=("$ORCH")
  wait_for 20 test -s "$T/child.pid"
  HANDLER_PID=$(cat "$T/handler.pid") CHILD_PID=$(cat "$T/child.pid")
  STARTED+=("$HANDLER_PID" "$CHILD_PID")
  alive "$HANDLER_PID"
  alive "$CHILD_PID"
}

@test "D20: stop_workflow.sh ends the orchestrator and its handler's whole process group" {
  orchestrator_running_handler
  run -0 "$ROOT/stop_workflow.sh" "$T/p"
  wait_gone "$ORCH" 10
  wait_gone "$HANDLER_PID" 10
  wait_gone "$CHILD_PID" 10
}

@test "D20: SIGINT ends a background orchestrator and its handler's process group" {
  orchestrator_running_handler
  kill -INT "$ORCH"
  wait_gone "$ORCH" 10
  wait_gone "$HANDLER_PID" 10
  wait_gone "$CHILD_PID" 10
  [ ! -e "$T/p/.argo-project/orchestrator.pid" ]
}

@test "stop_workflow.sh ends the process groups of builders left running by a killed handler" {
  repo "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  git -C "$T/p" worktree add -q "$T/p/.argo-project/builders/slow" -b argo-builder-slow
  jq --arg wt "$T/p/.argo-project/builders/slow" '.phase = "execution" | .execution = {"builders": [{"id": "slow", "status": "pending", "branch": "argo-builder-slow", "pid": null, "worktree": $wt}], "status": "pending"}' \
    "$T/p/.argo-project/state.json" > "$T/s" && mv "$T/s" "$T/p/.argo-project/state.json"
  # the builder starts a child of its own and records it, then works for a long time
  printf '#!/bin/bash\nsleep 120 &\necho $! > %q/builder_child.pid\nwait\n' "$T" > "$T/ci.sh"
  chmod +x "$T/ci.sh"
  CI_COMMAND=$T/ci.sh ARGO_SHIM_SERVER=0 "$ROOT/phases/execution.sh" "$T/p" >/dev/null 2>&1 &
  handler=$!
  STARTED+=("$handler")
  wait_for 20 test -s "$T/builder_child.pid"
  wait_for 10 bash -c "[[ \$(jq -r '.execution.builders[0].pid' '$T/p/.argo-project/state.json') =~ ^[0-9]+\$ ]]"
  builder=$(jq -r '.execution.builders[0].pid' "$T/p/.argo-project/state.json")
  child=$(cat "$T/builder_child.pid")
  STARTED+=("$builder" "$child")
  kill -KILL "$handler"   # the handler dies without ending its builders
  wait "$handler" || true
  alive "$builder"
  alive "$child"
  run -0 "$ROOT/stop_workflow.sh" "$T/p"
  assert_line "Stopped builder slow (process group $builder)"
  wait_gone "$builder" 10
  wait_gone "$child" 10
}

# ------------------------------------------------------------------ D22, D24

@test "D22: the lock file is never truncated (with_state_lock, update_state)" {
  mkdir -p "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  cd "$T/p"
  echo "someone else's note" > .argo-project/state.lock
  source "$ROOT/lib/state_file.sh"
  with_state_lock true
  update_state a b
  ARGO_SHIM_SERVER=0 update_state c d
  [ "$(cat .argo-project/state.lock)" = "someone else's note" ]
}

@test "D24: WORKFLOW_LOG set after sourcing is where the log goes; a new LOG_DIR moves the default" {
  mkdir -p "$T/p"
  "$ROOT/templates/project_setup.sh" demo "$T/p" >/dev/null
  cd "$T/p"
  source "$ROOT/lib/logging_enhanced.sh"
  WORKFLOW_LOG=$T/custom.log
  write_log TEST "to the custom log"
  grep -q '\[TEST\] to the custom log$' "$T/custom.log"
  run ! grep -q 'to the custom log' .argo-project/logs/workflow.log
  unset WORKFLOW_LOG
  WORKFLOW_LOG=$LOG_DIR/workflow.log   # back to the default, which follows LOG_DIR
  LOG_DIR=$T/otherlogs
  write_log TEST "to the other folder"
  grep -q '\[TEST\] to the other folder$' "$T/otherlogs/workflow.log"
}

# ------------------------------------------------------------------ argo --help

@test "argo --help lists every command and exits 0; an unknown command is refused with status 2" {
  run -0 "$ROOT/compat/argo" --help
  assert_line --index 0 "Usage: argo <command> [arguments]"
  for c in start run status stop approve orchestrator setup cleanup design_program design_build execution merge_build server state call; do
    assert_line --regexp "^  argo $c( |$)"
  done
  run -2 "$ROOT/compat/argo" nosuch
  assert_line --index 0 "ERROR: unknown command: 'nosuch' (argo --help lists them)"
}
