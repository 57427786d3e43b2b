#!/usr/bin/env bash
# Hand-off latency: from a state write that gives control to `code` to the start of
# the handler it names. A tiny bash handler records its start time and hands
# control back; repeated N times. Prints median and p95 in ms.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-50}
work=$(mktemp -d)
handler="$root/phases/bench_dispatch_$$.sh"
orch=
cleanup() {
  [[ -n $orch ]] && kill "$orch" 2>/dev/null
  local f _p _t pid
  for f in "$work"/run/argo-*/*.port; do [[ -f $f ]] && read -r _p _t pid _ < "$f" && kill "$pid" 2>/dev/null; done
  rm -f "$handler"; rm -rf "$work"
}
trap cleanup EXIT
export XDG_RUNTIME_DIR="$work/run" ARGO_PROJECTS_REGISTRY="$work/projects.json"

cat > "$handler" <<SH
#!/bin/bash
date +%s%N >> "$work/started"
source "$root/lib/state_file.sh"
update_state action_owner ci
SH
chmod +x "$handler"
name=$(basename "$handler" .sh)

cd "$work"
"$root/templates/project_setup.sh" bench "$work" >/dev/null
source "$root/lib/state_file.sh"
update_state phase "$name"; update_state action_needed "$name"; update_state action_owner ci
"$root/orchestrator.sh" "$work" >/dev/null 2>&1 &
orch=$!
sleep 0.5

: > "$work/written"; : > "$work/started"
for i in $(seq "$N"); do
  before=$(wc -l < "$work/started" 2>/dev/null || echo 0)
  date +%s%N >> "$work/written"
  update_state action_owner code
  for _ in $(seq 400); do
    [[ $(wc -l < "$work/started" 2>/dev/null || echo 0) -gt $before && $(read_state action_owner) == ci ]] && break
    sleep 0.005
  done
done
paste "$work/written" "$work/started" | awk '{ printf "%.2f\n", ($2 - $1) / 1e6 }' | sort -n > "$work/lat"
n=$(wc -l < "$work/lat")
median=$(awk -v n="$n" 'NR == int((n + 1) / 2)' "$work/lat")
p95=$(awk -v n="$n" 'NR == int(n * 0.95 + 0.999)' "$work/lat")
echo "hand-offs: $n (state write -> handler start, bash handler)"
echo "median: $median ms"
echo "p95:    $p95 ms"
