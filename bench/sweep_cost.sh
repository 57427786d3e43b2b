#!/usr/bin/env bash
# The cost of one run-token sweep (store/sweep.ts): one scan of /proc reading every
# process's environ, with N extra `sleep` processes running (default 0 and 500).
# Usage: bench/sweep_cost.sh [N…]   (build first: npx tsc -p tsconfig.json)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
counts=("$@")
((${#counts[@]} > 0)) || counts=(0 500)
for n in "${counts[@]}"; do
    pids=()
    for ((i = 0; i < n; i++)); do sleep 60 & pids+=($!); done
    node --input-type=module -e "
      import { tokenProcesses, newRunToken } from '$root/dist/store/sweep.js';
      import { readdirSync } from 'node:fs';
      const tok = newRunToken();
      tokenProcesses([tok]); // warm up
      const runs = 20, t0 = performance.now();
      for (let i = 0; i < runs; i++) tokenProcesses([tok]);
      const ms = (performance.now() - t0) / runs;
      const procs = readdirSync('/proc').filter((n) => /^\d+\$/.test(n)).length;
      console.log(\`\${procs} processes in /proc: \${ms.toFixed(2)} ms per scan\`);
    "
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
done
