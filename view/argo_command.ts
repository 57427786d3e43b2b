// How hints name the CLI: this install's compat/argo by absolute path, so a hint
// works when pasted even when `argo` is not on PATH.
import { join } from 'node:path';
import { installRoot } from '../core/install_root.js';

export { installRoot };

export function argoCommand(root: string = installRoot()): string {
  return join(root, 'compat', 'argo');
}
