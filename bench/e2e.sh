#!/usr/bin/env bash
# A whole workflow with the instant stand-in CI: start_workflow -> design -> approve
# (argo approve, as soon as the design is there) -> builders -> merge -> storage.
# For 3 and for 50 builders (limits.max_parallel_builders stays at its default, 10).
# Prints wall time and the orchestrator's peak resident memory (VmHWM).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CI_COMMAND="$root/compat/standin_ci"

run_one() { # builders
  local n=$1 work proj orch t0 t1= peak=0 hwm
  work=$(mktemp -d)
  export XDG_RUNTIME_DIR="$work/run" ARGO_PROJECTS_REGISTRY="$work/projects.json"
  proj="$work/repo"
  mkdir -p "$proj" && cd "$proj"
  git init -q && git -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
  "$root/templates/project_setup.sh" bench "$proj" >/dev/null
  source "$root/lib/state_file.sh"
  read_state phase >/dev/null   # the shim helper is up before timing starts
  [[ $n -ne 3 ]] && export STANDIN_CI_COMPONENTS=$n || unset STANDIN_CI_COMPONENTS
  t0=$(date +%s%N)
  "$root/start_workflow.sh" "Build it" "$proj" >/dev/null
  orch=$(cat .argo-project/orchestrator.pid)
  local approved=false phase i=0 line now
  # Until the orchestrator has ended (a zombie that init has not reaped yet has ended too).
  while kill -0 "$orch" 2>/dev/null && [[ $(ps -o stat= -p "$orch" 2>/dev/null) != Z* ]]; do
    # VmHWM is the process's high-water mark: sampling it now and then is enough.
    if ((i++ % 10 == 0)) && [[ -r /proc/$orch/status ]]; then
      while read -r line; do [[ $line == VmHWM:* ]] && hwm=${line//[!0-9]/}; done < "/proc/$orch/status"
      [[ -n ${hwm:-} && $hwm -gt $peak ]] && peak=$hwm
    fi
    now=$(read_state 'phase + "/" + .action_needed')
    if ! $approved && [[ $now == */approve_design ]]; then
      "$root/compat/argo" approve "$proj" >/dev/null
      approved=true
    fi
    [[ -z ${t1:-} && $now == storage/* ]] && t1=$(date +%s%N)
    sleep 0.01
  done
  [[ -n ${t1:-} ]] || t1=$(date +%s%N)
  phase=$(read_state phase)
  [[ $phase == storage ]] || { echo "ERROR: $n builders: workflow ended at '$phase'" >&2; exit 1; }
  local merged
  merged=$(git log --merges --oneline | wc -l)
  printf '%3d builders: %6.2f s to storage, %3d merges, orchestrator peak RSS %5.1f MB\n' \
    "$n" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')" "$merged" "$(awk -v k="$peak" 'BEGIN { print k / 1024 }')"
  local _p _t pid
  for f in "$XDG_RUNTIME_DIR"/argo-*/*.port; do read -r _p _t pid _ < "$f" && kill "$pid" 2>/dev/null; done
  cd / && rm -rf "$work"
}

run_one 3
run_one 50
