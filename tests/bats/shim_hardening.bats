#!/usr/bin/env bats
# The shell-interop layer, hardened (issue 8): the helper is never a job of the
# caller, answers as jq does, survives set -e + config.sh, slow filters and a busy
# lock, non-ASCII install paths, squatters, floods and kill -9. Every test gets its
# own runtime folder, so it only ever meets (and stops) helpers it started itself.
bats_require_minimum_version 1.5.0

setup() {
  load helpers
  export XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/run"
  RUNDIR="$XDG_RUNTIME_DIR/argo-$UID"
  new_project
  source "$ROOT/lib/state_file.sh"   # after XDG_RUNTIME_DIR: the folder is fixed at source time
  SHARED=()
  LISTENERS=()
}

teardown() {
  local d pid
  for pid in "${LISTENERS[@]}"; do kill "$pid" 2>/dev/null; done
  stop_helpers_in "$RUNDIR"
  for d in "${SHARED[@]}"; do
    stop_helpers_in "$d/argo-$UID"
    rm -rf "$d"
  done
  return 0
}

# "pid start" of the process that wrote a port file, if it is that process still.
live_helper_of() {
  local port token pid start stat
  [[ -f $1 ]] && read -r port token pid start _ < "$1" || return 1
  { IFS= read -r stat < "/proc/$pid/stat"; } 2>/dev/null || return 1
  IFS=' ' read -r -a stat <<< "${stat##*) }"
  [[ ${stat[19]} == "$start" && ${stat[0]} != Z ]] && echo "$pid"
}

