#!/bin/bash
# project_cleanup.sh [project_path] [partial|full|nuclear]: removes workflow data.
# Shim: runs the TypeScript in dist/templates/project_cleanup.js (exec, so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/../compat/node.bash" || exit 1
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/templates/project_cleanup.js" "$@"
