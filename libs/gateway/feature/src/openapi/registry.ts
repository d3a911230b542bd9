import { z } from 'zod';

/** The zod schemas that appear in the OpenAPI document as components, each under its id. */
export const apiSchemas = z.registry<{ id: string; description?: string }>();
