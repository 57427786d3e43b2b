// A test that cannot run here because a tool is missing says so in one way (bats:
// tests/bats/require_tool.bash). Under CI=true it fails, naming the tool and how to
// install it: CI installs every tool (.ci/run), so a skip there would hide a gap.
// Elsewhere it is skipped with the reason in the task's meta, which tests/summarize.mjs
// reads from vitest's JSON report to say, above `npm test`'s last line, what was skipped
// and why. Call it at the start of a test or in a beforeEach.
import type { TestContext } from 'vitest';

declare module 'vitest' {
  interface TaskMeta {
    skipReason?: string;
  }
}

export interface Tool {
  /** What is missing, as a reader names it: "chromium", "jq", "the native lock addon". */
  name: string;
  /** Whether it is there. */
  have: boolean;
  /** How to get it: a command or a sentence. */
  install: string;
}

export function requireTool(ctx: TestContext, tool: Tool): void {
  if (tool.have) return;
  const reason = `no ${tool.name}: ${tool.install}`;
  if (process.env.CI === 'true') throw new Error(`CI=true and this test cannot run: ${reason} (under CI a missing tool fails the run instead of skipping)`);
  ctx.task.meta.skipReason = reason;
  ctx.skip(reason);
}
