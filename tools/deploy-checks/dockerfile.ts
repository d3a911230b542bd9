import { readFileSync } from 'node:fs';

/** One Dockerfile instruction with its continuation lines joined; `line` is where it starts (1-based). */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM (usable in FROM lines). */
  readonly globalArgs: readonly Instruction[];
  readonly stages: readonly Stage[];
}

/** Enough of the Dockerfile grammar to check its structure: comments, `\` continuations, stages. No heredocs. */
export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const trimmed = raw.trim();
    // Comment lines are dropped even in the middle of a continued instruction, as Docker does.
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: index + 1 };
    if (!continued) {
      const match = /^(\S+)\s*(.*)$/.exec(pending.text);
      if (match) instructions.push({ keyword: match[1].toUpperCase(), args: match[2], line: pending.line });
      pending = undefined;
    }
  });

  const globalArgs: Instruction[] = [];
  const stages: Array<{ name: string; image: string; instructions: Instruction[] }> = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image, as, name] = instruction.args.replace(/^--platform=\S+\s+/, '').split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' && name ? name : String(stages.length), instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') globalArgs.push(instruction);
    } else {
      stages[stages.length - 1].instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function readDockerfile(file: string): Dockerfile {
  return parseDockerfile(readFileSync(file, 'utf8'));
}

export function instructionsOf(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword);
}

/** `KEY=value` pairs of an ENV, ARG or LABEL line (quoted values allowed; the legacy `ENV KEY value` form too). */
export function keyValuePairs(args: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const tokens: string[] = args.match(/(?:[^\s"']+|"(?:[^"\\]|\\.)*"|'[^']*')+/g) ?? [];
  const [first = '', ...others] = tokens;
  if (others.length > 0 && !first.includes('=')) return { [first]: others.join(' ') };
  for (const token of tokens) {
    const eq = token.indexOf('=');
    const key = eq < 0 ? token : token.slice(0, eq);
    const value = eq < 0 ? '' : token.slice(eq + 1).replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
    pairs[key] = value;
  }
  return pairs;
}

/** An exec-form (JSON array) argument list, or undefined for the shell form. */
export function execForm(args: string): string[] | undefined {
  if (!args.trim().startsWith('[')) return undefined;
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) throw new Error(`not a JSON string array: ${args}`);
  return parsed;
}

/** Options such as `--interval=15s` at the start of a HEALTHCHECK, COPY or RUN line, and what follows them. */
export function splitFlags(args: string): { flags: Record<string, string[]>; rest: string } {
  const flags: Record<string, string[]> = {};
  let rest = args.trim();
  for (let match = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest); match; match = /^--([a-z-]+)(?:=(\S+))?\s*/.exec(rest)) {
    (flags[match[1]] ??= []).push(match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}
