#!/bin/bash
# security_scan — a step before merge_build: looks for secrets in what each completed builder
# added on its branch. Clean: hands on to the next step (merge_build). Findings: a person
# decides — they are listed in .argo-project/security_scan.md and in state `security_scan`,
# and the workflow waits (action_owner user, action_needed review_security_findings).
#
# Install: cp examples/handlers/security_scan.sh <argo-install>/phases/ && chmod +x it, then in
# the project's .argo-project/config.json:
#   "workflow": { "phases": ["design_program", "design_build", "execution", "security_scan", "merge_build"] }
# After a finding, the person fixes the builder's branch and scans again:
#   argo state update action_needed security_scan && argo state update action_owner code
# or merges as it is:
#   argo state update action_needed merge_branches && argo state update action_owner code
set -u
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/../lib/state_file.sh"
source "$SCRIPT_DIR/../lib/logging_enhanced.sh"

# What counts as a secret (extended regular expressions, matched against added lines only).
PATTERNS=(
  '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----'
  'AKIA[0-9A-Z]{16}'
  'gh[pousr]_[A-Za-z0-9]{36}'
  '(password|passwd|secret|api_?key|token)["'\'']?[[:space:]]*[:=][[:space:]]*["'\''][^"'\'']{8,}["'\'']'
)

# Hands on to the step after this one in workflow.phases (the orchestrator says which).
hand_off_next() {
  if [[ -z ${ARGO_NEXT_OWNER:-} || -z ${ARGO_NEXT_ACTION:-} ]]; then
    echo "ERROR: ${0##*/}: ARGO_NEXT_OWNER and ARGO_NEXT_ACTION are not set (the orchestrator sets them for a step named in workflow.phases); nothing changed" >&2
    return 1
  fi
  if [[ -n ${ARGO_NEXT_PHASE:-} ]]; then
    log_state_transition "$(read_state phase)" "$ARGO_NEXT_PHASE"
    update_state phase "$ARGO_NEXT_PHASE"
  fi
  update_state action_owner "$ARGO_NEXT_OWNER"
  update_state action_needed "$ARGO_NEXT_ACTION"
}

PROJECT_PATH="${1:?project path required}"
cd "$PROJECT_PATH" || exit 1
echo "=== security_scan ==="

report=.argo-project/security_scan.md
findings=0
printf '# Security scan\n\nAdded lines that look like secrets, per builder branch:\n\n' > "$report"
# Ids and branches come from the state: data, so each branch is checked to be a branch and
# passed after a full refs/heads/ name (never read as an option).
while IFS=$'\t' read -r id branch; do
  git rev-parse --verify --quiet "refs/heads/$branch" >/dev/null || { echo "WARNING: builder $id: no branch $branch" >&2; continue; }
  base=$(git merge-base HEAD "refs/heads/$branch") || continue
  hits=$(git diff --unified=0 --no-color "$base" "refs/heads/$branch" -- |
    awk '/^\+\+\+ b\//{file=substr($0,7)} /^\+[^+]/{print file ": " substr($0,2)}' |
    grep -E -i -e "${PATTERNS[0]}" -e "${PATTERNS[1]}" -e "${PATTERNS[2]}" -e "${PATTERNS[3]}")
  [[ -z $hits ]] && continue
  n=$(wc -l <<<"$hits")
  findings=$((findings + n))
  { printf '## %s (%s)\n\n' "$id" "$branch"; sed 's/^/    /' <<<"$hits"; echo; } >> "$report"
done < <(jq -r '.execution.builders[]? | select(.status == "completed") | [.id, .branch] | @tsv' .argo-project/state.json)

update_state security_scan.findings "$findings"
update_state security_scan.report "$PWD/$report"
if ((findings > 0)); then
  write_log SECURITY "security_scan: $findings finding(s), see $report; a person decides"
  echo "security_scan: $findings finding(s) - see $report"
  update_state action_owner user
  update_state action_needed review_security_findings
  exit 0
fi
write_log SECURITY "security_scan: no findings"
echo "security_scan: no findings"
hand_off_next
