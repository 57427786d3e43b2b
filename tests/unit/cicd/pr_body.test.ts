import { describe, expect, it } from 'vitest';
import { PR_BODY_LIMIT, prBody, prTitle } from '../../../cicd/pr_body.js';
import { builder, report } from './report_fixture.js';

describe('the pull request body', () => {
  it('holds the requirement, the plan, each component with its summary and verify evidence, tokens and cost, and the re-run line', () => {
    const body = prBody(report());
    const at = (text: string) => {
      const i = body.indexOf(text);
      expect(i, `missing: ${text}\n${body}`).toBeGreaterThanOrEqual(0);
      return i;
    };
    expect(at('## Requirement')).toBeLessThan(at('> Build a calculator'));
    at('> It adds and subtracts.');
    expect(at('## Plan')).toBeLessThan(at('| `core` | The core logic | src/core.ts | - |'));
    at('| `cli` | A command line | - | core |');
    expect(at('### `core`: merged')).toBeLessThan(at('> Added the parser and its tests.'));
    at('Changes: 2 files changed, 40 insertions(+)');
    at('Verify: passed');
    at('Passed: <code>npm test</code>');
    at('12 tests passed');
    at('Tokens: 1200 in / 340 out; cost: $0.42');
    expect(at('### `cli`: merged')).toBeLessThan(at('Verify: failed'));
    at('FAIL cli.test.ts');
    at('Tokens: unknown; cost: unknown');
    expect(at('## Tokens and cost')).toBeLessThan(at('## Re-run'));
    at('```sh\nargo run --approve auto --push --pr "Build a calculator"\n```');
  });

  it('an agent\'s text cannot close the evidence block, break the plan table or inject markup', () => {
    const body = prBody(
      report({
        plan: [{ id: 'a|b', description: 'two\nlines | piped', paths: [], depends_on: [] }],
        builders: [builder({ verify: { command: 'test <x>', passed: false, output_tail: 'before\n```\n# Heading injected\n````' } })],
      }),
    );
    expect(body).toContain('| `a\\|b` | two lines \\| piped | - | - |');
    expect(body).toContain('`````\nbefore\n```\n# Heading injected\n````\n`````');
    expect(body).toContain('<code>test &lt;x&gt;</code>');
  });

  it('is cut to the limit with a note, never longer', () => {
    const long = 'x'.repeat(5000);
    const r = report({ builders: Array.from({ length: 30 }, (_, i) => builder({ id: `c${i}`, summary: long })) });
    expect(prBody(r).length).toBeLessThanOrEqual(PR_BODY_LIMIT);
    const cut = prBody(r, 2000);
    expect(cut.length).toBeLessThanOrEqual(2000);
    expect(cut).toContain('(cut: the full report is in');
    expect(prBody(report())).not.toContain('(cut:');
  });

  it('the title is the requirement\'s first line, cut to 72 characters', () => {
    expect(prTitle(report())).toBe('argo: Build a calculator');
    const t = prTitle(report({ query: `\n  ${'y'.repeat(100)}\nmore` }));
    expect(t.length).toBe(72);
    expect(t.startsWith('argo: yyy')).toBe(true);
    expect(t.endsWith('…')).toBe(true);
  });
});
