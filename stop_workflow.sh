#!/bin/bash
# stop_workflow.sh [project_path]: stops the orchestrator and the builders.
# Shim: runs the TypeScript in dist/stop_workflow.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/stop_workflow.js" "$@"
