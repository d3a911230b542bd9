import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { ProblemException, problemTypes, type FieldError } from './problem-details';

/**
 * One entry per bad field, named by its path (`name`, `members.0.email`). Unknown fields get one entry each.
 * zod 4 does not put the input into its messages, so nothing the caller sent (a secret, say) is echoed back.
 */
export function fieldErrors(error: z.ZodError): FieldError[] {
  const out: FieldError[] = [];
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ field: base ? `${base}.${key}` : key, message: 'unknown field' });
      continue;
    }
    out.push({ field: base || '(body)', message: issue.message });
  }
  return out;
}

/** Parses a value with a zod schema or throws a 400 problem naming each bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request body'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = fieldErrors(result.error);
  throw new ProblemException(
    400,
    `The ${what} is invalid: ${errors.map((e) => e.field).join(', ')}.`,
    problemTypes.invalidRequest,
    errors,
  );
}

/** `@Body(new ZodValidationPipe(schema))`: the handler receives the parsed, typed value. */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.what);
  }
}
