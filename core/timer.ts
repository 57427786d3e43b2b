// Node's timers hold a delay of at most 2^31-1 ms (about 24.8 days); a longer one fires
// after 1 ms (with a TimeoutOverflowWarning). Every timer whose delay comes from a
// configured value takes its delay from here.

/** The longest delay setTimeout/setInterval keep: 2147483647 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** `ms` as a delay a timer holds: clamped to [0, MAX_TIMER_MS]; NaN becomes 0. */
export function timerDelay(ms: number): number {
  if (Number.isNaN(ms) || ms <= 0) return 0;
  return Math.min(ms, MAX_TIMER_MS);
}
