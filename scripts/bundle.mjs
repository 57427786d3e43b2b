#!/usr/bin/env node
// The second half of `npm run build` (after tsc): every entry point in dist/ becomes one
// file, the bundle of the modules it needs, so that a process loads one file of ours
// instead of 30–70 small ESM modules (Node 20's loader costs ≈ 0.6–0.9 ms of CPU per
// module: README.md, "Stack"; numbers in docs/TESTING.md, "The suite's speed").
//
// - Entries: every module ending in `runIfEntry('<its path>', main)` (the name must be its
//   own path: core/cli.ts compares it with the started file), and the files loaded by
//   path or by name without being such a program (EXTRA).
// - Each bundle is written over tsc's .js at the same path (dist/status.js, …); the .d.ts
//   and the other modules tsc wrote stay (the tests import some of them in-process).
// - Bundled from the TypeScript sources, never from dist/, so running this twice gives
//   the same files.
// - `import()` of another entry stays an import of that entry's own bundle (compat/argo.js
//   loads dist/status.js for `argo status`); any other `import()` of ours is bundled, and
//   evaluated only when it runs (execution.js' distributed/ part). node_modules stay
//   outside (`packages: 'external'`): pg-boss and jq-wasm load from node_modules.
// - But execa (VENDORED): it is bundled once, into dist/vendor/execa.js, and the bundles
//   import it as `#execa` (package.json "imports" names that file). Loaded from node_modules
//   it is ≈ 60 modules, some CommonJS that Node's ESM loader first scans for their exports:
//   ≈ 150 ms of CPU in every handler that starts a child with it, ≈ 50 as one file.
import { mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Packages bundled once into dist/vendor/<name>.js and imported by the bundles as `#<name>`. */
export const VENDORED = ['execa'];
/** A vendored bundle's own CommonJS parts call require(): the ESM file defines it for them. */
const VENDOR_BANNER = "import { createRequire as __vendorRequire } from 'node:module';\nconst require = __vendorRequire(import.meta.url);";
/** Entries that are not programs: a worker thread, `argo worker`, the API users' handlers import. */
const EXTRA = ['compat/jq_worker.ts', 'distributed/worker_cli.ts', 'handler/index.ts'];
const ENTRY_LINE = /^runIfEntry\('([^']*)', main\);$/m;

/** The sources tsc compiles (tsconfig.json's "*.ts" and "<folder>/**\/*.ts", less its exclusions). */
function sources() {
  const config = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  const excluded = new Set(config.exclude);
  const out = [];
  const walk = (dir, deep) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory() && deep) walk(rel, true);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts') && !excluded.has(rel)) out.push(rel);
    }
  };
  for (const pattern of config.include) {
    const folder = /^([\w-]+)\/\*\*\/\*\.ts$/.exec(pattern)?.[1];
    if (pattern === '*.ts') walk('', false);
    else if (folder) walk(folder, true);
    else throw new Error(`scripts/bundle.mjs: tsconfig.json include ${pattern}: only "*.ts" and "<folder>/**/*.ts" are known`);
  }
  return out.sort();
}

