# Sourced by lib/*.sh: defines __argo_call, the one door from bash into the
# TypeScript core. Not executable on its own. Protocol and guarantees: docs/SHIM.md.
#
# __argo_call FUNCTION ARGS... sends the call, $PWD and the caller's current values of
# the library variables to the install's helper process (compat/shim_server.ts) over
# /dev/tcp with builtins only — no fork — and replays its exit status, stdout and
# stderr. Without a helper it starts one (never as a job of the caller's shell) and
# answers this call with a one-shot node process (same code, ~60 ms).
# ARGO_SHIM_SERVER=0 disables the helper. The function is exported (bash -c children
# and handlers inherit it), so the install's paths are written into its body as
# literals here, at source time.

# __argo_shim_key ROOT VAR: the port file's name into VAR (no subshell): the install
# folder with every byte other than [A-Za-z0-9] as '_' (bytes, not characters, whatever
# the locale: node computes the same).
__argo_shim_key() {
  local LC_ALL=C
  local __argo_k=${1//[^A-Za-z0-9]/_}
  (( ${#__argo_k} > 200 )) && __argo_k=${__argo_k: -200}
  printf -v "$2" '%s' "$__argo_k"
}

# True when DIR (created 0700 when missing) is ours, a real folder nobody else may
# write to, in a parent where nobody else can swap it. Runs once, at source time.
__argo_shim_private_dir() {
  local dir=$1 parent=${1%/*} mode uid pmode puid
  [[ -n $parent ]] || parent=/
  [[ -e $dir || -L $dir ]] || mkdir -p -m 700 -- "$dir" 2>/dev/null
  [[ -d $dir && ! -L $dir && -O $dir ]] || return 1
  { read -r mode uid && read -r pmode puid; } < <(stat -c '%a %u' -- "$dir" "$parent" 2>/dev/null) || return 1
  (( (8#$mode & 8#022) == 0 )) || return 1
  # Others may rename entries in the parent only when it is writable to them and not sticky.
  (( puid == 0 || puid == UID || (8#$pmode & 8#022) == 0 || (8#$pmode & 8#1000) != 0 ))
}

__argo_shim_define() {
  local root node dir use_helper=1
  root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd) || return 0
  node=${ARGO_NODE:-}
  [[ -n $node && -x $node ]] || node=$(type -P node) || node=node
  dir="${XDG_RUNTIME_DIR:-/tmp}/argo-${UID}"
  if [[ ${ARGO_SHIM_SERVER:-1} != 0 ]] && ! __argo_shim_private_dir "$dir"; then
    use_helper=0
    echo "WARNING: argo: $dir is not a private folder of uid $UID (owner or mode); the library functions run without their helper (slower). Remove it, or set XDG_RUNTIME_DIR to a private folder." >&2
  fi
  # With an unsafe folder the helper is never used: the guard is written in as false.
  local guard='[[ ${ARGO_SHIM_SERVER:-1} != 0 ]]'
  (( use_helper )) || guard=false
  local q_root q_node q_dir q_port q_lock q_cli q_server key
  __argo_shim_key "$root" key
  printf -v q_root '%q' "$root"
  printf -v q_node '%q' "$node"
  printf -v q_dir '%q' "$dir"
  printf -v q_port '%q' "$dir/$key.port"
  printf -v q_lock '%q' "$dir/$key.lock"
  printf -v q_cli '%q' "$root/dist/compat/argo.js"
  printf -v q_server '%q' "$root/dist/compat/shim_server.js"

  # The helper is trusted only when the port file is ours (in our private folder) and,
  # once connected, the process that wrote it is still alive holding the install's
  # lock file open (checked with -ef on /proc/PID/fd/N: two stats, no read): a live
  # helper keeps its port, so nobody else can be listening there. Nothing is sent
  # before that.
  eval "
__argo_helper_open() {
  local __argo_o_port __argo_o_token __argo_o_pid __argo_o_v __argo_o_lfd __argo_o_fd
  $guard && [[ -O $q_port ]] \\
    && read -r __argo_o_port __argo_o_token __argo_o_pid __argo_o_v __argo_o_lfd __argo_o_v 2>/dev/null < $q_port \\
    && { exec {__argo_o_fd}<>/dev/tcp/127.0.0.1/\$__argo_o_port; } 2>/dev/null || return 1
  if ! [[ /proc/\$__argo_o_pid/fd/\$__argo_o_lfd -ef $q_lock ]]; then
    exec {__argo_o_fd}>&-
    return 1
  fi
  printf -v \"\$1\" '%s' \"\$__argo_o_fd\"
  printf -v \"\$2\" '%s' \"\$__argo_o_token\"
}
__argo_helper_spawn() {
  # From a subshell that exits at once, so it is never a job of the caller's shell (no
  # \\\$!, nothing for wait), holding nobody's pipes.
  $guard && [[ -d $q_dir && -O $q_dir && ! -L $q_dir ]] || return 1
  ( ( for __argo_v in /proc/self/fd/*; do __argo_v=\${__argo_v##*/}; (( __argo_v > 2 )) && eval \"exec \$__argo_v>&-\"; done 2>/dev/null
      cd / && ARGO_SHIM_PORT_FILE=$q_port exec setsid $q_node $q_server ) </dev/null >/dev/null 2>&1 & )
}
__argo_call() {
  local __argo_fd= __argo_token __argo_rc __argo_out __argo_err __argo_v
  local -a __argo_req=()
  if __argo_helper_open __argo_fd __argo_token; then
    for __argo_v in STATE_FILE STATE_LOCK LOG_DIR WORKFLOW_LOG CONFIG_FILE CHECKPOINT_DIR ARGO_PROJECTS_REGISTRY CI_COMMAND ARGO_AGENT HOME ARGO_STATE_LOCK_HELD ARGO_SHIM_TIMEOUT; do
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
  # No helper: start one for the next calls, and answer this one with a one-shot node.
  __argo_helper_spawn || :
  __argo_oneshot \"\$@\"
}
__argo_oneshot() {
  # CONFIG_FILE travels under another name: lib/config.sh makes it readonly, and a
  # readonly variable cannot take a prefix assignment (argo.ts renames it back).
  STATE_FILE=\${STATE_FILE-} STATE_LOCK=\${STATE_LOCK-} LOG_DIR=\${LOG_DIR-} WORKFLOW_LOG=\${WORKFLOW_LOG-} \\
  CHECKPOINT_DIR=\${CHECKPOINT_DIR-} ARGO_PROJECTS_REGISTRY=\${ARGO_PROJECTS_REGISTRY-} \\
  ARGO_SHIM_CONFIG_FILE=\${CONFIG_FILE-} CI_COMMAND=\${CI_COMMAND-} ARGO_STATE_LOCK_HELD=\${ARGO_STATE_LOCK_HELD-} \\
    $q_node $q_cli call \"\$@\"
}
__argo_root() { printf '%s\\n' $q_root; }
"
  export -f __argo_call __argo_oneshot __argo_root __argo_helper_open __argo_helper_spawn
}
__argo_shim_define
unset -f __argo_shim_define __argo_shim_key __argo_shim_private_dir
