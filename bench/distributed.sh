#!/usr/bin/env bash
# 50 instant builders over 2 `argo worker`s (PostgreSQL, pg-boss) vs the local runner, and
# the time from a worker's death to its job running elsewhere. Starts its own embedded
# PostgreSQL (as the user argo-pg when run as root) and removes everything afterwards.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
exec node --import tsx bench/distributed.ts
