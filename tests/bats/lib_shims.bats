#!/usr/bin/env bats
# The sourceable libraries (lib/*.sh) through their shims: the original functions,
# outputs and exit codes, in this shell and in bash -c children, through the shim
# helper and through the one-shot path.

setup() {
  load helpers
  new_project
  source "$ROOT/lib/state_file.sh"
  source "$ROOT/lib/logging_enhanced.sh"
}

teardown() {
  XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run stop_shim_helper   # a helper a test started for itself
}

teardown_file() {
  load helpers
  stop_shim_helper
}

@test "sourcing prints nothing, returns 0 under set -e, defines and exports the functions" {
  run bash -c "set -e; cd /; source '$ROOT/lib/state_file.sh'; source '$ROOT/lib/logging_enhanced.sh'; source '$ROOT/lib/config.sh'; source '$ROOT/lib/project_registry.sh'; source '$ROOT/lib/checkpoint.sh'; echo sourced; declare -F | grep -c -E ' -fx (update_state|read_state|write_log|register_project|save_checkpoint)$'"
  assert_success
  assert_output $'sourced\n5'
}

@test "sourcing works from a deleted folder" {
  run bash -c "d=\$(mktemp -d); cd \"\$d\"; rmdir \"\$d\"; source '$ROOT/lib/state_file.sh' 2>/dev/null; cd '$PROJ' && read_state phase"
  assert_success
  assert_output init
}

@test "update_state / read_state: strings, nested keys, quotes, missing keys, errors" {
  update_state design.deep.n 5
  update_state q "He said \"hi\" and 'bye'"
  run read_state design.deep.n;  assert_output 5
  [ "$(state '.design.deep.n | type')" = string ]
  run read_state q;              assert_output "He said \"hi\" and 'bye'"
  run read_state nothing.here;   assert_success; assert_output ""
  run read_state 'phase | length'; assert_output 4
  run update_state;              assert_failure; assert_output "ERROR: key required"
  STATE_FILE=missing.json
  run read_state phase;          assert_failure; assert_output "ERROR: state file not found: missing.json"
}

@test "update_state with a bracket key updates the array element (D8)" {
  jq '.execution = {"builders": [{"id": "a", "status": "pending"}]}' .argo-project/state.json > t && mv t .argo-project/state.json
  update_state "execution.builders[0].status" running
  run read_state "execution.builders[0].status"
  assert_output running
  run update_state "execution.builders[4].status" x
  assert_failure
  assert_output --partial "ERROR:"
}

@test "read_state prints -n and multi-line values literally (D24)" {
  update_state v -n
  run read_state v; assert_output -- "-n"
  update_state m $'a\nb'
  run read_state m; assert_output $'a\nb'
}

@test "functions work in bash -c children and honour plain shell variables" {
  run bash -c 'update_state child yes && read_state child'
  assert_output yes
  mkdir other && cp .argo-project/state.json other/s.json
  STATE_FILE=other/s.json
  update_state where other
  [ "$(jq -r .where other/s.json)" = other ]
  [ "$(state .where)" = null ]
}

