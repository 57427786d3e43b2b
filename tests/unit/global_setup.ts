// Before any unit test: dist/ must hold the build of today's sources, its entry points
// bundled, since the tests that start handlers, workers and the orchestrator run it
// (tests/unit/built.ts). `npm test` has just built it; after an edit (`npx vitest run …`
// alone), or after a bare `tsc` (which writes unbundled entries), it is built here, once —
// tsc, then scripts/bundle.mjs, as `npm run build` — and a failed build fails the run with
// the build's own messages instead of testing an old build.
// Also: the folder of the run's one shared PostgreSQL (distributed/pg_harness.ts), started
// by the first test file that needs it and stopped here at the end.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDist, entrySources, staleSource, unbundledEntry } from './built.js';
import { SHARED_PG_VAR, stopSharedPostgres } from './distributed/pg_harness.js';

export default async function setup(): Promise<() => Promise<void>> {
  await build();
  const pgDir = mkdtempSync(join(tmpdir(), 'argo-test-pg-'));
  process.env[SHARED_PG_VAR] = pgDir; // the test workers inherit it
  return () => stopSharedPostgres(pgDir);
}

async function build(): Promise<void> {
  const entries = await entrySources();
  const why = () => {
    const stale = staleSource();
    if (stale !== undefined) return `dist/ is older than ${stale} (or lacks it)`;
    const flat = unbundledEntry(entries);
    return flat === undefined ? undefined : `dist/'s build of ${flat} is not a current bundle (scripts/bundle.mjs)`;
  };
  const reason = why();
  if (reason === undefined) return;
  process.stderr.write(`${reason}: building it (npm run build) before the unit tests\n`);
  const failed = buildDist();
  if (failed !== undefined) throw new Error(`npm run build failed (the unit tests run dist/): ${failed}`);
  const still = why();
  if (still !== undefined) throw new Error(`${still} after npm run build (a source missing from dist/: is it in tsconfig.json's include?)`);
}
