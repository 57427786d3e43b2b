# logging_enhanced.sh — the original logging functions over lib/logging_enhanced.ts.
# Every call appends one line `[<UTC time>] [<TAG>] <message>` to $WORKFLOW_LOG.
LOG_DIR="${LOG_DIR:-.argo-project/logs}"
WORKFLOW_LOG="$LOG_DIR/workflow.log"
# WORKFLOW_LOG follows a later change of LOG_DIR unless it was itself changed (D24).
__ARGO_WORKFLOW_LOG_AUTO=$WORKFLOW_LOG
__argo_lib_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_lib_dir == "${BASH_SOURCE[0]}" ]] && __argo_lib_dir=.
declare -F __argo_call >/dev/null || source "$__argo_lib_dir/../compat/shim.bash"
unset __argo_lib_dir

__argo_log_call() {
  if [[ ${WORKFLOW_LOG-} == "${__ARGO_WORKFLOW_LOG_AUTO-}" ]]; then
    local WORKFLOW_LOG
    unset WORKFLOW_LOG
  fi
  __argo_call "$@"
}
ensure_log_dir() { __argo_log_call ensure_log_dir "$@"; }
get_timestamp() { __argo_log_call get_timestamp "$@"; }
write_log() { __argo_log_call write_log "$@"; }
progress() { __argo_log_call progress "$@"; }
log_checkpoint() { __argo_log_call log_checkpoint "$@"; }
log_user_query() { __argo_log_call log_user_query "$@"; }
log_builder() { __argo_log_call log_builder "$@"; }
log_merge() { __argo_log_call log_merge "$@"; }
log_state_transition() { __argo_log_call log_state_transition "$@"; }
export -f __argo_log_call ensure_log_dir get_timestamp write_log progress log_checkpoint log_user_query \
  log_builder log_merge log_state_transition
