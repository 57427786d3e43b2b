#!/usr/bin/env bash
# The resident supervisor's figures (issue 24, docs/SUPERVISOR.md): the memory of every
# argo-ts process with 1, 10 and 50 projects waiting for approval (and 10 without the
# supervisor, ARGO_SUPERVISOR=0, as before), with 10 projects each running 10 builders,
# and the supervisor's CPU while 50 projects wait. "argo-ts processes": each process whose
# command line names this install (the helper, the anchors, handlers, builder wrappers).
#   bench/supervisor.sh [counts…]    (default: 1 10 50)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
counts=("${@:-1 10 50}")
read -r -a counts <<< "${counts[*]}"
work=$(mktemp -d)
export XDG_RUNTIME_DIR="$work/run" ARGO_PROJECTS_REGISTRY="$work/projects.json"
mkdir -m 700 -p "$XDG_RUNTIME_DIR"
cat > "$work/ci" <<EOF
#!/bin/bash
[[ \$1 == *Implement* && -n \${BUILD_DELAY:-} ]] && sleep "\$BUILD_DELAY"
exec "$root/compat/standin_ci" "\$@"
EOF
chmod +x "$work/ci"
export CI_COMMAND="$work/ci"
unset ARGO_AGENT BUILD_DELAY

# The pid file's process of each project, ended by pid (only while it is that project's).
stop_all() {
  local p pid
  for p in "$work"/p[0-9]*; do
    pid=$(cat "$p/.argo-project/orchestrator.pid" 2>/dev/null) || continue
    [[ $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") == *"orchestrator"*" $p "* ]] && kill "$pid" 2>/dev/null
  done
  for p in "$work"/p[0-9]*; do
    pid=$(cat "$p/.argo-project/orchestrator.pid" 2>/dev/null) || continue
    for _ in $(seq 100); do [[ -e /proc/$pid ]] || break; sleep 0.1; done
  done
}
helper_pid() { local f; for f in "$XDG_RUNTIME_DIR"/argo-*/*.port; do [[ -f $f ]] && awk '{print $3}' "$f"; done; }
cleanup() {
  stop_all
  local h; h=$(helper_pid) && [[ -n $h ]] && kill "$h" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

# rss_mb: the summed VmRSS of every process naming this install, and how many there are
rss_mb() {
  local pid kb total=0 n=0 k v
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $(tr '\0' ' ' 2>/dev/null < "/proc/$pid/cmdline") == *"$root/"* ]] || continue
    kb=0
    while read -r k v _; do [[ $k == VmRSS: ]] && kb=$v && break; done < "/proc/$pid/status" 2>/dev/null || continue
    total=$((total + kb)); n=$((n + 1))
  done
  echo "$((total / 1024)) MB in $n processes"
}

# projects N: N fresh projects, each started and waiting for approval
projects() {
  local i p
  rm -rf "$work"/p[0-9]*
  for ((i = 1; i <= $1; i++)); do
    p="$work/p$i"
    mkdir -p "$p" && git -C "$p" init -q && git -C "$p" -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
    "$root/templates/project_setup.sh" bench "$p" >/dev/null
    "$root/start_workflow.sh" "Build $i" "$p" >/dev/null
  done
  for ((i = 1; i <= $1; i++)); do
    for _ in $(seq 300); do [[ $(jq -r .action_needed "$work/p$i/.argo-project/state.json") == approve_design ]] && break; sleep 0.1; done
  done
}

# The helper first, as any library call starts it.
bash -c 'source "$1/lib/state_file.sh"; read_state phase' _ "$root" >/dev/null 2>&1 || true
for _ in $(seq 100); do [[ -n $(helper_pid) ]] && break; sleep 0.05; done

for n in "${counts[@]}"; do
  projects "$n"
  echo "$n project(s) waiting for approval: $(rss_mb)"
  if [[ $n -ge 50 ]]; then
    h=$(helper_pid)
    read -r -a s0 < "/proc/$h/stat"; sleep 10; read -r -a s1 < "/proc/$h/stat"
    # utime + stime (fields 14, 15) in clock ticks over 10 s
    echo "  the supervisor's CPU over 10 s idle: $(( (s1[13] + s1[14] - s0[13] - s0[14]) * 1000 / $(getconf CLK_TCK) )) ms"
  fi
  stop_all
done

ARGO_SUPERVISOR=0 projects 10
echo "10 project(s) waiting, ARGO_SUPERVISOR=0 (a node orchestrator each): $(rss_mb)"
stop_all

# 10 projects x 10 builders, each builder asleep 15 s: the peak while they run
export STANDIN_CI_COMPONENTS=10 BUILD_DELAY=15
projects 10
for p in "$work"/p[0-9]*; do "$root/compat/argo" approve "$p" >/dev/null; done
peak=0 line=
for _ in $(seq 20); do
  line=$(rss_mb)
  mb=${line%% MB*}
  (( mb > peak )) && peak=$mb && best=$line
  sleep 0.5
done
echo "10 projects each running 10 builders (peak of 20 samples): $best"
