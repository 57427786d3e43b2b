// The bash door of lib/checkpoint.sh: the original functions (COMPAT §4), each parsing its
// arguments, calling store/checkpoints.ts and printing the original text with the original exit code.
import { mkdirSync } from 'node:fs';
import type { Command, Ctx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { checkpointDir, checkpointListing, cleanupOldCheckpoints, deleteCheckpoint, restoreCheckpoint, saveCheckpoint } from '../store/checkpoints.js';

function guarded(ctx: Ctx, fn: () => Promise<unknown>): Promise<number> {
  return fn().then(
    () => 0,
    (e: unknown) => {
      ctx.err(`ERROR: ${errorMessage(e)}\n`);
      return 1;
    },
  );
}

export const bashFunctions: Record<string, Command> = {
  ensure_checkpoint_dir: async (_a, ctx) => {
    try {
      mkdirSync(checkpointDir(ctx), { recursive: true });
    } catch {
      /* silent, as the original */
    }
    return 0;
  },
  save_checkpoint: ([name = '', desc = ''], ctx) => guarded(ctx, () => saveCheckpoint(ctx, name, desc)),
  restore_checkpoint: ([name = ''], ctx) => guarded(ctx, () => restoreCheckpoint(ctx, name)),
  list_checkpoints: async (_a, ctx) => {
    for (const line of checkpointListing(ctx)) ctx.out(line + '\n');
    return 0;
  },
  delete_checkpoint: ([name = ''], ctx) => guarded(ctx, () => deleteCheckpoint(ctx, name)),
  cleanup_old_checkpoints: async ([days = '30'], ctx) => {
    const n = Number(days);
    if (!Number.isFinite(n) || n < 0) {
      ctx.err(`ERROR: invalid number of days: '${days}'\n`);
      ctx.out('0\n');
      return 0;
    }
    ctx.out(`${await cleanupOldCheckpoints(ctx, n)}\n`);
    return 0;
  },
};

