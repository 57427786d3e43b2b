// The unit tests run handlers from dist/ (tests/unit/built.ts); global_setup.ts rebuilds it
// when staleSource finds a source newer than its build, so no test runs an old build.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isEntry, runIfEntry } from '../../core/cli.js';
import { built, compiledSources, entrySources, isBundle, relativeDynamicImports, ROOT, staleSource, unbundledEntry } from './built.js';
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

describe('entry points are bundles (scripts/bundle.mjs)', () => {
  it('tsc output is not a bundle (it imports modules of ours); a bundle imports only node and packages', () => {
    expect(isBundle("import { runIfEntry } from './core/cli.js';\nrunIfEntry('status', main);")).toBe(false);
    expect(isBundle('import {\n  a,\n  b\n} from "../store/state.js";')).toBe(false);
    expect(isBundle("export { x } from './x.js';")).toBe(false);
    expect(isBundle("import './side_effect.js';")).toBe(false);
    expect(isBundle('import { spawn } from "node:child_process";\nimport { $ } from "zx";\nconst s = "./not/an/import.js";\nconst m = () => import("../status.js");')).toBe(true);
  });

  it('unbundledEntry names an entry whose build is missing, flat or older than the bundler, and none when all are current bundles', () => {
    const root = tempDir();
    mkdirSync(join(root, 'dist', 'phases'), { recursive: true });
    writeFileSync(join(root, 'dist', 'status.js'), 'import { a } from "node:fs";\n');
    writeFileSync(join(root, 'dist', 'phases', 'execution.js'), "import { runIfEntry } from '../core/cli.js';\n");
    expect(unbundledEntry(['status.ts', 'phases/execution.ts'], root)).toBe('phases/execution.ts');
    expect(unbundledEntry(['status.ts', 'approve.ts'], root)).toBe('approve.ts');
    expect(unbundledEntry(['status.ts'], root)).toBeUndefined();
    mkdirSync(join(root, 'scripts'));
    writeFileSync(join(root, 'scripts', 'bundle.mjs'), '');
    utimesSync(join(root, 'scripts', 'bundle.mjs'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(unbundledEntry(['status.ts'], root)).toBe('status.ts'); // built before the bundler changed
  });

  it('this checkout: every entry in dist/ is a bundle, and what one still import()s is another entry', async () => {
    const entries = await entrySources();
    expect(entries).toEqual(expect.arrayContaining(['compat/argo.ts', 'status.ts', 'phases/execution.ts', 'orchestrator.ts', 'compat/shim_server.ts', 'compat/jq_worker.ts']));
    expect(unbundledEntry(entries)).toBeUndefined();
    const bundles = new Set(entries.map((e) => built(e)));
    for (const file of bundles) expect(relativeDynamicImports(file).filter((target) => !bundles.has(target)), file).toEqual([]);
  });

  it('the build refuses a package that a bundle would load at start while its module is only reached by import()', async () => {
    const { eagerPackages } = (await import('../../scripts/bundle.mjs')) as { eagerPackages(m: unknown): string[] };
    const imports = (...list: [string, string, boolean?][]) => ({ imports: list.map(([path, kind, external]) => ({ path, kind, external: external ?? false })) });
    const metafile = (queueImport: 'import-statement' | 'dynamic-import') => ({
      inputs: {
        'phases/execution.ts': imports(['core/cli.ts', 'import-statement'], ['distributed/remote.ts', 'dynamic-import']),
        'core/cli.ts': imports(['node:fs', 'import-statement', true]),
        'distributed/remote.ts': imports(['distributed/queue.ts', 'import-statement']),
        'distributed/queue.ts': imports(['pg-boss', queueImport, true]),
        'distributed/worker_cli.ts': imports(['distributed/queue.ts', 'import-statement']),
      },
      outputs: {
        [join(ROOT, 'dist/phases/execution.js')]: { entryPoint: 'phases/execution.ts', inputs: { 'phases/execution.ts': {}, 'core/cli.ts': {}, 'distributed/remote.ts': {}, 'distributed/queue.ts': {} } },
        [join(ROOT, 'dist/distributed/worker_cli.js')]: { entryPoint: 'distributed/worker_cli.ts', inputs: { 'distributed/worker_cli.ts': {}, 'distributed/queue.ts': {} } },
      },
    });
    expect(eagerPackages(metafile('import-statement'))).toEqual(["dist/phases/execution.js: distributed/queue.ts imports 'pg-boss'"]);
    expect(eagerPackages(metafile('dynamic-import'))).toEqual([]);
  });

  it('execa is vendored: the bundles import it as #execa (package.json "imports"), never from node_modules by name, and its one file runs a child as a plain ES module', async () => {
    const { vendorMappingErrors, VENDORED } = (await import('../../scripts/bundle.mjs')) as { vendorMappingErrors(p: unknown): string[]; VENDORED: string[] };
    expect(VENDORED).toEqual(['execa']);
    expect(vendorMappingErrors(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')))).toEqual([]);
    expect(vendorMappingErrors({})).toEqual(['package.json "imports" maps "#execa" to null; the bundles need "./dist/vendor/execa.js"']);
    expect(vendorMappingErrors({ imports: { '#execa': './node_modules/execa/index.js' } })).toEqual(['package.json "imports" maps "#execa" to "./node_modules/execa/index.js"; the bundles need "./dist/vendor/execa.js"']);
    for (const entry of ['phases/execution.ts', 'phases/design_program.ts']) {
      const text = readFileSync(built(entry), 'utf8');
      expect(text, entry).toContain('import("#execa")');
      expect(text, entry).not.toMatch(/(from|import\()\s*["']execa["']/);
    }
    // no require() in an ES module: the bundle's CommonJS parts get one from its banner
    const script = `const { execa } = await import(${JSON.stringify(join(ROOT, 'dist/vendor/execa.js'))}); const r = await execa('sh', ['-c', 'echo out; exit 3'], { reject: false }); console.log(r.stdout, r.exitCode);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('out 3\n');
  });

  it('isEntry: the started file is the build of that name (or its source under tsx), in that install only', () => {
    expect(isEntry('phases/execution', '/opt/argo/dist/phases/execution.js', '/opt/argo')).toBe(true);
    expect(isEntry('phases/execution', '/opt/argo/phases/execution.ts', '/opt/argo')).toBe(true);
    expect(isEntry('status', '/opt/argo/dist/compat/argo.js', '/opt/argo')).toBe(false);
    expect(isEntry('status', '/opt/argo/dist/view/status.js', '/opt/argo')).toBe(false);
    expect(isEntry('status', '/elsewhere/dist/status.js', '/opt/argo')).toBe(false);
    expect(isEntry('status', 'dist/status.js', '')).toBe(false);
  });

  it('runIfEntry refuses what is not an entry path (the former import.meta.url would silently never run)', () => {
    const main = async () => 0;
    expect(() => runIfEntry('file:///opt/argo/dist/status.js', main)).toThrow(/name the entry by its path/);
    expect(() => runIfEntry('/opt/argo/dist/status.js', main)).toThrow(/name the entry by its path/);
    expect(() => runIfEntry('status.js', main)).toThrow(/name the entry by its path/);
    expect(() => runIfEntry('phases/execution', main)).not.toThrow(); // not this process's entry: nothing runs
  });

  it('a bundle started under another name does not run its main; under its own name it does', () => {
    // A copy of the install's layout: compat/node.bash marks the root (core/install_root.ts).
    const root = tempDir();
    mkdirSync(join(root, 'compat'));
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'compat', 'node.bash'), '');
    copyFileSync(built('status.ts'), join(root, 'dist', 'status.js'));
    copyFileSync(built('status.ts'), join(root, 'dist', 'other.js'));
    const run = (file: string) => spawnSync(process.execPath, [join(root, 'dist', file), join(root, 'no-such-project')], { encoding: 'utf8', env: { ...process.env, ARGO_ROOT: '' } });
    const own = run('status.js');
    expect(own.stderr).toContain('ERROR: Invalid project path');
    expect(own.status).toBe(1);
    const other = run('other.js');
    expect([other.status, other.stdout, other.stderr]).toEqual([0, '', '']);
  });
});
