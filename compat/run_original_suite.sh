#!/usr/bin/env bash
# Runs the original project's bash test suite against this tree, unchanged.
#
#   compat/run_original_suite.sh <folder holding the original tests/> [runner]
#
# The folder is copied one level below the install root (as the original layout
# expects: tests reach everything as "$SCRIPT_DIR/../start_workflow.sh"), and the
# runner (default run_phase2_tests.sh) is started inside a private PID namespace:
# the original runner ends processes by name pattern, and in a namespace of its
# own it can only reach what it started itself.
set -euo pipefail

if [[ $# -lt 1 || ! -d $1 ]]; then
  echo "ERROR: usage: $0 <original tests folder> [runner script name] (got: '${1:-}')" >&2
  exit 2
fi
root=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
src=$(cd "$1" && pwd)
runner=${2:-run_phase2_tests.sh}
dest="$root/orig-tests"

if [[ $src != "$dest" ]]; then
  rm -rf "$dest"
  cp -a "$src" "$dest"
fi
if [[ ! -f $dest/$runner ]]; then
  echo "ERROR: runner not found: $dest/$runner" >&2
  exit 2
fi
exec unshare --pid --fork --mount-proc bash "$dest/$runner"
