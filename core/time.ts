// The two clocks of the original: TS (UTC, second precision) for JSON fields and
// log lines, EPOCH (integer seconds) for project ids and checkpoint file names.

/** `YYYY-MM-DDTHH:MM:SSZ`, always UTC. */
export function utcTimestamp(date: Date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Integer Unix seconds. */
export function epochSeconds(date: Date = new Date()): number {
  return Math.floor(date.getTime() / 1000);
}
