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
    expect(Object.keys(document.paths).sort()).toEqual(['/v1/dead-letters', '/v1/orgs', '/v1/orgs/{id}']);
    const refs = [...JSON.stringify(document).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(Object.keys(document.components.schemas)).toContain(ref);
  });
});
