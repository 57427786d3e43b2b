import { execFile } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { bashFunctions as logFns } from '../../lib/logging_enhanced.js';
import { defaultConfig, readConfig, updateConfig } from '../../store/config.js';
import { getCiTool } from '../../agents/ci_choice.js';
import { stringifyJq } from '../../core/json_doc.js';
import { findProjectByPath, listProjects, registerProject } from '../../store/registry.js';
import { cleanupOldCheckpoints, checkpointListing, deleteCheckpoint, restoreCheckpoint, saveCheckpoint } from '../../store/checkpoints.js';
import { initStateFile, projectStatePaths, updateState } from '../../store/state.js';
import { ctxIn, ROOT, tempDir } from './helpers.js';

const run = promisify(execFile);
const fixture = join(ROOT, 'tests/unit/fixtures/libs_writer.mjs');

describe('logging', () => {
  it('8 processes × 50 lines give exactly 400 intact lines', async () => {
    const dir = tempDir();
    await Promise.all(Array.from({ length: 8 }, (_, w) => run(process.execPath, [fixture, 'log', dir, `W${w}`, '50'], { cwd: ROOT })));
    const lines = readFileSync(join(dir, 'workflow.log'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(400);
    for (const l of lines) expect(l).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] \[W\d\] line \d+ x{200}$/);
  });

  it('refuses builder ids that would escape the log folder', async () => {
    const ctx = ctxIn(tempDir());
    expect(await logFns.log_builder!(['../x', 'e', 'm'], ctx)).toBe(1);
    expect(ctx.stderr).toMatch(/invalid builder id/);
  });
});

describe('config', () => {
  it('reads values, defaults, false, objects; updates atomically; resolves the CI tool', async () => {
    const file = join(tempDir(), 'config.json');
    expect(await readConfig(file, 'ci.tool', 'dflt')).toBe('dflt');
    writeFileSync(file, stringifyJq(defaultConfig()));
    expect(await readConfig(file, 'ci.tool')).toBe('ci');
    expect(await readConfig(file, 'git.auto_commit', 'd')).toBe('false');
    expect(await readConfig(file, 'ci.model', 'd')).toBe('d');
    expect(await readConfig(file, 'ci')).toBe('{\n  "tool": "ci",\n  "model": null\n}');
    await updateConfig(file, 'ci.tool', 'claude');
    expect(await getCiTool({}, file)).toBe('claude');
    expect(await getCiTool({ CI_COMMAND: 'x' }, file)).toBe('x');
    await expect(updateConfig(file + '.missing', 'a', 'b')).rejects.toThrow(/Config file not found/);
  });
});

describe('registry', () => {
  it('keeps every entry when 4 processes register at once, ids unique', async () => {
    const file = join(tempDir(), 'reg', 'projects.json');
    await Promise.all(Array.from({ length: 4 }, (_, w) => run(process.execPath, [fixture, 'register', file, `p${w}-`, '5'], { cwd: ROOT })));
    const all = listProjects(file);
    expect(all).toHaveLength(20);
    expect(new Set(all.map(([id]) => id)).size).toBe(20);
    expect(findProjectByPath(file, '/p/p2-/3')).toMatch(/^p2-3-\d+$/);
  });

  it('gives same-second registrations of one name distinct ids (D23)', async () => {
    const file = join(tempDir(), 'projects.json');
    const a = await registerProject(file, 'same', '/a', {});
    const b = await registerProject(file, 'same', '/b', {});
    expect(a).not.toBe(b);
  });
});

describe('checkpoints', () => {
  it('save, list with ISO time and description, restore the newest, clean up old ones', async () => {
    const dir = tempDir();
    await initStateFile('cp', dir);
    const ctx = ctxIn(dir);
    const paths = projectStatePaths(dir, {});
    await updateState(paths, 'phase', 'one');
    const first = await saveCheckpoint(ctx, 'snap', 'first save');
    await updateState(paths, 'phase', 'two');
    expect(checkpointListing(ctx)).toEqual([expect.stringMatching(/^snap\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\tfirst save$/)]);
    await restoreCheckpoint(ctx, 'snap');
    expect(JSON.parse(readFileSync(paths.stateFile, 'utf8')).phase).toBe('one');
    const { utimesSync } = await import('node:fs');
    utimesSync(first, new Date(0), new Date(0));
    expect(await cleanupOldCheckpoints(ctx, 30)).toBe(1);
    expect(checkpointListing(ctx)).toEqual([]);
  });

  it('restore and delete take the newest of several same-named checkpoints (D19)', async () => {
    const dir = tempDir();
    await initStateFile('cp', dir);
    const ctx = ctxIn(dir);
    const paths = projectStatePaths(dir, {});
    const phase = () => JSON.parse(readFileSync(paths.stateFile, 'utf8')).phase;
    // two older saves, moved back in time by their file names (epoch 999 sorts last as text)
    for (const [p, epoch] of [['oldest', 999], ['middle', 1_000_000_000]] as const) {
      await updateState(paths, 'phase', p);
      const file = await saveCheckpoint(ctx, 'snap', p);
      renameSync(file, join(dirname(file), `${epoch}_snap.json`));
      renameSync(file.replace(/\.json$/, '.desc'), join(dirname(file), `${epoch}_snap.desc`));
    }
    await updateState(paths, 'phase', 'newest');
    await saveCheckpoint(ctx, 'snap', 'newest');
    await updateState(paths, 'phase', 'changed');
    expect(checkpointListing(ctx).map((l) => l.split('\t')[2])).toEqual(['oldest', 'middle', 'newest']);
    await restoreCheckpoint(ctx, 'snap');
    expect(phase()).toBe('newest');
    await deleteCheckpoint(ctx, 'snap');
    await restoreCheckpoint(ctx, 'snap');
    expect(phase()).toBe('middle');
  });
});
