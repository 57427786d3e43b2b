// How hints name the CLI: this install's compat/argo by absolute path, so a hint
// works when pasted even when `argo` is not on PATH.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The install folder: the shim's ARGO_ROOT, else the folder above view/ (or dist/view/). */
export function installRoot(): string {
  if (process.env.ARGO_ROOT) return process.env.ARGO_ROOT;
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', here.endsWith('/dist/view') ? '..' : '.');
}

export function argoCommand(root: string = installRoot()): string {
  return join(root, 'compat', 'argo');
}
