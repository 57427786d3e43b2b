// The floor plan as data, for the tests that check it (layers.test.ts, function_size.test.ts).
import { readdirSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { ROOT } from './helpers.js';

/** Lower number = lower layer. Folders of one layer do not import each other. */
export const LAYERS: Record<string, number> = {
  core: 0, // platform: processes, locks, files, git, JSON; knows nothing of .argo-project
  // Workflow template files (issue 22): found, parsed, checked and laid over config — only
  // files and JSON, below store/ so that store's config reader applies them for every reader.
  template_files: 0.5,
  store: 1, // the project on disk: layout, state, config, logs, builder records, watcher
  workflow: 2, // the workflow's rules: dispatch, components, worktrees, merge place, limits
  agents: 3, // agent presets, the runner, one builder's run
  distributed: 4,
  view: 4,
  review: 4, // workflow.kind "review" (issue 22): reviewer runs, findings, the proof nothing moved
  merge: 4, // the integration engine (issue 20): merge order, strategies, the verify gate, the resolver, the person's report
  phases: 5,
  notify: 5,
  lib: 6, // the five original libraries' bash doors
  handler: 6,
  templates: 6,
  steer: 6,
  dashboard: 6,
  cicd: 6, // unattended use (issue 23): argo run, its report, publishing the result
  '.': 7, // start_workflow, orchestrator, status, stop_workflow, approve
  compat: 8, // the `argo` command and the shim server: the top
};

const SKIP = new Set(['node_modules', 'dist', 'tests', 'bench', 'reports', 'docs', 'examples', '.git', '.stryker-tmp']);

export function sourceFiles(root = ROOT): string[] {
  const out: string[] = [];
  (function walk(dir: string) {
    for (const e of readdirSync(dir)) {
      if (SKIP.has(e) || e.startsWith('.')) continue;
      const p = join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.ts') && !e.endsWith('.d.ts') && !e.endsWith('.test.ts')) out.push(relative(root, p));
    }
  })(root);
  return out;
}

export const folderOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : '.');

/** Each relative import of the module: [importing file, imported file]. */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    found.push(posix.normalize(posix.join(posix.dirname(file), m[1]!)).replace(/\.js$/, '.ts'));
  }
  return found;
}

/** Imports that break the floor plan, as "a.ts -> b.ts (layer x -> y)". */
export function layerViolations(files: { file: string; text: string }[]): string[] {
  const bad: string[] = [];
  for (const { file, text } of files) {
    const from = folderOf(file);
    for (const target of importsOf(file, text)) {
      const to = folderOf(target);
      if (from === to) continue;
      const a = LAYERS[from];
      const b = LAYERS[to];
      if (a === undefined || b === undefined || b >= a) bad.push(`${file} -> ${target} (${from}:${a} -> ${to}:${b})`);
    }
  }
  return bad;
}
