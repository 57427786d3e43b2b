# Shared by the bats suites: paths, a private shim helper per test file, temp projects.
ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
[[ -d $ROOT/node_modules ]] || ROOT=$(cd "$BATS_TEST_DIRNAME/../../.." && pwd)
load "$ROOT/node_modules/bats-support/load"
load "$ROOT/node_modules/bats-assert/load"

# Each test file gets its own helper runtime folder, so it only ever talks to (and
# stops) the helper process it started itself.
export XDG_RUNTIME_DIR="${BATS_FILE_TMPDIR}/run"

# Port file: "port token pid start-time lock-fd"; the pid is signalled only while /proc
# shows the same process (same start time), never a recycled pid.
stop_shim_helper() {
  local port_file _port _token pid start stat
  for port_file in "$XDG_RUNTIME_DIR"/argo-*/*.port; do
    [[ -f $port_file ]] && read -r _port _token pid start _ < "$port_file" && [[ -n $pid ]] || continue
    { IFS= read -r stat < "/proc/$pid/stat"; } 2>/dev/null || continue
    IFS=' ' read -r -a stat <<< "${stat##*) }"
    [[ ${stat[19]} == "$start" ]] && kill "$pid" 2>/dev/null
  done
  return 0
}

# A temp project with a fresh state file; cwd = the project.
new_project() {
  PROJ=$(mktemp -d "$BATS_TEST_TMPDIR/proj.XXXXXX")
  cd "$PROJ" || return 1
  ARGO_SHIM_SERVER=${ARGO_SHIM_SERVER:-1} "$ROOT/compat/argo" state init demo "$PROJ" >/dev/null
}

state() { jq -r "$1" "$PROJ/.argo-project/state.json"; }
