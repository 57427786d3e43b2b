#!/usr/bin/env bash
# A huge design answer (issue 6 point 8): design_program's peak resident memory
# (GNU time's %M), the sizes of state.json and the answer file, and the peak RSS
# (VmHWM) of an orchestrator that ran the same design, for answers of
# 1 KB and of N MB (default 50; e.g. `bench/answer_rss.sh 600`). Prints figures,
# asserts nothing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mb=${1:-50}
[[ $mb =~ ^[0-9]+$ ]] || { echo "ERROR: size in MB must be a number (got '$mb')" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "ERROR: needs GNU time at /usr/bin/time" >&2; exit 2; }

run_one() { # bytes label
  local bytes=$1 label=$2 work proj rss
  work=$(mktemp -d)
  proj="$work/repo"
  mkdir -p "$proj" && cd "$proj"
  git init -q -b main && git -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
  ARGO_PROJECTS_REGISTRY="$work/projects.json" "$root/templates/project_setup.sh" bench "$proj" >/dev/null
  jq '.user_query = "q"' .argo-project/state.json > "$work/s" && mv "$work/s" .argo-project/state.json
  cat > "$work/ci.sh" <<SCRIPT
#!/bin/bash
yes 'a design line of some length' | head -c $bytes
printf '\\n%s\\n' '\`\`\`json' '[{"id": "core"}]' '\`\`\`'
SCRIPT
  chmod +x "$work/ci.sh"
  rss=$(CI_COMMAND="$work/ci.sh" ARGO_SHIM_SERVER=0 /usr/bin/time -f '%M' "$root/phases/design_program.sh" "$proj" 2>&1 >/dev/null | tail -1)
  printf '%-8s answer %11s bytes  design_program peak RSS %7s KB  state.json %8s bytes  answer file %11s bytes  components %s\n' \
    "$label" "$bytes" "$rss" "$(stat -c %s .argo-project/state.json)" \
    "$( f=$(jq -r '.design.answer_file // empty' .argo-project/state.json); [[ -n $f ]] && stat -c %s "$f" || echo -)" \
    "$(jq -c '[.design.components[].id]' .argo-project/state.json)"
  # the same answer through a running orchestrator: its peak RSS once the design awaits approval
  local orch hwm end=$((SECONDS + 300))
  CI_COMMAND="$work/ci.sh" ARGO_SHIM_SERVER=0 "$root/start_workflow.sh" q "$proj" >/dev/null 2>&1
  orch=$(cat .argo-project/orchestrator.pid)
  until [[ $(jq -r .action_needed .argo-project/state.json 2>/dev/null) == approve_design && $(jq -r .phase .argo-project/state.json) == design ]]; do
    ((SECONDS < end)) || { echo "ERROR: no design after 300 s" >&2; break; }
    sleep 0.2
  done
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$orch/status" 2>/dev/null || echo '?')
  printf '%-8s orchestrator peak RSS %7s KB\n' "$label" "$hwm"
  "$root/stop_workflow.sh" "$proj" >/dev/null
  cd /
  rm -rf "$work"
}

run_one 1000 1KB
run_one $((mb * 1000 * 1000)) "${mb}MB"
