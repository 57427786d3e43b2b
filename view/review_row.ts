// The review gate in the view (issue 21): each builder row's `review`, bounded for status,
// --json, the dashboard and notifications (the last 20 comments, each cut at 2 KB; the
// agent's reply at 4 KB), and the next step while builders wait for a person
// (review_builder): per builder `argo diff` and `argo review … --approve` /
// `--request-changes`. Pure.
import type { BuilderRecord, BuilderReview } from '../store/builders.js';

export const VIEW_COMMENTS_MAX = 20;
const COMMENT_VIEW_CHARS = 2048;
const REPLY_VIEW_CHARS = 4096;

export interface ReviewView extends BuilderReview {
  /** Every comment recorded (comments holds the last 20). */
  comments_total: number;
}

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

export function reviewView(r: Pick<BuilderRecord, 'review'>): ReviewView | null {
  const v = r.review;
  if (!v) return null;
  const comments = v.comments.slice(-VIEW_COMMENTS_MAX).map((c) => ({ ...c, text: cut(c.text, COMMENT_VIEW_CHARS), file: c.file === null ? null : cut(c.file, 1024) }));
  return { status: v.status, comments, comments_total: v.comments.length, reply: v.reply === null ? null : cut(v.reply, REPLY_VIEW_CHARS), updated: v.updated };
}

/** Rows held by the gate (completed, review pending). */
export function waitingForReview(rows: readonly { id: string; status: string; review: ReviewView | null }[]): string[] {
  return rows.filter((b) => b.status === 'completed' && b.review?.status === 'pending').map((b) => b.id);
}

/** review_builder: who waits, and the commands for each (the notification shows the sentence and the first two). */
export function reviewStep(ids: readonly string[], argo: string, p: string, q: (s: string) => string): { what: string; commands: string[] } {
  const per = ids.map((id) => `${id} (see: ${argo} diff ${p} ${q(id)})`);
  const commands = ids.flatMap((id) => [`${argo} review ${p} ${q(id)} --approve`, `${argo} review ${p} ${q(id)} --request-changes "..."`, `${argo} diff ${p} ${q(id)}`]);
  return {
    what: ids.length
      ? `Review the builders waiting for you before they are merged: ${per.join('; ')}; approve each, or request changes (sent back to its agent).`
      : `No builder waits for review any more: list them with ${argo} review ${p}.`,
    commands: ids.length ? commands : [`${argo} review ${p}`],
  };
}
