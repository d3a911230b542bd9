import { z } from 'zod';
import { apiSchemas } from '../openapi/registry';

export const ProblemDetailsSchema = z
  .strictObject({
    type: z.string().describe('A URI naming the kind of problem; `about:blank` when the status says it all.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, for a person to read.'),
    instance: z.string().describe('The request path.'),
    errors: z
      .array(z.strictObject({ field: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per invalid field of a 400.'),
  })
  .register(apiSchemas, { id: 'ProblemDetails', description: 'RFC 9457 problem details (application/problem+json).' });
