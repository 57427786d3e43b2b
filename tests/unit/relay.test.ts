// A person's relay actions (argo approve, argo merge) check and hand off in ONE locked
// write: every replacement of state.json is recorded (node:fs renameSync, the last step
// of every state write), so a state between the check and the hand-off — what an
// orchestrator watching the file could dispatch — would be seen. And config.json's
// read-modify-write holds a lock: updates from several processes at once all survive.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

const writes: Record<string, unknown>[] = [];
vi.mock('node:fs', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs')>();
  const renameSync: typeof fs.renameSync = (from, to) => {
    fs.renameSync(from, to);
    if (String(to).endsWith(`${'/'}state.json`)) writes.push(JSON.parse(fs.readFileSync(to, 'utf8')) as Record<string, unknown>);
  };
  return { ...fs, default: { ...fs, renameSync }, renameSync };
});

const { main: approve } = await import('../../approve.js');
const { mergeAgain } = await import('../../steer/actions.js');
const { relay } = await import('../../store/hand_off.js');
const { projectStatePaths } = await import('../../store/state.js');

function project(state: Record<string, unknown>): string {
  const dir = tempDir();
  mkdirSync(join(dir, '.argo-project', 'logs'), { recursive: true });
  const doc = { project_name: 'p', phase: 'design', action_owner: 'ci', action_needed: 'approve_design', created: 'T0', last_update: 'T0', design: null, execution: null, ...state };
  writeFileSync(join(dir, '.argo-project', 'state.json'), JSON.stringify(doc, null, 2) + '\n');
  return dir;
}
const stateText = (dir: string) => readFileSync(join(dir, '.argo-project', 'state.json'), 'utf8');
const relayOf = (s: Record<string, unknown>) => `${String(s.phase)}/${String(s.action_owner)}/${String(s.action_needed)}`;

beforeEach(() => {
  writes.length = 0;
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

describe('argo approve: the check, the approval and the hand-off in one write', () => {
  it('nobody ever sees code owning approve_design, or design_build still owned by ci', async () => {
    const dir = project({ design: { summary: 's', components: [{ id: 'a', description: 'A' }], created: 'T0', approved: false } });
    const keys = Object.keys(JSON.parse(stateText(dir)) as object);
    expect(await approve([dir])).toBe(0);
    expect(writes.map(relayOf)).toEqual(['design/code/design_build']); // one write, already handed off
    const after = JSON.parse(stateText(dir)) as Record<string, any>;
    expect(after.design.approved).toBe(true);
    expect(after.last_update).not.toBe('T0'); // bumped, as update_state did
    expect(Object.keys(after)).toEqual(keys); // the document's shape and key order are as before
  });

  it('refused (nothing awaits approval): nothing is written', async () => {
    const dir = project({ action_owner: 'user', action_needed: 'review', design: { components: [{ id: 'a' }] } });
    const before = stateText(dir);
    expect(await approve([dir])).toBe(1);
    expect(writes).toEqual([]);
    expect(stateText(dir)).toBe(before);
  });
});

describe('relay', () => {
  it('merge again: one write; a refusing check writes nothing', async () => {
    const dir = project({ phase: 'merge_build', action_needed: 'resolve_conflicts', execution: { builders: [{ id: 'a', status: 'completed' }] } });
    await mergeAgain(dir);
    expect(writes.map(relayOf)).toEqual(['merge_build/code/merge_branches']);
    const before = stateText(dir);
    await expect(relay(projectStatePaths(dir), { phase: 'x', needed: 'y', owner: 'code' }, () => { throw new Error('no'); })).rejects.toThrow('no');
    expect(stateText(dir)).toBe(before);
    expect(writes).toHaveLength(1);
  });
});

describe('config.json under a lock', () => {
  it('updates from four processes at once all survive', async () => {
    const dir = tempDir();
    const file = join(dir, 'config.json');
    writeFileSync(file, '{}\n');
    const each = 40;
    const script = `import { updateConfig } from ${JSON.stringify(join(ROOT, 'dist/store/config.js'))};
const [file, who, n] = process.argv.slice(1);
for (let i = 0; i < Number(n); i++) await updateConfig(file, 'k.' + who + '_' + i, 'v');`;
    const env = { ...process.env };
    delete env.ARGO_STATE_LOCK_HELD;
    await Promise.all(['a', 'b', 'c', 'd'].map((who) => promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, file, who, String(each)], { env })));
    const k = (JSON.parse(readFileSync(file, 'utf8')) as { k: Record<string, string> }).k;
    expect(Object.keys(k)).toHaveLength(4 * each);
  }, 60_000);
});
