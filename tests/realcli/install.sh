#!/usr/bin/env bash
# Installs the real agent CLIs (Claude Code and Codex, pinned) into a cache folder, not as
# dependencies of argo-ts: they are large (≈ 0.7 GB together) and only the real-CLI tests use them.
# Idempotent: a pinned version already present is kept. Prints where they are.
set -euo pipefail

CLAUDE_VERSION=2.1.197
CODEX_VERSION=0.171.0
source "$(dirname "${BASH_SOURCE[0]}")/clis.bash"
cache=$REALCLI_CACHE

installed_version() { # <package> → version in the cache, or nothing
  local pkg_json="$cache/node_modules/$1/package.json"
  [[ -f "$pkg_json" ]] || return 0
  node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).version))' "$pkg_json"
}

mkdir -p "$cache"
if [[ "$(installed_version @anthropic-ai/claude-code)" == "$CLAUDE_VERSION" && "$(installed_version @openai/codex)" == "$CODEX_VERSION" ]] &&
  realcli_installed; then
  echo "agent CLIs present in $cache (claude-code $CLAUDE_VERSION, codex $CODEX_VERSION)"
  exit 0
fi

echo "installing @anthropic-ai/claude-code@$CLAUDE_VERSION and @openai/codex@$CODEX_VERSION into $cache"
# A package.json of its own keeps npm from climbing to an enclosing project.
[[ -f "$cache/package.json" ]] || printf '{"name":"argo-ts-agent-clis","private":true}\n' > "$cache/package.json"
npm install --prefix "$cache" --no-audit --no-fund --save-exact \
  "@anthropic-ai/claude-code@$CLAUDE_VERSION" "@openai/codex@$CODEX_VERSION"

for pkg in "@anthropic-ai/claude-code:$CLAUDE_VERSION" "@openai/codex:$CODEX_VERSION"; do
  name="${pkg%:*}" want="${pkg##*:}"
  got="$(installed_version "$name")"
  if [[ "$got" != "$want" ]]; then
    echo "ERROR: $name in $cache is version '${got:-missing}', expected $want" >&2
    exit 1
  fi
done
# Claude Code's postinstall puts its native binary in place of a stub: an npm that skips
# install scripts leaves a program that cannot run.
for cli in claude codex; do
  if ! "$REALCLI_BIN/$cli" --version >/dev/null 2>&1; then
    echo "ERROR: $REALCLI_BIN/$cli --version fails after the install (were install scripts disabled? npm config get ignore-scripts)" >&2
    exit 1
  fi
done
echo "agent CLIs installed in $cache: $("$REALCLI_BIN/claude" --version | head -1); $("$REALCLI_BIN/codex" --version | head -1)"
