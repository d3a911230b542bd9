import { z } from 'zod';
import { allTopicDefinitions } from './catalog';

/** JSON Schema (draft 2020-12) for each topic's payload, as committed under libs/contracts/schema/. */
export function exportJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const definition of allTopicDefinitions()) {
    out[definition.name] = {
      $id: `https://parley.dev/contracts/${definition.name}.json`,
      title: definition.name,
      description: definition.description,
      'x-parley-producers': definition.producers,
      'x-parley-consumers': definition.consumers,
      ...(z.toJSONSchema(definition.schema, { io: 'input', unrepresentable: 'throw' }) as object),
    };
  }
  return out;
}
