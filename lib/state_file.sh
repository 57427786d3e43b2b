# state_file.sh — the original library's functions over the TypeScript core
# (lib/state_file.ts). Source it; it defines and exports:
#   init_state_file NAME [PATH]   update_state KEY VALUE   read_state KEY
#   validate_state_file [FILE]    with_state_lock COMMAND [ARGS...]
# STATE_FILE and STATE_LOCK are read at call time (plain shell variables are fine).
STATE_FILE="${STATE_FILE:-.argo-project/state.json}"
STATE_LOCK="${STATE_LOCK:-.argo-project/state.lock}"
__argo_lib_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_lib_dir == "${BASH_SOURCE[0]}" ]] && __argo_lib_dir=.
declare -F __argo_call >/dev/null || source "$__argo_lib_dir/../compat/shim.bash"
unset __argo_lib_dir

init_state_file() { __argo_call init_state_file "$@"; }
update_state() { __argo_call update_state "$@"; }
read_state() { __argo_call read_state "$@"; }
validate_state_file() { __argo_call validate_state_file "$@"; }
# Holds the lock while COMMAND runs, so it is always its own node process (the holder).
# As the original, it exports the state functions and variables for COMMAND.
with_state_lock() {
  export -f read_state update_state init_state_file validate_state_file
  export STATE_FILE STATE_LOCK
  __argo_oneshot with_state_lock "$@"
}
export -f init_state_file update_state read_state validate_state_file with_state_lock
