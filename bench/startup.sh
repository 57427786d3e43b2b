#!/usr/bin/env bash
# Start-up cost of our node processes: CPU milliseconds (perf's task-clock) of a bare
# `node -e 0` and of the processes the suite and a workflow start most (the argo CLI and
# its one-shot library calls, status, the import of the biggest handlers). CPU, not wall:
# on the shared machine wall time mostly measures the load.
#
#   bench/startup.sh [OTHER_ROOT]    N runs each (default 21), median and quartiles
#
# With OTHER_ROOT (another checkout, built: e.g. a tsc-only build of the same commit) every
# run alternates between the two installs, so both see the same load: compare those
# columns, not figures from different moments. Needs perf (linux-perf); builds nothing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
other=${1:+$(cd "$1" && pwd)}
N=${N:-21}
command -v perf >/dev/null || { echo "ERROR: perf is not installed (apt-get install linux-perf)" >&2; exit 1; }
for r in "$root" ${other:+"$other"}; do
  [[ -f $r/dist/compat/argo.js ]] || { echo "ERROR: $r/dist is missing: run npm run build there" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Nothing lands in the real home or registry; no helper process is started.
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" ARGO_PROJECTS_REGISTRY="$work/projects.json" ARGO_SHIM_SERVER=0
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$work/proj"
proj="$work/proj"
"$root/templates/project_setup.sh" bench "$proj" >/dev/null

# One run's task-clock in ms; ROOT in the command stands for the install measured.
one() {
  local r=$1
  shift
  (cd "$proj" && perf stat -e task-clock -x, "${@//ROOT/$r}" 2>&1 >/dev/null) | awk -F, '$3 == "task-clock" { print $1 }'
}
# "median (q1–q3)" of the numbers on stdin.
summary() { sort -n | awk '{ v[NR] = $1 } END { printf "%6.1f (%5.1f–%5.1f)", v[int((NR + 1) / 2)], v[int((NR + 3) / 4)], v[int((3 * NR + 3) / 4)] }'; }

case_() {
  local label=$1 i
  shift
  : >"$work/a"
  : >"$work/b"
  for ((i = 0; i < N; i++)); do
    one "$root" "$@" >>"$work/a"
    [[ -z $other ]] || one "$other" "$@" >>"$work/b"
  done
  printf '%-40s %s' "$label" "$(summary <"$work/a")"
  [[ -z $other ]] || printf '   %s' "$(summary <"$work/b")"
  printf '\n'
}

imp() { echo "import('ROOT/dist/$1').then(() => 0)"; }
echo "CPU ms per start, median (quartiles) of $N (perf stat -e task-clock), node $(node --version), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %-22s%s\n' '' "$root" "${other:+   $other}"
case_ 'node -e 0' node -e 0
case_ 'argo.js --help' node ROOT/dist/compat/argo.js --help
case_ 'argo.js call update_state phase design' node ROOT/dist/compat/argo.js call update_state phase design
case_ 'argo.js call read_state phase' node ROOT/dist/compat/argo.js call read_state phase
case_ 'status.js PROJECT' node ROOT/dist/status.js "$proj"
case_ 'argo.js status PROJECT' node ROOT/dist/compat/argo.js status "$proj"
case_ 'import phases/execution.js' node -e "$(imp phases/execution.js)"
case_ 'import orchestrator.js' node -e "$(imp orchestrator.js)"
case_ 'import phases/design_program.js' node -e "$(imp phases/design_program.js)"
case_ 'import phases/merge_build.js' node -e "$(imp phases/merge_build.js)"
case_ 'import start_workflow.js' node -e "$(imp start_workflow.js)"
case_ 'import templates/project_setup.js' node -e "$(imp templates/project_setup.js)"
# execa, loaded by a handler on its first child (agents/run/runner.ts): from node_modules
# (≈ 60 modules) against the one file the build vendors (scripts/bundle.mjs, #execa)
case_ 'import execa from node_modules' node -e "import('ROOT/node_modules/execa/index.js').then(() => 0)"
case_ 'import dist/vendor/execa.js' node -e "$(imp vendor/execa.js)"
