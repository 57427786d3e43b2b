#!/usr/bin/env bash
# `npm run demo`: a complete workflow, offline, in a throwaway git repository, with
# the bundled stand-in CI tool (compat/standin_ci). Prints each hand-off as it
# happens, then the merged result. --clean removes the repository afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
clean=false
[[ ${1:-} == --clean ]] && clean=true

work=$(mktemp -d "${TMPDIR:-/tmp}/argo-demo.XXXXXX")
project="$work/calculator"
export ARGO_PROJECTS_REGISTRY="$work/projects.json"
export CI_COMMAND="$root/compat/standin_ci"
export XDG_RUNTIME_DIR="$work/run"   # a private shim helper, stopped below
orchestrator=
finish() {
  [[ -n $orchestrator ]] && kill "$orchestrator" 2>/dev/null || true
  local f _p _t pid
  for f in "$work"/run/argo-*/*.port; do [[ -f $f ]] && read -r _p _t pid _ < "$f" && kill "$pid" 2>/dev/null; done
  if $clean; then rm -rf "$work"; fi
}
trap finish EXIT

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
relay() { read_state 'phase + " / " + .action_owner + " / " + .action_needed' 2>/dev/null; }

say "1. A git repository to work on: $project"
mkdir -p "$project" && cd "$project"
source "$root/lib/state_file.sh"   # read_state, as a bash phase script would use it
git init -q
git -c user.name=demo -c user.email=demo@argo.invalid commit -q --allow-empty -m "Initial commit"

say "2. templates/project_setup.sh"
"$root/templates/project_setup.sh" calculator "$project" | sed 's/^/   /'
git add .gitignore && git -c user.name=demo -c user.email=demo@argo.invalid commit -q -m "Ignore .argo-project"

say "3. start_workflow.sh (CI tool: compat/standin_ci)"
"$root/start_workflow.sh" "Build a command-line calculator" "$project" | sed 's/^/   /'
orchestrator=$(cat "$project/.argo-project/orchestrator.pid")

# Follow the relay until it reaches `want` (prints every change on the way).
last=
follow() {
  local want=$1 deadline=$((SECONDS + 60)) now
  while ((SECONDS < deadline)); do
    now=$(relay || true)
    if [[ -n $now && $now != "$last" ]]; then
      printf '   phase / owner / action: %s\n' "$now"
      last=$now
    fi
    [[ $now == $want ]] && return 0
    sleep 0.05
  done
  echo "ERROR: timed out waiting for '$want' (now: '$now'); see $project/.argo-project/logs/workflow.log" >&2
  exit 1
}

say "4. The orchestrator asks the CI tool for a design"
follow "design / ci / approve_design"
read_state 'design.components[] | "   component \(.id): \(.description)"'

say "5. A person approves it: compat/argo approve"
"$root/compat/argo" approve "$project" | sed 's/^/   /'

say "6. Builders run in parallel, then merge back"
follow "storage / user / none"

say "7. Result"
git log --oneline --graph | sed 's/^/   /'
echo
for f in *.txt; do printf '   %s: %s\n' "$f" "$(cat "$f")"; done
echo
"$root/status.sh" "$project" | sed 's/^/   /'
$clean || echo "   (the project stays in $project; npm run demo -- --clean removes it)"
