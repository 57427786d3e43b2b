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
#
# `source shim.bash __argo_entry_only` (start_workflow.sh, status.sh) defines only
# __argo_entry PROGRAM $0 ARGS...: the helper runs the program with every exported
# variable of the caller, or it sets nothing and the script runs node itself. That form
# exports nothing and prints no warning: without the helper a script behaves as before.
# `source shim.bash __argo_anchor_only` (orchestrator.sh) defines only __argo_helper_open
# and __argo_helper_spawn, for the project's anchor (compat/anchor.bash), the same way.

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
  local entry_only=$1 root node dir use_helper=1
  # A program's shim has just computed the same folder (compat/node.bash): no subshell.
  if [[ -n $entry_only && -n ${ARGO_ROOT:-} && $ARGO_ROOT -ef ${BASH_SOURCE[0]%/*}/.. ]]; then
    root=$ARGO_ROOT
  else
    root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd) || return 0
  fi
  node=${ARGO_NODE:-}
  [[ -n $node && -x $node ]] || node=$(type -P node) || node=node
  dir="${XDG_RUNTIME_DIR:-/tmp}/argo-${UID}"
  # The private-folder check forks stat (~10 ms here). An anchor started by a start that
  # just made it (ARGO_RUNTIME_VERIFIED, set below: only this user's own processes can set
  # a variable in its environment) checks the owner with builtins only.
  if [[ $entry_only == anchor && ${ARGO_RUNTIME_VERIFIED-} == "$dir" && -d $dir && ! -L $dir && -O $dir ]]; then
    :
  elif [[ ${ARGO_SHIM_SERVER:-1} != 0 ]] && ! __argo_shim_private_dir "$dir"; then
    use_helper=0
    [[ -n $entry_only ]] ||
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
  # before that. (Text shared by __argo_call and __argo_entry: it leaves __argo_fd set
  # only on a proven connection.)
  local connect="  if $guard && [[ -O $q_port ]] \\
     && read -r __argo_port __argo_token __argo_pid __argo_v __argo_lfd __argo_v 2>/dev/null < $q_port \\
     && { exec {__argo_fd}<>/dev/tcp/127.0.0.1/\$__argo_port; } 2>/dev/null \\
     && ! [[ /proc/\$__argo_pid/fd/\$__argo_lfd -ef $q_lock ]]; then
    exec {__argo_fd}>&-
    __argo_fd=
  fi"
  # Starts the helper for the next calls: from a subshell that exits at once, so it is
  # never a job of this shell (no \$!, nothing for wait), holding nobody's pipes.
  local spawn="  if $guard && [[ -d $q_dir && -O $q_dir && ! -L $q_dir ]]; then
    ( ( for __argo_v in /proc/self/fd/*; do __argo_v=\${__argo_v##*/}; (( __argo_v > 2 )) && eval \"exec \$__argo_v>&-\"; done 2>/dev/null
        cd / && ARGO_SHIM_PORT_FILE=$q_port exec setsid $q_node $q_server ) </dev/null >/dev/null 2>&1 & )
  fi"
  if [[ $entry_only == entry ]]; then
    # The start's orchestrator.sh inherits it (the helper passes the caller's environment on).
    (( use_helper )) && export ARGO_RUNTIME_VERIFIED=$dir
    __argo_shim_entry "$connect" "$spawn"
    return 0
  fi
  [[ $entry_only == anchor ]] || __argo_shim_call "$connect" "$spawn" "$q_node" "$q_cli" "$q_root"
  # For orchestrator.sh's anchor (compat/anchor.bash), from the same text: a proven
  # connection's descriptor and token into the variables named, and the helper's start.
  eval "
