// The bash door of lib/logging_enhanced.sh: the original functions (COMPAT §4), each parsing its
// arguments, calling store/logs.ts and printing the original text with the original exit code.
import type { Command, Ctx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { utcTimestamp } from '../core/time.js';
import { type LogPaths, ensureLogDir, logBuilder, logCheckpoint, logMerge, logPaths, logProgress, logStateTransition, logUserQuery, progressText, writeLog } from '../store/logs.js';

function logged(ctx: Ctx, write: (p: LogPaths) => void): number {
  try {
    write(logPaths(ctx));
    return 0;
  } catch (e) {
    ctx.err(`ERROR: ${errorMessage(e)}\n`);
    return 1;
  }
}

export const bashFunctions: Record<string, Command> = {
  async ensure_log_dir(_args, ctx) {
    ensureLogDir(logPaths(ctx));
    return 0;
  },
  async get_timestamp(_args, ctx) {
    ctx.out(utcTimestamp() + '\n');
    return 0;
  },
  async write_log([tag = '', msg = ''], ctx) {
    return logged(ctx, (p) => writeLog(p, tag, msg));
  },
  async progress([id = '', pct = '', msg = ''], ctx) {
    const rc = logged(ctx, (p) => logProgress(p, id, pct, msg));
    ctx.out(progressText(id, pct, msg) + '\n');
    return rc;
  },
  async log_checkpoint([name = '', desc = ''], ctx) {
    return logged(ctx, (p) => logCheckpoint(p, name, desc));
  },
  async log_user_query([query = ''], ctx) {
    return logged(ctx, (p) => logUserQuery(p, query));
  },
  async log_builder([id = '', event = '', msg = ''], ctx) {
    return logged(ctx, (p) => logBuilder(p, id, event, msg));
  },
  async log_merge([event = '', msg = ''], ctx) {
    return logged(ctx, (p) => logMerge(p, event, msg));
  },
  async log_state_transition([from = '', to = ''], ctx) {
    return logged(ctx, (p) => logStateTransition(p, from, to));
  },
};
