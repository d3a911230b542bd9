import { z } from 'zod';

type Meta = { id: string; description?: string };

/** The zod schemas that appear in the OpenAPI document as components, each under its id (as they are answered). */
export const apiSchemas = z.registry<Meta>();

/**
 * Request bodies whose schemas have defaults or transforms: documented as a caller writes them (a field with a
 * default is optional), where `apiSchemas` documents what the gateway answers.
 */
export const apiInputSchemas = z.registry<Meta>();
