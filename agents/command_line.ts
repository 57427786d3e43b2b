// CI_COMMAND / ci.tool with arguments (D16): split like shell words, never
// evaluated — no variables, globs, substitutions or operators — so a value from a
// config file cannot run more than the one program it names.

export class CommandLineError extends Error {}

const OPERATORS = new Set(['|', ';', '&', '<', '>', '(', ')', '`']);

/** Shell-word splitting: blanks separate, '…' is literal, "…" honours \" \\ \$ \`, \x escapes x. */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ' ' || c === '\t' || c === '\n') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unterminated ' quote in command line: ${text}`);
      word += text.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`\n'.includes(text[j + 1]!)) {
          if (text[j + 1] !== '\n') word += text[j + 1];
          j++;
        } else word += text[j];
      }
      if (j >= text.length) throw new CommandLineError(`unterminated " quote in command line: ${text}`);
      i = j;
    } else if (c === '\\') {
      if (i + 1 < text.length) {
        if (text[i + 1] !== '\n') word += text[i + 1];
        i++;
      }
    } else if (OPERATORS.has(c) || (c === '$' && text[i + 1] === '(')) {
      throw new CommandLineError(`command line has the shell operator '${c === '$' ? '$(' : c}', which is never evaluated (quote it, or use a wrapper script): ${text}`);
    } else {
      word += c;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** True when the value is one plain word: it keeps the original lookup (PATH, path, bash function). */
export function isSingleWord(text: string): boolean {
  return text !== '' && !/[\s'"\\]/.test(text);
}

export const PROMPT = '{prompt}';
export const PROMPT_FILE = '{prompt_file}';

export function usesPromptFile(words: string[]): boolean {
  return words.some((w) => w.includes(PROMPT_FILE));
}

/**
 * The argv for a command line and a prompt: `{prompt}` / `{prompt_file}` placeholders
 * are replaced (inside words too: `--message={prompt}`); with neither, the prompt is
 * appended as the last argument.
 */
export function commandArgv(words: string[], prompt: string, promptFile: string | null): string[] {
  const hasPlaceholder = words.some((w) => w.includes(PROMPT) || w.includes(PROMPT_FILE));
  if (!hasPlaceholder) return [...words, prompt];
  if (usesPromptFile(words) && !promptFile) throw new CommandLineError('{prompt_file} used but no prompt file was written');
  return words.map((w) => w.split(PROMPT_FILE).join(promptFile ?? '').split(PROMPT).join(prompt));
}
