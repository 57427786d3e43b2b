#!/usr/bin/env bash
# Cost of a bash library call: update_state / read_state through the sourced shim
# (helper warm, helper cold, one-shot node) beside the original's way of doing the
# same thing (jq + temp file + mv; jq -r), in the same run. Prints ms per call.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-100}
work=$(mktemp -d)
export XDG_RUNTIME_DIR="$work/run"   # a private helper, stopped at the end
trap 'pid=$(cat "$work/server.pid" 2>/dev/null || true); [[ -n $pid ]] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
cd "$work"
source "$root/lib/state_file.sh"

now() { date +%s%N; }
ms_per_call() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.2f", (b - a) / 1e6 / n }'; }

# The original's update_state / read_state (jq 1.6, fixed temp name, no lock).
orig_update() {
  jq --arg v "$2" --arg ts "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "setpath(\"$1\" | split(\".\"); \$v) | .last_update = \$ts" "$STATE_FILE" > "$STATE_FILE.tmp" \
    && mv "$STATE_FILE.tmp" "$STATE_FILE"
}
orig_read() { local v; v=$(jq -r ".$1" "$STATE_FILE" 2>/dev/null); [[ $v == null ]] && v=; echo "$v"; }

# Cold: the first call with no helper running (starts one, answers one-shot).
t0=$(now); init_state_file bench >/dev/null; t1=$(now)
cold=$(ms_per_call "$t0" "$t1" 1)
port_file=$(echo "$XDG_RUNTIME_DIR/argo-$UID"/*.port)   # the only install using this folder
for _ in $(seq 50); do [[ -s $port_file ]] && break; sleep 0.1; port_file=$(echo "$XDG_RUNTIME_DIR/argo-$UID"/*.port); done
read -r _ _ server_pid _ < "$port_file"
echo "$server_pid" > "$work/server.pid"
update_state bench.warmup 1

t0=$(now); for i in $(seq "$N"); do update_state "bench.k$i" "v$i"; done; t1=$(now)
shim_update=$(ms_per_call "$t0" "$t1" "$N")
t0=$(now); for i in $(seq "$N"); do read_state "bench.k$i" >/dev/null; done; t1=$(now)
shim_read=$(ms_per_call "$t0" "$t1" "$N")

M=$(( N < 20 ? N : 20 ))
t0=$(now); for i in $(seq "$M"); do ARGO_SHIM_SERVER=0 update_state "one.k$i" "v$i"; done; t1=$(now)
oneshot_update=$(ms_per_call "$t0" "$t1" "$M")
t0=$(now); for i in $(seq "$M"); do ARGO_SHIM_SERVER=0 read_state "one.k$i" >/dev/null; done; t1=$(now)
oneshot_read=$(ms_per_call "$t0" "$t1" "$M")

t0=$(now); for i in $(seq "$N"); do orig_update "orig.k$i" "v$i"; done; t1=$(now)
orig_update_ms=$(ms_per_call "$t0" "$t1" "$N")
t0=$(now); for i in $(seq "$N"); do orig_read "orig.k$i" >/dev/null; done; t1=$(now)
orig_read_ms=$(ms_per_call "$t0" "$t1" "$N")

[[ $(read_state bench.k$N) == "v$N" && $(read_state orig.k$N) == "v$N" ]] || { echo "ERROR: bench values not stored" >&2; exit 1; }

printf '%-34s %8s %8s\n' "ms per call ($N calls)" update read
printf '%-34s %8s %8s\n' "argo-ts shim, helper warm" "$shim_update" "$shim_read"
printf '%-34s %8s %8s\n' "argo-ts shim, one-shot node ($M)" "$oneshot_update" "$oneshot_read"
printf '%-34s %8s %8s\n' "original way (jq + tmp + mv)" "$orig_update_ms" "$orig_read_ms"
printf '%-34s %8s\n' "first call, no helper yet" "$cold"
awk -v a="$orig_update_ms" -v b="$shim_update" -v c="$orig_read_ms" -v d="$shim_read" \
  'BEGIN { printf "speed-up vs original: update %.1fx, read %.1fx\n", a / b, c / d }'