__argo_helper_open() {
  local __argo_fd= __argo_port __argo_token __argo_pid __argo_lfd __argo_v
$connect
  [[ -n \$__argo_fd ]] || return 1
  printf -v \"\$1\" '%s' \"\$__argo_fd\"
  printf -v \"\$2\" '%s' \"\$__argo_token\"
}
__argo_helper_spawn() {
  $guard && [[ -d $q_dir && -O $q_dir && ! -L $q_dir ]] || return 1
$spawn
}
"
}
# __argo_shim_call CONNECT SPAWN Q_NODE Q_CLI Q_ROOT: defines and exports __argo_call,
# __argo_oneshot and __argo_root, the library functions' door.
__argo_shim_call() {
  local connect=$1 spawn=$2 q_node=$3 q_cli=$4 q_root=$5
  eval "
__argo_call() {
  local __argo_fd= __argo_port __argo_token __argo_pid __argo_lfd __argo_rc __argo_out __argo_err __argo_v
  local -a __argo_req=()
$connect
  if [[ -n \$__argo_fd ]]; then
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
$spawn
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
  export -f __argo_call __argo_oneshot __argo_root
}
# __argo_shim_entry CONNECT SPAWN: defines __argo_entry PROGRAM $0 ARGS... (not exported).
# With a proven helper it sends the caller's folder, every exported variable (names from
# ${!A@} … ${!_@} and their attributes: builtins, no fork) and the arguments, replays the
# program's output in the order it was written (compat/entries.ts orderedCtx) and sets
# __argo_entry_rc to its exit status. Without one (or with a helper too old to know the
# program) it starts a helper for next time and leaves __argo_entry_rc empty: nothing ran.
__argo_shim_entry() {
  local names='' c
  for c in {A..Z} {a..z} _; do names+=" \${!$c@}"; done
  eval "
__argo_entry() {
  local __argo_fd= __argo_port __argo_token __argo_pid __argo_lfd __argo_rc __argo_out __argo_err __argo_v
  local -a __argo_req=('argo:full-environment=1')
  __argo_entry_rc=
$1
  if [[ -z \$__argo_fd ]]; then
$2
    return 0
  fi
  for __argo_v in $names; do
    [[ \$__argo_v != _ && \${!__argo_v@a} == *x* && \${!__argo_v@a} != *[aA]* && -v \$__argo_v ]] && __argo_req+=(\"\$__argo_v=\${!__argo_v}\")
  done
  printf '%s\\0' argo1 \"\$__argo_token\" \"\$PWD\" \${#__argo_req[@]} \"\${__argo_req[@]}\" \"\$1\" \$((\$# - 1)) \"\${@:2}\" >&\$__argo_fd 2>/dev/null
  if ! { IFS= read -r -t \${ARGO_SHIM_TIMEOUT:-120} -d '' -u \$__argo_fd __argo_rc && IFS= read -r -d '' -u \$__argo_fd __argo_out \\
     && IFS= read -r -d '' -u \$__argo_fd __argo_err; }; then
    exec {__argo_fd}>&-
    echo \"ERROR: the argo shim helper stopped while answering \$1; its effect is unknown (retry, or set ARGO_SHIM_SERVER=0)\" >&2
    __argo_entry_rc=1
    return 0
  fi
  exec {__argo_fd}>&-
  # A helper built before it ran programs answers this: nothing ran.
  [[ \$__argo_rc == 127 && -z \$__argo_out && \$__argo_err == 'ERROR: not a shim '* ]] && return 0
  __argo_entry_rc=\$__argo_rc
  # Segments <1|2><bytes>:<text>; lengths count bytes, so the C locale.
  local LC_ALL=C
  while [[ \$__argo_out =~ ^([12])([0-9]+): ]]; do
    __argo_out=\${__argo_out:\${#BASH_REMATCH[0]}}
    printf '%s' \"\${__argo_out:0:\${BASH_REMATCH[2]}}\" >&\${BASH_REMATCH[1]}
    __argo_out=\${__argo_out:\${BASH_REMATCH[2]}}
  done
  [[ -z \$__argo_err ]] || printf '%s' \"\$__argo_err\" >&2
  return 0
}"
}
# Only that exact word: lib/*.sh source this file without arguments, so $1 is their caller's.
case ${1-} in
  __argo_entry_only) __argo_shim_define entry ;;
  __argo_anchor_only) __argo_shim_define anchor ;;
  *) __argo_shim_define '' ;;
esac
unset -f __argo_shim_define __argo_shim_key __argo_shim_private_dir __argo_shim_entry __argo_shim_call
