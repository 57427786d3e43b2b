#!/bin/bash
# execution.sh <project_path>: runs the builders' CI processes in parallel.
# Shim: runs the TypeScript in dist/phases/execution.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/../compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/phases/execution.js" "$@"
