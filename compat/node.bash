# Shared by every executable shim: find the install root and an absolute node.
# Sourced, never executed. Sets ARGO_ROOT and ARGO_NODE (kept if already set).
# Node is resolved once by absolute path, because callers may put folders such
# as /tmp first on PATH.
# No subshell in the usual case (a fork costs a few ms, and start_workflow.sh through the
# shim helper answers in well under 100 ms): `hash` searches PATH as `type -P` does and
# BASH_CMDS hands over what it found; a clean absolute folder's parent is what
# `cd "$dir/.." && pwd` prints (logical, symlinks kept). Anything else takes the subshell.
if [[ -z ${ARGO_NODE:-} || ! -x ${ARGO_NODE:-} ]]; then
  if hash node 2>/dev/null && [[ -n ${BASH_CMDS[node]-} ]]; then
    ARGO_NODE=${BASH_CMDS[node]}
  else
    ARGO_NODE=$(type -P node) || { echo "ERROR: node not found on PATH" >&2; exit 1; }
  fi
fi
__argo_nb=${BASH_SOURCE[0]%/*}; [[ $__argo_nb == "${BASH_SOURCE[0]}" ]] && __argo_nb=.
if [[ $__argo_nb == /?* && $__argo_nb != */ && $__argo_nb != *//* && $__argo_nb/ != */./* && $__argo_nb/ != */../* && ${__argo_nb%/*} == /?* && -d $__argo_nb ]]; then
  ARGO_ROOT=${__argo_nb%/*}
else
  ARGO_ROOT=$(cd "$__argo_nb/.." && pwd)
fi
# Handlers are looked up beside the shim that was run (symlinks not resolved, as
# the original), so the entry points learn the install folder from here.
export ARGO_ROOT ARGO_NODE
if [[ ! -d $ARGO_ROOT/dist ]]; then
  echo "ERROR: $ARGO_ROOT/dist is missing: run 'npm install' (or 'npm run build') in $ARGO_ROOT" >&2
  exit 1
fi
