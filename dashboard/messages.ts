// The messages between the page and the server, both directions.
import type { View } from '../view/model.js';

/** One registered project as the page lists it. */
export interface ProjectSummary {
  id: string;
  name: string;
  path: string;
  problem: string | null;
  view: View | null;
}

/** Server → page, over Server-Sent Events (`event: <kind>`). */
export type ServerEvent = { kind: 'projects'; projects: ProjectSummary[] } | { kind: 'project'; project: ProjectSummary };

/** Page → server: POST /api/projects/<id>/<action> with this JSON body. */
export type ActionRequest =
  | { action: 'approve'; components?: { id: string; description: string }[] }
  | { action: 'retry'; builder: string }
  | { action: 'stop' }
  | { action: 'resume' }
  | { action: 'merge' }
  /** `argo budget --raise <limit>`: the new total limit in US dollars, as text (checked by the server). */
  | { action: 'budget'; limit: string }
  /** `argo say <builder> <text>`: a message to the builder's agent session (issue 21). */
  | { action: 'say'; builder: string; text: string }
  /** `argo review <builder> --approve | --request-changes TEXT | --comments FILE` (issue 21's review gate). */
  | { action: 'review'; builder: string; verdict: ReviewVerdict };

/** What a person decides about a builder's work: approve it, ask for changes in words, or send line comments as one batch. */
export type ReviewVerdict = { approve: true } | { request_changes: string } | { comments: LineComment[] };

/** One comment of the batch (the `--comments FILE` element: the file and line of the diff, or null for a general remark). */
export interface LineComment {
  file: string | null;
  line: number | null;
  text: string;
}

/** Page → server: POST /api/start, `argo start <query> <path>` (start_workflow.sh's checks are the CLI's own). */
export interface StartRequest {
  query: string;
  path: string;
  /** A workflow template's name (`argo start --template`); absent: today's workflow. */
  template?: string;
}

/** A workflow template the start form offers (the user's and the built-ins; a project's own can be typed). */
export interface TemplateChoice {
  name: string;
  where: string;
  description: string;
}

export type ActionName = ActionRequest['action'];
export const ACTIONS: readonly ActionName[] = ['approve', 'retry', 'stop', 'resume', 'merge', 'budget', 'say', 'review'];

/** What an action answers. */
export interface ActionResult {
  ok: boolean;
  output: string;
}
