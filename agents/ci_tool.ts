// The CI tool (an AI coding assistant command). It is looked up and run through
// bash, as the original did: `command -v` sees PATH programs, paths, builtins and
// exported bash functions, and a bash CI script can call update_state, log_builder
// & co. — the original's handlers had `export -f`ed them, so we source the bash
// libraries into the wrapper when the environment does not already carry them.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { dirname, join } from 'node:path';
import type { Env } from '../core/context.js';
import { bashArgs, bashArgv, superviseGroup, type EndCause } from '../core/child.js';
import { packageRoot } from '../core/install_root.js';

/** The install's lib/ folder with the bash libraries ('' when not found). */
function bashLibDir(): string {
  // From the install this code was loaded from (a bundle in dist/, or the sources under vitest).
  const root = packageRoot();
  return root !== '' && existsSync(join(root, 'lib', 'state_file.sh')) ? join(root, 'lib') : '';
}

const LIB_DIR = bashLibDir();

// $1 = lib dir, $2 = tool, $3 = prompt. Sourcing failures are not the tool's business.
const PRELUDE =
  'if [[ -n $1 ]] && ! declare -F update_state >/dev/null; then ' +
  '{ source "$1/state_file.sh" && source "$1/logging_enhanced.sh"; } >/dev/null 2>&1; fi; ';

export function ciToolAvailable(tool: string, cwd: string, env: Env): boolean {
  if (!tool) return false;
  const r = spawnSync('bash', bashArgs('command -v -- "$1" >/dev/null', 'bash', tool), { cwd, env, stdio: 'ignore' });
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
  /** What ended the tool: its exit, the time limit or the caller's signal. */
  cause?: EndCause;
}

/** The default memory cap of runCiCaptured (64 KiB). */
export const CAPTURE_KEEP_BYTES = 64 * 1024;

/**
 * Runs `tool prompt` with stdout and stderr merged in order (design_program).
 * The tool runs in its own process group, ended whole (core/child.ts) when it
 * exits, when `timeoutMs` passes or when `signal` aborts; the promise settles once
 * the group is gone — never exiting the process (the caller returns the status).
 * The output streams to `file` (when given) as it comes; memory holds at most
 * `keepBytes` of it, however much the tool writes (a 600 MB answer must not become
 * a 600 MB string).
 */
export function runCiCaptured(
  tool: string,
  prompt: string,
  cwd: string,
  env: Env,
  opts: { file?: string; keepBytes?: number; argv?: string[]; signal?: AbortSignal; timeoutMs?: number; graceMs?: number } = {},
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
    // opts.argv: a command line with arguments (D16); else the original `tool prompt`.
    const child = spawn('bash', bashArgs(PRELUDE + '"${@:2}" 2>&1', 'argo-ci', LIB_DIR, ...(opts.argv ?? [tool, prompt])), {
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
    const group = superviseGroup(child, { signal: opts.signal, timeoutMs: opts.timeoutMs, graceMs: opts.graceMs });
    // 'close' waits for the output pipe; a process that left the group may hold it open.
    const drained = new Promise<void>((r) => child.once('close', () => r()));
    void group.ended.then(async (end) => {
      const late = setTimeout(() => child.stdout?.destroy(), 2000);
      if (end.startError === null) await drained;
      clearTimeout(late);
      if (fd !== undefined) closeSync(fd);
      const all = Buffer.concat(kept);
      // cut short: a character split at the cut is dropped (StringDecoder keeps it back)
      const output = bytes > keep ? new StringDecoder('utf8').write(all) : all.toString('utf8');
      done({ code: end.status, output, bytes, truncated: bytes > keep, ...(fileError ? { fileError } : {}), cause: end.cause });
    });
  });
}

// $4 = the builder's branch, $5 = its id. When the tool has exited, whatever it left
// uncommitted in its worktree is committed to its branch so the merge carries it —
// only when the folder really is that branch's worktree (an agent may have pointed
// its worktree field at the user's checkout). Same rules as commitLeftovers in
// workflow/worktrees.ts, in bash because the wrapper outlives the handler.
// $3: more paths the commit leaves out, one a line (the design folder .argo, worktree.copy's files).
// They are unstaged after `git add -A` rather than excluded in its pathspec: git add fails
// when an exclude names a path info/exclude ignores, which is where these paths also are.
const SAVE_LEFTOVERS =
  'xs=(); ex=(":(exclude).build_result"); while IFS= read -r p; do [[ -n $p ]] && xs+=("$p") && ex+=(":(exclude)$p"); done <<< "$3"; ' +
  'if [[ -n $4 && $(git symbolic-ref -q --short HEAD 2>/dev/null) == "$4" && -z $(git rev-parse --show-prefix 2>/dev/null) ]] && ' +
  // Unresolved conflicts (a fix run's merge of the target, issue 20) are never committed with their markers.
  '[[ -z $(git ls-files -u 2>/dev/null) ]] && ' +
  '[[ -n $(git status --porcelain -- . "${ex[@]}" 2>/dev/null) ]]; then ' +
  'ident=(); { git var GIT_AUTHOR_IDENT && git var GIT_COMMITTER_IDENT; } >/dev/null 2>&1 || ident=(-c user.name=argo-ts -c user.email=argo-ts@localhost); ' +
  'if git add -A -- . ":(exclude).build_result" >/dev/null 2>&1 && ' +
  '{ ((${#xs[@]} == 0)) || git reset -q -- "${xs[@]}" >/dev/null 2>&1; } && ' +
  'git "${ident[@]}" commit --no-verify -q -m "argo: uncommitted work left by builder $5" >/dev/null 2>&1; ' +
  'then echo "argo: committed the uncommitted work builder $5 left in $PWD"; ' +
  'else echo "argo: could not commit the uncommitted work builder $5 left in $PWD" >&2; fi; fi; ';

/**
 * The builder wrapper around an argv of any length (a single word with its prompt, a
 * command line, an agent preset): [program, args…] for the agent runner. Libraries
 * sourced, leftovers committed (SAVE_LEFTOVERS), the exit code written to
 * `.build_result` by the wrapper itself (as the original's subshell), so the result
 * survives a handler that died meanwhile and a re-run reads it back (D12). The agent's
 * argv is from $6 on; $4/$5 are the builder's branch and id. `argo-builder` is $0,
 * which is how a later run recognises a builder pid as ours.
 */
export function builderWrapperArgv(argv: string[], builder?: { id: string; branch: string; exclude?: readonly string[] }): string[] {
  const script = PRELUDE + '"${@:6}"; rc=$?; ' + SAVE_LEFTOVERS + 'printf \'%s\\n\' "$rc" > .build_result; exit "$rc"';
  const exclude = (builder?.exclude ?? []).filter((p) => !/[\n\r]/.test(p)).join('\n');
  return bashArgv(script, 'argo-builder', LIB_DIR, argv[0] ?? '', exclude, builder?.branch ?? '', builder?.id ?? '', ...argv);
}

/** The design wrapper: libraries sourced (a bash CI script may call read_state), the argv run. */
export function designWrapperArgv(argv: string[], mergeStderr: boolean): string[] {
  return bashArgv(PRELUDE + '"${@:2}"' + (mergeStderr ? ' 2>&1' : ''), 'argo-ci', LIB_DIR, ...argv);
}
