// The unit tests that start handlers, workers or the orchestrator as real processes start
// them from the build in dist/, as a user and the bats tests do: a `node dist/….js` start
// costs about 0.07 s of CPU, the same start through tsx on the sources 0.3–0.45 s, and the
// suite makes a few hundred of them (docs/TESTING.md, "The suite's speed").
// tests/unit/global_setup.ts makes sure dist/ is not older than the sources, and that its
// entry points are bundles (scripts/bundle.mjs), before any test runs, so these tests never
// run yesterday's build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

/** The built file of a source, e.g. `phases/execution.ts` → `<ROOT>/dist/phases/execution.js`. */
export function built(source: string): string {
  if (!source.endsWith('.ts')) throw new Error(`built(${source}): a .ts source under the checkout is expected`);
  return join(ROOT, 'dist', source.replace(/\.ts$/, '.js'));
}

/** The sources tsconfig.json compiles (its `include` folders and root *.ts, less its `exclude`). */
export function compiledSources(root = ROOT): string[] {
  const config = JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[]; exclude: string[] };
  const excluded = new Set(config.exclude.filter((e) => e.endsWith('.ts') && !e.includes('*')));
  const out: string[] = [];
  const walk = (dir: string, deep: boolean) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory() && deep) walk(path, true);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts')) {
        const rel = relative(root, path);
        if (!excluded.has(rel)) out.push(rel);
      }
    }
  };
  for (const pattern of config.include) {
    if (pattern === '*.ts') walk(root, false);
    else {
      const m = /^([\w-]+)\/\*\*\/\*\.ts$/.exec(pattern);
      if (!m) throw new Error(`tsconfig.json include ${pattern}: tests/unit/built.ts knows "*.ts" and "<folder>/**/*.ts"`);
      if (existsSync(join(root, m[1]!))) walk(join(root, m[1]!), true);
    }
  }
  return out.sort();
}

/** The first source whose build in dist/ is missing or older than it, or undefined when dist/ is current. */
export function staleSource(root = ROOT): string | undefined {
  for (const source of compiledSources(root)) {
    const out = join(root, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(join(root, source)).mtimeMs) return source;
  }
  return undefined;
}

/** The entry points `npm run build` bundles (scripts/bundle.mjs), as sources: `status.ts`, … */
export async function entrySources(): Promise<string[]> {
  const bundler = (await import('../../scripts/bundle.mjs')) as { entryPoints(): string[] };
  return bundler.entryPoints();
}

// A static import or re-export of a module by relative path: what tsc's output of an entry
// has and its bundle does not.
const RELATIVE_STATIC = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]\.\.?\/|^\s*import\s*['"]\.\.?\//m;

/** Is this text of a built entry a bundle: no static import of a module of ours. */
export const isBundle = (text: string) => !RELATIVE_STATIC.test(text);

/** The `import('./…')` / `import('../…')` a built file still makes, as absolute paths. */
export function relativeDynamicImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bimport\(\s*['"](\.\.?\/[^'"]+)['"]\s*\)/g)].map((m) => resolve(dirname(file), m[1]!));
}

/** The first of `entries` (sources) whose build under `root`/dist is missing, not a bundle, or older than scripts/bundle.mjs. */
export function unbundledEntry(entries: string[], root = ROOT): string | undefined {
  const bundler = join(root, 'scripts', 'bundle.mjs');
  const since = existsSync(bundler) ? statSync(bundler).mtimeMs : 0;
  for (const source of entries) {
    const out = join(root, 'dist', source.replace(/\.ts$/, '.js'));
    if (!existsSync(out) || statSync(out).mtimeMs < since || !isBundle(readFileSync(out, 'utf8'))) return source;
  }
  return undefined;
}

/** `npm run build` without npm: tsc, then the bundles. Undefined when it worked, else the messages. */
export function buildDist(root = ROOT): string | undefined {
  for (const step of [[join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], [join(root, 'scripts', 'bundle.mjs')]]) {
    const r = spawnSync(process.execPath, step, { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) return `${relative(root, step[0]!)} failed: ${r.stdout}${r.stderr}`;
  }
  return undefined;
}
