#!/usr/bin/env bats
# start_workflow.sh and status.sh answered by the install's shim helper (compat/entries.ts,
# __argo_entry in compat/shim.bash; docs/SHIM.md "Programs the helper runs"): the one-shot's
# output (stdout, stderr and their order), exit status and state; the caller's whole
# environment recorded and handed to the orchestrator's handlers; proof that no node was
# started for the program; and the one-shot, unchanged, whenever the helper cannot serve.
bats_require_minimum_version 1.5.0

setup_file() {
  load helpers
  # A user's install (symlinks, as example_handlers.bats) with a phases/ of its own.
  INSTALL=$BATS_FILE_TMPDIR/install
  mkdir -p "$INSTALL/phases" "$INSTALL/templates"
  for f in dist lib compat node_modules package.json start_workflow.sh orchestrator.sh status.sh stop_workflow.sh; do ln -s "$ROOT/$f" "$INSTALL/$f"; done
  for f in "$ROOT"/templates/*.sh; do ln -s "$f" "$INSTALL/templates/"; done
  for p in design_program design_build execution merge_build; do ln -s "$ROOT/phases/$p.sh" "$INSTALL/phases/$p.sh"; done
  # The first step of the test workflows: records what a handler sees, then waits for a person.
  cat > "$INSTALL/phases/env_probe.sh" <<'EOF'
#!/bin/bash
source "${BASH_SOURCE[0]%/*}/../lib/state_file.sh"
update_state probe "${FOO_ONLY_CALLER-unset}"
update_state action_owner user
EOF
  chmod +x "$INSTALL/phases/env_probe.sh"
  # node as the shims see it (ARGO_NODE): it notes what it runs, so a test proves which
  # calls started no node of their own.
  NODE=$(type -P node)
  SPY=$BATS_FILE_TMPDIR/node-spy
  CALLS=$BATS_FILE_TMPDIR/node-calls
  printf '#!/bin/bash\nprintf "%%s\\n" "$*" >> %q\nexec %q "$@"\n' "$CALLS" "$NODE" > "$SPY"
  chmod +x "$SPY"
  export INSTALL NODE SPY CALLS
}

setup() {
  load helpers
  export ARGO_PROJECTS_REGISTRY=$BATS_TEST_TMPDIR/projects.json
  : > "$CALLS"
  PROJECTS=()
}

teardown() {
  for PROJ in "${PROJECTS[@]}"; do end_project_orchestrator; done
  for PROJ in "${PROJECTS[@]}"; do
    pid=$(cat "$PROJ/.argo-project/orchestrator.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] && wait_gone "$pid" 5
  done
  [[ -z ${OTHER_HELPER:-} ]] || { kill "$OTHER_HELPER" && wait_gone "$OTHER_HELPER" 5; }
  true
}

teardown_file() {
  load helpers
  stop_shim_helper
}

port_file() { compgen -G "${1:-$XDG_RUNTIME_DIR}/argo-*/*.port"; }
two_helpers() { [ "$(compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port" | wc -l)" -ge 2 ]; }

# start_helper: the install's helper up (the first library call starts it); sets HELPER.
start_helper() {
  if ! port_file >/dev/null; then
    (cd / && env -u FOO_ONLY_CALLER ARGO_NODE="$NODE" bash -c 'source "$INSTALL/lib/state_file.sh"; read_state phase' >/dev/null 2>&1) || true
    wait_for 20 port_file >/dev/null
  fi
  read -r _ _ HELPER _ < "$(port_file)"
  alive "$HELPER"
}

# new_proj NAME: a project of the install whose first step is env_probe; cwd = it.
new_proj() {
  PROJ=$BATS_TEST_TMPDIR/$1
  mkdir -p "$PROJ" && cd "$PROJ"
  "$INSTALL/templates/project_setup.sh" "$1" "$PROJ" >/dev/null
  local c=.argo-project/config.json
  jq '.workflow.phases = ["env_probe", "design_program", "design_build", "execution", "merge_build"]' "$c" > "$c.new" && mv "$c.new" "$c"
  PROJECTS+=("$PROJ")
}

# via MODE CMD...: CMD through the helper (node is the spy: a node it starts is noted) or
# one-shot (ARGO_SHIM_SERVER=0, node itself).
via() {
  local mode=$1
  shift
  if [[ $mode == helper ]]; then ARGO_NODE=$SPY "$@"; else ARGO_NODE=$NODE ARGO_SHIM_SERVER=0 "$@"; fi
}

# settled: the workflow just started ran env_probe and its orchestrator idles, alive (the
# next start then stops it, whichever path it takes).
settled() {
  wait_state '.action_owner == "user"' 30
  alive "$(cat "$PROJ/.argo-project/orchestrator.pid")"
}

# What differs between two projects and two runs: the folder and the pids.
norm() { sed -e "s|$PROJ|PROJECT|g" -e 's/PID \([0-9]*\)/PID N/g' -e 's/PID: [0-9]*/PID: N/g'; }

@test "with the helper up, start_workflow.sh prints (stdout, stderr and their order), exits and leaves the state as the one-shot does; no node is started for it" {
  start_helper
  for mode in helper oneshot; do
    new_proj "p_${mode:0:1}"   # same length: the hints are padded to the path
    # a fresh project (a WARNING first), then a second start that stops the first's orchestrator
    via $mode "$INSTALL/start_workflow.sh" "first query" > "$BATS_TEST_TMPDIR/$mode.1" 2>&1
    settled
    via $mode "$INSTALL/start_workflow.sh" "second query" . > "$BATS_TEST_TMPDIR/$mode.2" 2>&1
    settled
    via $mode "$INSTALL/start_workflow.sh" "third query" > "$BATS_TEST_TMPDIR/$mode.out" 2> "$BATS_TEST_TMPDIR/$mode.err"
    for f in 1 2 out err; do norm < "$BATS_TEST_TMPDIR/$mode.$f" > "$BATS_TEST_TMPDIR/$mode.$f.n"; done
    wait_state '.action_owner == "user"' 30
    jq -S 'del(.last_update, .created, .project_name)' .argo-project/state.json > "$BATS_TEST_TMPDIR/$mode.state"
    jq -S 'del(.ARGO_NODE, .ARGO_SHIM_SERVER)' .argo-project/agent-env.json > "$BATS_TEST_TMPDIR/$mode.env"
    [ "$mode" = oneshot ] || run ! grep -q 'dist/start_workflow.js' "$CALLS"
  done
  grep -q 'Stopping the existing orchestrator (PID N, query: first query)' "$BATS_TEST_TMPDIR/helper.2.n"
  for f in 1.n 2.n out.n err.n state env; do
    diff "$BATS_TEST_TMPDIR/oneshot.$f" "$BATS_TEST_TMPDIR/helper.$f"
  done
  [ "$(jq -r '[.user_query, .phase, .action_owner, .action_needed, .probe] | join(",")' "$BATS_TEST_TMPDIR/helper.state")" = "third query,init,user,env_probe,unset" ]
}

@test "the workflow records its caller's whole environment, not the helper's, and the orchestrator's handler sees it" {
  start_helper
  run ! grep -qz '^FOO_ONLY_CALLER=' "/proc/$HELPER/environ"
  new_proj p_env
  local value=$'one 1\ntwo=2 é \'"$x'
  SHELL_ONLY=1 FOO_ONLY_CALLER=$value via helper "$INSTALL/start_workflow.sh" "probe the environment" >/dev/null 2>&1
  run ! grep -q 'dist/start_workflow.js' "$CALLS"
  [ "$(jq -r .FOO_ONLY_CALLER .argo-project/agent-env.json)" = "$value" ]
  [ "$(jq -r .SHELL_ONLY .argo-project/agent-env.json)" = 1 ]
  # the shim's own shell variables are not exported: not part of the environment
  [ "$(jq -c '[has("__argo_dir"), has("__argo_entry_rc"), has("_")]' .argo-project/agent-env.json)" = '[false,false,false]' ]
  wait_state '.action_owner == "user"' 30
  [ "$(state .probe)" = "$value" ]
}

@test "bad input through the helper: the one-shot's ERROR lines and exit status" {
  start_helper
  new_proj p_bad
  mkdir "$BATS_TEST_TMPDIR/plain"
  new_proj p_badphase
  jq '.workflow.phases = ["no_such_step"]' .argo-project/config.json > c.json && mv c.json .argo-project/config.json
  local cases=(
    ''
    '"test query" /nonexistent/path'
    "\"test query\" $BATS_TEST_TMPDIR/plain"
    "\"test query\" $BATS_TEST_TMPDIR/p_badphase"
    '--template no-such-template "test query"'
  )
  for c in "${cases[@]}"; do
    eval "args=($c)"
    run -1 --separate-stderr via helper "$INSTALL/start_workflow.sh" "${args[@]}"
    local h_out=$output h_err=$stderr
    run -1 --separate-stderr via oneshot "$INSTALL/start_workflow.sh" "${args[@]}"
    [ "$h_out" = "$output" ]
    [ "$h_err" = "$stderr" ]
    [[ $stderr == ERROR:* ]]
  done
  [ "$(grep -c 'dist/start_workflow.js' "$CALLS")" = 0 ]
}

@test "status.sh through the helper prints what the one-shot prints (text, --json, errors); no node is started for it" {
  start_helper
  new_proj p_status
  via helper "$INSTALL/start_workflow.sh" "look at me" >/dev/null 2>&1
  wait_state '.action_owner == "user"' 30
  local cases=('' '--json' "$PROJ" '--json ../p_status' '--bogus' '/nonexistent' "$BATS_TEST_TMPDIR")
  for c in "${cases[@]}"; do
    read -ra args <<< "$c"
    run --separate-stderr via helper "$INSTALL/status.sh" "${args[@]}"
    local h_out=$output h_err=$stderr h_status=$status
    run --separate-stderr via oneshot "$INSTALL/status.sh" "${args[@]}"
    [ "$h_status" = "$status" ]
    [ "$h_out" = "$output" ]
    [ "$h_err" = "$stderr" ]
  done
  [[ $h_err == ERROR:* ]]
  grep -q "$PROJ" <<< "$(via helper "$INSTALL/status.sh")"
  [ "$(grep -c 'dist/status.js' "$CALLS")" = 0 ]
}

@test "status.sh on a terminal or with --watch runs node itself (the helper cannot see the caller's terminal)" {
  require_tool script "apt-get install util-linux" script --version
  start_helper
  new_proj p_tty
  script -qec "ARGO_NODE=$SPY $INSTALL/status.sh" /dev/null > /dev/null
  grep -qx "$INSTALL/dist/status.js" "$CALLS"
  ARGO_NODE=$SPY "$INSTALL/status.sh" --watch > /dev/null 2>&1 &
  local pid=$!
  wait_for 10 grep -q 'dist/status.js --watch' "$CALLS"
  kill "$pid" && wait_gone "$pid" 5
}

@test "no helper up: start_workflow.sh runs node (as before) and starts a helper, which answers the next start; ARGO_SHIM_SERVER=0 starts none" {
  export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
  new_proj p_cold
  ARGO_SHIM_SERVER=0 ARGO_NODE=$SPY "$INSTALL/start_workflow.sh" "zero" >/dev/null 2>&1
  grep -q 'dist/start_workflow.js zero' "$CALLS"
  run ! grep -q 'shim_server' "$CALLS"
  run ! port_file
  ARGO_NODE=$SPY "$INSTALL/start_workflow.sh" "cold" >/dev/null 2>&1
  grep -q 'dist/start_workflow.js cold' "$CALLS"
  wait_for 20 port_file >/dev/null
  read -r _ _ OTHER_HELPER _ < "$(port_file)"
  grep -q shim_server "/proc/$OTHER_HELPER/cmdline"
  run -0 via helper "$INSTALL/start_workflow.sh" "warm"
  assert_line "Query: warm"
  run ! grep -q 'dist/start_workflow.js warm' "$CALLS"
  [ "$(jq -r .user_query .argo-project/state.json)" = warm ]
}

@test "a runtime folder others may write to: start_workflow.sh runs node, as before, with no warning and no helper" {
  export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
  mkdir -p "$XDG_RUNTIME_DIR/argo-$UID" && chmod 777 "$XDG_RUNTIME_DIR/argo-$UID"
  new_proj p_unsafe
  run -1 --separate-stderr via helper "$INSTALL/start_workflow.sh" "test query" /nonexistent/path
  local h_err=$stderr
  run -1 --separate-stderr via oneshot "$INSTALL/start_workflow.sh" "test query" /nonexistent/path
  [ "$h_err" = "$stderr" ]
  [ "$stderr" = "ERROR: Invalid project path: /nonexistent/path" ]
  grep -q 'dist/start_workflow.js' "$CALLS"
  run ! port_file
}

@test "the programs are no library functions: __argo_call start_workflow (a dozen variables, not the caller's environment) is refused" {
  start_helper
  new_proj p_lib
  local before
  before=$(jq -c . .argo-project/state.json)
  run -127 bash -c 'source "$INSTALL/lib/state_file.sh"; __argo_call start_workflow "from a library" .'
  assert_output "ERROR: not a shim function: start_workflow"
  [ "$(jq -c . .argo-project/state.json)" = "$before" ]
  [ ! -e .argo-project/orchestrator.pid ]
}

@test "argo start, status, approve and retry through the helper: the one-shot's output and exit status; no node started for them" {
  start_helper
  export CI_COMMAND=$ROOT/compat/standin_ci STANDIN_CI_FAIL=cli
  new_proj p_argo
  jq 'del(.workflow.phases)' .argo-project/config.json > c.json && mv c.json .argo-project/config.json
  git init -q && git -c user.name=t -c user.email=t@t commit -q --allow-empty -m init
  local argo=$INSTALL/compat/argo
  # argo finds its install through the symlink (readlink -f): the helper of $ROOT, started
  # by the first call (answered by node) for the next ones
  via helper "$argo" status "$PROJ" >/dev/null
  wait_for 20 two_helpers
  : > "$CALLS"
  run -0 via helper "$argo" start "Build a calculator" "$PROJ"
  assert_line 'Workflow started'
  wait_state '.action_needed == "approve_design"' 30
  # status, and the refusals of each, as the one-shot says them
  local c
  for c in "status --json" "status $PROJ" "approve /nonexistent" "retry" "approve --components $BATS_TEST_TMPDIR/none.json"; do
    read -ra args <<< "$c"
    run --separate-stderr via helper "$argo" "${args[@]}"
    local h_out=$output h_err=$stderr h_status=$status
    run --separate-stderr via oneshot "$argo" "${args[@]}"
    [ "$h_status" = "$status" ]
    [ "$h_out" = "$output" ]
    [ "$h_err" = "$stderr" ]
  done
  [[ $h_err == "ERROR: cannot read $BATS_TEST_TMPDIR/none.json"* ]]
  run -0 via helper "$argo" approve
  assert_output 'Design approved (3 components); design_build comes next'
  # cli fails: the person reviews; retry hands it to execution again
  wait_state '.action_needed == "review_merge"' 60
  run -0 via helper "$argo" retry cli
  assert_output 'Retrying 1 builder(s): cli; execution comes next'
  grep -q "Retrying builders: cli" .argo-project/logs/workflow.log
  run ! grep -q 'dist/compat/argo.js' "$CALLS"
}
