// Mutation testing of the modules that decide (docs/TESTING.md, "Mutation testing"):
// `npm run test:mutation`. Stryker changes one operator, condition or literal at a time
// and reruns the unit tests that cover it; a change no test notices is a gap.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.mjs' },
  mutate: [
    'agents/presets/aider.ts',
    'agents/presets/claude.ts',
    'agents/presets/codex.ts',
    'agents/presets/contract.ts',
    'agents/presets/cursor.ts',
    'agents/presets/gemini.ts',
    'agents/presets/opencode.ts',
    'agents/presets/index.ts',
    'workflow/limits.ts',
    'workflow/dispatch.ts',
    'workflow/components.ts',
    'core/git_args.ts',
    'workflow/worktrees.ts',
    'store/processes.ts',
    'core/proc.ts',
    'view/model.ts',
    'notify/events.ts',
    'dashboard/handlers.ts',
    'dashboard/auth.ts',
  ],
  coverageAnalysis: 'perTest',
  // A static mutant (a module-level constant) reruns every test: 13% of the mutants took
  // 87% of the time (measured), so they are left out.
  ignoreStatic: true,
  // Results of mutants whose code and tests did not change are reused from the committed
  // file (npm run test:mutation refreshes it; commit it with the change).
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  // generous: the machine is shared, and a slow run must not turn into a "timeout" kill
  timeoutMS: 20_000,
  timeoutFactor: 3,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // the survivors are listed in reports/mutation/mutation.html; the log keeps the score table
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, reportMutants: false, reportScoreTable: true },
  // break: the run fails below this score. Set at what the modules reached (65.94 %, two
  // identical full runs; 66.35 % with the tests of issue 16, point 1), rounded down; raise
  // it with new tests, never lower it.
  thresholds: { high: 80, low: 60, break: 66 },
};
