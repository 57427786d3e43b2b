#!/usr/bin/env bash
# action.yml, step "Install argo-ts": builds the action's own checkout (npm ci runs the
# build) unless it is built already, and puts `argo` on PATH for the later steps.
set -euo pipefail
root=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set (run by GitHub Actions)}
if [[ ! -f $root/dist/compat/argo.js || ! -d $root/node_modules ]]; then
  (cd "$root" && npm ci --no-audit --no-fund)
fi
bin="${RUNNER_TEMP:?RUNNER_TEMP is not set}/argo-bin"
mkdir -p "$bin"
ln -sfn "$root/compat/argo" "$bin/argo"
echo "$bin" >> "${GITHUB_PATH:?GITHUB_PATH is not set}"
"$bin/argo" --version
