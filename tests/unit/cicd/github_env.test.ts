import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { githubOutputText, outputValues, stepSummaryMarkdown, writeGithubFiles } from '../../../cicd/github_env.js';
import { report } from './report_fixture.js';

describe('GitHub Actions step summary and outputs', () => {
  it('the summary shows status and why, each component with status, verify, diff stats and cost, and the totals', () => {
    const md = stepSummaryMarkdown(report({ pr_url: 'https://github.com/acme/w/pull/7' }));
    expect(md).toContain('## argo run: done (exit 0)');
    expect(md).toContain('every component merged and verified');
    expect(md).toContain('Branch: `argo/build-a-calculator-1a2b3c`');
    expect(md).toContain('Pull request: https://github.com/acme/w/pull/7');
    expect(md).toContain('| `core` | merged | passed | 2 files changed, 40 insertions(+) | $0.42 |');
    expect(md).toContain('| `cli` | merged | failed | - | unknown |');
    expect(md).toContain('Tokens: 1200 in / 340 out; cost: $0.42');
  });

  it('a run that needs a person says why in the summary', () => {
    const md = stepSummaryMarkdown(report({ status: 'needs_person', exit_code: 2, reason: 'merge conflict in shared.txt: a person must resolve it', branch: null }));
    expect(md).toContain('## argo run: a person is needed (exit 2)');
    expect(md).toContain('merge conflict in shared.txt: a person must resolve it');
    expect(md).not.toContain('Branch:');
  });

  it('outputs are status, branch, pr_url, cost_usd (empty when unknown)', () => {
    expect(outputValues(report())).toEqual([
      ['status', 'done'],
      ['branch', 'argo/build-a-calculator-1a2b3c'],
      ['pr_url', ''],
      ['cost_usd', '0.42'],
    ]);
    expect(outputValues(report({ cost_usd: null, branch: null }))).toEqual([
      ['status', 'done'],
      ['branch', ''],
      ['pr_url', ''],
      ['cost_usd', ''],
    ]);
  });

  it('a value with a line break uses the heredoc form with a delimiter it does not contain: it cannot set another output', () => {
    const ids = ['EOF', 'EOF', 'D2'];
    const text = githubOutputText([['a', '1'], ['evil', 'x\nEOF\nstatus=done']], () => ids.shift()!);
    expect(text).toBe('a=1\nevil<<D2\nx\nEOF\nstatus=done\nD2\n');
    const random = githubOutputText([['m', 'one\ntwo']]);
    expect(random).toMatch(/^m<<ARGO_EOF_[0-9a-f-]{36}\none\ntwo\nARGO_EOF_[0-9a-f-]{36}\n$/);
  });

  it('writeGithubFiles appends to the named files and does nothing without the variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'argo-gh-'));
    const summary = join(dir, 'summary.md');
    const output = join(dir, 'output');
    writeFileSync(output, 'earlier=1\n');
    writeGithubFiles(report(), { GITHUB_STEP_SUMMARY: summary, GITHUB_OUTPUT: output });
    expect(readFileSync(summary, 'utf8')).toContain('## argo run: done (exit 0)');
    expect(readFileSync(output, 'utf8')).toBe('earlier=1\nstatus=done\nbranch=argo/build-a-calculator-1a2b3c\npr_url=\ncost_usd=0.42\n');
    expect(() => writeGithubFiles(report(), {})).not.toThrow();
  });
});
