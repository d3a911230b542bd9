import { z } from 'zod';
import { apiSchemas } from '../openapi/registry';

const InvalidField = z
  .strictObject({ field: z.string().describe('Path of the field as sent, e.g. `teamOwner.password`, `teamIds.0`.'), message: z.string() })
  .register(apiSchemas, { id: 'InvalidField', description: 'A field of a 400 that does not parse.' });

const RefusedField = z
  .strictObject({ field: z.string().describe('Path of the field as sent, e.g. `botToken`, `teamOwner.password`.'), reason: z.string() })
  .register(apiSchemas, { id: 'RefusedField', description: 'A field of a 422 whose value the platform refused.' });

export const ProblemDetailsSchema = z
  .strictObject({
    type: z.string().describe('A URI naming the kind of problem; `about:blank` when the status says it all.'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().describe('What went wrong, for a person to read.'),
    instance: z.string().describe('The request path.'),
    errors: z
      .array(z.union([InvalidField, RefusedField]))
      .optional()
      .describe('A 400 names each invalid field (`message`); a 422 names each field the platform refused (`reason`).'),
    requestId: z
      .string()
      .optional()
      .describe(
        'The id of the request, as in its `X-Request-Id` response header (the one the caller sent, if usable, else a new UUID). Quote it to an operator: every log line written while handling the request carries it, in the gateway and in the services it called.',
      ),
    activeSyncId: z
      .uuid()
      .optional()
      .describe('On the 409 of `POST /v1/user-syncs`: the sync that is already queued or running.'),
  })
  .register(apiSchemas, { id: 'ProblemDetails', description: 'RFC 9457 problem details (application/problem+json).' });
