// The bash door of lib/state_file.sh: the original functions (COMPAT §4), each parsing its
// arguments, calling store/state.ts and printing the original text with the original exit code.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command, Ctx } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { DEFAULT_STATE_FILE, initStateFile, readState, statePaths, updateState, validateStateFile, withStateLock } from '../store/state.js';

// ---------------------------------------------------------------- bash functions

function fail(ctx: Ctx, e: unknown): number {
  ctx.err(`ERROR: ${errorMessage(e)}\n`);
  return 1;
}

export const bashFunctions: Record<string, Command> = {
  async init_state_file([name = '', path = '.'], ctx) {
    try {
      await initStateFile(name, resolve(ctx.cwd, path || '.'), ctx.gate);
      return 0;
    } catch (e) {
      return fail(ctx, e);
    }
  },

  async update_state([key = '', value = ''], ctx) {
    if (!key) return fail(ctx, 'key required');
    const paths = statePaths(ctx);
    if (!existsSync(paths.stateFile)) return fail(ctx, `state file not found: ${ctx.env.STATE_FILE || DEFAULT_STATE_FILE}`);
    try {
      await updateState(paths, key, value);
      return 0;
    } catch (e) {
      return fail(ctx, `Failed to update state (${key}): ${errorMessage(e)}`);
    }
  },

  async read_state([key = ''], ctx) {
    if (!key) return fail(ctx, 'key required');
    const paths = statePaths(ctx);
    if (!existsSync(paths.stateFile)) return fail(ctx, `state file not found: ${ctx.env.STATE_FILE || DEFAULT_STATE_FILE}`);
    ctx.out(await readState(paths, key));
    return 0;
  },

  async validate_state_file([file], ctx) {
    const shown = file || ctx.env.STATE_FILE || DEFAULT_STATE_FILE;
    try {
      await validateStateFile(resolve(ctx.cwd, shown));
      return 0;
    } catch (e) {
      return fail(ctx, errorMessage(e).replace(resolve(ctx.cwd, shown), shown));
    }
  },

  async with_state_lock(args, ctx) {
    return withStateLock(statePaths(ctx), args, ctx);
  },
};

