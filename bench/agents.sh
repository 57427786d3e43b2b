#!/usr/bin/env bash
# What our agent wrapper adds per builder start: 100 builders with the fake `claude`
# (tests/fixtures/agents, instant) run by the execution phase one at a time
# (max_parallel_builders = 1), against the same 100 fake agents started directly
# in the same worktrees. The difference per builder is what argo adds: runner, bash
# wrapper (libraries, leftover commit, .build_result), output parsing, state writes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-100}
work=$(mktemp -d)
trap 'for f in "$work"/run/argo-*/*.port; do [[ -f $f ]] && read -r _p _t pid < "$f" && kill "$pid" 2>/dev/null; done; rm -rf "$work"' EXIT
export XDG_RUNTIME_DIR="$work/run" ARGO_PROJECTS_REGISTRY="$work/projects.json"
export PATH="$root/tests/fixtures/agents:$PATH" FAKE_AGENT_COMPONENTS=$n
unset CI_COMMAND FAKE_AGENT_LOG
proj="$work/repo"
mkdir -p "$proj" && cd "$proj"
git init -q && git -c user.name=b -c user.email=b@b commit -q --allow-empty -m init
"$root/templates/project_setup.sh" bench "$proj" >/dev/null
jq '.ci.agent = "claude"' .argo-project/config.json > c.json && mv c.json .argo-project/config.json
"$root/compat/argo" state update user_query "Build it" >/dev/null
jq '.limits.max_parallel_builders = 1' .argo-project/state.json > s.json && mv s.json .argo-project/state.json
"$root/phases/design_program.sh" "$proj" >/dev/null
"$root/phases/design_build.sh" "$proj" >/dev/null

ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# Direct: the fake agent alone, same worktrees, same argv shape, one at a time.
t0=$(date +%s%N)
for wt in .argo-project/builders/*/; do
  (cd "$wt" && claude -p "You are building the 'x' component. Implement" --output-format json --permission-mode bypassPermissions < /dev/null > /dev/null)
done
direct=$(ms "$t0")
rm -f .argo-project/builders/*/x.txt   # what the direct runs wrote
t0=$(date +%s%N)
"$root/phases/execution.sh" "$proj" >/dev/null
through=$(ms "$t0")
done_n=$(jq '[.execution.builders[] | select(.status == "completed")] | length' .argo-project/state.json)
[[ $done_n -eq $n ]] || { echo "ERROR: only $done_n of $n builders completed" >&2; exit 1; }

printf 'builders: %d, one at a time\n' "$n"
printf 'fake agent started directly:      %6d ms  (%s ms each)\n' "$direct" "$(awk "BEGIN{printf \"%.1f\", $direct/$n}")"
printf 'through the execution phase:      %6d ms  (%s ms each)\n' "$through" "$(awk "BEGIN{printf \"%.1f\", $through/$n}")"
printf 'added by argo per builder start:  %s ms\n' "$(awk "BEGIN{printf \"%.1f\", ($through-$direct)/$n}")"
