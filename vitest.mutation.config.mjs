// The vitest run Stryker repeats for every mutant (npm run test:mutation, stryker.config.mjs):
// only the fast unit tests of the modules that decide. No orchestrator, agent CLI, postgres
// or browser; the few processes started here are short (git, sleep, printf, bash) and ended by PID.
import { defineConfig } from 'vitest/config';

export const MUTATION_TESTS = [
  'tests/unit/agents/aider.test.ts',
  'tests/unit/agents/claude.test.ts',
  'tests/unit/agents/codex.test.ts',
  'tests/unit/agents/command_line.test.ts',
  'tests/unit/agents/cursor.test.ts',
  'tests/unit/agents/decisions.test.ts',
  'tests/unit/agents/design_answer.test.ts',
  'tests/unit/agents/failure_message.test.ts',
  'tests/unit/agents/gemini.test.ts',
  'tests/unit/agents/opencode.test.ts',
  'tests/unit/agents/presets.test.ts',
  'tests/unit/agents/select.test.ts',
  'tests/unit/components.test.ts',
  'tests/unit/dashboard_handlers.test.ts',
  'tests/unit/dashboard_merge.test.ts',
  'tests/unit/dashboard_review.test.ts',
  'tests/unit/dashboard_review_gate.test.ts',
  'tests/unit/dispatch.test.ts',
  'tests/unit/git_args.test.ts',
  'tests/unit/limits.test.ts',
  'tests/unit/limits_enforce.test.ts',
  'tests/unit/notify_events.test.ts',
  'tests/unit/notify_merge.test.ts',
  'tests/unit/review_gate.test.ts',
  'tests/unit/safety_data.test.ts',
  'tests/unit/safety_proc.test.ts',
  'tests/unit/view_merge.test.ts',
  'tests/unit/view_model.test.ts',
];

export default defineConfig({
  test: {
    include: MUTATION_TESTS,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
