#!/bin/bash
# start_workflow.sh <user_query> [project_path]: stores the query and starts the orchestrator.
# Shim: runs the TypeScript in dist/start_workflow.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/start_workflow.js" "$@"
