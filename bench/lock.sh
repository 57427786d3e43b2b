#!/usr/bin/env bash
# Cost of taking and releasing the state lock, per candidate way of calling flock(2)
# without a compiler (README "Dependencies, and why each"). Uncontended cycles of
# open → lock → release in one node process, plus what an old bash script pays with
# util-linux flock(1), and proper-lockfile (installed into a temp folder) for scale.
# Prints ms per cycle.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
N=${N:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# proper-lockfile is no dependency of ours: measured from a throw-away install.
plf=
if npm install --silent --no-save --no-audit --no-fund --prefix "$work/plf" proper-lockfile@4.1.2 >/dev/null 2>&1; then
  plf="$work/plf/node_modules/proper-lockfile"
fi

bench_node() { # BACKEND
  ARGO_LOCK_BACKEND=$1 node --input-type=module - "$root" "$work/$1.lock" "$N" <<'JS'
const [root, lock, n] = process.argv.slice(2);
const { acquireLock, openLockFile, flockExclusive, lockBackend } = await import(`${root}/dist/core/lock.js`);
const { closeSync } = await import('node:fs');
const ms = async (f) => { const t = process.hrtime.bigint(); for (let i = 0; i < n; i++) await f(); return Number(process.hrtime.bigint() - t) / 1e6 / n; };
const bare = await ms(async () => { const fd = openLockFile(lock); await flockExclusive(fd); closeSync(fd); });
const token = await ms(async () => (await acquireLock(lock, { token: true })).release());
console.log(`${lockBackend()}\t${bare.toFixed(3)}\t${token.toFixed(3)}`);
JS
}

printf '%-44s %12s %16s\n' "ms per lock+release ($N cycles)" "flock only" "with its token"
for b in native flock; do
  if line=$(bench_node "$b" 2>/dev/null); then
    IFS=$'\t' read -r name bare token <<< "$line"
    printf '%-44s %12s %16s\n' "argo-ts, $name" "$bare" "$token"
  else
    printf '%-44s %12s\n' "argo-ts, $b" "unavailable"
  fi
done

t0=$(date +%s%N); for _ in $(seq "$N"); do flock -x "$work/sh.lock" true; done; t1=$(date +%s%N)
printf '%-44s %12s\n' "bash script: flock -x FILE true" "$(awk -v a="$t0" -v b="$t1" -v n="$N" 'BEGIN { printf "%.3f", (b - a) / 1e6 / n }')"

if [[ -n $plf ]]; then
  node --input-type=module - "$plf" "$work/plf.target" "$N" <<'JS'
const [plf, target, n] = process.argv.slice(2);
const { createRequire } = await import('node:module');
const lockfile = createRequire(import.meta.url)(plf);
(await import('node:fs')).writeFileSync(target, '');
const t = process.hrtime.bigint();
for (let i = 0; i < n; i++) { const release = await lockfile.lock(target); await release(); }
console.log(`${'proper-lockfile 4.1.2 (mkdir; not flock)'.padEnd(44)} ${(Number(process.hrtime.bigint() - t) / 1e6 / n).toFixed(3).padStart(12)}`);
JS
else
  printf '%-44s %12s\n' "proper-lockfile" "not installable here"
fi
