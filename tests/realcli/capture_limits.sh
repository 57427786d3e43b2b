#!/usr/bin/env bash
# Captures what the REAL Claude Code and Codex CLIs print when their model endpoint
# refuses them (429 rate limit, 529 overloaded, usage limits, a 500, a 401), for the
# fixtures of the limit parsers (tests/fixtures/agents/limits/). Offline: each CLI talks
# to the scripted model server (tests/realcli/model_server.ts) on loopback, HOME is a
# scratch folder (no real login or settings are read), retries are switched off
# (Claude: CLAUDE_CODE_MAX_RETRIES=0; Codex: request_max_retries = 0) so each capture
# takes seconds, not the three minutes of Claude's default retries.
#
#   tests/realcli/capture_limits.sh [NAME…]     (default: every capture below)
#
# Writes NAME.out (the CLI's stdout, untouched) and NAME.meta.json (exit status, when it
# was captured, seconds taken, the server's answer, the CLI's version) per capture.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
source "$ROOT/tests/realcli/clis.bash"
realcli_installed || { echo "ERROR: the real CLIs are not in $REALCLI_CACHE: run tests/realcli/install.sh" >&2; exit 1; }
OUT="${CAPTURE_OUT:-$ROOT/tests/fixtures/agents/limits}"  # CAPTURE_OUT: somewhere else (a dry run)
mkdir -p "$OUT"
SCRATCH=$(mktemp -d)
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  rm -rf "$SCRATCH"
}
trap cleanup EXIT

# A reset time as a subscription server would state it: the next full hour, plus two hours.
NOW=$(date -u +%s)
RESET=$(( (NOW / 3600 + 3) * 3600 ))

# server API TURN_JSON: starts the model server answering every request with TURN; sets URL
server() {
  [[ -n $SERVER_PID ]] && { kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; }
  rm -rf "$SCRATCH/model"
  jq -n --argjson t "$2" '{conversations: [], other: $t}' > "$SCRATCH/script.json"
  node --import "file://$ROOT/node_modules/tsx/dist/loader.mjs" "$ROOT/tests/realcli/model_server.ts" \
    --api "$1" --script "$SCRATCH/script.json" --dir "$SCRATCH/model" 2> "$SCRATCH/model.err" &
  SERVER_PID=$!
  for _ in $(seq 150); do [[ -s $SCRATCH/model/port ]] && break; sleep 0.2; done
  URL="http://127.0.0.1:$(cat "$SCRATCH/model/port")"
}

# capture NAME VERSION TURN_JSON COMMAND…: runs the CLI in a fresh git folder, keeps its stdout
capture() {
  local name=$1 version=$2 turn=$3 status=0 t0 t1
  shift 3
  rm -rf "$SCRATCH/wt" && mkdir -p "$SCRATCH/wt" && git -C "$SCRATCH/wt" init -q
  t0=$(date +%s.%N)
  (cd "$SCRATCH/wt" && timeout 300 "$@" < /dev/null > "$OUT/$name.out" 2> "$SCRATCH/$name.err") || status=$?
  t1=$(date +%s.%N)
  jq -n --arg at "$(date -u -d "@${t0%.*}" +%Y-%m-%dT%H:%M:%SZ)" --argjson s "$status" --arg v "$version" \
    --argjson secs "$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")" --argjson t "$turn" \
    --argjson n "$(find "$SCRATCH/model/requests" -name '*.json' | wc -l)" \
    '{captured_at: $at, exit_status: $s, seconds: $secs, requests: $n, cli: $v, server_answer: $t}' > "$OUT/$name.meta.json"
  echo "$name: exit $status in $(jq .seconds "$OUT/$name.meta.json") s, $(jq .requests "$OUT/$name.meta.json") request(s)" >&2
}

CLAUDE_VERSION=$("$REALCLI_BIN/claude" --version | cut -d' ' -f1)
CODEX_VERSION=$("$REALCLI_BIN/codex" --version | awk '{print $NF}')
PROMPT="Build the 'part-1' component"

# claude NAME TURN_JSON [VAR=VALUE…]: Claude Code as the builder preset runs it, API key unless VARs say otherwise
claude() {
  local name=$1 turn=$2
  shift 2
  server messages "$turn"
  capture "$name" "claude-code $CLAUDE_VERSION" "$turn" env -i PATH="$PATH" HOME="$SCRATCH/home" IS_SANDBOX=1 TZ=UTC \
    ANTHROPIC_BASE_URL="$URL" CLAUDE_CODE_MAX_RETRIES=0 "${@:-ANTHROPIC_API_KEY=sk-test-not-a-key}" \
    "$REALCLI_BIN/claude" -p "$PROMPT" --output-format "${CLAUDE_FORMAT:-json}" ${CLAUDE_FORMAT:+--verbose} --permission-mode bypassPermissions
}

