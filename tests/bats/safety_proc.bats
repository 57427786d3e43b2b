#!/usr/bin/env bats
# Issue 6, processes: a pid read from a file or from state is signalled (or called
# "Running") only when it is proven to be this project's orchestrator or builder
# group; concurrent starts; cleanup refuses while the workflow runs; repositories
# we cannot serve; approve only at approve_design; rejected component ids; a huge
# design answer. Sentinel processes are ended by their PID in teardown.

bats_require_minimum_version 1.5.0

setup() {
  load helpers
  TMP=$(mktemp -d)
  PROJ=$TMP/proj
  export ARGO_PROJECTS_REGISTRY=$TMP/projects.json ARGO_SHIM_SERVER=0 CI_COMMAND=$TMP/no-such-ci
  unset STANDIN_CI_FAIL STANDIN_CI_DELAY STANDIN_CI_COMPONENTS
  SENTINELS=()
}

teardown() {
  local pid
  # the project's orchestrator (proven ours by stop_workflow itself), then our sentinels by PID
  [[ -d $PROJ/.argo-project ]] && "$ROOT/stop_workflow.sh" "$PROJ" >/dev/null 2>&1
  for pid in "${SENTINELS[@]}"; do end_tree "$pid"; done
  cd /
  rm -rf "$TMP"
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# end_tree PID: the process, its group when it leads one, and its children — by PID
end_tree() {
  local pid=$1 child stat
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do end_tree "$child"; done
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  read -r _ _ pgid _ <<< "$stat"
  [[ $pgid == "$pid" ]] && kill -KILL -- "-$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null
  return 0
}

git_project() { # [branch]
  mkdir -p "$PROJ" && cd "$PROJ"
  git init -q -b "${1:-main}"
  git config user.name Test && git config user.email test@example.invalid
  echo main > main.txt && git add main.txt && git commit -qm initial
  "$ROOT/templates/project_setup.sh" proj "$PROJ" >/dev/null
}

plain_project() {
  mkdir -p "$PROJ" && cd "$PROJ"
  "$ROOT/templates/project_setup.sh" proj "$PROJ" >/dev/null
}

state() { jq -r "$1" "$PROJ/.argo-project/state.json"; }
set_state() { jq "$1" "$PROJ/.argo-project/state.json" > "$PROJ/.argo-project/state.json.tmp" && mv "$PROJ/.argo-project/state.json.tmp" "$PROJ/.argo-project/state.json"; }
# one read of /proc/PID/stat (kill -0 then ps: a zombie reaped between the two looked alive)
alive() { local s; s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; s=${s##*) }; [[ -n $s && $s != [ZX]* ]]; }
wait_gone() { local end=$((SECONDS + $2 * WAIT_SCALE)); while alive "$1"; do ((SECONDS < end)) || return 1; sleep 0.05; done; }
# Deadlines here guard against a hang only: a node orchestrator started with `&` took over 5 s
# to write its pid file at load 15.
wait_file() { local end=$((SECONDS + $2 * WAIT_SCALE)); until [[ -s $1 ]]; do ((SECONDS < end)) || return 1; sleep 0.05; done; }

# sentinel [cwd] [args…]: a `sleep` leading its own process group; its pid in $S
sentinel() {
  local dir=${1:-$TMP}
  shift || true
  (cd "$dir" && exec setsid "$@" sleep 300) &
  S=$!
  SENTINELS+=("$S")
  local end=$((SECONDS + 5))
  until [[ $(cat "/proc/$S/comm" 2>/dev/null) == sleep || $(cat "/proc/$S/comm" 2>/dev/null) == bash ]]; do ((SECONDS < end)) || return 1; sleep 0.02; done
}

running_builder() { # ID PID
  set_state ".execution = {\"builders\": [{\"id\": \"$1\", \"status\": \"running\", \"pid\": \"$2\", \"worktree\": null, \"branch\": \"argo-builder-$1\"}], \"status\": \"running\", \"started\": null, \"completed\": null}"
}

# ------------------------------------------------------------------ point 9

@test "a sentinel's pid in orchestrator.pid: status says not ours, stop and start never signal it" {
  git_project
  sentinel
  echo "$S" > .argo-project/orchestrator.pid
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line "Orchestrator: Not running (stale PID file; not ours: PID $S runs sleep)"
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_output --partial "not ours: PID $S runs sleep"
  refute_output --partial "Stopping orchestrator (PID $S)"
  alive "$S"
  echo "$S" > .argo-project/orchestrator.pid
  run -0 "$ROOT/start_workflow.sh" "q" "$PROJ"
  assert_output --partial "stale PID file $PROJ/.argo-project/orchestrator.pid (not ours: PID $S runs sleep); not signalled"
  refute_output --partial "already running (PID $S)"
  [[ $output =~ Orchestrator\ PID:\ ([0-9]+) ]]
  orch=${BASH_REMATCH[1]}
  [ "$orch" != "$S" ]
  [ "$(cat .argo-project/orchestrator.pid)" = "$orch" ]
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line "Orchestrator: Running (PID $orch)"
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_line "Stopping orchestrator (PID $orch)..."
  wait_gone "$orch" 5
  alive "$S"
}

@test "another project's orchestrator pid is not ours: status, stop and start of this project leave it running" {
  git_project
  OTHER=$TMP/other && mkdir -p "$OTHER" && "$ROOT/templates/project_setup.sh" other "$OTHER" >/dev/null
  "$ROOT/orchestrator.sh" "$OTHER" >/dev/null 2>&1 &
  O=$!
  SENTINELS+=("$O")
  wait_file "$OTHER/.argo-project/orchestrator.pid" 30
  echo "$O" > .argo-project/orchestrator.pid
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line --regexp "^Orchestrator: Not running \(stale PID file; not ours: PID $O runs "
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_line "Orchestrator not running"
  alive "$O"
  run -0 "$ROOT/status.sh" "$OTHER"
  assert_line "Orchestrator: Running (PID $O)"
  run -0 "$ROOT/stop_workflow.sh" "$OTHER"
  wait_gone "$O" 20
}

@test "an orchestrator started with a relative project path is still proven ours: status Running, stop ends it" {
  git_project
  cd "$TMP"
  "$ROOT/orchestrator.sh" proj >/dev/null 2>&1 &
  O=$!
  SENTINELS+=("$O")
  cd "$PROJ"
  wait_file .argo-project/orchestrator.pid 30
  run -0 "$ROOT/status.sh" "$PROJ"
  assert_line "Orchestrator: Running (PID $O)"
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_line "Stopping orchestrator (PID $O)..."
  wait_gone "$O" 20
}

@test "a builder pid in state that is not our builder group is left alone by stop_workflow" {
  git_project
  mkdir -p .argo-project/builders/api
  sentinel                                           # a plain sleep
  plain=$S
  sentinel "$TMP" bash -c 'sleep 300; :' argo-builder   # our marker, but outside the builders folder
  elsewhere=$S
  (cd .argo-project/builders/api && exec bash -c 'sleep 300; :' argo-builder) &   # ours, but not a group leader
  member=$!
  SENTINELS+=("$member")
  for pid in "$plain" "$elsewhere" "$member"; do
    running_builder api "$pid"
    run -0 "$ROOT/stop_workflow.sh" "$PROJ"
    assert_output --partial "Builder api: PID \"$pid\" left alone"
    refute_output --partial "Stopped builder"
  done
  alive "$plain"
  alive "$elsewhere"
  alive "$member"
  assert_output --partial "is not a process group leader"
  # and our real builder group is stopped
  sentinel "$PROJ/.argo-project/builders/api" bash -c 'sleep 300; :' argo-builder
  running_builder api "$S"
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_line "Stopped builder api (process group $S)"
  wait_gone "$S" 5
}

# pid values that must never be signalled; run in a private PID namespace so that a
# regression (kill(-1) as root) can only reach that namespace, never the machine.
@test "pids 1, 0, -1, abc in orchestrator.pid and as builder pids: nothing is signalled, start and status say so" {
  git_project
  require_tool "private PID namespace" "unshare --pid --fork --mount-proc (util-linux) as root" unshare --pid --fork --mount-proc true
  cat > "$TMP/ns.sh" <<'SCRIPT'
ROOT=$1 PROJ=$2
sleep 300 &          # same process group as the commands below: kill(0) would end it
same=$!
setsid sleep 300 &   # a group of its own
own=$!
for v in 1 0 -1 abc; do
  echo "$v" > "$PROJ/.argo-project/orchestrator.pid"
  jq --arg v "$v" '.execution = {"builders": [{"id": "api", "status": "running", "pid": $v}]}' "$PROJ/.argo-project/state.json" > "$PROJ/t" && mv "$PROJ/t" "$PROJ/.argo-project/state.json"
  echo "== $v"
  "$ROOT/status.sh" "$PROJ" | grep '^Orchestrator:'
  "$ROOT/stop_workflow.sh" "$PROJ"
  kill -0 "$same" "$own" || { echo "SENTINEL KILLED by $v"; exit 3; }
done
echo 1 > "$PROJ/.argo-project/orchestrator.pid"
"$ROOT/start_workflow.sh" q "$PROJ" >/dev/null 2>&1
"$ROOT/stop_workflow.sh" "$PROJ" >/dev/null
kill -0 "$same" "$own" || { echo "SENTINEL KILLED by start"; exit 3; }
echo "sentinels alive"
kill "$same" "$own"
SCRIPT
  run -0 timeout 60 unshare --pid --fork --mount-proc bash "$TMP/ns.sh" "$ROOT" "$PROJ"
  assert_line "sentinels alive"
  for v in 1 0 -1 abc; do
    assert_line "Stale PID file $PROJ/.argo-project/orchestrator.pid (invalid PID \"$v\"); nothing signalled"
    assert_line "Builder api: PID \"$v\" left alone (invalid PID \"$v\")"
  done
  assert_line 'Orchestrator: Not running (stale PID file; invalid PID "1")'
  refute_output --partial "Stopping orchestrator"
}

@test "project_cleanup refuses while the orchestrator or a builder runs, naming them and the stop command" {
  git_project
  mkdir -p .argo-project/builders/api && touch .argo-project/builders/api/keep
  "$ROOT/orchestrator.sh" "$PROJ" >/dev/null 2>&1 &
  O=$!
  SENTINELS+=("$O")
  wait_file .argo-project/orchestrator.pid 30
  run -1 "$ROOT/templates/project_cleanup.sh" "$PROJ" full
  assert_output "ERROR: the workflow of $PROJ is still running (orchestrator PID $O); nothing removed. Stop it first: $ROOT/stop_workflow.sh $PROJ"
  [ -f .argo-project/builders/api/keep ]
  [ -d .argo-project/logs ]
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  wait_gone "$O" 20
  sentinel "$PROJ/.argo-project/builders/api" bash -c 'sleep 300; :' argo-builder
  run -1 "$ROOT/templates/project_cleanup.sh" "$PROJ" nuclear
  assert_output --partial "(builder api (PID $S)); nothing removed"
  [ -f .argo-project/state.json ]
  end_tree "$S" && wait_gone "$S" 5
  run -0 "$ROOT/templates/project_cleanup.sh" "$PROJ" partial
  assert_line "Partial cleanup complete"
}

# ------------------------------------------------------------------ point 10

# orchestrators of $PROJ that run now (by their command line)
orchestrators_of_proj() {
  local p n=0
  for p in /proc/[0-9]*; do
    { tr "\0" " " < "$p/cmdline"; } 2>/dev/null | grep -q "dist/orchestrator.js $PROJ *\$" && n=$((n + 1))
  done
  echo "$n"
}

@test "concurrent start_workflow (3 races): one orchestrator; the winner printed the query that runs, the other was stopped and that is said" {
  git_project
  for round in 1 2 3; do
    "$ROOT/start_workflow.sh" "query A$round" "$PROJ" > "$TMP/a.out" 2>&1 &
    a=$!
    "$ROOT/start_workflow.sh" "query B$round" "$PROJ" > "$TMP/b.out" 2>&1 &
    b=$!
    wait "$a"
    wait "$b"
    final_pid=$(cat .argo-project/orchestrator.pid)
    final_query=$(state .user_query)
    [ "$(orchestrators_of_proj)" = 1 ]
    for f in a b; do
      [[ $(cat "$TMP/$f.out") =~ Orchestrator\ PID:\ ([0-9]+) ]]
      eval "${f}_pid=${BASH_REMATCH[1]}"
    done
    if [ "$a_pid" = "$final_pid" ]; then win=a lose=b; else win=b lose=a; fi
    win_pid=${win}_pid lose_pid=${lose}_pid
    [ "${!win_pid}" = "$final_pid" ]
    # the winner printed the query that runs; the loser's orchestrator was stopped, and the winner said whose
    grep -qx "Query: $final_query" "$TMP/$win.out"
    lose_query=$(sed -n 's/^Query: //p' "$TMP/$lose.out")
    [ "$lose_query" != "$final_query" ]
    grep -qxF "Stopping the existing orchestrator (PID ${!lose_pid}, query: $lose_query)..." "$TMP/$win.out"
    if alive "${!lose_pid}"; then cat "$TMP"/*.out; false; fi
    run -0 "$ROOT/status.sh" "$PROJ"
    assert_line "Orchestrator: Running (PID $final_pid)"
  done
}

# ------------------------------------------------------------------ point 11 and 7

ci_stub() { printf '#!/bin/bash\n%s\n' "$1" > "$TMP/ci.sh" && chmod +x "$TMP/ci.sh"; export CI_COMMAND=$TMP/ci.sh; }

@test "argo approve refuses outside design/approve_design with one ERROR line and changes nothing" {
  git_project
  for s in '.phase = "execution" | .action_needed = "spawn_builders"' '.phase = "storage" | .action_needed = "none"' '.phase = "design" | .action_needed = "design_build"'; do
    set_state ".design = {\"summary\": \"s\", \"components\": [{\"id\": \"api\", \"description\": \"d\"}], \"created\": \"t\", \"approved\": false} | $s | .action_owner = \"user\""
    before=$(cat .argo-project/state.json)
    run -1 "$ROOT/compat/argo" approve "$PROJ"
    [ "${#lines[@]}" = 1 ]
    assert_output --regexp "^ERROR: nothing awaits approval in $PROJ/.argo-project/state.json: phase is '[a-z]+', action_needed '[a-z_]+' .*nothing changed$"
    [ "$(cat .argo-project/state.json)" = "$before" ]
  done
}

@test "design_program keeps the valid components and records each rejected id; approve shows them; zero usable is not approvable" {
  git_project
  set_state '.user_query = "q"'
  long=$(printf 'x%.0s' {1..300})
  ci_stub "printf '%s\n' 'Design:' '\`\`\`json' '[{\"id\": \"api\", \"description\": \"A\"}, {\"id\": \"a.\", \"description\": \"dot\"}, {\"id\": \"$long\"}, {\"id\": \"ui\", \"description\": \"U\"}]' '\`\`\`'"
  run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  assert_line --partial "WARNING: component rejected: CI answer: invalid component id 'a.': git refuses the branch argo-builder-a."
  assert_line --partial "WARNING: component rejected: CI answer: invalid component id '$long': longer than 64 characters (300)"
  [ "$(state '[.design.components[].id] | join(",")')" = api,ui ]
  [ "$(state '[.design.rejected_components[].id] | join(",")')" = "a.,$long" ]
  [[ $(state '.design.rejected_components[0].reason') == *'must not end with "."'* ]]
  grep -q "\[WARN\] Design component rejected: CI answer: invalid component id 'a.'" .argo-project/logs/workflow.log
  run -0 "$ROOT/compat/argo" approve "$PROJ"
  assert_line "Rejected components (not built): 2"
  assert_line --partial "  a.: CI answer: invalid component id 'a.'"
  assert_line "Design approved (2 components); design_build comes next"
  # a design whose every id was rejected is not approvable
  set_state '.design.components = [] | .design.approved = false | .action_owner = "ci" | .action_needed = "approve_design"'
  before=$(cat .argo-project/state.json)
  run -1 "$ROOT/compat/argo" approve "$PROJ"
  assert_output "ERROR: the design in $PROJ/.argo-project/state.json has no usable components (2 rejected: a., $long); give a list: argo approve --components FILE $PROJ"
  [ "$(cat .argo-project/state.json)" = "$before" ]
}

# ------------------------------------------------------------------ point 6

@test "start_workflow and design_build refuse a repository without a commit or without main/master; nothing changed" {
  mkdir -p "$PROJ" && cd "$PROJ" && git init -q -b main && "$ROOT/templates/project_setup.sh" proj "$PROJ" >/dev/null
  before=$(cat .argo-project/state.json)
  run -1 "$ROOT/start_workflow.sh" "q" "$PROJ"
  assert_output "ERROR: the git repository $PROJ has no commit yet (fix: cd $PROJ && git add -A && git commit -m \"initial commit\")"
  [ "$(cat .argo-project/state.json)" = "$before" ]
  [ ! -e .argo-project/orchestrator.pid ]
  set_state '.design = {"summary": "s", "components": [{"id": "api", "description": "d"}], "created": "t", "approved": true} | .phase = "design" | .action_owner = "code" | .action_needed = "design_build"'
  run -1 "$ROOT/phases/design_build.sh" "$PROJ"
  assert_line --partial "ERROR: the git repository $PROJ has no commit yet"
  [ "$(state .execution)" = null ]
  [ "$(state .action_owner)" = user ]
  [ "$(state .phase)" = design ]
  [[ $(state .error_recovery.last_error) == "Refused: the git repository $PROJ has no commit yet"* ]]
  git -c user.name=T -c user.email=t@e commit -q --allow-empty -m first && git branch -m main trunk
  before=$(cat .argo-project/state.json)
  run -1 "$ROOT/start_workflow.sh" "q" "$PROJ"
  assert_output "ERROR: the git repository $PROJ has neither a main nor a master branch, where builders are merged (fix: cd $PROJ && git branch main)"
  [ "$(cat .argo-project/state.json)" = "$before" ]
  run -1 "$ROOT/phases/design_build.sh" "$PROJ"
  assert_line --partial "neither a main nor a master branch"
  [ -z "$(git branch --list 'argo-builder-*')" ]
  git branch master
  set_state '.action_owner = "code"'
  run -0 "$ROOT/phases/design_build.sh" "$PROJ"
  [ "$(state .execution.builders[0].worktree)" = "$PROJ/.argo-project/builders/api" ]
}

@test "start_workflow in a plain folder (COMPAT: the original suite does this) stores the query but warns that design_build will refuse it" {
  plain_project
  run -0 "$ROOT/start_workflow.sh" "q" "$PROJ"
  assert_line --partial "WARNING: $PROJ is not a git repository (fix: cd $PROJ && git init"
  assert_line --partial "; design_build will refuse it"
  [ "$(state .user_query)" = q ]
}

# ------------------------------------------------------------------ point 8

@test "a 50 MB design answer: streamed to .argo-project/design/, state keeps a 64 KiB excerpt, components found at its end, no stack trace" {
  git_project
  set_state '.user_query = "q"'
  ci_stub "yes 'a long design line' | head -c 50000000; printf '\n\`\`\`json\n[{\"id\": \"core\", \"description\": \"C\"}, {\"id\": \"bad.\"}]\n\`\`\`\n'"
  run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  refute_output --regexp '^ +at '
  file=$(state .design.answer_file)
  [[ $file == "$PROJ/.argo-project/design/answer-"*.txt ]]
  size=$(stat -c %s "$file")
  [ "$size" -gt 50000000 ]
  [ "$(state .design.answer_bytes)" = "$size" ]
  assert_line "The answer is $size bytes: the design keeps its first 65536 bytes, the whole text is in $file"
  [ "$(stat -c %s .argo-project/state.json)" -lt 100000 ]
  [ "$(state '.design.summary | length')" -le 65536 ]
  [ "$(state '.design.summary | length')" -gt 60000 ]
  [ "$(state '[.design.components[].id] | join(",")')" = core ]
  [ "$(state '.design.rejected_components[0].id')" = bad. ]
  [ "$(state .phase)" = design ]
}

@test "a small design answer stays whole in design.summary and leaves no answer file (COMPAT design keys)" {
  git_project
  set_state '.user_query = "q"'
  ci_stub "echo small answer"
  run -0 "$ROOT/phases/design_program.sh" "$PROJ"
  [ "$(state '.design | keys_unsorted | join(",")')" = summary,components,created,approved ]
  [ "$(state .design.summary)" = "small answer" ]
  [ -z "$(ls -A .argo-project/design 2>/dev/null)" ]
}

@test "start_workflow and stop_workflow wait for the project's start lock; nothing changes while it is held" {
  git_project
  set_state '.user_query = "before"'
  flock -x .argo-project/start.lock -c "touch '$TMP/held'; while [ ! -e '$TMP/release' ]; do sleep 0.05; done" &
  holder=$!
  SENTINELS+=("$holder")
  end=$((SECONDS + 10))
  until [ -e "$TMP/held" ]; do ((SECONDS < end)); sleep 0.05; done
  "$ROOT/start_workflow.sh" "after" "$PROJ" > "$TMP/start.out" 2>&1 &
  start=$!
  end=$((SECONDS + 10))
  until grep -q "waiting for it ($PROJ/.argo-project/start.lock)" "$TMP/start.out"; do ((SECONDS < end)); sleep 0.05; done
  [ "$(state .user_query)" = before ]
  [ ! -e .argo-project/orchestrator.pid ]
  touch "$TMP/release"
  wait "$start"
  grep -q '^Workflow started' "$TMP/start.out"
  [ "$(state .user_query)" = after ]
  orch=$(cat .argo-project/orchestrator.pid)
  rm -f "$TMP/held" "$TMP/release"
  flock -x .argo-project/start.lock -c "touch '$TMP/held'; while [ ! -e '$TMP/release' ]; do sleep 0.05; done" &
  SENTINELS+=("$!")
  end=$((SECONDS + 10))
  until [ -e "$TMP/held" ]; do ((SECONDS < end)); sleep 0.05; done
  "$ROOT/stop_workflow.sh" "$PROJ" > "$TMP/stop.out" 2>&1 &
  stop=$!
  end=$((SECONDS + 10))
  until grep -q "waiting for it" "$TMP/stop.out"; do ((SECONDS < end)); sleep 0.05; done
  alive "$orch"
  touch "$TMP/release"
  wait "$stop"
  grep -qx "Stopping orchestrator (PID $orch)..." "$TMP/stop.out"
  wait_gone "$orch" 5
}

# ------------------------------------------------------------------ issue 15, item 6
# A builder that starts a daemon with setsid: the daemon leaves the builder's process
# group, so only its ARGO_RUN_TOKEN finds it (store/sweep.ts).

# a CI tool: the stand-in for the design; as a builder it starts `setsid sleep 300`
# (its pid in $TMP/daemon.pid), then hangs ($BUILDER_MODE=hang) or builds and exits 0
# once the test has seen the daemon ($TMP/daemon.seen, bounded: 30 s)
daemon_ci() {
  cat > "$TMP/ci" <<'CI'
#!/usr/bin/env bash
if [[ $1 == *"Requirement:"* ]]; then exec "$STANDIN" "$1"; fi
setsid sleep 300 </dev/null >/dev/null 2>&1 &
echo $! > "$DAEMON_DIR/daemon.tmp" && mv "$DAEMON_DIR/daemon.tmp" "$DAEMON_DIR/daemon.pid"
if [[ $BUILDER_MODE == hang ]]; then sleep 300; fi
for ((i = 0; i < 600; i++)); do [[ -e $DAEMON_DIR/daemon.seen ]] && break; sleep 0.05; done
exec "$STANDIN" "$1"
CI
  chmod +x "$TMP/ci"
  export CI_COMMAND=$TMP/ci STANDIN=$ROOT/compat/standin_ci DAEMON_DIR=$TMP STANDIN_CI_COMPONENTS=1
}

# the daemon's pid, once it runs (also ended in teardown if a test fails: a sleep by PID)
daemon_started() {
  wait_file "$TMP/daemon.pid" 30
  D=$(cat "$TMP/daemon.pid")
  [[ $(cat "/proc/$D/comm" 2>/dev/null) == sleep ]] && SENTINELS+=("$D")
  alive "$D"
}

# look-alike sentinels for token $1: a longer one, one differing in its last digit, the
# token under another name, none at all; their pids in LOOKALIKES
lookalikes() {
  local tok=$1 last=${1: -1}
  LOOKALIKES=()
  sentinel "$TMP" env ARGO_RUN_TOKEN="${tok}0" && LOOKALIKES+=("$S")
  sentinel "$TMP" env ARGO_RUN_TOKEN="${tok%?}$([[ $last == 0 ]] && echo 1 || echo 0)" && LOOKALIKES+=("$S")
  sentinel "$TMP" env OTHER_TOKEN="$tok" && LOOKALIKES+=("$S")
  sentinel "$TMP" && LOOKALIKES+=("$S")
}

start_built() {
  "$ROOT/start_workflow.sh" "Build it" "$PROJ" >/dev/null
  wait_state '.action_needed == "approve_design"' 30
  "$ROOT/compat/argo" approve "$PROJ" >/dev/null
}

@test "a builder's setsid daemon is ended at the time limit; processes with look-alike tokens are left alone" {
  git_project
  daemon_ci
  export BUILDER_MODE=hang
  set_state '.limits.builder_timeout_seconds = 5'
  start_built
  daemon_started
  tok=$(state '.execution.builders[0].run_token')
  [[ $tok =~ ^[0-9]{13}-[0-9a-f]{32}$ ]]
  grep -qz "^ARGO_RUN_TOKEN=$tok\$" "/proc/$D/environ"
  lookalikes "$tok"
  wait_state '.execution.builders[0].status == "failed"' 30
  [ "$(state '.execution.builders[0].failure')" = timeout ]
  wait_gone "$D" 2
  for s in "${LOOKALIKES[@]}"; do alive "$s"; done
  grep -q "swept - Ended 1 process(es) the builder left running (PIDs $D)" .argo-project/logs/builder-part-1.log
}

@test "a builder's setsid daemon is ended by stop_workflow" {
  git_project
  daemon_ci
  export BUILDER_MODE=hang
  start_built
  daemon_started
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  wait_gone "$D" 2
}

@test "a builder that exits 0 leaving a setsid daemon: the daemon is ended when the builder ends" {
  git_project
  daemon_ci
  export BUILDER_MODE=exit0
  start_built
  daemon_started
  touch "$TMP/daemon.seen"   # the builder exits 0 only now: its sweep cannot end the daemon before the test saw it
  wait_state '.execution.builders[0].status == "completed"' 30
  wait_gone "$D" 2
}

@test "stop_workflow after a crash: it ends what carries a recorded run token, nothing else" {
  git_project
  tok="$(date +%s%3N)-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  sentinel "$TMP" env ARGO_RUN_TOKEN="$tok"
  D=$S
  lookalikes "$tok"
  set_state ".execution = {\"builders\": [{\"id\": \"api\", \"status\": \"failed\", \"pid\": null, \"run_token\": \"$tok\"}, {\"id\": \"web\", \"status\": \"failed\", \"run_token\": \"not-a-token\"}]}"
  run -0 "$ROOT/stop_workflow.sh" "$PROJ"
  assert_line "Ended 1 process(es) builder api left running (PIDs $D)"
  wait_gone "$D" 2
  for s in "${LOOKALIKES[@]}"; do alive "$s"; done
}

@test "the execution handler, starting a builder again after a crash, first ends what its last run left (its recorded token)" {
  git_project
  tok="$(date +%s%3N)-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  sentinel "$TMP" env ARGO_RUN_TOKEN="$tok"
  D=$S
  lookalikes "$tok"
  # the handler was killed: the builder is "running" with a dead pid and no result
  set_state ".phase = \"execution\" | .execution = {\"builders\": [{\"id\": \"api\", \"status\": \"running\", \"pid\": \"999999999\", \"worktree\": null, \"run_token\": \"$tok\"}], \"status\": \"running\"}"
  run "$ROOT/phases/execution.sh" "$PROJ"
  wait_gone "$D" 2
  for s in "${LOOKALIKES[@]}"; do alive "$s"; done
}
