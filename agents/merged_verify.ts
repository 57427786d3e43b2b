// The verification gate on the merged tree: merge_build runs it after every builder
// merged and before `storage`; a failure hands the workflow to the user (review_merge).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { readConfigObject } from '../store/config.js';
import { readStateDoc } from '../store/state.js';
import { toPlain } from '../core/json_doc.js';
import { problemText, readLimits } from '../workflow/limits.js';
import { runVerify, verifyCommand } from './verify.js';

export interface MergedVerify {
  /** null: no verify.command configured. */
  ran: boolean;
  ok: boolean;
  message: string;
}

export async function verifyMergedTree(
  project: { dir: string; configFile: string; state: { stateFile: string }; logs: { logDir: string } },
  dir = project.dir,
): Promise<MergedVerify> {
  let config: Record<string, unknown>;
  try {
    config = readConfigObject(project.configFile);
  } catch (e) {
    return { ran: true, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
  const command = verifyCommand(config);
  if (!command) return { ran: false, ok: true, message: '' };
  let stateLimits: unknown = null;
  try {
    stateLimits = toPlain((await readStateDoc(project.state.stateFile)).get('limits'));
  } catch {
    /* none set there */
  }
  const { limits, problems } = readLimits(stateLimits, config);
  if (!limits) return { ran: true, ok: false, message: `refused to run verify.command with a bad limit: ${problems.map(problemText).join('; ')}` };
  const logFile = join(project.logs.logDir, 'verify-merged.log');
  appendFileSync(logFile, `=== ${new Date().toISOString()} ${command}\n`);
  const v = await runVerify(command, dir, process.env, { timeoutMs: limits.builderTimeoutMs, logFile });
  if (v.ok) return { ran: true, ok: true, message: 'verify.command passed on the merged tree' };
  return { ran: true, ok: false, message: `verify.command ${v.timedOut ? 'ran out of time' : `failed with exit status ${v.code}`} on the merged tree (output in ${logFile})` };
}
