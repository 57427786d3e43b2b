# checkpoint.sh — the original checkpoint functions over lib/checkpoint.ts:
#   save_checkpoint NAME DESC   restore_checkpoint NAME   list_checkpoints
#   delete_checkpoint NAME      cleanup_old_checkpoints [DAYS]   ensure_checkpoint_dir
CHECKPOINT_DIR="${CHECKPOINT_DIR:-.argo-project/checkpoints}"
__argo_lib_dir=${BASH_SOURCE[0]%/*}; [[ $__argo_lib_dir == "${BASH_SOURCE[0]}" ]] && __argo_lib_dir=.
declare -F __argo_call >/dev/null || source "$__argo_lib_dir/../compat/shim.bash"
unset __argo_lib_dir

ensure_checkpoint_dir() { __argo_call ensure_checkpoint_dir "$@"; }
save_checkpoint() { __argo_call save_checkpoint "$@"; }
restore_checkpoint() { __argo_call restore_checkpoint "$@"; }
list_checkpoints() { __argo_call list_checkpoints "$@"; }
delete_checkpoint() { __argo_call delete_checkpoint "$@"; }
cleanup_old_checkpoints() { __argo_call cleanup_old_checkpoints "$@"; }
export -f ensure_checkpoint_dir save_checkpoint restore_checkpoint list_checkpoints delete_checkpoint \
  cleanup_old_checkpoints
