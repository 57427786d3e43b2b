// A finished run's report, as cicd/run_report.ts builds it, for the publishing tests.
import type { BuilderReport, RunReport } from '../../../cicd/report.js';

export function builder(over: Partial<BuilderReport> = {}): BuilderReport {
  return {
    id: 'core',
    description: 'The core logic',
    status: 'merged',
    failure: null,
    verify: { command: 'npm test', passed: true, output_tail: '12 tests passed' },
    cost_usd: 0.42,
    tokens: { input: 1200, output: 340 },
    diffstat: '2 files changed, 40 insertions(+)',
    summary: 'Added the parser and its tests.',
    ...over,
  };
}

export function report(over: Partial<RunReport> = {}): RunReport {
  return {
    status: 'done',
    exit_code: 0,
    reason: 'every component merged and verified',
    project: '/work/repo',
    query: 'Build a calculator\n\nIt adds and subtracts.',
    template: null,
    phase: 'storage',
    action_owner: 'user',
    action_needed: 'none',
    branch: 'argo/build-a-calculator-1a2b3c',
    pr_url: null,
    plan: [
      { id: 'core', description: 'The core logic', paths: ['src/core.ts'], depends_on: [] },
      { id: 'cli', description: 'A command line', paths: [], depends_on: ['core'] },
    ],
    builders: [builder(), builder({ id: 'cli', description: 'A command line', verify: { command: 'npm test', passed: false, output_tail: 'FAIL cli.test.ts' }, cost_usd: null, tokens: null, diffstat: null, summary: null })],
    cost_usd: 0.42,
    tokens: { input: 1200, output: 340 },
    started: '2026-12-03T10:00:00Z',
    ended: '2026-12-03T10:05:00Z',
    rerun: 'argo run --approve auto --push --pr "Build a calculator"',
    ...over,
  };
}
