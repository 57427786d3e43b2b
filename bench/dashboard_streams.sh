#!/usr/bin/env bash
# Many idle event streams against `argo dashboard` (issue 15 point 7): N (default 500)
# connections ask for /api/events and never read, while the one project's 256 KB view
# changes 20 times. Prints the dashboard's resident memory before and after, how many
# streams were refused, and how long /api/projects takes meanwhile. Asserts nothing.
# Usage: bench/dashboard_streams.sh [N]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-500}
[[ $n =~ ^[0-9]+$ ]] || { echo "ERROR: N must be a whole number (got '$n')" >&2; exit 2; }
cd "$root"
exec node --import tsx bench/dashboard_streams.ts "$n"
