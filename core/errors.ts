// One error type for bad input and failed operations. The message says what was
// wrong, with the path and the value; the CLI prints it as one `ERROR: …` line.
export class ArgoError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
    this.name = 'ArgoError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
