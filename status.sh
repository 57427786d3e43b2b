#!/bin/bash
# status.sh [project_path]: where a workflow is.
# Shim: the install's shim helper answers when one is up (no node start: docs/SHIM.md,
# "Programs the helper runs"); else node runs dist/status.js (exec, so the caller's PID is
# the worker's). The helper cannot see this terminal: with stdout on a terminal (colours,
# indented JSON) or --watch, node runs it here.
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
__argo_here=; [[ -t 1 ]] && __argo_here=1
for __argo_a; do [[ $__argo_a == --watch || $__argo_a == -w ]] && __argo_here=1; done
[[ -n $__argo_here ]] || { source "$ARGO_ROOT/compat/shim.bash" __argo_entry_only && __argo_entry status "$0" "$@" && [[ -n $__argo_entry_rc ]] && exit "$__argo_entry_rc"; }
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/status.js" "$@"
