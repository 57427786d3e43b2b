// changelog — a step after merge_build: adds an entry for what the workflow merged to the top
// of CHANGELOG.md and commits it on the merge target, then hands on (after the last step: the
// workflow ends, phase storage). It only commits when the project's checkout is on the target
// branch and CHANGELOG.md has no changes of the user's; otherwise it fails with one ERROR line
// (the entry is in state `changelog.entry`), and after the retries a person decides.
//
// Install: cp examples/handlers/changelog.ts <argo-install>/phases/ && chmod +x it, then:
//   "workflow": { "phases": ["design_program", "design_build", "execution", "merge_build", "changelog"] }
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $, log, project, state } from 'argo-ts/handler';

interface Builder {
  id: string;
  description?: string;
}

/** The entry: today's date, the request, one line per merged builder. */
function entryText(query: string, merged: string[], builders: Builder[]): string {
  const about = new Map(builders.map((b) => [b.id, b.description ?? '']));
  const date = new Date().toISOString().slice(0, 10);
  return [`## ${date}: ${query}`, '', ...merged.map((id) => `- ${id}: ${about.get(id) || '(no description)'}`), ''].join('\n');
}

/** The file with the entry under its title (a title is added to a new file). */
function withEntry(current: string, entry: string): string {
  const title = '# Changelog\n\n';
  const body = current.startsWith(title) ? current.slice(title.length) : current;
  return `${title}${entry}\n${body}`;
}

async function main(): Promise<number> {
  const doc = await state.get();
  const merge = (doc.merge ?? {}) as { merged?: string[]; target?: string };
  const builders = ((doc.execution as { builders?: Builder[] } | null)?.builders ?? []) as Builder[];
  const merged = Array.isArray(merge.merged) ? merge.merged : [];
  const entry = entryText(String(doc.user_query ?? ''), merged, builders);
  await state.set({ 'changelog.entry': entry });
  const git = $({ cwd: project.dir, nothrow: true });
  const branch = (await git`git symbolic-ref --quiet --short HEAD`).stdout.trim();
  if (merge.target && branch !== merge.target) throw new Error(`the checkout is on '${branch}', not on the merge target '${merge.target}'; nothing committed`);
  if ((await git`git status --porcelain -- CHANGELOG.md`).stdout.trim() !== '') throw new Error('CHANGELOG.md has uncommitted changes of yours; nothing committed');
  const file = join(project.dir, 'CHANGELOG.md');
  writeFileSync(file, withEntry(existsSync(file) ? readFileSync(file, 'utf8') : '', entry));
  // The user's identity when git has one, else a stand-in (a fresh machine, a CI job).
  const who = (await git`git config user.email`).stdout.trim() ? [] : ['-c', 'user.name=argo changelog', '-c', 'user.email=changelog@argo.invalid'];
  await $({ cwd: project.dir })`git add -- CHANGELOG.md`;
  await $({ cwd: project.dir })`git ${who} commit --quiet -m ${`changelog: ${doc.user_query ?? ''}`} -- CHANGELOG.md`;
  const commit = (await git`git rev-parse HEAD`).stdout.trim();
  await state.set({ 'changelog.commit': commit });
  log.info(`changelog: entry for ${merged.length} merged builder(s) committed (${commit.slice(0, 12)})`);
  await state.handOffNext();
  return 0;
}

// (state.handOffNext sets exitCode 1 itself when it cannot hand on: never reset it to 0.)
try {
  if ((await main()) !== 0) process.exitCode = 1;
} catch (e) {
  process.stderr.write(`ERROR: changelog: ${(e as Error).message}\n`);
  process.exitCode = 1;
}
