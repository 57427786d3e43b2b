// The CI tool (an AI coding assistant command). It is looked up and run through
// bash, as the original did: `command -v` sees PATH programs, paths, and also
// exported bash functions, and a bash CI script inherits the library functions.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Env } from './context.js';

export function ciToolAvailable(tool: string, cwd: string, env: Env): boolean {
  if (!tool) return false;
  const r = spawnSync('bash', ['-c', 'command -v -- "$1" >/dev/null', 'bash', tool], { cwd, env, stdio: 'ignore' });
  return r.status === 0;
}

/** Runs `tool prompt`, stdout and stderr merged in order (design_program). */
export function runCiCaptured(tool: string, prompt: string, cwd: string, env: Env): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', '"$0" "$1" 2>&1', tool, prompt], { cwd, env, stdio: ['inherit', 'pipe', 'inherit'] });
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const stop = () => child.kill('SIGTERM');
    process.once('SIGTERM', stop);
    child.on('close', (code, signal) => {
      process.removeListener('SIGTERM', stop);
      done({ code: code ?? (signal ? 128 + 15 : 1), output });
    });
  });
}

/** Starts `tool prompt` as a builder: its own process group, output to `logFd`. */
export function spawnCi(tool: string, prompt: string, cwd: string, env: Env, logFd: number): ChildProcess {
  return spawn('bash', ['-c', '"$0" "$1"', tool, prompt], { cwd, env, detached: true, stdio: ['ignore', logFd, logFd] });
}
