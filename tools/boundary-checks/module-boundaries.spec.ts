import path from 'node:path';
import { ESLint } from 'eslint';

// Fixtures that must fail lint: each pretends to be a file inside a real project and imports across a boundary.
// If someone loosens eslint.config.cjs (wildcards, missing tags), these stop failing and this test goes red.
const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it('keeps framework packages out of contracts', async () => {
    const errors = await boundaryErrors('libs/contracts/src/fixture.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n");
    expect(errors.join('\n')).toContain('type:contracts" is not allowed to import "@nestjs/common"');
  });

  it('lets contracts depend on nothing but util and other contract libs', async () => {
    const errors = await boundaryErrors('libs/contracts/src/fixture.ts', "import { createLogger } from '@parley/observability';\nexport const x = createLogger;\n");
    expect(errors).toEqual([]);
    const upward = await boundaryErrors('libs/contracts/src/fixture.ts', "import { KafkaBus } from '@parley/messaging';\nexport const x = KafkaBus;\n");
    expect(upward.length).toBeGreaterThan(0);
    // The internal HTTP shapes build on the topic primitives.
    const sibling = await boundaryErrors('libs/internal-api/src/fixture.ts', "import { orgId } from '@parley/contracts';\nexport const x = orgId;\n");
    expect(sibling).toEqual([]);
  });

  it("keeps one service's feature code out of another service", async () => {
    const errors = await boundaryErrors('apps/relay/src/fixture.ts', "import { identityService } from '@parley/identity-feature';\nexport const x = identityService;\n");
    expect(errors.join('\n')).toContain('scope:relay');
  });

  it('keeps the testing lib out of production code', async () => {
    const errors = await boundaryErrors('libs/messaging/src/fixture.ts', "import { integrationEnv } from '@parley/testing';\nexport const x = integrationEnv;\n");
    expect(errors.join('\n')).toContain('type:data-access');
  });

  it('keeps the relay formatting lib pure: its two packages, no framework, no Node modules', async () => {
    const file = 'libs/relay/formatting/src/fixture.ts';
    const framework = await boundaryErrors(file, "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n");
    expect(framework.join('\n')).toContain('is not allowed to import "@nestjs/common"');
    const [io] = await eslint.lintText("import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n", { filePath: path.join(root, file) });
    expect(io?.messages.map((m) => m.ruleId)).toContain('no-restricted-imports');
    const allowed = await boundaryErrors(file, "import { parse } from 'node-html-parser';\nimport data from 'emojibase-data/en/compact.json';\nexport const x = [parse, data];\n");
    expect(allowed).toEqual([]);
    // Its tests may use fast-check.
    expect(await boundaryErrors('libs/relay/formatting/src/fixture.spec.ts', "import fc from 'fast-check';\nexport const x = fc;\n")).toEqual([]);
  });

  it('accepts an allowed import, so the rule is not simply failing everything', async () => {
    const errors = await boundaryErrors('libs/messaging/src/fixture.ts', "import { topicNames } from '@parley/contracts';\nexport const x = topicNames;\n");
    expect(errors).toEqual([]);
  });
});
