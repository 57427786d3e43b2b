// The install folder, for the commands that start or name our other commands. A module
// of its own (no imports of ours) so that start_workflow and friends need not load the
// orchestrator to learn it.
//
// Every entry point in dist/ is a bundle of the modules it needs (scripts/bundle.mjs), so
// the code of this module runs from dist/status.js, dist/phases/execution.js,
// dist/compat/argo.js … — at different depths — and from core/install_root.ts under
// vitest. No depth is assumed: the root is the first folder above this file holding
// compat/node.bash (the shims' common part, never copied into dist/).
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

/** The root of the install this code was loaded from (real path), or '' when it is not in one. */
export function packageRoot(): string {
  if (found !== undefined) return found;
  let dir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'compat', 'node.bash'))) return (found = dir);
  }
  return (found = '');
}

/** The shim's ARGO_ROOT (symlinks not resolved), else the install this code was loaded from; `env`: a caller's, in the shim helper. */
export function installRoot(env: Record<string, string | undefined> = process.env): string {
  return env.ARGO_ROOT || packageRoot();
}

/** The built file of an entry point, e.g. `phases/execution` → `<root>/dist/phases/execution.js`. */
export function builtEntry(name: string, root = packageRoot()): string {
  return join(root, 'dist', `${name}.js`);
}
