import { readFileSync } from 'node:fs';
import { buildOpenApiDocument, renderOpenApiDocument } from './document';
import { committedOpenApiPath } from './write-openapi';

const REGENERATE = 'node tools/build/build.mjs --quiet && node dist/libs/gateway/feature/src/openapi/write-openapi.js';

describe('OpenAPI document', () => {
  it('docs/api/openapi.json is what the code generates', () => {
    const committed = readFileSync(committedOpenApiPath(), 'utf8');
    // On failure: regenerate with `${REGENERATE}` and commit the file.
    expect({ file: 'docs/api/openapi.json', regenerate: REGENERATE, matches: committed === renderOpenApiDocument() }).toEqual({
      file: 'docs/api/openapi.json',
      regenerate: REGENERATE,
      matches: true,
    });
  });

  it('is deterministic', () => {
    expect(renderOpenApiDocument()).toBe(renderOpenApiDocument());
  });

  it('has bearer security, the endpoints, and no dangling $ref', () => {
    const document = buildOpenApiDocument() as {
      security: unknown;
      paths: Record<string, Record<string, unknown>>;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };
    expect(document.security).toEqual([{ bearer: [] }]);
    expect(document.components.securitySchemes['bearer']).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(document.paths).sort()).toEqual([
      '/auth/callback',
      '/auth/slack/callback',
      '/auth/slack/start',
      '/slack/events',
      '/teams/lifecycle',
      '/teams/notifications',
      '/v1/channel-links',
      '/v1/channel-links/{id}',
      '/v1/connections',
      '/v1/connections/{id}',
      '/v1/conversations',
      '/v1/conversations/{id}/messages',
      '/v1/dead-letters',
      '/v1/dead-letters/{id}',
      '/v1/dead-letters/{id}/retry',
      '/v1/orgs',
      '/v1/orgs/{id}',
      '/v1/people',
      '/v1/people/{id}',
      '/v1/people/{id}/consent-link',
      '/v1/relay-settings',
      '/v1/user-syncs',
      '/v1/user-syncs/{id}',
    ]);
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(document.components.schemas)).toContain(ref);
  });

  it('documents request bodies as callers write them: fields with a default are optional', () => {
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, { required?: string[]; properties?: Record<string, unknown> }> } })
      .components.schemas;
    expect(schemas['SlackConnectionInput']?.required).toEqual(['platform', 'botToken', 'signingSecret']);
    expect(schemas['SlackConnectionInput']?.properties).toHaveProperty('apiUrl');
    expect(schemas['TeamsConnectionInput']?.required).not.toContain('graphUrl');
    expect(schemas['TeamsConnectionInput']?.required).toContain('clientSecret');
  });

  it('never documents a secret in what the API answers', () => {
    const schemas = (buildOpenApiDocument() as { components: { schemas: Record<string, unknown> } }).components.schemas;
    const answered = ['Connection', 'ConnectionList', 'SlackSettings', 'TeamsSettings'].map((schemaId) => JSON.stringify(schemas[schemaId]));
    for (const text of answered) {
      expect(text).toBeDefined();
      for (const secret of ['botToken', 'signingSecret', 'scimToken', 'clientSecret', 'password']) expect(text).not.toContain(`"${secret}"`);
    }
  });
});
