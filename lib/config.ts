// The bash door of lib/config.sh: the original functions (COMPAT §4), each parsing its
// arguments, calling store/config.ts and printing the original text with the original exit code.
import { existsSync } from 'node:fs';
import type { Command } from '../core/context.js';
import { errorMessage } from '../core/errors.js';
import { DEFAULT_CONFIG_FILE, configPath, readConfig, updateConfig } from '../store/config.js';
import { getCiTool } from '../agents/ci_choice.js';

export const bashFunctions: Record<string, Command> = {
  async read_config([key = '', dflt = ''], ctx) {
    ctx.out((await readConfig(configPath(ctx), key, dflt)) + '\n');
    return 0;
  },
  async get_ci_tool(_args, ctx) {
    ctx.out((await getCiTool(ctx.env, configPath(ctx))) + '\n');
    return 0;
  },
  async update_config([key = '', value = ''], ctx) {
    const file = configPath(ctx);
    if (!existsSync(file)) {
      ctx.err(`ERROR: Config file not found: ${ctx.env.CONFIG_FILE || DEFAULT_CONFIG_FILE}\n`);
      return 1;
    }
    try {
      await updateConfig(file, key, value, ctx.env);
      return 0;
    } catch (e) {
      ctx.err(`ERROR: Failed to update config (${key}): ${errorMessage(e)}\n`);
      return 1;
    }
  },
};
