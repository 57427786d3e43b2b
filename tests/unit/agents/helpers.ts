import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

/** About 5 MB of text, for the huge-output cases (made here, not stored). */
export const HUGE = 'x'.repeat(5_000_000);
