// Every registered project with its view (or why it has none): `argo list` and the dashboard.
import { processCtx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { isDir } from '../store/project_dir.js';
import { listProjects, registryPath, type ProjectEntry } from '../store/registry.js';
import type { View } from './model.js';
import { readView, type ReadOptions } from './read.js';
import { argoPaths } from '../store/layout.js';

export interface ProjectItem {
  id: string;
  name: string;
  path: string;
  view: View | null;
  /** Why there is no view (folder gone, state unreadable). */
  problem: string | null;
}

function item(id: string, e: ProjectEntry, opts: ReadOptions): ProjectItem {
  if (!isDir(argoPaths(e.path).dir)) return { id, name: e.name, path: e.path, view: null, problem: `no .argo-project/ in ${e.path}` };
  try {
    return { id, name: e.name, path: e.path, view: readView(e.path, opts), problem: null };
  } catch (err) {
    return { id, name: e.name, path: e.path, view: null, problem: errorMessage(err) };
  }
}

export function registeredProjects(registry = registryPath(processCtx()), opts: ReadOptions = {}): ProjectItem[] {
  return listProjects(registry).map(([id, e]) => item(id, e, opts));
}

/** The registered projects' ids and folders, in registry order, without building a view. */
export function registeredEntries(registry = registryPath(processCtx())): { id: string; path: string }[] {
  return listProjects(registry).map(([id, e]) => ({ id, path: e.path }));
}

/** One registered project (undefined when it is not registered). */
export function registeredProject(id: string, registry = registryPath(processCtx()), opts: ReadOptions = {}): ProjectItem | undefined {
  const hit = listProjects(registry).find(([i]) => i === id);
  return hit ? item(hit[0], hit[1], opts) : undefined;
}