stop_helpers_in() {
  local f pid
  for f in "$1"/*.port; do
    pid=$(live_helper_of "$f") && kill "$pid" || true
  done
  return 0
}

# Waits (deadline 10 s) for a live helper in folder $1 (other than pid $2); prints its pid.
wait_helper() {
  local f pid i
  for ((i = 0; i < 200; i++)); do
    for f in "$1"/*.port; do
      pid=$(live_helper_of "$f") && [[ $pid != "${2:-}" ]] && { echo "$pid"; return 0; }
    done
    sleep 0.05
  done
  echo "no helper came up in $1" >&2
  return 1
}

port_of() { local f; for f in "$1"/*.port; do read -r f _ < "$f"; echo "$f"; return; done; }

# A folder anyone may create entries in, as /tmp (sticky, 1777).
shared_dir() {
  local d
  d=$(mktemp -d /tmp/argo-shim-test.XXXXXX)
  chmod 1777 "$d"
  SHARED+=("$d")
  echo "$d"
}

# bash without the functions this test shell exported (it sources the libraries itself).
clean_bash() { env -i PATH="$PATH" HOME="$HOME" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" ${ARGO_NODE:+ARGO_NODE="$ARGO_NODE"} ${LC_ALL:+LC_ALL="$LC_ALL"} bash "$@"; }

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

# nobody listens on 127.0.0.1:PORT (0: any) and appends whatever it receives to LOG;
# prints the port. The pid goes into LISTENERS.
nobody_listener() {
  local port=$1 log=$2 out=$3
  # setpriv itself in the background (not the as_nobody function, which would fork a
  # subshell whose pid teardown would kill instead of the listener); fd 3 closed so a
  # listener can never hold bats' output open.
  setpriv --reuid=65534 --regid=65534 --clear-groups node -e '
    const [port, log, out] = process.argv.slice(1);
    const fs = require("fs");
    require("net").createServer((s) => s.on("data", (d) => fs.appendFileSync(log, d)).on("error", () => {}))
      .listen(Number(port), "127.0.0.1", function () { fs.writeFileSync(out, String(this.address().port)); });
  ' "$port" "$log" "$out" 3>&- &
  LISTENERS+=($!)
  local i
  for ((i = 0; i < 200; i++)); do [[ -s $out ]] && return 0; sleep 0.05; done
  return 1
}

# ---------------------------------------------------------------- 1. wait

@test "1: a script calling update_state directly has no job, keeps \$!, and its wait returns at once" {
  cat > script.sh <<EOF
source '$ROOT/lib/state_file.sh'
before=\${!-none}                 # no background job yet
update_state direct 1            # no helper yet: answered one-shot, starts one
update_state direct 2
jobs -l > jobs.txt
echo "\$before \${!-none}" > bang.txt
wait
echo waited
EOF
  run -0 timeout 20 bash script.sh
  assert_output waited
  refute_output --partial Killed
  [ ! -s jobs.txt ] || { echo "jobs: $(cat jobs.txt)"; false; }
  read -r before after < bang.txt
  [ "$before $after" = "none none" ]
  wait_helper "$RUNDIR" >/dev/null   # the helper did start: the test is not vacuous
  [ "$(state .direct)" = 2 ]
}

@test "1: 8 background writers x 25 update_state and wait finish (all 200 keys)" {
  cat > script.sh <<EOF
source '$ROOT/lib/state_file.sh'
update_state start 1
for w in 1 2 3 4 5 6 7 8; do
  ( for i in \$(seq 25); do update_state "w\$w.k\$i" "v\$i" || echo "lost w\$w.k\$i" >&2; done ) &
done
wait
echo waited
EOF
  run -0 timeout 60 bash script.sh
  assert_output waited
  run jq '[.w1,.w2,.w3,.w4,.w5,.w6,.w7,.w8 | keys | length] | add' .argo-project/state.json
  assert_output 200
}

# ---------------------------------------------------------------- 2. jq-exact

@test "2: read_state through the helper prints what jq 1.6 prints; a NUL never reaches stderr" {
  require_tool "jq on PATH" "apt-get install -y jq" command -v jq
  jq '. + {lead: "   x", trail: "y   ", nl: "a\nb\n\n", nul: "a\u0000b", items: [{id: 1}, {id: 2}], e: ""}' \
    .argo-project/state.json > t && mv t .argo-project/state.json
  update_state warm 1
  wait_helper "$RUNDIR" >/dev/null
  local key want got
  for key in lead trail nl nul 'items[] | "   \(.id)"' 'lead, trail' e 'items | map(.id)' 'nothing' 'lead | error' 'x |||'; do
    want=$(value=$(jq -r ".$key" .argo-project/state.json 2>/dev/null); [[ $value == null ]] && value=; echo "$value"; echo .)
    got=$(read_state "$key" 2>err.txt; echo .)
    [ "$got" = "$want" ] || { echo "key '$key': want '$want' got '$got'"; false; }
    [ ! -s err.txt ] || { echo "key '$key' wrote to stderr: $(cat err.txt)"; false; }
  done
}

# ---------------------------------------------------------------- 3. set -e + config.sh

@test "3: set -e + lib/config.sh: one-shot calls and with_state_lock work (no readonly error)" {
  echo '{"ci": {"tool": "custom-ci"}}' > my_config.json
  run -0 bash -c "set -e
    CONFIG_FILE=my_config.json
    source '$ROOT/lib/state_file.sh'; source '$ROOT/lib/config.sh'
    ARGO_SHIM_SERVER=0 update_state a 1
    ARGO_SHIM_SERVER=0 read_config ci.tool
    ARGO_SHIM_SERVER=0 get_ci_tool
    with_state_lock bash -c 'update_state b 2; read_state b'
    echo done"
  assert_output $'custom-ci\ncustom-ci\n2\ndone'
  [ "$(state .a)" = 1 ]
  [ "$(state .b)" = 2 ]
}

# ---------------------------------------------------------------- 4. slow filters, busy lock

@test "4: a slow jq filter does not stall other callers; it stops at its time limit with an ERROR" {
  ARGO_SHIM_JQ_SECONDS=6 update_state warm 1    # the helper starts with this environment
  pid=$(wait_helper "$RUNDIR")
  cpu() { local f; read -r f < "/proc/$pid/stat"; f=(${f##*) }); echo $((f[11] + f[12])); }   # utime + stime, ticks
  busy=$(( $(cpu) + 50 ))
  ( rc=0; read_state 'warm | last(range(1e12))' > slow.out 2> slow.err || rc=$?; echo "$rc" > slow.rc ) &
  slow=$!
  # The filter is running in the helper once the helper has burnt half a second of CPU.
  for ((i = 0; i < 200; i++)); do (( $(cpu) >= busy )) && break; sleep 0.05; done
  (( $(cpu) >= busy ))
  run -0 timeout 5 bash -c 'for i in 1 2 3 4 5; do update_state "during.k$i" "v$i" || exit 1; done; read_state during.k5'
  assert_output v5
  kill -0 "$slow"        # the updates were answered while the filter still ran
  wait "$slow"
  [ "$(cat slow.rc)" = 1 ]
  run cat slow.err
  assert_output "ERROR: jq filter '.warm | last(range(1e12))' stopped after 6 s (time limit)"
  [ "$(live_helper_of "$RUNDIR"/*.port)" = "$pid" ]   # the same helper, not killed by its watchdog
}

@test "4: with the state lock held past ARGO_SHIM_TIMEOUT, update_state fails and never writes later" {
  update_state warm 1
  wait_helper "$RUNDIR" >/dev/null
  bash -c 'exec 9>>.argo-project/state.lock; flock 9; exec sleep 60' &
  holder=$!
  for ((i = 0; i < 200; i++)); do flock -n .argo-project/state.lock true || break; sleep 0.05; done
  run ! flock -n .argo-project/state.lock true
  ARGO_SHIM_TIMEOUT=3 run update_state late yes
  assert_failure 1
  assert_output --partial "ERROR: update_state: no result within"
  assert_output --partial "nothing was written"
  refute_output --partial "effect unknown"
  kill "$holder"
  update_state after 1        # queued behind the abandoned call in the helper
  [ "$(state .after)" = 1 ]
  [ "$(state .late)" = null ]
}

@test "4: with the registry lock held past ARGO_SHIM_TIMEOUT, register_project fails and never registers later" {
  source "$ROOT/lib/project_registry.sh"
  export ARGO_PROJECTS_REGISTRY="$BATS_TEST_TMPDIR/projects.json"
  register_project first "$PROJ" >/dev/null
  wait_helper "$RUNDIR" >/dev/null
  bash -c 'exec 9>>"$1.lock"; flock 9; exec sleep 60' _ "$ARGO_PROJECTS_REGISTRY" &
  holder=$!
  for ((i = 0; i < 200; i++)); do flock -n "$ARGO_PROJECTS_REGISTRY.lock" true || break; sleep 0.05; done
  run ! flock -n "$ARGO_PROJECTS_REGISTRY.lock" true
  ARGO_SHIM_TIMEOUT=3 run register_project late "$PROJ"
  assert_failure 1
  assert_output --partial "ERROR: register_project: no result within"
  assert_output --partial "nothing was written"
  kill "$holder"
  register_project after "$PROJ" >/dev/null   # queued behind the abandoned call in the helper
  [ "$(jq -r '[.projects[].name] | join(",")' "$ARGO_PROJECTS_REGISTRY")" = "first,after" ]
}

# ---------------------------------------------------------------- 5. non-ASCII install

@test "5: an install under é/日本/🎉 finds its helper from C and UTF-8 locales" {
  inst="$BATS_TEST_TMPDIR/é 日本 🎉/argo"
  mkdir -p "$inst"
  cp -r "$ROOT/dist" "$ROOT/lib" "$ROOT/compat" "$ROOT/package.json" "$inst/"
  ln -s "$ROOT/node_modules" "$inst/node_modules"
  printf '#!/bin/bash\necho "$*" >> %q\nexec %q "$@"\n' "$BATS_TEST_TMPDIR/node.log" "$(type -P node)" > node-wrapper
  chmod +x node-wrapper
  export ARGO_NODE=$PWD/node-wrapper
  LC_ALL=C clean_bash -c "source '$inst/lib/state_file.sh'; update_state first 1"
  wait_helper "$RUNDIR" >/dev/null
  starts=$(wc -l < "$BATS_TEST_TMPDIR/node.log")
  for loc in C C.UTF-8; do
    LC_ALL=$loc clean_bash -c "source '$inst/lib/state_file.sh'; update_state 'second.${loc//./_}' 1; update_state 'third.${loc//./_}' 1"
  done
  [ "$(wc -l < "$BATS_TEST_TMPDIR/node.log")" = "$starts" ]   # no node started for these calls
  [ "$(state '[.second["C"], .second["C_UTF-8"], .third["C"], .third["C_UTF-8"]] | join("")')" = 1111 ]
  [ "$(ls "$RUNDIR"/*.port | wc -l)" = 1 ]
}

# ---------------------------------------------------------------- 7. squatters

@test "7: a runtime folder another user made first is never used; one warning; calls still work" {
  shared=$(shared_dir)
  as_nobody mkdir -m 777 "$shared/argo-$UID"
  nobody_listener 0 "$shared/argo-$UID/received" "$shared/argo-$UID/port"
  port=$(cat "$shared/argo-$UID/port")
  key=$(LC_ALL=C; k=${ROOT//[^A-Za-z0-9]/_}; echo "${k: -200}")
  # the squatter's port file names its listener and a live pid (its own)
  as_nobody bash -c "echo '$port forged ${LISTENERS[0]} 0' > '$shared/argo-$UID/$key.port'"
  XDG_RUNTIME_DIR="$shared" run -0 clean_bash -c "source '$ROOT/lib/state_file.sh'; update_state a 1; update_state b 2; read_state a; bash -c 'read_state b'"
  assert_output --partial $'1\n2'
  [ "$(grep -c WARNING <<< "$output")" = 1 ]
  assert_line --index 0 --partial "WARNING: argo: $shared/argo-$UID is not a private folder"
  [ ! -e "$shared/argo-$UID/received" ]      # nothing was sent to the squatter
  [ "$(state .a)$(state .b)" = 12 ]
  run ! compgen -G "$shared/argo-$UID/*.lock"   # no helper of ours ever used the folder
}

@test "7: a runtime folder of ours that group or others may write to is never used: one warning, no helper started, calls still work" {
  local starts=$BATS_TEST_TMPDIR/node_starts rt mode
  printf '#!/bin/bash\necho "$*" >> %q\nexec %q "$@"\n' "$starts" "$(type -P node)" > "$BATS_TEST_TMPDIR/node"
  chmod +x "$BATS_TEST_TMPDIR/node"
  export ARGO_NODE=$BATS_TEST_TMPDIR/node
  for mode in 770 707; do
    rt=$BATS_TEST_TMPDIR/rt-$mode
    mkdir -p "$rt/argo-$UID"
    chmod "$mode" "$rt/argo-$UID"
    : > "$starts"
    XDG_RUNTIME_DIR=$rt run -0 clean_bash -c "source '$ROOT/lib/state_file.sh'; update_state m$mode 1; read_state m$mode"
    assert_line --index 0 "WARNING: argo: $rt/argo-$UID is not a private folder of uid $UID (owner or mode); the library functions run without their helper (slower). Remove it, or set XDG_RUNTIME_DIR to a private folder."
    assert_line --index 1 1
    [ "${#lines[@]}" = 2 ]
    [ "$(state ".m$mode")" = 1 ]
    run ! grep -q shim_server "$starts"          # no helper was started for that folder
    [ "$(wc -l < "$starts")" = 2 ]                # each call one one-shot node
    [ -z "$(ls -A "$rt/argo-$UID")" ]             # and nothing was put in it
  done
}

@test "7, 9: after kill -9 of the helper, a listener of another user on its port gets nothing; the stale port file is replaced" {
  update_state warm 1
  old=$(wait_helper "$RUNDIR")
  port=$(port_of "$RUNDIR")
  kill -9 "$old"
  while kill -0 "$old" 2>/dev/null && [[ $(live_helper_of "$RUNDIR"/*.port) ]]; do sleep 0.05; done
  log="$(shared_dir)/received"
  nobody_listener "$port" "$log" "$log.port"
  update_state after_kill 1
  run read_state after_kill
  assert_output 1
  [ ! -e "$log" ]                              # the squatter received no byte
  new=$(wait_helper "$RUNDIR" "$old")          # a new helper replaced the stale port file
  [ "$new" != "$old" ]
  [ "$(ls "$RUNDIR"/*.port | wc -l)" = 1 ]
  read -r _ _ pid _ < "$RUNDIR"/*.port
  [ "$pid" = "$new" ]
}

# ---------------------------------------------------------------- 8. flooding

@test "8: a client streaming without NUL is dropped early; the helper's memory stays bounded; calls still answer" {
  update_state warm 1
  pid=$(wait_helper "$RUNDIR")
  port=$(port_of "$RUNDIR")
  read_state warm >/dev/null
  rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
  before=$(rss)
  run timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups bash -c \
    "exec 3<>/dev/tcp/127.0.0.1/$port; head -c 200000000 /dev/zero | tr '\0' a >&3"
  [ "$status" -ne 124 ]                        # dropped, not still swallowing 200 MB
  [ "$status" -ne 0 ]
  after=$(rss)
  echo "RSS before ${before} kB, after ${after} kB"
  (( after - before < 50000 ))
  update_state still 1
  run read_state still
  assert_output 1
  [ "$(live_helper_of "$RUNDIR"/*.port)" = "$pid" ]
}
