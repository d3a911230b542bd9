import { z } from 'zod';
import { Secret } from './secret';

/** A group of environment variables for one dependency (Kafka, database, Redis...), parsed with zod. */
export interface ConfigSection<Shape extends z.ZodRawShape, Out> {
  readonly name: string;
  readonly schema: z.ZodObject<Shape>;
  readonly map: (parsed: z.infer<z.ZodObject<Shape>>) => Out;
}

export function defineConfigSection<Shape extends z.ZodRawShape, Out>(
  name: string,
  shape: Shape,
  map: (parsed: z.infer<z.ZodObject<Shape>>) => Out,
): ConfigSection<Shape, Out> {
  return { name, schema: z.object(shape), map };
}

/** Thrown with one line per bad variable; a service prints them and exits non-zero. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySection = ConfigSection<any, any>;
type SectionsOut<S extends Record<string, AnySection>> = { [K in keyof S]: ReturnType<S[K]['map']> };

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Parses every section from the environment. All problems are collected before failing, so an operator fixes a
 * broken deployment in one pass. Empty strings count as unset.
 */
export function loadConfig<S extends Record<string, AnySection>>(sections: S, env: Environment = process.env): SectionsOut<S> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, section] of Object.entries(sections)) {
    const input: Record<string, string> = {};
    for (const variable of Object.keys(section.schema.shape)) {
      const value = env[variable];
      if (value !== undefined && value !== '') input[variable] = value;
    }
    const result = section.schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        const variable = String(issue.path[0] ?? section.name);
        const missing = input[variable] === undefined;
        problems.push(`${variable}: ${missing ? 'required but not set' : `malformed (${issue.message})`}`);
      }
      continue;
    }
    out[key] = section.map(result.data);
  }
  if (problems.length > 0) throw new ConfigError([...new Set(problems)].sort());
  return out as SectionsOut<S>;
}

/** Schema helpers that describe what a variable must look like, so error lines say something useful. */
export const env = {
  secret: () => z.string().min(1).transform((value) => new Secret(value)),
  port: (fallback?: number) => {
    const port = z.coerce.number().int().min(0).max(65535);
    return fallback === undefined ? port : port.default(fallback);
  },
  int: (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback),
  url: (protocols: readonly string[]) =>
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `expected a ${protocols.join(' or ')} URL` },
    ),
  hostPortList: () =>
    z
      .string()
      .refine((value) => value.split(',').every((part) => /^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(part.trim())), {
        message: 'expected a comma-separated list of host:port',
      })
      .transform((value) => value.split(',').map((part) => part.trim())),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) => z.enum(values).default(fallback),
  bool: (fallback: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(fallback ? 'true' : 'false')
      .transform((value) => value === 'true' || value === '1'),
};
