// The one termination edge of a program: SIGTERM/SIGINT (and SIGHUP where asked)
// abort one AbortController, and the first signal is the reason. Entry points call
// onTermination() once in `main`; everything below takes the AbortSignal and returns
// (an exit status, a result) instead of installing handlers or calling process.exit,
// so every `finally` runs and the code can be tested in one process.
import { signalStatus } from './proc.js';

export interface Termination {
  /** Aborted by the first signal; its reason is that signal's name. */
  readonly signal: AbortSignal;
  /** The first signal received (the cause that won), else undefined. */
  reason(): NodeJS.Signals | undefined;
  /** A shell's status for that signal (core/proc.ts signalStatus), else undefined. */
  status(): number | undefined;
  /** Removes the handlers (idempotent); a later signal then has its default effect. */
  dispose(): void;
}

/**
 * Installs one handler per signal. Later signals change nothing: the first cause
 * wins, and a second Ctrl-C does not cut a clean-up short (each cleanup is bounded
 * by its own grace period). `onSignal` runs once, for the first signal.
 */
export function onTermination(opts: { signals?: readonly NodeJS.Signals[]; onSignal?: (signal: NodeJS.Signals) => void } = {}): Termination {
  const signals = opts.signals ?? ['SIGTERM', 'SIGINT'];
  const controller = new AbortController();
  let first: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first !== undefined) return;
    first = signal;
    controller.abort(signal);
    opts.onSignal?.(signal);
  };
  for (const s of signals) process.on(s, handler);
  let disposed = false;
  return {
    signal: controller.signal,
    reason: () => first,
    status: () => (first === undefined ? undefined : signalStatus(first)),
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const s of signals) process.off(s, handler);
    },
  };
}

/** The status for an AbortSignal's reason when it names a signal (a stop), else undefined. */
export function abortStatus(signal: AbortSignal): number | undefined {
  return signal.aborted && typeof signal.reason === 'string' && signal.reason.startsWith('SIG') ? signalStatus(signal.reason) : undefined;
}
