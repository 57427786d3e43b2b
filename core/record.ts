// The one guard for "a JSON object" read from a file, state, config or an agent: a plain
// object, not null, not an array (each module used to define its own copy).

export const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
