// The CI tool (an AI coding assistant command). It is looked up and run through
// bash, as the original did: `command -v` sees PATH programs, paths, builtins and
// exported bash functions, and a bash CI script can call update_state, log_builder
// & co. — the original's handlers had `export -f`ed them, so we source the bash
// libraries into the wrapper when the environment does not already carry them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from './context.js';
import { killGroup } from './process.js';

export { killGroup };

/** The install's lib/ folder with the bash libraries ('' when not found). */
function bashLibDir(): string {
  // dist/lib/ci_tool.js when built, lib/ci_tool.ts under vitest: walk up to the root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'lib', 'state_file.sh'))) return join(dir, 'lib');
    if (existsSync(join(dir, 'state_file.sh'))) return dir;
    dir = dirname(dir);
  }
  return '';
}

const LIB_DIR = bashLibDir();

// $1 = lib dir, $2 = tool, $3 = prompt. Sourcing failures are not the tool's business.
const PRELUDE =
  'if [[ -n $1 ]] && ! declare -F update_state >/dev/null; then ' +
  '{ source "$1/state_file.sh" && source "$1/logging_enhanced.sh"; } >/dev/null 2>&1; fi; ';

export function ciToolAvailable(tool: string, cwd: string, env: Env): boolean {
  if (!tool) return false;
  const r = spawnSync('bash', ['-c', 'command -v -- "$1" >/dev/null', 'bash', tool], { cwd, env, stdio: 'ignore' });
  return r.status === 0;
}

/** What runCiCaptured read: the exit code and at most `keepBytes` of the output. */
export interface CapturedAnswer {
  code: number;
  /** The first `keepBytes` bytes of the output, decoded (a split character at the cut is dropped). */
  output: string;
  /** How many bytes the tool wrote in all. */
  bytes: number;
  /** More than `keepBytes` came: the whole text is only in the file. */
  truncated: boolean;
  /** Writing the file failed (it then holds a prefix only); undefined when all went well. */
  fileError?: string;
}

/** The default memory cap of runCiCaptured (64 KiB). */
export const CAPTURE_KEEP_BYTES = 64 * 1024;

/**
 * Runs `tool prompt` with stdout and stderr merged in order (design_program).
 * The tool gets its own process group so that SIGTERM/SIGINT to us ends it too
 * (and whatever it started) instead of orphaning it. The output streams to `file`
 * (when given) as it comes; memory holds at most `keepBytes` of it, however much
 * the tool writes (a 600 MB answer must not become a 600 MB string).
 */
export function runCiCaptured(
  tool: string,
  prompt: string,
  cwd: string,
  env: Env,
  opts: { file?: string; keepBytes?: number } = {},
): Promise<CapturedAnswer> {
  const keep = opts.keepBytes ?? CAPTURE_KEEP_BYTES;
  return new Promise((done) => {
    let fd: number | undefined;
    let fileError: string | undefined;
    if (opts.file) {
      try {
        mkdirSync(dirname(opts.file), { recursive: true });
        fd = openSync(opts.file, 'w', 0o600);
      } catch (e) {
        fileError = `cannot write ${opts.file}: ${(e as Error).message}`;
      }
    }
    const child = spawn('bash', ['-c', PRELUDE + '"$2" "$3" 2>&1', 'argo-ci', LIB_DIR, tool, prompt], {
      cwd,
      env,
      detached: true,
      stdio: ['inherit', 'pipe', 'inherit'],
    });
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let bytes = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (keptBytes < keep) {
        const part = chunk.subarray(0, keep - keptBytes);
        kept.push(Buffer.from(part)); // a copy: the chunk itself is not retained
        keptBytes += part.length;
      }
      if (fd === undefined) return;
      try {
        // synchronous: the pipe is not read while we write, so memory stays bounded
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
      } catch (e) {
        fileError = `cannot write ${opts.file}: ${(e as Error).message}`;
        closeSync(fd);
        fd = undefined;
      }
    });
    const stop = (signal: NodeJS.Signals) => {
      killGroup(child.pid);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    let finished = false;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      if (fd !== undefined) closeSync(fd);
      const all = Buffer.concat(kept);
      // cut short: a character split at the cut is dropped (StringDecoder keeps it back)
      const output = bytes > keep ? new StringDecoder('utf8').write(all) : all.toString('utf8');
      done({ code, output, bytes, truncated: bytes > keep, ...(fileError ? { fileError } : {}) });
    };
    child.on('error', () => finish(127));
    child.on('close', (code, signal) => finish(code ?? (signal === 'SIGKILL' ? 137 : 143)));
  });
}

/**
 * Starts `tool prompt` as a builder in `cwd` (its worktree): its own process group,
 * stdin /dev/null, output appended to `logFd`. The wrapper itself writes the exit
 * code to `.build_result` (as the original's subshell), so the result survives a
 * handler that died meanwhile; a re-run reads it back (D12).
 */
export function spawnCi(tool: string, prompt: string, cwd: string, env: Env, logFd: number): ChildProcess {
  const script = PRELUDE + '"$2" "$3"; rc=$?; printf \'%s\\n\' "$rc" > .build_result; exit "$rc"';
  return spawn('bash', ['-c', script, 'argo-builder', LIB_DIR, tool, prompt], {
    cwd,
    env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
}
