// Before any unit test: dist/ must hold the build of today's sources, since the tests that
// start handlers, workers and the orchestrator run it (tests/unit/built.ts). `npm test` has
// just built it; after an edit (`npx vitest run …` alone) it is built here, once, and a
// failed build fails the run with tsc's own messages instead of testing an old build.
// Also: the folder of the run's one shared PostgreSQL (distributed/pg_harness.ts), started
// by the first test file that needs it and stopped here at the end.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, staleSource } from './built.js';
import { SHARED_PG_VAR, stopSharedPostgres } from './distributed/pg_harness.js';

export default function setup(): () => Promise<void> {
  build();
  const pgDir = mkdtempSync(join(tmpdir(), 'argo-test-pg-'));
  process.env[SHARED_PG_VAR] = pgDir; // the test workers inherit it
  return () => stopSharedPostgres(pgDir);
}

function build(): void {
  const stale = staleSource();
  if (stale === undefined) return;
  process.stderr.write(`dist/ is older than ${stale} (or lacks it): building it (npm run build) before the unit tests\n`);
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: ROOT, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`npm run build failed (the unit tests run dist/): ${tsc.stdout}${tsc.stderr}`);
  const still = staleSource();
  if (still !== undefined) throw new Error(`dist/ still lacks a current build of ${still} after npm run build: is it in tsconfig.json's include?`);
}
