// The install folder, for the commands that start or name our other commands. A module
// of its own (no imports of ours) so that start_workflow and friends need not load the
// orchestrator to learn it.
import { basename, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shim's ARGO_ROOT (symlinks not resolved), else the folder above core/ (or dist/core/). */
export function installRoot(): string {
  if (process.env.ARGO_ROOT) return process.env.ARGO_ROOT;
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', basename(dirname(here)) === 'dist' ? '..' : '.');
}
