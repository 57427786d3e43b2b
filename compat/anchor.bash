# Sourced by orchestrator.sh (before compat/shim.bash __argo_anchor_only, whose two helper
# functions __argo_anchor uses): __argo_anchor PROJECT keeps this process as the project's
# anchor while the install's resident helper (compat/supervisor.ts) runs its orchestration,
# so a waiting workflow costs this bash (a few MB) instead of a node process (~50 MB).
# It returns only when the helper cannot or will not host the project: the caller then
# execs the node orchestrator, which does the same work itself (and says why it cannot).
# Protocol and guarantees: docs/SUPERVISOR.md.

# How often an anchor registers again after its helper ended (kill -9, a crash) before it
# runs the orchestrator itself.
__ARGO_ANCHOR_MAX_RESUMES=3

# __argo_anchor_can_trap: true when SIGHUP, SIGINT and SIGTERM can be trapped here. A signal
# ignored when bash started (SIGINT for a job started with & by a script) never can; node
# still catches it, so the node orchestrator runs then. Checked first, before anything else
# is loaded: that fallback costs nothing before node starts.
__argo_anchor_can_trap() {
  local key mask=0
  while read -r key mask; do [[ $key == SigIgn: ]] && break; done < /proc/$$/status 2>/dev/null
  [[ $key == SigIgn: && $mask =~ ^[0-9a-fA-F]+$ ]] && (( (16#$mask & 0x4003) == 0 ))
}

__argo_anchor() {
  local project=$1 resumed=${ARGO_ANCHOR_RESUMED:-0} fd= token= msg stopping=0 i
  [[ ${ARGO_SUPERVISOR:-1} != 0 && -n $project && -d $project/.argo-project ]] || return 0
  (( resumed <= __ARGO_ANCHOR_MAX_RESUMES )) || return 0
  if ! __argo_helper_open fd token; then
    # Started on demand, as for a library call; it takes a moment to listen.
    __argo_helper_spawn || return 0
    for (( i = 0; i < 100; i++ )); do
      __argo_helper_open fd token && break
      sleep 0.02
    done
    [[ -n $fd ]] || return 0
  fi
  # A stop asks the helper to end this project's orchestrator and goes on reading: the
  # anchor exits with the end frame, once the handler ended and the pid file is released.
  trap 'stopping=1; printf "stop\0" >&$fd 2>/dev/null' TERM INT HUP
  # A reader that went away (orchestrator.sh | head) must not end the workflow.
  trap '' PIPE
  printf '%s\0' argo1 "$token" "$PWD" 2 "ARGO_ROOT=$ARGO_ROOT" "ARGO_NODE=$ARGO_NODE" orchestrate 3 "$project" "$$" "$resumed" >&"$fd" 2>/dev/null
  while IFS= read -r -d '' -u "$fd" msg; do
    case $msg in
      o*) printf '%s' "${msg:1}" 2>/dev/null ;;
      e*) printf '%s' "${msg:1}" >&2 2>/dev/null ;;
      x*) exit "${msg:1}" ;;
      f)
        exec {fd}>&-
        trap - TERM INT HUP PIPE
        (( stopping )) && exit 0
        return 0 ;;
    esac
  done
  exec {fd}>&-
  trap - TERM INT HUP PIPE
  # Asked to stop and the helper went away meanwhile: stopped (the pid file is the one
  # thing it may have left; it is removed only while it still names us).
  if (( stopping )); then
    local named=
    { read -r named < "$project/.argo-project/orchestrator.pid"; } 2>/dev/null
    [[ $named == "$$" ]] && rm -f -- "$project/.argo-project/orchestrator.pid"
    exit 0
  fi
  # The helper ended without an end frame (killed, crashed): register again under the same
  # pid, with a helper started anew; the new orchestrator waits for the handler the old one
  # left running (orchestrator.ts, handler.pid).
  ARGO_ANCHOR_RESUMED=$((resumed + 1)) exec "$BASH" "$ARGO_ROOT/orchestrator.sh" "$project"
}
