#!/bin/bash
# checklist — a hand-off to a person with a checklist, anywhere in workflow.phases (e.g. before
# merge_build). The first run writes .argo-project/checklist.md, one "- [ ] item" line per item
# of config `checklist.items` (or the list below), and hands the workflow to a person
# (action_owner user, action_needed checklist). The person ticks every item ("- [x]") and hands
# back:
#   argo state update action_owner code
# This step then runs again: all ticked → the next step; anything left → back to the person,
# the open items named in state `checklist.open`.
#
# Install: cp examples/handlers/checklist.sh <argo-install>/phases/ && chmod +x it, then:
#   "workflow": { "phases": ["design_program", "design_build", "execution", "checklist", "merge_build"] },
#   "checklist": { "items": ["The diff of every builder was read (argo diff)", "The docs say what changed"] }
set -u
readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$SCRIPT_DIR/../lib/state_file.sh"
source "$SCRIPT_DIR/../lib/logging_enhanced.sh"

DEFAULT_ITEMS=(
  "The design still matches the request"
  "Every builder's changes were read (argo diff)"
  "No credentials or personal data in the changes"
  "The documentation says what changed"
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

to_person() {
  update_state action_needed checklist
  update_state action_owner user
}

PROJECT_PATH="${1:?project path required}"
cd "$PROJECT_PATH" || exit 1
echo "=== checklist ==="
list=.argo-project/checklist.md

# The state is this workflow's (start_workflow archives the last one's), so a checklist
# left over from an earlier workflow is never taken as ticked.
if [[ $(read_state checklist.status) != waiting ]]; then
  items=()
  if [[ -f .argo-project/config.json ]]; then
    mapfile -t items < <(jq -r '.checklist.items // [] | .[] | strings' .argo-project/config.json) || exit 1
  fi
  ((${#items[@]} > 0)) || items=("${DEFAULT_ITEMS[@]}")
  {
    printf '# Checklist: %s\n\nTick each item ("- [x]"), then: argo state update action_owner code\n\n' "$(read_state user_query)"
    printf -- '- [ ] %s\n' "${items[@]}"
  } > "$list"
  update_state checklist.file "$PWD/$list"
  update_state checklist.status waiting
  write_log CHECKLIST "checklist: ${#items[@]} items for a person in $list"
  echo "checklist: waiting for a person to tick $list"
  to_person
  exit 0
fi

open=$(grep -E '^- \[ \] ' "$list" 2>/dev/null | sed 's/^- \[ \] //' | paste -sd ';' -)
if [[ ! -f $list || -n $open ]]; then
  update_state checklist.open "${open:-$list is missing}"
  write_log CHECKLIST "checklist: still open: ${open:-$list is missing}"
  echo "checklist: still open: ${open:-$list is missing}"
  to_person
  exit 0
fi
update_state checklist.open ""
update_state checklist.status done
write_log CHECKLIST "checklist: every item ticked"
hand_off_next
