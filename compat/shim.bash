# Sourced by lib/*.sh: defines __argo_call, the one door from bash into the
# TypeScript core. Not executable on its own.
#
# __argo_call FUNCTION ARGS... sends the call, $PWD and the caller's current values of
# the library variables to the install's helper process (compat/shim_server.ts) over
# /dev/tcp with builtins only — no fork — and replays its exit status, stdout and
# stderr. Without a helper it starts one in the background and answers this call
# with a one-shot node process (same code, ~60 ms). ARGO_SHIM_SERVER=0 disables the
# helper. The function is exported (bash -c children and handlers inherit it), so
# the install's paths are written into its body as literals here, at source time.

__argo_shim_define() {
  local root node dir key
  root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd) || return 0
  node=${ARGO_NODE:-}
  [[ -n $node && -x $node ]] || node=$(type -P node) || node=node
  dir="${XDG_RUNTIME_DIR:-/tmp}/argo-${UID}"
  key=${root//[^A-Za-z0-9]/_}
  local q_root q_node q_port q_cli q_server
  printf -v q_root '%q' "$root"
  printf -v q_node '%q' "$node"
  printf -v q_port '%q' "$dir/$key.port"
  printf -v q_cli '%q' "$root/dist/compat/argo.js"
  printf -v q_server '%q' "$root/dist/compat/shim_server.js"

  eval "
__argo_call() {
  local __argo_fd= __argo_port __argo_token __argo_rc __argo_out __argo_err __argo_v
  local -a __argo_req=()
  if [[ \${ARGO_SHIM_SERVER:-1} != 0 ]] && read -r __argo_port __argo_token __argo_v 2>/dev/null < $q_port \\
     && { exec {__argo_fd}<>/dev/tcp/127.0.0.1/\$__argo_port; } 2>/dev/null; then
    for __argo_v in STATE_FILE STATE_LOCK LOG_DIR WORKFLOW_LOG CONFIG_FILE CHECKPOINT_DIR ARGO_PROJECTS_REGISTRY CI_COMMAND HOME ARGO_STATE_LOCK_HELD; do
      [[ -v \$__argo_v ]] && __argo_req+=(\"\$__argo_v=\${!__argo_v}\")
    done
    printf '%s\\0' argo1 \"\$__argo_token\" \"\$PWD\" \${#__argo_req[@]} \"\${__argo_req[@]}\" \"\$1\" \$((\$# - 1)) \"\${@:2}\" >&\$__argo_fd 2>/dev/null
    if IFS= read -r -t \${ARGO_SHIM_TIMEOUT:-120} -d '' -u \$__argo_fd __argo_rc && IFS= read -r -d '' -u \$__argo_fd __argo_out \\
       && IFS= read -r -d '' -u \$__argo_fd __argo_err; then
      exec {__argo_fd}>&-
      [[ -n \$__argo_out ]] && printf '%s' \"\$__argo_out\"
      [[ -n \$__argo_err ]] && printf '%s' \"\$__argo_err\" >&2
      return \$__argo_rc
    fi
    exec {__argo_fd}>&-
    echo \"ERROR: the argo shim helper stopped while answering \$1; its effect is unknown (retry, or set ARGO_SHIM_SERVER=0)\" >&2
    return 1
  fi
  if [[ \${ARGO_SHIM_SERVER:-1} != 0 ]]; then
    # Start the helper for the next calls; closed descriptors so it holds nobody's pipes.
    ( for __argo_v in /proc/self/fd/*; do __argo_v=\${__argo_v##*/}; (( __argo_v > 2 )) && eval \"exec \$__argo_v>&-\"; done 2>/dev/null
      cd / && exec setsid $q_node $q_server </dev/null >/dev/null 2>&1 ) &
  fi
  __argo_oneshot \"\$@\"
}
__argo_oneshot() {
  STATE_FILE=\${STATE_FILE-} STATE_LOCK=\${STATE_LOCK-} LOG_DIR=\${LOG_DIR-} WORKFLOW_LOG=\${WORKFLOW_LOG-} \\
  CONFIG_FILE=\${CONFIG_FILE-} CHECKPOINT_DIR=\${CHECKPOINT_DIR-} ARGO_PROJECTS_REGISTRY=\${ARGO_PROJECTS_REGISTRY-} \\
  CI_COMMAND=\${CI_COMMAND-} ARGO_STATE_LOCK_HELD=\${ARGO_STATE_LOCK_HELD-} \\
    $q_node $q_cli call \"\$@\"
}
__argo_root() { printf '%s\\n' $q_root; }
"
  export -f __argo_call __argo_oneshot __argo_root
}
__argo_shim_define
unset -f __argo_shim_define
