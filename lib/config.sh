# config.sh — the original configuration functions over lib/config.ts:
#   read_config KEY [DEFAULT]   get_ci_tool   update_config KEY VALUE
# As the original: CONFIG_FILE becomes readonly and nothing is exported.
CONFIG_FILE="${CONFIG_FILE:-.argo-project/config.json}"
readonly CONFIG_FILE
__argo_lib_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_lib_dir == "${BASH_SOURCE[0]}" ]] && __argo_lib_dir=.
declare -F __argo_call >/dev/null || source "$__argo_lib_dir/../compat/shim.bash"
unset __argo_lib_dir

read_config() { __argo_call read_config "$@"; }
get_ci_tool() { __argo_call get_ci_tool "$@"; }
update_config() { __argo_call update_config "$@"; }
true
