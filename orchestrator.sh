#!/bin/bash
# orchestrator.sh <project_path>: the daemon that runs phase handlers when action_owner is code.
# Shim: runs the TypeScript in dist/orchestrator.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/orchestrator.js" "$@"
