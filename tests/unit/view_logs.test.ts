// argo logs -f: follows appends, and starts over when the file was rotated or truncated.
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followFile } from '../../view/logs.js';
import { tailLines } from '../../view/read.js';
import { tempDir } from './helpers.js';

async function until(cond: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('followFile', () => {
  it('appends, then a rotation (a new, shorter file) is read from its start', async () => {
    const file = join(tempDir(), 'orchestrator.log');
    writeFileSync(file, 'old line\n');
    let got = '';
    const stop = new AbortController();
    const done = followFile(file, 9, (s) => (got += s), stop.signal);
    appendFileSync(file, 'two\n');
    await until(() => got === 'two\n');
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'x\n');
    await until(() => got === 'two\nx\n');
    stop.abort();
    await done;
  });
});

describe('tailLines', () => {
  it('last lines, a cut first line dropped, missing file empty', () => {
    const file = join(tempDir(), 'w.log');
    writeFileSync(file, Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n') + '\n');
    expect(tailLines(file, 2)).toEqual(['line 98', 'line 99']);
    expect(tailLines(file, 1000, 30)).toEqual(['line 97', 'line 98', 'line 99']);
    expect(tailLines(join(file, 'nope'), 5)).toEqual([]);
  });
});
