import { z } from 'zod';
import { CreateOrgRequest } from '../orgs/org.schemas';
import { ProblemException } from './problem-details';
import { parseOrThrow, ZodValidationPipe } from './zod-validation';

function problemOf(fn: () => unknown): ProblemException {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProblemException) return error;
    throw error;
  }
  throw new Error('expected a ProblemException');
}

describe('request validation', () => {
  const pipe = new ZodValidationPipe(CreateOrgRequest);

  it('returns the parsed value', () => {
    expect(pipe.transform({ name: '  Acme  ' })).toEqual({ name: 'Acme' });
  });

  it('answers 400 naming a missing or mistyped field', () => {
    const missing = problemOf(() => pipe.transform({}));
    expect(missing.getStatus()).toBe(400);
    expect(missing.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
    expect(missing.detail).toBe('The request body is invalid: name.');
    expect(problemOf(() => pipe.transform({ name: 42 })).errors?.map((e) => e.field)).toEqual(['name']);
    expect(problemOf(() => pipe.transform({ name: '   ' })).errors?.map((e) => e.field)).toEqual(['name']);
  });

  it('rejects unknown fields, one entry each', () => {
    const problem = problemOf(() => pipe.transform({ name: 'Acme', plan: 'gold', owner: 'x' }));
    expect(problem.errors).toEqual([
      { field: 'plan', message: 'unknown field' },
      { field: 'owner', message: 'unknown field' },
    ]);
  });

  it('names nested fields by path and a missing body as (body)', () => {
    const schema = z.strictObject({ members: z.array(z.strictObject({ email: z.email() })) });
    expect(problemOf(() => parseOrThrow(schema, { members: [{ email: 'a@b.co' }, { email: 'nope' }] })).errors).toEqual([
      { field: 'members.1.email', message: expect.any(String) },
    ]);
    expect(problemOf(() => parseOrThrow(schema, undefined)).errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('does not echo what was sent', () => {
    const schema = z.strictObject({ clientSecret: z.string().min(40) });
    const problem = problemOf(() => parseOrThrow(schema, { clientSecret: 'sup3r-s3cret-value' }));
    expect(JSON.stringify({ detail: problem.detail, errors: problem.errors })).not.toContain('sup3r');
  });
});
