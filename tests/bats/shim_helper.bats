#!/usr/bin/env bats
# The bash libraries' helper process (compat/shim_server.ts): idle exit, exit on
# rebuild, the watchdog, the token check and ARGO_SHIM_TIMEOUT. Each test runs a
# private copy of the install (its own helper, its own dist/ to "rebuild").
bats_require_minimum_version 1.5.0

setup_file() {
  load helpers
  INST=$BATS_FILE_TMPDIR/install
  mkdir -p "$INST"
  cp -r "$ROOT/dist" "$ROOT/compat" "$ROOT/lib" "$ROOT/package.json" "$INST/"
  ln -s "$ROOT/node_modules" "$INST/node_modules"
  export INST
}

setup() {
  load helpers
  export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run
  new_project
  unset -f __argo_call   # define it again for the private install and folder
  source "$INST/lib/state_file.sh"
  HELPER=
}

teardown() {
  [[ -z ${FIFO:-} ]] || { exec {w}<>"$FIFO"; exec {w}>&-; } 2>/dev/null   # unblocks a stuck helper
  if [[ -n $HELPER ]] && kill -CONT "$HELPER" 2>/dev/null; then
    kill -TERM "$HELPER" 2>/dev/null
    wait_gone "$HELPER" 5 || kill -KILL "$HELPER" 2>/dev/null
  fi
  true
}

port_file() { compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port"; }

# start_helper: the first call is answered one-shot and starts the helper; sets HELPER
start_helper() {
  update_state warm 1
  wait_for 20 port_file >/dev/null
  read -r PORT TOKEN HELPER _ < "$(port_file)"
  grep -q shim_server "/proc/$HELPER/cmdline"
}

@test "the helper exits by itself after ARGO_SHIM_IDLE_SECONDS without calls, and removes its port file" {
  export ARGO_SHIM_IDLE_SECONDS=1
  start_helper
  run -0 read_state warm      # answered by the helper
  assert_output 1
  wait_gone "$HELPER" 15
  run ! port_file
}

@test "the helper exits after a call once dist/ has been rebuilt" {
  start_helper
  run -0 read_state warm
  alive "$HELPER"
  touch -d '+2 seconds' "$INST/dist/compat/shim_server.js"   # a new build
  run -0 read_state warm      # still answered, then it goes
  assert_output 1
  wait_gone "$HELPER" 10
}

@test "a helper whose event loop is stuck is ended by its watchdog; the caller gets an ERROR, the next call works" {
  start_helper
  FIFO=$BATS_TEST_TMPDIR/fifo
  mkfifo "$FIFO"
  # reading a FIFO nobody writes blocks the helper's main thread
  run timeout 60 env STATE_FILE="$FIFO" ARGO_SHIM_TIMEOUT=50 bash -c 'read_state phase'
  assert_failure 1
  assert_output "ERROR: the argo shim helper stopped while answering read_state; its effect is unknown (retry, or set ARGO_SHIM_SERVER=0)"
  run ! alive "$HELPER"
  run -0 read_state warm
  assert_output 1
}

@test "the helper refuses a request without its token; the token file is private" {
  start_helper
  [ "$(stat -c %a "$(port_file)")" = 600 ]
  [ "$(stat -c %a "$(dirname "$(port_file)")")" = 700 ]
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  printf '%s\0' argo1 not-the-token "$PROJ" 0 update_state 2 phase hacked >&$fd
  IFS= read -r -d '' -u $fd rc
  IFS= read -r -d '' -u $fd out
  IFS= read -r -d '' -u $fd err
  exec {fd}>&-
  [ "$rc" = 1 ]
  [ -z "$out" ]
  [ "$err" = $'ERROR: argo shim server: bad token\n' ]
  [ "$(state .phase)" = init ]
  # the right token is served
  exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"
  printf '%s\0' argo1 "$TOKEN" "$PROJ" 0 read_state 1 phase >&$fd
  IFS= read -r -d '' -u $fd rc
  IFS= read -r -d '' -u $fd out
  exec {fd}>&-
  [ "$rc" = 0 ]
  [ "$out" = $'init\n' ]
}

@test "a caller waits at most ARGO_SHIM_TIMEOUT seconds for a helper that does not answer" {
  start_helper
  kill -STOP "$HELPER"
  start=$SECONDS
  run timeout 30 env ARGO_SHIM_TIMEOUT=1 bash -c 'read_state phase'
  assert_failure 1
  assert_output --partial "ERROR: the argo shim helper stopped while answering read_state"
  (( SECONDS - start < 25 ))   # far below the default 120 s and the outer timeout
  kill -CONT "$HELPER"
}
