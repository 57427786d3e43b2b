#!/usr/bin/env bats
# The state lock (core/lock.ts) on both back-ends: crash-safe, shared with util-linux
# flock(1) users of state.lock, and re-entrant across PID namespaces.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  new_project
  source "$ROOT/lib/state_file.sh"
  LOCK="$PROJ/.argo-project/state.lock"
}

teardown() {
  [[ -n ${HOLDER:-} ]] && kill -KILL "$HOLDER" 2>/dev/null || true
  return 0
}

teardown_file() {
  load helpers
  stop_shim_helper
}

# Waits (deadline) until FILE has a line; prints it.
wait_line() {
  local file=$1 i
  for i in $(seq 200); do
    [[ -s $file ]] && { head -n1 "$file"; return 0; }
    sleep 0.05
  done
  echo "no line in $file" >&2
  return 1
}

# A node process holding the lock through core/lock.ts with back-end $1; sets HOLDER, TOKEN.
start_holder() {
  ARGO_LOCK_BACKEND=$1 node --input-type=module -e "
    const { acquireLock, lockBackend } = await import('$ROOT/dist/core/lock.js');
    const held = await acquireLock(process.argv[1], { token: true });
    process.stdout.write(lockBackend() + ' ' + held.token + '\n');
    setInterval(() => {}, 1e6);" "$LOCK" > "$BATS_TEST_TMPDIR/holder.$1.out" &
  HOLDER=$!
  local line
  line=$(wait_line "$BATS_TEST_TMPDIR/holder.$1.out")
  BACKEND=${line%% *}
  TOKEN=${line#* }
}

# The back-ends this node can use: flock(1) always, the addon where it has a binary.
native_lock() { ARGO_LOCK_BACKEND=native node --input-type=module -e "await import('$ROOT/dist/core/lock.js').then((l) => l.lockBackend())"; }
backends() {
  native_lock >/dev/null 2>&1 && echo native
  echo flock
}
# Called after a test's flock(1) part: without the addon the test is reported skipped
# (it tested one back-end of two); under CI=true it fails.
require_native_lock() {
  native_lock >/dev/null 2>&1 && return 0
  require_tool "native lock addon" "npm install the optional dependency fs-ext-extra-prebuilt (it needs a binary for Node $(node -p 'process.version + ", " + process.platform + "-" + process.arch'))" false
}

held_by_token() {
  ARGO_STATE_LOCK_HELD=$1 node --input-type=module -e "
    const { heldByAncestor } = await import('$ROOT/dist/core/lock.js');
    console.log(heldByAncestor(process.argv[1], process.env));" "$LOCK"
}

@test "both back-ends: a holder blocks flock(1); SIGKILL frees the lock at once and voids its token" {
  for backend in $(backends); do
    start_holder "$backend"
    [ "$BACKEND" = "$([ $backend = native ] && echo native || echo 'flock(1)')" ]
    run -1 flock -n "$LOCK" true
    run held_by_token "$TOKEN";  assert_output true
    kill -KILL "$HOLDER"; wait "$HOLDER" || true; HOLDER=
    run timeout 2 flock -x "$LOCK" true
    assert_success
    run held_by_token "$TOKEN";  assert_output false
    [ -z "$(ls "$PROJ/.argo-project" | grep -E '^state\.lock\.[0-9a-f]{32}\.lock$')" ]  # the stale record was swept
  done
  require_native_lock
}

@test "update_state waits for a util-linux flock(1) holder of state.lock (helper and one-shot)" {
  update_state warm 1
  for server in 1 0; do
    run flock -x "$LOCK" bash -c "
      ARGO_SHIM_SERVER=$server timeout 2 bash -c 'source \"$ROOT/lib/state_file.sh\"; update_state held$server yes'
      echo rc=\$? value=\$(jq -r .held$server '$PROJ/.argo-project/state.json')"
    assert_output "rc=124 value=null"   # blocked for the whole hold, wrote nothing
  done
  ARGO_SHIM_SERVER=0 update_state after yes
  [ "$(state .after)" = yes ]
}

@test "flock(1) waits for with_state_lock; the command's update_state re-enters without deadlock" {
  for backend in $(backends); do
    export ARGO_LOCK_BACKEND=$backend
    local in="$BATS_TEST_TMPDIR/in.$backend" go="$BATS_TEST_TMPDIR/go.$backend"
    mkfifo "$go"   # the command holds the lock until we write to it
    with_state_lock "echo in > '$in'; ARGO_SHIM_SERVER=0 update_state inner.$backend yes; cat '$go'" \
      < /dev/null > "$BATS_TEST_TMPDIR/wsl.out" 2>&1 &
    local pid=$!
    wait_line "$in"
    run -1 flock -n "$LOCK" true                 # an old script's flock must wait now
    echo done > "$go"
    wait "$pid"
    [ "$(state .inner.$backend)" = yes ]
    run timeout 2 flock -x "$LOCK" true; assert_success
  done
  require_native_lock
}

@test "with_state_lock inside a PID namespace re-enters through the helper running outside" {
  require_tool "private PID namespace" "unshare --pid --fork --mount-proc (util-linux) as root" unshare --pid --fork --mount-proc true
  update_state warm 1                       # starts the helper outside the namespace
  local port_file i
  for i in $(seq 200); do
    port_file=$(ls "$XDG_RUNTIME_DIR"/argo-*/*.port 2>/dev/null | head -n1)
    [[ -s $port_file ]] && break
    sleep 0.05
  done
  [ -s "$port_file" ]
  # The holder inside gets a pid that names no process outside (a pid-based token
  # would then look dead to the helper, which would wait for the lock for ever).
  local max free=
  max=$(cat /proc/sys/kernel/pid_max)
  for ((i = max - 1; i > max - 2000; i--)); do kill -0 "$i" 2>/dev/null || { free=$i; break; }; done
  [ -n "$free" ]
  run timeout 30 unshare --pid --fork --mount-proc bash -c "
    cd '$PROJ' && source '$ROOT/lib/state_file.sh'
    echo $((free - 1)) > /proc/sys/kernel/ns_last_pid
    with_state_lock bash -c 'update_state ns.inside yes && read_state ns.inside'"
  assert_success
  assert_output yes
  [ -s "$port_file" ]              # the helper is still the one that answered
}