# codex NAME TURN_JSON: Codex as the builder preset runs it, its provider our server, no retries
codex() {
  local name=$1 turn=$2
  server responses "$turn"
  mkdir -p "$SCRATCH/home/.codex"
  cat > "$SCRATCH/home/.codex/config.toml" <<TOML
model_provider = "local"

[model_providers.local]
name = "local"
base_url = "$URL/v1"
wire_api = "responses"
env_key = "OPENAI_API_KEY"
supports_websockets = false
request_max_retries = 0
stream_max_retries = 0
TOML
  capture "$name" "codex $CODEX_VERSION" "$turn" env -i PATH="$PATH" HOME="$SCRATCH/home" TZ=UTC OPENAI_API_KEY=sk-test-not-a-key \
    "$REALCLI_BIN/codex" exec --json --sandbox workspace-write -C . -m gpt-5-codex "$PROMPT"
}

# The unified (subscription) headers Claude Code reads on a 429 when signed in to claude.ai.
UNIFIED=$(jq -nc --arg r "$RESET" '{"anthropic-ratelimit-unified-status": "rejected", "anthropic-ratelimit-unified-representative-claim": "five_hour", "anthropic-ratelimit-unified-reset": $r, "anthropic-ratelimit-unified-5h-utilization": "1.0", "anthropic-ratelimit-unified-5h-reset": $r}')

run_one() {
  case $1 in
    claude-429) claude "$1" '{"status": 429, "retry_after": 30, "message": "Number of request tokens has exceeded your per-minute rate limit"}' ;;
    claude-429-reset-headers) claude "$1" "$(jq -nc --argjson h "$UNIFIED" --arg r "$(date -u -d "@$RESET" +%Y-%m-%dT%H:%M:%SZ)" '{status: 429, retry_after: 30, message: "This request would exceed your account'"'"'s rate limit. Please try again later.", headers: ($h + {"anthropic-ratelimit-requests-reset": $r, "anthropic-ratelimit-tokens-reset": $r})}')" ;;
    claude-usage-limit-oauth) claude "$1" "$(jq -nc --argjson h "$UNIFIED" '{status: 429, message: "usage limit", headers: $h}')" CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-test-not-a-token ;;
    # stream-json with two retries: the retry events Claude Code prints while it waits (retry-after: 2)
    claude-429-stream-retries) CLAUDE_FORMAT=stream-json claude "$1" '{"status": 429, "retry_after": 2, "message": "Number of request tokens has exceeded your per-minute rate limit"}' ANTHROPIC_API_KEY=sk-test-not-a-key CLAUDE_CODE_MAX_RETRIES=2 ;;
    # a weekly limit five days ahead: the CLI adds the date to the time
    claude-weekly-limit-oauth) claude "$1" "$(jq -nc --arg r "$(( RESET + 5 * 86400 ))" '{status: 429, message: "usage limit", headers: {"anthropic-ratelimit-unified-status": "rejected", "anthropic-ratelimit-unified-representative-claim": "seven_day", "anthropic-ratelimit-unified-reset": $r}}')" CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-test-not-a-token ;;
    claude-529) claude "$1" '{"status": 529, "message": "Overloaded"}' ;;
    claude-500) claude "$1" '{"status": 500, "message": "Internal server error"}' ;;
    claude-401) claude "$1" '{"status": 401, "error_type": "authentication_error", "message": "invalid x-api-key"}' ;;
    codex-429) codex "$1" '{"status": 429, "retry_after": 30, "message": "Rate limit reached for gpt-5-codex on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s."}' ;;
    codex-usage-limit) codex "$1" "$(jq -nc --argjson r "$RESET" '{status: 429, body: {error: {type: "usage_limit_reached", message: "The usage limit has been reached", plan_type: "plus", resets_at: $r, resets_in_seconds: 7200}}}')" ;;
    codex-quota) codex "$1" '{"status": 429, "body": {"error": {"type": "insufficient_quota", "code": "insufficient_quota", "message": "You exceeded your current quota, please check your plan and billing details."}}}' ;;
    codex-500) codex "$1" '{"status": 500, "error_type": "server_error", "message": "Internal server error"}' ;;
    codex-503) codex "$1" '{"status": 503, "error_type": "server_error", "message": "The server is overloaded or not ready yet."}' ;;
    codex-401) codex "$1" '{"status": 401, "error_type": "invalid_request_error", "message": "Incorrect API key provided"}' ;;
    *) echo "ERROR: unknown capture '$1'" >&2; return 1 ;;
  esac
}

names=("$@")
(( ${#names[@]} )) || names=(claude-429 claude-429-reset-headers claude-429-stream-retries claude-usage-limit-oauth claude-weekly-limit-oauth claude-529 claude-500 claude-401 codex-429 codex-usage-limit codex-quota codex-500 codex-503 codex-401)
for n in "${names[@]}"; do run_one "$n"; done
