#!/bin/bash
# orchestrator.sh <project_path>: the daemon that runs phase handlers when action_owner is code.
# With the install's resident helper this process stays as the project's anchor and the
# helper runs the orchestration (compat/anchor.bash, docs/SUPERVISOR.md; ARGO_SUPERVISOR=0
# turns that off); otherwise it runs the TypeScript in dist/orchestrator.js itself (exec,
# so the caller's PID is the worker's).
__argo_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_dir == "${BASH_SOURCE[0]}" ]] && __argo_dir=.
source "$__argo_dir/compat/node.bash" || exit 1
if [[ ${ARGO_SUPERVISOR:-1} != 0 && ${ARGO_SHIM_SERVER:-1} != 0 ]]; then
  source "$ARGO_ROOT/compat/anchor.bash" && __argo_anchor_can_trap \
    && source "$ARGO_ROOT/compat/shim.bash" __argo_anchor_only && __argo_anchor "$@"
fi
exec -a "$0" "$ARGO_NODE" "$ARGO_ROOT/dist/orchestrator.js" "$@"
