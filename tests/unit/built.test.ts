// The unit tests run handlers from dist/ (tests/unit/built.ts); global_setup.ts rebuilds it
// when staleSource finds a source newer than its build, so no test runs an old build.
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { built, compiledSources, ROOT, staleSource } from './built.js';
import { tempDir } from './helpers.js';

function tree(): string {
  const root = tempDir();
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ include: ['*.ts', 'core/**/*.ts', 'gone/**/*.ts'], exclude: ['tests', 'vitest.config.ts', 'core/skip.ts'] }));
  mkdirSync(join(root, 'core', 'deep'), { recursive: true });
  mkdirSync(join(root, 'tests'));
  for (const f of ['main.ts', 'vitest.config.ts', 'core/a.ts', 'core/deep/b.ts', 'core/skip.ts', 'core/a.test.ts', 'core/types.d.ts', 'tests/t.ts']) writeFileSync(join(root, f), '');
  return root;
}

function build(root: string, sources: string[], at: Date): void {
  for (const s of sources) {
    const out = join(root, 'dist', s.replace(/\.ts$/, '.js'));
    mkdirSync(join(out, '..'), { recursive: true });
    writeFileSync(out, '');
    utimesSync(out, at, at);
  }
}

describe('dist/ against the sources', () => {
  it('the sources are what tsconfig.json compiles: no tests, declarations or excluded files', () => {
    expect(compiledSources(tree())).toEqual(['core/a.ts', 'core/deep/b.ts', 'main.ts']);
  });

  it('a source without a build, or newer than its build, is stale; a current build is not', () => {
    const root = tree();
    const then = new Date(Date.now() - 60_000);
    for (const s of ['main.ts', 'core/a.ts', 'core/deep/b.ts']) utimesSync(join(root, s), then, then);
    build(root, ['main.ts', 'core/a.ts'], new Date());
    expect(staleSource(root)).toBe('core/deep/b.ts');
    build(root, ['core/deep/b.ts'], new Date());
    expect(staleSource(root)).toBeUndefined();
    utimesSync(join(root, 'core/a.ts'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(staleSource(root)).toBe('core/a.ts');
  });

  it('built() names the file under dist/ and refuses what is not a .ts source', () => {
    expect(built('phases/execution.ts')).toBe(join(ROOT, 'dist', 'phases', 'execution.js'));
    expect(() => built('phases/execution.sh')).toThrow(/a \.ts source/);
  });

  it('this checkout: dist/ is current when the tests run (global_setup.ts built it if not)', () => {
    expect(staleSource()).toBeUndefined();
  });
});
