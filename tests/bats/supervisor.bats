#!/usr/bin/env bats
# The resident supervisor (issue 24, docs/SUPERVISOR.md): the install's helper runs every
# project's orchestration; orchestrator.pid names the project's anchor (bash orchestrator.sh P).
load helpers
bats_require_minimum_version 1.5.0

setup() {
  W=$(mktemp -d "$BATS_TEST_TMPDIR/sv.XXXXXX")
  # Each builder's call is logged ($CALLS: its worktree), so a builder run twice shows.
  cat > "$W/ci" <<EOF
#!/bin/bash
[[ \$1 == *Implement* ]] && echo "\$PWD" >> "$W/calls"
[[ \$1 == *Implement* && -n \${BUILD_DELAY:-} ]] && sleep "\$BUILD_DELAY"
exec "$ROOT/compat/standin_ci" "\$@"
EOF
  chmod +x "$W/ci"
  export CI_COMMAND="$W/ci" ARGO_PROJECTS_REGISTRY="$W/projects.json"
  unset ARGO_AGENT BUILD_DELAY
  PROJECTS=()
}

teardown() {
  local p pid
  # The anchor (bash orchestrator.sh P) or, without the supervisor, the node orchestrator
  # (dist/orchestrator.js P): /proc proves it is this project's before it is signalled.
  for p in "${PROJECTS[@]}"; do PROJ=$p end_project_orchestrator; done
  # One that outlives its signal fails the test (it took the whole deadline, silently, when
  # only the anchor was signalled: 60 s of a run, the node orchestrators left behind).
  for p in "${PROJECTS[@]}"; do
    pid=$(cat "$p/.argo-project/orchestrator.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || continue
    wait_gone "$pid" 10 || { echo "the orchestrator of $p (PID $pid) did not end" >&2; return 1; }
  done
  return 0
}

teardown_file() { stop_shim_helper; }

# new_repo NAME: a git project set up for the stand-in CI tool, in PROJECTS
new_repo() {
  local p="$W/$1"
  mkdir -p "$p" && git -C "$p" init -q && git -C "$p" -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
  "$ROOT/templates/project_setup.sh" demo "$p" >/dev/null
  PROJECTS+=("$p")
}
st() { jq -r "$2" "$1/.argo-project/state.json"; }
at() { [ "$(st "$1" "$2")" = "$3" ]; }
# helper_pid: the helper of this test file (its port file names it; /proc proves the start time)
helper_pid() {
  local f port token pid start stat
  for f in "$XDG_RUNTIME_DIR"/argo-*/*.port; do
    read -r port token pid start _ < "$f" || continue
    IFS= read -r stat < "/proc/$pid/stat" || continue
    IFS=' ' read -r -a stat <<< "${stat##*) }"
    [[ ${stat[19]} == "$start" ]] && echo "$pid" && return 0
  done
  return 1
}
anchor_of() { cat "$1/.argo-project/orchestrator.pid"; }
is_anchor() { [[ $(tr '\0' ' ' < "/proc/$2/cmdline" 2>/dev/null) == "/bin/bash $ROOT/orchestrator.sh $1 " || $(tr '\0' ' ' < "/proc/$2/cmdline" 2>/dev/null) == *"bash $ROOT/orchestrator.sh $1 " ]]; }
rss_kb() { local k v; while read -r k v _; do [[ $k == VmRSS: ]] && echo "$v" && return; done < "/proc/$1/status"; }
# helper_up: a library call starts this test file's helper; until it listens
helper_up() {
  bash -c 'source "$1/lib/state_file.sh" && read_state phase' _ "$ROOT" >/dev/null 2>&1 || true
  wait_for 10 helper_pid
}
calls_at_least() { [ "$(grep -c . "$W/calls" 2>/dev/null)" -ge "$1" ]; }
# start NAME: the workflow, with the helper running
start() {
  helper_up
  "$ROOT/start_workflow.sh" "Build $1" "$W/$1" >/dev/null
}

@test "with the helper, orchestrator.pid names the anchor (bash orchestrator.sh P, a few MB) and the helper runs the workflow to storage; then the anchor exits and the file is gone" {
  new_repo a
  start a
  local anchor; anchor=$(anchor_of "$W/a")
  is_anchor "$W/a" "$anchor"
  [ "$(rss_kb "$anchor")" -lt 8000 ]
  grep -q "Started (PID $anchor) for $W/a; hosted by the supervisor (PID $(helper_pid))" "$W/a/.argo-project/logs/orchestrator.log"
  # status proves it ours and running
  run -0 "$ROOT/status.sh" "$W/a"
  assert_output --partial "Running (PID $anchor)"
  PROJ="$W/a" wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$W/a" >/dev/null
  PROJ="$W/a" wait_state '.phase == "storage"' 60
  wait_gone "$anchor" 10
  wait_for 5 test ! -e "$W/a/.argo-project/orchestrator.pid"
  [ "$(st "$W/a" '[.execution.builders[].status] | join(",")')" = completed,completed,completed ]
  [ "$(wc -l < "$W/calls")" -eq 3 ]
}

@test "ARGO_SUPERVISOR=0, or no usable helper (ARGO_SHIM_SERVER=0): the node orchestrator runs as before" {
  new_repo a
  new_repo b
  helper_up
  ARGO_SUPERVISOR=0 "$ROOT/start_workflow.sh" "Build a" "$W/a" >/dev/null
  ARGO_SHIM_SERVER=0 "$ROOT/start_workflow.sh" "Build b" "$W/b" >/dev/null
  local p
  for p in a b; do
    [[ $(tr '\0' ' ' < "/proc/$(anchor_of "$W/$p")/cmdline") == *"dist/orchestrator.js $W/$p "* ]]
    run ! grep -q "hosted by the supervisor" "$W/$p/.argo-project/logs/orchestrator.log"
  done
}

@test "kill -TERM of one anchor stops exactly that project (its handler's group ends first); the other runs on to storage" {
  new_repo a
  new_repo b
  export BUILD_DELAY=2 # the builders take a while: the workflow's environment, from its start
  start a
  start b
  for p in a b; do PROJ="$W/$p" wait_state '.action_needed == "approve_design"' 30; done
  "$ROOT/compat/argo" approve "$W/a" >/dev/null
  "$ROOT/compat/argo" approve "$W/b" >/dev/null
  wait_for 20 grep -qs . "$W/calls"
  local a b
  a=$(anchor_of "$W/a")
  b=$(anchor_of "$W/b")
  local handler
  read -r handler _ < "$W/a/.argo-project/handler.pid"
  __alive "$handler"
  kill -TERM "$a"
  wait_gone "$a" 10
  # the anchor exits only once its handler has ended
  ended "$handler"
  [ ! -e "$W/a/.argo-project/orchestrator.pid" ]
  grep -q "Stopped (PID $a)" "$W/a/.argo-project/logs/orchestrator.log"
  # the other project never noticed
  __alive "$b"
  PROJ="$W/b" wait_state '.phase == "storage"' 60
  [ "$(st "$W/a" .phase)" != storage ]
  run -0 "$ROOT/status.sh" "$W/a"
  assert_output --partial "Not running"
}

@test "kill -9 of the supervisor mid-execution: each anchor registers with a new helper under the same pid; every project reaches storage with each builder run once" {
  local p
  export BUILD_DELAY=5
  for p in a b c; do new_repo "$p"; start "$p"; done
  for p in a b c; do PROJ="$W/$p" wait_state '.action_needed == "approve_design"' 30; done
  for p in a b c; do "$ROOT/compat/argo" approve "$W/$p" >/dev/null; done
  # every project has builders running
  wait_for 30 calls_at_least 9
  local old anchors=()
  old=$(helper_pid)
  for p in a b c; do anchors+=("$(anchor_of "$W/$p")"); done
  kill -KILL "$old"
  wait_gone "$old" 5
  for p in a b c; do PROJ="$W/$p" wait_state '.phase == "storage"' 60; done
  [ "$(helper_pid)" != "$old" ]
  local i=0
  for p in a b c; do
    grep -q "Started (PID ${anchors[$i]}) for $W/$p; hosted by the supervisor (PID [0-9]*), registered again" "$W/$p/.argo-project/logs/orchestrator.log"
    [ "$(st "$W/$p" '[.execution.builders[].status] | join(",")')" = completed,completed,completed ]
    i=$((i + 1))
  done
  # nine builders, each run once
  [ "$(sort "$W/calls" | uniq | wc -l)" -eq 9 ]
  [ "$(wc -l < "$W/calls")" -eq 9 ]
}

@test "kill -9 of an anchor is a crash: the pid file stays, its handler runs on; argo resume waits for that handler and each builder runs once" {
  new_repo a
  export BUILD_DELAY=5
  start a
  PROJ="$W/a" wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$W/a" >/dev/null
  wait_for 20 calls_at_least 3
  local anchor handler
  anchor=$(anchor_of "$W/a")
  read -r handler _ < "$W/a/.argo-project/handler.pid"
  kill -KILL "$anchor"
  wait_gone "$anchor" 5
  wait_for 5 grep -q "Anchor PID $anchor ended without a stop" "$W/a/.argo-project/logs/orchestrator.log"
  [ "$(cat "$W/a/.argo-project/orchestrator.pid")" = "$anchor" ]
  __alive "$handler"
  run -0 "$ROOT/compat/argo" resume "$W/a"
  # the handler may end before the new orchestrator looks; when it still runs, it is waited for
  if __alive "$handler"; then wait_for 5 grep -q "Waiting for handler PID $handler" "$W/a/.argo-project/logs/orchestrator.log"; fi
  PROJ="$W/a" wait_state '.phase == "storage"' 60
  [ "$(wc -l < "$W/calls")" -eq 3 ]
  [ "$(sort "$W/calls" | uniq | wc -l)" -eq 3 ]
}
