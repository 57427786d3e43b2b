# Where the real agent CLIs are cached (tests/realcli/install.sh puts them there), shared
# by the installer, tests/run.sh and the real-CLI tests. Sourced.
REALCLI_CACHE="${ARGO_AGENT_CLI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/argo-ts/agent-clis}"
REALCLI_BIN="$REALCLI_CACHE/node_modules/.bin"
realcli_installed() { [[ -x $REALCLI_BIN/claude && -x $REALCLI_BIN/codex ]]; }
