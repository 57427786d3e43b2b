// The unit tests that start handlers, workers or the orchestrator as real processes start
// them from the build in dist/, as a user and the bats tests do: a `node dist/….js` start
// costs about 0.07 s of CPU, the same start through tsx on the sources 0.3–0.45 s, and the
// suite makes a few hundred of them (docs/TESTING.md, "The suite's speed").
// tests/unit/global_setup.ts makes sure dist/ is not older than the sources before any test
// runs, so these tests never run yesterday's build.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

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
