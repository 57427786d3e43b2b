#!/bin/bash
# bench/start_latency.sh [--stub-orchestrator] [RUNS]: wall time of start_workflow.sh,
# answered by the install's shim helper and one-shot (ARGO_SHIM_SERVER=0, node started for
# it), RUNS each (default 20). Prints the median and the p90 of each, in ms.
#
# A start waits until the orchestrator it launched claimed the project (steer/launch.ts).
# --stub-orchestrator runs the starts in a copy of the install (symlinks) whose
# orchestrator.sh claims at once and idles: what a start costs apart from the orchestrator's
# own start-up (a cold node today).
#
# Each start runs on a fresh copy of one project, so no start includes stopping an earlier
# orchestrator; the orchestrator it started is stopped (by its PID, proven to be that
# project's orchestrator) after the clock stopped. Everything runs in a temp folder with its
# own runtime folder (its own helper, stopped at the end by PID) and projects registry.
# Run it on an idle machine: a loaded one (a test suite, a build) shows in the numbers.
set -u
stub=
[[ ${1-} == --stub-orchestrator ]] && { stub=1; shift; }
runs=${1:-20}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "ERROR: RUNS must be a positive whole number, not '$runs'" >&2; exit 2; }
root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
[[ -x $root/start_workflow.sh && -f $root/dist/start_workflow.js ]] || { echo "ERROR: no built install at $root (npm run build)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/argo-bench.XXXXXX")
export XDG_RUNTIME_DIR=$work/run ARGO_PROJECTS_REGISTRY=$work/projects.json
mkdir -p -m 700 "$XDG_RUNTIME_DIR"

# stop_orchestrator PROJECT: its pid file's process, when /proc shows it runs for PROJECT.
stop_orchestrator() {
  local pid cmd n
  pid=$(cat "$1/.argo-project/orchestrator.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 0
  cmd=$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null) || return 0
  [[ $cmd == *orchestrator* && $cmd == *" $1"* ]] || return 0
  kill "$pid" 2>/dev/null
  for ((n = 0; n < 100; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done   # gone, or 5 s
}

# The helper of this run (port file: port token pid start-time lock-fd), by PID and start time.
stop_helper() {
  local f _p _t pid start stat
  for f in "$XDG_RUNTIME_DIR"/argo-*/*.port; do
    [[ -f $f ]] && read -r _p _t pid start _ < "$f" || continue
    { IFS= read -r stat < "/proc/$pid/stat"; } 2>/dev/null || continue
    stat=${stat##*) }
    read -r -a stat <<< "$stat"
    [[ ${stat[19]} == "$start" ]] && kill "$pid" 2>/dev/null
  done
}

cleanup() {
  local p
  for p in "$work"/p*; do [[ -d $p ]] && stop_orchestrator "$p"; done
  stop_helper
  rm -rf "$work"
}
trap cleanup EXIT

if [[ -n $stub ]]; then
  mkdir -p "$work/install"
  for f in dist lib compat node_modules package.json templates phases start_workflow.sh; do ln -s "$root/$f" "$work/install/$f"; done
  # Claims the project (its pid file) and idles until stopped; /proc shows `bash …/orchestrator.sh P`.
  cat > "$work/install/orchestrator.sh" <<'EOF'
#!/bin/bash
printf '%s\n' "$$" > "$1/.argo-project/orchestrator.pid"
trap 'kill "$!" 2>/dev/null; exit 0' TERM INT
while :; do sleep 60 & wait "$!"; done
EOF
  chmod +x "$work/install/orchestrator.sh"
  root=$work/install
fi

# The template project: a git repository with a commit on main, as a workflow needs.
mkdir -p "$work/template"
git -C "$work/template" init -q -b main && git -C "$work/template" -c user.name=bench -c user.email=bench@localhost commit -q --allow-empty -m init ||
  { echo "ERROR: git init failed in $work/template" >&2; exit 1; }
"$root/templates/project_setup.sh" bench "$work/template" >/dev/null 2>&1 || { echo "ERROR: project_setup.sh failed in $work/template" >&2; exit 1; }

# one_start MODE N: ms of one start_workflow.sh on a fresh copy; its orchestrator stopped after.
one_start() {
  local p=$work/p$1$2 t0 t1 rc
  cp -r "$work/template" "$p"
  t0=$EPOCHREALTIME
  if [[ $1 == helper ]]; then
    (cd "$p" && "$root/start_workflow.sh" "bench $2" >/dev/null 2>&1)
  else
    (cd "$p" && ARGO_SHIM_SERVER=0 "$root/start_workflow.sh" "bench $2" >/dev/null 2>&1)
  fi
  rc=$?
  t1=$EPOCHREALTIME
  stop_orchestrator "$p"
  rm -rf "$p"
  ((rc == 0)) || { echo "ERROR: start_workflow.sh ($1, run $2) exited with $rc" >&2; return 1; }
  echo $(( (${t1/./} - ${t0/./}) / 1000 ))
}

# summary LABEL MS...: median and p90 (nearest rank).
summary() {
  local label=$1
  shift
  local -a s
  mapfile -t s < <(printf '%s\n' "$@" | sort -n)
  local n=${#s[@]}
  printf '%-28s median %4d ms   p90 %4d ms   (n=%d, min %d, max %d)\n' "$label" "${s[$(((n + 1) / 2 - 1))]}" "${s[$(((9 * n + 9) / 10 - 1))]}" "$n" "${s[0]}" "${s[n - 1]}"
}

# The helper up and warm: the first start (one-shot) starts it; one more loads the program into it.
one_start helper warm0 >/dev/null || exit 1
for ((i = 0; i < 200; i++)); do compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port" >/dev/null && break; sleep 0.05; done
compgen -G "$XDG_RUNTIME_DIR/argo-*/*.port" >/dev/null || { echo "ERROR: the shim helper did not start" >&2; exit 1; }
one_start helper warm1 >/dev/null || exit 1

declare -a helper=() oneshot=()
for ((i = 1; i <= runs; i++)); do
  helper+=("$(one_start helper "$i")") || exit 1
  oneshot+=("$(one_start oneshot "$i")") || exit 1
done
echo "start_workflow.sh${stub:+ (orchestrator.sh: a stub that claims at once)}, $runs runs each ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)):"
summary "with the shim helper" "${helper[@]}"
summary "one-shot (ARGO_SHIM_SERVER=0)" "${oneshot[@]}"
