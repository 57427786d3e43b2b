// A small door to merge/resolver.ts for the real-CLI tests (tests/realcli/resolver.bats):
// resolveConflict on the merge in progress in an integration worktree, as merge_build
// calls it; prints the result as one JSON line. Runs the built dist/.
//   node resolve_conflict.mjs PROJECT WORKTREE TARGET INCOMING_JSON MERGED_JSON [VERIFY]
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const [project, dir, target, incoming, merged, verify] = process.argv.slice(2);
const { resolveConflict } = await import(new URL('../../dist/merge/resolver.js', import.meta.url).href);
const argo = join(project, '.argo-project');
const files = execFileSync('git', ['diff', '--name-only', '--diff-filter=U'], { cwd: dir, encoding: 'utf8' }).split('\n').filter(Boolean);
const stop = new AbortController();
process.on('SIGTERM', () => stop.abort());
const result = await resolveConflict({
  project: { dir: project, configFile: join(argo, 'config.json'), state: { stateFile: join(argo, 'state.json'), lockFile: join(argo, 'state.lock') }, logs: { logDir: join(argo, 'logs'), workflowLog: join(argo, 'logs', 'workflow.log') } },
  dir, target, incoming: JSON.parse(incoming), merged: JSON.parse(merged), files, verify: verify || null, signal: stop.signal,
});
process.stdout.write(JSON.stringify(result) + '\n');