/** Every entry point (paths relative to ROOT, .ts), checked: a program's name is its own path. */
export function entryPoints() {
  const entries = [];
  for (const file of sources()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const m = ENTRY_LINE.exec(text);
    if (!m) {
      if (file !== 'core/cli.ts' && /^\s*runIfEntry\(/m.test(text)) throw new Error(`${file}: an entry point ends with the line runIfEntry('${file.replace(/\.ts$/, '')}', main);`);
      continue;
    }
    if (m[1] !== file.replace(/\.ts$/, '')) throw new Error(`${file}: runIfEntry('${m[1]}', main) must name the file itself: runIfEntry('${file.replace(/\.ts$/, '')}', main)`);
    entries.push(file);
  }
  return [...entries, ...EXTRA];
}

/** `import('../status.js')` of another entry: left to load that entry's bundle. */
function entriesStayApart(entries) {
  const sourcesOfEntries = new Set(entries.map((e) => join(ROOT, e)));
  return {
    name: 'entries-stay-apart',
    setup(b) {
      b.onResolve({ filter: /^\.\.?\// }, (args) => {
        if (args.kind !== 'dynamic-import') return undefined;
        const target = resolve(args.resolveDir, args.path.replace(/\.js$/, '.ts'));
        return sourcesOfEntries.has(target) ? { path: args.path, external: true } : undefined;
      });
    },
  };
}

/** An import of a vendored package becomes an import of `#<name>`, resolved by package.json "imports". */
function vendoredByName() {
  const names = new RegExp(`^(${VENDORED.join('|')})$`);
  return {
    name: 'vendored-by-name',
    setup(b) {
      b.onResolve({ filter: names }, (args) => ({ path: `#${args.path}`, external: true }));
    },
  };
}

/** Package.json must map each `#<name>` to its file under dist/vendor/: the bundles would not load otherwise. */
export function vendorMappingErrors(pkg) {
  return VENDORED.flatMap((name) => {
    const want = `./dist/vendor/${name}.js`;
    const got = pkg.imports?.[`#${name}`];
    return got === want ? [] : [`package.json "imports" maps "#${name}" to ${JSON.stringify(got ?? null)}; the bundles need "${want}"`];
  });
}

/** Each vendored package as one ES module file. */
async function vendorBundles() {
  const files = [];
  for (const name of VENDORED) {
    const result = await build({
      absWorkingDir: ROOT,
      stdin: { contents: `export * from '${name}';`, resolveDir: ROOT, sourcefile: `vendor/${name}.js`, loader: 'js' },
      outfile: join(ROOT, 'dist', 'vendor', `${name}.js`),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      banner: { js: VENDOR_BANNER },
      write: false,
      logLevel: 'warning',
    });
    files.push(...result.outputFiles);
  }
  return files;
}

/**
 * Packages a bundle would load at start-up that its modules loaded only on demand: esbuild
 * hoists a lazily evaluated module's static imports of packages (pg-boss in distributed/,
 * reached by `import()` from execution.ts) to the top of the bundle. Such a module must
 * `import()` the package where it needs it instead.
 */
export function eagerPackages(metafile) {
  const found = [];
  for (const [out, meta] of Object.entries(metafile.outputs)) {
    if (!meta.entryPoint) continue;
    const atStart = new Set([meta.entryPoint]);
    for (const path of atStart) {
      for (const i of metafile.inputs[path]?.imports ?? []) if (i.kind === 'import-statement' && !i.external) atStart.add(i.path);
    }
    for (const path of Object.keys(meta.inputs)) {
      if (atStart.has(path)) continue;
      for (const i of metafile.inputs[path]?.imports ?? []) {
        if (i.kind === 'import-statement' && i.external && !i.path.startsWith('node:')) found.push(`${relative(ROOT, out)}: ${path} imports '${i.path}'`);
      }
    }
  }
  return found;
}

async function main() {
  const mapping = vendorMappingErrors(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')));
  if (mapping.length > 0) throw new Error(mapping.join('\n'));
  const entries = entryPoints();
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: entries.map((e) => join(ROOT, e)),
    outbase: ROOT,
    outdir: join(ROOT, 'dist'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    minify: false,
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [entriesStayApart(entries), vendoredByName()],
  });
  const eager = eagerPackages(result.metafile);
  if (eager.length > 0) throw new Error(`a package would load at every start of a bundle (import it with import() where it is needed):\n  ${eager.join('\n  ')}`);
  const files = [...result.outputFiles, ...(await vendorBundles())];
  for (const file of files) {
    if (!file.path.startsWith(join(ROOT, 'dist') + sep)) throw new Error(`scripts/bundle.mjs: ${file.path} is outside dist/`);
    const tmp = `${file.path}.${process.pid}.tmp`;
    mkdirSync(dirname(file.path), { recursive: true });
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path); // a helper already running keeps its file; the next start reads the new one
  }
  if (process.env.ARGO_BUNDLE_VERBOSE) {
    for (const file of files) process.stdout.write(`${relative(ROOT, file.path)} ${(file.contents.length / 1024).toFixed(0)} KB\n`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`ERROR: bundling dist/ failed: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
