// What `argo run` (issue 23) knows when a workflow ends, as one document: written by
// `--report FILE.json`, turned into JUnit (`--junit`), the pull request's body, the
// `$GITHUB_STEP_SUMMARY` markdown and the `$GITHUB_OUTPUT` values. Built from state.json,
// the builder rows and the usage records (cicd/run_report.ts); pure data here.

/** `argo run`'s documented exit codes. */
export const RUN_EXIT = { done: 0, failed: 1, needs_person: 2, limit: 3, setup_error: 4 } as const;
export type RunStatus = keyof typeof RUN_EXIT;

export interface BuilderReport {
  id: string;
  description: string;
  /** The builder row's status: completed, failed, merged … */
  status: string;
  failure: string | null;
  /** The last verify run of this builder (or of its merge gate), null when none ran. */
  verify: { command: string; passed: boolean; output_tail: string } | null;
  cost_usd: number | null;
  tokens: { input: number; output: number } | null;
  /** `git diff --shortstat` of its work against its base, e.g. "3 files changed, 40 insertions(+)". */
  diffstat: string | null;
  /** The agent's last message, trimmed (its summary). */
  summary: string | null;
}

export interface RunReport {
  status: RunStatus;
  exit_code: (typeof RUN_EXIT)[RunStatus];
  /** One line: why it ended so (e.g. "merge conflict in src/a.ts: a person must resolve it"). */
  reason: string;
  project: string;
  query: string;
  template: string | null;
  /** state.json's phase / action_owner / action_needed when it ended. */
  phase: string;
  action_owner: string;
  action_needed: string;
  /** The integration branch (merge.target) holding the result, null when nothing was merged. */
  branch: string | null;
  /** Set by the publishing step (cicd/publish.ts) when a pull request was opened. */
  pr_url: string | null;
  /** The plan: each component's id, description, paths, depends_on. */
  plan: { id: string; description: string; paths: string[]; depends_on: string[] }[];
  builders: BuilderReport[];
  cost_usd: number | null;
  tokens: { input: number; output: number } | null;
  started: string;
  ended: string;
  /** How to run it again, one shell line. */
  rerun: string;
}
