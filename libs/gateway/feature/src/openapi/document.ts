import { z } from 'zod';
import '../dead-letters/dead-letter.schemas';
import '../http/problem.schema';
import '../orgs/org.schemas';
import { apiSchemas } from './registry';

type JsonObject = Record<string, unknown>;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('ProblemDetails') } } });

const unauthorized = problem('No API key, or one that is not valid.');
const invalid = problem('The request is malformed: `errors` names each bad field.');
const notFound = problem('No such resource, or one that belongs to another organization.');
const forbidden = problem('The route needs the operator API key.');

/**
 * The gateway's OpenAPI 3.1 document, built from the same zod schemas that validate requests, so the two cannot
 * disagree. Deterministic: docs/api/openapi.json is this function's output, and a unit test keeps them equal.
 */
export function buildOpenApiDocument(): JsonObject {
  const generated = z.toJSONSchema(apiSchemas, { uri: (id) => `#/components/schemas/${id}`, unrepresentable: 'any' }).schemas;
  const schemas: Record<string, JsonObject> = {};
  for (const id of Object.keys(generated).sort()) {
    const { $schema: _s, $id: _i, ...schema } = generated[id] as JsonObject;
    schemas[id] = schema;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Parley gateway API',
      version: '1.0.0',
      description:
        'The admin API of Parley (Slack <-> Microsoft Teams). Every `/v1` request carries `Authorization: Bearer <api key>`: ' +
        'the operator key (configuration `PARLEY_OPERATOR_API_KEY`) creates organizations; an organization admin key sees ' +
        'only its own organization, and another organization\'s resources answer 404. Errors are RFC 9457 problem details.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'orgs', description: 'Organizations and their admin keys.' },
      { name: 'operations', description: 'For the operator running Parley.' },
    ],
    paths: {
      '/v1/orgs': {
        post: {
          operationId: 'createOrg',
          tags: ['orgs'],
          summary: 'Create an organization (operator key)',
          description: 'Answers with the organization and its first admin API key, which is shown this once.',
          requestBody: { required: true, content: json('CreateOrgRequest') },
          responses: {
            '201': { description: 'Created.', content: json('CreatedOrg') },
            '400': invalid,
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
      '/v1/orgs/{id}': {
        get: {
          operationId: 'getOrg',
          tags: ['orgs'],
          summary: 'Get an organization (operator key or that organization\'s key)',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^org_[A-Za-z0-9]{8,40}$' } }],
          responses: { '200': { description: 'The organization.', content: json('Org') }, '401': unauthorized, '404': notFound },
        },
      },
      '/v1/dead-letters': {
        get: {
          operationId: 'listDeadLetters',
          tags: ['operations'],
          summary: 'List recent dead letters, newest first (operator key)',
          description: 'Messages a consumer could not handle, with the reason. The original value stays in the database for replay.',
          parameters: [
            { name: 'cursor', in: 'query', required: false, description: '`nextCursor` of the previous page.', schema: { type: 'string' } },
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
          ],
          responses: {
            '200': { description: 'A page of dead letters.', content: json('DeadLetterPage') },
            '400': invalid,
            '401': unauthorized,
            '403': forbidden,
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The operator key or an organization admin key.' } },
      schemas,
    },
  };
}

/** The document as committed: two-space JSON with a trailing newline. */
export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}
