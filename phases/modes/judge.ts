// best_of_n.judge (issue 22): an agent preset reads the candidates' diffs and names the best
// one. Run as a design question is (the preset's design invocation, stdin /dev/null, its own
// group, limits.builder_timeout_seconds) in a folder of its own, so nothing it might write
// touches the project or a candidate. A judge that fails or names no candidate leaves the
// choice to the smallest diff (said in the reason); its cost is recorded with its pick.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from '../../core/git.js';
import { errorMessage } from '../../core/errors.js';
import { invocationFor } from '../../agents/invocation.js';
import { runAgent } from '../../agents/run/runner.js';
import { parseOutputFile } from '../../agents/run/output_file.js';
import { usageRecord } from '../../agents/build.js';
import { argoPaths, builderBranch } from '../../store/layout.js';
import { judgePick, judgePrompt, type Candidate } from '../../workflow/modes/best_of_n.js';
import { say, type Project } from '../handler.js';
import { presetChoice } from './best_of_n_config.js';
import { commandTimeoutMs } from './evidence.js';

/** How much of each candidate's diff the judge reads. */
export const JUDGE_DIFF_CHARS = 40_000;

export interface JudgeAnswer {
  preset: string;
  pick: string | null;
  why?: string;
  cost_usd?: number | null;
}

function diffOf(dir: string, id: string): string {
  const branch = `refs/heads/${builderBranch(id)}`;
  const base = git(['merge-base', '--end-of-options', 'HEAD', branch], dir).stdout.trim();
  const d = base ? git(['diff', '--end-of-options', base, branch], dir).stdout : '';
  return d.length > JUDGE_DIFF_CHARS ? `${d.slice(0, JUDGE_DIFF_CHARS)}\n… (${d.length - JUDGE_DIFF_CHARS} more characters left out)` : d;
}

export async function askJudge(project: Project, config: unknown, preset: string, task: string, cands: readonly Candidate[]): Promise<JudgeAnswer> {
  const choice = presetChoice(config, preset, null, 'best_of_n.judge');
  const folder = argoPaths(project.dir).judge;
  mkdirSync(folder, { recursive: true });
  const prompt = judgePrompt(task, cands.map((c) => ({ id: c.id, agent: c.agent, diff: diffOf(project.dir, c.id) })));
  say(`Asking the judge (${preset}) to choose among ${cands.map((c) => c.id).join(', ')}`);
  try {
    const inv = invocationFor(choice, 'design', { prompt, worktree: folder, writePrompt: (text) => (writeFileSync(join(folder, 'prompt.txt'), text), join(folder, 'prompt.txt')) }, process.env);
    const out = join(folder, 'answer.out');
    const timeoutMs = await commandTimeoutMs(project, config);
    const run = await runAgent({ argv: inv.argv, cwd: folder, env: inv.env, timeoutMs: timeoutMs > 0 ? timeoutMs : undefined, stdoutFile: out, stderrFile: join(folder, 'stderr.log') });
    const outcome = await parseOutputFile(choice.preset.parser, out, run.code);
    const cost = usageRecord(choice, outcome, (config as { pricing?: unknown } | null)?.pricing).cost_usd ?? null;
    if (!outcome.ok) return { preset, pick: null, why: `the judge failed: ${outcome.error ?? `exit status ${run.code}`}`, cost_usd: cost };
    const { pick, why } = judgePick(outcome.text, cands.map((c) => c.id));
    return { preset, pick, ...(why ? { why } : {}), cost_usd: cost };
  } catch (e) {
    return { preset, pick: null, why: `the judge could not run: ${errorMessage(e)}` };
  }
}
