// orchestrator.log: rotated by size, every line stamped with who said it; and the
// cause kept in last_error when a handler fails for the last time.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RotatingLog } from '../../core/rotating_log.js';
import { specificCause } from '../../orchestrator.js';
import { tempDir } from './helpers.js';

describe('RotatingLog', () => {
  it('stamps lines, rotates by size and keeps `keep` old generations', () => {
    const file = join(tempDir(), 'logs', 'orchestrator.log');
    const log = new RotatingLog(file, 200, 2);
    for (let i = 0; i < 20; i++) log.line('h', `line ${i} ${'x'.repeat(20)}`);
    const current = readFileSync(file, 'utf8');
    expect(current).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] \[h\] line \d+ x+\n/);
    expect(current.length).toBeLessThanOrEqual(200);
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(existsSync(`${file}.2`)).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(current).toContain('line 19 ');
  });

  it('creates its own folder, never a deleted project folder above it (D21)', () => {
    const project = join(tempDir(), 'proj');
    const log = new RotatingLog(join(project, '.argo-project', 'logs', 'orchestrator.log'));
    log.line('orchestrator', 'Started');
    expect(existsSync(project)).toBe(false);
    const there = join(tempDir(), '.argo-project');
    mkdirSync(there);
    new RotatingLog(join(there, 'logs', 'orchestrator.log')).line('orchestrator', 'Started');
    expect(readFileSync(join(there, 'logs', 'orchestrator.log'), 'utf8')).toContain('[orchestrator] Started');
  });

  it('a sink logs whole lines and the last partial one at its end', () => {
    const file = join(tempDir(), 'o.log');
    const log = new RotatingLog(file);
    const sink = log.sink('design_program');
    sink.write('one\ntw');
    sink.write('o\nthr');
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual(['[design_program] one', '[design_program] two']);
    sink.end();
    expect(readFileSync(file, 'utf8')).toMatch(/\[design_program\] thr\n$/);
  });
});

describe('specificCause', () => {
  it.each([
    ['what the handler recorded wins', 'CI tool not available', ['ERROR: CI tool not found: x'], 'CI tool not available'],
    ['else its last ERROR line', '', ['=== merge_build phase ===', 'ERROR: Not a git repository', 'bye'], 'merge_build: Not a git repository'],
    ['else its last stderr line', '', ['warning: a', 'fatal: b', ''], 'merge_build: fatal: b'],
    ['our own generic line is not a cause', 'Handler merge_build failed with exit status 1', ['ERROR: disk full'], 'merge_build: disk full'],
    ['silence: the generic line', '', [], 'Handler merge_build failed with exit status 4'],
  ])('%s', (_n, recorded, stderr, want) => {
    expect(specificCause(recorded, stderr, 'merge_build', stderr.length ? 1 : 4)).toBe(want);
  });
});
