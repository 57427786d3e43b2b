#!/bin/bash
# start_workflow.sh <user_query> [project_path]: stores the query and starts the orchestrator.
# Shim: the install's shim helper runs it when one is up (no node start: docs/SHIM.md,
# "Programs the helper runs"); else node runs dist/start_workflow.js (exec, so the caller's
# PID is the worker's) and a helper is started for next time.
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
source "$ARGO_ROOT/compat/shim.bash" __argo_entry_only && __argo_entry start_workflow "$0" "$@" && [[ -n $__argo_entry_rc ]] && exit "$__argo_entry_rc"
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/start_workflow.js" "$@"
