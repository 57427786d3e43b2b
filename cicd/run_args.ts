// `argo run`'s command line, read in one pure place: each bad value is one problem naming
// the option, the value and what is accepted. And the default integration branch,
// `argo/<slug>-<short id>`, from the query.
import { TARGET_ACCEPTED, validTarget } from '../workflow/merge_place.js';
import { APPROVE_POLICIES, type ApprovePolicy } from './outcome.js';

export interface RunArgs {
  query: string;
  /** The project folder as given ('.' when absent). */
  project: string;
  approve: ApprovePolicy;
  maxComponents: number;
  /** --branch as given, null: the default (argo/<slug>-<short id>). */
  branch: string | null;
  template: string | null;
  report: string | null;
  junit: string | null;
  push: boolean;
  pr: boolean;
  remote: string | null;
}

export const DEFAULT_MAX_COMPONENTS = 10;

export const RUN_USAGE =
  'Usage: argo run "<what to build>" [project_path] [--approve auto|never] [--max-components N] [--branch argo/NAME] [--template NAME] [--report FILE.json] [--junit FILE.xml] [--push] [--pr] [--remote NAME]';

const VALUED = new Set(['--approve', '--max-components', '--branch', '--template', '--report', '--junit', '--remote']);

/** The option's value problems (one line each, without `ERROR: `). */
function checkValue(opt: string, value: string): string | null {
  if (opt === '--approve' && !APPROVE_POLICIES.includes(value as ApprovePolicy)) return `--approve is "${value}"; accepted: ${APPROVE_POLICIES.join(', ')}`;
  if (opt === '--max-components' && !/^[1-9][0-9]{0,3}$/.test(value)) return `--max-components is "${value}"; accepted: a whole number from 1 to 9999`;
  if (opt === '--branch' && !validTarget(value)) return `--branch is "${value}"; accepted: ${TARGET_ACCEPTED.replace(/, or absent for main\/master$/, '')} (never the default branch main/master)`;
  if ((opt === '--template' || opt === '--remote') && !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(value)) return `${opt} is "${value}"; accepted: a name of letters, digits, ".", "_", "-"`;
  if ((opt === '--report' || opt === '--junit') && value === '') return `${opt} needs a file`;
  return null;
}

/** Reads argv into RunArgs, or the problems. */
export function parseRunArgs(argv: readonly string[]): { args: RunArgs } | { problems: string[] } {
  const problems: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const positional: string[] = [];
  let operands = false; // after `--`: everything is the query or the project (a query may start with --)
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (operands || a === '--') {
      if (operands) positional.push(a);
      operands = true;
      continue;
    }
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const opt = eq > 0 ? a.slice(0, eq) : a;
    if (VALUED.has(opt)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) problems.push(`${opt} needs a value`);
      else values.set(opt, value);
    } else if (a === '--push' || a === '--pr') flags.add(a);
    else if (a.startsWith('--')) problems.push(`unknown option "${a}"; accepted: --approve, --max-components, --branch, --template, --report, --junit, --push, --pr, --remote`);
    else positional.push(a);
  }
  for (const [opt, value] of values) {
    const p = checkValue(opt, value);
    if (p) problems.push(p);
  }
  const [query = '', project = '.', ...extra] = positional;
  if (!query.trim()) problems.push('the query is missing; accepted: what to build, as one argument');
  if (extra.length) problems.push(`unexpected argument(s) ${extra.map((e) => `"${e}"`).join(' ')}; accepted: "<query>" [project_path]`);
  if (problems.length) return { problems };
  return {
    args: {
      query,
      project,
      approve: (values.get('--approve') as ApprovePolicy | undefined) ?? 'auto',
      maxComponents: values.has('--max-components') ? Number(values.get('--max-components')) : DEFAULT_MAX_COMPONENTS,
      branch: values.get('--branch') ?? null,
      template: values.get('--template') ?? null,
      report: values.get('--report') ?? null,
      junit: values.get('--junit') ?? null,
      push: flags.has('--push'),
      pr: flags.has('--pr'),
      remote: values.get('--remote') ?? null,
    },
  };
}

/** `argo/<slug>-<shortId>`: the query's first words, lower case, as a branch name part. */
export function defaultBranch(query: string, shortId: string): string {
  const slug = query
    .normalize('NFKD')
    .replace(/\p{M}/gu, '') // accents go, their letters stay
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return `argo/${slug || 'run'}-${shortId}`;
}
