// The worker's one way of running a builder: a time limit or an abort ends the builder's
// whole process group (what it started too), and the outcome says which cause won.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { pidAlive } from '../../../lib/process.js';
import { runBuilder } from '../../../distributed/run_builder.js';
import { until } from './cluster.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A builder that starts a grandchild, records its pid, and waits forever. */
function hangingTool(): { dir: string; tool: string; grandchild: () => number | undefined } {
  const dir = mkdtempSync(join(tmpdir(), 'argo-runb-'));
  dirs.push(dir);
  const tool = join(dir, 'hang');
  writeFileSync(tool, `#!/bin/bash\nsleep 300 & echo $! > "${dir}/child"\nwait\n`);
  chmodSync(tool, 0o755);
  const file = join(dir, 'child');
  return { dir, tool, grandchild: () => (existsSync(file) && readFileSync(file, 'utf8').trim() ? Number(readFileSync(file, 'utf8')) : undefined) };
}

it('a time limit ends the builder and what it started', async () => {
  const t = hangingTool();
  const run = runBuilder({ tool: t.tool, prompt: 'p', cwd: t.dir, env: process.env, logFile: join(t.dir, 'log'), signal: new AbortController().signal, timeoutMs: 500, builder: { id: 'x', branch: 'argo-builder-x' } });
  const child = await until('the grandchild', () => t.grandchild());
  const out = await run;
  expect(out).toMatchObject({ timedOut: true, canceled: false });
  expect(out.exitCode).not.toBe(0);
  await until('the grandchild gone', () => !pidAlive(child), 10_000);
});

it('an abort (cancelled job, lost claim) ends the builder and what it started', async () => {
  const t = hangingTool();
  const abort = new AbortController();
  const run = runBuilder({ tool: t.tool, prompt: 'p', cwd: t.dir, env: process.env, logFile: join(t.dir, 'log'), signal: abort.signal, timeoutMs: null, builder: { id: 'x', branch: 'argo-builder-x' } });
  const child = await until('the grandchild', () => t.grandchild());
  abort.abort(new Error('claim lost'));
  expect(await run).toMatchObject({ timedOut: false, canceled: true });
  await until('the grandchild gone', () => !pidAlive(child), 10_000);
});

it('a builder that ends by itself: its exit status, the wrapper writes .build_result', async () => {
  const t = hangingTool();
  writeFileSync(t.tool, '#!/bin/bash\necho working\nexit 3\n');
  const out = await runBuilder({ tool: t.tool, prompt: 'p', cwd: t.dir, env: process.env, logFile: join(t.dir, 'log'), signal: new AbortController().signal, timeoutMs: 60_000, builder: { id: 'x', branch: 'argo-builder-x' } });
  expect(out).toMatchObject({ exitCode: 3, timedOut: false, canceled: false });
  expect(readFileSync(join(t.dir, 'log'), 'utf8')).toContain('working');
  expect(readFileSync(join(t.dir, '.build_result'), 'utf8').trim()).toBe('3');
});
