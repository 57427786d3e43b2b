// `argo run`'s wait (cicd/follow.ts) on a project folder whose state a test writes: a look
// that falls between two writes of one hand-off does not end the run; a cancel does.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { follow, SETTLE_MS } from '../../../cicd/follow.js';
import { ProgressPrinter } from '../../../cicd/progress.js';
import { tempDir } from '../helpers.js';

function project(): { dir: string; write: (s: Record<string, unknown>) => void } {
  const dir = tempDir();
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  const write = (s: Record<string, unknown>) => {
    const file = join(dir, '.argo-project', 'state.json');
    writeFileSync(file + '.new', JSON.stringify({ project_name: 'demo', ...s }));
    renameSync(file + '.new', file); // replaced as mutateState does
  };
  return { dir, write };
}

const NEVER = { approve: 'never' as const, maxComponents: 10 };

describe('follow', () => {
  it('between the writes of the design hand-off (owner ci, action_needed still design_program) it waits; the hand-off completed ends it', async () => {
    const p = project();
    p.write({ phase: 'design', action_owner: 'ci', action_needed: 'design_program' });
    const lines: string[] = [];
    const t0 = Date.now();
    const ended = follow(p.dir, NEVER, new ProgressPrinter((l) => lines.push(l), false), new AbortController().signal, { say: (l) => lines.push(l) });
    setTimeout(() => p.write({ phase: 'design', action_owner: 'ci', action_needed: 'approve_design', design: { components: [{ id: 'a', description: 'A' }] } }), SETTLE_MS / 3);
    const end = await ended;
    expect(end).toEqual({ status: 'needs_person', reason: `--approve never: the plan (1 components) waits for a person: argo approve ${p.dir}` });
    expect(Date.now() - t0).toBeLessThan(SETTLE_MS);
    expect(lines).toEqual(['argo: phase design: ci → design_program', 'argo: phase design: ci → approve_design', 'argo: design: 1 component(s): a']);
  });

  it('a waiting place no hand-off names ends the run once it held SETTLE_MS', async () => {
    const p = project();
    p.write({ phase: 'design', action_owner: 'ci', action_needed: 'design_program' });
    const t0 = Date.now();
    const end = await follow(p.dir, NEVER, new ProgressPrinter(() => undefined, false), new AbortController().signal, { say: () => undefined });
    expect(end).toMatchObject({ status: 'needs_person' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(SETTLE_MS);
  });

  it('a cancel ends the wait at once', async () => {
    const p = project();
    p.write({ phase: 'design', action_owner: 'ci', action_needed: 'design_program' });
    const stop = new AbortController();
    const ended = follow(p.dir, NEVER, new ProgressPrinter(() => undefined, false), stop.signal, { say: () => undefined });
    setTimeout(() => stop.abort('SIGTERM'), 50);
    expect(await ended).toEqual({ cancelled: true });
  });
});
