# Shared by every executable shim: find the install root and an absolute node.
# Sourced, never executed. Sets ARGO_ROOT and ARGO_NODE (kept if already set).
# Node is resolved once by absolute path, because callers may put folders such
# as /tmp first on PATH.
if [[ -z ${ARGO_NODE:-} || ! -x ${ARGO_NODE:-} ]]; then
  ARGO_NODE=$(type -P node) || { echo "ERROR: node not found on PATH" >&2; exit 1; }
fi
__argo_nb=${BASH_SOURCE[0]%/*}; [[ $__argo_nb == "${BASH_SOURCE[0]}" ]] && __argo_nb=.
ARGO_ROOT=$(cd "$__argo_nb/.." && pwd)
# Handlers are looked up beside the shim that was run (symlinks not resolved, as
# the original), so the entry points learn the install folder from here.
export ARGO_ROOT ARGO_NODE
if [[ ! -d $ARGO_ROOT/dist ]]; then
  echo "ERROR: $ARGO_ROOT/dist is missing: run 'npm install' (or 'npm run build') in $ARGO_ROOT" >&2
  exit 1
fi