@test "the helper path and the one-shot path answer the same" {
  # A node that counts its starts, and a private helper folder: each one-shot call is
  # one start; calls answered by the helper start nothing.
  local real_node starts=$BATS_TEST_TMPDIR/node_starts port_file helper
  real_node=$(type -P node)
  printf '#!/bin/bash\necho "$*" >> %q\nexec %q "$@"\n' "$starts" "$real_node" > "$BATS_TEST_TMPDIR/node"
  chmod +x "$BATS_TEST_TMPDIR/node"
  export ARGO_NODE=$BATS_TEST_TMPDIR/node XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
  unset -f __argo_call   # so sourcing defines it again, for this node and folder
  source "$ROOT/lib/state_file.sh"
  update_state warm 1    # no helper yet: answered one-shot, starts the helper
  wait_for 20 compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port" >/dev/null
  port_file=$(compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port")
  read -r _ _ helper _ < "$port_file"
  grep -q shim_server "/proc/$helper/cmdline"
  [ "$(grep -c shim_server "$starts")" = 1 ]
  before=$(grep -vc shim_server "$starts")
  for key in phase limits 'limits|keys' nothing; do
    a=$(read_state "$key"; echo "rc=$?")
    b=$(ARGO_SHIM_SERVER=0 read_state "$key"; echo "rc=$?")
    [ "$a" = "$b" ]
  done
  ARGO_SHIM_SERVER=0 update_state spaced "a  b c"
  [ "$(read_state spaced)" = "a  b c" ]
  a=$(update_state 2>&1; echo "rc=$?")
  b=$(ARGO_SHIM_SERVER=0 update_state 2>&1; echo "rc=$?")
  [ "$a" = "$b" ]
  # 6 one-shot calls started node 6 times; the 6 helper calls started none
  [ "$(grep -vc shim_server "$starts")" = $((before + 6)) ]
  kill "$helper"
}

@test "8 concurrent bash writers x 25 update_state calls keep all 200 keys" {
  for w in 1 2 3 4 5 6 7 8; do
    ( for i in $(seq 25); do update_state "w$w.k$i" "v$i" || echo "lost w$w.k$i" >&2; done ) &
  done
  wait
  jq -e . .argo-project/state.json >/dev/null
  run jq '[.w1,.w2,.w3,.w4,.w5,.w6,.w7,.w8 | keys | length] | add' .argo-project/state.json
  assert_output 200
}

@test "with_state_lock serialises 5 concurrent slow increments to exactly 5" {
  update_state counter 0
  local d=$BATS_TEST_TMPDIR/wsl
  mkdir -p "$d/arrived"
  export WSL_DIR=$d
  for w in 1 2 3 4 5; do
    # Arrives, then asks for the lock. Inside: no one else is (a mkdir claim), the state
    # lock is really held (a non-blocking flock(1) on it fails), and it stays until all
    # five have arrived, so all five contend whatever the machine's load.
    touch "$d/arrived/$w"
    with_state_lock bash -c '
mkdir "$WSL_DIR/inside" || echo "overlap" >> "$WSL_DIR/problems"
flock -n "$STATE_LOCK" true && echo "lock not held" >> "$WSL_DIR/problems"
for ((i = 0; i < 600; i++)); do [[ $(ls "$WSL_DIR/arrived" | wc -l) -ge 5 ]] && break; sleep 0.05; done
v=$(read_state counter); sleep 0.1; update_state counter $((v + 1))
echo in >> "$WSL_DIR/entered"
rmdir "$WSL_DIR/inside"' 2>/dev/null &
  done
  wait
  [ ! -e "$d/problems" ] || { cat "$d/problems"; false; }
  [ "$(wc -l < "$d/entered")" -eq 5 ]
  run read_state counter
  assert_output 5
}

@test "with_state_lock runs an exported function that updates state (no deadlock), keeps quoting, returns its status" {
  bump() { update_state bumped "$1"; }
  export -f bump
  run with_state_lock bump yes
  assert_success
  run read_state bumped; assert_output yes
  run with_state_lock printf '%s|' "a  b" c
  assert_output "a  b|c|"
  run with_state_lock 'exit 3'
  assert_failure 3
}

@test "logging: one line per call in the original format" {
  write_log TEST "hello world"
  log_state_transition init design
  log_builder b1 started "first"
  run progress b1 50 "half way"
  assert_output "[b1] 50% - half way"
  run cat .argo-project/logs/workflow.log
  assert_line --index 0 --regexp '^\[[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z\] \[TEST\] hello world$'
  assert_line --index 1 --regexp '\] \[STATE\] Phase transition: init -> design$'
  assert_line --index 2 --regexp '\] \[BUILDER\] \[b1\] started - first$'
  assert_line --index 3 --regexp '\] \[PROGRESS\] \[b1\] 50% - half way$'
  [ "$(wc -l < .argo-project/logs/workflow.log)" -eq 4 ]
  run cat .argo-project/logs/builder-b1.log
  assert_output --regexp '^\[[^]]+\] started - first$'
  run get_timestamp
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$'
}

@test "config: read_config, get_ci_tool order, update_config works (D15)" {
  node -e 'process.stdout.write(JSON.stringify({ci:{tool:"mytool",model:null},git:{auto_commit:false}},null,2))' > .argo-project/config.json
  source "$ROOT/lib/config.sh"
  run read_config ci.tool;            assert_output mytool
  run read_config ci.model fallback;  assert_output fallback
  run read_config git.auto_commit;    assert_output false
  run get_ci_tool;                    assert_output mytool
  CI_COMMAND=/bin/true run get_ci_tool; assert_output /bin/true
  update_config ci.tool other
  run read_config ci.tool;            assert_output other
}

@test "registry: register, list, info, status, find, deregister, errors" {
  source "$ROOT/lib/project_registry.sh"
  export ARGO_PROJECTS_REGISTRY="$PROJ/reg/projects.json"
  id1=$(register_project one /p/one)
  id2=$(register_project one /p/one)
  [[ $id1 =~ ^one-[0-9]+$ ]]
  [ "$id1" != "$id2" ]
  run list_projects
  assert_line --index 0 --regexp "^$id1	one	idle	"
  update_project_status "$id1" active
  run get_project_info "$id1"; assert_output --partial '"status": "active"'
  run find_project_by_path /p/one; assert_output "$id1"
  deregister_project "$id1"
  run deregister_project "$id1"; assert_failure; assert_output "ERROR: Project not found: $id1"
  run register_project "" x;     assert_failure; assert_output "ERROR: project name required"
  echo '{broken' > "$ARGO_PROJECTS_REGISTRY"
  run register_project two /p/two; assert_failure
  [ "$(cat "$ARGO_PROJECTS_REGISTRY")" = '{broken' ]
}

@test "checkpoints: save, list with description, restore newest, delete, cleanup old ones (D19)" {
  source "$ROOT/lib/checkpoint.sh"
  update_state phase design
  save_checkpoint cp1 "before build"
  update_state phase execution
  run list_checkpoints
  assert_output --regexp '^cp1	[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]+Z	before build$'
  # two older saves of the same name (moved back in time by their file names;
  # 999 sorts after the others as text)
  cd .argo-project/checkpoints
  for f in *_cp1.*; do mv "$f" "1000000000_${f#*_}"; done
  cd "$PROJ"
  update_state phase earlier
  save_checkpoint cp1 "earlier save"
  cd .argo-project/checkpoints
  for f in *_cp1.*; do [[ $f == 1000000000_* ]] || mv "$f" "999_${f#*_}"; done
  cd "$PROJ"
  update_state phase newest
  save_checkpoint cp1 "newest one"
  update_state phase changed
  run list_checkpoints
  [ "${#lines[@]}" = 3 ]
  restore_checkpoint cp1
  run read_state phase; assert_output newest
  delete_checkpoint cp1
  restore_checkpoint cp1
  run read_state phase; assert_output design
  grep -q 'Restored: cp1' .argo-project/logs/workflow.log
  save_checkpoint old "old one"
  touch -d '40 days ago' .argo-project/checkpoints/*_old.json
  run cleanup_old_checkpoints 30; assert_output 1
  run list_checkpoints; refute_output --partial old
  delete_checkpoint cp1
  delete_checkpoint cp1   # the two remaining copies, newest first
  run restore_checkpoint cp1; assert_failure; assert_output "ERROR: Checkpoint not found: cp1"
}
