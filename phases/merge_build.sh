#!/bin/bash
# merge_build.sh <project_path>: merges the builder branches back.
# Shim: runs the TypeScript in dist/phases/merge_build.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/../compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/phases/merge_build.js" "$@"
