# project_registry.sh — the original registry functions over lib/project_registry.ts.
# ARGO_PROJECTS_REGISTRY (default $HOME/.argo/projects.json) is read at call time.
ARGO_PROJECTS_REGISTRY="${ARGO_PROJECTS_REGISTRY:-$HOME/.argo/projects.json}"
__argo_lib_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_lib_dir == "${BASH_SOURCE[0]}" ]] && __argo_lib_dir=.
declare -F __argo_call >/dev/null || source "$__argo_lib_dir/../compat/shim.bash"
unset __argo_lib_dir

init_registry() { __argo_call init_registry "$@"; }
register_project() { __argo_call register_project "$@"; }
deregister_project() { __argo_call deregister_project "$@"; }
list_projects() { __argo_call list_projects "$@"; }
get_project_info() { __argo_call get_project_info "$@"; }
update_project_status() { __argo_call update_project_status "$@"; }
find_project_by_path() { __argo_call find_project_by_path "$@"; }
export -f init_registry register_project deregister_project list_projects get_project_info \
  update_project_status find_project_by_path
